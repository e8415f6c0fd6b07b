import {describe, expect, test} from 'vitest';
import {objectsOfType, sortLargestFirst} from '../../source/core/analyses/objects.js';
import {syntheticStore} from '../../source/bench/ui-keys.js';
import {sortGetAllOrder, TypeIndex} from '../../source/ui/state/object-order.js';

describe('get_all order', () => {
	const store = syntheticStore({objects: 60_000, seed: 7});

	test('the radix sort gives the core comparator order exactly', () => {
		for (const typeId of [0, 1, 2, 5]) {
			const expected = objectsOfType(store, typeId);
			const index = new TypeIndex(store);
			expect(index.count(typeId)).toBe(expected.length);
			expect([...index.objectsOf(typeId)]).toEqual([...expected]);
		}
	});

	test('ties keep file order; unsorted input is sorted first', () => {
		const ordinals = new Uint32Array(10_000);
		for (let k = 0; k < ordinals.length; k++) {
			ordinals[k] = (k * 7919) % store.objectCount;
		}

		const expected = sortLargestFirst(store, Uint32Array.from(ordinals).sort());
		expect([...sortGetAllOrder(store, ordinals)]).toEqual([...expected]);
	});

	test('a type index sorts each type once and out-of-range types are empty', () => {
		const index = new TypeIndex(store);
		expect(index.isSorted(0)).toBe(false);
		const first = index.objectsOf(0);
		expect(index.isSorted(0)).toBe(true);
		expect(index.objectsOf(0)).toStrictEqual(first);
		expect(index.objectsOf(999)).toHaveLength(0);
	});
});
