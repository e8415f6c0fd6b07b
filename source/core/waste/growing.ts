/**
 * Growing collections across dumps (memlab's `unbound-collection`): the
 * same container (same address, same type name) in every dump, whose `len`
 * grows from each dump to the next. Largest growth first.
 *
 * A deque's line has no `len`; its references (its items, and on 3.13
 * its type) stand for it.
 *
 * Immutable types (str, bytes, tuple, frozenset, int...) are left out: one
 * of them at the same address in two dumps with another `len` is another
 * object that reused the memory.
 */

import {NO_LENGTH, NO_OBJECT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {runSteps, STEP_WORK, type Steps, topByKeySteps} from './steps.js';

export const IMMUTABLE_TYPES: ReadonlySet<string> = new Set([
	'str', 'bytes', 'unicode', 'tuple', 'frozenset', 'int', 'long', 'bool', 'float', 'complex', 'code', 'type', 'range',
]);

/** What the inspection needs of an older dump: types and lengths by address (the rest of its store can go). */
export type LengthView = {
	readonly typeNames: readonly string[];
	readonly objectType: Uint32Array;
	readonly objectLength: Uint32Array;
	readonly firstChild: Uint32Array;
	indexOf(address: number): number;
};

/** Types whose lines have no `len`, measured by their references instead. */
const COUNTED_BY_REFERENCES: ReadonlySet<string> = new Set(['collections.deque']);

function lengthIn(view: LengthView, ordinal: number, byReferences: boolean): number {
	const length = view.objectLength[ordinal]!;
	return length === NO_LENGTH && byReferences ? view.firstChild[ordinal + 1]! - view.firstChild[ordinal]! : length;
}

/** An older dump's LengthView, holding only its type and len columns and its address index. */
export function lengthView(store: GraphStore): LengthView {
	const index = store.addressIndex;
	return {
		typeNames: store.typeNames,
		objectType: store.objectType,
		objectLength: store.objectLength,
		firstChild: store.firstChild,
		indexOf: address => index.get(address),
	};
}

export type GrowingCollection = {
	/** Ordinal in the newest dump. */
	readonly ordinal: number;
	/** `len` in each dump, oldest first. */
	readonly lengths: readonly number[];
};

export type GrowingCollections = {
	readonly top: readonly GrowingCollection[];
	/** How many containers grew at every dump. */
	readonly count: number;
};

/** `older` oldest first, then the newest dump; the answer's ordinals are the newest's. */
export function findGrowingCollections(older: readonly LengthView[], newest: GraphStore, limit: number): GrowingCollections {
	return runSteps(findGrowingCollectionsSteps(older, newest, limit));
}

/** findGrowingCollections in steps (steps.ts). */
export function * findGrowingCollectionsSteps(older: readonly LengthView[], newest: GraphStore, limit: number): Steps<GrowingCollections> {
	if (older.length === 0) {
		return {top: [], count: 0};
	}

	// Newest type id -> the same name's id in each older dump (-1: absent or immutable).
	const typeMaps = older.map(store => Int32Array.from(newest.typeNames, name => IMMUTABLE_TYPES.has(name) ? -1 : store.typeNames.indexOf(name)));
	const byReferences = Uint8Array.from(newest.typeNames, name => COUNTED_BY_REFERENCES.has(name) ? 1 : 0);
	const n = newest.objectCount;
	const growth = new Float64Array(n);
	let count = 0;
	// Each object costs up to one address lookup per older dump.
	const every = Math.max(1, Math.floor(STEP_WORK / older.length));
	for (let chunk = 0; chunk < n; chunk += every) {
		const chunkEnd = Math.min(n, chunk + every);
		for (let i = chunk; i < chunkEnd; i++) {
			const counted = byReferences[newest.objectType[i]!] === 1;
			let length = lengthIn(newest, i, counted);
			if (length === NO_LENGTH || typeMaps[0]![newest.objectType[i]!]! < 0) {
				continue;
			}

			const address = newest.objectAddress[i]!;
			let grows = true;
			// From the newest back: each older `len` must be smaller than the next.
			for (let k = older.length - 1; k >= 0 && grows; k--) {
				const store = older[k]!;
				const j = store.indexOf(address);
				const before = j === NO_OBJECT ? NO_LENGTH : lengthIn(store, j, counted);
				grows = j !== NO_OBJECT && store.objectType[j] === typeMaps[k]![newest.objectType[i]!] && before !== NO_LENGTH && before < length;
				length = before;
			}

			if (grows) {
				growth[i] = lengthIn(newest, i, counted) - length;
				count++;
			}

		}

		yield;
	}

	const top = yield * topByKeySteps(growth, limit, n, i => growth[i]! > 0);
	return {
		top: Array.from(top, ordinal => ({
			ordinal,
			lengths: [...older, newest].map(store => lengthIn(store, store.indexOf(newest.objectAddress[ordinal]!), byReferences[newest.objectType[ordinal]!] === 1)),
		})),
		count,
	};
}
