import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {
	diffDumps, groupCandidates, newObjectsOf, snapshotOf, survivors, typeTotals,
} from '../../../source/core/analyses/diff.js';
import {computeDominators} from '../../../source/core/analyses/dominators.js';
import {NO_OBJECT} from '../../../source/core/graph/layout.js';
import type {GraphStore} from '../../../source/core/graph/store.js';
import {loadDump} from '../../../source/core/dump/load.js';
import {dumpText, type DumpObject, loadObjects, tempDir, writeDump} from '../../helpers/dump-lines.js';

const str = (address: number, value: string, size = 50): DumpObject => ({address, type: 'str', size, len: value.length, value});

describe('diffDumps', () => {
	it('matches objects by address and type name, whatever the type ids', async () => {
		// Types appear in a different order in each dump, so their ids differ.
		const old = await loadObjects([
			{address: 1, type: 'list', size: 100, len: 2, refs: [2, 3]},
			str(2, 'a'),
			{address: 3, type: 'dict', size: 200, len: 0},
			{address: 4, type: 'dict', size: 200, len: 0},
			{address: 5, type: 'tuple', size: 40, len: 0},
		]);
		const store = await loadObjects([
			{address: 3, type: 'dict', size: 300, len: 1, refs: [2, 6]},
			str(2, 'a'),
			{address: 1, type: 'list', size: 100, len: 2, refs: [2, 3]},
			// Address 4 reused by another type: the dict was freed, the set is new.
			{address: 4, type: 'set', size: 216, len: 0},
			{address: 6, type: 'dict', size: 250, len: 0},
			str(7, 'new'),
		]);
		const diff = diffDumps(snapshotOf(old), store);
		expect(diff.newObjects).toBe(3);
		expect(diff.freedObjects).toBe(2);
		const rows = Object.fromEntries(diff.types.map(row => [row.type, row]));
		expect(rows['dict']).toEqual({
			type: 'dict', oldCount: 2, newCount: 2, countDelta: 0, oldSize: 400, newSize: 550, sizeDelta: 150,
			newObjects: 1, newObjectsSize: 250, freedObjects: 1, freedObjectsSize: 200,
		});
		expect(rows['set']).toMatchObject({oldCount: 0, newCount: 1, newObjects: 1, freedObjects: 0, sizeDelta: 216});
		expect(rows['tuple']).toMatchObject({oldCount: 1, newCount: 0, newObjects: 0, freedObjects: 1, sizeDelta: -40});
		expect(rows['str']).toMatchObject({oldCount: 1, newCount: 2, newObjects: 1, freedObjects: 0});
		expect(rows['list']).toMatchObject({newObjects: 0, freedObjects: 0, sizeDelta: 0});
		// Largest size growth first.
		expect(diff.types.map(row => row.type)).toEqual(['set', 'dict', 'str', 'list', 'tuple']);
		expect(Array.from(diff.isNew)).toEqual([0, 0, 0, 1, 1, 1]);
	});

	it('finds the new and freed objects of dumps cut into many partitions as lookups in the address table do', async () => {
		// Three dumps of 12,000 objects: survivors, addresses reused by other types, fresh ones, in shuffled orders.
		let state = 12_345;
		const next = (): number => {
			state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
			return state / 4_294_967_296;
		};

		const types = ['str', 'dict', 'list', 'tuple', 'Session', 'int'];
		const dump = (base: DumpObject[], fresh: number, from: number): DumpObject[] => {
			const kept = base.filter(() => next() < 0.6).map(object => (next() < 0.1 ? {...object, type: types[Math.floor(next() * types.length)]!, size: object.size + 8} : object));
			const added = Array.from({length: fresh}, (_, i) => ({address: 0x7F_00_0000_0000 + ((from + i) * 48), type: types[Math.floor(next() * types.length)]!, size: 16 + Math.floor(next() * 500)}));
			return [...kept, ...added].sort(() => next() - 0.5);
		};

		const first = dump([], 12_000, 0);
		const second = dump(first, 5000, 12_000);
		const third = dump(second, 5000, 17_000);
		const [a, b, c] = [await loadObjects(first), await loadObjects(second), await loadObjects(third)];
		expect(b.objectCount).toBeGreaterThan(4 * 2048);
		const diff = diffDumps(snapshotOf(a), b);
		// The previous way: each object of B looked up in A's address table.
		const expectedNew: number[] = [];
		const freedSizes = new Map<string, number>();
		const matched = new Set<number>();
		for (let i = 0; i < b.objectCount; i++) {
			const o = a.addressIndex.get(b.objectAddress[i]!);
			if (o !== NO_OBJECT && a.typeName(o) === b.typeName(i)) {
				matched.add(o);
				expectedNew.push(0);
			} else {
				expectedNew.push(1);
			}
		}

		for (let o = 0; o < a.objectCount; o++) {
			if (!matched.has(o)) {
				freedSizes.set(a.typeName(o), (freedSizes.get(a.typeName(o)) ?? 0) + a.objectSize[o]!);
			}
		}

		expect(Array.from(diff.isNew)).toEqual(expectedNew);
		expect(diff.newObjects).toBe(expectedNew.filter(flag => flag === 1).length);
		expect(diff.freedObjects).toBe(a.objectCount - matched.size);
		expect(Object.fromEntries(diff.types.filter(row => row.freedObjects > 0).map(row => [row.type, row.freedObjectsSize])))
			.toEqual(Object.fromEntries(freedSizes));
		expect(diff.newObjects).toBeGreaterThan(5000);
		expect(diff.newObjects).toBeLessThan(b.objectCount);
		// Survivors in C of B's new objects, the same way.
		const fresh = newObjectsOf(b, diff.isNew);
		const {member, count} = survivors(fresh, c);
		const expectedMember = Array.from({length: c.objectCount}, (_, i) => {
			const o = b.addressIndex.get(c.objectAddress[i]!);
			return o !== NO_OBJECT && diff.isNew[o] === 1 && b.typeName(o) === c.typeName(i) ? 1 : 0;
		});
		expect(Array.from(member)).toEqual(expectedMember);
		expect(count).toBe(expectedMember.filter(flag => flag === 1).length);
		expect(count).toBeGreaterThan(1000);
	});

	it('takes a reopened dump\'s totals from its index, without reading a column, equal to a pass over the columns', async () => {
		const objects: DumpObject[] = [];
		for (let i = 0; i < 3000; i++) {
			objects.push(i % 3 === 0 ? str(16 * (i + 1), `s${i}`, 40 + (i % 7)) : {address: 16 * (i + 1), type: i % 3 === 1 ? 'dict' : 'Node', size: 100 + (i % 11), len: 0});
		}

		const file = writeDump(dumpText(objects));
		const options = {workers: 0, index: true, indexMinBytes: 0, parents: false, env: {XDG_CACHE_HOME: join(tempDir(), 'cache')}} as const;
		const parsed = (await loadDump(file, options)).store;
		const reopened = await loadDump(file, options);
		expect(reopened.index?.read).toBe(true);
		const totals = typeTotals(reopened.store);
		expect(reopened.store.isLoaded('objectType')).toBe(false);
		expect(reopened.store.isLoaded('objectSize')).toBe(false);
		const expected = typeTotals(parsed);
		const byName = (t: typeof totals): Record<string, [number, number]> => Object.fromEntries(t.typeNames.map((name, id) => [name, [t.counts[id]!, t.sizes[id]!]]));
		expect(byName(totals)).toEqual(byName(expected));
		expect([totals.totalCount, totals.totalSize]).toEqual([expected.totalCount, expected.totalSize]);
		expect(totals.totalSize).toBe(objects.reduce((sum, object) => sum + object.size, 0));
	});

	it('keeps totals by type name', async () => {
		const store = await loadObjects([str(1, 'x', 10), str(2, 'y', 20), {address: 3, type: 'int', size: 28, value: 5}]);
		const totals = typeTotals(store);
		expect(totals.totalCount).toBe(3);
		expect(totals.totalSize).toBe(58);
		expect(totals.counts[totals.typeNames.indexOf('str')]).toBe(2);
		expect(totals.sizes[totals.typeNames.indexOf('str')]).toBe(30);
	});
});

/**
 * Three dumps of a leaking process: a module dict (1) holds an observer
 * (10, collapsed with its dict 11) whose deque (12) accumulates records
 * (dicts with a str each). A list (50) holds short-lived records.
 */
function leakingProcess(step: number): DumpObject[] {
	const records: DumpObject[] = [];
	const dequeRefs: number[] = [];
	for (let i = 0; i < step * 3; i++) {
		const address = 1000 + i * 10;
		dequeRefs.push(address);
		records.push({address, type: 'dict', size: 232, len: 1, refs: [900, address + 1]}, str(address + 1, `event ${i}`, 60));
	}

	// Short-lived: a fresh pair at each step, the previous ones freed.
	const temporary = 5000 + step * 10;
	return [
		{address: 1, type: 'dict', size: 640, len: 2, refs: [901, 10, 902, 50]},
		{address: 10, type: 'Observer', size: 48, refs: [11, 9]},
		{address: 9, type: 'type', size: 900, name: 'Observer', refs: []},
		{address: 11, type: 'dict', size: 104, len: 1, refs: [903, 12]},
		{address: 12, type: 'collections.deque', size: 600 + step * 100, len: dequeRefs.length, refs: dequeRefs},
		{address: 50, type: 'list', size: 72, len: 1, refs: [temporary]},
		{address: temporary, type: 'dict', size: 232, len: 0},
		str(900, 'message'),
		str(901, 'observer'),
		str(902, 'scratch'),
		str(903, 'history'),
		...records,
	];
}

describe('leak candidates', () => {
	async function candidates(): Promise<{store: GraphStore; member: Uint8Array; count: number}> {
		const a = await loadObjects(leakingProcess(1));
		const b = await loadObjects(leakingProcess(2));
		const diff = diffDumps(snapshotOf(a), b);
		const fresh = newObjectsOf(b, diff.isNew);
		const c = await loadObjects(leakingProcess(3));
		return {store: c, ...survivors(fresh, c)};
	}

	it('are the objects new in the second dump that are still in the third', async () => {
		const {store, member, count} = await candidates();
		// Records 3..5 (dict + str each) were added between the first and second dumps.
		expect(count).toBe(6);
		const addresses = Array.from(member.keys()).filter(i => member[i] === 1).map(i => store.objectAddress[i]).sort((x, y) => x - y);
		expect(addresses).toEqual([1030, 1031, 1040, 1041, 1050, 1051]);
	});

	it('are grouped by the chain of types that holds them', async () => {
		const {store, member} = await candidates();
		const dominators = computeDominators(store);
		const grouping = groupCandidates(store, dominators, member);
		expect(grouping.total).toBe(6);
		expect(grouping.totalSize).toBe(3 * (232 + 60));
		expect(grouping.groups.length).toBe(1);
		const [group] = grouping.groups;
		expect(group!.type).toBe('dict');
		expect(group!.count).toBe(3);
		expect(group!.nested).toBe(3);
		expect(group!.size).toBe(3 * (232 + 60));
		expect(group!.shallowSize).toBe(3 * 232);
		expect(Array.from(group!.owner, ordinal => store.typeName(ordinal))).toEqual(['collections.deque', 'Observer', 'dict']);
		expect(store.objectAddress[group!.owner[0]!]).toBe(12);
		expect([1030, 1040, 1050]).toContain(store.objectAddress[group!.example]);
	});

	it('in a long chain are grouped once, under the chain\'s head', async () => {
		// 0 -> 1 -> 2 -> ... -> 9999, all candidates except 0.
		const n = 10_000;
		const objects: DumpObject[] = [];
		for (let i = 0; i < n; i++) {
			objects.push({address: 100 + i, type: i === 0 ? 'Holder' : 'Node', size: 10, refs: i + 1 < n ? [101 + i] : []});
		}

		const store = await loadObjects(objects);
		const member = new Uint8Array(n).fill(1);
		member[store.indexOf(100)] = 0;
		const grouping = groupCandidates(store, computeDominators(store), member);
		expect(grouping.groups.map(group => [group.type, group.count, group.nested, group.size])).toEqual([['Node', 1, n - 2, (n - 1) * 10]]);
		expect(Array.from(grouping.groups[0]!.owner, ordinal => store.objectAddress[ordinal])).toEqual([100]);
	});

	it('hanging from the roots have an empty owner', async () => {
		const store = await loadObjects([str(1, 'a'), str(2, 'b')]);
		const member = new Uint8Array([1, 1]);
		const grouping = groupCandidates(store, computeDominators(store), member);
		expect(grouping.groups).toHaveLength(1);
		expect(grouping.groups[0]!.owner.length).toBe(0);
		expect(grouping.groups[0]!.count).toBe(2);
	});
});
