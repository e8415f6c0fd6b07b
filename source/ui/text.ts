/**
 * Text for the views. Everything that comes from a dump (type names,
 * values, names, file names) goes through `safe()`, which is the core's
 * `displayString()`: control characters, C1, bidi overrides become visible
 * escapes, and the result is cut to a display width.
 */

import {displayString, padToWidth, textWidth, truncateToWidth} from '../core/format/escape.js';
import {pythonRepr} from '../core/format/python.js';
import {reprObject} from '../core/format/repr.js';
import {UNRESOLVED_BIT, type GraphStore} from '../core/graph/store.js';

export {padToWidth, textWidth, truncateToWidth};

/** Dump text made terminal-safe and cut to `width` columns. */
export function safe(text: string, width: number): string {
	return displayString(text, Math.max(0, width));
}


/**
 * meliae's repr of an object (`dict(140478455628136 1048B 24refs 1par
 * 'value')`), safe and cut to `width`. `totalSize` appends `2.1Ktot`.
 */
export function objectLine(store: GraphStore, ordinal: number, width: number, totalSize?: number): string {
	// Values are clipped before repr: nothing past the width is ever shown.
	return safe(reprObject(store, ordinal, {totalSize, maxValueChars: Math.max(16, width * 2)}), width);
}

/** A child target: an object's repr, or `<missing ADDRESS>` for an address no line describes. */
export function targetLine(store: GraphStore, target: number, width: number): string {
	if (target >= UNRESOLVED_BIT) {
		return safe(`<missing ${store.targetAddress(target)}>`, width);
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
	const shown = kind === 'token' ? clipped : pythonRepr(clipped);
	return safe(clipped === value ? shown : shown.slice(0, -1) + '……', width);
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

/** Cut from the left so the end stays visible: "… › dict › list". */
export function truncateLeft(text: string, width: number): string {
	if (textWidth(text) <= width) {
		return text;
	}

	if (width <= 1) {
		return width === 1 ? '…' : '';
	}

	const chars = [...text];
	let result = '';
	let used = 0;
	for (let k = chars.length - 1; k >= 0; k--) {
		const w = textWidth(chars[k]!);
		if (used + w > width - 1) {
			break;
		}

		result = chars[k]! + result;
		used += w;
	}

	return '…' + result;
}
