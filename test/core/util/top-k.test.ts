/**
 * TopK against a full sort: the k largest keys, ties to the lower ordinal,
 * with the keys as a column or given with each ordinal (streamed), fed in
 * any order.
 */

import {describe, expect, it} from 'vitest';
import {TopK} from '../../../source/core/util/top-k.js';

function fullSort(key: Float64Array, k: number): number[] {
	return Array.from(key.keys()).sort((a, b) => (key[b]! - key[a]!) || (a - b)).slice(0, k);
}

function randomKeys(n: number, distinct: number, seed: number): Float64Array {
	let state = seed;
	const key = new Float64Array(n);
	for (let i = 0; i < n; i++) {
		state = (state * 1_103_515_245 + 12_345) >>> 0;
		key[i] = state % distinct;
	}

	return key;
}

describe('TopK', () => {
	it('keeps what a full sort puts first, ties to the lower ordinal, keys as a column', () => {
		for (const [n, distinct, k] of [[1000, 7, 10], [1000, 1000, 50], [5, 3, 10], [300, 2, 299]] as const) {
			const key = randomKeys(n, distinct, n + k);
			const top = new TopK(key, k);
			for (let i = n - 1; i >= 0; i--) {
				top.offer(i);
			}

			expect(Array.from(top.result())).toEqual(fullSort(key, k));
		}
	});

	it('gives the same with the keys streamed beside their ordinals', () => {
		const key = randomKeys(2000, 5, 3);
		const top = new TopK(undefined, 25);
		for (let i = 0; i < key.length; i++) {
			top.offer(i, key[i]!);
		}

		expect(Array.from(top.result())).toEqual(fullSort(key, 25));
	});

	it('keeps nothing when k is 0', () => {
		const top = new TopK(undefined, 0);
		top.offer(1, 5);
		expect(top.result().length).toBe(0);
	});
});
