/**
 * One rule for every command taking several dumps: oldest first, as a
 * shell glob of timestamped names sorts; where the dumps' times (the
 * dumper's sidecar, else the file's) disagree with the order given, a
 * warning and the time order; --keep-order keeps the order given.
 */

import {execFileSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {orderDumps} from '../../source/common/dump-order.js';
import {interpreters, pythonDir, run} from '../capture/python.js';
import {runCli} from '../helpers/cli.js';
import {hasTmux, TmuxSession} from '../ui/tmux.js';

const demo = (n: number): string => fileURLToPath(new URL(`../../fixtures/demo/demo-${n}.json.gz`, import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
/** The demo dumps' object counts, from the dumps themselves. */
const counts = new Map<number, number>();

let dir: string;
/** Copies of demo-1..3 with file times one day apart, in that order, and no sidecar. */
const copies: string[] = [];
const day = (n: number): Date => new Date(Date.UTC(2026, 0, n, 10));

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'meliae-order-'));
	for (const n of [1, 2, 3]) {
		const file = join(dir, `dump-${n}.json.gz`);
		copyFileSync(demo(n), file);
		utimesSync(file, day(n), day(n));
		copies.push(file);
		// eslint-disable-next-line no-await-in-loop
		const summary = JSON.parse((await runCli(['summarize', file, '--json'])).stdout) as {total_count: number};
		counts.set(n, summary.total_count);
	}

	// The three demo dumps differ, so which one a command read shows in its numbers.
	expect(new Set(counts.values()).size).toBe(3);
});

afterAll(() => {
	rmSync(dir, {recursive: true, force: true});
});

type ReportJson = {file: string; total_count: number};
const warningLines = (stderr: string): string[] => stderr.split('\n').filter(line => line.includes('warning:'));

describe('report', () => {
	it('reads a glob of dumps oldest first and reports on the newest, without a warning', async () => {
		const result = await runCli(['report', ...copies, '--format', 'json']);
		expect(result.code).toBe(0);
		const report = JSON.parse(result.stdout) as ReportJson;
		expect(report.file).toBe(copies[2]);
		expect(report.total_count).toBe(counts.get(3));
		expect(warningLines(result.stderr)).toEqual([]);
	});

	it('given newest first, says so once and still reports on the newest', async () => {
		const result = await runCli(['report', copies[2]!, copies[0]!, copies[1]!, '--format', 'json']);
		expect(result.code).toBe(0);
		expect((JSON.parse(result.stdout) as ReportJson).total_count).toBe(counts.get(3));
		const warnings = warningLines(result.stderr);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toMatch(/^meliae-tui: warning: .*dump-3\.json\.gz .* before the older .*dump-1\.json\.gz/);
		expect(warnings[0]).toContain('--keep-order');
	});

	it('--keep-order takes the last given as the newest', async () => {
		const result = await runCli(['report', copies[2]!, copies[0]!, copies[1]!, '--format', 'json', '--keep-order']);
		expect((JSON.parse(result.stdout) as ReportJson).total_count).toBe(counts.get(2));
		expect(warningLines(result.stderr)).toEqual([]);
	});
});

describe('diff and trend', () => {
	type DiffJson = {old: {file: string; total_count: number}; new: {file: string; total_count: number}};
	it('diff NEWEST OLDEST warns and compares oldest to newest', async () => {
		const result = await runCli(['diff', copies[2]!, copies[0]!, '--json']);
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout) as DiffJson;
		expect([json.old.total_count, json.new.total_count]).toEqual([counts.get(1), counts.get(3)]);
		expect(warningLines(result.stderr)).toHaveLength(1);

		const kept = JSON.parse((await runCli(['diff', copies[2]!, copies[0]!, '--json', '--keep-order'])).stdout) as DiffJson;
		expect([kept.old.total_count, kept.new.total_count]).toEqual([counts.get(3), counts.get(1)]);
	});

	it('trend takes the time order, and --sort still chooses explicitly', async () => {
		type TrendJson = {dumps: Array<{total_count: number}>};
		const given = [copies[1]!, copies[2]!, copies[0]!];
		const result = await runCli(['trend', ...given, '--json']);
		expect((JSON.parse(result.stdout) as TrendJson).dumps.map(d => d.total_count)).toEqual([1, 2, 3].map(n => counts.get(n)));
		expect(warningLines(result.stderr)).toHaveLength(1);
		const byName = await runCli(['trend', ...given, '--json', '--sort', 'name']);
		expect((JSON.parse(byName.stdout) as TrendJson).dumps.map(d => d.total_count)).toEqual([1, 2, 3].map(n => counts.get(n)));
		expect(warningLines(byName.stderr)).toEqual([]);
	});
});

describe('orderDumps', () => {
	it('keeps the order given for dumps of the same second, standard input, and --keep-order', () => {
		const same = mkdtempSync(join(tmpdir(), 'meliae-order-same-'));
		const files = [2, 1].map(n => {
			const file = join(same, `d${n}.json.gz`);
			copyFileSync(demo(n), file);
			utimesSync(file, day(5), new Date(day(5).getTime() + (n * 100)));
			return file;
		});
		expect(orderDumps(files)).toMatchObject({warning: undefined, dumps: files.map(file => ({file}))});
		expect(orderDumps([copies[2]!, '-']).warning).toBeUndefined();
		expect(orderDumps([copies[2]!, copies[0]!], true).dumps.map(d => d.file)).toEqual([copies[2], copies[0]]);
		expect(orderDumps([copies[2]!, copies[0]!]).dumps.map(d => d.file)).toEqual([copies[0], copies[2]]);
		rmSync(same, {recursive: true});
	});
});

const python = interpreters()[0];
describe.skipIf(python === undefined)('dumps with the dumper\'s sidecar', () => {
	it('the sidecar\'s time wins over the file time', async () => {
		const real = mkdtempSync(join(tmpdir(), 'meliae-order-real-'));
		const [first, second] = [join(real, 'a.json'), join(real, 'b.json')];
		// Two dumps of one process, two seconds apart, the second with 5000 more objects.
		const program = [
			'import sys, time, meliae_dump',
			'held = []',
			'meliae_dump.dump_all_objects(sys.argv[1])',
			'time.sleep(2.1)',
			'held.extend(object() for _ in range(5000))',
			'meliae_dump.dump_all_objects(sys.argv[2])',
		].join('\n');
		const made = await run(python!.exe, ['-c', program, first, second], {env: {...process.env, PYTHONPATH: pythonDir}, timeoutMs: 60_000});
		expect(made.code, made.stderr).toBe(0);
		expect(existsSync(`${first}.meta.json`)).toBe(true);
		const times = [first, second].map(file => (JSON.parse(readFileSync(`${file}.meta.json`, 'utf8')) as {time: string}).time);
		expect(times[0]! < times[1]!).toBe(true);
		// File times saying the opposite.
		utimesSync(first, day(9), day(9));
		utimesSync(second, day(8), day(8));

		type TrendJson = {dumps: Array<{file: string}>};
		const inOrder = await runCli(['trend', first, second, '--json']);
		expect((JSON.parse(inOrder.stdout) as TrendJson).dumps.map(d => d.file)).toEqual([first, second]);
		expect(warningLines(inOrder.stderr)).toEqual([]);
		const reversed = await runCli(['trend', second, first, '--json']);
		expect((JSON.parse(reversed.stdout) as TrendJson).dumps.map(d => d.file)).toEqual([first, second]);
		expect(warningLines(reversed.stderr)[0]).toContain('dump time');
		rmSync(real, {recursive: true});
	}, 90_000);
});

describe.skipIf(!hasTmux())('the explorer', () => {
	let session: TmuxSession | undefined;
	afterAll(() => {
		session?.kill();
	});

	it('given newest first, opens the newest and says it reordered them', async () => {
		if (!existsSync(cli)) {
			execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {stdio: 'inherit'});
		}

		session = new TmuxSession('order', 80, 24, {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', TERM: 'xterm-256color', PS1: 'e2e$ '});
		await session.waitFor('e2e$');
		session.type(`CI=false sh ${cli} ${copies[2]!} ${copies[0]!}; echo "EXIT=$?"`);
		session.keys('Enter');
		const screen = await session.waitFor('> Summary');
		// The breadcrumb starts with the dump explored: the newest.
		expect(screen.split('\n')[0]).toMatch(/^dump-3\.json\.gz\b/);
		session.type('q');
		const after = await session.waitFor(/^EXIT=0$/m);
		// The line wraps at 80 columns.
		expect(after.replaceAll('\n', '')).toMatch(/warning: .*dump-3\.json\.gz .* before the older .*dump-1\.json\.gz/);
	}, 60_000);
});
