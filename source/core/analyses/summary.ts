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
 * Whether the summary of the whole store has two types with the same size
 * and count (meliae's type order then decides between them).
 */
export function summaryHasTies(store: GraphStore): boolean {
	const typeCount = store.typeNames.length;
	const counts = new Float64Array(typeCount);
	const sizes = new Float64Array(typeCount);
	const {objectType, objectSize} = store;
	const n = store.objectCount;
	for (let i = 0; i < n; i++) {
		const type = objectType[i]!;
		counts[type]++;
		sizes[type] += objectSize[i]!;
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
 */
export function summarizeTypes(store: GraphStore, by: SummaryOrder = 'size', member?: Uint8Array, order?: Uint32Array): Summary {
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
		if (member !== undefined && member[i] === 0) {
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

	let rank: Uint32Array | undefined;
	if (hasTies(present, counts, sizes)) {
		rank = member === undefined ? meliaeTypeRank(store) : (order === undefined ? undefined : meliaeTypeRankOf(store, order));
	}

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
