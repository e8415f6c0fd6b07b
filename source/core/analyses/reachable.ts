/**
 * Everything reachable from one object (meliae's compute_total_size,
 * iter_recursive_refs and summarize(obj, excluding)): an explicit stack over
 * the CSR arrays, a byte per object for "seen", no recursion.
 */

import {UNRESOLVED_BIT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {Uint32Column} from '../util/growable.js';
import {type Summary, type SummaryOrder, summarizeTypes} from './summary.js';

export type Reachable = {
	/** Ordinals in meliae's visiting order (depth first, last child first). */
	order: Uint32Array;
	/** 1 for every reached object. */
	member: Uint8Array;
	totalSize: number;
};

/**
 * Walk from `start`. Objects in `excluding` are neither counted nor walked
 * through (an excluded start yields nothing).
 */
export function walkReachable(store: GraphStore, start: number, excluding?: Iterable<number>): Reachable {
	const n = store.objectCount;
	const seen = new Uint8Array(n);
	const member = new Uint8Array(n);
	if (excluding !== undefined) {
		for (const ordinal of excluding) {
			if (ordinal >= 0 && ordinal < n) {
				seen[ordinal] = 1;
			}
		}
	}

	const {firstChild, childTargets, objectSize} = store;
	const order = new Uint32Column(64);
	const stack = new Uint32Column(64);
	let totalSize = 0;
	if (start >= 0 && start < n) {
		stack.push(start);
	}

	while (stack.length > 0) {
		const ordinal = stack.view()[--stack.length]!;
		if (seen[ordinal] === 1) {
			continue;
		}

		seen[ordinal] = 1;
		member[ordinal] = 1;
		order.push(ordinal);
		totalSize += objectSize[ordinal]!;
		const end = firstChild[ordinal + 1]!;
		for (let e = firstChild[ordinal]!; e < end; e++) {
			const target = childTargets[e]!;
			if (target < UNRESOLVED_BIT && seen[target] === 0) {
				stack.push(target);
			}
		}
	}

	return {order: order.finish(), member, totalSize};
}

/** Size of the object plus everything reachable from it, each counted once. */
export function totalSize(store: GraphStore, ordinal: number, excluding?: Iterable<number>): number {
	return walkReachable(store, ordinal, excluding).totalSize;
}

/** meliae's summarize(obj, excluding): the per-type summary of what obj reaches (obj included). */
export function summarizeReachable(
	store: GraphStore,
	ordinal: number,
	options: {excluding?: Iterable<number>; by?: SummaryOrder} = {},
): Summary {
	const {member, order} = walkReachable(store, ordinal, options.excluding);
	return summarizeTypes(store, options.by ?? 'size', member, order);
}
