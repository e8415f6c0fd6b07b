/**
 * Leak candidates as JSON, as `diff --json`, `report --json` and `watch`
 * write them: one object per group, with its owner chain and, when every
 * object of the group was allocated at one place, that traceback.
 */

import {framesJson, groupTracebacks, tracebackFrames} from '../alloc/sites.js';
import type {GraphStore} from '../graph/store.js';
import type {CandidateGrouping} from './diff.js';

/** The owner chain: each link's address, type and name (when the dump gives one). */
export function ownerJson(store: GraphStore, owner: Uint32Array): Array<Record<string, unknown>> {
	return Array.from(owner, ordinal => ({
		address: store.objectAddress[ordinal],
		type: store.typeName(ordinal),
		name: store.valueKind(ordinal) === 'name' ? store.value(ordinal) : null,
	}));
}

export function candidatesJson(store: GraphStore, grouping: CandidateGrouping): Array<Record<string, unknown>> {
	// Where all of a group's (outermost) objects were allocated, when they agree.
	const shared = groupTracebacks(store, grouping.groupOf, grouping.groups.length);
	return grouping.groups.map((group, index) => ({
		type: group.type,
		count: group.count,
		size: group.size,
		shallow_size: group.shallowSize,
		nested: group.nested,
		example: store.objectAddress[group.example],
		owner: ownerJson(store, group.owner),
		...(shared === undefined ? {} : {allocated_at: allocatedAtOfGroup(store, shared[index]!)}),
	}));
}

function allocatedAtOfGroup(store: GraphStore, id: number): Array<Record<string, unknown>> | null {
	const frames = tracebackFrames(store, id);
	return frames === undefined ? null : framesJson(frames);
}
