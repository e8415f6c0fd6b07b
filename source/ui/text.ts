/**
 * Text for the views. Everything that comes from a dump (type names,
 * values, names, file names) goes through `safe()`, which is the core's
 * `displayString()`: control characters, C1, bidi overrides become visible
 * escapes, backslashes are doubled, and the result is cut to a display
 * width by grapheme cluster. Text already formatted from dump text (a repr,
 * a line of escaped pieces) and what the user typed go through `fit()`,
 * which makes it safe and cuts it without escaping backslashes again.
 */

import {displayFormatted, displayString, escapeControls, padToWidth, textWidth, truncateToWidth} from '../core/format/escape.js';
import {glyphs} from '../core/format/glyphs.js';
import {pythonRepr} from '../core/format/python.js';
import {reprObject} from '../core/format/repr.js';
import {UNRESOLVED_BIT, type GraphStore} from '../core/graph/store.js';

export {escapeControls, padToWidth, textWidth, truncateToWidth};

/** Raw dump text made terminal-safe and cut to `width` columns. */
export function safe(text: string, width: number): string {
	return displayString(text, Math.max(0, width));
}

/** Formatted (already escaped) or typed text made terminal-safe and cut to `width` columns. */
export function fit(text: string, width: number): string {
	return displayFormatted(text, Math.max(0, width));
}


/**
 * meliae's repr of an object (`dict(140478455628136 1048B 24refs 1par
 * 'value')`), safe and cut to `width`. `totalSize` appends `2.1Ktot`.
 */
export function objectLine(store: GraphStore, ordinal: number, width: number, totalSize?: number): string {
	// Values are clipped before repr: nothing past the width is ever shown.
	return fit(reprObject(store, ordinal, {totalSize, maxValueChars: Math.max(16, width * 2)}), width);
}

/** A child target: an object's repr, or `<missing ADDRESS>` for an address no line describes. */
export function targetLine(store: GraphStore, target: number, width: number): string {
	if (target >= UNRESOLVED_BIT) {
		return fit(`<missing ${store.targetAddress(target)}>`, width);
	}

	return objectLine(store, target, width);
}

/** The value or name of an object as Python would show it, clipped. */
export function valueText(store: GraphStore, ordinal: number, width: number): string | undefined {
	const kind = store.valueKind(ordinal);
	if (kind === 'none') {
		return undefined;
	}

	const value = store.value(ordinal)!;
	const clipped = value.length > width * 2 + 8 ? value.slice(0, width * 2 + 8) : value;
	const shown = kind === 'token' ? escapeControls(clipped) : pythonRepr(clipped);
	const {ellipsis} = glyphs();
	return fit(clipped === value ? shown : shown.slice(0, -1) + ellipsis + ellipsis, width);
}

/** 1234567 → "1,234,567". */
export function formatCount(value: number): string {
	return value.toLocaleString('en-US');
}

/** A signed delta: "+12", "-3", "0". */
export function formatDelta(value: number): string {
	return value > 0 ? `+${value}` : String(value);
}

/** Right-align `text` in `width` columns (cutting when too wide). */
export function padStartToWidth(text: string, width: number): string {
	const cut = truncateToWidth(text, width);
	const missing = width - textWidth(cut);
	return missing > 0 ? ' '.repeat(missing) + cut : cut;
}

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

/** Cut from the left so the end stays visible: "… > dict > list" (by grapheme cluster). */
export function truncateLeft(text: string, width: number): string {
	if (textWidth(text) <= width) {
		return text;
	}

	const {ellipsis} = glyphs();
	if (width <= ellipsis.length) {
		return width <= 0 ? '' : ellipsis.slice(0, width);
	}

	const clusters = Array.from(segmenter.segment(text), ({segment}) => segment);
	let result = '';
	let used = 0;
	for (let k = clusters.length - 1; k >= 0; k--) {
		const w = textWidth(clusters[k]!);
		if (used + w > width - ellipsis.length) {
			break;
		}

		result = clusters[k]! + result;
		used += w;
	}

	return ellipsis + result;
}

/**
 * Cut from the middle so both ends stay visible: a dump's file name keeps
 * its process id and its time (`meliae-12…-053742.json.gz`).
 */
export function truncateMiddle(text: string, width: number): string {
	if (textWidth(text) <= width) {
		return text;
	}

	const {ellipsis} = glyphs();
	if (width <= ellipsis.length + 1) {
		return truncateToWidth(text, width);
	}

	const clusters = Array.from(segmenter.segment(text), ({segment}) => segment);
	const room = width - ellipsis.length;
	// The end carries more (the time, the extension): give it two thirds.
	let tailRoom = Math.ceil(room * 2 / 3);
	let tail = '';
	let k = clusters.length - 1;
	for (; k >= 0; k--) {
		const w = textWidth(clusters[k]!);
		if (w > tailRoom) {
			break;
		}

		tail = clusters[k]! + tail;
		tailRoom -= w;
	}

	let headRoom = room - textWidth(tail);
	let head = '';
	for (let j = 0; j < k; j++) {
		const w = textWidth(clusters[j]!);
		if (w > headRoom) {
			break;
		}

		head += clusters[j]!;
		headRoom -= w;
	}

	return head + ellipsis + tail;
}
