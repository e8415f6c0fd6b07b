/**
 * Per-type summaries (meliae's om.summarize()): count, total size, max size
 * and the address of the largest, for the whole store or for the objects
 * reachable from one object.
 */

import type {GraphStore} from '../graph/store.js';
import {meliaeTypeRank, meliaeTypeRankOf} from './meliae-order.js';

export type TypeSummary = {
	readonly typeId: number;
	readonly type: string;
	readonly count: number;
	readonly size: number;
	readonly maxSize: number;
	/** Address of the first object of the largest size. */
	readonly maxAddress: number;
	/**
	 * Position among types of equal size and count: meliae's order (its
	 * type dict's iteration order; see meliae-order.ts). 0 for all when no
	 * two types tie.
	 */
	readonly tieRank: number;
};

export type Summary = {
	readonly totalCount: number;
	readonly totalSize: number;
	/** Sorted by the requested order, largest first; all types. */
	readonly types: readonly TypeSummary[];
};

export type SummaryOrder = 'size' | 'count';

/**
 * Sort as meliae does: by (size, count) or (count, size), largest first,
 * with a stable sort over its dict of types: equal types in that dict's
 * order (tieRank), then by name.
 */
export function sortTypeSummaries(types: readonly TypeSummary[], by: SummaryOrder): TypeSummary[] {
	const sorted = [...types];
	sorted.sort(by === 'size'
		? (a, b) => (b.size - a.size) || (b.count - a.count) || (a.tieRank - b.tieRank) || compareNames(a.type, b.type)
		: (a, b) => (b.count - a.count) || (b.size - a.size) || (a.tieRank - b.tieRank) || compareNames(a.type, b.type));
	return sorted;
}

function compareNames(a: string, b: string): number {
	return a < b ? -1 : (a > b ? 1 : 0);
}

/** Whether two of the types have the same size and count. */
function hasTies(ids: readonly number[], counts: Float64Array, sizes: Float64Array): boolean {
	const sorted = [...ids].sort((a, b) => (sizes[a]! - sizes[b]!) || (counts[a]! - counts[b]!));
	for (let k = 1; k < sorted.length; k++) {
		if (sizes[sorted[k]!] === sizes[sorted[k - 1]!] && counts[sorted[k]!] === counts[sorted[k - 1]!]) {
			return true;
		}
	}

	return false;
}

/**
 * The whole store's per-type totals, four numbers per type id: count, total
 * size, largest size (-1 when none) and the address of the first object of
 * that size (0 when none). Saved with the index (see index-file.ts), so a
 * reopened dump has its summary without reading a column.
 */
export const TYPE_TOTAL_FIELDS = 4;

const savedTotals = new WeakMap<GraphStore, Float64Array>();

/** Use `totals` (as typeTotalsOf makes them, checked) for the whole store's summary instead of a pass over its columns. */
export function recordTypeTotals(store: GraphStore, totals: Float64Array): void {
	savedTotals.set(store, totals);
}

/** Whether the whole store's totals are known without a pass over its columns. */
export function hasRecordedTypeTotals(store: GraphStore): boolean {
	return savedTotals.has(store);
}

/** The whole store's per-type totals (see TYPE_TOTAL_FIELDS): recorded, else one pass over the type and size columns. */
export function typeTotalsOf(store: GraphStore): Float64Array {
	const saved = savedTotals.get(store);
	if (saved !== undefined) {
		return saved;
	}

	const typeCount = store.typeNames.length;
	const totals = new Float64Array(typeCount * TYPE_TOTAL_FIELDS);
	const maxOrdinal = new Uint32Array(typeCount);
	for (let t = 0; t < typeCount; t++) {
		totals[(t * TYPE_TOTAL_FIELDS) + 2] = -1;
	}

	const {objectType, objectSize} = store;
	const n = store.objectCount;
	for (let i = 0; i < n; i++) {
		const type = objectType[i]!;
		const at = type * TYPE_TOTAL_FIELDS;
		const size = objectSize[i]!;
		totals[at]++;
		totals[at + 1] += size;
		if (size > totals[at + 2]!) {
			totals[at + 2] = size;
			maxOrdinal[type] = i;
		}
	}

	if (n > 0) {
		const {objectAddress} = store;
		for (let t = 0; t < typeCount; t++) {
			totals[(t * TYPE_TOTAL_FIELDS) + 3] = totals[t * TYPE_TOTAL_FIELDS] === 0 ? 0 : objectAddress[maxOrdinal[t]!]!;
		}
	}

	return totals;
}

/**
 * Whether the summary of the whole store has two types with the same size
 * and count (meliae's type order then decides between them).
 */
export function summaryHasTies(store: GraphStore): boolean {
	const typeCount = store.typeNames.length;
	const counts = new Float64Array(typeCount);
	const sizes = new Float64Array(typeCount);
	const saved = savedTotals.get(store);
	if (saved === undefined) {
		const {objectType, objectSize} = store;
		const n = store.objectCount;
		for (let i = 0; i < n; i++) {
			const type = objectType[i]!;
			counts[type]++;
			sizes[type] += objectSize[i]!;
		}
	} else {
		for (let t = 0; t < typeCount; t++) {
			counts[t] = saved[t * TYPE_TOTAL_FIELDS]!;
			sizes[t] = saved[(t * TYPE_TOTAL_FIELDS) + 1]!;
		}
	}

	const present: number[] = [];
	for (let t = 0; t < typeCount; t++) {
		if (counts[t] !== 0) {
			present.push(t);
		}
	}

	return hasTies(present, counts, sizes);
}

/**
 * Summarize the objects whose `member[i]` is non-zero, or all objects when
 * `member` is undefined. `order` is the order meliae met the members in
 * (its walk), for ties; the whole dump's order is meliae's table order.
 * The whole store's summary comes from recorded totals when there are
 * (an index's), without reading a column.
 */
export function summarizeTypes(store: GraphStore, by: SummaryOrder = 'size', member?: Uint8Array, order?: Uint32Array): Summary {
	if (member === undefined) {
		return summaryFromTotals(store, typeTotalsOf(store), by);
	}

	const typeCount = store.typeNames.length;
	const counts = new Float64Array(typeCount);
	const sizes = new Float64Array(typeCount);
	const maxSizes = new Float64Array(typeCount).fill(-1);
	const maxOrdinal = new Uint32Array(typeCount);
	const {objectType, objectSize} = store;
	let totalCount = 0;
	let totalSize = 0;
	const n = store.objectCount;
	for (let i = 0; i < n; i++) {
		if (member[i] === 0) {
			continue;
		}

		const type = objectType[i]!;
		const size = objectSize[i]!;
		counts[type]++;
		sizes[type] += size;
		if (size > maxSizes[type]!) {
			maxSizes[type] = size;
			maxOrdinal[type] = i;
		}

		totalCount++;
		totalSize += size;
	}

	const present: number[] = [];
	for (let t = 0; t < typeCount; t++) {
		if (counts[t] !== 0) {
			present.push(t);
		}
	}

	const rank = hasTies(present, counts, sizes) && order !== undefined ? meliaeTypeRankOf(store, order) : undefined;
	const types: TypeSummary[] = [];
	for (const t of present) {
		types.push({
			typeId: t,
			type: store.typeNames[t]!,
			count: counts[t]!,
			size: sizes[t]!,
			maxSize: maxSizes[t]!,
			maxAddress: store.objectAddress[maxOrdinal[t]!]!,
			tieRank: rank?.[t] ?? 0,
		});
	}

	return {totalCount, totalSize, types: sortTypeSummaries(types, by)};
}

/** The whole store's summary from its per-type totals (see typeTotalsOf). */
function summaryFromTotals(store: GraphStore, totals: Float64Array, by: SummaryOrder): Summary {
	const typeCount = store.typeNames.length;
	const counts = new Float64Array(typeCount);
	const sizes = new Float64Array(typeCount);
	const present: number[] = [];
	let totalCount = 0;
	let totalSize = 0;
	for (let t = 0; t < typeCount; t++) {
		counts[t] = totals[t * TYPE_TOTAL_FIELDS]!;
		sizes[t] = totals[(t * TYPE_TOTAL_FIELDS) + 1]!;
		if (counts[t] !== 0) {
			present.push(t);
			totalCount += counts[t]!;
			totalSize += sizes[t]!;
		}
	}

	const rank = hasTies(present, counts, sizes) ? meliaeTypeRank(store) : undefined;
	const types: TypeSummary[] = present.map(t => ({
		typeId: t,
		type: store.typeNames[t]!,
		count: counts[t]!,
		size: sizes[t]!,
		maxSize: totals[(t * TYPE_TOTAL_FIELDS) + 2]!,
		maxAddress: totals[(t * TYPE_TOTAL_FIELDS) + 3]!,
		tieRank: rank?.[t] ?? 0,
	}));
	return {totalCount, totalSize, types: sortTypeSummaries(types, by)};
}
