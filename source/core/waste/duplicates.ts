/**
 * Duplicate strings (and bytes): objects of the same type with the same
 * value. Copies beyond the first are waste (interning, or keeping one
 * copy, would save them).
 *
 * A dump keeps the first 100 characters of a value (meliae's cut; `len`
 * gives the real length), so two longer values cannot be proven equal:
 * only objects whose `len` is at most 100 take part. Values are grouped by
 * a hash of their raw bytes in the dump on a typed-array table, compared
 * byte for byte; nothing is decoded but the values shown.
 *
 * The values are read one by one in dump order (store.valueBytesOf), so a
 * store that keeps its values on disk streams them from the index file
 * instead of reading its value arena whole: a first pass hashes every
 * value, a second compares byte for byte only the values whose hash
 * repeats, against a copy of the first of each distinct such value.
 */

import {FLAG_VALUE_IS_NAME, FLAG_VALUE_STRING, NO_LENGTH} from '../graph/layout.js';
import {type GraphStore, ValueWindow} from '../graph/store.js';
import {type HolderGroup, HolderGroups, holderEdge, NO_OWNER} from './holders.js';
import {fillSteps, referencesSteps, runSteps, STEP_WORK, type Steps, topByKeySteps} from './steps.js';

/** The most characters of a value a dump keeps (meliae's and our dumper's cut). */
export const DUMP_VALUE_CHARS = 100;
/** The types whose values are compared. */
export const STRING_TYPES: readonly string[] = ['str', 'bytes', 'unicode'];
const EMPTY = 0xff_ff_ff_ff;

export type DuplicateString = {
	/** The first copy in dump order. */
	readonly ordinal: number;
	readonly typeId: number;
	readonly count: number;
	/** Bytes of all the copies. */
	readonly size: number;
	/** Bytes of all the copies but one. */
	readonly wasted: number;
	/** Who refers to the copies, by holder type and reference name (one entry per referrer of each copy). */
	readonly holders: readonly HolderGroup[];
};

export type DuplicateStrings = {
	readonly top: readonly DuplicateString[];
	/** Values held by more than one object. */
	readonly duplicatedValues: number;
	/** Sum of the wasted bytes of every duplicated value. */
	readonly wasted: number;
	/** Objects whose value is longer than the dump keeps (not compared). */
	readonly notCompared: number;
};

function hashBytes(bytes: Uint8Array, start: number, end: number, seed: number): number {
	let hash = 0x81_1c_9d_c5 ^ seed;
	for (let i = start; i < end; i++) {
		hash = Math.imul(hash ^ bytes[i]!, 0x01_00_01_93);
	}

	return hash >>> 0;
}

/** Whether a[aStart, aEnd) and b[bStart, bEnd) hold the same bytes. */
function sameBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
	if (aEnd - aStart !== bEnd - bStart) {
		return false;
	}

	for (let i = 0; i < aEnd - aStart; i++) {
		if (a[aStart + i] !== b[bStart + i]) {
			return false;
		}
	}

	return true;
}

/** The `limit` values wasting the most bytes, with their holders (holderLimit groups each). */
export function findDuplicateStrings(store: GraphStore, limit: number, holderLimit = 5): DuplicateStrings {
	return runSteps(findDuplicateStringsSteps(store, limit, holderLimit));
}

/** findDuplicateStrings in steps (steps.ts). */
export function * findDuplicateStringsSteps(store: GraphStore, limit: number, holderLimit = 5): Steps<DuplicateStrings> {
	const n = store.objectCount;
	const {objectType, objectFlags, objectLength, objectSize} = store;
	const isStringType = new Uint8Array(store.typeCount);
	for (const name of STRING_TYPES) {
		const id = store.typeId(name);
		if (id >= 0) {
			isStringType[id] = 1;
		}
	}

	let candidates = 0;
	let notCompared = 0;
	const candidate = (i: number): boolean => isStringType[objectType[i]!] === 1
		&& (objectFlags[i]! & (FLAG_VALUE_STRING | FLAG_VALUE_IS_NAME)) === FLAG_VALUE_STRING;
	for (let start = 0; start < n; start += STEP_WORK) {
		const end = Math.min(n, start + STEP_WORK);
		for (let i = start; i < end; i++) {
			if (candidate(i)) {
				const length = objectLength[i]!;
				if (length !== NO_LENGTH && length <= DUMP_VALUE_CHARS) {
					candidates++;
				} else {
					notCompared++;
				}
			}
		}

		yield;
	}

	// First pass: each value's hash. Open addressing: slot -> bucket (a
	// type and a hash); how many values fall in each.
	let capacity = 16;
	while (capacity < candidates * 2) {
		capacity *= 2;
	}

	const mask = capacity - 1;
	const table = new Uint32Array(capacity);
	yield * fillSteps(table, EMPTY);
	const size = Math.max(candidates, 1);
	const bucketHash = new Uint32Array(size);
	const bucketType = new Uint32Array(size);
	const bucketCount = new Uint32Array(size);
	// Each candidate's bucket, then (second pass) its group.
	const groupOf = new Uint32Array(n);
	yield * fillSteps(groupOf, EMPTY);
	let buckets = 0;
	const compared = (i: number): boolean => {
		if (!candidate(i)) {
			return false;
		}

		const length = objectLength[i]!;
		return length !== NO_LENGTH && length <= DUMP_VALUE_CHARS;
	};

	const values = new ValueWindow(store);
	for (let chunk = 0; chunk < n; chunk += STEP_WORK) {
		const chunkEnd = Math.min(n, chunk + STEP_WORK);
		for (let i = chunk; i < chunkEnd; i++) {
			if (!compared(i)) {
				continue;
			}

			values.load(i);
			const type = objectType[i]!;
			const hash = hashBytes(values.bytes, values.start, values.end, type);
			let slot = hash & mask;
			for (;;) {
				const b = table[slot]!;
				if (b === EMPTY) {
					table[slot] = buckets;
					bucketHash[buckets] = hash;
					bucketType[buckets] = type;
					bucketCount[buckets] = 1;
					groupOf[i] = buckets;
					buckets++;
					break;
				}

				if (bucketHash[b] === hash && bucketType[b] === type) {
					bucketCount[b]++;
					groupOf[i] = b;
					break;
				}

				slot = (slot + 1) & mask;
			}
		}

		yield;
	}

	// Second pass, in dump order: a value alone in its bucket is unique; the
	// others are compared byte for byte with a copy of the first of each
	// distinct value of their bucket (groups numbered by first appearance).
	const bucketGroup = new Uint32Array(buckets);
	yield * fillSteps(bucketGroup, EMPTY);
	const groupFirst = new Uint32Array(size);
	const groupCount = new Uint32Array(size);
	const groupSize = new Float64Array(size);
	const groupNext = new Uint32Array(size);
	const keptStart = new Uint32Array(size);
	const keptEnd = new Uint32Array(size);
	let kept = new Uint8Array(4096);
	let keptBytes = 0;
	let groups = 0;
	for (let chunk = 0; chunk < n; chunk += STEP_WORK) {
		const chunkEnd = Math.min(n, chunk + STEP_WORK);
		for (let i = chunk; i < chunkEnd; i++) {
			const b = groupOf[i]!;
			if (b === EMPTY) {
				continue;
			}

			if (bucketCount[b] === 1) {
				groupOf[i] = EMPTY;
				continue;
			}

			values.load(i);
			const {bytes, start, end} = values;
			let g = bucketGroup[b]!;
			let last = EMPTY;
			while (g !== EMPTY && !sameBytes(kept, keptStart[g]!, keptEnd[g]!, bytes, start, end)) {
				last = g;
				g = groupNext[g]!;
			}

			if (g === EMPTY) {
				g = groups++;
				groupFirst[g] = i;
				groupCount[g] = 0;
				groupSize[g] = 0;
				groupNext[g] = EMPTY;
				if (keptBytes + end - start > kept.length) {
					const grown = new Uint8Array(Math.max(kept.length * 2, keptBytes + end - start));
					grown.set(kept.subarray(0, keptBytes));
					kept = grown;
				}

				kept.set(bytes.subarray(start, end), keptBytes);
				keptStart[g] = keptBytes;
				keptBytes += end - start;
				keptEnd[g] = keptBytes;
				if (last === EMPTY) {
					bucketGroup[b] = g;
				} else {
					groupNext[last] = g;
				}
			}

			groupCount[g]++;
			groupSize[g] += objectSize[i]!;
			groupOf[i] = g;
		}

		yield;
	}

	const wasted = new Float64Array(groups);
	let duplicatedValues = 0;
	let totalWasted = 0;
	for (let chunk = 0; chunk < groups; chunk += STEP_WORK) {
		const chunkEnd = Math.min(groups, chunk + STEP_WORK);
		for (let g = chunk; g < chunkEnd; g++) {
			if (groupCount[g]! > 1) {
				wasted[g] = groupSize[g]! - objectSize[groupFirst[g]!]!;
				duplicatedValues++;
				totalWasted += wasted[g]!;
			}
		}

		yield;
	}

	const top = yield * topByKeySteps(wasted, limit, groups, g => groupCount[g]! > 1);
	// Holders of the top values only: one pass over their copies' parents.
	const rank = new Int32Array(groups);
	yield * fillSteps(rank, -1);
	for (const [position, g] of top.entries()) {
		rank[g] = position;
	}

	// One pass over the references (no parents needed): each reference to
	// a copy of a top value is a holder; copies nothing refers to, one group.
	const holders = Array.from(top, () => new HolderGroups());
	if (top.length > 0) {
		// The last parent seen referring to each object (parents come in ascending order).
		const lastParent = new Uint32Array(n);
		yield * fillSteps(lastParent, EMPTY);
		yield * referencesSteps(store, (parent, child) => {
			const g = groupOf[child]!;
			if (g === EMPTY || rank[g]! < 0 || lastParent[child] === parent) {
				return;
			}

			// A parent listing the same copy twice counts once, as a parent.
			lastParent[child] = parent;
			holders[rank[g]!]!.add(objectType[parent]!, holderEdge(store, parent, child), objectSize[child]!);
		});

		for (let chunk = 0; chunk < n; chunk += STEP_WORK) {
			const chunkEnd = Math.min(n, chunk + STEP_WORK);
			for (let i = chunk; i < chunkEnd; i++) {
				const g = groupOf[i]!;
				if (g !== EMPTY && rank[g]! >= 0 && lastParent[i] === EMPTY) {
					holders[rank[g]!]!.add(NO_OWNER, null, objectSize[i]!);
				}
			}

			yield;
		}
	}

	return {
		top: Array.from(top, (g, position) => ({
			ordinal: groupFirst[g]!,
			typeId: objectType[groupFirst[g]!]!,
			count: groupCount[g]!,
			size: groupSize[g]!,
			wasted: wasted[g]!,
			holders: holders[position]!.sorted().slice(0, holderLimit),
		})),
		duplicatedValues,
		wasted: totalWasted,
		notCompared,
	};
}
