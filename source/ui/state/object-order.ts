/**
 * The objects of each type in meliae's get_all order (largest first, then
 * most references, then most parents, then file order), fast enough for a
 * key press: a comparator sort of 2 million ordinals takes most of a second,
 * so big types are sorted with a stable LSD radix sort on 16-bit digits
 * (about 30 ms for 2 million). The result is the same order as the core's
 * `sortLargestFirst`.
 *
 * All types share one array: ordinals grouped by type (count, prefix sum,
 * fill, built once on first use), each group sorted in place the first time
 * it is asked for. Memory: 4 bytes per object, once.
 */

import {sortLargestFirst} from '../../core/analyses/objects.js';
import type {GraphStore} from '../../core/graph/store.js';

/** Below this many objects the comparator sort is as fast and simpler. */
const RADIX_THRESHOLD = 4096;
const TWO_32 = 4_294_967_296;

export class TypeIndex {
	private firstOfType: Uint32Array | undefined;
	private ordinalsByType: Uint32Array | undefined;
	private readonly sorted: Uint8Array;

	constructor(private readonly store: GraphStore) {
		this.sorted = new Uint8Array(store.typeNames.length);
	}

	/** How many objects have this type. */
	count(typeId: number): number {
		this.build();
		return this.firstOfType![typeId + 1]! - this.firstOfType![typeId]!;
	}

	/** Ordinals of `typeId` in get_all order (a view into a shared array: do not modify). */
	objectsOf(typeId: number): Uint32Array {
		this.build();
		if (typeId < 0 || typeId >= this.sorted.length) {
			return new Uint32Array(0);
		}

		const group = this.ordinalsByType!.subarray(this.firstOfType![typeId]!, this.firstOfType![typeId + 1]!);
		if (this.sorted[typeId] === 0) {
			sortGetAllOrder(this.store, group);
			this.sorted[typeId] = 1;
		}

		return group;
	}

	/** Whether `objectsOf(typeId)` is ready without sorting. */
	isSorted(typeId: number): boolean {
		return this.sorted[typeId] === 1;
	}

	private build(): void {
		if (this.ordinalsByType !== undefined) {
			return;
		}

		const {objectType} = this.store;
		const n = this.store.objectCount;
		const typeCount = this.store.typeNames.length;
		const first = new Uint32Array(typeCount + 1);
		for (let i = 0; i < n; i++) {
			first[objectType[i]! + 1]!++;
		}

		for (let t = 0; t < typeCount; t++) {
			first[t + 1]! += first[t]!;
		}

		const fill = first.slice(0, typeCount);
		const ordinals = new Uint32Array(n);
		for (let i = 0; i < n; i++) {
			ordinals[fill[objectType[i]!]!++] = i;
		}

		this.firstOfType = first;
		this.ordinalsByType = ordinals;
	}
}

/**
 * Sort ascending ordinals in place into get_all order. Stable LSD radix on
 * (parents, references, size), each key descending; ties keep the input
 * (file) order.
 */
export function sortGetAllOrder(store: GraphStore, ordinals: Uint32Array): Uint32Array {
	const m = ordinals.length;
	if (m < RADIX_THRESHOLD) {
		return sortLargestFirst(store, ordinals);
	}

	const {objectSize, firstChild, firstParent} = store;
	for (let k = 0; k < m; k++) {
		const size = objectSize[ordinals[k]!]!;
		if (!(size >= 0 && size < TWO_32 && Number.isInteger(size))) {
			return sortLargestFirst(store, ordinals);
		}
	}

	// ordinals must start in ascending order for ties to keep file order.
	let ascending = true;
	for (let k = 1; k < m && ascending; k++) {
		ascending = ordinals[k - 1]! < ordinals[k]!;
	}

	if (!ascending) {
		ordinals.sort();
	}

	return radixSortDescending(ordinals, [
		o => firstParent[o + 1]! - firstParent[o]!,
		o => firstChild[o + 1]! - firstChild[o]!,
		o => objectSize[o]!,
	]);
}

/**
 * Stable sort of `ordinals` in place, largest first, by several unsigned
 * 32-bit keys, the least significant first (LSD radix, 16-bit digits;
 * a digit every key shares costs one counting pass and no move).
 */
export function radixSortDescending(ordinals: Uint32Array, keysLeastSignificantFirst: ReadonlyArray<(ordinal: number) => number>): Uint32Array {
	const m = ordinals.length;
	let keys = new Uint32Array(m);
	let keysOut = new Uint32Array(m);
	const buffer: Uint32Array = new Uint32Array(m);
	const counts = new Uint32Array(65_536);
	let from: Uint32Array = ordinals;
	let to: Uint32Array = buffer;
	const pass = (shift: number): void => {
		counts.fill(0);
		for (let k = 0; k < m; k++) {
			counts[(keys[k]! >>> shift) & 0xff_ff]!++;
		}

		for (let d = 0; d < 65_536; d++) {
			if (counts[d] === m) {
				return;
			}

			if (counts[d] !== 0) {
				break;
			}
		}

		let total = 0;
		for (let d = 0; d < 65_536; d++) {
			const c = counts[d]!;
			counts[d] = total;
			total += c;
		}

		for (let k = 0; k < m; k++) {
			const key = keys[k]!;
			const slot = counts[(key >>> shift) & 0xff_ff]!++;
			to[slot] = from[k]!;
			keysOut[slot] = key;
		}

		[keys, keysOut] = [keysOut, keys];
		[from, to] = [to, from];
	};

	// Descending order through complemented keys.
	for (const keyOf of keysLeastSignificantFirst) {
		for (let k = 0; k < m; k++) {
			keys[k] = (0xff_ff_ff_ff - keyOf(from[k]!)) >>> 0;
		}

		pass(0);
		pass(16);
	}

	if (from !== ordinals) {
		ordinals.set(from);
	}

	return ordinals;
}

/**
 * A copy of `ordinals` (already in get_all order) sorted by retained size,
 * largest first; ties keep the get_all order. Non-negative doubles order
 * as their bit patterns do, so the sort runs on the two 32-bit halves.
 */
export function sortByRetained(ordinals: Uint32Array, retained: Float64Array): Uint32Array {
	const sorted = Uint32Array.from(ordinals);
	const double = new Float64Array(1);
	const halves = new Uint32Array(double.buffer);
	const lowHalf = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
	const low = new Uint32Array(sorted.length);
	const high = new Uint32Array(sorted.length);
	// Keys by position in the get_all order, then map positions back.
	for (let k = 0; k < sorted.length; k++) {
		double[0] = Math.max(0, retained[sorted[k]!]!);
		low[k] = halves[lowHalf]!;
		high[k] = halves[1 - lowHalf]!;
		sorted[k] = k;
	}

	radixSortDescending(sorted, [k => low[k]!, k => high[k]!]);
	for (let k = 0; k < sorted.length; k++) {
		sorted[k] = ordinals[sorted[k]!]!;
	}

	return sorted;
}
