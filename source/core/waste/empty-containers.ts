/**
 * Empty and nearly empty containers: dicts, lists and sets with 0 or 1
 * entries, grouped by container type, `len`, and who holds them (holder
 * type and reference name). Each costs its whole size: creating it only
 * when the first entry arrives (or keeping `None`) would save it.
 *
 * A container with several referrers is counted once, under its first
 * referrer in dump order.
 */

import {NO_LENGTH, NO_OBJECT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {ANY_KEY, holderEdge, MAX_GROUPS, NO_OWNER} from './holders.js';
import {fillSteps, referencesSteps, runSteps, STEP_WORK, type Steps} from './steps.js';

export const EMPTY_CONTAINER_TYPES: readonly string[] = ['dict', 'list', 'set'];
/** Containers with at most this many entries are "nearly empty". */
export const NEARLY_EMPTY = 1;

export type EmptyContainerGroup = {
	readonly typeId: number;
	/** 0 or 1. */
	readonly length: number;
	/** The holder's type id, or NO_OWNER. */
	readonly ownerTypeId: number;
	readonly edge: string | null;
	count: number;
	size: number;
};

export type EmptyContainers = {
	/** Largest size first. */
	readonly groups: readonly EmptyContainerGroup[];
	readonly count: number;
	readonly size: number;
};

/** What grouping one container costs, in the step form's units of work. */
const CANDIDATE_WORK = 32;

export function findEmptyContainers(store: GraphStore): EmptyContainers {
	return runSteps(findEmptyContainersSteps(store));
}

/** findEmptyContainers in steps (steps.ts). */
export function * findEmptyContainersSteps(store: GraphStore): Steps<EmptyContainers> {
	const n = store.objectCount;
	const {objectType, objectLength, objectSize} = store;
	const wanted = new Uint8Array(store.typeCount);
	for (const name of EMPTY_CONTAINER_TYPES) {
		const id = store.typeId(name);
		if (id >= 0) {
			wanted[id] = 1;
		}
	}

	const isCandidate = (i: number): boolean => {
		const length = objectLength[i]!;
		return wanted[objectType[i]!] === 1 && length !== NO_LENGTH && length <= NEARLY_EMPTY;
	};

	// The first referrer of each candidate, in one pass over the references
	// (parents come in ascending order; no parents index needed).
	const firstReferrer = new Uint32Array(n);
	yield * fillSteps(firstReferrer, NO_OBJECT);
	yield * referencesSteps(store, (parent, child) => {
		if (firstReferrer[child] === NO_OBJECT && isCandidate(child)) {
			firstReferrer[child] = parent;
		}
	});

	const groups = new Map<string, EmptyContainerGroup>();
	let count = 0;
	let size = 0;
	let work = 0;
	for (let i = 0; i < n; i++) {
		if (++work >= STEP_WORK) {
			work = 0;
			yield;
		}

		if (!isCandidate(i)) {
			continue;
		}

		// A container costs a group key and maybe a search of its holder's references.
		work += CANDIDATE_WORK;

		const length = objectLength[i]!;
		const parent = firstReferrer[i]!;
		const hasParent = parent !== NO_OBJECT;
		const ownerTypeId = hasParent ? objectType[parent]! : NO_OWNER;
		let edge = hasParent ? holderEdge(store, parent, i) : null;
		let key = `${objectType[i]!}\t${length}\t${ownerTypeId}\t${edge ?? ''}`;
		let group = groups.get(key);
		if (group === undefined && groups.size >= MAX_GROUPS && edge?.startsWith('[') === true) {
			// Past MAX_GROUPS, dict keys merge: the groups stay few whatever the dump.
			edge = ANY_KEY;
			key = `${objectType[i]!}\t${length}\t${ownerTypeId}\t${edge}`;
			group = groups.get(key);
		}

		if (group === undefined) {
			group = {typeId: objectType[i]!, length, ownerTypeId, edge, count: 0, size: 0};
			groups.set(key, group);
		}

		group.count++;
		group.size += objectSize[i]!;
		count++;
		size += objectSize[i]!;
	}

	return {
		groups: [...groups.values()].sort((a, b) => (b.size - a.size) || (b.count - a.count)),
		count,
		size,
	};
}
