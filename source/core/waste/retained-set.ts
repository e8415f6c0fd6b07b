/**
 * The retained set of an object (the objects it dominates, itself
 * included) grouped by type: "why is this 400 MB?". One walk of its
 * dominator subtree; the subtree's children lists are built once per
 * Dominators (8 bytes per object) and kept with it.
 */

import {type Dominators, type DominatorTree, dominatorTree} from '../analyses/dominators.js';
import type {GraphStore} from '../graph/store.js';

export type RetainedType = {
	readonly typeId: number;
	readonly type: string;
	readonly count: number;
	readonly size: number;
};

const trees = new WeakMap<Dominators, DominatorTree>();

/** The dominator tree's children lists, built on first use and kept with `dominators`. */
export function dominatorTreeOf(dominators: Dominators): DominatorTree {
	let tree = trees.get(dominators);
	if (tree === undefined) {
		tree = dominatorTree(dominators);
		trees.set(dominators, tree);
	}

	return tree;
}

/** How many objects `ordinal` immediately dominates. */
export function dominatedCount(dominators: Dominators, ordinal: number): number {
	const {firstDominated} = dominatorTreeOf(dominators);
	return firstDominated[ordinal + 1]! - firstDominated[ordinal]!;
}

/**
 * The `limit` objects `ordinal` immediately dominates with the largest
 * retained sizes, largest first (ties: dump order). A fan-out of millions
 * costs one sort of a Float64Array of their sizes, no JS array per object.
 */
export function dominatedByRetained(dominators: Dominators, ordinal: number, limit = Number.POSITIVE_INFINITY): Uint32Array {
	const {firstDominated, dominated} = dominatorTreeOf(dominators);
	const children = dominated.subarray(firstDominated[ordinal]!, firstDominated[ordinal + 1]!);
	const {retainedSize} = dominators;
	let chosen: Uint32Array = children;
	if (children.length > limit) {
		// The limit-th largest size is the threshold: take those above it, then those at it in dump order.
		const sizes = Float64Array.from(children, child => retainedSize[child]!).sort();
		const threshold = sizes[sizes.length - limit]!;
		let above = 0;
		for (const child of children) {
			if (retainedSize[child]! > threshold) {
				above++;
			}
		}

		chosen = new Uint32Array(limit);
		let out = 0;
		let atThreshold = limit - above;
		for (const child of children) {
			const size = retainedSize[child]!;
			if (size > threshold || (size === threshold && atThreshold-- > 0)) {
				chosen[out++] = child;
			}
		}
	}

	// Dominated lists are ascending ordinals: a stable sort keeps dump order among ties.
	return Uint32Array.from(Array.from(chosen).sort((a, b) => (retainedSize[b]! - retainedSize[a]!) || (a - b)));
}

/** Count and size per type of what `ordinal` retains (itself included), largest size first. */
export function retainedSetByType(store: GraphStore, dominators: Dominators, ordinal: number): RetainedType[] {
	const {firstDominated, dominated} = dominatorTreeOf(dominators);
	const count = new Float64Array(store.typeCount);
	const size = new Float64Array(store.typeCount);
	const {objectType, objectSize} = store;
	let stack = new Uint32Array(1024);
	let top = 0;
	stack[top++] = ordinal;
	while (top > 0) {
		const node = stack[--top]!;
		const type = objectType[node]!;
		count[type]++;
		size[type] += objectSize[node]!;
		const from = firstDominated[node]!;
		const to = firstDominated[node + 1]!;
		if (top + to - from > stack.length) {
			const bigger = new Uint32Array(Math.max(stack.length * 2, top + to - from));
			bigger.set(stack.subarray(0, top));
			stack = bigger;
		}

		for (let e = from; e < to; e++) {
			stack[top++] = dominated[e]!;
		}
	}

	const result: RetainedType[] = [];
	for (let type = 0; type < store.typeCount; type++) {
		if (count[type]! > 0) {
			result.push({typeId: type, type: store.typeNames[type]!, count: count[type]!, size: size[type]!});
		}
	}

	return result.sort((a, b) => (b.size - a.size) || (b.count - a.count) || (a.type < b.type ? -1 : (a.type > b.type ? 1 : 0)));
}
