/**
 * Short labels for objects in one-line chains: `dict@0x7f12ab`,
 * `module 'app'@0x7f…`, `Observer@0x…`. Terminal-safe.
 */

import {FLAG_COLLAPSED} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {displayFormatted, escapeControls} from './escape.js';
import {glyphs} from './glyphs.js';
import {hexAddress} from './address.js';
import {pythonRepr} from './python.js';

const MAX_NAME = 40;

function quotedName(store: GraphStore, ordinal: number): string {
	const name = store.value(ordinal)!;
	const shown = name.length > MAX_NAME ? pythonRepr(name.slice(0, MAX_NAME)).slice(0, -1) + glyphs().ellipsis : pythonRepr(name);
	return displayFormatted(shown, MAX_NAME + 8);
}

/**
 * `type@0xaddress`; named objects (modules, classes, functions) with their
 * name; a module's dict (not collapsed into it because functions reference
 * it as their globals) says whose globals it is.
 */
export function objectLabel(store: GraphStore, ordinal: number): string {
	const type = escapeControls(store.typeName(ordinal));
	const address = hexAddress(store.objectAddress[ordinal]!);
	if (store.valueKind(ordinal) === 'name') {
		return `${type} ${quotedName(store, ordinal)}@${address}`;
	}

	if (type === 'dict') {
		const {firstParent, parentSources} = store;
		for (let e = firstParent[ordinal]!; e < firstParent[ordinal + 1]!; e++) {
			const parent = parentSources[e]!;
			// A module that did not absorb its dict references it and nothing else.
			if (store.typeName(parent) === 'module' && store.valueKind(parent) === 'name'
				&& (store.objectFlags[parent]! & FLAG_COLLAPSED) === 0 && store.childCount(parent) === 1) {
				return `dict (globals of module ${quotedName(store, parent)})@${address}`;
			}
		}
	}

	return `${type}@${address}`;
}

/** Labels joined by arrows: the first object is held by the second, and so on. */
export function labelChain(store: GraphStore, ordinals: Iterable<number>, ascii = glyphs().charset === 'ascii'): string {
	const labels: string[] = [];
	for (const ordinal of ordinals) {
		labels.push(objectLabel(store, ordinal));
	}

	return labels.join(ascii ? ' <- ' : ' ← ');
}
