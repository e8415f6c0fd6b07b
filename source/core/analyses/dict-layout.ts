/**
 * How a dict's references are laid out. meliae's scanner on Python 2 and
 * our dumper write `key, value` pairs. A dumper that follows CPython 3's
 * traverse functions (meliae's scanner does) writes only the values of a
 * dict whose keys are all strings (module and instance dicts, kwargs): its
 * refs then hold `len` entries, not `2 x len`, and no key is in the dump;
 * and of any other dict `value, key` pairs (CPython 3 visits an entry's
 * value before its key). A Python 3 dump with a values-only dict is such a
 * dump: its pairs are read value first.
 *
 * A dict says which by its `len`; an object that absorbed such a dict
 * (collapse) is marked when it absorbs it, since the dict's `len` leaves
 * with the dict. The marks live beside the store, one bit per object.
 */

import {NO_LENGTH} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';

/** `pairs`: key, value...; `value-pairs`: value, key...; `values`: values only. */
export type DictLayout = 'pairs' | 'value-pairs' | 'values';

/** Why a dict's keys are not shown. */
export const VALUES_ONLY_NOTE = 'keys not in the dump: its dumper lists only the values of a dict whose keys are all strings (CPython 3\'s traverse order)';

const valuesOnlyOwners = new WeakMap<GraphStore, Uint32Array>();
const traverseOrder = new WeakMap<GraphStore, boolean>();

/**
 * Whether the dump comes from Python 3: some object is of type `bytes`
 * (Python 2's byte strings are `str`) and none is an old-style `classobj`
 * or `instance`.
 */
export function isPython3Dump(store: GraphStore): boolean {
	const names = store.typeNames;
	if (names.includes('classobj') || names.includes('instance')) {
		return false;
	}

	const bytesType = names.indexOf('bytes');
	if (bytesType < 0) {
		return false;
	}

	const {objectType} = store;
	for (let i = 0; i < store.objectCount; i++) {
		if (objectType[i] === bytesType) {
			return true;
		}
	}

	return false;
}

/**
 * Record whether the dump's dicts follow CPython 3's traverse order, as
 * isTraverseOrderDump found it on the store the index was written from
 * (saves a pass over every object when a reopened dump names a dict key).
 */
export function recordTraverseOrder(store: GraphStore, known: boolean): void {
	traverseOrder.set(store, known);
}

/** Whether the dump's dicts follow CPython 3's traverse order (a Python 3 dump with a values-only dict). Cached. */
export function isTraverseOrderDump(store: GraphStore): boolean {
	let known = traverseOrder.get(store);
	if (known === undefined) {
		known = false;
		const bits = valuesOnlyOwners.get(store);
		let valuesOnly = bits !== undefined && bits.some(word => word !== 0);
		const dictType = store.typeNames.indexOf('dict');
		const {objectType, objectLength, firstChild} = store;
		for (let i = 0; !valuesOnly && dictType >= 0 && i < store.objectCount; i++) {
			valuesOnly = objectType[i] === dictType && refsAreValuesOnly(objectLength[i]!, firstChild[i + 1]! - firstChild[i]!);
		}

		known = valuesOnly && isPython3Dump(store);
		traverseOrder.set(store, known);
	}

	return known;
}

/** Whether a dict line's refs hold its values only: `len` of them, where pairs would be `2 x len`. */
export function refsAreValuesOnly(length: number, refCount: number): boolean {
	return length !== NO_LENGTH && length > 0 && refCount === length;
}

/** Record the owners (a bit per ordinal of `store`) that absorbed a values-only dict. */
export function markValuesOnlyOwners(store: GraphStore, bits: Uint32Array): void {
	valuesOnlyOwners.set(store, bits);
}

/** Keep the marks on a store made from `from` with the same ordinals (and maybe more). */
export function carryValuesOnlyOwners(from: GraphStore, to: GraphStore): void {
	const bits = valuesOnlyOwners.get(from);
	if (bits !== undefined) {
		valuesOnlyOwners.set(to, bits);
	}
}

/** The bits set by markValuesOnlyOwners for `store`, if any (for saving them). */
export function valuesOnlyOwnersOf(store: GraphStore): Uint32Array | undefined {
	return valuesOnlyOwners.get(store);
}

/** The layout of a dict's references, or of a collapsed object's (its dict's, then its type). */
export function dictLayout(store: GraphStore, ordinal: number): DictLayout {
	const bits = valuesOnlyOwners.get(store);
	if (bits !== undefined && ordinal < bits.length * 32 && (bits[ordinal >>> 5]! & (1 << (ordinal & 31))) !== 0) {
		return 'values';
	}

	if (store.typeName(ordinal) === 'dict' && refsAreValuesOnly(store.objectLength[ordinal]!, store.childCount(ordinal))) {
		return 'values';
	}

	return isTraverseOrderDump(store) ? 'value-pairs' : 'pairs';
}
