import {describe, expect, it} from 'vitest';
import {computeDominators} from '../../../source/core/analyses/dominators.js';
import {findObjectSuspects, findTypeSuspects} from '../../../source/core/analyses/report.js';
import {type DumpObject, loadObjects} from '../../helpers/dump-lines.js';

/**
 * root list 1 -> cache dict 2 (holds 40 Item objects of 50 bytes: 2000 of
 * 4000 bytes, with an int key each) and -> blob 3 (a 1200-byte bytes
 * object); 50 floats of 4 bytes hang off root list 1 directly; list 5 and
 * list 6 share bytes 7.
 */
function heap(): DumpObject[] {
	const objects: DumpObject[] = [];
	const items: number[] = [];
	for (let i = 0; i < 40; i++) {
		items.push(1000 + i * 2, 1001 + i * 2);
		objects.push({address: 1000 + i * 2, type: 'int', size: 0, value: i});
		objects.push({address: 1001 + i * 2, type: 'Item', size: 50});
	}

	const ints: number[] = [];
	for (let i = 0; i < 50; i++) {
		ints.push(5000 + i);
		objects.push({address: 5000 + i, type: 'float', size: 4, value: i + 0.5});
	}

	objects.push(
		{address: 1, type: 'list', size: 100, len: 2 + ints.length, refs: [2, 3, ...ints]},
		{address: 2, type: 'dict', size: 200, len: 40, refs: items},
		{address: 3, type: 'bytes', size: 1200, len: 1167},
		{address: 5, type: 'list', size: 100, len: 1, refs: [7]},
		{address: 6, type: 'list', size: 100, len: 1, refs: [7]},
		{address: 7, type: 'bytes', size: 100, len: 67},
	);
	return objects;
}

describe('leak suspects', () => {
	it('are the lowest objects of the dominator tree retaining 10%, accumulation points marked', async () => {
		const store = await loadObjects(heap());
		const dominators = computeDominators(store);
		expect(dominators.totalSize).toBe(100 + 200 + 1200 + 2000 + 200 + 300);
		const suspects = findObjectSuspects(store, dominators, 0.1);
		// The root list retains everything but 5, 6, 7; its cache and blob are the lowest big ones.
		expect(suspects.map(s => [store.objectAddress[s.ordinal], s.retainedSize, s.accumulation])).toEqual([
			[2, 2200, true],
			[3, 1200, false],
		]);
		const [cache] = suspects;
		expect(cache!.dominatedCount).toBe(80);
		expect(cache!.largestDominatedShare).toBeCloseTo(50 / 2200);
		expect(Array.from(cache!.dominators, ordinal => store.objectAddress[ordinal])).toEqual([1]);
		expect(cache!.share).toBeCloseTo(2200 / 4000);
		// A lower threshold: nothing below the cache is big enough either way.
		expect(findObjectSuspects(store, dominators, 0.6).map(s => store.objectAddress[s.ordinal])).toEqual([1]);
	});

	it('include types piling up under one holder, not types spread out', async () => {
		const store = await loadObjects(heap());
		const dominators = computeDominators(store);
		const suspects = findTypeSuspects(store, dominators, 0.1);
		expect(suspects.map(s => [s.type, s.count, s.retainedSize, store.objectAddress[s.holder], s.holderCount, s.holderVariety])).toEqual([
			['Item', 40, 2000, 2, 40, 1],
		]);
		// The floats retain 5% and the ints nothing: not suspects; bytes are 3 objects under different holders.
		expect(findTypeSuspects(store, dominators, 0.01).map(s => s.type)).toEqual(['Item', 'float']);
	});

	it('are none in an empty dump', async () => {
		const store = await loadObjects([{address: 1, type: 'int', size: 0, value: 1}]);
		const dominators = computeDominators(store);
		expect(findObjectSuspects(store, dominators)).toEqual([]);
		expect(findTypeSuspects(store, dominators)).toEqual([]);
	});
});
