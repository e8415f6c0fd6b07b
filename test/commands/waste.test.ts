/**
 * `meliae-tui waste` on real dumps of a process that made known waste
 * (test/capture/programs/waste.py), and on hand-built dumps for the
 * output's safety and the usage errors.
 */

import {beforeAll, describe, expect, it} from 'vitest';
import {interpreters} from '../capture/python.js';
import {makeWasteDumps, type WasteRecord} from '../core/waste/waste-dumps.js';
import {runCli} from '../helpers/cli.js';
import {dumpText, writeDump} from '../helpers/dump-lines.js';

type Holder = {owner: string | null; edge: string | null; count: number; size: number};
type WasteJson = {
	duplicate_strings: Array<{value: string; type: string; count: number; size: number; wasted: number; holders: Holder[]}>;
	duplicate_strings_total: {values: number; wasted: number; not_compared: number};
	empty_containers: Array<{type: string; len: number; owner: string | null; edge: string | null; count: number; size: number}>;
	instance_dicts: Array<{type: string; count: number; instance_size: number; dict_size: number; slots_saving: number}>;
	oversized: Array<{address: number; type: string; len: number; size: number; needed: number; wasted: number}>;
	dumps: number;
	growing_collections: Array<{address: number; type: string; lens: number[]; path: Array<{address: number; edge: string | null}>}>;
};

const python = interpreters()[0];

describe.skipIf(python === undefined)('meliae-tui waste on a real process\'s dumps', () => {
	let record: WasteRecord;
	let files: [string, string];
	let json: WasteJson;

	beforeAll(async () => {
		({record, files} = await makeWasteDumps(python!.exe));
		const result = await runCli(['waste', ...files, '--json', '--limit', '100000', '--quiet']);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		json = JSON.parse(result.stdout) as WasteJson;
	});

	it('names every kind of waste the process made, with the bytes the process measured', () => {
		const duplicate = json.duplicate_strings.find(entry => entry.value === record.duplicates.value)!;
		expect(duplicate).toMatchObject({type: 'str', count: record.duplicates.count, size: record.duplicates.size, wasted: record.duplicates.size - record.duplicates.one});
		expect(duplicate.holders[0]).toEqual({owner: 'list', edge: '[i]', count: record.duplicates.count, size: record.duplicates.size});
		expect(json.duplicate_strings_total.not_compared).toBeGreaterThanOrEqual(record.long.count);

		expect(json.empty_containers).toContainEqual({type: 'dict', len: 0, owner: 'EmptyHolder', edge: '.cache', count: record.empty.count, size: record.empty.size});

		const points = json.instance_dicts.find(entry => entry.type === 'Point')!;
		const truth = record.points;
		expect(points).toMatchObject({count: truth.count, instance_size: truth.instance_size, dict_size: truth.dict_size, slots_saving: truth.instance_size + truth.dict_size - truth.count * truth.slotted_size});

		expect(json.oversized).toContainEqual({
			address: record.oversized_list.address, type: 'list', len: record.oversized_list.len, size: record.oversized_list.size,
			needed: record.oversized_list.exact, wasted: record.oversized_list.size - record.oversized_list.exact,
		});
		expect(json.oversized.find(entry => entry.address === record.oversized_dict.address)).toMatchObject({type: 'dict', len: record.oversized_dict.len, size: record.oversized_dict.size});

		const growing = json.growing_collections.find(entry => entry.address === record.growing.address)!;
		expect(growing.lens).toEqual(record.growing.lens);
		expect(growing.path.at(-1)!.address).toBe(record.growing.address);
		expect(growing.path.at(-1)!.edge).toContain('GROWING');
	});

	it('takes the dumps in the order given with --keep-order: the list did not grow from the newer to the older', async () => {
		const result = await runCli(['waste', files[1], files[0], '--json', '--limit', '100000', '--quiet', '--keep-order']);
		expect(result.code).toBe(0);
		const reversed = JSON.parse(result.stdout) as WasteJson;
		expect(reversed.growing_collections.some(entry => entry.address === record.growing.address)).toBe(false);
	});

	it('prints each finding with its bytes and its fix; one dump: no growth section', async () => {
		const result = await runCli(['waste', files[1], '--limit', '3', '--quiet']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Fix: keep one copy');
		expect(result.stdout).toContain('Fix: create the container when its first entry arrives');
		expect(result.stdout).toContain(`${record.duplicates.count} in list [i]`);
		expect(result.stdout).toMatch(new RegExp(`${record.empty.count}  dict len 0, in EmptyHolder \\.cache`));
		expect(result.stdout).not.toContain('Growing collections');
		const single = JSON.parse((await runCli(['waste', files[1], '--json', '--quiet'])).stdout) as WasteJson;
		expect(single).toMatchObject({dumps: 1, growing_collections: []});
		expect(single.duplicate_strings.length).toBeLessThanOrEqual(10);
	});
});

describe.skipIf(python === undefined)('the report\'s waste section', () => {
	it('gives the top finding of each kind, as waste does', async () => {
		const {record, files} = await makeWasteDumps(python!.exe);
		const result = await runCli(['report', files[1], '--json', '--quiet']);
		expect(result.code).toBe(0);
		const {waste} = JSON.parse(result.stdout) as {waste: WasteJson};
		const full = JSON.parse((await runCli(['waste', files[1], '--json', '--quiet'])).stdout) as WasteJson;
		expect(waste.duplicate_strings).toEqual(full.duplicate_strings.slice(0, 1));
		expect(waste.empty_containers).toEqual(full.empty_containers.slice(0, 1));
		expect(waste.instance_dicts).toEqual(full.instance_dicts.slice(0, 1));
		expect(waste.oversized).toEqual(full.oversized.slice(0, 1));
		expect(waste.duplicate_strings[0]).toMatchObject({value: record.duplicates.value, count: record.duplicates.count});
		const text = await runCli(['report', files[1], '--quiet']);
		expect(text.stdout).toContain('Waste (the top finding of each kind');
		expect(text.stdout).toContain(`'${record.duplicates.value}' x${record.duplicates.count}`);
		expect(text.stdout).toMatch(/per-instance dicts: __slots__ would save .* on \d+ \w+ instances/);
	});
});

describe('meliae-tui waste on hand-built dumps', () => {
	const hostile = '\u001B]0;pwned\u0007\u001B[31m\u202E';
	const dump = writeDump(dumpText([
		{address: 1, type: 'list', size: 80, len: 3, refs: [2, 3, 4]},
		{address: 2, type: 'str', size: 60, len: hostile.length, value: hostile},
		{address: 3, type: 'str', size: 60, len: hostile.length, value: hostile},
		{address: 4, type: `evil${hostile}`, size: 48, refs: [5, 6]},
		{address: 5, type: 'dict', size: 64, len: 0, refs: []},
		{address: 6, type: 'type', size: 900, name: 'evil', refs: []},
		{address: 7, type: 'bytes', size: 40, len: 3, refs: []},
	]));

	it('escapes every piece of dump text in the text output', async () => {
		const result = await runCli(['waste', dump]);
		expect(result.code).toBe(0);
		expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F\u202E]/);
		expect(result.stdout).toContain('\\x1b');
	});

	it('keeps the value exact in JSON, escaped for the terminal', async () => {
		const result = await runCli(['waste', dump, '--json']);
		expect(result.code).toBe(0);
		expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F\u202E]/);
		const json = JSON.parse(result.stdout) as WasteJson;
		expect(json.duplicate_strings).toHaveLength(1);
		expect(json.duplicate_strings[0]).toMatchObject({value: hostile, count: 2, size: 120, wasted: 60});
	});

	it('a missing dump is one line and exit code 2', async () => {
		const result = await runCli(['waste', '/nonexistent/dump.json']);
		expect(result.code).toBe(2);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(result.stderr).toContain('/nonexistent/dump.json');
	});
});
