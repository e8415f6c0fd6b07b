/**
 * The one way text from a dump reaches a terminal. Values, names and type
 * names may hold ESC, BEL, CR, backspace, C1 controls, bidi overrides, a
 * literal backslash sequence that reads like an escape, emoji sequences or
 * megabytes of text; here they become visible escapes (`\x1b`, `\u202e`,
 * `\\x1b`) and are cut to a display width, by grapheme cluster.
 *
 * Two entry points:
 * - `escapeControls` / `displayString` take raw dump text: a backslash is
 *   doubled, as Python's repr() does, so `\x1b` in a type name can never be
 *   taken for an escaped ESC;
 * - `displayFormatted` takes text already formatted from dump text (a repr,
 *   a line built from escaped pieces) and only makes it safe and cuts it, so
 *   escaping twice never doubles a backslash twice.
 *
 * In ASCII mode (a non-UTF-8 locale, see glyphs.ts) every non-ASCII
 * character is escaped too, as Python's ascii() does.
 *
 * Widths: a grapheme cluster is as wide as the wider of two rules, Ink's
 * (string-width: an emoji sequence is two columns) and a per-code-point
 * terminal's like tmux (wcwidth of each code point, zero after a zero width
 * joiner: `👍🏽` is four columns there, `❤️` one). Lines measured this way
 * never wrap in either kind of terminal, and Ink never cuts them.
 */

import stringWidth from 'string-width';
import {asciiOutput, glyphs} from './glyphs.js';

/**
 * Characters that must not reach a terminal raw: C0 controls, DEL, C1
 * controls, format characters (bidi overrides and isolates, zero-width
 * joiners outside emoji sequences...), line and paragraph separators, lone
 * surrogates, private use and unassigned code points.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const UNSAFE_GLOBAL = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;
/** Printable ASCII without the backslash: nothing to escape, one column each. */
const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;
/** Printable ASCII: one column each. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** An emoji zero-width-joiner sequence (👨‍👩‍👧‍👦, 👩‍💻): its joiners are kept. */
const EMOJI_ZWJ_SEQUENCE = /^\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}\uFE0F]?(?:\u200D\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}\uFE0F]?)+$/u;
const ZWJ = 0x20_0D;

function hex(code: number, digits: number): string {
	return code.toString(16).padStart(digits, '0');
}

export function escapeCodePoint(code: number): string {
	if (code < 0x100) {
		return `\\x${hex(code, 2)}`;
	}

	if (code < 0x1_00_00) {
		return `\\u${hex(code, 4)}`;
	}

	return `\\U${hex(code, 8)}`;
}

/** Every character outside printable ASCII escaped, as Python's ascii(). */
function asciiEscape(segment: string, backslash: boolean): string {
	let result = '';
	for (const char of segment) {
		const code = char.codePointAt(0)!;
		if (code === 0x5c) {
			result += backslash ? '\\\\' : '\\';
		} else if (code >= 0x20 && code < 0x7f) {
			result += char;
		} else {
			result += escapeCodePoint(code);
		}
	}

	return result;
}

/** One grapheme cluster made safe; `backslash` doubles backslashes (raw dump text). */
function escapeSegment(segment: string, backslash: boolean, ascii: boolean): string {
	if (ascii) {
		return asciiEscape(segment, backslash);
	}

	let text = backslash && segment.includes('\\') ? segment.replaceAll('\\', '\\\\') : segment;
	if (UNSAFE.test(text) && !EMOJI_ZWJ_SEQUENCE.test(text)) {
		text = text.replace(UNSAFE_GLOBAL, match => escapeCodePoint(match.codePointAt(0)!));
	}

	return text;
}

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

function escapeAll(text: string, backslash: boolean): string {
	const ascii = asciiOutput();
	if (ascii) {
		// Escapes are per code point: no need to find the clusters.
		return PRINTABLE_ASCII.test(text) && (!backslash || !text.includes('\\')) ? text : asciiEscape(text, backslash);
	}

	if (PLAIN.test(text)) {
		return text;
	}

	if (!UNSAFE.test(text)) {
		return backslash ? text.replaceAll('\\', '\\\\') : text;
	}

	let result = '';
	for (const {segment} of segmenter.segment(text)) {
		result += escapeSegment(segment, backslash, false);
	}

	return result;
}

/**
 * Raw dump text made safe: backslashes doubled, unsafe characters (and in
 * ASCII mode every non-ASCII one) replaced by visible escapes. Not cut.
 */
export function escapeControls(text: string): string {
	return escapeAll(text, true);
}

const codePointWidths = new Map<number, number>();

function codePointWidth(code: number): number {
	let width = codePointWidths.get(code);
	if (width === undefined) {
		width = stringWidth(String.fromCodePoint(code));
		codePointWidths.set(code, width);
	}

	return width;
}

/** Columns a per-code-point terminal (tmux) gives a cluster: the sum of wcwidths, zero after a joiner. */
function terminalWidth(segment: string): number {
	let width = 0;
	let joined = false;
	for (const char of segment) {
		const code = char.codePointAt(0)!;
		if (!joined) {
			width += codePointWidth(code);
		}

		joined = code === ZWJ;
	}

	return width;
}

const clusterWidths = new Map<string, number>();

/** Display width of one grapheme cluster (see the top of this file). */
export function clusterWidth(segment: string): number {
	if (segment.length === 1 && segment >= ' ' && segment <= '~') {
		return 1;
	}

	let width = clusterWidths.get(segment);
	if (width === undefined) {
		width = Math.max(stringWidth(segment), terminalWidth(segment));
		if (clusterWidths.size > 10_000) {
			clusterWidths.clear();
		}

		clusterWidths.set(segment, width);
	}

	return width;
}

/** Display width in terminal columns, by grapheme cluster (safe text). */
export function textWidth(text: string): number {
	if (PRINTABLE_ASCII.test(text)) {
		return text.length;
	}

	let width = 0;
	for (const {segment} of segmenter.segment(text)) {
		width += clusterWidth(segment);
	}

	return width;
}

/**
 * Cut text to at most `maxWidth` columns by whole grapheme clusters, ending
 * with the ellipsis (`…`, or `...` in ASCII mode) when cut. Text must
 * already be safe (see escapeControls).
 */
export function truncateToWidth(text: string, maxWidth: number): string {
	if (maxWidth <= 0) {
		return '';
	}

	// Cheap exit for short ASCII text.
	if (text.length <= maxWidth && PRINTABLE_ASCII.test(text)) {
		return text;
	}

	const {ellipsis} = glyphs();
	const room = maxWidth - (ellipsis.length <= maxWidth ? ellipsis.length : 0);
	// Long text starting with more ASCII than fits: one column a character.
	if (PRINTABLE_ASCII.test(text.slice(0, maxWidth + 1))) {
		return text.slice(0, room) + (ellipsis.length <= maxWidth ? ellipsis : '');
	}

	if (textWidth(text) <= maxWidth) {
		return text;
	}

	let width = 0;
	let result = '';
	for (const {segment} of segmenter.segment(text)) {
		const w = clusterWidth(segment);
		if (width + w > room) {
			break;
		}

		result += segment;
		width += w;
	}

	return ellipsis.length <= maxWidth ? result + ellipsis : result;
}

/** Pad with spaces on the right to exactly `width` columns (truncating first). */
export function padToWidth(text: string, width: number): string {
	const cut = truncateToWidth(text, width);
	const missing = width - textWidth(cut);
	return missing > 0 ? cut + ' '.repeat(missing) : cut;
}

function display(text: string, maxWidth: number, backslash: boolean): string {
	const limit = Math.max(0, maxWidth);
	const ascii = asciiOutput();
	const plain = backslash ? PLAIN : PRINTABLE_ASCII;
	if (text.length <= limit && plain.test(text)) {
		return text;
	}

	const {ellipsis} = glyphs();
	// Long text starting with more plain ASCII than fits: one column a character.
	if (limit > 0 && plain.test(text.slice(0, limit + 1))) {
		return text.slice(0, limit - (ellipsis.length <= limit ? ellipsis.length : 0)) + (ellipsis.length <= limit ? ellipsis : '');
	}

	// No grapheme is narrower than one column once escaped, so this many code
	// units (with room for surrogate pairs) always cover the visible part.
	const budget = limit * 2 + 8;
	const clipped = text.length > budget ? text.slice(0, budget) : text;
	const pieces: string[] = [];
	const widths: number[] = [];
	let total = 0;
	for (const {segment} of segmenter.segment(clipped)) {
		const piece = escapeSegment(segment, backslash, ascii);
		const width = piece === segment ? clusterWidth(segment) : textWidth(piece);
		pieces.push(piece);
		widths.push(width);
		total += width;
		if (total > limit) {
			break;
		}
	}

	if (total <= limit && clipped.length === text.length) {
		return pieces.join('');
	}

	if (clipped.length < text.length && total <= limit) {
		// The last cluster may have been cut by the clip.
		pieces.pop();
	}

	const room = limit - (ellipsis.length <= limit ? ellipsis.length : 0);
	let result = '';
	let width = 0;
	for (const [i, piece] of pieces.entries()) {
		if (width + widths[i]! > room) {
			break;
		}

		result += piece;
		width += widths[i]!;
	}

	return limit === 0 ? '' : (ellipsis.length <= limit ? result + ellipsis : result);
}

/**
 * Raw text from a dump (a type name, a value, a file name) for display:
 * escaped (backslashes doubled, see escapeControls) and cut to `maxWidth`
 * columns, in one pass over grapheme clusters so that an escape (`\x1b`) or
 * an emoji sequence is never cut in half. `maxWidth` defaults to 4096
 * columns; a megabyte-long value costs no more than a short one.
 */
export function displayString(text: string, maxWidth = 4096): string {
	return display(text, maxWidth, true);
}

/**
 * Text already formatted from dump text (a repr whose backslashes are
 * escaped, a line of escaped pieces, what a user typed) for display: made
 * safe (controls, and non-ASCII in ASCII mode) and cut, backslashes left as
 * they are.
 */
export function displayFormatted(text: string, maxWidth = 4096): string {
	return display(text, maxWidth, false);
}
