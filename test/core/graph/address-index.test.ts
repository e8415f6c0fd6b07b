import {describe, expect, it} from 'vitest';
import {AddressIndex} from '../../../source/core/graph/address-index.js';
import {NO_OBJECT} from '../../../source/core/graph/layout.js';

/** Addresses as pymalloc hands them out (16-byte steps in arenas), some repeated, some far apart. */
function addresses(count: number): Float64Array {
	const keys = new Float64Array(count);
	let seed = 12_345;
	for (let i = 0; i < count; i++) {
		seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
		keys[i] = i % 97 === 5 ? keys[i - 3]! : 140_000_000_000_000 + ((seed % 50_000) * 16) + (i % 3 === 0 ? 2 ** 40 : 0);
	}

	return keys;
}

describe('AddressIndex with the slots\' addresses kept beside them', () => {
	it('finds, refuses duplicates and grows exactly as without them, with the same slots', () => {
		const keys = addresses(40_000);
		// Sized far too small: the table grows (rehashes) many times on the way.
		const plain = new AddressIndex(keys, 16);
		const kept = new AddressIndex(keys, 16, {slotKeys: true});
		for (let i = 0; i < keys.length; i++) {
			plain.reserve(i + 1);
			kept.reserve(i + 1);
			expect(kept.insert(i)).toBe(plain.insert(i));
		}

		expect(kept.slotKeys).toBeDefined();
		expect([...kept.slots]).toEqual([...plain.slots]);
		expect(kept.count).toBe(plain.count);
		for (const address of [...keys, 1, 2 ** 52, 140_000_000_000_008]) {
			expect(kept.get(address)).toBe(plain.get(address));
		}

		// The same answers through a view of the shared arrays (what a thread uses).
		const view = AddressIndex.attach(keys, kept.slots, kept.count, kept.slotKeys);
		for (const address of keys) {
			expect(view.get(address)).toBe(plain.get(address));
		}
	});

	it('lets them go when entries are removed, and still finds the rest', () => {
		const keys = addresses(5000);
		const index = new AddressIndex(keys, keys.length, {slotKeys: true});
		for (let i = 0; i < keys.length; i++) {
			index.insert(i);
		}

		// Remove every other first occurrence; the kept ones move down.
		const removed = new Uint8Array(keys.length);
		const newOrdinal = new Uint32Array(keys.length);
		const compacted: number[] = [];
		for (let i = 0; i < keys.length; i++) {
			removed[i] = i % 2;
			newOrdinal[i] = compacted.length;
			if (removed[i] === 0) {
				compacted.push(keys[i]!);
			}
		}

		index.remap(newOrdinal, removed, Float64Array.from(compacted));
		expect(index.slotKeys).toBeUndefined();
		for (let i = 0; i < keys.length; i++) {
			const first = keys.indexOf(keys[i]!);
			const found = index.get(keys[i]!);
			expect(found).toBe(first % 2 === 0 ? newOrdinal[first] : NO_OBJECT);
		}
	});
});
