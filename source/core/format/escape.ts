/**
 * The one way text from a dump reaches a terminal. Values, names and type
 * names may hold ESC, BEL, CR, backspace, C1 controls, bidi overrides or
 * megabytes of text; here they become visible escapes (`\x1b`, `\u202e`) and
 * are cut to a display width, counting wide characters (CJK, emoji) as two
 * columns.
 */

import stringWidth from 'string-width';

/**
 * Characters that must not reach a terminal raw: C0 controls, DEL, C1
 * controls, format characters (bidi overrides and isolates, zero-width
 * joiners...), line and paragraph separators, lone surrogates, private use
 * and unassigned code points.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const UNSAFE_GLOBAL = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

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

/** Replace every unsafe character by a visible escape. Safe text is returned as is. */
export function escapeControls(text: string): string {
	if (!UNSAFE.test(text)) {
		return text;
	}

	return text.replace(UNSAFE_GLOBAL, match => escapeCodePoint(match.codePointAt(0)!));
}

/** Display width in terminal columns. */
export function textWidth(text: string): number {
	return stringWidth(text);
}

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const ELLIPSIS = '…';

/**
 * Cut text to at most `maxWidth` columns, ending with "…" when cut. Text
 * must already be safe (see escapeControls).
 */
export function truncateToWidth(text: string, maxWidth: number): string {
	if (maxWidth <= 0) {
		return '';
	}

	// Cheap exit for short ASCII text.
	if (text.length <= maxWidth && /^[\x20-\x7e]*$/.test(text)) {
		return text;
	}

	if (textWidth(text) <= maxWidth) {
		return text;
	}

	let width = 0;
	let result = '';
	for (const {segment} of segmenter.segment(text)) {
		const w = textWidth(segment);
		if (width + w > maxWidth - 1) {
			break;
		}

		result += segment;
		width += w;
	}

	return result + ELLIPSIS;
}

/** Pad with spaces on the right to exactly `width` columns (truncating first). */
export function padToWidth(text: string, width: number): string {
	const cut = truncateToWidth(text, width);
	const missing = width - textWidth(cut);
	return missing > 0 ? cut + ' '.repeat(missing) : cut;
}

/**
 * Escape and truncate text from a dump for display, in one pass over
 * graphemes so that an escape (`\x1b`) is never cut in half. `maxWidth`
 * defaults to 4096 columns; a megabyte-long value costs no more than a short
 * one.
 */
export function displayString(text: string, maxWidth = 4096): string {
	const limit = Math.max(0, maxWidth);
	if (text.length <= limit && /^[\x20-\x7e]*$/.test(text)) {
		return text;
	}

	// No grapheme is narrower than one column once escaped, so this many code
	// units (with room for surrogate pairs) always cover the visible part.
	const budget = limit * 2 + 8;
	const clipped = text.length > budget ? text.slice(0, budget) : text;
	const pieces: string[] = [];
	const widths: number[] = [];
	let total = 0;
	for (const {segment} of segmenter.segment(clipped)) {
		const piece = UNSAFE.test(segment) ? escapeControls(segment) : segment;
		const width = textWidth(piece);
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

	let result = '';
	let width = 0;
	for (const [i, piece] of pieces.entries()) {
		if (width + widths[i]! > limit - 1) {
			break;
		}

		result += piece;
		width += widths[i]!;
	}

	return limit === 0 ? '' : result + ELLIPSIS;
}
