/**
 * `meliae-tui retained`: on a hand-built graph whose dominator tree is
 * known, and on a real process's dump against the dominators module.
 */

import {beforeAll, describe, expect, it} from 'vitest';
import {computeDominators, type Dominators} from '../../source/core/analyses/dominators.js';
import {loadDump} from '../../source/core/dump/load.js';
import type {GraphStore} from '../../source/core/graph/store.js';
import {interpreters} from '../capture/python.js';
import {makeWasteDumps, type WasteRecord} from '../core/waste/waste-dumps.js';
import {runCli} from '../helpers/cli.js';
import {dumpText, writeDump} from '../helpers/dump-lines.js';

type Node = {address: number; type: string; edge: string | null; size: number; retained_size: number; children?: Node[]; more?: number};
type RetainedJson = {
	address: number;
	type: string;
	retained_size: number;
	children: Node[];
	more: number;
	by_type: Array<{type: string; count: number; size: number}>;
	by_type_count: number;
};

/*
 * 1 (dict {'a': 2, 'b': 3}) -> 2, 3;  2 -> 4, 6;  3 -> 4;  4 -> 5;  6 -> 7.
 * Dominator tree: 1 -> {10, 11, 2, 3, 4}; 2 -> 6 -> 7; 4 -> 5. A list's
 * refs are its items from the last to the first: 6 is item [0] of 2.
 */
const dump = writeDump(dumpText([
	{address: 1, type: 'dict', size: 100, len: 2, refs: [10, 2, 11, 3]},
	{address: 10, type: 'str', size: 50, len: 1, value: 'a'},
	{address: 11, type: 'str', size: 50, len: 1, value: 'b'},
	{address: 2, type: 'list', size: 200, len: 2, refs: [4, 6]},
	{address: 3, type: 'list', size: 300, len: 1, refs: [4]},
	{address: 4, type: 'tuple', size: 1000, len: 1, refs: [5]},
	{address: 5, type: 'bytes', size: 4000, len: 3967},
	{address: 6, type: 'tuple', size: 64, len: 1, refs: [7]},
	{address: 7, type: 'bytes', size: 2000, len: 1967},
]));

describe('meliae-tui retained on a known dominator tree', () => {
	it('lists what the object dominates, largest retained size first, with the edge names', async () => {
		const result = await runCli(['retained', dump, '1', '--json']);
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout) as RetainedJson;
		expect(json).toMatchObject({address: 1, type: 'dict', retained_size: 7764, more: 0});
		expect(json.children.map(child => [child.address, child.edge, child.retained_size])).toEqual([
			[4, null, 5000],
			[2, '[\'a\']', 2264],
			[3, '[\'b\']', 300],
			[10, '(key)', 50],
			[11, '(key)', 50],
		]);
		expect(json.children[0]!.children).toBeUndefined();
		expect(json.by_type).toEqual([
			{type: 'bytes', count: 2, size: 6000},
			{type: 'tuple', count: 2, size: 1064},
			{type: 'list', count: 2, size: 500},
			{type: 'str', count: 2, size: 100},
			{type: 'dict', count: 1, size: 100},
		]);
	});

	it('goes --depth levels down, --limit objects per level, and says how many more', async () => {
		const json = JSON.parse((await runCli(['retained', dump, '1', '--json', '--depth', '3', '--limit', '2'])).stdout) as RetainedJson;
		expect(json.more).toBe(3);
		expect(json.children.map(child => child.address)).toEqual([4, 2]);
		const two = json.children[1]!;
		expect(two.children!.map(child => [child.address, child.edge, child.retained_size])).toEqual([[6, '[0]', 2064]]);
		expect(two.children![0]!.children!.map(child => [child.address, child.edge, child.children])).toEqual([[7, '[0]', undefined]]);
		expect(json.by_type).toHaveLength(2);
		expect(json.by_type_count).toBe(5);
	});

	it('prints the tree and the types as text', async () => {
		const result = await runCli(['retained', dump, '2', '--depth', '2']);
		expect(result.code).toBe(0);
		expect(result.stdout.split('\n')).toEqual([
			'list(2 200B 2refs 1par) retains 2.2 KiB (2264 bytes, 3 objects with itself).',
			'What it keeps alive (dominator tree, 2 levels, largest first):',
			'   Retained   %  Object',
			'    2.0 KiB  26  [0] tuple(6 64B 1refs 1par)',
			'    2.0 KiB  25    [0] bytes(7 2000B 1par)',
			'',
			'Retained set by type:',
			'       Size   Count  Type',
			'    2.0 KiB       1  bytes',
			'      200 B       1  list',
			'       64 B       1  tuple',
			'',
		]);
	});

	it('rejects a bad --depth and an unknown address', async () => {
		const bad = await runCli(['retained', dump, '1', '--depth', '-1']);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('--depth');
		const missing = await runCli(['retained', dump, '999']);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain('no object at address 999');
	});
});

const python = interpreters()[0];

describe.skipIf(python === undefined)('meliae-tui retained on a real process\'s dump', () => {
	let record: WasteRecord;
	let file: string;
	let store: GraphStore;
	let dominators: Dominators;

	beforeAll(async () => {
		const made = await makeWasteDumps(python!.exe);
		record = made.record;
		file = made.files[1];
		({store} = await loadDump(file, {workers: 0}));
		dominators = computeDominators(store);
	});

	it('the set\'s holder keeps the set and its members: as the dominators module and the process say', async () => {
		const result = await runCli(['retained', file, String(record.set_owner.address), '--json', '--depth', '2', '--quiet']);
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout) as RetainedJson;
		const owner = store.indexOf(record.set_owner.address);
		expect(json.retained_size).toBe(dominators.retainedSize[owner]);
		expect(json.type).toBe('SetOwner');
		const truth = record.set_owner;
		const set = json.children[0]!;
		expect(set).toMatchObject({address: truth.set, type: 'set', edge: '.members', retained_size: truth.set_size + truth.members_size});
		// Every object the owner immediately dominates, as the idom array says.
		let dominated = 0;
		for (let i = 0; i < store.objectCount; i++) {
			if (dominators.idom[i] === owner) {
				dominated++;
			}
		}

		expect(json.children.length + json.more).toBe(dominated);
		expect(set.children!.length + set.more!).toBe(truth.members);
		expect(json.by_type.find(entry => entry.type === 'str')).toMatchObject({count: truth.members, size: truth.members_size});
		expect(json.by_type.find(entry => entry.type === 'set')).toEqual({type: 'set', count: 1, size: truth.set_size});
	});
});
