/**
 * Distinct addresses in order of first appearance, each with its index:
 * the unresolved references of a dump (addresses no line describes). Keys
 * in a growable Float64Array, looked up through an AddressIndex: no JS Map
 * or Set, whose 2^24-entry limit a dump with many missing objects exceeds.
 */

import {AddressIndex} from './address-index.js';
import {NO_OBJECT} from './layout.js';

export class AddressTable {
	private keys: Float64Array;
	private readonly index: AddressIndex;
	count = 0;

	constructor(expected = 16) {
		this.keys = new Float64Array(Math.max(16, expected));
		this.index = new AddressIndex(this.keys, Math.max(16, expected));
	}

	/** Make room for `more` new addresses at once (one rehash instead of several). */
	reserve(more: number): void {
		const needed = this.count + more;
		if (needed > this.keys.length) {
			const grown = new Float64Array(Math.max(needed, this.keys.length * 2));
			grown.set(this.keys.subarray(0, this.count));
			this.keys = grown;
			this.index.setKeys(grown);
		}

		this.index.reserve(needed);
	}

	/** The index of `address`, added at the end when it is new. */
	idOf(address: number): number {
		if (this.count === this.keys.length) {
			const grown = new Float64Array(this.keys.length * 2);
			grown.set(this.keys);
			this.keys = grown;
			this.index.setKeys(grown);
		}

		// One probe: insert as the next id; an existing entry wins.
		const id = this.count;
		this.keys[id] = address;
		this.index.reserve(id + 1);
		const found = this.index.insert(id);
		if (found !== NO_OBJECT) {
			return found;
		}

		this.count++;
		return id;
	}

	/** The addresses, indexed by id (a copy of exactly `count` entries). */
	addresses(): Float64Array {
		return this.keys.slice(0, this.count);
	}
}
