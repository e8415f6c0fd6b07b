/**
 * address → ordinal, as an open-addressing hash over typed arrays: one
 * Uint32Array of slots holding ordinal + 1 (0 is empty), keys read from the
 * store's address column. No JS Map (which degrades, and on some engines
 * throws, beyond a few million entries) and no object per entry.
 */

import {NO_OBJECT} from './layout.js';

const TWO_32 = 4_294_967_296;

export function hashAddress(address: number): number {
	const low = address >>> 0;
	const high = (address / TWO_32) >>> 0;
	let h = low ^ Math.imul(high, 0x9e_37_79_b1);
	h = Math.imul(h ^ (h >>> 16), 0x85_eb_ca_6b);
	h = Math.imul(h ^ (h >>> 13), 0xc2_b2_ae_35);
	return (h ^ (h >>> 16)) >>> 0;
}

function capacityFor(count: number): number {
	let capacity = 16;
	while (capacity < count * 1.5) {
		capacity *= 2;
	}

	return capacity;
}

export class AddressIndex {
	readonly slots: Uint32Array;
	private readonly mask: number;
	count = 0;

	/**
	 * @param keys the address of each ordinal; read, never copied
	 * @param expected how many entries will be inserted
	 * @param reuse a slot array to reuse (cleared) when it is big enough
	 */
	constructor(private readonly keys: Float64Array, expected: number = keys.length, reuse?: Uint32Array) {
		const capacity = capacityFor(expected);
		if (reuse !== undefined && reuse.length >= capacity && (reuse.length & (reuse.length - 1)) === 0) {
			reuse.fill(0);
			this.slots = reuse;
		} else {
			this.slots = new Uint32Array(capacity);
		}

		this.mask = this.slots.length - 1;
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
		for (;;) {
			const entry = slots[slot]!;
			if (entry === 0) {
				slots[slot] = ordinal + 1;
				this.count++;
				return NO_OBJECT;
			}

			if (keys[entry - 1] === address) {
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
		for (;;) {
			const entry = slots[slot]!;
			if (entry === 0) {
				return NO_OBJECT;
			}

			if (keys[entry - 1] === address) {
				return entry - 1;
			}

			slot = (slot + 1) & mask;
		}
	}

	get byteLength(): number {
		return this.slots.byteLength;
	}
}
