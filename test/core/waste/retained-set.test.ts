/**
 * The dominated objects of a wide fan-out, top N by retained size, against
 * a full sort; and the retained set by type against a walk of the idom
 * array.
 */

import {describe, expect, it} from 'vitest';
import {computeDominators, dominates} from '../../../source/core/analyses/dominators.js';
import {dominatedByRetained, dominatedCount, retainedSetByType} from '../../../source/core/waste/retained-set.js';
import {type DumpObject, loadObjects} from '../../helpers/dump-lines.js';

/** A list holding 60 tuples (sizes with many ties), each holding 0 to 2 bytes objects. */
function fanOut(): DumpObject[] {
	const objects: DumpObject[] = [];
	const items: number[] = [];
	for (let k = 0; k < 60; k++) {
		const address = 1000 + k * 10;
		items.push(address);
		const refs = Array.from({length: k % 3}, (_, j) => address + 1 + j);
		objects.push({address, type: 'tuple', size: 40 + (k % 4) * 8, len: refs.length, refs});
		for (const ref of refs) {
			objects.push({address: ref, type: 'bytes', size: 100 * ((k * 7) % 5), len: 1});
		}
	}

	return [{address: 1, type: 'list', size: 56 + 8 * items.length, len: items.length, refs: items}, ...objects];
}

describe('retained set', () => {
	it('the top N dominated objects are the first N of the full order, ties in dump order', async () => {
		const store = await loadObjects(fanOut());
		const dominators = computeDominators(store);
		const root = store.indexOf(1);
		const all = dominatedByRetained(dominators, root);
		expect(all).toHaveLength(60);
		expect(dominatedCount(dominators, root)).toBe(60);
		for (let i = 1; i < all.length; i++) {
			const before = dominators.retainedSize[all[i - 1]!]!;
			const after = dominators.retainedSize[all[i]!]!;
			expect(before > after || (before === after && all[i - 1]! < all[i]!)).toBe(true);
		}

		for (let limit = 0; limit <= 61; limit++) {
			expect(Array.from(dominatedByRetained(dominators, root, limit)), `limit ${limit}`).toEqual(Array.from(all.subarray(0, limit)));
		}
	});

	it('by type adds up what the object dominates, as the idom array says', async () => {
		const store = await loadObjects(fanOut());
		const dominators = computeDominators(store);
		for (const address of [1, 1000, 1010, 1020]) {
			const ordinal = store.indexOf(address);
			const expected = new Map<string, {count: number; size: number}>();
			for (let i = 0; i < store.objectCount; i++) {
				if (dominates(dominators, ordinal, i)) {
					const entry = expected.get(store.typeName(i)) ?? {count: 0, size: 0};
					entry.count++;
					entry.size += store.objectSize[i]!;
					expected.set(store.typeName(i), entry);
				}
			}

			const byType = retainedSetByType(store, dominators, ordinal);
			expect(new Map(byType.map(entry => [entry.type, {count: entry.count, size: entry.size}]))).toEqual(expected);
			expect(byType.reduce((sum, entry) => sum + entry.size, 0)).toBe(dominators.retainedSize[ordinal]);
		}
	});
});
