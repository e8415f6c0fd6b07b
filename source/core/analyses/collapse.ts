/**
 * meliae's collapse_instance_dicts: an instance of a non-builtin type whose
 * only references are [its __dict__, its type] absorbs the dict (children =
 * the dict's children, then the type; size = both sizes), and the dict
 * leaves the graph. A module whose one reference is a dict absorbs it the
 * same way; an old-style `instance` with [classobj, dict] takes the class
 * name as its type. The dict must have exactly one parent: the object.
 */

import {AddressIndex} from '../graph/address-index.js';
import {FLAG_COLLAPSED, UNRESOLVED_BIT} from '../graph/layout.js';
import {GraphStore} from '../graph/store.js';

/** Types meliae never collapses into. */
const SKIPPED_TYPES = new Set([
	'str', 'dict', 'tuple', 'list', 'type', 'function', 'wrapper_descriptor',
	'code', 'classobj', 'int', 'weakref',
]);

export type CollapseResult = {
	store: GraphStore;
	/** How many dicts were absorbed into their owner. */
	collapsed: number;
};

export function collapseInstanceDicts(store: GraphStore): CollapseResult {
	const n = store.objectCount;
	const {objectType, firstChild, childTargets, firstParent, parentSources, typeNames} = store;
	const typeCount = typeNames.length;
	const dictType = typeNames.indexOf('dict');
	if (dictType < 0) {
		return {store, collapsed: 0};
	}

	const typeType = typeNames.indexOf('type');
	const moduleType = typeNames.indexOf('module');
	const instanceType = typeNames.indexOf('instance');
	const classobjType = typeNames.indexOf('classobj');
	const skipped = new Uint8Array(typeCount);
	for (const [id, name] of typeNames.entries()) {
		if (SKIPPED_TYPES.has(name)) {
			skipped[id] = 1;
		}
	}

	// absorbed[owner] = 1 + ordinal of the dict it absorbs; removed[dict] = 1.
	const absorbed = new Uint32Array(n);
	const removed = new Uint8Array(n);
	// Old-style instances get their class name as type.
	const newTypeNames = [...typeNames];
	const renamed = new Map<number, number>();
	let collapsed = 0;
	const soleParentIs = (dict: number, owner: number): boolean =>
		firstParent[dict + 1]! - firstParent[dict]! === 1 && parentSources[firstParent[dict]!] === owner;

	for (let i = 0; i < n; i++) {
		const type = objectType[i]!;
		if (skipped[type] === 1) {
			continue;
		}

		const start = firstChild[i]!;
		const count = firstChild[i + 1]! - start;
		let dict = -1;
		if (type === moduleType && count === 1) {
			const only = childTargets[start]!;
			if (only < UNRESOLVED_BIT && objectType[only] === dictType) {
				dict = only;
			}
		} else if (count === 2) {
			const first = childTargets[start]!;
			const second = childTargets[start + 1]!;
			if (first >= UNRESOLVED_BIT || second >= UNRESOLVED_BIT) {
				continue;
			}

			if (objectType[first] === dictType && objectType[second] === typeType) {
				dict = first;
			} else if (type === instanceType && objectType[first] === classobjType && objectType[second] === dictType) {
				dict = second;
				const className = store.value(first);
				if (className !== undefined) {
					let id = newTypeNames.indexOf(className);
					if (id < 0) {
						id = newTypeNames.length;
						newTypeNames.push(className);
					}

					renamed.set(i, id);
				}
			}
		}

		if (dict < 0 || dict === i || removed[dict] === 1 || absorbed[dict] !== 0 || !soleParentIs(dict, i)) {
			renamed.delete(i);
			continue;
		}

		absorbed[i] = dict + 1;
		removed[dict] = 1;
		collapsed++;
	}

	if (collapsed === 0) {
		return {store, collapsed: 0};
	}

	// Compact: new ordinals skip the removed dicts.
	const kept = n - collapsed;
	const newOrdinal = new Uint32Array(n);
	{
		let next = 0;
		for (let i = 0; i < n; i++) {
			newOrdinal[i] = next;
			if (removed[i] === 0) {
				next++;
			}
		}
	}

	const objectAddress = new Float64Array(kept);
	const newType = new Uint32Array(kept);
	const objectSize = new Float64Array(kept);
	const objectLength = new Uint32Array(kept);
	const objectFlags = new Uint8Array(kept);
	const valueOffset = new Uint32Array(kept + 1);
	const newFirstChild = new Uint32Array(kept + 1);
	// The edge count only loses each owner's reference to its dict.
	const newTargets = new Uint32Array(childTargets.length - collapsed);
	const oldValueOffset = store.valueOffset;
	let valueBytesKept = 0;
	for (let i = 0; i < n; i++) {
		if (removed[i] === 0) {
			valueBytesKept += oldValueOffset[i + 1]! - oldValueOffset[i]!;
		}
	}

	const valueBytes = new Uint8Array(valueBytesKept);
	const mapTarget = (target: number): number => target >= UNRESOLVED_BIT ? target : newOrdinal[target]!;
	let out = 0;
	let edge = 0;
	let valueEnd = 0;
	for (let i = 0; i < n; i++) {
		if (removed[i] === 1) {
			continue;
		}

		objectAddress[out] = store.objectAddress[i]!;
		newType[out] = renamed.get(i) ?? objectType[i]!;
		objectLength[out] = store.objectLength[i]!;
		objectFlags[out] = store.objectFlags[i]!;
		const vStart = oldValueOffset[i]!;
		const vEnd = oldValueOffset[i + 1]!;
		valueBytes.set(store.valueBytes.subarray(vStart, vEnd), valueEnd);
		valueEnd += vEnd - vStart;
		valueOffset[out + 1] = valueEnd;
		const dictPlusOne = absorbed[i]!;
		if (dictPlusOne === 0) {
			objectSize[out] = store.objectSize[i]!;
			const end = firstChild[i + 1]!;
			for (let e = firstChild[i]!; e < end; e++) {
				newTargets[edge++] = mapTarget(childTargets[e]!);
			}
		} else {
			const dict = dictPlusOne - 1;
			objectSize[out] = store.objectSize[i]! + store.objectSize[dict]!;
			objectFlags[out] = objectFlags[out]! | FLAG_COLLAPSED;
			const dictEnd = firstChild[dict + 1]!;
			for (let e = firstChild[dict]!; e < dictEnd; e++) {
				newTargets[edge++] = mapTarget(childTargets[e]!);
			}

			// The other reference: the type (new style) or the classobj (old style).
			const start = firstChild[i]!;
			const count = firstChild[i + 1]! - start;
			if (count === 2) {
				const first = childTargets[start]!;
				const other = first === dict ? childTargets[start + 1]! : first;
				newTargets[edge++] = mapTarget(other);
			}
		}

		newFirstChild[out + 1] = edge;
		out++;
	}

	const index = new AddressIndex(objectAddress, kept);
	for (let i = 0; i < kept; i++) {
		index.insert(i);
	}

	const result = new GraphStore({
		objectAddress,
		objectType: newType,
		objectSize,
		objectLength,
		objectFlags,
		valueOffset,
		valueBytes,
		firstChild: newFirstChild,
		childTargets: edge === newTargets.length ? newTargets : newTargets.slice(0, edge),
		unresolvedAddress: store.unresolvedAddress,
		typeNames: newTypeNames,
	}, index);
	return {store: result, collapsed};
}
