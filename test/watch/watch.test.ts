/**
 * `meliae-tui watch` against live Python services that leak on a timer:
 * the JSON lines are checked against what the service recorded, the leak is
 * found and named with its owner, old dumps are deleted, the disk budget
 * stops capturing, a target that exits ends watching, Ctrl-C leaves only
 * complete dumps, and `watch -- python app.py` does the same by signal.
 */

import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {loadDump} from '../../source/core/dump/load.js';
import {cliPath, runCli, NODE_FLAGS} from '../helpers/cli.js';
import {Live, scratchDir} from '../capture/python.js';

const service = new URL('programs/leaky_service.py', import.meta.url).pathname;
const live: Live[] = [];

afterEach(() => {
	for (const process_ of live.splice(0)) {
		process_.kill();
	}
});

type Line = {
	time: string;
	dump: string;
	rss: number | null;
	objects: number;
	pause_ms: number | null;
	growing: Array<{type: string; counts: number[]; sizes: number[]}>;
	candidates: Array<{type: string; count: number; owner: Array<{type: string; name: string | null}>}>;
};

/** Start the leaking service: PER_TICK objects every 0.2 s, each total recorded in `record`. */
async function startService(record: string, perTick: number, lifetimeSeconds: number): Promise<Live> {
	const process_ = new Live('python3', [service, String(perTick), record, String(lifetimeSeconds)]);
	live.push(process_);
	await process_.waitFor(p => p.stdout.includes('ready'), 'the service to start');
	return process_;
}

/** Every total the service ever had (the leaked list only grows). */
function recordedTotals(record: string): Set<number> {
	return new Set(readFileSync(record, 'utf8').trim().split('\n').map(line => Number(line.split(' ')[1])));
}

function jsonLines(stdout: string): Line[] {
	return stdout.trim().split('\n').filter(line => line !== '').map(line => JSON.parse(line) as Line);
}

function dumpsIn(dir: string): string[] {
	return readdirSync(dir).filter(name => name.endsWith('.json.gz')).sort();
}

/** The number of `Leaked` objects in each dump, from the JSON lines' trends (the last line covers the kept dumps). */
function leakedCounts(lines: readonly Line[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const line of lines) {
		const row = line.growing.find(item => item.type === 'Leaked');
		if (row !== undefined) {
			counts.set(line.dump, row.counts.at(-1)!);
		}
	}

	return counts;
}

describe('meliae-tui watch PID', () => {
	it('finds the leak by itself, names its type and owner, and writes a report (--until-growing 3)', async () => {
		const dir = scratchDir('meliae-watch-');
		const record = join(dir, 'record.txt');
		const target = await startService(record, 200, 60);
		const watchDir = join(dir, 'dumps');
		const result = await runCli(['watch', String(target.pid), '--json', '--every', '1', '--until-growing', '3', '--dir', watchDir], {timeoutMs: 60_000});
		expect(result.code, result.stderr).toBe(0);
		const lines = jsonLines(result.stdout);
		expect(lines.length).toBeGreaterThanOrEqual(4);
		const truth = recordedTotals(record);
		const counts = leakedCounts(lines);
		// From the second dump on, Leaked grew at every step; each count is one the service had.
		expect(counts.size).toBe(lines.length - 1);
		for (const count of counts.values()) {
			expect(truth.has(count)).toBe(true);
		}

		for (const [index, line] of lines.entries()) {
			expect(line.objects).toBeGreaterThan(0);
			expect(line.rss).toBeGreaterThan(0);
			expect(line.pause_ms).toBeGreaterThanOrEqual(0);
			expect(existsSync(line.dump)).toBe(true);
			if (index < 2) {
				expect(line.candidates).toEqual([]);
				continue;
			}

			// diff A B C: the Leaked objects new in B (added between A and B) and still in C, held by the global list.
			const leaked = line.candidates.find(group => group.type === 'Leaked');
			expect(leaked).toBeDefined();
			const [a, b] = [lines[index - 2]!, lines[index - 1]!];
			const countA = index - 2 === 0 ? line.growing.find(row => row.type === 'Leaked')!.counts[0]! : counts.get(a.dump)!;
			expect(leaked!.count).toBe(counts.get(b.dump)! - countA);
			expect(leaked!.owner.map(owner => owner.type).slice(0, 2)).toEqual(['list', 'module']);
			expect(leaked!.owner[1]!.name).toBe('__main__');
		}

		expect(result.stderr).toMatch(/: Leaked grew at 3 steps in a row .*held by list@0x[\da-f]+ ← module\(?.*__main__/);
		const report = readFileSync(join(watchDir, 'report.txt'), 'utf8');
		expect(report).toContain(lines.at(-1)!.dump);
		expect(statSync(watchDir).mode & 0o777).toBe(0o700);
	}, 90_000);

	it('--keep 2 leaves exactly the last 2 dumps', async () => {
		const dir = scratchDir('meliae-watch-');
		const target = await startService(join(dir, 'record.txt'), 100, 60);
		const watchDir = join(dir, 'dumps');
		const result = await runCli(['watch', String(target.pid), '--json', '--every', '1', '--until-growing', '3', '--keep', '2', '--dir', watchDir], {timeoutMs: 60_000});
		expect(result.code, result.stderr).toBe(0);
		const lines = jsonLines(result.stdout);
		expect(lines.length).toBeGreaterThanOrEqual(4);
		const kept = dumpsIn(watchDir).map(name => join(watchDir, name));
		expect(kept).toEqual(lines.slice(-2).map(line => line.dump).sort());
		for (const file of kept) {
			expect(existsSync(`${file}.meta.json`)).toBe(true);
		}

		expect(readdirSync(watchDir).filter(name => name.endsWith('.meta.json')).length).toBe(2);
	}, 90_000);

	it('stops capturing when --max-disk would be passed, and says so', async () => {
		const dir = scratchDir('meliae-watch-');
		const target = await startService(join(dir, 'record.txt'), 100, 60);
		const watchDir = join(dir, 'dumps');
		const result = await runCli(['watch', String(target.pid), '--json', '--every', '1', '--max-disk', '2M', '--dir', watchDir], {timeoutMs: 60_000});
		expect(result.code, result.stderr).toBe(1);
		expect(result.stderr).toMatch(/--max-disk 2\.0 MiB reached: .* stopped capturing/);
		const lines = jsonLines(result.stdout);
		expect(lines.length).toBeGreaterThanOrEqual(1);
		let bytes = 0;
		for (const name of readdirSync(watchDir)) {
			bytes += statSync(join(watchDir, name)).size;
		}

		expect(bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
		expect(dumpsIn(watchDir).length).toBe(lines.length);
		// The service is still running: only capturing stopped.
		expect(target.child.exitCode).toBeNull();
	}, 90_000);

	it('ends with exit 3 and one clear line when the target exits', async () => {
		const dir = scratchDir('meliae-watch-');
		const target = await startService(join(dir, 'record.txt'), 50, 3);
		const result = await runCli(['watch', String(target.pid), '--json', '--every', '1', '--dir', join(dir, 'dumps')], {timeoutMs: 60_000});
		expect(result.code, result.stderr).toBe(3);
		expect(result.stderr).toMatch(new RegExp(`process ${target.pid} is gone \\(.*\\); stopped watching after \\d+ dumps?\\n$`));
		expect(jsonLines(result.stdout).length).toBeGreaterThanOrEqual(1);
		for (const name of dumpsIn(join(dir, 'dumps'))) {
			expect(existsSync(join(dir, 'dumps', `${name}.meta.json`))).toBe(true);
		}
	}, 90_000);

	it('Ctrl-C ends with 130 and leaves complete dumps only', async () => {
		const dir = scratchDir('meliae-watch-');
		// Many objects: each dump takes a while, so the interrupt can fall in one.
		const target = await startService(join(dir, 'record.txt'), 20_000, 60);
		const watchDir = join(dir, 'dumps');
		const watcher = new Live(process.execPath, [...NODE_FLAGS, cliPath, 'watch', String(target.pid), '--json', '--every', '0.2', '--dir', watchDir]);
		live.push(watcher);
		await watcher.waitFor(p => p.stdout.split('\n').length >= 3, 'two dumps', 60_000);
		watcher.child.kill('SIGINT');
		const {code} = await watcher.exited;
		expect(code, watcher.stderr).toBe(130);
		expect(watcher.stderr).toMatch(/interrupted; \d+ complete dumps? kept in /);
		const names = dumpsIn(watchDir);
		expect(names.length).toBeGreaterThanOrEqual(2);
		expect(readdirSync(watchDir).length).toBe(names.length * 2);
		for (const name of names) {
			// eslint-disable-next-line no-await-in-loop
			const {problems} = await loadDump(join(watchDir, name), {workers: 0});
			expect(problems.malformedLines).toBe(0);
		}
	}, 90_000);
});

describe('meliae-tui watch: bad input', () => {
	it('refuses a process that does not exist (exit 3) and bad options (exit 2), making no directory', async () => {
		const dir = scratchDir('meliae-watch-');
		const missing = await runCli(['watch', String((2 ** 31) - 2), '--dir', join(dir, 'a')]);
		expect(missing.code).toBe(3);
		expect(missing.stderr).toBe(`meliae-tui: no process ${(2 ** 31) - 2}\n`);
		for (const [args, message] of [
			[['--every', '0'], '--every needs a number of seconds above 0'],
			[['--keep', '0'], '--keep needs a whole number of dumps, 1 or more'],
			[['--max-disk', '2Q'], '--max-disk needs a size such as 500M or 2G, not "2Q"'],
			[['--until-growing', '1.5'], '--until-growing needs a whole number of steps, 1 or more'],
		] as const) {
			// eslint-disable-next-line no-await-in-loop
			const result = await runCli(['watch', String(process.pid), '--dir', join(dir, 'b'), ...args]);
			expect(result.code).toBe(2);
			expect(result.stderr.split('\n')[0]).toBe(`meliae-tui: ${message}`);
		}

		expect(readdirSync(dir)).toEqual([]);
	});
});

describe('meliae-tui watch -- python app.py', () => {
	it('starts the program under the dump hook, finds the leak by signal, and ends the program', async () => {
		const dir = scratchDir('meliae-watch-');
		const record = join(dir, 'record.txt');
		const watchDir = join(dir, 'dumps');
		const result = await runCli(['watch', '--json', '--every', '1', '--until-growing', '3', '--dir', watchDir, '--', 'python3', service, '200', record, '60'], {timeoutMs: 60_000});
		expect(result.code, result.stderr).toBe(0);
		const pid = Number(/ready (\d+)/.exec(result.stderr)![1]);
		const lines = jsonLines(result.stdout);
		expect(lines.length).toBeGreaterThanOrEqual(4);
		const truth = recordedTotals(record);
		for (const count of leakedCounts(lines).values()) {
			expect(truth.has(count)).toBe(true);
		}

		for (const line of lines) {
			expect(line.dump).toContain(`meliae-${pid}-`);
			expect(line.pause_ms).toBeGreaterThan(0);
		}

		expect(result.stderr).toMatch(/: Leaked grew at 3 steps in a row .*held by list@0x[\da-f]+ ← module\(?.*__main__/);
		// The program was ended with watching.
		expect(() => process.kill(pid, 0)).toThrow();
	}, 90_000);

	it('with --tracemalloc names the line that allocated the leaked objects, in JSON and on stderr', async () => {
		const dir = scratchDir('meliae-watch-');
		const record = join(dir, 'record.txt');
		const watchDir = join(dir, 'dumps');
		// The line of the service that makes the Leaked objects, read from its source.
		const source = readFileSync(service, 'utf8').split('\n');
		const line = source.findIndex(text => text.includes('LEAKED.extend(Leaked(')) + 1;
		expect(line).toBeGreaterThan(0);
		const result = await runCli(['watch', '--json', '--tracemalloc', '--every', '1', '--until-growing', '3', '--dir', watchDir, '--', 'python3', service, '200', record, '60'], {timeoutMs: 80_000});
		expect(result.code, result.stderr).toBe(0);
		const lines = jsonLines(result.stdout);
		const groups = lines.flatMap(entry => (entry as unknown as {candidates: Array<{type: string; allocated_at?: Array<{file: string; line: number}> | null}>}).candidates)
			.filter(group => group.type === 'Leaked');
		expect(groups.length).toBeGreaterThan(0);
		for (const group of groups) {
			expect(group.allocated_at?.[0]).toMatchObject({file: service, line});
		}

		expect(result.stderr).toMatch(new RegExp(`: Leaked grew at 3 steps in a row .*held by list@0x[\\da-f]+ ← module.*, allocated at ${service.replaceAll('.', '\\.')}:${line}`));
	}, 120_000);

	it('finds the demo service\'s leak by itself: its owner and the line that allocated it', async () => {
		const dir = scratchDir('meliae-watch-');
		const demo = new URL('../../fixtures/demo/leaky_app.py', import.meta.url).pathname;
		const source = readFileSync(demo, 'utf8').split('\n');
		const lineOf = (text: string): number => source.findIndex(line => line.includes(text)) + 1;
		const result = await runCli(['watch', '--json', '--tracemalloc', '--every', '1', '--until-growing', '3', '--dir', join(dir, 'dumps'), '--', 'python3', demo, 'serve', '300'], {timeoutMs: 80_000});
		expect(result.code, result.stderr).toBe(0);
		// The demo leaks two ways; whichever is caught first, its owner and line must be right.
		const file = demo.replaceAll('.', '\\.');
		const caught = [
			new RegExp(`: Session grew at 3 steps in a row .*held by dict@0x[\\da-f]+ ← SessionCache@0x[\\da-f]+ ← module .*, allocated at ${file}:${lineOf('= Session(user_id')} in SessionCache\\.get`),
			new RegExp(`: LogEntry grew at 3 steps in a row .*held by collections\\.deque@0x[\\da-f]+ ← module .*, allocated at ${file}:${lineOf('self.history.append(LogEntry(')} in HistoryLogObserver\\.__call__`),
		];
		expect(caught.some(pattern => pattern.test(result.stderr)), result.stderr).toBe(true);
	}, 120_000);
});
