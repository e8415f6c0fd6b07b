/**
 * The order meliae lists types of equal size and count in.
 *
 * meliae's `om.summarize()` adds each object to a Python 2 dict keyed by
 * type name, in the order it walks its objects, and sorts that dict's
 * values by (size, count) — or (count, size) — with a stable sort: equal
 * types keep the dict's iteration order. That order comes from CPython
 * 2.7's dict: the slots of an open-addressing table, placed by the string
 * hash of each name and by which name came first when two collide.
 *
 * The walk: for the whole dump, the slot order of meliae's object table
 * (MemObjectCollection: open addressing on the address, probing i, i+1,
 * i+3, i+6..., 1024 slots at first, grown to the next power of two above
 * twice the live objects when more than two thirds are used, rebuilt in
 * slot order); folded dicts leave their slots empty but were there while
 * the table was built. For what one object reaches, the order of meliae's
 * walk (reachable.ts). Nothing here is a JS object per dump object: typed
 * arrays only; the per-type work is per type name.
 */

import type {GraphStore} from '../graph/store.js';
import {inSlices, runSteps, SLICE} from '../util/steps.js';

const utf8 = new TextEncoder();
const MASK_64 = (1n << 64n) - 1n;
const MULTIPLIER = 1_000_003n;
const PERTURB_SHIFT = 5n;
const DICT_MIN_SIZE = 8;

/** CPython 2.7's hash of a byte string (hash randomization off, the default), as unsigned 64 bits. */
export function py2StringHash(text: string): bigint {
	const bytes = utf8.encode(text);
	if (bytes.length === 0) {
		return 0n;
	}

	let x = BigInt(bytes[0]! << 7);
	for (const byte of bytes) {
		x = ((MULTIPLIER * x) & MASK_64) ^ BigInt(byte);
	}

	x ^= BigInt(bytes.length);
	// -1 is reserved for errors: the hash is -2 instead.
	return x === MASK_64 ? MASK_64 - 1n : x;
}

/**
 * The iteration order of a CPython 2.7 dict whose keys (distinct strings)
 * were inserted in the given order, as indices into `keys`.
 */
export function py2DictOrder(keys: readonly string[]): number[] {
	const hashes = keys.map(key => py2StringHash(key));
	let size = DICT_MIN_SIZE;
	let table = new Int32Array(size).fill(-1);
	const place = (into: Int32Array, key: number): void => {
		const mask = BigInt(into.length - 1);
		const hash = hashes[key]!;
		let i = hash & mask;
		let perturb = hash;
		while (into[Number(i & mask)] !== -1) {
			i = ((i << 2n) + i + perturb + 1n) & MASK_64;
			perturb >>= PERTURB_SHIFT;
		}

		into[Number(i & mask)] = key;
	};

	let used = 0;
	for (let key = 0; key < keys.length; key++) {
		place(table, key);
		used++;
		// dictresize when the table is two thirds full (no deletions: fill = used).
		if (used * 3 >= size * 2) {
			const minUsed = (used > 50_000 ? 2 : 4) * used;
			let newSize = DICT_MIN_SIZE;
			while (newSize <= minUsed) {
				newSize <<= 1;
			}

			const old = table;
			table = new Int32Array(newSize).fill(-1);
			size = newSize;
			for (const entry of old) {
				if (entry !== -1) {
					place(table, entry);
				}
			}
		}
	}

	return [...table].filter(entry => entry !== -1);
}

const TABLE_START = 1024;
const EMPTY = 0xff_ff_ff_ff;

/**
 * meliae's object table, simulated: objects k = 0, 1, ... are added in
 * order, each at the first free slot of the probe sequence from its hash
 * (`hashes[k]`, the low 32 bits of its address); past two thirds full, the
 * table grows and takes its entries again in slot order. `slots` holds k
 * (EMPTY when free).
 */
function * objectTableSteps(hashes: Uint32Array): Generator<void, Uint32Array> {
	const n = hashes.length;
	let table = new Uint32Array(TABLE_START).fill(EMPTY);
	const insert = (into: Uint32Array, k: number): void => {
		const mask = into.length - 1;
		let i = hashes[k]!;
		for (let step = 0; into[i & mask] !== EMPTY; step++) {
			i = (i + 1 + step) >>> 0;
		}

		into[i & mask] = k;
	};

	// Adds objects from `from` until `to` or until the table must grow;
	// returns the next object to add.
	const addUntilFull = (from: number, to: number): number => {
		const into = table;
		const size = into.length;
		for (let k = from; k < to; k++) {
			insert(into, k);
			if ((k + 1) * 3 > size * 2) {
				return k + 1;
			}
		}

		return to;
	};

	let k = 0;
	while (k < n) {
		k = addUntilFull(k, Math.min(n, k + SLICE));
		if (k * 3 > table.length * 2) {
			// filled = k: grow to the smallest power of two from 1024 above 2k.
			let newSize = TABLE_START;
			while (newSize <= k * 2) {
				newSize *= 2;
			}

			const old = table;
			table = new Uint32Array(newSize).fill(EMPTY);
			const into = table;
			yield * inSlices(old.length, (from, to) => {
				for (let slot = from; slot < to; slot++) {
					const entry = old[slot]!;
					if (entry !== EMPTY) {
						insert(into, entry);
					}
				}
			});
		}

		yield;
	}

	return table;
}

/**
 * The final slot of each object in meliae's object table, objects added in
 * the given order (`addresses[k]` is the k-th object added).
 */
export function collectionSlots(addresses: Float64Array): Uint32Array {
	const n = addresses.length;
	const hashes = new Uint32Array(n);
	for (let k = 0; k < n; k++) {
		hashes[k] = addresses[k]! % 4_294_967_296;
	}

	const table = runSteps(objectTableSteps(hashes));
	const slots = new Uint32Array(n);
	for (let slot = 0; slot < table.length; slot++) {
		const k = table[slot]!;
		if (k !== EMPTY) {
			slots[k] = slot;
		}
	}

	return slots;
}

/**
 * The objects meliae's table held before collapse that are no longer in
 * the store (folded dicts): their addresses, and for each the number of
 * store objects that came before it in the dump.
 */
export type FoldedObjects = {
	readonly address: Float64Array;
	readonly keptBefore: Uint32Array;
};

const folded = new WeakMap<GraphStore, FoldedObjects>();
const tieRanks = new WeakMap<GraphStore, Uint32Array>();

export function recordFoldedObjects(store: GraphStore, objects: FoldedObjects): void {
	folded.set(store, objects);
}

/** The record made by recordFoldedObjects for `store`, if any (for saving it). */
export function foldedObjectsOf(store: GraphStore): FoldedObjects | undefined {
	return folded.get(store);
}

/** Keep the record on a store made from `from` with the same ordinals (and maybe more at the end). */
export function carryFoldedObjects(from: GraphStore, to: GraphStore): void {
	const objects = folded.get(from);
	if (objects !== undefined) {
		folded.set(to, objects);
	}
}

/** Rank (position in meliae's type dict) of each type id, given the ids in the order meliae first meets them. */
function ranksFor(store: GraphStore, firstMet: readonly number[]): Uint32Array {
	const order = py2DictOrder(firstMet.map(id => store.typeNames[id]!));
	const rank = new Uint32Array(store.typeNames.length).fill(EMPTY);
	for (const [position, index] of order.entries()) {
		rank[firstMet[index]!] = position;
	}

	return rank;
}

/** The type of a folded dict in typesInTableOrder (not an object of the store). */
const FOLDED = 0xff_ff_ff_fe;

/**
 * meliae's object table for objects added in order, keyed by `hashes` (the
 * low 32 bits of each address): slot -> the object's position in `hashes`,
 * or EMPTY. A pure function of `hashes`, so it can be made on another
 * thread (see meliae-table-thread.ts).
 */
export function objectTable(hashes: Uint32Array): Uint32Array {
	return runSteps(objectTableSteps(hashes));
}

/**
 * The key of each object of `store` in meliae's object table, in order: of
 * a store before collapse, the hashes typesInTableOrder makes after it
 * (collapse keeps the order of what it keeps and records what it folds).
 */
export function tableHashes(store: GraphStore): Uint32Array {
	const {objectAddress} = store;
	const hashes = new Uint32Array(store.objectCount);
	for (let i = 0; i < hashes.length; i++) {
		hashes[i] = objectAddress[i]! % 4_294_967_296;
	}

	return hashes;
}

/**
 * Every object meliae's table held, in dump order (folded dicts where they
 * were): the hash and the type of each (FOLDED for a folded dict).
 */
function * tableObjects(store: GraphStore, withHashes: boolean): Generator<void, {hashes: Uint32Array | undefined; types: Uint32Array}> {
	const n = store.objectCount;
	const extra = folded.get(store);
	const foldedCount = extra?.address.length ?? 0;
	const total = n + foldedCount;
	const {objectAddress, objectType} = store;
	const hashes = withHashes ? new Uint32Array(total) : undefined;
	const types = new Uint32Array(total);
	let outSoFar = 0;
	let jSoFar = 0;
	yield * inSlices(n + 1, (from, to) => {
		let out = outSoFar;
		let j = jSoFar;
		for (let i = from; i < to; i++) {
			while (j < foldedCount && extra!.keptBefore[j] === i) {
				if (hashes !== undefined) {
					hashes[out] = extra!.address[j]! % 4_294_967_296;
				}

				types[out++] = FOLDED;
				j++;
			}

			if (i < n) {
				if (hashes !== undefined) {
					hashes[out] = objectAddress[i]! % 4_294_967_296;
				}

				types[out++] = objectType[i]!;
			}
		}

		outSoFar = out;
		jSoFar = j;
	});
	return {hashes, types};
}

/**
 * Type ids by the first slot of `table` that holds one of them (folded
 * dicts skipped); undefined when the table does not hold each of the
 * objects of `types` once.
 */
function typesBySlot(table: Uint32Array, types: Uint32Array, typeCount: number): number[] | undefined {
	const seen = new Uint8Array(typeCount);
	const ids: number[] = [];
	let held = 0;
	for (let slot = 0; slot < table.length; slot++) {
		const k = table[slot]!;
		if (k === EMPTY) {
			continue;
		}

		if (k >= types.length) {
			return undefined;
		}

		held++;
		const type = types[k]!;
		if (type !== FOLDED && seen[type] === 0) {
			seen[type] = 1;
			ids.push(type);
		}
	}

	return held === types.length ? ids : undefined;
}

/** Type ids in the order meliae first meets them among the store's objects (as steps). */
function * typesInTableOrder(store: GraphStore): Generator<void, number[]> {
	const {hashes, types} = yield * tableObjects(store, true);
	const table = yield * objectTableSteps(hashes!);
	return typesBySlot(table, types, store.typeNames.length)!;
}

/**
 * For each type id, its position in meliae's dict of type summaries for
 * the whole dump (types with no object: 0xffffffff). Computed once per
 * store, on first use.
 */
export function meliaeTypeRank(store: GraphStore): Uint32Array {
	return runSteps(meliaeTypeRankSteps(store));
}

/**
 * meliaeTypeRank as steps (see util/steps.ts): the loader computes it
 * between checks for Ctrl-C; later calls of meliaeTypeRank find it made.
 */
export function * meliaeTypeRankSteps(store: GraphStore): Generator<void, Uint32Array> {
	let rank = tieRanks.get(store);
	if (rank === undefined) {
		rank = ranksFor(store, yield * typesInTableOrder(store));
		tieRanks.set(store, rank);
	}

	return rank;
}

/**
 * meliaeTypeRankSteps, given meliae's object table already made (by
 * objectTable, from tableHashes of the store before collapse): `table` must
 * hold as many objects as the store plus its folded dicts, else it is
 * ignored and the table is made here.
 */
export function * meliaeTypeRankFromTableSteps(store: GraphStore, table: Uint32Array): Generator<void, Uint32Array> {
	let rank = tieRanks.get(store);
	if (rank !== undefined) {
		return rank;
	}

	const {types} = yield * tableObjects(store, false);
	const ids = typesBySlot(table, types, store.typeNames.length);
	if (ids === undefined) {
		return yield * meliaeTypeRankSteps(store);
	}

	rank = ranksFor(store, ids);
	tieRanks.set(store, rank);
	return rank;
}

/** Whether meliaeTypeRank(store) was computed (or recorded) already. */
export function hasMeliaeTypeRank(store: GraphStore): boolean {
	return tieRanks.has(store);
}

/** Give `store` the rank meliaeTypeRank computed for the same objects earlier (a saved index). */
export function recordMeliaeTypeRank(store: GraphStore, rank: Uint32Array): void {
	tieRanks.set(store, rank);
}

/** As meliaeTypeRank, for a summary of the objects met in `order` (meliae's walk order). */
export function meliaeTypeRankOf(store: GraphStore, order: Uint32Array): Uint32Array {
	const seen = new Uint8Array(store.typeNames.length);
	const firstMet: number[] = [];
	for (const ordinal of order) {
		const type = store.objectType[ordinal]!;
		if (seen[type] === 0) {
			seen[type] = 1;
			firstMet.push(type);
		}
	}

	return ranksFor(store, firstMet);
}
