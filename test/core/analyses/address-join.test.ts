import {describe, expect, it} from 'vitest';
import {type JoinShape, joinShape, type MatchColumns, matchByAddress} from '../../../source/core/analyses/address-join.js';
import {hashAddress} from '../../../source/core/graph/address-index.js';
import {seededRandom as random} from '../../helpers/random.js';

const TWO_32 = 4_294_967_296;

function columns(addresses: readonly number[], types: readonly number[]): MatchColumns {
	return {objectCount: addresses.length, objectAddress: Float64Array.from(addresses), objectType: Uint32Array.from(types)};
}

/** The plain way: a Map from address to the first older ordinal there, one lookup per newer object. */
function reference(older: MatchColumns, newer: MatchColumns, toOld: Int32Array): {newMatched: number[]; oldMatched: number[]; matches: number} {
	const first = new Map<number, number>();
	for (let o = 0; o < older.objectCount; o++) {
		if (!first.has(older.objectAddress[o]!)) {
			first.set(older.objectAddress[o]!, o);
		}
	}

	const newMatched = new Array<number>(newer.objectCount).fill(0);
	const oldMatched = new Array<number>(older.objectCount).fill(0);
	let matches = 0;
	for (let i = 0; i < newer.objectCount; i++) {
		const o = first.get(newer.objectAddress[i]!);
		const type = toOld[newer.objectType[i]!]!;
		if (o !== undefined && type >= 0 && older.objectType[o] === type) {
			newMatched[i] = 1;
			oldMatched[o] = 1;
			matches++;
		}
	}

	return {newMatched, oldMatched, matches};
}

/** Shapes to force on small inputs: one partition, many partitions, rounds, rounds and partitions. */
const SHAPES: JoinShape[] = [
	{roundBits: 0, bits: 0},
	{roundBits: 0, bits: 5},
	{roundBits: 2, bits: 0},
	{roundBits: 3, bits: 4},
];

function expectSameAsReference(older: MatchColumns, newer: MatchColumns, toOld: Int32Array, shapes: Array<JoinShape | undefined> = [undefined, ...SHAPES]): number {
	const expected = reference(older, newer, toOld);
	for (const shape of shapes) {
		const result = matchByAddress(older, newer, toOld, shape);
		expect({shape, matches: result.matches}).toEqual({shape, matches: expected.matches});
		expect(Array.from(result.newMatched)).toEqual(expected.newMatched);
		expect(Array.from(result.oldMatched)).toEqual(expected.oldMatched);
	}

	return expected.matches;
}

const identity = (types: number): Int32Array => Int32Array.from({length: types}, (_, id) => id);

/** Addresses like CPython's: 16-byte aligned, in a few arenas far apart (different top 32 bits). */
function heapAddresses(count: number, next: () => number): number[] {
	const arenas = [0x55_55_0000_0000, 0x7F_12_3400_0000, 0x7F_FF_F000_0000, 0x10_0000];
	const addresses = new Set<number>();
	while (addresses.size < count) {
		const arena = arenas[Math.floor(next() * arenas.length)]!;
		addresses.add(arena + (Math.floor(next() * 2 ** 22) * 16));
	}

	return [...addresses];
}

describe('matchByAddress', () => {
	it('matches as a Map lookup does on random dumps with survivors, reused addresses and types missing from the older dump', () => {
		for (const seed of [1, 2, 3]) {
			const next = random(seed);
			const pool = heapAddresses(6000, next);
			const olderAddresses = pool.slice(0, 4000);
			const olderTypes = olderAddresses.map(() => Math.floor(next() * 12));
			// The newer dump: survivors (same type), addresses reused by another type, fresh addresses; in another order.
			const newerAddresses: number[] = [];
			const newerTypes: number[] = [];
			for (let o = 0; o < olderAddresses.length; o++) {
				const roll = next();
				if (roll < 0.5) {
					newerAddresses.push(olderAddresses[o]!);
					newerTypes.push(olderTypes[o]!);
				} else if (roll < 0.7) {
					newerAddresses.push(olderAddresses[o]!);
					newerTypes.push((olderTypes[o]! + 1 + Math.floor(next() * 14)) % 15);
				}
			}

			newerAddresses.push(...pool.slice(4000));
			for (let i = newerTypes.length; i < newerAddresses.length; i++) {
				newerTypes.push(Math.floor(next() * 15));
			}

			const order = newerAddresses.map((_, i) => i).sort(() => next() - 0.5);
			const newer = columns(order.map(i => newerAddresses[i]!), order.map(i => newerTypes[i]!));
			// Newer types 12..14 have no name in the older dump; the others map to shuffled ids.
			const toOld = Int32Array.from({length: 15}, (_, id) => (id < 12 ? (id * 5) % 12 : -1));
			const older = columns(olderAddresses, olderTypes.map(type => (type * 5) % 12));
			const matches = expectSameAsReference(older, newer, toOld);
			expect(matches).toBeGreaterThan(1500);
			expect(matches).toBeLessThan(newer.objectCount);
		}
	});

	it('needs the same type at the same address', () => {
		const older = columns([16, 32, 48, 64], [0, 1, 2, 0]);
		const newer = columns([64, 48, 32, 16, 80], [1, 2, 0, 0, 0]);
		expect(expectSameAsReference(older, newer, identity(3))).toBe(2);
		const result = matchByAddress(older, newer, identity(3));
		expect(Array.from(result.newMatched)).toEqual([0, 1, 0, 1, 0]);
		expect(Array.from(result.oldMatched)).toEqual([1, 0, 1, 0]);
	});

	it('compares the first older object at an address, as the address hash would find it', () => {
		const older = columns([16, 32, 16, 32], [0, 0, 1, 0]);
		const newer = columns([16, 32], [1, 0]);
		expect(expectSameAsReference(older, newer, identity(2))).toBe(1);
		expect(Array.from(matchByAddress(older, newer, identity(2)).oldMatched)).toEqual([0, 1, 0, 0]);
	});

	it('handles empty dumps and dumps of one object', () => {
		const one = columns([0x7F_00_0000_1230], [0]);
		const empty = columns([], []);
		expect(expectSameAsReference(empty, one, identity(1))).toBe(0);
		expect(expectSameAsReference(one, empty, identity(1))).toBe(0);
		expect(expectSameAsReference(empty, empty, identity(1))).toBe(0);
		expect(expectSameAsReference(one, one, identity(1))).toBe(1);
		expect(expectSameAsReference(one, columns([0x7F_00_0000_1240], [0]), identity(1))).toBe(0);
		expect(expectSameAsReference(one, one, Int32Array.of(-1))).toBe(0);
	});

	it('matches addresses whose hashes collide in the partition bits, the table bits or all 32 bits', () => {
		const next = random(7);
		// All in one partition of the largest forced shape (the hash's top 7 bits zero), most in one table slot run.
		const samePartition: number[] = [];
		while (samePartition.length < 3000) {
			const address = 0x7F_00_0000_0000 + (Math.floor(next() * 2 ** 30) * 8);
			if ((hashAddress(address) >>> 25) === 0 && !samePartition.includes(address)) {
				samePartition.push(address);
			}
		}

		const sameSlots = samePartition.filter(address => (hashAddress(address) & 0xF) === 0);
		expect(sameSlots.length).toBeGreaterThan(100);
		// Pairs of addresses with one 32-bit hash: the low words differ by the top words' mixing.
		const sameHash: number[] = [];
		for (let k = 0; k < 200; k++) {
			const low = ((Math.floor(next() * TWO_32) >>> 4) << 4) >>> 0;
			const high1 = 0x7F00 + k;
			const high2 = 0x5500 + k;
			const low2 = (low ^ Math.imul(high1, 0x9E_37_79_B1) ^ Math.imul(high2, 0x9E_37_79_B1)) >>> 0;
			const a = (high1 * TWO_32) + low;
			const b = (high2 * TWO_32) + low2;
			expect(hashAddress(a)).toBe(hashAddress(b));
			sameHash.push(a, b);
		}

		const all = [...samePartition, ...sameHash];
		const olderAddresses = all.filter((_, i) => i % 3 !== 2);
		const older = columns(olderAddresses, olderAddresses.map((_, i) => i % 4));
		// The newer dump: every other older object (some with another type), the rest of the addresses, and only one of each same-hash pair.
		const newerAddresses = [...olderAddresses.filter((_, i) => i % 2 === 0), ...all.filter((_, i) => i % 3 === 2)];
		const newer = columns(newerAddresses, newerAddresses.map((_, i) => (i % 5 === 0 ? 3 : (i % 4))));
		expect(expectSameAsReference(older, newer, identity(4))).toBeGreaterThan(200);
		const pairs = columns(sameHash.filter((_, i) => i % 2 === 0), sameHash.filter((_, i) => i % 2 === 0).map(() => 0));
		const others = columns(sameHash.filter((_, i) => i % 2 === 1), sameHash.filter((_, i) => i % 2 === 1).map(() => 0));
		expect(expectSameAsReference(pairs, others, identity(1))).toBe(0);
		expect(expectSameAsReference(pairs, pairs, identity(1))).toBe(200);
	});

	it('keeps addresses apart at the ends of the range', () => {
		const edges = [0, 1, 15, 16, TWO_32 - 16, TWO_32 - 1, TWO_32, TWO_32 + 16, (2 ** 53) - 1, (2 ** 53) - 16, 2 ** 52];
		const older = columns(edges, edges.map((_, i) => i % 2));
		const newer = columns([...edges].reverse(), edges.map((_, i) => (edges.length - 1 - i) % 2));
		expect(expectSameAsReference(older, newer, identity(2))).toBe(edges.length);
		const shifted = columns(edges.map(address => (address >= 16 ? address - 16 : address + 32)), edges.map((_, i) => i % 2));
		expectSameAsReference(older, shifted, identity(2));
	});

	it('cuts big dumps into cache-sized partitions, in rounds past a few million objects', () => {
		expect(joinShape(0, 0)).toEqual({roundBits: 0, bits: 0});
		expect(joinShape(100, 100)).toEqual({roundBits: 0, bits: 0});
		const five = joinShape(4_700_000, 4_700_000);
		expect(five.roundBits).toBeGreaterThan(0);
		// Rounds stay few at any size (each is a pass over every object); the partitions grow instead.
		const huge = joinShape(50_000_000, 50_000_000);
		expect(huge.roundBits).toBeLessThanOrEqual(3);
		expect(50_000_000 / (2 ** (huge.roundBits + huge.bits))).toBeLessThanOrEqual(2048);
		// About 2048 older objects per partition.
		expect(4_700_000 / (2 ** (five.roundBits + five.bits))).toBeGreaterThan(1024);
		expect(4_700_000 / (2 ** (five.roundBits + five.bits))).toBeLessThanOrEqual(2048);
	});
});
