/**
 * Oversized containers: lists and dicts whose allocated size is far above
 * what their `len` needs.
 *
 * Lists (CPython 3, 64-bit): sys.getsizeof(list) = LIST_HEADER + 8 *
 * allocated slots, so the dump's size gives the slots allocated. A list of
 * n items needs LIST_HEADER + 8 * n. Appending leaves at most n/8 + 9
 * unused slots (CPython's growth rule, n + n/8 + 6 rounded up to a multiple
 * of 4) and a list shrinks its array once it falls below half of it, so a
 * list is oversized when more than n/2 + 8 slots are unused: it was
 * emptied by deletions that kept the array, or made too big in advance.
 * (Python 2: the header is LIST_HEADER_PY2.)
 *
 * Dicts never shrink their table when entries are deleted. A dict of n
 * entries needs what the smallest dict of n entries in the same dump
 * takes (same interpreter, same layout); a dict is oversized when it takes
 * at least DICT_RATIO times that. Dicts of 65536 entries or more are not
 * compared.
 */

import {isPython3Dump} from '../analyses/dict-layout.js';
import {NO_LENGTH} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {runSteps, STEP_WORK, type Steps, topByKeySteps} from './steps.js';

export const LIST_HEADER = 56;
export const LIST_HEADER_PY2 = 72;
export const DICT_RATIO = 4;
const MAX_DICT_LENGTH = 65_536;

export type OversizedContainer = {
	readonly ordinal: number;
	readonly length: number;
	readonly size: number;
	/** What its `len` needs, by the rules above. */
	readonly needed: number;
	readonly wasted: number;
};

export type OversizedTotals = {readonly typeId: number; readonly count: number; readonly wasted: number};

export type Oversized = {
	readonly top: readonly OversizedContainer[];
	readonly byType: readonly OversizedTotals[];
	readonly listHeader: number;
};

export function findOversized(store: GraphStore, limit: number): Oversized {
	return runSteps(findOversizedSteps(store, limit));
}

/** findOversized in steps (steps.ts). */
export function * findOversizedSteps(store: GraphStore, limit: number): Steps<Oversized> {
	const n = store.objectCount;
	const {objectType, objectLength, objectSize} = store;
	const listType = store.typeId('list');
	const dictType = store.typeId('dict');
	const listHeader = isPython3Dump(store) ? LIST_HEADER : LIST_HEADER_PY2;
	const smallestDict = new Float64Array(MAX_DICT_LENGTH).fill(Number.POSITIVE_INFINITY);
	if (dictType >= 0) {
		for (let start = 0; start < n; start += STEP_WORK) {
			const end = Math.min(n, start + STEP_WORK);
			for (let i = start; i < end; i++) {
				const length = objectLength[i]!;
				if (objectType[i] === dictType && length < MAX_DICT_LENGTH && objectSize[i]! < smallestDict[length]!) {
					smallestDict[length] = objectSize[i]!;
				}
			}

			yield;
		}
	}

	const needed = (i: number): number => {
		const type = objectType[i]!;
		const length = objectLength[i]!;
		if (length === NO_LENGTH) {
			return -1;
		}

		if (type === listType) {
			const slots = (objectSize[i]! - listHeader) / 8;
			return slots - length > length / 2 + 8 ? listHeader + 8 * length : -1;
		}

		if (type === dictType && length < MAX_DICT_LENGTH) {
			const smallest = smallestDict[length]!;
			return objectSize[i]! >= DICT_RATIO * smallest ? smallest : -1;
		}

		return -1;
	};

	const wasted = new Float64Array(n);
	const byType = new Map<number, {count: number; wasted: number}>();
	for (let start = 0; start < n; start += STEP_WORK) {
		const end = Math.min(n, start + STEP_WORK);
		for (let i = start; i < end; i++) {
			const type = objectType[i]!;
			if (type !== listType && type !== dictType) {
				continue;
			}

			const need = needed(i);
			if (need < 0) {
				continue;
			}

			wasted[i] = objectSize[i]! - need;
			const totals = byType.get(type) ?? {count: 0, wasted: 0};
			totals.count++;
			totals.wasted += wasted[i]!;
			byType.set(type, totals);
		}

		yield;
	}

	const top = yield * topByKeySteps(wasted, limit, n, i => wasted[i]! > 0);
	return {
		top: Array.from(top, ordinal => ({
			ordinal,
			length: objectLength[ordinal]!,
			size: objectSize[ordinal]!,
			needed: objectSize[ordinal]! - wasted[ordinal]!,
			wasted: wasted[ordinal]!,
		})),
		byType: [...byType.entries()].map(([typeId, totals]) => ({typeId, ...totals})).sort((a, b) => b.wasted - a.wasted),
		listHeader,
	};
}
