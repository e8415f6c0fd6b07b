import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {dumpText, writeDump} from '../helpers/dump-lines.js';

/** 1 -> 2 -> {3, 4}; 5 -> 4. Retained: 1 = 1+2+3 (4 is shared with 5). */
const dump = writeDump(dumpText([
	{address: 1, type: 'list', size: 100, len: 1, refs: [2]},
	{address: 2, type: 'list', size: 200, len: 2, refs: [3, 4]},
	{address: 3, type: 'bytes', size: 1000, len: 970},
	{address: 4, type: 'bytes', size: 5000, len: 4970},
	{address: 5, type: 'tuple', size: 48, len: 1, refs: [4]},
]));

type TopJson = {objects: Array<{address: number; type: string; size: number; retained_size: number; dominator: number | null}>; total_size: number};

describe('meliae-tui top', () => {
	it('keeps every line short when a value is huge, in top, path and show; --json keeps it whole', async () => {
		const huge = 'h\u001B[2J'.repeat(100_000);
		const file = writeDump(dumpText([
			{address: 10, type: 'dict', size: 100, len: 1, refs: [11]},
			{address: 11, type: 'str', size: 300_049, len: huge.length, value: huge},
		]));
		const longest = (text: string): number => Math.max(...text.split('\n').map(line => line.length));
		for (const args of [['top', file], ['path', file, '11'], ['show', file, '11'], ['show', file, '10']]) {
			const result = await runCli(args);
			expect(result.code, args.join(' ')).toBe(0);
			expect(result.stdout, args.join(' ')).toContain('str(11 300049B');
			// 4096 characters at most, each ESC shown as four.
			expect(longest(result.stdout), args.join(' ')).toBeLessThan(20_000);
			expect(result.stdout).not.toContain('\u001B');
		}

		expect((await runCli(['show', file, '11'])).stdout).toContain(`(${huge.length} characters; --json has them all)`);
		const json = JSON.parse((await runCli(['show', file, '11', '--json'])).stdout) as {value: string};
		expect(json.value).toBe(huge);
	});

	it('lists the largest retained sizes as JSON', async () => {
		const result = await runCli(['top', dump, '--json']);
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout) as TopJson;
		expect(json.total_size).toBe(6348);
		expect(json.objects.map(o => [o.address, o.retained_size])).toEqual([[4, 5000], [1, 1300], [3, 1000], [2, 1200]].sort((a, b) => b[1]! - a[1]!).concat([[5, 48]]));
		expect(json.objects.find(o => o.address === 3)).toEqual({address: 3, type: 'bytes', size: 1000, retained_size: 1000, dominator: 2, name: null});
		expect(json.objects.find(o => o.address === 4)!.dominator).toBe(null);
	});

	it('orders by own size and limits', async () => {
		const json = JSON.parse((await runCli(['top', dump, '--json', '--by', 'size', '--limit', '2'])).stdout) as TopJson;
		expect(json.objects.map(o => o.address)).toEqual([4, 3]);
	});

	it('prints a table with the summary header', async () => {
		const result = await runCli(['top', dump, '--limit', '2']);
		expect(result.code).toBe(0);
		expect(result.stdout.split('\n').slice(0, 5)).toEqual([
			'Total 5 objects, 3 types, Total size = 0.0MiB (6348 bytes)',
			'Largest retained sizes (retained = the object and everything only it keeps alive):',
			' Rank     Retained   %       Size Object',
			'    1      4.9 KiB  78       5000 bytes(4 5000B 2par)',
			'    2      1.3 KiB  20        100 list(1 100B 1refs)',
		]);
	});

	it('rejects a bad --by', async () => {
		const result = await runCli(['top', dump, '--by', 'count']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--by must be "retained" or "size"');
	});

	it('gives show --json the retained size and the immediate dominator', async () => {
		const three = JSON.parse((await runCli(['show', dump, '3', '--json'])).stdout) as Record<string, unknown>;
		expect(three).toMatchObject({address: 3, retained_size: 1000, dominator: 2});
		const one = JSON.parse((await runCli(['show', dump, '1', '--json'])).stdout) as Record<string, unknown>;
		expect(one).toMatchObject({address: 1, retained_size: 1300, dominator: null});
	});
});
