/**
 * What attach says when it cannot start: each refusal names the cause and
 * what to do, in one line, with exit code 3.
 */

import {existsSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cliPath, NODE_FLAGS} from '../helpers/cli.js';
import {findPython2} from '../helpers/python2.js';
import {interpreters, programsDir, scratchDir, startPerTest} from './python.js';

const python = interpreters()[0];

const python2 = findPython2();
const isRoot = process.getuid?.() === 0;
const start = startPerTest();

/** As nobody when we are root (the refusal needs a target of our own uid that is not dumpable). */
function asSameUser(args: readonly string[]): [string, string[]] {
	return isRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...args]] : [args[0]!, args.slice(1)];
}

async function attachError(pid: number, ...args: string[]): Promise<string> {
	const attach = start(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(pid), ...args]);
	expect((await attach.exited).code).toBe(3);
	expect(attach.stdout).toBe('');
	return attach.stderr;
}

describe.skipIf(python === undefined || process.platform !== 'linux')('attach refusals', () => {
	it('--out naming a directory says it is a directory', async () => {
		const target = start(python!.exe, [join(programsDir, 'attach_target.py'), 'dir']);
		await target.waitFor(p => p.stdout.includes('ready\n'), 'ready');
		const dir = scratchDir('meliae-attach-dir-');
		expect(await attachError(target.pid, '--out', dir)).toBe(`meliae-tui: cannot dump process ${target.pid}: ${dir} is a directory: --out names the dump file to create\n`);
		expect(readdirSync(dir)).toEqual([]);
	});

	it('--method remote_exec on a target older than 3.14 names its version', async () => {
		const target = start(python!.exe, [join(programsDir, 'attach_target.py'), 'remote']);
		await target.waitFor(p => p.stdout.includes('ready\n'), 'ready');
		const [major, minor] = python!.version.split('.');
		const out = join(scratchDir(), 'd.json.gz');
		expect(await attachError(target.pid, '--out', out, '--method', 'remote_exec')).toBe(`meliae-tui: cannot dump process ${target.pid}: the target is Python ${major}.${minor}, not 3.14 or newer\n`);
		expect(existsSync(out)).toBe(false);
	});

	it.skipIf(python2 === undefined)(`a Python 2 target: not supported, and meliae itself works there${python2 === undefined ? ' (skipped: no Python 2 found; set MELIAE_TEST_PYTHON2)' : ''}`, async () => {
		const target = start(python2!, ['-c', 'import sys, time; sys.stdout.write("ready\\n"); sys.stdout.flush(); time.sleep(60)']);
		await target.waitFor(p => p.stdout.includes('ready\n'), 'ready');
		expect(await attachError(target.pid, '--out', join(scratchDir(), 'd.json.gz'))).toBe(`meliae-tui: cannot dump process ${target.pid}: process ${target.pid} runs Python 2, which attach does not support; meliae's own scanner (meliae.scanner.dump_all_objects) writes the same format there\n`);
	});

	it('a target of our own uid that is not dumpable says so and how to allow it', async () => {
		const code = 'import ctypes, time; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); print("ready", flush=True); time.sleep(60)';
		const [command, args] = asSameUser([python!.exe, '-c', code]);
		const target = start(command, args);
		await target.waitFor(p => p.stdout.includes('ready\n'), 'ready');
		const [attachCommand, attachArgs] = asSameUser([process.execPath, ...NODE_FLAGS, cliPath, 'attach', String(target.pid), '--out', join(scratchDir(), 'd.json.gz')]);
		const attach = start(attachCommand, attachArgs);
		expect((await attach.exited).code).toBe(3);
		expect(attach.stderr).toBe(`meliae-tui: cannot dump process ${target.pid}: process ${target.pid} is not dumpable (it called prctl(PR_SET_DUMPABLE, 0) or changed its credentials): attach as root or with CAP_SYS_PTRACE\n`);
	});
});
