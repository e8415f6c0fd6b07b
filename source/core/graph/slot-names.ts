/**
 * Names of `__slots__` attributes. A slotted instance's refs start with the
 * values of its set slots, in the order CPython visits them; the dump names
 * them with an extra `"slots"` key that meliae's loader ignores:
 *
 * - on a class's line (type `type`, or a metaclass): the names its
 *   instances' refs start with when every slot is set;
 * - on an instance's line, only when some slot is unset (CPython skips it,
 *   so positions shift): the names of that instance's first refs (an empty
 *   list: they cannot be told).
 *
 * Such lines are few (one per slotted class, and instances with unset
 * slots) and take the parser's slow path; the table lives beside the store,
 * keyed by address, so it survives collapse and other store rebuilds.
 */

import type {GraphStore} from './store.js';

export type SlotNames = ReadonlyMap<number, readonly string[]>;

const tables = new WeakMap<GraphStore, SlotNames>();

/** Record the slot names read with a dump for the store made from it. */
export function setSlotNames(store: GraphStore, names: SlotNames): void {
	if (names.size > 0) {
		tables.set(store, names);
	}
}

/** The slot names of `store` (shared with stores derived from it by setSlotNames). */
export function slotNamesOf(store: GraphStore): SlotNames | undefined {
	return tables.get(store);
}

/**
 * The slot name of `parent`'s k-th reference, or undefined. The class is
 * found among the parent's references: an object whose name is the
 * parent's type name and that has a slot list.
 */
export function slotName(store: GraphStore, parent: number, k: number): string | undefined {
	const names = tables.get(store);
	if (names === undefined) {
		return undefined;
	}

	const own = names.get(store.objectAddress[parent]!);
	if (own !== undefined) {
		return own[k];
	}

	const {firstChild, childTargets} = store;
	const typeName = store.typeName(parent);
	const end = firstChild[parent + 1]!;
	// The class comes after the slot values: look from the end.
	for (let e = end - 1; e >= firstChild[parent]! + k + 1; e--) {
		const target = childTargets[e]!;
		if (target >= store.objectCount) {
			continue;
		}

		const list = names.get(store.objectAddress[target]!);
		if (list !== undefined && store.valueKind(target) === 'name' && store.value(target) === typeName) {
			return list[k];
		}
	}

	return undefined;
}
