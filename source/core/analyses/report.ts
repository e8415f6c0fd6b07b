/**
 * Leak suspects, in the manner of Eclipse MAT's suspects report, from the
 * dominator tree.
 *
 * Object suspects: of the objects retaining at least `threshold` of the
 * dump, those none of whose dominated objects does (the lowest big nodes of
 * the dominator tree). Above one, the retained size flows down a single
 * chain of big objects (sys.modules, a module's globals...), which says
 * little; at it, the memory spreads over many small objects or sits in one
 * large one. At most 1/threshold of them, disjoint. A suspect whose
 * retained size is far above its own size is an accumulation point: a
 * container holding many objects.
 *
 * Type suspects: types whose outermost instances (not dominated by another
 * instance of the type) retain at least `threshold` together, and most of
 * that (at least half, in two objects or more) under one object: objects
 * of one type piling up in one place. Types spread over the whole heap (str, dict, function
 * in any dump) are not suspects.
 */

/** A type suspect's main holder dominates at least this share of the type's retained size. */
export const HOLDER_SHARE = 0.5;

import {NO_OBJECT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {inspectWaste, type WasteReport} from '../waste/waste.js';
import type {Dominators} from './dominators.js';

/** A suspect retaining this many times its own size is an accumulation point. */
export const ACCUMULATION_RATIO = 10;

export type ObjectSuspect = {
	readonly ordinal: number;
	readonly retainedSize: number;
	/** retainedSize / total size. */
	readonly share: number;
	/** Retained size at least ACCUMULATION_RATIO times the own size. */
	readonly accumulation: boolean;
	/** Objects it immediately dominates, and the share of its retained size the largest of them holds. */
	readonly dominatedCount: number;
	readonly largestDominatedShare: number;
	/** Its dominators, nearest first (up to 8). */
	readonly dominators: Uint32Array;
};

export function findObjectSuspects(store: GraphStore, dominators: Dominators, threshold = 0.1): ObjectSuspect[] {
	const {idom, retainedSize, totalSize, objectCount: n} = dominators;
	if (totalSize <= 0) {
		return [];
	}

	const minimum = threshold * totalSize;
	const hasBigChild = new Uint8Array(n);
	for (let x = 0; x < n; x++) {
		const d = idom[x]!;
		if (retainedSize[x]! >= minimum && d !== NO_OBJECT) {
			hasBigChild[d] = 1;
		}
	}

	const suspects: number[] = [];
	for (let x = 0; x < n; x++) {
		if (retainedSize[x]! >= minimum && hasBigChild[x] === 0) {
			suspects.push(x);
		}
	}

	// Children statistics for the suspects only.
	const index = new Map<number, number>(suspects.map((x, i) => [x, i]));
	const childCount = new Float64Array(suspects.length);
	const largestChild = new Float64Array(suspects.length);
	for (let x = 0; x < n; x++) {
		const d = idom[x]!;
		if (d === NO_OBJECT) {
			continue;
		}

		const i = index.get(d);
		if (i !== undefined) {
			childCount[i]++;
			largestChild[i] = Math.max(largestChild[i]!, retainedSize[x]!);
		}
	}

	const result = suspects.map((ordinal, i): ObjectSuspect => {
		const chain: number[] = [];
		let x = idom[ordinal]!;
		while (x !== NO_OBJECT && chain.length < 8) {
			chain.push(x);
			x = idom[x]!;
		}

		const retained = retainedSize[ordinal]!;
		return {
			ordinal,
			retainedSize: retained,
			share: retained / totalSize,
			accumulation: retained >= ACCUMULATION_RATIO * Math.max(1, store.objectSize[ordinal]!),
			dominatedCount: childCount[i]!,
			largestDominatedShare: retained === 0 ? 0 : largestChild[i]! / retained,
			dominators: Uint32Array.from(chain),
		};
	});
	result.sort((a, b) => (b.retainedSize - a.retainedSize) || (a.ordinal - b.ordinal));
	return result;
}

export type TypeSuspect = {
	readonly typeId: number;
	readonly type: string;
	/** Outermost instances and their retained size. */
	readonly count: number;
	readonly retainedSize: number;
	readonly share: number;
	/**
	 * The object immediately dominating the most retained size among the
	 * instances whose immediate dominator is of another type (NO_OBJECT:
	 * the synthetic root), how many of them, and how much they retain.
	 */
	readonly holder: number;
	readonly holderCount: number;
	readonly holderRetainedSize: number;
	/** How many distinct immediate dominators those instances have. */
	readonly holderVariety: number;
};

export function findTypeSuspects(store: GraphStore, dominators: Dominators, threshold = 0.1): TypeSuspect[] {
	const {totalSize, typeRetainedSize, typeRetainedCount, idom, retainedSize} = dominators;
	if (totalSize <= 0) {
		return [];
	}

	const types: number[] = [];
	for (let t = 0; t < typeRetainedSize.length; t++) {
		if (typeRetainedSize[t]! >= threshold * totalSize && typeRetainedCount[t]! >= 2) {
			types.push(t);
		}
	}

	if (types.length === 0) {
		return [];
	}

	const wanted = new Set(types);
	const holders = new Map<number, Map<number, {count: number; retained: number}>>(types.map(t => [t, new Map()]));
	const {objectType} = store;
	for (let x = 0; x < store.objectCount; x++) {
		const t = objectType[x]!;
		if (!wanted.has(t)) {
			continue;
		}

		const d = idom[x]!;
		if (d !== NO_OBJECT && objectType[d] === t) {
			continue;
		}

		const byHolder = holders.get(t)!;
		const entry = byHolder.get(d) ?? {count: 0, retained: 0};
		entry.count++;
		entry.retained += retainedSize[x]!;
		byHolder.set(d, entry);
	}

	const result = types.map((t): TypeSuspect => {
		let holder = NO_OBJECT;
		let best = {count: 0, retained: -1};
		for (const [d, entry] of holders.get(t)!) {
			if (entry.retained > best.retained || (entry.retained === best.retained && d < holder)) {
				holder = d;
				best = entry;
			}
		}

		return {
			typeId: t,
			type: store.typeNames[t]!,
			count: typeRetainedCount[t]!,
			retainedSize: typeRetainedSize[t]!,
			share: typeRetainedSize[t]! / totalSize,
			holder,
			holderCount: best.count,
			holderRetainedSize: Math.max(0, best.retained),
			holderVariety: holders.get(t)!.size,
		};
	});
	return result
		.filter(suspect => suspect.holder !== NO_OBJECT && suspect.holderCount >= 2
			&& suspect.holderRetainedSize >= HOLDER_SHARE * suspect.retainedSize)
		.sort((a, b) => (b.retainedSize - a.retainedSize) || (a.type < b.type ? -1 : 1));
}

/**
 * The report's waste section: the top finding of each waste inspection of
 * one dump (see core/waste/). Growth over several dumps is left to
 * `meliae-tui waste OLD... NEW`, which keeps the older dumps' lengths.
 */
export function topWaste(store: GraphStore): WasteReport {
	return inspectWaste(store, 1);
}
