/**
 * Growing collections across dumps (memlab's `unbound-collection`): the
 * same container (same address, same type name) in every dump, whose `len`
 * grows from each dump to the next. Largest growth first.
 *
 * Immutable types (str, bytes, tuple, frozenset, int...) are left out: one
 * of them at the same address in two dumps with another `len` is another
 * object that reused the memory.
 */

import {topByKey} from '../analyses/dominators.js';
import {NO_LENGTH, NO_OBJECT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';

export const IMMUTABLE_TYPES: ReadonlySet<string> = new Set([
	'str', 'bytes', 'unicode', 'tuple', 'frozenset', 'int', 'long', 'bool', 'float', 'complex', 'code', 'type', 'range',
]);

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

/** `stores` oldest first; the answer's ordinals are the newest's. */
export function findGrowingCollections(stores: readonly GraphStore[], limit: number): GrowingCollections {
	const newest = stores.at(-1)!;
	const older = stores.slice(0, -1);
	if (older.length === 0) {
		return {top: [], count: 0};
	}

	// Newest type id -> the same name's id in each older dump (-1: absent or immutable).
	const typeMaps = older.map(store => Int32Array.from(newest.typeNames, name => IMMUTABLE_TYPES.has(name) ? -1 : store.typeId(name)));
	const n = newest.objectCount;
	const growth = new Float64Array(n);
	let count = 0;
	for (let i = 0; i < n; i++) {
		let length = newest.objectLength[i]!;
		if (length === NO_LENGTH || typeMaps[0]![newest.objectType[i]!]! < 0) {
			continue;
		}

		const address = newest.objectAddress[i]!;
		let grows = true;
		// From the newest back: each older `len` must be smaller than the next.
		for (let k = older.length - 1; k >= 0 && grows; k--) {
			const store = older[k]!;
			const j = store.indexOf(address);
			const before = j === NO_OBJECT ? NO_LENGTH : store.objectLength[j]!;
			grows = j !== NO_OBJECT && store.objectType[j] === typeMaps[k]![newest.objectType[i]!] && before !== NO_LENGTH && before < length;
			length = before;
		}

		if (grows) {
			growth[i] = newest.objectLength[i]! - length;
			count++;
		}
	}

	const top = topByKey(growth, limit, n, i => growth[i]! > 0);
	return {
		top: Array.from(top, ordinal => ({
			ordinal,
			lengths: [...older.map(store => store.objectLength[store.indexOf(newest.objectAddress[ordinal]!)]!), newest.objectLength[ordinal]!],
		})),
		count,
	};
}
