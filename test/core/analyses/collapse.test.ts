/**
 * meliae's collapse_instance_dicts on dumps of the shapes meliae's scanner
 * writes (CPython 2.7): a module whose dict is also its functions' globals,
 * and dicts written before their owners.
 */

import {describe, expect, it} from 'vitest';
import {edgeName, findPath} from '../../../source/core/analyses/paths.js';
import {summarizeTypes} from '../../../source/core/analyses/summary.js';
import {formatSummary} from '../../../source/core/format/summary-table.js';
import {NO_OBJECT} from '../../../source/core/graph/layout.js';
import {childrenOf, type DumpObject, loadObjects} from '../../helpers/dump-lines.js';

// `app.py`: `CACHE = ['x']` and `def handler(): ...`, the function held by a
// list elsewhere. CPython 2.7's func_traverse visits func_code,
// func_globals, func_module, func_defaults, func_doc, func_name, func_dict,
// func_closure (NULLs skipped), so the function refers to the module's dict
// second, and the dict has two referrers: the module and the function.
const moduleWithFunction: DumpObject[] = [
	{address: 1000, type: 'module', size: 56, name: 'app', refs: [1001]},
	{address: 1001, type: 'dict', size: 1048, len: 3, refs: [1010, 1020, 1011, 1021, 1012, 1030]},
	{address: 1010, type: 'str', size: 45, len: 8, value: '__name__'},
	{address: 1020, type: 'str', size: 40, len: 3, value: 'app'},
	{address: 1011, type: 'str', size: 44, len: 7, value: 'handler'},
	{address: 1021, type: 'function', size: 120, name: 'handler', refs: [1040, 1001, 1020, 1050, 1011]},
	{address: 1040, type: 'code', size: 80, name: 'handler'},
	{address: 1050, type: 'NoneType', size: 16},
	{address: 1012, type: 'str', size: 42, len: 5, value: 'CACHE'},
	{address: 1030, type: 'list', size: 72, len: 1, refs: [1060]},
	{address: 1060, type: 'str', size: 40, len: 1, value: 'x'},
	{address: 1070, type: 'list', size: 64, len: 1, refs: [1021]},
];

describe('collapse as meliae does', () => {
	it('folds a module\'s dict although its functions refer to it, and prints meliae\'s table', async () => {
		const store = await loadObjects(moduleWithFunction);
		expect(store.indexOf(1001)).toBe(NO_OBJECT);
		expect(store.objectSize[store.indexOf(1000)]).toBe(56 + 1048);
		// The text meliae's om.summarize() prints for this dump (sizes summed by hand).
		expect(formatSummary(summarizeTypes(store))).toBe([
			'Total 11 objects, 6 types, Total size = 0.0MiB (1667 bytes)',
			' Index   Count   %      Size   % Cum     Max Kind',
			'     0       1   9      1104  66  66    1104 module',
			'     1       5  45       211  12  78      45 str',
			'     2       2  18       136   8  87      72 list',
			'     3       1   9       120   7  94     120 function',
			'     4       1   9        80   4  99      80 code',
			'     5       1   9        16   0 100      16 NoneType',
		].join('\n'));
	});

	it('points a function\'s globals at the module, so paths pass through it', async () => {
		const store = await loadObjects(moduleWithFunction);
		expect(childrenOf(store, 1021)).toEqual([1040, 1000, 1020, 1050, 1011]);
		const path = findPath(store, store.indexOf(1060));
		expect(path).toBeDefined();
		expect([...path!.ordinals].map(i => store.objectAddress[i])).toEqual([1070, 1021, 1000, 1030, 1060]);
		expect(edgeName(store, store.indexOf(1000), store.indexOf(1030))?.text).toBe('.CACHE');
	});

	it('keeps the total size when dicts come before their owners', async () => {
		// sys's dict is written before sys (as in every real dump), and so is
		// an instance's __dict__ created late.
		const objects: DumpObject[] = [
			{address: 10, type: 'dict', size: 3328, len: 1, refs: [20, 21]},
			{address: 20, type: 'str', size: 50, len: 4, value: 'path'},
			{address: 21, type: 'list', size: 120, len: 0},
			{address: 11, type: 'dict', size: 232, len: 1, refs: [20, 21]},
			{address: 1, type: 'module', size: 72, name: 'sys', refs: [10]},
			{address: 30, type: 'str', size: 60, len: 10, value: 'fill-slots'},
			{address: 31, type: 'str', size: 61, len: 11, value: 'fill-slots2'},
			{address: 2, type: 'Session', size: 48, refs: [11, 3]},
			{address: 3, type: 'type', size: 1056, name: 'Session'},
		];
		const raw = await loadObjects(objects, {collapse: false});
		const store = await loadObjects(objects);
		expect(store.objectCount).toBe(raw.objectCount - 2);
		expect(summarizeTypes(store).totalSize).toBe(summarizeTypes(raw).totalSize);
		expect(store.objectSize[store.indexOf(1)]).toBe(72 + 3328);
		expect(store.objectSize[store.indexOf(2)]).toBe(48 + 232);
		for (const address of [20, 21, 30, 31, 3]) {
			expect(store.objectSize[store.indexOf(address)]).toBe(raw.objectSize[raw.indexOf(address)]);
		}
	});

	it('redirects a vars(obj) kept elsewhere to the object', async () => {
		const store = await loadObjects([
			{address: 1, type: 'Session', size: 48, refs: [2, 3]},
			{address: 2, type: 'dict', size: 232, len: 0},
			{address: 3, type: 'type', size: 1056, name: 'Session'},
			{address: 4, type: 'list', size: 64, len: 1, refs: [2]},
		]);
		expect(store.indexOf(2)).toBe(NO_OBJECT);
		expect(childrenOf(store, 4)).toEqual([1]);
		expect(childrenOf(store, 1)).toEqual([3]);
	});

	it('folds a dict shared by two owners into the first only (the total stays)', async () => {
		const objects: DumpObject[] = [
			{address: 1, type: 'Borg', size: 48, refs: [2, 3]},
			{address: 2, type: 'dict', size: 232, len: 1, refs: [5, 6]},
			{address: 3, type: 'type', size: 1056, name: 'Borg'},
			{address: 4, type: 'Borg', size: 48, refs: [2, 3]},
			{address: 5, type: 'str', size: 50, value: 'k'},
			{address: 6, type: 'int', size: 28, value: 1},
		];
		const store = await loadObjects(objects);
		const raw = await loadObjects(objects, {collapse: false});
		expect(summarizeTypes(store).totalSize).toBe(summarizeTypes(raw).totalSize);
		expect(childrenOf(store, 1)).toEqual([5, 6, 3]);
		expect(childrenOf(store, 4)).toEqual([1, 3]);
	});
});
