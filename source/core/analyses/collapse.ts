/**
 * meliae's collapse_instance_dicts: an instance of a non-builtin type whose
 * only references are [its __dict__, its type] absorbs the dict (children =
 * the dict's children, then the type; size = both sizes), and the dict
 * leaves the graph. A module whose one reference is a dict absorbs it the
 * same way; an old-style `instance` with [classobj, dict] takes the class
 * name as its type. The dict must have exactly one parent: the object.
 * Beyond meliae, the type may also be a class made by a metaclass, as long
 * as its name is the instance's type name.
 *
 * Works in place: the store's columns and its address hash are compacted
 * where they are (the store passed in must not be used afterwards); only
 * the reference arrays are rebuilt. Parents are not needed: one pass finds
 * each dict's sole referrer.
 */

import {FLAG_COLLAPSED, UNRESOLVED_BIT} from '../graph/layout.js';
import {GraphStore} from '../graph/store.js';

/** Types meliae never collapses into. */
const SKIPPED_TYPES = new Set([
	'str', 'dict', 'tuple', 'list', 'type', 'function', 'wrapper_descriptor',
	'code', 'classobj', 'int', 'weakref',
]);

const NONE = 0xff_ff_ff_ff;
const MANY = 0xff_ff_ff_fe;

export type CollapseResult = {
	store: GraphStore;
	/** How many dicts were absorbed into their owner. */
	collapsed: number;
};

/** Set bits in a 32-bit word. */
function popcount(x: number): number {
	x -= (x >>> 1) & 0x55_55_55_55;
	x = (x & 0x33_33_33_33) + ((x >>> 2) & 0x33_33_33_33);
	return Math.imul((x + (x >>> 4)) & 0x0f_0f_0f_0f, 0x01_01_01_01) >>> 24;
}

export function collapseInstanceDicts(store: GraphStore): CollapseResult {
	const n = store.objectCount;
	const {objectType, firstChild, childTargets, typeNames} = store;
	const dictType = typeNames.indexOf('dict');
	if (dictType < 0) {
		return {store, collapsed: 0};
	}

	const typeType = typeNames.indexOf('type');
	const moduleType = typeNames.indexOf('module');
	const instanceType = typeNames.indexOf('instance');
	const classobjType = typeNames.indexOf('classobj');
	const skipped = new Uint8Array(typeNames.length);
	for (const [id, name] of typeNames.entries()) {
		if (SKIPPED_TYPES.has(name)) {
			skipped[id] = 1;
		}
	}

	// Beyond meliae: a class made by a metaclass (ABCMeta, EnumType, a
	// Django ModelBase...) is not of type `type`; it still names the class.
	const isOwnClass = (candidate: number, instanceType: number): boolean =>
		store.valueKind(candidate) === 'name' && store.value(candidate) === typeNames[instanceType];

	// The one distinct referrer of every object (MANY when there are more),
	// in one pass over the references: the full parents are not needed.
	const soleParent = new Uint32Array(n).fill(NONE);
	for (let source = 0; source < n; source++) {
		const end = firstChild[source + 1]!;
		for (let e = firstChild[source]!; e < end; e++) {
			const target = childTargets[e]!;
			if (target >= UNRESOLVED_BIT) {
				continue;
			}

			const seen = soleParent[target]!;
			if (seen === NONE) {
				soleParent[target] = source;
			} else if (seen !== source) {
				soleParent[target] = MANY;
			}
		}
	}

	// absorbed[owner] = 1 + the dict it absorbs; a bit per removed dict.
	const absorbed = new Uint32Array(n);
	const removedBits = new Uint32Array((n >>> 5) + 1);
	const isRemoved = (ordinal: number): boolean => (removedBits[ordinal >>> 5]! & (1 << (ordinal & 31))) !== 0;
	const newTypeNames = [...typeNames];
	// Old-style instances get their class name as type.
	const renamed = new Map<number, number>();
	let collapsed = 0;
	for (let i = 0; i < n; i++) {
		const type = objectType[i]!;
		if (skipped[type] === 1) {
			continue;
		}

		const start = firstChild[i]!;
		const count = firstChild[i + 1]! - start;
		let dict = -1;
		let className: string | undefined;
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

			if (objectType[first] === dictType && (objectType[second] === typeType || isOwnClass(second, type))) {
				dict = first;
			} else if (type === instanceType && objectType[first] === classobjType && objectType[second] === dictType) {
				dict = second;
				className = store.value(first);
			}
		}

		if (dict < 0 || dict === i || soleParent[dict] !== i || isRemoved(dict) || absorbed[dict] !== 0) {
			continue;
		}

		absorbed[i] = dict + 1;
		removedBits[dict >>> 5]! |= 1 << (dict & 31);
		collapsed++;
		if (className !== undefined) {
			let id = newTypeNames.indexOf(className);
			if (id < 0) {
				id = newTypeNames.length;
				newTypeNames.push(className);
			}

			renamed.set(i, id);
		}
	}

	if (collapsed === 0) {
		return {store, collapsed: 0};
	}

	// New ordinal = old ordinal - dicts removed before it: a prefix count per
	// 32 objects plus the bits of its own word. The bitmap and the prefix
	// (1.3 MB for 5M objects) stay in cache, where a full ordinal map would not.
	const wordPrefix = new Uint32Array(removedBits.length);
	for (let w = 1; w < removedBits.length; w++) {
		wordPrefix[w] = wordPrefix[w - 1]! + popcount(removedBits[w - 1]!);
	}

	const mapOrdinal = (ordinal: number): number => {
		const word = ordinal >>> 5;
		return ordinal - wordPrefix[word]! - popcount(removedBits[word]! & ((1 << (ordinal & 31)) - 1));
	};

	const kept = n - collapsed;
	// References: a new CSR (the dict's children move to their owner).
	const newFirstChild = new Uint32Array(kept + 1);
	const newTargets = new Uint32Array(childTargets.length - collapsed);
	{
		let out = 0;
		let edge = 0;
		for (let i = 0; i < n; i++) {
			if (isRemoved(i)) {
				continue;
			}

			const dictPlusOne = absorbed[i]!;
			const from = dictPlusOne === 0 ? i : dictPlusOne - 1;
			const end = firstChild[from + 1]!;
			for (let e = firstChild[from]!; e < end; e++) {
				const target = childTargets[e]!;
				newTargets[edge++] = target >= UNRESOLVED_BIT ? target : mapOrdinal(target);
			}

			if (dictPlusOne !== 0) {
				// The other reference: the type (new style) or the classobj (old style).
				const dict = dictPlusOne - 1;
				const start = firstChild[i]!;
				if (firstChild[i + 1]! - start === 2) {
					const first = childTargets[start]!;
					const other = first === dict ? childTargets[start + 1]! : first;
					newTargets[edge++] = other >= UNRESOLVED_BIT ? other : mapOrdinal(other);
				}
			}

			newFirstChild[++out] = edge;
		}
	}

	// Scalar columns and values, compacted in place (new ordinal <= old).
	const {objectAddress, objectSize, objectLength, objectFlags, valueOffset, valueBytes} = store;
	{
		let out = 0;
		let valueEnd = 0;
		for (let i = 0; i < n; i++) {
			if (isRemoved(i)) {
				continue;
			}

			const dictPlusOne = absorbed[i]!;
			const size = dictPlusOne === 0 ? objectSize[i]! : objectSize[i]! + objectSize[dictPlusOne - 1]!;
			const vStart = valueOffset[i]!;
			const vEnd = valueOffset[i + 1]!;
			objectAddress[out] = objectAddress[i]!;
			objectType[out] = renamed.size === 0 ? objectType[i]! : renamed.get(i) ?? objectType[i]!;
			objectSize[out] = size;
			objectLength[out] = objectLength[i]!;
			objectFlags[out] = dictPlusOne === 0 ? objectFlags[i]! : objectFlags[i]! | FLAG_COLLAPSED;
			if (valueEnd !== vStart) {
				valueBytes.copyWithin(valueEnd, vStart, vEnd);
			}

			valueEnd += vEnd - vStart;
			valueOffset[out + 1] = valueEnd;
			out++;
		}
	}

	const addresses = objectAddress.subarray(0, kept);
	const index = store.addressIndex;
	index.remapWith(mapOrdinal, isRemoved, addresses);
	const result = new GraphStore({
		objectAddress: addresses,
		objectType: objectType.subarray(0, kept),
		objectSize: objectSize.subarray(0, kept),
		objectLength: objectLength.subarray(0, kept),
		objectFlags: objectFlags.subarray(0, kept),
		valueOffset: valueOffset.subarray(0, kept + 1),
		valueBytes: valueBytes.subarray(0, valueOffset[kept]),
		firstChild: newFirstChild,
		childTargets: newTargets,
		unresolvedAddress: store.unresolvedAddress,
		typeNames: newTypeNames,
	}, index);
	// The sole-parent array is free now: parents can build in it.
	result.scratch = soleParent;
	return {store: result, collapsed};
}
