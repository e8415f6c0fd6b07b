/**
 * Object-level queries of meliae's ObjManager: all objects of a type in
 * get_all order, refs_as_dict / refs_as_list previews, guess_intern_dict.
 */

import {FLAG_COLLAPSED, UNRESOLVED_BIT} from '../graph/layout.js';
import {NO_OBJECT, type GraphStore} from '../graph/store.js';
import {dictLayout} from './dict-layout.js';

/**
 * Ordinals of every object of `typeId`, largest first: by size, then
 * number of references, then number of parents (meliae's get_all order);
 * ties keep file order.
 */
export function objectsOfType(store: GraphStore, typeId: number): Uint32Array {
	const {objectType} = store;
	const n = store.objectCount;
	let count = 0;
	for (let i = 0; i < n; i++) {
		if (objectType[i] === typeId) {
			count++;
		}
	}

	const result = new Uint32Array(count);
	let out = 0;
	for (let i = 0; i < n && out < count; i++) {
		if (objectType[i] === typeId) {
			result[out++] = i;
		}
	}

	return sortLargestFirst(store, result);
}

/** Sort ordinals in place in get_all order (size, refs, parents; largest first). */
export function sortLargestFirst(store: GraphStore, ordinals: Uint32Array): Uint32Array {
	const {objectSize, firstChild, firstParent} = store;
	return ordinals.sort((a, b) =>
		(objectSize[b]! - objectSize[a]!)
		|| ((firstChild[b + 1]! - firstChild[b]!) - (firstChild[a + 1]! - firstChild[a]!))
		|| ((firstParent[b + 1]! - firstParent[b]!) - (firstParent[a + 1]! - firstParent[a]!))
		|| (a - b));
}

/** One side of a refs_as_dict entry, or one refs_as_list item. */
export type RefValue =
	| {kind: 'value'; target: number; text: string; token: boolean}
	| {kind: 'none'; target: number}
	| {kind: 'bool'; target: number; value: boolean}
	| {kind: 'object'; target: number}
	| {kind: 'missing'; target: number}
	/** The dump has no key for this value (a values-only dict, see dict-layout). */
	| {kind: 'no-key'; target: number};

export type DictEntry = {key: RefValue; value: RefValue};

const SCALAR_TYPES = new Set(['int', 'long', 'str', 'unicode', 'float', 'bytes']);

function keyOf(store: GraphStore, target: number): RefValue {
	if (target >= UNRESOLVED_BIT) {
		return {kind: 'missing', target};
	}

	const kind = store.valueKind(target);
	if (kind !== 'none') {
		return {kind: 'value', target, text: store.value(target)!, token: kind === 'token'};
	}

	return {kind: 'object', target};
}

function valueOf(store: GraphStore, target: number, scalarsOnly: boolean): RefValue {
	if (target >= UNRESOLVED_BIT) {
		return {kind: 'missing', target};
	}

	const type = store.typeName(target);
	if (type === 'bool') {
		return {kind: 'bool', target, value: store.value(target) === 'True'};
	}

	if (type === 'NoneType') {
		return {kind: 'none', target};
	}

	const kind = store.valueKind(target);
	if (kind !== 'none' && (!scalarsOnly || SCALAR_TYPES.has(type))) {
		return {kind: 'value', target, text: store.value(target)!, token: kind === 'token'};
	}

	return {kind: 'object', target};
}

/**
 * How many of an object's references are its dict's (dicts, modules,
 * collapsed instances): all but a collapsed instance's last one (its type).
 * With pairs, an odd count on anything but a dict or module means a
 * collapsed instance ending with its type.
 */
function dictRefCount(store: GraphStore, ordinal: number, valuesOnly: boolean): number {
	const count = store.childCount(ordinal);
	const type = store.typeName(ordinal);
	if (type === 'dict' || type === 'module') {
		return count;
	}

	if (valuesOnly) {
		return (store.objectFlags[ordinal]! & FLAG_COLLAPSED) !== 0 && count > 0 ? count - 1 : count;
	}

	return count % 2 === 1 ? count - 1 : count;
}

/** How many entries the dict view of an object has (see refsAsDict). */
export function dictEntryCount(store: GraphStore, ordinal: number): number {
	const valuesOnly = dictLayout(store, ordinal) === 'values';
	const count = dictRefCount(store, ordinal, valuesOnly);
	return valuesOnly ? count : Math.floor(count / 2);
}

/**
 * Read the references as key, value, key, value... (dicts, modules,
 * collapsed instances). An odd count on anything but a dict or module means
 * a collapsed instance ending with its type: that last reference is
 * dropped. A dict whose refs hold only its values (dictLayout 'values')
 * gives one entry per value with a `no-key` key: no mapping is made up;
 * pairs written value first ('value-pairs') are read so.
 * `limit` caps the number of entries read.
 */
export function refsAsDict(store: GraphStore, ordinal: number, limit = Number.POSITIVE_INFINITY): DictEntry[] {
	const start = store.firstChild[ordinal]!;
	const layout = dictLayout(store, ordinal);
	const valuesOnly = layout === 'values';
	const count = dictRefCount(store, ordinal, valuesOnly);
	const entries: DictEntry[] = [];
	if (valuesOnly) {
		for (let k = 0; k < count && entries.length < limit; k++) {
			entries.push({key: {kind: 'no-key', target: NO_OBJECT}, value: valueOf(store, store.childTargets[start + k]!, true)});
		}

		return entries;
	}

	// Value first in a dump that follows CPython 3's traverse order.
	const keyFirst = layout === 'pairs';
	for (let k = 0; k + 1 < count && entries.length < limit; k += 2) {
		const key = store.childTargets[start + k + (keyFirst ? 0 : 1)]!;
		const value = store.childTargets[start + k + (keyFirst ? 1 : 0)]!;
		entries.push({key: keyOf(store, key), value: valueOf(store, value, true)});
	}

	return entries;
}

/** Read the references as a list of values (meliae's refs_as_list). */
export function refsAsList(store: GraphStore, ordinal: number, limit = Number.POSITIVE_INFINITY): RefValue[] {
	const start = store.firstChild[ordinal]!;
	const end = Math.min(store.firstChild[ordinal + 1]!, start + limit);
	const items: RefValue[] = [];
	for (let e = start; e < end; e++) {
		items.push(valueOf(store, store.childTargets[e]!, false));
	}

	return items;
}

/**
 * Find the string intern dict: a non-empty dict without parents whose
 * references come in pairs of the same str (each key maps to itself).
 */
export function guessInternDict(store: GraphStore): number {
	const dictType = store.typeId('dict');
	const strType = store.typeId('str');
	if (dictType < 0) {
		return NO_OBJECT;
	}

	const {objectType, firstChild, childTargets, firstParent} = store;
	for (let i = 0; i < store.objectCount; i++) {
		const start = firstChild[i]!;
		const end = firstChild[i + 1]!;
		if (objectType[i] !== dictType || end === start || firstParent[i + 1] !== firstParent[i]) {
			continue;
		}

		let ok = (end - start) % 2 === 0;
		for (let e = start; ok && e < end; e += 2) {
			const key = childTargets[e]!;
			ok = key === childTargets[e + 1] && key < UNRESOLVED_BIT && objectType[key] === strType;
		}

		if (ok) {
			return i;
		}
	}

	return NO_OBJECT;
}
