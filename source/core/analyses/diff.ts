/**
 * Comparing dumps of one process taken over time.
 *
 * CPython never moves an object, so an object keeps its address for its
 * whole life; but a freed address is quickly reused. Objects are matched by
 * address AND type name (type ids differ between loads): an object with the
 * same address and type in both dumps is a survivor, which may still be a
 * new object allocated where an old one of the same type was freed.
 *
 * Memory: of an older dump only its columns are kept (address, type and
 * size, shared with the store it came from: 20 bytes per object), so the
 * rest of its store can be freed before the next dump is loaded. Objects
 * are matched by a partitioned join (address-join.ts), not by lookups in
 * an address hash, which is neither needed nor, from an index, read; the
 * explorer's jobs, which match in slices between frames, take a snapshot
 * with the hash.
 *
 * Three dumps A, B, C (memlab's baseline, target, final): the leak
 * candidates are the objects new in B (not in A) that still exist in C.
 * They are grouped by owner: the nearest object in C's dominator tree that
 * is not itself a candidate, and the types of its dominators above it.
 */

import type {AddressIndex} from '../graph/address-index.js';
import {NO_OBJECT} from '../graph/layout.js';
import {matchByAddress} from './address-join.js';
import {hasRecordedTypeTotals, TYPE_TOTAL_FIELDS, typeTotalsOf} from './summary.js';
import type {GraphStore} from '../graph/store.js';
import {type Dominators, topByKey} from './dominators.js';

/** The sentence every diff output carries. */
export const REUSE_NOTE = 'objects are matched by address and type; a survivor may be a new object allocated at a freed address';

/** Per-type counts and sizes of one dump, by type name. */
export type TypeTotals = {
	readonly totalCount: number;
	readonly totalSize: number;
	readonly typeNames: readonly string[];
	/** By index into typeNames. */
	readonly counts: Float64Array;
	readonly sizes: Float64Array;
};

/**
 * Per-type counts and sizes: those recorded with the store (an index file
 * holds them) when there are, so that no column is read; else one pass.
 */
export function typeTotals(store: GraphStore): TypeTotals {
	const typeCount = store.typeNames.length;
	const counts = new Float64Array(typeCount);
	const sizes = new Float64Array(typeCount);
	if (hasRecordedTypeTotals(store)) {
		const recorded = typeTotalsOf(store);
		let total = 0;
		for (let type = 0; type < typeCount; type++) {
			counts[type] = recorded[type * TYPE_TOTAL_FIELDS]!;
			sizes[type] = recorded[(type * TYPE_TOTAL_FIELDS) + 1]!;
			total += sizes[type]!;
		}

		return {totalCount: store.objectCount, totalSize: total, typeNames: store.typeNames, counts, sizes};
	}

	const {objectType, objectSize} = store;
	let totalSize = 0;
	for (let i = 0; i < store.objectCount; i++) {
		const type = objectType[i]!;
		counts[type]++;
		sizes[type] += objectSize[i]!;
		totalSize += objectSize[i]!;
	}

	return {totalCount: store.objectCount, totalSize, typeNames: store.typeNames, counts, sizes};
}

/** What is kept of an older dump to compare a newer one with (diffDumps). */
export type DumpColumns = {
	readonly totals: TypeTotals;
	readonly objectCount: number;
	readonly objectAddress: Float64Array;
	readonly objectType: Uint32Array;
	readonly objectSize: Float64Array;
};

/** DumpColumns and the dump's address hash, for lookups one object at a time (the explorer's jobs, in slices). */
export type DumpSnapshot = DumpColumns & {
	readonly addressIndex: AddressIndex;
};

/**
 * Keep the columns diffDumps needs; the rest of `store` can then be
 * dropped. The address hash is not needed (nor, from an index file, read).
 */
export function columnsOf(store: GraphStore): DumpColumns {
	return {
		totals: typeTotals(store),
		objectCount: store.objectCount,
		objectAddress: store.objectAddress,
		objectType: store.objectType,
		objectSize: store.objectSize,
	};
}

/** columnsOf and the address hash. */
export function snapshotOf(store: GraphStore): DumpSnapshot {
	return {...columnsOf(store), addressIndex: store.addressIndex};
}

export type TypeDiff = {
	readonly type: string;
	readonly oldCount: number;
	readonly newCount: number;
	readonly countDelta: number;
	readonly oldSize: number;
	readonly newSize: number;
	readonly sizeDelta: number;
	/** Objects of this type in NEW whose address is not in OLD, or is there with another type. */
	readonly newObjects: number;
	readonly newObjectsSize: number;
	/** Objects of this type in OLD that NEW does not have (same address and type). */
	readonly freedObjects: number;
	readonly freedObjectsSize: number;
};

export type DumpDiff = {
	readonly old: TypeTotals;
	readonly new: TypeTotals;
	/** Sorted by size delta, largest growth first (then count delta, then name). */
	readonly types: TypeDiff[];
	readonly newObjects: number;
	readonly freedObjects: number;
	/** 1 for each object of the new store that is new (by ordinal). */
	readonly isNew: Uint8Array;
};

/** Map each type id of `to`'s table to the id of the same name in `from`'s, or -1. */
function mapTypeIds(from: readonly string[], to: readonly string[]): Int32Array {
	const ids = new Map<string, number>();
	for (const [id, name] of from.entries()) {
		ids.set(name, id);
	}

	const map = new Int32Array(to.length);
	for (const [id, name] of to.entries()) {
		map[id] = ids.get(name) ?? -1;
	}

	return map;
}

/** Compare a newer store with the snapshot of an older dump. */
export function diffDumps(old: DumpColumns, store: GraphStore): DumpDiff {
	const toOld = mapTypeIds(old.totals.typeNames, store.typeNames);
	const n = store.objectCount;
	const {objectType, objectSize} = store;
	const oldType = old.objectType;
	const {newMatched, oldMatched: matched} = matchByAddress(old, store, toOld);
	// The match's array becomes isNew in place; the new store's totals in the same pass.
	const isNew = newMatched;
	const typeCount = store.typeNames.length;
	const counts = new Float64Array(typeCount);
	const sizes = new Float64Array(typeCount);
	const newCount = new Float64Array(typeCount);
	const newSize = new Float64Array(typeCount);
	let totalSize = 0;
	let newObjects = 0;
	for (let i = 0; i < n; i++) {
		const type = objectType[i]!;
		const size = objectSize[i]!;
		const fresh = 1 - isNew[i]!;
		isNew[i] = fresh;
		counts[type]++;
		sizes[type] += size;
		totalSize += size;
		newCount[type] += fresh;
		newSize[type] += fresh * size;
		newObjects += fresh;
	}

	const newTotals: TypeTotals = {totalCount: n, totalSize, typeNames: store.typeNames, counts, sizes};
	const oldNames = old.totals.typeNames;
	const freedCount = new Float64Array(oldNames.length);
	const freedSize = new Float64Array(oldNames.length);
	let freedObjects = 0;
	const oldSize = old.objectSize;
	for (let o = 0; o < old.objectCount; o++) {
		const freed = 1 - matched[o]!;
		const type = oldType[o]!;
		freedCount[type] += freed;
		freedSize[type] += freed * oldSize[o]!;
		freedObjects += freed;
	}

	const rows = new Map<string, TypeDiff>();
	const row = (type: string): TypeDiff => rows.get(type) ?? {
		type, oldCount: 0, newCount: 0, countDelta: 0, oldSize: 0, newSize: 0, sizeDelta: 0,
		newObjects: 0, newObjectsSize: 0, freedObjects: 0, freedObjectsSize: 0,
	};

	for (const [id, type] of oldNames.entries()) {
		if (old.totals.counts[id] === 0) {
			continue;
		}

		rows.set(type, {...row(type), oldCount: old.totals.counts[id]!, oldSize: old.totals.sizes[id]!, freedObjects: freedCount[id]!, freedObjectsSize: freedSize[id]!});
	}

	for (const [id, type] of store.typeNames.entries()) {
		if (newTotals.counts[id] === 0) {
			continue;
		}

		rows.set(type, {...row(type), newCount: newTotals.counts[id]!, newSize: newTotals.sizes[id]!, newObjects: newCount[id]!, newObjectsSize: newSize[id]!});
	}

	const types = [...rows.values()].map(r => ({...r, countDelta: r.newCount - r.oldCount, sizeDelta: r.newSize - r.oldSize}));
	types.sort((a, b) => (b.sizeDelta - a.sizeDelta) || (b.countDelta - a.countDelta) || compareNames(a.type, b.type));
	return {old: old.totals, new: newTotals, types, newObjects, freedObjects, isNew};
}

function compareNames(a: string, b: string): number {
	return a < b ? -1 : (a > b ? 1 : 0);
}

/**
 * The objects new in the middle dump, kept to be looked for in the final
 * one: their addresses and type names (12 bytes each).
 */
export type NewObjects = {
	readonly objectCount: number;
	readonly typeNames: readonly string[];
	readonly objectAddress: Float64Array;
	readonly objectType: Uint32Array;
};

export function newObjectsOf(store: GraphStore, isNew: Uint8Array): NewObjects {
	let count = 0;
	for (let i = 0; i < store.objectCount; i++) {
		count += isNew[i]!;
	}

	const objectAddress = new Float64Array(count);
	const objectType = new Uint32Array(count);
	const addresses = store.objectAddress;
	const types = store.objectType;
	let out = 0;
	for (let i = 0; i < store.objectCount; i++) {
		if (isNew[i] === 1) {
			objectAddress[out] = addresses[i]!;
			objectType[out] = types[i]!;
			out++;
		}
	}

	return {objectCount: count, typeNames: store.typeNames, objectAddress, objectType};
}

/** 1 for each object of `store` that is one of `candidates` (same address and type name). */
export function survivors(candidates: NewObjects, store: GraphStore): {member: Uint8Array; count: number} {
	const toCandidate = mapTypeIds(candidates.typeNames, store.typeNames);
	const {newMatched, matches} = matchByAddress(candidates, store, toCandidate);
	return {member: newMatched, count: matches};
}

export type CandidateGroup = {
	/** Type of the outermost candidates of the group (those not dominated by another candidate). */
	readonly type: string;
	/** How many outermost candidates. */
	readonly count: number;
	/** Their retained size (which includes the candidates they dominate). */
	readonly size: number;
	/** Their own size. */
	readonly shallowSize: number;
	/** Other candidates they dominate. */
	readonly nested: number;
	/**
	 * The owner: the nearest non-candidate dominator of one of them (the
	 * one whose owner holds the most), then its dominators; ordinals in the
	 * final store. Empty when they hang directly off the roots.
	 */
	readonly owner: Uint32Array;
	/** One outermost candidate of the group (the largest), for `path` and `show`. */
	readonly example: number;
};

export type CandidateGrouping = {
	readonly groups: CandidateGroup[];
	/** Candidates in all. */
	readonly total: number;
	/** Their total own size. */
	readonly totalSize: number;
	/** By ordinal: the index in `groups` of each outermost candidate, -1 for every other object. */
	readonly groupOf: Int32Array;
};

/**
 * Group the candidates (`member[i] = 1`) of the final store by owner: the
 * nearest dominator that is not a candidate, identified by the type names
 * of its dominator chain (`depth` levels), so that many owners of the same
 * shape (one deque per observer...) fall in one group. Largest first.
 */
export function groupCandidates(
	store: GraphStore,
	dominators: Dominators,
	member: Uint8Array,
	depth = 4,
): CandidateGrouping {
	const n = store.objectCount;
	const {idom, retainedSize} = dominators;
	const {objectSize} = store;
	// outermost[c] = 1 + the outermost candidate dominating candidate c (c
	// itself when its idom is not a candidate); memoized, so a long chain of
	// candidates costs its length once.
	const outermost = new Uint32Array(n);
	const stack: number[] = [];
	const outermostOf = (c: number): number => {
		let x = c;
		while (outermost[x] === 0) {
			const d = idom[x]!;
			if (d === NO_OBJECT || member[d] === 0) {
				outermost[x] = x + 1;
				break;
			}

			stack.push(x);
			x = d;
		}

		const top = outermost[x]!;
		while (stack.length > 0) {
			outermost[stack.pop()!] = top;
		}

		return top - 1;
	};

	const chainTypes = (start: number): string => {
		const names: string[] = [];
		let x = start;
		for (let level = 0; level < depth && x !== NO_OBJECT; level++) {
			names.push(store.typeName(x));
			x = idom[x]!;
		}

		return names.join('\u0000');
	};

	type Building = {type: string; count: number; size: number; shallowSize: number; nested: number; owners: Map<number, number>; example: number};
	const building: Building[] = [];
	const groupKey = new Map<string, number>();
	const groupOf = new Int32Array(n).fill(-1);
	let total = 0;
	let totalSize = 0;
	for (let c = 0; c < n; c++) {
		if (member[c] === 0) {
			continue;
		}

		total++;
		totalSize += objectSize[c]!;
		const top = outermostOf(c);
		if (top !== c) {
			continue;
		}

		const holder = idom[c]!;
		const key = `${store.typeName(c)}\u0001${holder === NO_OBJECT ? '' : chainTypes(holder)}`;
		let g = groupKey.get(key);
		if (g === undefined) {
			g = building.length;
			groupKey.set(key, g);
			building.push({type: store.typeName(c), count: 0, size: 0, shallowSize: 0, nested: 0, owners: new Map(), example: c});
		}

		const group = building[g]!;
		group.count++;
		group.size += retainedSize[c]!;
		group.shallowSize += objectSize[c]!;
		if (retainedSize[c]! > retainedSize[group.example]!) {
			group.example = c;
		}

		group.owners.set(holder, (group.owners.get(holder) ?? 0) + retainedSize[c]!);
		groupOf[c] = g;
	}

	// Nested candidates count under the group of their outermost candidate.
	for (let c = 0; c < n; c++) {
		if (member[c] === 1 && outermost[c] !== c + 1) {
			building[groupOf[outermost[c]! - 1]!]!.nested++;
		}
	}

	const groups: Array<CandidateGroup & {index: number}> = building.map((group, index) => {
		let best = NO_OBJECT;
		let bestSize = -1;
		for (const [owner, size] of group.owners) {
			if (size > bestSize || (size === bestSize && owner < best)) {
				best = owner;
				bestSize = size;
			}
		}

		const owner: number[] = [];
		let x = best;
		while (x !== NO_OBJECT && owner.length < depth) {
			owner.push(x);
			x = idom[x]!;
		}

		return {
			type: group.type,
			count: group.count,
			size: group.size,
			shallowSize: group.shallowSize,
			nested: group.nested,
			owner: Uint32Array.from(owner),
			example: group.example,
			index,
		};
	});
	groups.sort((a, b) => (b.size - a.size) || (b.count - a.count) || compareNames(a.type, b.type));
	const sortedIndex = new Int32Array(groups.length);
	for (const [position, group] of groups.entries()) {
		sortedIndex[group.index] = position;
	}

	for (let c = 0; c < n; c++) {
		if (groupOf[c] !== -1) {
			groupOf[c] = sortedIndex[groupOf[c]!]!;
		}
	}

	return {groups: groups.map(({index: _, ...group}) => group), total, totalSize, groupOf};
}

/** The `count` largest new objects by retained size (for a report). */
export function largestCandidates(dominators: Dominators, member: Uint8Array, count: number): Uint32Array {
	return topByKey(dominators.retainedSize, count, dominators.objectCount, ordinal => member[ordinal] === 1);
}
