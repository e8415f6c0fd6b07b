/**
 * Per-instance dicts: for each class, its instances that carry a `__dict__`
 * (the objects collapse folded a dict into), what they cost now, and what
 * `__slots__` would save.
 *
 * Rule (CPython 3, 64-bit): an instance of a class with `__slots__` for its
 * k attributes and no `__dict__` or `__weakref__` is
 *   SLOTTED_HEADER + 8 * k bytes
 * (16 for the object header, 16 for the garbage collector's header, one
 * pointer per slot; what sys.getsizeof reports), so
 *   slots_saving = sum over the instances of (instance size + dict size)
 *                  - sum of (SLOTTED_HEADER + 8 * k)
 * with k the dict's `len`. The dict's size is the dump's (on 3.11+, the
 * dumper's stand-in for the inline values).
 *
 * On a store loaded without collapse, an instance is an object whose
 * references are exactly its dict and its class (meliae's pattern).
 */

import {NO_LENGTH, UNRESOLVED_BIT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {foldedDicts} from './folded-dicts.js';
import {runSteps, STEP_WORK, type Steps} from './steps.js';

/** Object header (refcount, type) plus the garbage collector's header, in bytes. */
export const SLOTTED_HEADER = 32;
/** Bytes per slot (one pointer). */
export const SLOT_BYTES = 8;

export type InstanceDicts = {
	readonly typeId: number;
	readonly count: number;
	/** The instances' own sizes (without their dicts). */
	readonly instanceSize: number;
	readonly dictSize: number;
	/** Attributes over all the instances (sum of the dicts' `len`). */
	readonly attributes: number;
	/** What the same instances would take with `__slots__`. */
	readonly slottedSize: number;
	readonly slotsSaving: number;
};

const NOT_INSTANCES = new Set(['module', 'dict', 'type', 'str', 'tuple', 'list', 'function', 'code', 'int', 'weakref', 'classobj']);

/** Every class with instances that carry a dict, largest saving first. */
export function findInstanceDicts(store: GraphStore): InstanceDicts[] {
	return runSteps(findInstanceDictsSteps(store));
}

/** findInstanceDicts in steps (steps.ts). */
export function * findInstanceDictsSteps(store: GraphStore): Steps<InstanceDicts[]> {
	const types = store.typeCount;
	const count = new Float64Array(types);
	const instanceSize = new Float64Array(types);
	const dictSize = new Float64Array(types);
	const attributes = new Float64Array(types);
	const excluded = new Uint8Array(types);
	for (const [id, name] of store.typeNames.entries()) {
		if (NOT_INSTANCES.has(name)) {
			excluded[id] = 1;
		}
	}

	const {objectType, objectSize, objectLength, firstChild, childTargets} = store;
	const add = (owner: number, size: number, length: number, refs: number): void => {
		const type = objectType[owner]!;
		if (excluded[type] === 1) {
			return;
		}

		count[type]++;
		instanceSize[type] += objectSize[owner]! - size;
		dictSize[type] += size;
		attributes[type] += length === NO_LENGTH ? refs : length;
	};

	const folded = foldedDicts(store);
	if (folded === undefined) {
		const dictType = store.typeId('dict');
		const typeType = store.typeId('type');
		for (let chunk = 0; dictType >= 0 && chunk < store.objectCount; chunk += STEP_WORK) {
			const chunkEnd = Math.min(store.objectCount, chunk + STEP_WORK);
			for (let i = chunk; i < chunkEnd; i++) {
				const start = firstChild[i]!;
				if (firstChild[i + 1]! - start !== 2) {
					continue;
				}

				const dict = childTargets[start]!;
				const cls = childTargets[start + 1]!;
				if (dict >= UNRESOLVED_BIT || cls >= UNRESOLVED_BIT || objectType[dict] !== dictType || objectType[cls] !== typeType) {
					continue;
				}

				// Not folded: the instance's own size is its size.
				const type = objectType[i]!;
				if (excluded[type] === 1) {
					continue;
				}

				count[type]++;
				instanceSize[type] += objectSize[i]!;
				dictSize[type] += objectSize[dict]!;
				const length = objectLength[dict]!;
				attributes[type] += length === NO_LENGTH ? (firstChild[dict + 1]! - firstChild[dict]!) / 2 : length;
			}

			yield;
		}
	} else {
		for (let chunk = 0; chunk < folded.owner.length; chunk += STEP_WORK) {
			const chunkEnd = Math.min(folded.owner.length, chunk + STEP_WORK);
			for (let j = chunk; j < chunkEnd; j++) {
				const owner = folded.owner[j]!;
				// The references the dict brought: a pair per attribute (or a value), then the class.
				const refs = Math.floor((firstChild[owner + 1]! - firstChild[owner]! - 1) / 2);
				add(owner, folded.size[j]!, folded.length[j]!, refs);
			}

			yield;
		}
	}

	const result: InstanceDicts[] = [];
	for (let type = 0; type < types; type++) {
		if (count[type] === 0) {
			continue;
		}

		const slottedSize = count[type]! * SLOTTED_HEADER + attributes[type]! * SLOT_BYTES;
		result.push({
			typeId: type,
			count: count[type]!,
			instanceSize: instanceSize[type]!,
			dictSize: dictSize[type]!,
			attributes: attributes[type]!,
			slottedSize,
			slotsSaving: instanceSize[type]! + dictSize[type]! - slottedSize,
		});
	}

	return result.sort((a, b) => (b.slotsSaving - a.slotsSaving) || (b.count - a.count));
}
