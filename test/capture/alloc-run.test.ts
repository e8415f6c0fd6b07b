/**
 * Allocation sites from real processes: a service that leaks at a known
 * line, run under `meliae-tui run --tracemalloc` and dumped by signal, and
 * attached to with tracemalloc on and off. The service reports the line
 * from its own source and the addresses of what it leaked.
 */

import {existsSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {cliPath, runCli, NODE_FLAGS} from '../helpers/cli.js';
import {attachBlocker, interpreters, Live, programsDir, scratchDir} from './python.js';

const service = join(programsDir, 'alloc_service.py');
const live: Live[] = [];

afterEach(() => {
	for (const process_ of live.splice(0)) {
		process_.kill();
	}
});

function start(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Live {
	const process_ = new Live(command, args, env);
	live.push(process_);
	return process_;
}

type Site = {file: string; line: number; function: string};

async function siteOf(process_: Live): Promise<{site: Site; tracing: boolean}> {
	await process_.waitFor(p => p.stdout.includes('ready\n'), 'ready');
	const match = /^site (.+) (\d+) (\w+)$/m.exec(process_.stdout)!;
	return {
		site: {file: match[1]!, line: Number(match[2]), function: match[3]!},
		tracing: /^tracing True$/m.test(process_.stdout),
	};
}

/** Ask the service to leak `count` Requests; their addresses. */
async function leak(process_: Live, count: number): Promise<number[]> {
	const before = (process_.stdout.match(/^leaked /gm) ?? []).length;
	await process_.send(`leak ${count}`);
	await process_.waitFor(p => (p.stdout.match(/^leaked .*\n/gm) ?? []).length > before, 'leaked');
	const lines = process_.stdout.match(/^leaked (.*)$/gm)!;
	return lines[before]!.slice('leaked '.length).split(' ').map(Number);
}

type ShowJson = {type: string; allocated_at?: Array<{file: string; line: number; function?: string}> | null};

const found = interpreters();

describe.skipIf(found.length === 0)('run --tracemalloc', () => {
	it('writes allocation sites beside each dump; show and diff name the leaking line', async () => {
		const python = found[0]!;
		const dir = join(scratchDir(), 'dumps');
		const run = start(process.execPath, [...NODE_FLAGS, cliPath, 'run', '--tracemalloc', '--dir', dir, '--', python.exe, service]);
		const {site, tracing} = await siteOf(run);
		expect(tracing).toBe(true);
		const pid = Number(/as pid (\d+)/.exec(run.stderr)![1]);
		const dumps: string[] = [];
		const dump = async (): Promise<void> => {
			process.kill(pid, 'SIGUSR2');
			await run.waitFor(p => (p.stderr.match(/dump written: /g) ?? []).length > dumps.length, 'a dump', 60_000);
			dumps.push(/dump written: (\S+) /.exec(run.stderr.split('\n').filter(line => line.includes('dump written: ')).at(-1)!)![1]!);
		};

		await dump();
		const leaked = await leak(run, 300);
		await dump();
		await leak(run, 100);
		await dump();
		await run.send('stop');
		expect((await run.exited).code).toBe(0);
		expect(run.stderr).not.toContain('no allocation sites');

		for (const file of dumps) {
			const sidecar = `${file}.alloc.json.gz`;
			expect(existsSync(sidecar)).toBe(true);
			expect(statSync(sidecar).mode & 0o777).toBe(0o600);
			const meta = JSON.parse(readFileSync(`${file}.meta.json`, 'utf8')) as {tracemalloc: {tracing: boolean; frames: number; sidecar: string}};
			expect(meta.tracemalloc).toMatchObject({tracing: true, frames: 1});
		}

		// Every leaked Request was allocated at the leaking line.
		for (const address of [leaked[0]!, leaked[150]!, leaked.at(-1)!]) {
			const shown = await runCli(['show', dumps[2]!, String(address), '--json', '--quiet']);
			expect(shown.code).toBe(0);
			const json = JSON.parse(shown.stdout) as ShowJson;
			expect(json.type).toBe('Request');
			expect(json.allocated_at).toEqual([{file: site.file, line: site.line, function: site.function}]);
		}

		const text = await runCli(['show', dumps[2]!, String(leaked[0]), '--quiet']);
		expect(text.stdout).toContain(`allocated at ${site.file}:${site.line} in ${site.function}\n`);

		const diff = await runCli(['diff', ...dumps, '--json', '--keep-order', '--quiet'], {timeoutMs: 60_000});
		expect(diff.code).toBe(0);
		const {candidates} = JSON.parse(diff.stdout) as {candidates: Array<{type: string; count: number; allocated_at?: ShowJson['allocated_at']}>};
		const requests = candidates.find(candidate => candidate.type === 'Request');
		expect(requests?.count).toBe(300);
		expect(requests?.allocated_at).toEqual([{file: site.file, line: site.line, function: site.function}]);

		// The report names the leaking line among the candidates' allocation sites.
		const report = await runCli(['report', ...dumps, '--json', '--keep-order', '--quiet'], {timeoutMs: 60_000});
		expect(report.code).toBe(0);
		const sites = (JSON.parse(report.stdout) as {candidates: {allocation_sites: Array<{file: string; line: number; count: number}>}}).candidates.allocation_sites;
		const leakingLine = sites.find(entry => entry.file === site.file && entry.line === site.line);
		expect(leakingLine?.count).toBe(300);
		const reportText = await runCli(['report', ...dumps, '--keep-order', '--quiet'], {timeoutMs: 60_000});
		expect(reportText.stdout).toMatch(new RegExp(`300 objects \\([^)]*\\) at ${site.file.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${site.line} in ${site.function}`));
	}, 180_000);
});

describe.skipIf(found.length === 0 || process.platform !== 'linux')('attach and allocation sites', () => {
	it('gets the sidecar from a process that traces allocations', async context => {
		const python = found[0]!;
		const target = start(python.exe, [service], {...process.env, PYTHONTRACEMALLOC: '1'});
		const {site, tracing} = await siteOf(target);
		expect(tracing).toBe(true);
		const blocker = await attachBlocker(python.exe, target.pid);
		if (blocker !== undefined) {
			context.skip(`attach is not possible here: ${blocker}`);
			return;
		}

		const leaked = await leak(target, 50);
		const file = join(scratchDir(), 'traced.json.gz');
		const attach = await runCli(['attach', String(target.pid), '--out', file], {timeoutMs: 120_000});
		expect(attach.code).toBe(0);
		expect(attach.stderr).not.toContain('no allocation sites');
		expect(existsSync(`${file}.alloc.json.gz`)).toBe(true);
		const shown = await runCli(['show', file, String(leaked[7]), '--json', '--quiet']);
		expect((JSON.parse(shown.stdout) as ShowJson).allocated_at).toEqual([{file: site.file, line: site.line, function: site.function}]);
		await target.send('stop');
		expect((await target.exited).code).toBe(0);
	}, 180_000);

	it('writes no sidecar for a process without tracemalloc, and says so once', async context => {
		const python = found[0]!;
		const env = {...process.env};
		delete env['PYTHONTRACEMALLOC'];
		const target = start(python.exe, [service], env);
		const {tracing} = await siteOf(target);
		expect(tracing).toBe(false);
		const blocker = await attachBlocker(python.exe, target.pid);
		if (blocker !== undefined) {
			context.skip(`attach is not possible here: ${blocker}`);
			return;
		}

		const leaked = await leak(target, 5);
		const file = join(scratchDir(), 'untraced.json.gz');
		const attach = await runCli(['attach', String(target.pid), '--out', file], {timeoutMs: 120_000});
		expect(attach.code).toBe(0);
		expect(existsSync(file)).toBe(true);
		expect(existsSync(`${file}.alloc.json.gz`)).toBe(false);
		expect(attach.stderr.match(/no allocation sites/g)).toHaveLength(1);
		expect(attach.stderr).toContain('--tracemalloc');
		const shown = await runCli(['show', file, String(leaked[2]), '--json', '--quiet']);
		expect(shown.code).toBe(0);
		const json = JSON.parse(shown.stdout) as ShowJson;
		expect(json.type).toBe('Request');
		expect('allocated_at' in json).toBe(false);
		await target.send('stop');
		expect((await target.exited).code).toBe(0);
	}, 180_000);

	it('run without --tracemalloc says once that dumps have no allocation sites', async () => {
		const python = found[0]!;
		const env = {...process.env};
		delete env['PYTHONTRACEMALLOC'];
		const dir = join(scratchDir(), 'dumps');
		const run = start(process.execPath, [...NODE_FLAGS, cliPath, 'run', '--dir', dir, '--', python.exe, service], env);
		await siteOf(run);
		const pid = Number(/as pid (\d+)/.exec(run.stderr)![1]);
		for (let k = 1; k <= 2; k++) {
			process.kill(pid, 'SIGUSR2');
			// eslint-disable-next-line no-await-in-loop
			await run.waitFor(p => (p.stderr.match(/dump written: /g) ?? []).length >= k, 'a dump', 60_000);
		}

		await run.send('stop');
		expect((await run.exited).code).toBe(0);
		expect(run.stderr.match(/no allocation sites/g)).toHaveLength(1);
	}, 180_000);
});
