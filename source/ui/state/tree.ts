/**
 * The dominator tree screen's rows: the tree below a root flattened in
 * display order, as far as it is expanded. Each expanded node shows a page
 * of its children (largest retained size first) and, when it has more, one
 * "N more" row; only the shown pages are ever computed, so a node keeping
 * 2 million objects costs one bounded-heap pass over its children list.
 */

import {dominatedPage, type TreePage} from '../../core/analyses/dominator-tree.js';
import type {Dominators} from '../../core/analyses/dominators.js';

/** Children shown when a node is expanded, and added by each "N more". */
export const TREE_PAGE = 100;

/** A node's row, or a "N more" row (its `node` is then the parent whose children continue). */
export const ROW_NODE = 0;
export const ROW_MORE = 1;

export type TreeRows = {
	readonly total: number;
	readonly node: Uint32Array;
	readonly depth: Uint32Array;
	readonly kind: Uint8Array;
	/** Row index of each row's parent row (-1 for the root row). */
	readonly parentRow: Int32Array;
};

/** Pages of children, memoized by node and page size (a page of a big fan-out costs a pass over it). */
export class TreePages {
	private readonly pages = new Map<number, TreePage>();

	constructor(readonly dominators: Dominators) {}

	page(node: number, limit: number): TreePage {
		const cached = this.pages.get(node);
		if (cached !== undefined && (cached.ordinals.length >= limit || cached.ordinals.length === cached.total)) {
			return cached.ordinals.length === limit ? cached : {ordinals: cached.ordinals.subarray(0, limit), total: cached.total};
		}

		const page = dominatedPage(this.dominators, node, limit);
		this.pages.set(node, page);
		return page;
	}
}

class Growable {
	node = new Uint32Array(64);
	depth = new Uint32Array(64);
	kind = new Uint8Array(64);
	parentRow = new Int32Array(64);
	length = 0;

	push(node: number, depth: number, kind: number, parentRow: number): number {
		if (this.length === this.node.length) {
			const grow = <T extends Uint32Array | Uint8Array | Int32Array>(array: T, make: (n: number) => T): T => {
				const next = make(array.length * 2);
				next.set(array);
				return next;
			};

			this.node = grow(this.node, n => new Uint32Array(n));
			this.depth = grow(this.depth, n => new Uint32Array(n));
			this.kind = grow(this.kind, n => new Uint8Array(n));
			this.parentRow = grow(this.parentRow, n => new Int32Array(n));
		}

		const row = this.length++;
		this.node[row] = node;
		this.depth[row] = depth;
		this.kind[row] = kind;
		this.parentRow[row] = parentRow;
		return row;
	}
}

/** Flatten the tree below `root`: the root's row, then each expanded node's shown children. */
export function flattenTree(pages: TreePages, root: number, expanded: ReadonlyMap<number, number>): TreeRows {
	const rows = new Growable();
	// Iterative depth-first walk: a stack of (node, depth, row, next child index).
	type Frame = {node: number; depth: number; row: number; page: TreePage; next: number};
	const stack: Frame[] = [];
	const enter = (node: number, depth: number, parentRow: number): void => {
		const row = rows.push(node, depth, ROW_NODE, parentRow);
		const limit = expanded.get(node);
		if (limit !== undefined) {
			stack.push({node, depth, row, page: pages.page(node, limit), next: 0});
		}
	};

	enter(root, 0, -1);
	while (stack.length > 0) {
		const frame = stack.at(-1)!;
		if (frame.next < frame.page.ordinals.length) {
			enter(frame.page.ordinals[frame.next++]!, frame.depth + 1, frame.row);
			continue;
		}

		stack.pop();
		if (frame.page.total > frame.page.ordinals.length) {
			rows.push(frame.node, frame.depth + 1, ROW_MORE, frame.row);
		}
	}

	const n = rows.length;
	return {
		total: n,
		node: rows.node.subarray(0, n),
		depth: rows.depth.subarray(0, n),
		kind: rows.kind.subarray(0, n),
		parentRow: rows.parentRow.subarray(0, n),
	};
}
