/**
 * Resumable versions of two whole-graph passes, for the job queue:
 * - the reachable size of one object (the same set and total as the core's
 *   `walkReachable`, visited in slices);
 * - which objects of the newest dump are new since the previous one (an
 *   address the previous dump does not have, or had with another type):
 *   the `isNew` of the core's diffDumps, computed in slices.
 */

import type {DumpSnapshot} from '../../core/analyses/diff.js';
import {NO_OBJECT, UNRESOLVED_BIT, type GraphStore} from '../../core/graph/store.js';
import type {Job} from './jobs.js';

/** Check the clock every this many objects. */
const SLICE = 4096;

export class ReachableJob implements Job {
	private readonly seen: Uint8Array;
	private stack: Uint32Array;
	private depth = 0;
	/** The references of one object being pushed (an object may have millions): next and end edge. */
	private edge = 0;
	private edgeEnd = 0;
	total = 0;
	reached = 0;

	constructor(private readonly store: GraphStore, start: number) {
		this.seen = new Uint8Array(store.objectCount);
		this.stack = new Uint32Array(1024);
		if (start >= 0 && start < store.objectCount) {
			this.stack[this.depth++] = start;
		}
	}

	step(deadline: number): boolean {
		const {firstChild, childTargets, objectSize} = this.store;
		const seen = this.seen;
		let {stack, depth, total, reached, edge, edgeEnd} = this;
		let budget = SLICE;
		for (;;) {
			// Push the pending references, a slice at a time.
			while (edge < edgeEnd) {
				const stop = Math.min(edgeEnd, edge + SLICE);
				if (depth + stop - edge > stack.length) {
					const grown = new Uint32Array(Math.max(stack.length * 2, depth + stop - edge));
					grown.set(stack.subarray(0, depth));
					stack = grown;
				}

				for (; edge < stop; edge++) {
					const target = childTargets[edge]!;
					if (target < UNRESOLVED_BIT && seen[target] === 0) {
						stack[depth++] = target;
					}
				}

				if (edge < edgeEnd && performance.now() >= deadline) {
					this.save(stack, depth, total, reached, edge, edgeEnd);
					return false;
				}
			}

			if (depth === 0) {
				break;
			}

			if (--budget === 0) {
				budget = SLICE;
				if (performance.now() >= deadline) {
					break;
				}
			}

			const ordinal = stack[--depth]!;
			if (seen[ordinal] === 1) {
				continue;
			}

			seen[ordinal] = 1;
			total += objectSize[ordinal]!;
			reached++;
			edge = firstChild[ordinal]!;
			edgeEnd = firstChild[ordinal + 1]!;
		}

		this.save(stack, depth, total, reached, edge, edgeEnd);
		return depth === 0 && edge >= edgeEnd;
	}

	private save(stack: Uint32Array, depth: number, total: number, reached: number, edge: number, edgeEnd: number): void {
		this.stack = stack;
		this.depth = depth;
		this.total = total;
		this.reached = reached;
		this.edge = edge;
		this.edgeEnd = edgeEnd;
	}
}

export type NewObjects = {
	/** 1 for each object of the newest dump not in the previous one. */
	readonly isNew: Uint8Array;
	/** New objects per type id of the newest dump. */
	readonly newCount: Float64Array;
};

export class NewObjectsJob implements Job {
	private next = 0;
	private readonly isNew: Uint8Array;
	private readonly newCount: Float64Array;
	/** Type id in `current` → type id of the same name in `previous`, or -1. */
	private readonly previousType: Int32Array;
	result: NewObjects | undefined;

	constructor(private readonly current: GraphStore, private readonly previous: DumpSnapshot) {
		this.isNew = new Uint8Array(current.objectCount);
		this.newCount = new Float64Array(current.typeNames.length);
		const byName = new Map<string, number>();
		previous.totals.typeNames.forEach((name, id) => byName.set(name, id));
		this.previousType = Int32Array.from(current.typeNames, name => byName.get(name) ?? -1);
	}

	step(deadline: number): boolean {
		const {objectAddress, objectType} = this.current;
		const previousTypes = this.previous.objectType;
		const n = this.current.objectCount;
		let i = this.next;
		while (i < n) {
			const end = Math.min(n, i + SLICE);
			for (; i < end; i++) {
				const before = this.previous.addressIndex.get(objectAddress[i]!);
				const type = objectType[i]!;
				if (before === NO_OBJECT || previousTypes[before] !== this.previousType[type]) {
					this.isNew[i] = 1;
					this.newCount[type]++;
				}
			}

			if (performance.now() >= deadline) {
				break;
			}
		}

		this.next = i;
		if (i < n) {
			return false;
		}

		this.result = {isNew: this.isNew, newCount: this.newCount};
		return true;
	}
}
