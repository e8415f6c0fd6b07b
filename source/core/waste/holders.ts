/**
 * Who holds an object, as a group key: the holder's type and the name of
 * the reference (`.attribute`, `['key']`, `[i]` for any index), from the
 * core's edgeName. The groups stay few: indexes are one group, and past
 * MAX_GROUPS distinct labels a dict key counts as `[*]` (any key).
 */

import {edgeName} from '../analyses/paths.js';
import type {GraphStore} from '../graph/store.js';

/** Parents with more references than this are not searched for the name (it would cost their length per child). */
export const MAX_NAMED_FANOUT = 512;
/** Distinct holder groups kept per inspection before dict keys are merged. */
export const MAX_GROUPS = 10_000;

const SEQUENCE_TYPES = new Set(['list', 'tuple', 'collections.deque']);
const SET_TYPES = new Set(['set', 'frozenset']);

/** `[i]` for any index of a sequence, `{*}` for a set member, `[*]` for any key of a dict. */
export const ANY_INDEX = '[i]';
export const SET_MEMBER = '{*}';
export const ANY_KEY = '[*]';

/**
 * The label of the reference from `parent` to `child` for grouping: an
 * attribute or key as edgeName names it; `[i]` for a sequence item; `{*}`
 * for a set member; null when the dump does not tell.
 */
export function holderEdge(store: GraphStore, parent: number, child: number): string | null {
	const type = store.typeName(parent);
	if (SEQUENCE_TYPES.has(type)) {
		return ANY_INDEX;
	}

	if (SET_TYPES.has(type)) {
		return SET_MEMBER;
	}

	if (store.childCount(parent) > MAX_NAMED_FANOUT) {
		return type === 'dict' ? ANY_KEY : null;
	}

	const name = edgeName(store, parent, child);
	if (name === null) {
		return null;
	}

	return name.kind === 'index' ? ANY_INDEX : name.text;
}

export type HolderGroup = {
	/** The holder's type name, or null for objects nothing in the dump refers to. */
	readonly ownerTypeId: number;
	readonly edge: string | null;
	count: number;
	size: number;
};

/** Groups of holders keyed by (owner type, edge); bounded by MAX_GROUPS (then dict keys merge into `[*]`). */
export class HolderGroups {
	private readonly groups = new Map<string, HolderGroup>();

	add(ownerTypeId: number, edge: string | null, size: number): void {
		let key = `${ownerTypeId}\t${edge ?? ''}`;
		let group = this.groups.get(key);
		if (group === undefined) {
			if (this.groups.size >= MAX_GROUPS && edge !== null && edge.startsWith('[')) {
				edge = ANY_KEY;
				key = `${ownerTypeId}\t${edge}`;
				group = this.groups.get(key);
			}

			if (group === undefined) {
				group = {ownerTypeId, edge, count: 0, size: 0};
				this.groups.set(key, group);
			}
		}

		group.count++;
		group.size += size;
	}

	/** Largest first by count, then size. */
	sorted(): HolderGroup[] {
		return [...this.groups.values()].sort((a, b) => (b.count - a.count) || (b.size - a.size));
	}
}

/** The owner type id meaning "no referrer in the dump". */
export const NO_OWNER = -1;

export function ownerTypeName(store: GraphStore, typeId: number): string | null {
	return typeId === NO_OWNER ? null : store.typeNames[typeId]!;
}
