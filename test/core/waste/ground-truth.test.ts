/**
 * The waste inspections and the retained set against a real Python
 * process that made known waste and recorded it (counts, sys.getsizeof
 * sums): test/capture/programs/waste.py.
 */

import {beforeAll, describe, expect, it} from 'vitest';
import {computeDominators, type Dominators} from '../../../source/core/analyses/dominators.js';
import {findPath} from '../../../source/core/analyses/paths.js';
import {loadDump} from '../../../source/core/dump/load.js';
import type {GraphStore} from '../../../source/core/graph/store.js';
import {DUMP_VALUE_CHARS, findDuplicateStrings} from '../../../source/core/waste/duplicates.js';
import {findEmptyContainers} from '../../../source/core/waste/empty-containers.js';
import {findGrowingCollections, lengthView} from '../../../source/core/waste/growing.js';
import {findInstanceDicts} from '../../../source/core/waste/instance-dicts.js';
import {findOversized} from '../../../source/core/waste/oversized.js';
import {dominatedBy, largestOf} from '../../../source/core/analyses/dominator-tree.js';
import {retainedSetByType} from '../../../source/core/analyses/retained-set.js';
import {interpreters} from '../../capture/python.js';
import {makeWasteDumps, type WasteRecord} from './waste-dumps.js';

const found = interpreters();

describe.skipIf(found.length === 0)('waste inspections against a real process', () => {
	for (const python of found) {
		describe(python.label, () => {
			let record: WasteRecord;
			let older: GraphStore;
			let store: GraphStore;
			let dominators: Dominators;
			let files: [string, string];

			beforeAll(async () => {
				const made = await makeWasteDumps(python.exe);
				record = made.record;
				files = made.files;
				older = (await loadDump(made.files[0], {workers: 0})).store;
				store = (await loadDump(made.files[1], {workers: 0})).store;
				expect(store.objectCount).toBeGreaterThan(0);
				dominators = computeDominators(store);
			});

			it('duplicate strings: the 1000 copies, their wasted bytes and their holder', () => {
				const duplicates = findDuplicateStrings(store, 1000);
				const ours = duplicates.top.filter(entry => store.value(entry.ordinal) === record.duplicates.value);
				expect(ours).toHaveLength(1);
				const [entry] = ours;
				expect(entry!.count).toBe(record.duplicates.count);
				expect(entry!.size).toBe(record.duplicates.size);
				expect(entry!.wasted).toBe(record.duplicates.size - record.duplicates.one);
				// Every copy is held by the one list, as an item.
				expect(entry!.holders[0]).toMatchObject({ownerTypeId: store.typeId('list'), edge: '[i]', count: record.duplicates.count});
				expect(duplicates.wasted).toBeGreaterThanOrEqual(entry!.wasted);
			});

			it('duplicate strings: values longer than the dump keeps are not compared', () => {
				const duplicates = findDuplicateStrings(store, 1_000_000);
				expect(duplicates.notCompared).toBeGreaterThanOrEqual(record.long.count);
				expect(duplicates.top.some(entry => store.value(entry.ordinal)!.startsWith(record.long.prefix))).toBe(false);
				for (const entry of duplicates.top) {
					expect(store.length(entry.ordinal)).toBeLessThanOrEqual(DUMP_VALUE_CHARS);
				}
			});

			it('empty containers: the 500 empty dicts, by holder type and attribute', () => {
				const empty = findEmptyContainers(store);
				const group = empty.groups.find(entry => entry.ownerTypeId === store.typeId('EmptyHolder') && entry.typeId === store.typeId('dict'));
				expect(group).toMatchObject({length: 0, edge: `.${record.empty.attribute}`, count: record.empty.count, size: record.empty.size});
			});

			it('per-instance dicts: the 2000 instances, their dicts and what __slots__ saves', () => {
				const points = findInstanceDicts(store).find(entry => entry.typeId === store.typeId('Point'));
				const truth = record.points;
				expect(points).toMatchObject({
					count: truth.count,
					instanceSize: truth.instance_size,
					dictSize: truth.dict_size,
					attributes: truth.attributes,
					slottedSize: truth.count * truth.slotted_size,
					slotsSaving: truth.instance_size + truth.dict_size - truth.count * truth.slotted_size,
				});
			});

			it('per-instance dicts: the same figures from a dump loaded without collapse', async () => {
				const {store: plain} = await loadDump(files[1], {workers: 0, collapse: false});
				const points = findInstanceDicts(plain).find(entry => entry.typeId === plain.typeId('Point'));
				const truth = record.points;
				expect(points).toMatchObject({
					count: truth.count,
					instanceSize: truth.instance_size,
					dictSize: truth.dict_size,
					attributes: truth.attributes,
					slotsSaving: truth.instance_size + truth.dict_size - truth.count * truth.slotted_size,
				});
			});

			it('oversized: the list cut down by del and the dict emptied by deletions', () => {
				const oversized = findOversized(store, 1_000_000);
				const list = oversized.top.find(entry => entry.ordinal === store.indexOf(record.oversized_list.address));
				expect(list).toEqual({
					ordinal: store.indexOf(record.oversized_list.address),
					length: record.oversized_list.len,
					size: record.oversized_list.size,
					needed: record.oversized_list.exact,
					wasted: record.oversized_list.size - record.oversized_list.exact,
				});
				const dict = oversized.top.find(entry => entry.ordinal === store.indexOf(record.oversized_dict.address));
				expect(dict).toMatchObject({length: record.oversized_dict.len, size: record.oversized_dict.size});
				// Needed: the smallest dict of that len in the dump, the fresh copy at most.
				expect(dict!.needed).toBeLessThanOrEqual(record.oversized_dict.fresh);
				expect(dict!.wasted).toBe(record.oversized_dict.size - dict!.needed);
				// The fresh copy itself is not oversized.
				expect(oversized.top.some(entry => entry.ordinal === store.indexOf(record.oversized_dict.fresh_address))).toBe(false);
			});

			it('growing collections: the list that grew between the dumps, with its path', () => {
				const growing = findGrowingCollections([lengthView(older)], store, 1_000_000);
				const ours = growing.top.find(entry => store.objectAddress[entry.ordinal] === record.growing.address);
				expect(ours?.lengths).toEqual(record.growing.lens);
				// A list whose items changed but whose len did not is not growing.
				expect(store.indexOf(record.growing.steady)).not.toBe(-1 >>> 0);
				expect(growing.top.some(entry => store.objectAddress[entry.ordinal] === record.growing.steady)).toBe(false);
				expect(growing.count).toBe(growing.top.length);
				const path = findPath(store, ours!.ordinal)!;
				expect(path.ordinals.at(-1)).toBe(ours!.ordinal);
				expect(path.edges.at(-1)?.text).toContain('GROWING');
				// Not in the other order: nothing shrinks into growth.
				expect(findGrowingCollections([store], older, 1_000_000).top.some(entry => older.objectAddress[entry.ordinal] === record.growing.address)).toBe(false);
			});

			it('retained set: the set\'s owner keeps the set and its 200 members', () => {
				const owner = store.indexOf(record.set_owner.address);
				const set = store.indexOf(record.set_owner.set);
				const truth = record.set_owner;
				expect(dominators.idom[set]).toBe(owner);
				expect(dominators.retainedSize[set]).toBe(truth.set_size + truth.members_size);
				expect(largestOf(dominatedBy(dominators, owner), dominators.retainedSize, 1)[0]).toBe(set);
				const byType = retainedSetByType(store, dominators, owner).types;
				expect(byType.find(entry => entry.type === 'set')).toMatchObject({count: 1, size: truth.set_size});
				expect(byType.find(entry => entry.type === 'str')).toMatchObject({count: truth.members, size: truth.members_size});
				expect(byType.reduce((sum, entry) => sum + entry.size, 0)).toBe(dominators.retainedSize[owner]);
				expect(byType.reduce((sum, entry) => sum + entry.count, 0)).toBe(1 + 1 + truth.members);
			});
		});
	}
});
