/**
 * The cases of meliae's own test suite (test_loader.py, test__loader.py),
 * run against our loader, store and analyses.
 */

import {describe, expect, it} from 'vitest';
import {EX_REFERENCE_ADDRESS} from '../../source/core/analyses/expensive.js';
import {guessInternDict, objectsOfType, refsAsDict, refsAsList, type RefValue} from '../../source/core/analyses/objects.js';
import {summarizeReachable, totalSize, walkReachable} from '../../source/core/analyses/reachable.js';
import {REPR_VALUE_CHARS, reprObject} from '../../source/core/format/repr.js';
import {NO_OBJECT} from '../../source/core/graph/layout.js';
import type {GraphStore} from '../../source/core/graph/store.js';
import {childrenOf, type DumpObject, loadLines, loadObjects, parentsOf} from '../helpers/dump-lines.js';
import {exampleDump, expensiveDump, instanceDump, internDictDump, oldInstanceDump} from '../helpers/meliae-fixtures.js';

function plain(store: GraphStore, item: RefValue): unknown {
	switch (item.kind) {
		case 'value': {
			return item.token ? Number(item.text) : item.text;
		}

		case 'none': {
			return null;
		}

		case 'bool': {
			return item.value;
		}

		default: {
			return `@${store.targetAddress(item.target)}`;
		}
	}
}

function asPairs(store: GraphStore, address: number): Array<[unknown, unknown]> {
	return refsAsDict(store, store.indexOf(address)).map(entry => [plain(store, entry.key), plain(store, entry.value)]);
}

describe('meliae loader cases', () => {
	it('loads one int line (test_load_one)', async () => {
		const {store} = await loadLines(['{"address": 1234, "type": "int", "size": 12, "value": 10, "refs": []}']);
		expect(store.objectCount).toBe(1);
		expect(store.objectAddress[0]).toBe(1234);
		expect(store.typeName(0)).toBe('int');
		expect(store.value(0)).toBe('10');
		expect(store.valueKind(0)).toBe('token');
	});

	it('reads names as values and meliae escapes (test_load_without_simplejson)', async () => {
		const {store} = await loadLines([
			'{"address": 1234, "type": "int", "size": 12, "value": 10, "refs": []}',
			'{"address": 2345, "type": "module", "size": 60, "name": "mymod", "refs": [1234]}',
			String.raw`{"address": 4567, "type": "str", "size": 150, "len": 126, "value": "Test \'whoami\'\u000a\"Your name\"", "refs": []}`,
		]);
		expect([...store.objectAddress].sort((a, b) => a - b)).toEqual([1234, 2345, 4567]);
		expect(store.value(store.indexOf(2345))).toBe('mymod');
		expect(store.valueKind(store.indexOf(2345))).toBe('name');
		// meliae's regex loader left the escapes verbatim (a known failure); we decode them.
		expect(store.value(store.indexOf(4567))).toBe('Test \'whoami\'\n"Your name"');
		expect(store.length(store.indexOf(4567))).toBe(126);
	});

	it('collapses instance dicts by default (test_load_defaults_to_computing_and_collapsing)', async () => {
		const raw = (await loadLines(instanceDump, {collapse: false})).store;
		expect(childrenOf(raw, 1)).toEqual([2, 3]);
		const collapsed = (await loadLines(instanceDump)).store;
		expect(childrenOf(collapsed, 1)).toEqual([4, 5, 6, 7, 9, 10, 11, 12, 3]);
	});

	it('finds objects by type (test_get_all) and by address (test_one)', async () => {
		const {store} = await loadLines(exampleDump);
		const ints = objectsOfType(store, store.typeId('int'));
		expect([...ints].map(i => store.objectAddress[i]).sort()).toEqual([4, 5]);
		expect(store.typeName(store.indexOf(5))).toBe('int');
		expect(store.indexOf(999)).toBe(NO_OBJECT);
	});

	it('computes parents, each referrer once (test_compute_parents)', async () => {
		const {store} = await loadLines(exampleDump);
		// meliae folds the module's dict although the tuple at 1 refers to it too.
		expect(store.indexOf(2)).toBe(NO_OBJECT);
		expect(parentsOf(store, 1)).toEqual([]);
		expect(parentsOf(store, 3)).toEqual([1, 3]);
		expect(parentsOf(store, 4)).toEqual([3, 7, 8]);
		expect(parentsOf(store, 5)).toEqual([3, 7, 8]);
		expect(parentsOf(store, 6)).toEqual([8]);
		expect(parentsOf(store, 7)).toEqual([8]);
		// meliae leaves the tuple's reference to the folded dict dangling
		// (no parent for 8); ours leads to the dict's owner.
		expect(parentsOf(store, 8)).toEqual([1]);
		expect(childrenOf(store, 1)).toEqual([8, 3]);
		const raw = (await loadLines(exampleDump, {collapse: false})).store;
		expect(parentsOf(raw, 2)).toEqual([1, 8]);
		expect(parentsOf(raw, 4)).toEqual([2, 3, 7]);
	});

	it('computes the reachable size (test_compute_total_size)', async () => {
		const {store} = await loadLines(exampleDump);
		expect(totalSize(store, store.indexOf(8))).toBe(257);
		// The tuple reaches the module through the redirected reference.
		expect(totalSize(store, store.indexOf(1))).toBe(20 + 184 + 44 + 12 + 12 + 29 + 20);
	});

	it('tolerates references to addresses not in the dump (test_compute_total_size_missing_ref)', async () => {
		const lines = [...exampleDump];
		lines[lines.length - 1] = '{"address": 8, "type": "tuple", "size": 16, "len": 1, "refs": [999]}';
		const {store, problems} = await loadLines(lines);
		expect(totalSize(store, store.indexOf(8))).toBe(16);
		expect(childrenOf(store, 8)).toEqual([999]);
		expect(problems.unresolvedReferences).toBe(1);
	});

	it('replaces expensive references by <ex-reference> (test_remove_expensive_references)', async () => {
		const {store} = await loadLines(expensiveDump(), {collapse: false, removeExpensive: true});
		// meliae puts it at address 0; ours sits at 2^64, where no object can be.
		const nul = store.indexOf(EX_REFERENCE_ADDRESS);
		expect(nul).not.toBe(NO_OBJECT);
		expect(store.indexOf(0)).toBe(NO_OBJECT);
		expect(store.typeName(nul)).toBe('<ex-reference>');
		expect(store.objectSize[nul]).toBe(0);
		expect(childrenOf(store, 9)).toEqual([11, EX_REFERENCE_ADDRESS]);
		// Parents follow the new references.
		expect(parentsOf(store, 10)).toEqual([]);
		expect(parentsOf(store, EX_REFERENCE_ADDRESS)).toEqual([9]);
	});

	it('never sends expensive references to a real object at address 0', async () => {
		const lines = [...expensiveDump(), '{"address": 0, "type": "Real", "size": 40, "refs": []}', '{"address": 20, "type": "list", "size": 64, "len": 1, "refs": [0]}'];
		const {store} = await loadLines(lines, {collapse: false, removeExpensive: true});
		const real = store.indexOf(0);
		expect(store.typeName(real)).toBe('Real');
		expect(parentsOf(store, 0)).toEqual([20]);
		expect(childrenOf(store, 9)).toEqual([11, EX_REFERENCE_ADDRESS]);
		expect(store.typeName(store.indexOf(EX_REFERENCE_ADDRESS))).toBe('<ex-reference>');
	});

	it('collapses an instance dict and a module dict (test_collapse_instance_dicts)', async () => {
		const raw = (await loadLines(instanceDump, {collapse: false})).store;
		expect(raw.objectSize[raw.indexOf(1)]).toBe(32);
		expect(childrenOf(raw, 2)).toEqual([4, 5, 6, 7, 9, 10, 11, 12]);
		expect(childrenOf(raw, 14)).toEqual([15]);
		expect(childrenOf(raw, 15)).toEqual([5, 6, 9, 6]);
		expect(parentsOf(raw, 12)).toEqual([2]);
		expect(parentsOf(raw, 2)).toEqual([1]);
		expect(parentsOf(raw, 15)).toEqual([14]);

		const store = (await loadLines(instanceDump)).store;
		expect(childrenOf(store, 1)).toEqual([4, 5, 6, 7, 9, 10, 11, 12, 3]);
		expect(store.objectSize[store.indexOf(1)]).toBe(172);
		expect(store.indexOf(2)).toBe(NO_OBJECT);
		expect(parentsOf(store, 12)).toEqual([1]);
		expect(childrenOf(store, 14)).toEqual([5, 6, 9, 6]);
		expect(store.indexOf(15)).toBe(NO_OBJECT);
		expect(store.objectCount).toBe(raw.objectCount - 2);
	});

	it('collapses old-style instances and takes the class name (test_collapse_old_instance_dicts)', async () => {
		const raw = (await loadLines(oldInstanceDump, {collapse: false})).store;
		expect(raw.typeName(raw.indexOf(1))).toBe('instance');
		expect(raw.objectSize[raw.indexOf(1)]).toBe(36);
		expect(childrenOf(raw, 1)).toEqual([2, 3]);
		expect(childrenOf(raw, 3)).toEqual([4, 5, 6, 7]);
		const store = (await loadLines(oldInstanceDump)).store;
		expect(store.indexOf(3)).toBe(NO_OBJECT);
		expect(store.objectSize[store.indexOf(1)]).toBe(176);
		expect(childrenOf(store, 1)).toEqual([4, 5, 6, 7, 2]);
		expect(store.typeName(store.indexOf(1))).toBe('OldStyle');
	});

	it('folds a module dict that other objects also refer to, as meliae does', async () => {
		const {store} = await loadLines(exampleDump);
		expect(childrenOf(store, 8)).toEqual([4, 5, 6, 7]);
		expect(store.objectSize[store.indexOf(8)]).toBe(60 + 124);
	});

	it('expands references as a dict (test_expand_refs_as_dict)', async () => {
		const raw = (await loadLines(instanceDump, {collapse: false})).store;
		expect(asPairs(raw, 15)).toEqual([[1, 'c'], ['b', 'c']]);
		const store = (await loadLines(instanceDump)).store;
		expect(asPairs(store, 14)).toEqual([[1, 'c'], ['b', 'c']]);
		expect(asPairs(store, 1)).toEqual([['a', 1], ['c', '@7'], ['b', 'string'], ['d', '@12']]);
	});

	it('expands references as a dict with a trailing type and unknown types (test__loader)', async () => {
		const store = await loadObjects([
			{address: 1, type: 'str', size: 25, value: 'a'},
			{address: 2, type: 'int', size: 12, value: 1},
			{address: 3, type: 'dict', size: 140, refs: [1, 2]},
			{address: 4, type: 'MyClass', size: 156, refs: [2, 1, 8]},
			{address: 8, type: 'type', size: 400, name: 'MyClass'},
			{address: 11, type: 'frame', size: 300, value: 'func_foo'},
			{address: 12, type: 'str', size: 25, value: 'a'},
			{address: 13, type: 'dict', size: 140, refs: [12, 11]},
		], {collapse: false});
		expect(asPairs(store, 3)).toEqual([['a', 1]]);
		expect(asPairs(store, 4)).toEqual([[1, 'a']]);
		// A frame is not a scalar: it stays an object even though it has a value.
		expect(asPairs(store, 13)).toEqual([['a', '@11']]);
	});

	it('expands references as a list (test_expand_refs_as_list)', async () => {
		const {store} = await loadLines(instanceDump);
		const items = refsAsList(store, store.indexOf(12)).map(item => plain(store, item));
		expect(items).toEqual([2]);
	});

	it('guesses the intern dict (test_guess_intern_dict)', async () => {
		const {store} = await loadLines(internDictDump);
		expect(store.objectAddress[guessInternDict(store)]).toBe(8);
	});

	it('summarizes what an object reaches (test_summarize_refs, test_summarize_excluding)', async () => {
		const {store} = await loadLines(exampleDump);
		const summary = summarizeReachable(store, store.indexOf(8));
		expect(summary.types.map(t => t.type).sort()).toEqual(['int', 'module', 'str', 'tuple']);
		expect(summary.totalSize).toBe(257);
		const excluded = summarizeReachable(store, store.indexOf(8), {excluding: [store.indexOf(4), store.indexOf(5)]});
		expect(excluded.types.map(t => t.type).sort()).toEqual(['module', 'str', 'tuple']);
		expect(excluded.totalSize).toBe(233);
	});
});

describe('meliae object cases (test__loader)', () => {
	const base: DumpObject[] = [
		{address: 1024, type: 'bar', size: 200},
		{address: 0, type: 'foo', size: 100},
		{address: 255, type: 'baz', size: 300},
	];

	const order = (store: GraphStore, address: number, excluding: number[] = []): number[] => {
		const {order} = walkReachable(store, store.indexOf(address), excluding.map(a => store.indexOf(a)));
		return [...order].map(i => store.objectAddress[i]!);
	};

	it('formats repr like meliae (test__repr__)', async () => {
		const store = await loadObjects([
			{address: 1234, type: 'str', size: 24},
			{address: 1235, type: 'tuple', size: 12, refs: [4567, 8900]},
			{address: 1236, type: 'module', size: 12, name: 'named', refs: [4568, 8900]},
			{address: 1237, type: 'module', size: 12, name: 'named', refs: Array.from({length: 20}, (_, i) => i)},
			{address: 1238, type: 'foo', size: 12, refs: [10]},
			{address: 20, type: 'x', size: 1, refs: [1238]},
			{address: 30, type: 'x', size: 1, refs: [1238]},
			{address: 1239, type: 'str', size: 24, value: 'teststr'},
			{address: 1241, type: 'str', size: 24, value: 'averylongstringwithmorestuff'},
			{address: 1240, type: 'int', size: 12, value: 12_345},
		], {collapse: false});
		const repr = (address: number, totalSize?: number): string => reprObject(store, store.indexOf(address), {totalSize});
		expect(repr(1234)).toBe('str(1234 24B)');
		expect(repr(1235)).toBe('tuple(1235 12B 2refs)');
		expect(repr(1236)).toBe('module(1236 12B 2refs \'named\')');
		expect(repr(1237)).toBe('module(1237 12B 20refs \'named\')');
		expect(repr(1238)).toBe('foo(1238 12B 1refs 2par)');
		expect(repr(1239)).toBe('str(1239 24B \'teststr\')');
		expect(repr(1241)).toBe('str(1241 24B \'averylongstringwithmorestuff\')');
		expect(repr(1240)).toBe('int(1240 12B 12345)');
		expect(repr(1240, 12)).toBe('int(1240 12B 12345 12.0Btot)');
		expect(repr(1240, 1024)).toBe('int(1240 12B 12345 1.0Ktot)');
		expect(repr(1240, Math.trunc(1024 * 1024 * 10.5))).toBe('int(1240 12B 12345 10.5Mtot)');
	});

	it('keeps a value as dumped up to REPR_VALUE_CHARS characters, and cuts a longer one', async () => {
		const dumped = 'v'.repeat(100);
		const long = 'w'.repeat(5 * REPR_VALUE_CHARS);
		const store = await loadObjects([
			{address: 1, type: 'str', size: 149, value: dumped},
			{address: 2, type: 'str', size: 1049, value: long},
		], {collapse: false});
		// meliae's dumpers write at most 100 characters: the repr is meliae's, whole.
		expect(reprObject(store, store.indexOf(1))).toBe(`str(1 149B '${dumped}')`);
		const cut = reprObject(store, store.indexOf(2));
		expect(cut.startsWith(`str(2 1049B '${'w'.repeat(REPR_VALUE_CHARS)}`)).toBe(true);
		expect(cut.length).toBeLessThan(REPR_VALUE_CHARS + 40);
		expect(reprObject(store, store.indexOf(2), {maxValueChars: Number.POSITIVE_INFINITY})).toBe(`str(2 1049B '${long}')`);
	});

	it('computes total size with exclusions (test_compute_total_size)', async () => {
		const store = await loadObjects([...base, {address: 1, type: 'test', size: 1234, refs: [0]}, {address: 2, type: 'other', size: 4567, refs: [1]}]);
		expect(totalSize(store, store.indexOf(2))).toBe(1234 + 4567 + 100);
		expect(totalSize(store, store.indexOf(2), [store.indexOf(0)])).toBe(1234 + 4567);
	});

	it('walks recursive references in meliae order (Test_MemObjectProxyIterRecursiveRefs)', async () => {
		expect(order(await loadObjects(base), 1024)).toEqual([1024]);
		expect(order(await loadObjects([...base, {address: 1, type: 'test', size: 1234, refs: [1024]}]), 1)).toEqual([1, 1024]);
		const chain = await loadObjects([
			...base,
			{address: 1, type: '1', size: 1234, refs: [2]},
			{address: 2, type: '2', size: 1234, refs: [3]},
			{address: 3, type: '3', size: 1234, refs: [4]},
			{address: 4, type: '4', size: 1234, refs: [5]},
			{address: 5, type: '5', size: 1234, refs: [6]},
			{address: 6, type: '6', size: 1234},
		]);
		expect(order(chain, 1)).toEqual([1, 2, 3, 4, 5, 6]);
		const cycle = await loadObjects([...base, {address: 1, type: 'test', size: 1234, refs: [1024, 2]}, {address: 2, type: 'test2', size: 1234, refs: [1]}]);
		expect(order(cycle, 2)).toEqual([2, 1, 1024]);
		const single = await loadObjects([...base, {address: 1, type: 'test', size: 1234, refs: [1024]}]);
		expect(order(single, 1, [1024])).toEqual([1]);
		const nested = await loadObjects([...base, {address: 1, type: 'test', size: 1234, refs: [1024]}, {address: 2, type: 'test', size: 1234, refs: [1]}]);
		expect(order(nested, 2)).toEqual([2, 1, 1024]);
		expect(order(nested, 2, [1])).toEqual([2]);
		const wrap = await loadObjects([
			...base,
			{address: 1, type: 'test', size: 1234, refs: [1024]},
			{address: 2, type: 'test', size: 1234, refs: [1024]},
			{address: 3, type: 'test', size: 1234, refs: [1, 2]},
		]);
		expect(order(wrap, 3)).toEqual([3, 2, 1024, 1]);
		expect(order(wrap, 3, [1])).toEqual([3, 2, 1024]);
		expect(order(wrap, 3, order(wrap, 1))).toEqual([3, 2]);
		expect(order(await loadObjects(base), 1024, [1024])).toEqual([]);
		expect(order(single, 1, [1])).toEqual([]);
	});
});

describe('collapse beyond meliae', () => {
	const metaclassDump = (python3: boolean): DumpObject[] => [
		{address: 1, type: 'Model', size: 48, refs: [2, 3]},
		{address: 2, type: 'dict', size: 104, len: 1, refs: [4, 5]},
		{address: 3, type: 'ABCMeta', size: 1064, name: 'Model'},
		{address: 4, type: 'str', size: 50, value: 'x'},
		{address: 5, type: 'int', size: 28, value: 1},
		// A class of another name is not this instance's class.
		{address: 6, type: 'Other', size: 48, refs: [7, 3]},
		{address: 7, type: 'dict', size: 104, len: 0},
		...(python3 ? [{address: 8, type: 'bytes', size: 33, len: 0, value: ''}] : []),
	];

	it('collapses instances of classes made by a metaclass in Python 3 dumps', async () => {
		const store = await loadObjects(metaclassDump(true));
		expect(store.indexOf(2)).toBe(NO_OBJECT);
		expect(childrenOf(store, 1)).toEqual([4, 5, 3]);
		expect(store.objectSize[store.indexOf(1)]).toBe(152);
		expect(store.indexOf(7)).not.toBe(NO_OBJECT);
	});

	it('leaves them as meliae does in a dump that may come from meliae (Python 2)', async () => {
		const store = await loadObjects(metaclassDump(false));
		expect(store.indexOf(2)).not.toBe(NO_OBJECT);
		expect(childrenOf(store, 1)).toEqual([2, 3]);
		expect(store.objectSize[store.indexOf(1)]).toBe(48);
	});
});
