/**
 * The dominator tree as the explorer walks it: the objects a node keeps
 * alive on its own (its children in the tree), largest retained size
 * first, a page at a time. A node is an ordinal, or TREE_ROOT for the
 * synthetic root above everything (its children are the objects no single
 * object keeps alive: the biggest retainers of the whole heap).
 *
 * Built on the dominators module's `idom` and `retainedSize`; the
 * children lists (CSR, 8 bytes per object) are made once per result and
 * cached. A page of the k largest children of a node with m children
 * costs O(m log k) (a bounded heap), so a dict keeping 2 million objects
 * shows its first rows without sorting all of them.
 */

import {NO_OBJECT} from '../graph/layout.js';
import {TopK} from '../util/top-k.js';
import {dominatorTree, type DominatorTree, type Dominators} from './dominators.js';

/** The synthetic root: the node above every object. */
export const TREE_ROOT = NO_OBJECT;

const trees = new WeakMap<Dominators, DominatorTree>();

/** The children lists of the dominator tree, built on first use and kept with the result. */
export function treeOf(dominators: Dominators): DominatorTree {
	let tree = trees.get(dominators);
	if (tree === undefined) {
		tree = dominatorTree(dominators);
		trees.set(dominators, tree);
	}

	return tree;
}

/** Check the clock every this many objects. */
const SLICE = 16_384;

/**
 * The children lists built in slices (count, prefix sum, fill), for a
 * caller that must keep answering keys: the same lists as the dominators
 * module's dominatorTree(), cached for treeOf() when done.
 */
export class TreeBuildJob {
	private phase = 0;
	private next = 0;
	private readonly firstDominated: Uint32Array;
	private dominated = new Uint32Array(0);
	private rootChildren = new Uint32Array(0);
	private rootCount = 0;
	private rootOut = 0;

	constructor(private readonly dominators: Dominators) {
		this.firstDominated = new Uint32Array(dominators.objectCount + 1);
	}

	/** Work until `deadline` (performance.now()); true when the tree is cached. */
	step(deadline: number): boolean {
		if (trees.has(this.dominators)) {
			return true;
		}

		const {idom, objectCount: n} = this.dominators;
		const first = this.firstDominated;
		// At least one slice per step, then as many as the deadline allows.
		do {
			const end = Math.min(n, this.next + SLICE);
			if (this.phase === 0) {
				// Count each node's children.
				for (let node = this.next; node < end; node++) {
					const d = idom[node]!;
					if (d === NO_OBJECT) {
						this.rootCount++;
					} else {
						first[d]++;
					}
				}
			} else if (this.phase === 1) {
				// Running sums: first[node] = end of node's children.
				let sum = this.next === 0 ? 0 : first[this.next - 1]!;
				for (let node = this.next; node < end; node++) {
					sum += first[node]!;
					first[node] = sum;
				}

				if (end === n) {
					first[n] = sum;
					this.dominated = new Uint32Array(sum);
					this.rootChildren = new Uint32Array(this.rootCount);
					this.rootOut = this.rootCount;
				}
			} else {
				// Fill from the last node down, so each list ends ascending.
				const stop = Math.max(0, n - end);
				for (let node = n - 1 - this.next; node >= stop; node--) {
					const d = idom[node]!;
					if (d === NO_OBJECT) {
						this.rootChildren[--this.rootOut] = node;
					} else {
						this.dominated[--first[d]!] = node;
					}
				}
			}

			this.next = end;
			if (end === n) {
				this.phase++;
				this.next = 0;
				if (this.phase === 3) {
					trees.set(this.dominators, {firstDominated: first, dominated: this.dominated, rootChildren: this.rootChildren});
					return true;
				}
			}
		} while (performance.now() < deadline);

		return false;
	}
}

/** The objects `node` immediately dominates, ascending ordinals (a view: do not modify). */
export function dominatedBy(dominators: Dominators, node: number): Uint32Array {
	const tree = treeOf(dominators);
	if (node === TREE_ROOT) {
		return tree.rootChildren;
	}

	return tree.dominated.subarray(tree.firstDominated[node]!, tree.firstDominated[node + 1]!);
}

/** How many objects `node` immediately dominates. */
export function dominatedCount(dominators: Dominators, node: number): number {
	return dominatedBy(dominators, node).length;
}

/** The retained size of a node (the whole heap for the synthetic root). */
export function nodeRetainedSize(dominators: Dominators, node: number): number {
	return node === TREE_ROOT ? dominators.totalSize : dominators.retainedSize[node]!;
}

export type TreePage = {
	/** The first `limit` children, largest retained size first (ties: lower ordinal first). */
	readonly ordinals: Uint32Array;
	/** All children of the node. */
	readonly total: number;
};

/**
 * The `limit` largest of `list` by `key`, largest first (ties: lower
 * ordinal first): a bounded min-heap over the list, or a plain sort when
 * the list is not much longer than the page.
 */
export function largestOf(list: Uint32Array, key: Float64Array, limit: number): Uint32Array {
	const m = list.length;
	const k = Math.max(0, Math.min(limit, m));
	const byKey = (a: number, b: number): number => (key[b]! - key[a]!) || (a - b);
	if (k === 0) {
		return new Uint32Array(0);
	}

	if (m <= 4 * k) {
		return Uint32Array.from(list).sort(byKey).subarray(0, k);
	}

	const top = new TopK(key, k);
	for (let index = 0; index < m; index++) {
		top.offer(list[index]!);
	}

	return top.result();
}

/** The `limit` children of `node` that retain the most, largest first. */
export function dominatedPage(dominators: Dominators, node: number, limit: number): TreePage {
	const list = dominatedBy(dominators, node);
	return {ordinals: largestOf(list, dominators.retainedSize, limit), total: list.length};
}
