/**
 * The leak candidates as the explorer finds them, the way `diff A B C`
 * does (see the core's diff.ts): with three dumps or more, the objects of
 * the newest dump (C) that were new in the one before (B: not in A, the
 * one before that) and are still there; with two, the objects new in the
 * newest. Either set is grouped by owner with the core's groupCandidates,
 * so the explorer and `diff --json` agree object for object.
 *
 * Objects are matched by address and type name, as diffDumps does; the
 * membership pass runs in slices (a hash lookup or two per object).
 */

import {type CandidateGrouping, type DumpSnapshot, groupCandidates} from '../../core/analyses/diff.js';
import type {Dominators} from '../../core/analyses/dominators.js';
import {NO_OBJECT, type GraphStore} from '../../core/graph/store.js';
import type {Job} from './jobs.js';
import {sortByRetained} from './object-order.js';

const SLICE = 4096;

export type Leaks = {
	/** Which dumps were compared: 3 (new in B, alive in C) or 2 (new in the newest). */
	readonly dumps: 2 | 3;
	readonly grouping: CandidateGrouping;
	/** The outermost candidates of each group, largest retained size first. */
	readonly members: readonly Uint32Array[];
};

/** Type id in `to` → type id of the same name in `from`, or -1. */
function typeMap(from: readonly string[], to: readonly string[]): Int32Array {
	const ids = new Map<string, number>();
	for (const [id, name] of from.entries()) {
		ids.set(name, id);
	}

	return Int32Array.from(to, name => ids.get(name) ?? -1);
}

/** The outermost candidates of each group, by retained size. */
export function groupMembers(grouping: CandidateGrouping, dominators: Dominators): Uint32Array[] {
	const {groupOf, groups} = grouping;
	const counts = new Uint32Array(groups.length);
	for (const g of groupOf) {
		if (g >= 0) {
			counts[g]++;
		}
	}

	const lists = Array.from(counts, count => new Uint32Array(count));
	const fill = new Uint32Array(groups.length);
	for (let ordinal = 0; ordinal < groupOf.length; ordinal++) {
		const g = groupOf[ordinal]!;
		if (g >= 0) {
			lists[g]![fill[g]!++] = ordinal;
		}
	}

	return lists.map(list => sortByRetained(list, dominators.retainedSize));
}

/**
 * With three dumps: member[i] = 1 for each object i of the newest store
 * (C) that B has (same address and type) and A does not (no object at that
 * address, or one of another type).
 */
export class CandidatesJob implements Job {
	private next = 0;
	private readonly member: Uint8Array;
	private readonly toB: Int32Array;
	private readonly bToA: Int32Array;
	result: Uint8Array | undefined;

	constructor(private readonly store: GraphStore, private readonly a: DumpSnapshot, private readonly b: DumpSnapshot) {
		this.member = new Uint8Array(store.objectCount);
		this.toB = typeMap(b.totals.typeNames, store.typeNames);
		this.bToA = typeMap(a.totals.typeNames, b.totals.typeNames);
	}

	step(deadline: number): boolean {
		const {objectAddress, objectType} = this.store;
		const {a, b, toB, bToA, member} = this;
		const n = this.store.objectCount;
		let i = this.next;
		while (i < n) {
			const end = Math.min(n, i + SLICE);
			for (; i < end; i++) {
				const address = objectAddress[i]!;
				const inB = b.addressIndex.get(address);
				const typeB = toB[objectType[i]!]!;
				if (inB === NO_OBJECT || typeB < 0 || b.objectType[inB] !== typeB) {
					continue;
				}

				const inA = a.addressIndex.get(address);
				if (inA === NO_OBJECT || a.objectType[inA] !== bToA[typeB]) {
					member[i] = 1;
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

		this.result = member;
		return true;
	}
}

/** Group a membership array and list each group's objects. */
export function leaksOf(store: GraphStore, dominators: Dominators, member: Uint8Array, dumps: 2 | 3): Leaks {
	const grouping = groupCandidates(store, dominators, member);
	return {dumps, grouping, members: groupMembers(grouping, dominators)};
}
