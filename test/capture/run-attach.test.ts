/**
 * `meliae-tui run` + a signal, and `meliae-tui attach`, against live Python
 * processes: the process keeps running with its output unchanged, and the
 * dump is complete.
 */

import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {delimiter, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {loadDump} from '../../source/core/dump/load.js';
import {cliPath, NODE_FLAGS} from '../helpers/cli.js';
import {attachBlocker, checkDump, type Interpreter, interpreters, Live, programsDir, pythonDir, readDumpText, scratchDir, waitForFile, startPerTest} from './python.js';

const target = join(programsDir, 'echo_target.py');
const start = startPerTest();

/** The dump holds the target's marker and its 5000 strings, and loads cleanly. */
async function expectCompleteDump(file: string, marker: string): Promise<void> {
	const dump = checkDump(readDumpText(file));
	expect(dump.duplicates).toBe(0);
	expect(dump.dangling).toBe(0);
	expect(dump.lines.some(line => line.value === `marker-${marker}`)).toBe(true);
	expect(dump.lines.filter(line => typeof line.value === 'string' && /^item \d+ of the target$/.test(line.value)).length).toBe(5000);
	const meta = JSON.parse(readFileSync(`${file}.meta.json`, 'utf8')) as {objects: number};
	expect(dump.lines.length).toBe(meta.objects);
	const {problems} = await loadDump(file, {workers: 0});
	expect(problems.malformedLines).toBe(0);
	expect(problems.unresolvedReferences).toBe(0);
}

/** Feed two lines before and one after `during`, then stop; the output must be exact. */
async function exercise(process_: Live, during: () => Promise<void>): Promise<void> {
	await process_.waitFor(p => p.stdout.includes('ready\n'), 'ready');
	await process_.send('a');
	await process_.send('b');
	await process_.waitFor(p => p.stdout.includes('echo b\n'), 'echo b');
	await during();
	await process_.send('c');
	await process_.waitFor(p => p.stdout.includes('echo c\n'), 'echo c after the dump');
	await process_.send('stop');
}

const found = interpreters();

describe('meliae-tui python-path', () => {
	it('prints the directory holding meliae_dump.py', async () => {
		const result = start(process.execPath, [...NODE_FLAGS, cliPath, 'python-path']);
		expect((await result.exited).code).toBe(0);
		expect(result.stdout).toBe(`${pythonDir}\n`);
		expect(existsSync(join(pythonDir, 'meliae_dump.py'))).toBe(true);
	});
});

describe.skipIf(found.length === 0)('the sitecustomize hook', () => {
	it('installs its handler and still runs the sitecustomize it shadows', async () => {
		const user = scratchDir();
		writeFileSync(join(user, 'sitecustomize.py'), 'import builtins\nbuiltins.USER_SITE_HOOK = 42\n');
		const code = [
			'import builtins, signal, sys',
			'h = signal.getsignal(signal.SIGUSR1)',
			'print(getattr(builtins, "USER_SITE_HOOK", None), getattr(h, "__name__", h), sys.modules["sitecustomize"].__file__)',
		].join('; ');
		const env = {...process.env, PYTHONPATH: [join(pythonDir, 'meliae_hook'), pythonDir, user].join(delimiter), MELIAE_DUMP_SIGNAL: 'USR1', MELIAE_DUMP_DIR: user};
		const python = start(found[0]!.exe, ['-c', code], env);
		expect((await python.exited).code).toBe(0);
		expect(python.stdout).toBe(`42 dump_on_signal ${join(user, 'sitecustomize.py')}\n`);
		expect(python.stderr).toBe('');
	});
});

describe.skipIf(found.length === 0)('meliae-tui run', () => {
	it('dumps on SIGUSR2, passes the output through and returns the exit code', async () => {
		const python = found[0]!;
		const dir = join(scratchDir(), 'dumps');
		const marker = `run-${Date.now()}`;
		const run = start(process.execPath, [...NODE_FLAGS, cliPath, 'run', '--dir', dir, '--', python.exe, target, marker, '7']);
		let pid = 0;
		await exercise(run, async () => {
			const match = /as pid (\d+)/.exec(run.stderr);
			expect(match).not.toBeNull();
			pid = Number(match![1]);
			expect(run.stderr).toContain(`kill -USR2 ${pid}`);
			process.kill(pid, 'SIGUSR2');
			await run.waitFor(p => p.stderr.includes('dump written:'), 'the dump report', 20_000);
		});
		const {code} = await run.exited;
		expect(code).toBe(7);
		expect(run.stdout).toBe('ready\necho a\necho b\necho c\nbye\n');
		const names = readdirSync(dir);
		const dumps = names.filter(name => name.endsWith('.json.gz'));
		expect(dumps.length).toBe(1);
		expect(dumps[0]).toMatch(new RegExp(`^meliae-${pid}-\\d{8}-\\d{6}\\.json\\.gz$`));
		expect(names).toContain(`${dumps[0]}.meta.json`);
		await expectCompleteDump(join(dir, dumps[0]!), marker);
	});

	it('passes SIGTERM on to the program', async () => {
		const python = found[0]!;
		const run = start(process.execPath, [...NODE_FLAGS, cliPath, 'run', '--dir', scratchDir(), '--', python.exe, target, 'term', '0']);
		await run.waitFor(p => p.stdout.includes('ready\n'), 'ready');
		run.child.kill('SIGTERM');
		const {code} = await run.exited;
		expect(code).toBe(128 + 15);
	});

	it('refuses a signal the program needs, and a missing command', async () => {
		const bad = start(process.execPath, [...NODE_FLAGS, cliPath, 'run', '--signal', 'KILL', '--', 'python3', '-c', 'pass']);
		expect((await bad.exited).code).toBe(2);
		expect(bad.stderr).toContain('--signal');
		const missing = start(process.execPath, [...NODE_FLAGS, cliPath, 'run', '--dir', scratchDir(), '--', 'no-such-program-here']);
		expect((await missing.exited).code).toBe(3);
		expect(missing.stderr).toContain('command not found');
	});
});

function attachCase(python: Interpreter, mode: 'idle' | 'threads'): void {
	it(`dumps a ${mode === 'idle' ? 'process blocked in read()' : 'process with busy threads'} (${python.label})`, async context => {
		const marker = `attach-${mode}-${Date.now()}`;
		const victim = start(python.exe, [target, marker, '5', ...(mode === 'threads' ? ['threads'] : [])]);
		await victim.waitFor(p => p.stdout.includes('ready\n'), 'ready');
		const blocker = await attachBlocker(python.exe, victim.pid);
		if (blocker !== undefined) {
			context.skip(`attach is not possible here: ${blocker}`);
			return;
		}

		const file = join(scratchDir(), 'attached.json.gz');
		await exercise(victim, async () => {
			const attach = start(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(victim.pid), '--out', file]);
			const {code} = await attach.exited;
			expect(attach.stderr).toMatch(/dumped process \d+ \(Python [\d.]+\) via (ptrace|gdb|remote_exec)/);
			expect(code).toBe(0);
			expect(attach.stdout).toBe(`${file}\n`);
			await waitForFile(`${file}.meta.json`);
		});
		const {code} = await victim.exited;
		expect(code).toBe(5);
		expect(victim.stdout).toBe('ready\necho a\necho b\necho c\nbye\n');
		expect(victim.stderr).toBe('');
		await expectCompleteDump(file, marker);
	});
}

describe.skipIf(found.length === 0 || process.platform !== 'linux')('meliae-tui attach', () => {
	for (const python of found) {
		attachCase(python, 'idle');
	}

	attachCase(found[0]!, 'threads');

	it('says why it cannot attach to a process that is not Python', async () => {
		const sleeper = start('sleep', ['30']);
		const attach = start(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(sleeper.pid), '--out', join(scratchDir(), 'x.json.gz')]);
		const {code} = await attach.exited;
		expect(code).toBe(3);
		expect(attach.stderr).toMatch(/^meliae-tui: cannot dump process \d+: .*not a Python process\n$/);
	});

	it('rejects a bad process id', async () => {
		const attach = start(process.execPath, [...NODE_FLAGS, cliPath, 'attach', 'nope']);
		expect((await attach.exited).code).toBe(2);
	});
});
