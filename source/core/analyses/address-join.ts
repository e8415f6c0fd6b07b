/**
 * Matching the objects of two dumps: an object of the newer dump matches
 * the object of the older one at the same address when both have the same
 * type (diff.ts says why). When the older side has an address twice (a
 * store never has), the first occurrence is the one compared, as an
 * AddressIndex lookup would find it.
 *
 * Looking each new address up in the older dump's address hash costs a
 * cache miss or two per object once the hash and the address column are
 * larger than the cache (at 5M objects they are 70 MB): that was most of
 * a diff's time. Here both sides are cut into partitions by the top bits
 * of the address hash (a radix partition: count, prefix sum, scatter;
 * reads in order, one write stream per partition), each small enough that
 * a partition's older entries and their hash table stay in the cache while
 * the newer entries of the same partition are looked up in it.
 *
 * An entry is four 32-bit words: the address's hash, the address's top
 * bits (address / 2^32), the ordinal and the type. The hash is a
 * bijection of the address's low 32 bits for given top bits (hashAddress:
 * xor, xor-shifts and multiplications by odd numbers), so the first two
 * words are equal exactly when the addresses are, and the entry carries
 * its hash for the partition's table.
 *
 * The partitions are made in rounds (by the hash's top bits, each round
 * taking a slice of the partitions) so that the entries in memory at once
 * stay under about ROUND_ENTRIES (16 bytes each), in at most 8 rounds; a
 * byte per object notes its round. At 5M objects a side that is 8 rounds,
 * 19 MB of entries and 9 MB of round bytes, where the older dump's address
 * table was 32 MB: a diff's peak is what it was with the table. Each round
 * costs a pass over both sides' round bytes: measured at 5M objects a side,
 * 2 rounds instead of 8 took about 50 ms less, for 18 MB more at the peak.
 */

import {hashAddress} from '../graph/address-index.js';

/** One side of a match: the first `objectCount` objects' addresses and type ids (a GraphStore is one). */
export type MatchColumns = {
	readonly objectCount: number;
	readonly objectAddress: Float64Array;
	readonly objectType: Uint32Array;
};

export type AddressMatch = {
	/** 1 for each object of the newer side that has a match. */
	readonly newMatched: Uint8Array;
	/** 1 for each object of the older side that an object of the newer one matched. */
	readonly oldMatched: Uint8Array;
	/** Objects of the newer side that have a match. */
	readonly matches: number;
};

/** Older entries per partition, about: with their table, well inside a core's L2 cache. */
const PARTITION_ENTRIES = 2048;
/** Entries of both sides partitioned at once, at most (about: the hash decides); more are done in rounds. */
const ROUND_ENTRIES = 1_200_000;
/** At most 2 ** MAX_ROUND_BITS rounds: each costs a pass over both sides' round bytes. */
const MAX_ROUND_BITS = 3;
/** A type id no older object has (type ids index a table). */
const NO_TYPE = 0xff_ff_ff_ff;
const TWO_32 = 4_294_967_296;

export type JoinShape = {
	/** Rounds are 2 ** roundBits, chosen by the hash's top roundBits bits. */
	readonly roundBits: number;
	/** Partitions per round are 2 ** bits, chosen by the next bits bits. */
	readonly bits: number;
};

/** How many rounds and partitions for these counts. */
export function joinShape(oldCount: number, newCount: number): JoinShape {
	let roundBits = 0;
	while (roundBits < MAX_ROUND_BITS && (oldCount + newCount) / (2 ** roundBits) > ROUND_ENTRIES) {
		roundBits++;
	}

	let bits = 0;
	while (bits < 16 && oldCount / (2 ** (roundBits + bits)) > PARTITION_ENTRIES) {
		bits++;
	}

	return {roundBits, bits};
}

/**
 * Count the entries of each partition of each round (a histogram of the
 * hash's top roundBits + bits bits: round r's partitions are
 * [r * 2 ** bits, (r + 1) * 2 ** bits)), and note each object's round in
 * `roundOf` (when there are rounds) so that a round's scatter skips the
 * others without hashing them.
 */
function histogram(objectAddress: Float64Array, count: number, shape: JoinShape, roundOf: Uint8Array | undefined): Uint32Array {
	const allBits = shape.roundBits + shape.bits;
	const counts = new Uint32Array(2 ** allBits);
	if (allBits === 0) {
		counts[0] = count;
		return counts;
	}

	const shift = 32 - allBits;
	const partitionBits = shape.bits;
	for (let i = 0; i < count; i++) {
		const top = hashAddress(objectAddress[i]!) >>> shift;
		counts[top]++;
		if (roundOf !== undefined) {
			roundOf[i] = top >>> partitionBits;
		}
	}

	return counts;
}

/** Where each partition of a round starts in the round's entries: 2 ** bits + 1 offsets, the last one the round's count. */
function roundStarts(counts: Uint32Array, shape: JoinShape, round: number): Uint32Array {
	const partitions = 2 ** shape.bits;
	const start = new Uint32Array(partitions + 1);
	for (let p = 0; p < partitions; p++) {
		start[p + 1] = start[p]! + counts[(round * partitions) + p]!;
	}

	return start;
}

/**
 * Scatter the objects of round `round` into `entries` by partition (the
 * `bits` hash bits below the round's), at `start` (roundStarts). Types go
 * through `typeMap` when given.
 */
function scatter(
	side: MatchColumns,
	typeMap: Uint32Array | undefined,
	roundOf: Uint8Array | undefined,
	shape: JoinShape,
	round: number,
	start: Uint32Array,
	entries: Uint32Array,
): void {
	const {objectAddress, objectType} = side;
	const partitions = 2 ** shape.bits;
	const mask = partitions - 1;
	// `>>> 32` would not shift at all: with no partition bits the shift is 31 and the mask 0.
	const shift = shape.bits === 0 ? 31 : 32 - shape.roundBits - shape.bits;
	const n = side.objectCount;
	const cursor = start.slice(0, partitions);
	for (let i = 0; i < n; i++) {
		if (roundOf !== undefined && roundOf[i] !== round) {
			continue;
		}

		const address = objectAddress[i]!;
		const h = hashAddress(address);
		const e = cursor[(h >>> shift) & mask]!++ * 4;
		const type = objectType[i]!;
		entries[e] = h;
		entries[e + 1] = (address / TWO_32) >>> 0;
		entries[e + 2] = i;
		entries[e + 3] = typeMap === undefined ? type : typeMap[type]!;
	}
}

/**
 * Match the objects of `newer` with those of `older` by address and type:
 * `toOld[t]` is the id in older's type table of the name that has id t in
 * newer's, or -1 when older has no type of that name. Addresses are
 * integers from 0 to 2^53. `shape` is for tests (any shape gives the same
 * result).
 */
export function matchByAddress(
	older: MatchColumns,
	newer: MatchColumns,
	toOld: Int32Array,
	shape: JoinShape = joinShape(older.objectCount, newer.objectCount),
): AddressMatch {
	const nOld = older.objectCount;
	const nNew = newer.objectCount;
	const newMatched = new Uint8Array(nNew);
	const oldMatched = new Uint8Array(nOld);
	if (nOld === 0 || nNew === 0) {
		return {newMatched, oldMatched, matches: 0};
	}

	const typeMap = new Uint32Array(toOld.length);
	for (let t = 0; t < toOld.length; t++) {
		typeMap[t] = toOld[t]! < 0 ? NO_TYPE : toOld[t]!;
	}

	const oldRound = shape.roundBits === 0 ? undefined : new Uint8Array(nOld);
	const newRound = shape.roundBits === 0 ? undefined : new Uint8Array(nNew);
	const oldCounts = histogram(older.objectAddress, nOld, shape, oldRound);
	const newCounts = histogram(newer.objectAddress, nNew, shape, newRound);
	const rounds = 2 ** shape.roundBits;
	const partitions = 2 ** shape.bits;
	const oldStarts: Uint32Array[] = [];
	const newStarts: Uint32Array[] = [];
	let oldLargest = 0;
	let newLargest = 0;
	for (let round = 0; round < rounds; round++) {
		oldStarts.push(roundStarts(oldCounts, shape, round));
		newStarts.push(roundStarts(newCounts, shape, round));
		oldLargest = Math.max(oldLargest, oldStarts[round]![partitions]!);
		newLargest = Math.max(newLargest, newStarts[round]![partitions]!);
	}

	const oldEntries = new Uint32Array(oldLargest * 4);
	const newEntries = new Uint32Array(newLargest * 4);
	let slots = new Uint32Array(16);
	let matches = 0;
	for (let round = 0; round < rounds; round++) {
		const oldStart = oldStarts[round]!;
		const newStart = newStarts[round]!;
		if (oldStart[partitions] === 0 || newStart[partitions] === 0) {
			continue;
		}

		scatter(older, undefined, oldRound, shape, round, oldStart, oldEntries);
		scatter(newer, typeMap, newRound, shape, round, newStart, newEntries);
		for (let p = 0; p < partitions; p++) {
			const oldFrom = oldStart[p]!;
			const oldTo = oldStart[p + 1]!;
			const newFrom = newStart[p]!;
			const newTo = newStart[p + 1]!;
			if (oldFrom === oldTo || newFrom === newTo) {
				continue;
			}

			let capacity = 16;
			while (capacity < (oldTo - oldFrom) * 2) {
				capacity *= 2;
			}

			if (slots.length < capacity) {
				slots = new Uint32Array(capacity);
			} else {
				slots.fill(0, 0, capacity);
			}

			matches += joinPartition(oldEntries, oldFrom, oldTo, newEntries, newFrom, newTo, slots, capacity - 1, newMatched, oldMatched);
		}
	}

	return {newMatched, oldMatched, matches};
}

/**
 * One partition: its older entries into a hash (`slots`, cleared, holding
 * entry - from + 1; 0 is empty), probed with its newer entries.
 */
function joinPartition(
	oldEntries: Uint32Array, oldFrom: number, oldTo: number,
	newEntries: Uint32Array, newFrom: number, newTo: number,
	slots: Uint32Array, slotMask: number,
	newMatched: Uint8Array, oldMatched: Uint8Array,
): number {
	for (let e = oldFrom; e < oldTo; e++) {
		const hash = oldEntries[e * 4]!;
		const high = oldEntries[(e * 4) + 1]!;
		let slot = hash & slotMask;
		for (;;) {
			const entry = slots[slot]!;
			if (entry === 0) {
				slots[slot] = e - oldFrom + 1;
				break;
			}

			// The same address again: the first stays.
			const o = (oldFrom + entry - 1) * 4;
			if (oldEntries[o] === hash && oldEntries[o + 1] === high) {
				break;
			}

			slot = (slot + 1) & slotMask;
		}
	}

	let matches = 0;
	for (let e = newFrom * 4; e < newTo * 4; e += 4) {
		const hash = newEntries[e]!;
		const high = newEntries[e + 1]!;
		let slot = hash & slotMask;
		for (;;) {
			const entry = slots[slot]!;
			if (entry === 0) {
				break;
			}

			const o = (oldFrom + entry - 1) * 4;
			if (oldEntries[o] === hash && oldEntries[o + 1] === high) {
				if (oldEntries[o + 3] === newEntries[e + 3]) {
					newMatched[newEntries[e + 2]!] = 1;
					oldMatched[oldEntries[o + 2]!] = 1;
					matches++;
				}

				break;
			}

			slot = (slot + 1) & slotMask;
		}
	}

	return matches;
}
