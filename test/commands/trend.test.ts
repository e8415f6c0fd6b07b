import {utimesSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {type DumpObject, dumpText, writeDump} from '../helpers/dump-lines.js';

const demo = (name: string): string => fileURLToPath(new URL(`../../fixtures/demo/${name}`, import.meta.url));

type TrendJson = {
	dumps: Array<{file: string; total_count: number; total_size: number; rss_bytes: number | null; time: string | null}>;
	types: Array<{type: string; counts: number[]; sizes: number[]; growing: boolean}>;
};

function series(counts: number[], extra: (step: number) => DumpObject[] = () => []): string[] {
	return counts.map((count, step) => {
		const objects: DumpObject[] = [];
		for (let i = 0; i < count; i++) {
			objects.push({address: 100 + i, type: 'Leak', size: 32});
		}

		objects.push({address: 1, type: 'list', size: 64 + step * 8, len: step});
		objects.push(...extra(step));
		const file = writeDump(dumpText(objects), {name: `trend-${process.pid}-${count}-${step}.json`});
		utimesSync(file, 1000 + step * 10, 1000 + step * 10);
		return file;
	});
}

describe('meliae-tui trend', () => {
	it('follows each type over the demo series', async () => {
		const files = ['demo-3.json.gz', 'demo-1.json.gz', 'demo-2.json.gz'].map(name => demo(name));
		const result = await runCli(['trend', ...files, '--sort', 'name', '--json']);
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout) as TrendJson;
		expect(json.dumps.map(dump => dump.file.replace(/.*\//, ''))).toEqual(['demo-1.json.gz', 'demo-2.json.gz', 'demo-3.json.gz']);
		const rows = Object.fromEntries(json.types.map(row => [row.type, row]));
		expect(rows['Session']!.counts).toEqual([301, 590, 899]);
		expect(rows['LogEntry']!.counts).toEqual([518, 1029, 1545]);
		expect(rows['Session']!.growing).toBe(true);
		expect(rows['SessionCache']!.growing).toBe(false);
	});

	it('orders by modification time, prints sparklines and the process RSS', async () => {
		const files = series([3, 5, 9]);
		writeFileSync(`${files[1]!}.meta.json`, JSON.stringify({rss_bytes: 50 * 1024 * 1024, time: '2024-05-01T12:00:00+0000'}));
		const result = await runCli(['trend', files[2]!, files[0]!, files[1]!, `${files[1]!}.meta.json`, '--sort', 'mtime'], {env: {LANG: 'en_US.UTF-8', TERM: 'xterm'}});
		expect(result.code).toBe(0);
		const lines = result.stdout.split('\n');
		expect(lines[0]).toBe('3 dumps, oldest first (by modification time):');
		expect(lines[2]).toMatch(/^ {2}1 +4 +160 B +- +\S+ +\S+trend-\d+-3-0\.json$/);
		expect(lines[3]).toMatch(/^ {2}2 +6 +232 B +50\.0 MiB {2}2024-05-01T12:00:00\+0000 {2}\S+trend-\d+-5-1\.json$/);
		expect(result.stdout).toContain('2 types grew at every step; largest size growth first:');
		expect(result.stdout).toMatch(/\n +3 +9 +\+3 +96 B +288 B +\+96 B +yes {2}▁▃█ {3}Leak\n/);
		const ascii = await runCli(['trend', ...files, '--sort', 'mtime'], {env: {LANG: 'C', LC_ALL: 'C'}});
		expect(ascii.stdout).toMatch(/yes {2}_,# {3}Leak/);
	});

	it('writes JSON with counts and sizes per dump', async () => {
		const files = series([2, 1, 4]);
		const json = JSON.parse((await runCli(['trend', ...files, '--json'])).stdout) as TrendJson;
		expect(json.dumps.map(dump => dump.total_count)).toEqual([3, 2, 5]);
		expect(json.types.find(row => row.type === 'Leak')).toEqual({type: 'Leak', counts: [2, 1, 4], sizes: [64, 32, 128], growing: false, count_growth: 2, size_growth: 64});
		expect(json.types.find(row => row.type === 'list')!.growing).toBe(true);
	});

	it('rejects a bad --sort', async () => {
		const result = await runCli(['trend', demo('demo-1.json.gz'), '--sort', 'size']);
		expect(result.code).toBe(2);
	});
});
