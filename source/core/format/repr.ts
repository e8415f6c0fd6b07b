/**
 * meliae's repr of an object, `dict(140478455628136 1048B 24refs 1par
 * 'value' 2.1Ktot)`, with every piece of dump text made terminal-safe.
 */

import type {GraphStore} from '../graph/store.js';
import {UNRESOLVED_BIT, UNRESOLVED_MASK} from '../graph/layout.js';
import {escapeControls} from './escape.js';
import {glyphs} from './glyphs.js';
import {pythonRepr} from './python.js';
import {meliaeSize} from './size.js';

/**
 * Values longer than this are cut in a repr unless told otherwise: meliae
 * and our dumper write at most 100 characters of a string, so a real
 * dump's reprs are whole, and a hostile one's 1 MiB value does not make a
 * 1 MiB line in `top`, `path` or `show`.
 */
export const REPR_VALUE_CHARS = 200;

/**
 * The value part of a repr: ints bare, strings (and names) as Python repr.
 * A value longer than `maxChars` is cut first and ends with "…" (a 10 MB
 * string then costs what a short one does; see valueText).
 */
export function reprValue(store: GraphStore, ordinal: number, maxChars = REPR_VALUE_CHARS): string | undefined {
	const kind = store.valueKind(ordinal);
	if (kind === 'none') {
		return undefined;
	}

	return valueText(store.value(ordinal)!, kind === 'token', maxChars);
}

/**
 * A value as a repr shows it: a token (a number) bare, a string as Python
 * repr; cut to `maxChars` characters, ending with "…", when longer.
 */
export function valueText(value: string, token: boolean, maxChars = REPR_VALUE_CHARS): string {
	if (value.length > maxChars) {
		const clipped = value.slice(0, maxChars);
		return (token ? escapeControls(clipped) : pythonRepr(clipped).slice(0, -1)) + glyphs().ellipsis;
	}

	return token ? escapeControls(value) : pythonRepr(value);
}

export type ReprOptions = {
	/** Reachable size to append as `2.1Ktot` (meliae shows it once computed). */
	totalSize?: number;
	/** Cut values longer than this many characters (see reprValue); REPR_VALUE_CHARS when not given. */
	maxValueChars?: number;
};

export function reprObject(store: GraphStore, ordinal: number, options: ReprOptions = {}): string {
	let text = `${escapeControls(store.typeName(ordinal))}(${store.objectAddress[ordinal]} ${store.objectSize[ordinal]}B`;
	const children = store.childCount(ordinal);
	if (children > 0) {
		text += ` ${children}refs`;
	}

	const parents = store.parentCount(ordinal);
	if (parents > 0) {
		text += ` ${parents}par`;
	}

	const value = reprValue(store, ordinal, options.maxValueChars);
	if (value !== undefined) {
		text += ` ${value}`;
	}

	if (options.totalSize !== undefined && options.totalSize > 0) {
		text += ` ${meliaeSize(options.totalSize)}tot`;
	}

	return text + ')';
}

/** repr of a child target, which may be an address the dump never listed. */
export function reprTarget(store: GraphStore, target: number): string {
	if (target >= UNRESOLVED_BIT) {
		return `<missing ${store.unresolvedAddress[target & UNRESOLVED_MASK]}>`;
	}

	return reprObject(store, target);
}
