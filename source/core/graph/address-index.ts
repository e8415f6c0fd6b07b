/**
 * address → ordinal, as an open-addressing hash over typed arrays: one
 * Uint32Array of slots holding ordinal + 1 (0 is empty), keys read from the
 * store's address column. No JS Map (which degrades, and on some engines
 * throws, beyond a few million entries) and no object per entry.
 *
 * The slots may live in a SharedArrayBuffer so that worker threads resolve
 * references against the same table (read only) while it is complete.
 *
 * While a dump loads, the table can also keep each slot's address beside
 * it (`slotKeys`, 8 bytes a slot, dropped once references are resolved):
 * a probe then reads its slot's address and ordinal at once, instead of
 * reading the ordinal and only then the address from the key column
 * (another cache miss, waited for, at every probe). Resolving a dump's
 * references is about twice as fast that way; the slots are the same.
 */

import {inSlices, runSteps} from '../util/steps.js';
import {NO_OBJECT} from './layout.js';

const TWO_32 = 4_294_967_296;

/** A slot whose entry was removed (collapsed dicts): lookups probe past it. */
const TOMBSTONE = 0xff_ff_ff_ff;

export function hashAddress(address: number): number {
	const low = address >>> 0;
	const high = (address / TWO_32) >>> 0;
	let h = low ^ Math.imul(high, 0x9e_37_79_b1);
	h = Math.imul(h ^ (h >>> 16), 0x85_eb_ca_6b);
	h = Math.imul(h ^ (h >>> 13), 0xc2_b2_ae_35);
	return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Slots for `count` entries at a load factor of at most 3/4 (linear probing
 * still averages under 2.5 probes per hit there).
 */
export function capacityFor(count: number): number {
	let capacity = 16;
	while (capacity * 0.75 < count) {
		capacity *= 2;
	}

	return capacity;
}

export type AddressIndexOptions = {
	/** Put the slots in a SharedArrayBuffer (for worker threads). */
	shared?: boolean;
	/** A slot array to reuse (cleared) when it is big enough. */
	reuse?: Uint32Array;
	/** Keep each slot's address beside the slots (see slotKeys). */
	slotKeys?: boolean;
};

function allocateSlots(capacity: number, shared: boolean): Uint32Array {
	return shared ? new Uint32Array(new SharedArrayBuffer(capacity * 4)) : new Uint32Array(capacity);
}

function allocateSlotKeys(capacity: number, shared: boolean): Float64Array {
	return shared ? new Float64Array(new SharedArrayBuffer(capacity * 8)) : new Float64Array(capacity);
}

export class AddressIndex {
	slots: Uint32Array;
	/**
	 * The address of each occupied slot's entry (a copy of keys[slots[s] - 1]),
	 * or undefined. Never holds tombstones: it is dropped before any removal.
	 */
	slotKeys: Float64Array | undefined;
	private mask: number;
	count = 0;
	private readonly shared: boolean;

	/**
	 * @param keys the address of each ordinal; read, never copied
	 * @param expected how many entries will be inserted
	 */
	constructor(private keys: Float64Array, expected: number = keys.length, options: AddressIndexOptions = {}) {
		const capacity = capacityFor(expected);
		this.shared = options.shared ?? false;
		const reuse = options.reuse;
		if (reuse !== undefined && reuse.length >= capacity && (reuse.length & (reuse.length - 1)) === 0) {
			reuse.fill(0);
			this.slots = reuse;
		} else {
			this.slots = allocateSlots(capacity, this.shared);
		}

		this.mask = this.slots.length - 1;
		this.slotKeys = options.slotKeys === true ? allocateSlotKeys(this.slots.length, this.shared) : undefined;
	}

	/** A read-only view of a table built elsewhere (a worker's copy of the shared slots, and of their addresses if kept). */
	static attach(keys: Float64Array, slots: Uint32Array, count: number, slotKeys?: Float64Array): AddressIndex {
		const index = new AddressIndex(keys, 0, {reuse: new Uint32Array(16)});
		index.slots = slots;
		index.mask = slots.length - 1;
		index.count = count;
		index.slotKeys = slotKeys?.length === slots.length ? slotKeys : undefined;
		return index;
	}

	/** Stop keeping the slots' addresses (their memory goes). */
	dropSlotKeys(): void {
		this.slotKeys = undefined;
	}

	/** The key column moved (it grew): read keys from here on. */
	setKeys(keys: Float64Array): void {
		this.keys = keys;
	}

	/** Make room for `count` entries in all, rehashing when the table would get too full. */
	reserve(count: number): void {
		if (count <= this.slots.length * 0.75) {
			return;
		}

		const old = this.slots;
		this.slots = allocateSlots(capacityFor(count), this.shared);
		this.mask = this.slots.length - 1;
		const keys = this.keys;
		const slots = this.slots;
		const mask = this.mask;
		const slotKeys = this.slotKeys === undefined ? undefined : allocateSlotKeys(slots.length, this.shared);
		this.slotKeys = slotKeys;
		for (const entry of old) {
			if (entry === 0 || entry === TOMBSTONE) {
				continue;
			}

			const address = keys[entry - 1]!;
			let slot = hashAddress(address) & mask;
			while (slots[slot] !== 0) {
				slot = (slot + 1) & mask;
			}

			slots[slot] = entry;
			if (slotKeys !== undefined) {
				slotKeys[slot] = address;
			}
		}
	}

	/**
	 * Insert `ordinal` under `keys[ordinal]`. Returns NO_OBJECT when inserted,
	 * or the ordinal already holding that address (the first occurrence wins).
	 */
	insert(ordinal: number): number {
		const keys = this.keys;
		const slots = this.slots;
		const mask = this.mask;
		const address = keys[ordinal]!;
		let slot = hashAddress(address) & mask;
		const slotKeys = this.slotKeys;
		if (slotKeys !== undefined) {
			for (;;) {
				const entry = slots[slot]!;
				if (entry === 0) {
					slots[slot] = ordinal + 1;
					slotKeys[slot] = address;
					this.count++;
					return NO_OBJECT;
				}

				if (slotKeys[slot] === address) {
					return entry - 1;
				}

				slot = (slot + 1) & mask;
			}
		}

		for (;;) {
			const entry = slots[slot]!;
			if (entry === 0) {
				slots[slot] = ordinal + 1;
				this.count++;
				return NO_OBJECT;
			}

			if (entry !== TOMBSTONE && keys[entry - 1] === address) {
				return entry - 1;
			}

			slot = (slot + 1) & mask;
		}
	}

	/** The ordinal holding `address`, or NO_OBJECT. */
	get(address: number): number {
		const keys = this.keys;
		const slots = this.slots;
		const mask = this.mask;
		let slot = hashAddress(address) & mask;
		const slotKeys = this.slotKeys;
		if (slotKeys !== undefined) {
			for (;;) {
				// Both reads are issued together: neither waits for the other.
				const key = slotKeys[slot];
				const entry = slots[slot]!;
				if (entry === 0) {
					return NO_OBJECT;
				}

				if (key === address) {
					return entry - 1;
				}

				slot = (slot + 1) & mask;
			}
		}

		for (;;) {
			const entry = slots[slot]!;
			if (entry === 0) {
				return NO_OBJECT;
			}

			if (entry !== TOMBSTONE && keys[entry - 1] === address) {
				return entry - 1;
			}

			slot = (slot + 1) & mask;
		}
	}

	/**
	 * Ordinals were compacted: entry o becomes newOrdinal[o], or leaves the
	 * table when removed[o] is 1. `keys` is the compacted key column. One
	 * pass over the slots, no rehashing.
	 */
	remap(newOrdinal: Uint32Array, removed: Uint8Array, keys: Float64Array): void {
		this.remapWith(old => newOrdinal[old]!, old => removed[old] === 1, keys);
	}

	/** As remap, with the mapping as functions (for compact representations of it). */
	remapWith(mapOrdinal: (old: number) => number, isRemoved: (old: number) => boolean, keys: Float64Array): void {
		runSteps(this.remapSteps(mapOrdinal, isRemoved, keys));
	}

	/** remapWith as steps: yields between slices of the slots (see util/steps.ts). */
	* remapSteps(mapOrdinal: (old: number) => number, isRemoved: (old: number) => boolean, keys: Float64Array): Generator<void, void> {
		const slots = this.slots;
		// Entries leave or move: the addresses beside the slots would be stale.
		this.slotKeys = undefined;
		let removed = 0;
		yield * inSlices(slots.length, (from, to) => {
			for (let slot = from; slot < to; slot++) {
				const entry = slots[slot]!;
				if (entry === 0 || entry === TOMBSTONE) {
					continue;
				}

				const old = entry - 1;
				if (isRemoved(old)) {
					slots[slot] = TOMBSTONE;
					removed++;
				} else {
					slots[slot] = mapOrdinal(old) + 1;
				}
			}
		});
		this.count -= removed;
		this.keys = keys;
	}

	get byteLength(): number {
		return this.slots.byteLength;
	}
}
