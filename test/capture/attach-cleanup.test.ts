/**
 * Every way an attach can fail leaves the target as it was: no mapping of
 * ours (the target has no read-write-execute mapping of its own), no extra
 * thread, no partial dump or sidecar, and a late dump never appears. The
 * error says what happened; Ctrl-C exits 130 saying what was cleaned up.
 */

import {spawn} from 'node:child_process';
import {chmodSync, existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it, type TestContext} from 'vitest';
import {cliPath, NODE_FLAGS} from '../helpers/cli.js';
import {attachBlocker, checkDump, interpreters, Live, programsDir, readDumpText, scratchDir, waitForFile, startPerTest} from './python.js';

const program = join(programsDir, 'attach_target.py');
const python = interpreters()[0];
const isRoot = process.getuid?.() === 0;
const systemPython = '/usr/bin/python3';
const start = startPerTest();

async function sleep(ms: number): Promise<void> {
	await new Promise(resolve => {
		setTimeout(resolve, ms);
	});
}

/** Read-write-execute mappings: the target makes none, our area is one. */
function rwxMappings(pid: number): string[] {
	return readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter(line => line.split(/\s+/)[1] === 'rwxp');
}

function threadCount(pid: number): number {
	return readdirSync(`/proc/${pid}/task`).length;
}

/** Wait (bounded) until the target has no mapping of ours and `threads` threads. */
async function expectRestored(pid: number, threads: number, withinMs = 3000): Promise<void> {
	const deadline = Date.now() + withinMs;
	while ((rwxMappings(pid).length > 0 || threadCount(pid) !== threads) && Date.now() < deadline) {
		// eslint-disable-next-line no-await-in-loop
		await sleep(20);
	}

	expect(rwxMappings(pid)).toEqual([]);
	expect(threadCount(pid)).toBe(threads);
}

async function startTarget(args: readonly string[]): Promise<{target: Live; threads: number}> {
	const target = start(python!.exe, [program, ...args]);
	await target.waitFor(p => p.stdout.includes('ready\n'), 'ready', 30_000);
	expect(rwxMappings(target.pid)).toEqual([]);
	return {target, threads: threadCount(target.pid)};
}

async function expectAlive(target: Live): Promise<void> {
	const before = target.stdout.split('pong\n').length;
	await target.send('ping');
	await target.waitFor(p => p.stdout.split('pong\n').length > before, 'pong');
}

function attach(pid: number, out: string, ...extra: string[]): Live {
	return start(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(pid), '--out', out, ...extra]);
}

/** Skip the test (vitest's context.skip throws) when this machine cannot attach to `pid`. */
async function requireAttach(context: TestContext, pid: number): Promise<void> {
	const blocker = await attachBlocker(python!.exe, pid);
	if (blocker !== undefined) {
		context.skip(`attach is not possible here: ${blocker}`);
	}
}

/** startTarget, for a test that is skipped where attach is not possible. */
async function attachableTarget(context: TestContext, args: readonly string[]): Promise<{target: Live; threads: number}> {
	const started = await startTarget(args);
	await requireAttach(context, started.target.pid);
	return started;
}

/** Have the target hold the GIL (`hold S`, or `hold-thread S` in another thread) and wait until it does. */
async function holdGil(target: Live, command: string): Promise<void> {
	await target.send(command);
	await target.waitFor(p => p.stdout.includes('holding\n'), 'holding');
}

/** Attach into a fresh directory and wait until the dump file appears. */
async function attachUntilWriting(pid: number, prefix: string, ...extra: string[]): Promise<{dir: string; run: Live}> {
	const dir = scratchDir(prefix);
	const file = join(dir, 'd.json.gz');
	const run = attach(pid, file, ...extra);
	await waitForFile(file);
	return {dir, run};
}

describe.skipIf(python === undefined || process.platform !== 'linux')('attach leaves nothing behind', () => {
	it('when the dump hits the file size limit', async context => {
		const {target, threads} = await attachableTarget(context, ['fsize', '200000', '65536']);
		const dir = scratchDir('meliae-attach-fsize-');
		const run = attach(target.pid, join(dir, 'd.json'));
		const {code} = await run.exited;
		expect(run.stderr).toMatch(/^meliae-tui: cannot dump process \d+: the dump failed inside the target: OSError: \[Errno 27\] File too large\n$/);
		expect(code).toBe(3);
		expect(readdirSync(dir)).toEqual([]);
		await expectRestored(target.pid, threads);
		await expectAlive(target);
	});

	it.skipIf(!isRoot || !existsSync(systemPython))(`when pthread_create fails in the target: we unmap the area ourselves${isRoot ? '' : ' (skipped: needs root to run the target as nobody)'}`, async context => {
		// RLIMIT_NPROC 1 for a user without privileges: no new thread.
		const target = start('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', systemPython, program, 'nproc', '100', '0', '1']);
		await target.waitFor(p => p.stdout.includes('ready\n'), 'ready');
		const threads = threadCount(target.pid);
		await requireAttach(context, target.pid);
		const dir = scratchDir('meliae-attach-nproc-');
		chmodSync(dir, 0o777);
		const run = attach(target.pid, join(dir, 'd.json.gz'));
		const {code} = await run.exited;
		expect(run.stderr).toBe(`meliae-tui: cannot dump process ${target.pid}: pthread_create in the target failed: Resource temporarily unavailable; our area was unmapped\n`);
		expect(code).toBe(3);
		expect(rwxMappings(target.pid)).toEqual([]);
		expect(threadCount(target.pid)).toBe(threads);
		expect(readdirSync(dir)).toEqual([]);
		await expectAlive(target);
	});

	it('when the target is killed during the dump', async context => {
		const {target} = await attachableTarget(context, ['killed', '1500000']);
		const {dir, run} = await attachUntilWriting(target.pid, 'meliae-attach-killed-');
		target.kill();
		const {code} = await run.exited;
		expect(run.stderr).toMatch(new RegExp(`^meliae-tui: cannot dump process ${target.pid}: process ${target.pid} exited during the dump; removed d\\.json\\.gz(, d\\.json\\.gz\\.meta\\.json)?\\n$`));
		expect(code).toBe(3);
		expect(readdirSync(dir)).toEqual([]);
	});

	it('when C code holds the GIL past --timeout: cancelled, and no late dump', async context => {
		const {target, threads} = await attachableTarget(context, ['gil']);
		await holdGil(target, 'hold 5');
		const dir = scratchDir('meliae-attach-gil-');
		const run = attach(target.pid, join(dir, 'd.json.gz'), '--timeout', '1.5');
		const {code} = await run.exited;
		expect(run.stderr).toContain('no dump after 1.5 s');
		expect(run.stderr).toContain('still waiting for the GIL; it will exit without writing anything');
		expect(code).toBe(3);
		expect(target.stdout).not.toContain('released');
		await target.waitFor(p => p.stdout.includes('released\n'), 'released', 15_000);
		await expectRestored(target.pid, threads);
		await sleep(500);
		expect(readdirSync(dir)).toEqual([]);
		await expectAlive(target);
		expect(readdirSync(dir)).toEqual([]);
	});

	it('gdb: when another thread holds the GIL past --timeout: cancelled, gdb detaches later, no late dump', async context => {
		const {target} = await attachableTarget(context, ['gdb-gil']);
		await holdGil(target, 'hold-thread 8');
		const dir = scratchDir('meliae-attach-gdb-gil-');
		const run = attach(target.pid, join(dir, 'd.json.gz'), '--method', 'gdb', '--timeout', '3');
		const {code} = await run.exited;
		// On a loaded machine gdb may still be attaching after 3 s: then it is stopped before any call.
		expect(run.stderr).toMatch(/^meliae-tui: cannot dump process \d+: no dump after 3 s \(is the GIL held by C code that never releases it\?\); cancelled: (gdb is still waiting for the GIL in the target; the dump is cancelled and gdb detaches when it gets the GIL|gdb detached before running anything)\n$/);
		expect(code).toBe(3);
		expect(target.stdout).not.toContain('released');
		await target.waitFor(p => p.stdout.includes('released\n'), 'released', 15_000);
		const deadline = Date.now() + 10_000;
		while (/^TracerPid:\s+[1-9]/m.test(readFileSync(`/proc/${target.pid}/status`, 'utf8')) && Date.now() < deadline) {
			// eslint-disable-next-line no-await-in-loop
			await sleep(50);
		}

		expect(readFileSync(`/proc/${target.pid}/status`, 'utf8')).toMatch(/^TracerPid:\s+0$/m);
		await expectAlive(target);
		expect(readdirSync(dir)).toEqual([]);
	});

	it('when interrupted while the thread waits for the GIL: 130, and it says what it cleaned up', async context => {
		const {target, threads} = await attachableTarget(context, ['int-gil']);
		await holdGil(target, 'hold 5');
		const dir = scratchDir('meliae-attach-int-');
		const run = attach(target.pid, join(dir, 'd.json.gz'));
		const deadline = Date.now() + 5000;
		while (rwxMappings(target.pid).length === 0 && Date.now() < deadline) {
			// eslint-disable-next-line no-await-in-loop
			await sleep(10);
		}

		expect(rwxMappings(target.pid).length).toBe(1);
		run.child.kill('SIGINT');
		const {code} = await run.exited;
		expect(run.stderr).toMatch(/^meliae-tui: attach to process \d+ interrupted: cancelled: the injected thread is still waiting for the GIL; it will exit without writing anything and unmap its area when it gets it\n$/);
		expect(code).toBe(130);
		await target.waitFor(p => p.stdout.includes('released\n'), 'released', 15_000);
		await expectRestored(target.pid, threads);
		await sleep(500);
		expect(readdirSync(dir)).toEqual([]);
		await expectAlive(target);
	});

	it('when interrupted during the dump: the partial files are removed', async context => {
		const {target, threads} = await attachableTarget(context, ['int-dump', '1500000']);
		const {dir, run} = await attachUntilWriting(target.pid, 'meliae-attach-int-');
		run.child.kill('SIGINT');
		const {code} = await run.exited;
		expect(run.stderr).toMatch(/^meliae-tui: attach to process \d+ interrupted: cancelled: the injected thread exited and unmapped its area\n$/);
		expect(code).toBe(130);
		expect(readdirSync(dir)).toEqual([]);
		await expectRestored(target.pid, threads);
		await expectAlive(target);
	});

	it('gdb: when interrupted during the dump: cancelled, files removed, gdb detached', async context => {
		const {target} = await attachableTarget(context, ['gdb-int', '1500000']);
		const {dir, run} = await attachUntilWriting(target.pid, 'meliae-attach-gdb-int-', '--method', 'gdb');
		run.child.kill('SIGINT');
		const {code} = await run.exited;
		expect(run.stderr).toMatch(/^meliae-tui: attach to process \d+ interrupted: cancelled: gdb detached\n$/);
		expect(code).toBe(130);
		expect(readdirSync(dir)).toEqual([]);
		expect(readFileSync(`/proc/${target.pid}/status`, 'utf8')).toMatch(/^TracerPid:\s+0$/m);
		await expectAlive(target);
	});

	it('when Ctrl-C reaches the whole process group during the dump', async context => {
		const {target, threads} = await attachableTarget(context, ['int-group', '1500000']);
		const dir = scratchDir('meliae-attach-group-');
		const file = join(dir, 'd.json.gz');
		// Its own process group, as a shell gives a foreground job.
		const child = spawn(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(target.pid), '--out', file], {detached: true, stdio: ['ignore', 'pipe', 'pipe']});
		let stderr = '';
		child.stderr.setEncoding('utf8').on('data', (data: string) => {
			stderr += data;
		});
		const exited = new Promise<number | null>(resolve => {
			child.on('close', code => {
				resolve(code);
			});
		});
		await waitForFile(file);
		process.kill(-child.pid!, 'SIGINT');
		expect(await exited).toBe(130);
		expect(stderr).toMatch(/^meliae-tui: attach to process \d+ interrupted: cancelled: the injected thread exited and unmapped its area\n$/);
		expect(readdirSync(dir)).toEqual([]);
		await expectRestored(target.pid, threads);
		await expectAlive(target);
	});

	// (The gdb path uses the same flag, but its own calls take seconds on a loaded machine.)
	it('ptrace: --timeout bounds the wait for the dump to start, not a dump that has started', async context => {
		const {target, threads} = await attachableTarget(context, ['long', '1000000']);
		const file = join(scratchDir('meliae-attach-long-'), 'd.json.gz');
		const started = Date.now();
		const run = attach(target.pid, file, '--method', 'ptrace', '--timeout', '1');
		const {code} = await run.exited;
		expect(run.stderr).toMatch(new RegExp(`^meliae-tui: dumped process ${target.pid} \\(Python [\\d.]+\\) via ptrace: `));
		expect(code).toBe(0);
		// The dump itself took longer than the timeout.
		const meta = JSON.parse(readFileSync(`${file}.meta.json`, 'utf8')) as {dump_seconds: number; objects: number};
		expect(meta.dump_seconds).toBeGreaterThan(1);
		expect(Date.now() - started).toBeGreaterThan(1000);
		expect(checkDump(readDumpText(file)).lines.length).toBe(meta.objects);
		await expectRestored(target.pid, threads);
	});

	it('and a dump that succeeds leaves no mapping or thread either', async context => {
		const {target, threads} = await attachableTarget(context, ['ok', '3000']);
		const file = join(scratchDir('meliae-attach-ok-'), 'd.json.gz');
		const run = attach(target.pid, file);
		expect((await run.exited).code).toBe(0);
		expect(rwxMappings(target.pid)).toEqual([]);
		await expectRestored(target.pid, threads);
		const dump = checkDump(readDumpText(file));
		expect(dump.lines.filter(line => typeof line.value === 'string' && /^item \d+ of the target$/.test(line.value)).length).toBe(3000);
		expect(existsSync(`${file}.meta.json`)).toBe(true);
	});
});
