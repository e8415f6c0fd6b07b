/**
 * meliae's remove_expensive_references: references to modules, frames and
 * types, and a function's globals/builtins links, tie every object to every
 * other one; they are replaced by one reference to a synthetic
 * `<ex-reference>` object at address 0. `_LRUNode`s lose their sideways
 * links to other nodes.
 *
 * meliae puts that object at address 0 and, when the dump already has an
 * object there, redirects the references to that real object. Here it sits
 * at 2^64 (EX_REFERENCE_ADDRESS), above every 64-bit address, so it never
 * meets a real object.
 */

import {FLAG_SYNTHETIC, NO_OBJECT, UNRESOLVED_BIT} from '../graph/layout.js';
import {GraphStore} from '../graph/store.js';
import {inSlices, runSteps} from '../util/steps.js';
import {carryValuesOnlyOwners} from './dict-layout.js';
import {carryFoldedObjects} from './meliae-order.js';
import {carryFoldedDicts} from '../waste/folded-dicts.js';

export const EX_REFERENCE_TYPE = '<ex-reference>';
/** Address of the `<ex-reference>` object: 2^64, which no 64-bit address equals. */
export const EX_REFERENCE_ADDRESS = 2 ** 64;
/** The gap between doubles at 2^64 (a fallback address if one loaded as 2^64 by rounding). */
const DOUBLE_STEP_AT_2_64 = 4096;
const NOREF_TYPES = new Set(['module', 'frame', 'type']);

export type ExpensiveResult = {
	store: GraphStore;
	/** Objects whose references changed. */
	changed: number;
	/** Ordinal of the `<ex-reference>` object. */
	exReference: number;
};

export function removeExpensiveReferences(store: GraphStore): ExpensiveResult {
	return runSteps(expensiveSteps(store));
}

/** removeExpensiveReferences as steps (see util/steps.ts); the same result. */
export function * expensiveSteps(store: GraphStore): Generator<void, ExpensiveResult> {
	const n = store.objectCount;
	const {objectType, firstChild, childTargets} = store;
	const typeNames = [...store.typeNames];
	const noref = new Uint8Array(typeNames.length + 1);
	for (const [id, name] of typeNames.entries()) {
		if (NOREF_TYPES.has(name)) {
			noref[id] = 1;
		}
	}

	const functionType = typeNames.indexOf('function');
	const lruType = typeNames.indexOf('_LRUNode');
	// Run twice, the store already has its <ex-reference> object.
	let exReference = NO_OBJECT;
	let exAddress = EX_REFERENCE_ADDRESS;
	for (let found = store.indexOf(exAddress); found !== NO_OBJECT; found = store.indexOf(exAddress)) {
		if ((store.objectFlags[found]! & FLAG_SYNTHETIC) !== 0 && store.typeName(found) === EX_REFERENCE_TYPE) {
			exReference = found;
			break;
		}

		exAddress += DOUBLE_STEP_AT_2_64;
	}

	const addExReference = exReference === NO_OBJECT;
	let exType = typeNames.indexOf(EX_REFERENCE_TYPE);
	if (addExReference) {
		exReference = n;
		if (exType < 0) {
			exType = typeNames.length;
			typeNames.push(EX_REFERENCE_TYPE);
		}
	}

	const total = addExReference ? n + 1 : n;
	const isNoref = (target: number): boolean => target < UNRESOLVED_BIT && noref[objectType[target]!] === 1;
	// Worst case every object gains one reference.
	const newTargets = new Uint32Array(childTargets.length + n);
	const newFirstChild = new Uint32Array(total + 1);
	let edgeSoFar = 0;
	let changedSoFar = 0;
	const rewrite = (from: number, to: number): void => {
		let edge = edgeSoFar;
		let changed = changedSoFar;
		for (let i = from; i < to; i++) {
			const start = firstChild[i]!;
			const end = firstChild[i + 1]!;
			const type = objectType[i]!;
			if (type === functionType) {
				// Keep the code object, drop the next two (globals and builtins,
				// or globals and module on older Pythons), drop other expensive links.
				for (let e = start; e < end; e++) {
					const k = e - start;
					if (k === 1 || k === 2 || (k > 0 && isNoref(childTargets[e]!))) {
						continue;
					}

					newTargets[edge++] = childTargets[e]!;
				}

				newTargets[edge++] = exReference;
				changed++;
			} else if (type === lruType && lruType >= 0) {
				for (let e = start; e < end; e++) {
					const target = childTargets[e]!;
					if (target < UNRESOLVED_BIT && objectType[target] === lruType) {
						continue;
					}

					newTargets[edge++] = target;
				}

				changed++;
			} else {
				let expensive = false;
				for (let e = start; e < end; e++) {
					const target = childTargets[e]!;
					if (isNoref(target)) {
						expensive = true;
					} else {
						newTargets[edge++] = target;
					}
				}

				if (expensive) {
					newTargets[edge++] = exReference;
					changed++;
				}
			}

			newFirstChild[i + 1] = edge;
		}

		edgeSoFar = edge;
		changedSoFar = changed;
	};

	yield * inSlices(n, rewrite);
	const edge = edgeSoFar;
	const changed = changedSoFar;
	if (addExReference) {
		newFirstChild[n + 1] = edge;
	}

	const extend = <T extends Float64Array | Uint32Array | Uint8Array>(column: T, fill: number): T => {
		if (!addExReference) {
			return column;
		}

		const bigger = new (column.constructor as new (length: number) => T)(column.length + 1);
		bigger.set(column);
		bigger[column.length] = fill;
		return bigger;
	};

	const valueOffset = addExReference ? extend(store.valueOffset, store.valueOffset[n]!) : store.valueOffset;
	const result = new GraphStore({
		objectAddress: extend(store.objectAddress, exAddress),
		objectType: extend(store.objectType, exType),
		objectSize: extend(store.objectSize, 0),
		objectLength: extend(store.objectLength, 0xff_ff_ff_ff),
		objectFlags: extend(store.objectFlags, FLAG_SYNTHETIC),
		valueOffset,
		valueBytes: store.valueBytes,
		firstChild: newFirstChild,
		childTargets: newTargets.slice(0, edge),
		unresolvedAddress: store.unresolvedAddress,
		typeNames,
	});
	carryValuesOnlyOwners(store, result);
	carryFoldedObjects(store, result);
	carryFoldedDicts(store, result);
	return {store: result, changed, exReference};
}
