/**
 * meliae's collapse_instance_dicts, with its rules (meliae 0.4 and later):
 * an object whose type is not one of meliae's skipped builtins folds its
 * dict into itself when its references are exactly
 * - `[dict]` and it is a `module`;
 * - `[dict, X]` where X is of type `type` (a new-style instance; X's name is
 *   not compared);
 * - `[classobj, dict]` and it is an old-style `instance` (it then takes the
 *   class name as its type).
 * meliae does not ask whether anything else refers to the dict: a module's
 * dict is also the `__globals__` of each of its functions, and is folded all
 * the same. The owner's references become the dict's, then the type (or
 * classobj); its size becomes both sizes; the dict leaves the graph.
 *
 * Where meliae leaves the other references to a folded dict dangling, they
 * are pointed at its owner here (a function's globals lead to its module,
 * a `vars(obj)` kept elsewhere to the object), so paths still pass through
 * them. A dict that two owners fold (two objects sharing one `__dict__`)
 * goes to the first in dump order, and the other keeps a reference to that
 * owner: meliae would count the dict in both and change the total size.
 *
 * Beyond meliae, in Python 3 dumps only (an object of type `bytes` and none
 * of type `classobj` or `instance`, which no Python 2 process, hence no
 * dump of meliae's scanner, has), X may also be a class made by a
 * metaclass (ABCMeta, EnumType...) when its name is the instance's type
 * name.
 *
 * Works in place: the store's columns and its address hash are compacted
 * where they are (the store passed in must not be used afterwards); only
 * the reference arrays are rebuilt.
 */

import {FLAG_COLLAPSED, UNRESOLVED_BIT} from '../graph/layout.js';
import {GraphStore} from '../graph/store.js';
import {inSlices, runSteps} from '../util/steps.js';
import {isPython3Dump, markValuesOnlyOwners, refsAreValuesOnly} from './dict-layout.js';
import {recordFoldedObjects} from './meliae-order.js';
import {recordFoldedDicts} from '../waste/folded-dicts.js';

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

/** Set bits in a 32-bit word. */
function popcount(x: number): number {
	x -= (x >>> 1) & 0x55_55_55_55;
	x = (x & 0x33_33_33_33) + ((x >>> 2) & 0x33_33_33_33);
	return Math.imul((x + (x >>> 4)) & 0x0f_0f_0f_0f, 0x01_01_01_01) >>> 24;
}

export function collapseInstanceDicts(store: GraphStore): CollapseResult {
	return runSteps(collapseSteps(store));
}

/**
 * collapseInstanceDicts as steps: the generator yields between slices of
 * each loop (util/steps.ts), so that a caller can check for Ctrl-C and report
 * progress between them; the result is the same.
 */
export function * collapseSteps(store: GraphStore): Generator<void, CollapseResult> {
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

	// Beyond meliae, in Python 3 dumps only: a class made by a metaclass
	// (ABCMeta, EnumType, a Django ModelBase...) is not of type `type`; it
	// still names the class.
	const python3 = isPython3Dump(store);
	const isOwnClass = (candidate: number, instanceType: number): boolean =>
		python3 && store.valueKind(candidate) === 'name' && store.value(candidate) === typeNames[instanceType];

	// partner[owner] = 1 + the dict it absorbs; partner[dict] = 1 + its
	// owner (owners are never dicts, so one array holds both); a bit per
	// removed dict.
	const partner = new Uint32Array(n);
	const removedBits = new Uint32Array((n >>> 5) + 1);
	const isRemoved = (ordinal: number): boolean => (removedBits[ordinal >>> 5]! & (1 << (ordinal & 31))) !== 0;
	const newTypeNames = [...typeNames];
	const {objectSize} = store;
	// Owners whose dict lists its values only (a bit per old ordinal).
	let valuesOnly: Uint32Array | undefined;
	let collapsed = 0;
	const findPairs = (from: number, to: number): void => {
		let found = 0;
		for (let i = from; i < to; i++) {
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

			if (dict < 0 || isRemoved(dict)) {
				continue;
			}

			partner[i] = dict + 1;
			partner[dict] = i + 1;
			if (refsAreValuesOnly(store.objectLength[dict]!, firstChild[dict + 1]! - firstChild[dict]!)) {
				valuesOnly ??= new Uint32Array((n >>> 5) + 1);
				valuesOnly[i >>> 5]! |= 1 << (i & 31);
			}

			removedBits[dict >>> 5]! |= 1 << (dict & 31);
			found++;
			// Sizes now, before any column moves: the dict may come before its
			// owner in the dump, and its slot is reused by the compaction below.
			objectSize[i] = objectSize[i]! + objectSize[dict]!;
			if (className !== undefined) {
				let id = newTypeNames.indexOf(className);
				if (id < 0) {
					id = newTypeNames.length;
					newTypeNames.push(className);
				}

				objectType[i] = id;
			}
		}

		collapsed += found;
	};

	yield * inSlices(n, findPairs);
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

	// A reference to a folded dict leads to its owner.
	const mapTarget = (target: number): number => {
		if (target >= UNRESOLVED_BIT) {
			return target;
		}

		return mapOrdinal(isRemoved(target) ? partner[target]! - 1 : target);
	};

	const kept = n - collapsed;
	// The reference of owner i that is not its dict (for owners with two).
	const otherReference = (owner: number, dict: number): number => {
		const first = childTargets[firstChild[owner]!]!;
		return first === dict ? childTargets[firstChild[owner]! + 1]! : first;
	};

	let aside: Uint32Array | undefined;
	// References: a new CSR (the dict's children move to their owner),
	// rewritten in place over the old targets, in order. The references an
	// object takes are read where they are unless the writes before it
	// have already reached them (an owner whose dict holds more references
	// than it, ahead of the objects between them; a dict written before
	// its owner): those are copied aside first, in the order they are
	// taken. When that would be most of them, a new array instead.
	const edgeCount = childTargets.length - collapsed;
	let asideCount = 0;
	for (const pass of [0, 1]) {
		// pass 0 counts what goes aside; pass 1 copies it.
		let edgeSoFar = 0;
		let atSoFar = 0;
		const measure = (from: number, to: number): void => {
			let edge = edgeSoFar;
			let at = atSoFar;
			for (let i = from; i < to; i++) {
				if (isRemoved(i)) {
					continue;
				}

				const start = firstChild[i]!;
				const dictPlusOne = partner[i]!;
				if (dictPlusOne === 0) {
					const count = firstChild[i + 1]! - start;
					if (start < edge) {
						if (pass === 1) {
							aside!.set(childTargets.subarray(start, start + count), at);
						}

						at += count;
					}

					edge += count;
					continue;
				}

				const dict = dictPlusOne - 1;
				const dictStart = firstChild[dict]!;
				const count = firstChild[dict + 1]! - dictStart;
				if (start < edge) {
					// The other reference (the type or the classobj), one slot.
					if (pass === 1) {
						aside![at] = otherReference(i, dict);
					}

					at++;
				}

				if (dictStart < edge) {
					if (pass === 1) {
						aside!.set(childTargets.subarray(dictStart, dictStart + count), at);
					}

					at += count;
				}

				edge += count + (firstChild[i + 1]! - start === 2 ? 1 : 0);
			}

			edgeSoFar = edge;
			atSoFar = at;
		};

		yield * inSlices(n, measure);
		asideCount = atSoFar;
		if (pass === 0 && (asideCount === 0 || asideCount * 2 > edgeCount)) {
			break;
		}

		if (pass === 0) {
			aside = new Uint32Array(asideCount);
		}
	}

	const inPlace = asideCount * 2 <= edgeCount;
	const newFirstChild = new Uint32Array(kept + 1);
	const newTargets = inPlace ? childTargets : new Uint32Array(edgeCount);
	{
		let outSoFar = 0;
		let edgeSoFar = 0;
		let asideSoFar = 0;
		const rewrite = (from: number, to: number): void => {
			let out = outSoFar;
			let edge = edgeSoFar;
			let asideAt = asideSoFar;
			for (let i = from; i < to; i++) {
				if (isRemoved(i)) {
					continue;
				}

				const start = firstChild[i]!;
				const dictPlusOne = partner[i]!;
				if (dictPlusOne === 0) {
					const end = firstChild[i + 1]!;
					if (inPlace && start < edge) {
						for (let e = start; e < end; e++) {
							newTargets[edge++] = mapTarget(aside![asideAt++]!);
						}
					} else {
						for (let e = start; e < end; e++) {
							newTargets[edge++] = mapTarget(childTargets[e]!);
						}
					}
				} else {
					const dict = dictPlusOne - 1;
					const hasOther = firstChild[i + 1]! - start === 2;
					// Read before anything is written over it.
					let other = 0;
					if (inPlace && start < edge) {
						other = aside![asideAt++]!;
					} else if (hasOther) {
						other = otherReference(i, dict);
					}

					const dictStart = firstChild[dict]!;
					const dictEnd = firstChild[dict + 1]!;
					if (inPlace && dictStart < edge) {
						for (let e = dictStart; e < dictEnd; e++) {
							newTargets[edge++] = mapTarget(aside![asideAt++]!);
						}
					} else {
						for (let e = dictStart; e < dictEnd; e++) {
							newTargets[edge++] = mapTarget(childTargets[e]!);
						}
					}

					if (hasOther) {
						newTargets[edge++] = mapTarget(other);
					}
				}

				newFirstChild[++out] = edge;
			}

			outSoFar = out;
			edgeSoFar = edge;
			asideSoFar = asideAt;
		};

		yield * inSlices(n, rewrite);
	}

	aside = undefined;

	// The folded dicts' addresses, read before the compaction below moves
	// the column: meliae's object table held them, which orders equal types.
	const foldedAddress = new Float64Array(collapsed);
	const foldedKeptBefore = new Uint32Array(collapsed);
	// Each folded dict's owner, size and len, for the waste inspections.
	const foldedOwner = new Uint32Array(collapsed);
	const foldedSize = new Float64Array(collapsed);
	const foldedLength = new Uint32Array(collapsed);
	{
		let jSoFar = 0;
		const listFolded = (from: number, to: number): void => {
			let j = jSoFar;
			for (let w = from; w < to; w++) {
				let bits = removedBits[w]!;
				while (bits !== 0) {
					const bit = 31 - Math.clz32(bits & -bits);
					bits &= bits - 1;
					const dict = (w << 5) + bit;
					foldedAddress[j] = store.objectAddress[dict]!;
					foldedKeptBefore[j] = mapOrdinal(dict);
					foldedOwner[j] = mapOrdinal(partner[dict]! - 1);
					foldedSize[j] = store.objectSize[dict]!;
					foldedLength[j] = store.objectLength[dict]!;
					j++;
				}
			}

			jSoFar = j;
		};

		yield * inSlices(removedBits.length, listFolded);
	}

	// Scalar columns and values, compacted in place (new ordinal <= old).
	const {objectAddress, objectLength, objectFlags, valueOffset, valueBytes} = store;
	const valuesOnlyKept = valuesOnly === undefined ? undefined : new Uint32Array((kept >>> 5) + 1);
	{
		let outSoFar = 0;
		let valueEndSoFar = 0;
		const compact = (from: number, to: number): void => {
			let out = outSoFar;
			let valueEnd = valueEndSoFar;
			for (let i = from; i < to; i++) {
				if (isRemoved(i)) {
					continue;
				}

				const vStart = valueOffset[i]!;
				const vEnd = valueOffset[i + 1]!;
				objectAddress[out] = objectAddress[i]!;
				objectType[out] = objectType[i]!;
				objectSize[out] = objectSize[i]!;
				objectLength[out] = objectLength[i]!;
				objectFlags[out] = partner[i] === 0 ? objectFlags[i]! : objectFlags[i]! | FLAG_COLLAPSED;
				if (valueEnd !== vStart) {
					valueBytes.copyWithin(valueEnd, vStart, vEnd);
				}

				valueEnd += vEnd - vStart;
				valueOffset[out + 1] = valueEnd;
				if (valuesOnlyKept !== undefined && (valuesOnly![i >>> 5]! & (1 << (i & 31))) !== 0) {
					valuesOnlyKept[out >>> 5]! |= 1 << (out & 31);
				}

				out++;
			}

			outSoFar = out;
			valueEndSoFar = valueEnd;
		};

		yield * inSlices(n, compact);
	}

	const addresses = objectAddress.subarray(0, kept);
	const index = store.addressIndex;
	yield * index.remapSteps(mapOrdinal, isRemoved, addresses);
	const result = new GraphStore({
		objectAddress: addresses,
		objectType: objectType.subarray(0, kept),
		objectSize: objectSize.subarray(0, kept),
		objectLength: objectLength.subarray(0, kept),
		objectFlags: objectFlags.subarray(0, kept),
		valueOffset: valueOffset.subarray(0, kept + 1),
		valueBytes: valueBytes.subarray(0, valueOffset[kept]),
		firstChild: newFirstChild,
		childTargets: inPlace ? newTargets.subarray(0, edgeCount) : newTargets,
		unresolvedAddress: store.unresolvedAddress,
		typeNames: newTypeNames,
	}, index);
	if (valuesOnlyKept !== undefined) {
		markValuesOnlyOwners(result, valuesOnlyKept);
	}

	recordFoldedObjects(result, {address: foldedAddress, keptBefore: foldedKeptBefore});
	recordFoldedDicts(result, {owner: foldedOwner, size: foldedSize, length: foldedLength});

	// The partner array is free now: parents can build in it.
	result.scratch = partner;
	return {store: result, collapsed};
}
