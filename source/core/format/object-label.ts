/**
 * Short labels for objects in one-line chains: `dict@0x7f12ab`,
 * `module 'app'@0x7f…`, `Observer@0x…`. Terminal-safe.
 */

import type {GraphStore} from '../graph/store.js';
import {displayString, escapeControls} from './escape.js';
import {hexAddress} from './address.js';
import {pythonRepr} from './python.js';

const MAX_NAME = 40;

export function objectLabel(store: GraphStore, ordinal: number): string {
	const type = escapeControls(store.typeName(ordinal));
	const address = hexAddress(store.objectAddress[ordinal]!);
	if (store.valueKind(ordinal) === 'name') {
		const name = store.value(ordinal)!;
		const shown = name.length > MAX_NAME ? name.slice(0, MAX_NAME) + '…' : name;
		return `${type} ${displayString(pythonRepr(shown), MAX_NAME + 8)}@${address}`;
	}

	return `${type}@${address}`;
}

/** Labels joined by arrows: the first object is held by the second, and so on. */
export function labelChain(store: GraphStore, ordinals: Iterable<number>, ascii = false): string {
	const labels: string[] = [];
	for (const ordinal of ordinals) {
		labels.push(objectLabel(store, ordinal));
	}

	return labels.join(ascii ? ' <- ' : ' ← ');
}
