/**
 * The instance dicts that collapse folded into their owners, kept beside
 * the store (the store itself only keeps the sum of both sizes): for each
 * folded dict, its owner's ordinal, its own size and its `len`. The waste
 * inspections read them to tell a `__dict__`'s bytes from its instance's.
 */

import type {GraphStore} from '../graph/store.js';

export type FoldedDicts = {
	/** Ordinal (in the collapsed store) of the object that absorbed each dict. */
	readonly owner: Uint32Array;
	/** The dict's size as the dump gave it. */
	readonly size: Float64Array;
	/** The dict's `len` (NO_LENGTH when the dump gave none). */
	readonly length: Uint32Array;
};

const records = new WeakMap<GraphStore, FoldedDicts>();

export function recordFoldedDicts(store: GraphStore, dicts: FoldedDicts): void {
	records.set(store, dicts);
}

/** The folded dicts of a collapsed store, or undefined (not collapsed, or nothing folded). */
export function foldedDicts(store: GraphStore): FoldedDicts | undefined {
	return records.get(store);
}

/** Keep the record on a store made from `from` with the same ordinals (and maybe more at the end). */
export function carryFoldedDicts(from: GraphStore, to: GraphStore): void {
	const dicts = records.get(from);
	if (dicts !== undefined) {
		records.set(to, dicts);
	}
}
