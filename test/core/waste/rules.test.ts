/**
 * The waste rules on hand-built dumps: what is compared, how holders are
 * named and grouped, the list and dict rules, and the bound on groups.
 */

import {describe, expect, it} from 'vitest';
import {findDuplicateStrings} from '../../../source/core/waste/duplicates.js';
import {findEmptyContainers} from '../../../source/core/waste/empty-containers.js';
import {findGrowingCollections, lengthView} from '../../../source/core/waste/growing.js';
import {ANY_KEY, MAX_GROUPS, NO_OWNER, SET_MEMBER} from '../../../source/core/waste/holders.js';
import {findOversized, LIST_HEADER, LIST_HEADER_PY2} from '../../../source/core/waste/oversized.js';
import {type DumpObject, loadObjects} from '../../helpers/dump-lines.js';

const long = 'x'.repeat(100);

describe('duplicate strings', () => {
	it('compares values of one type, whole values only, and names the holders', async () => {
		const bigDictRefs: number[] = [];
		const filler: DumpObject[] = [];
		for (let k = 0; k < 300; k++) {
			bigDictRefs.push(5000 + 2 * k, 5001 + 2 * k);
			filler.push({address: 5000 + 2 * k, type: 'int', size: 28, value: k}, {address: 5001 + 2 * k, type: 'int', size: 28, value: -k});
		}

		bigDictRefs.push(900, 13);
		const store = await loadObjects([
			{address: 1, type: 'dict', size: 232, len: 2, refs: [20, 10, 21, 11]},
			{address: 2, type: 'set', size: 216, len: 1, refs: [12]},
			{address: 3, type: 'dict', size: 9000, len: 301, refs: bigDictRefs},
			{address: 10, type: 'str', size: 51, len: 2, value: 'ab'},
			{address: 11, type: 'str', size: 51, len: 2, value: 'ab'},
			{address: 12, type: 'str', size: 51, len: 2, value: 'ab'},
			{address: 13, type: 'str', size: 51, len: 2, value: 'ab'},
			{address: 14, type: 'bytes', size: 35, len: 2, value: 'ab'},
			{address: 15, type: 'bytes', size: 35, len: 2, value: 'ab'},
			// Longer than the dump keeps: the same first 100 characters prove nothing.
			{address: 16, type: 'str', size: 199, len: 150, value: long},
			{address: 17, type: 'str', size: 199, len: 150, value: long},
			{address: 20, type: 'str', size: 50, len: 1, value: 'k'},
			{address: 21, type: 'str', size: 50, len: 1, value: 'j'},
			{address: 900, type: 'int', size: 28, value: 7},
			...filler,
		]);
		const result = findDuplicateStrings(store, 10);
		expect(result.notCompared).toBe(2);
		expect(result.top.map(entry => [store.typeNames[entry.typeId], entry.count, entry.size, entry.wasted])).toEqual([
			['str', 4, 204, 153],
			['bytes', 2, 70, 35],
		]);
		expect(result.duplicatedValues).toBe(2);
		expect(result.wasted).toBe(188);
		const holders = result.top[0]!.holders.map(holder => [holder.ownerTypeId === NO_OWNER ? null : store.typeNames[holder.ownerTypeId], holder.edge, holder.count]);
		expect(holders).toEqual(expect.arrayContaining([
			['dict', '[\'k\']', 1],
			['dict', '[\'j\']', 1],
			['set', SET_MEMBER, 1],
			['dict', ANY_KEY, 1],
		]));
		expect(result.top[1]!.holders).toEqual([{ownerTypeId: NO_OWNER, edge: null, count: 2, size: 70}]);
	});
});

describe('empty containers', () => {
	it('groups by type, len and first holder; a dict key past MAX_GROUPS counts as any key', async () => {
		const objects: DumpObject[] = [];
		const groups = MAX_GROUPS + 5;
		for (let k = 0; k < groups; k++) {
			const base = 100_000 + k * 3;
			objects.push(
				{address: base, type: 'dict', size: 232, len: 1, refs: [base + 1, base + 2]},
				{address: base + 1, type: 'str', size: 60, len: 9, value: `key-${k}`.padEnd(9, '_')},
				{address: base + 2, type: 'list', size: 56, len: 0},
			);
		}

		objects.push({address: 7, type: 'set', size: 216, len: 0});
		const store = await loadObjects(objects);
		const result = findEmptyContainers(store);
		const lists = result.groups.filter(group => store.typeNames[group.typeId] === 'list');
		// The dicts' group comes first, then one per key until MAX_GROUPS, then
		// the remaining keys in one group; the set's group (no key) after it.
		expect(result.groups.length).toBe(MAX_GROUPS + 2);
		expect(lists.reduce((sum, group) => sum + group.count, 0)).toBe(groups);
		expect(lists.find(group => group.edge === ANY_KEY)).toMatchObject({count: groups - (MAX_GROUPS - 1)});
		expect(lists.find(group => group.edge === '[\'key-0____\']')).toMatchObject({count: 1});
		// The holders themselves: dicts of one entry, nothing refers to them.
		expect(result.groups.find(group => store.typeNames[group.typeId] === 'dict')).toMatchObject({length: 1, ownerTypeId: NO_OWNER, count: groups});
		expect(result.count).toBe(2 * groups + 1);
	});
});

describe('oversized containers', () => {
	const lists: DumpObject[] = [
		// 100 slots: len 40 leaves 60 unused (> 40/2 + 8), len 60 leaves 40 (> 38), len 70 leaves 30 (not > 43).
		{address: 1, type: 'list', size: 0, len: 40},
		{address: 2, type: 'list', size: 0, len: 60},
		{address: 3, type: 'list', size: 0, len: 70},
		{address: 10, type: 'dict', size: 232, len: 3},
		{address: 11, type: 'dict', size: 928, len: 3},
		{address: 12, type: 'dict', size: 927, len: 3},
	];

	it('Python 3: lists by their header and unused slots, dicts against the smallest of their len', async () => {
		const store = await loadObjects([...lists.map(o => o.type === 'list' ? {...o, size: LIST_HEADER + 800} : o), {address: 99, type: 'bytes', size: 33, len: 0}]);
		const result = findOversized(store, 10);
		expect(result.listHeader).toBe(LIST_HEADER);
		expect(result.top.map(entry => [store.objectAddress[entry.ordinal], entry.needed, entry.wasted])).toEqual([
			[11, 232, 696],
			[1, LIST_HEADER + 320, 480],
			[2, LIST_HEADER + 480, 320],
		]);
	});

	it('Python 2 (no bytes type): the list header is 72', async () => {
		const store = await loadObjects(lists.filter(o => o.type === 'list').map(o => ({...o, size: LIST_HEADER_PY2 + 800})));
		const result = findOversized(store, 10);
		expect(result.listHeader).toBe(LIST_HEADER_PY2);
		expect(result.top.map(entry => entry.wasted)).toEqual([480, 320]);
	});
});

describe('growing collections', () => {
	it('needs the same address and type in every dump and a len that grows each time', async () => {
		const dump = (lens: Record<number, number>, type = 'list'): DumpObject[] => Object.entries(lens).map(([address, len]) => ({address: Number(address), type, size: 56 + 8 * len, len}));
		const first = await loadObjects([...dump({1: 1, 2: 5, 3: 1, 4: 1}), {address: 5, type: 'str', size: 50, len: 1, value: 'a'}]);
		const second = await loadObjects([...dump({1: 2, 2: 5, 3: 3, 4: 2}), {address: 5, type: 'str', size: 52, len: 3, value: 'abc'}]);
		const third = await loadObjects([...dump({1: 3, 2: 6, 3: 2}), {address: 4, type: 'dict', size: 232, len: 5}, {address: 5, type: 'str', size: 53, len: 4, value: 'abcd'}]);
		const result = findGrowingCollections([lengthView(first), lengthView(second)], third, 10);
		expect(result.top.map(entry => [third.objectAddress[entry.ordinal], entry.lengths])).toEqual([[1, [1, 2, 3]]]);
		expect(result.count).toBe(1);
	});
});
