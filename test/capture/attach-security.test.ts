/**
 * attach never runs code anyone else controls with its own privileges:
 * the interpreter it runs is chosen by ownership, never the target's, and
 * it writes no file another user could swap before the target runs it.
 * The two exploits need root (the attacher as root, the attackers as
 * nobody); they are skipped with a message elsewhere.
 */

import {chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, writeFileSync} from 'node:fs';
import {execFileSync} from 'node:child_process';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {attacherPython, untrustedReason} from '../../source/commands/attach.js';
import {cliPath, NODE_FLAGS} from '../helpers/cli.js';
import {checkDump, interpreters, Live, programsDir, readDumpText, scratchDir, startPerTest} from './python.js';

const NOBODY = 65_534;
const isRoot = process.getuid?.() === 0;
const systemPython = '/usr/bin/python3';
const start = startPerTest();

/** As nobody, through setpriv (which execs: the pid is the program's). */
function startAsNobody(args: readonly string[]): Live {
	return start('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...args]);
}

/** A directory only root can write, that nobody can read and enter. */
function rootOnlyDir(prefix: string): string {
	const dir = scratchDir(prefix);
	chmodSync(dir, 0o755);
	return dir;
}

function environmentWithout(name: string): NodeJS.ProcessEnv {
	const env = {...process.env};
	delete env[name];
	return env;
}

function expectTargetDump(file: string, marker: string, items: number): void {
	const dump = checkDump(readDumpText(file));
	expect(dump.lines.some(line => line.value === `marker-${marker}`)).toBe(true);
	expect(dump.lines.filter(line => typeof line.value === 'string' && /^item \d+ of the target$/.test(line.value)).length).toBe(items);
}

describe('the interpreter that runs the attacher', () => {
	it('trusts a root-owned system binary', () => {
		expect(untrustedReason(realpathSync('/bin/sh'), 12_345)).toBeUndefined();
	});

	it('refuses a binary in a world-writable directory, or writable by its group', () => {
		const dir = scratchDir('meliae-trust-');
		const file = join(dir, 'python3');
		copyFileSync(realpathSync('/bin/true'), file);
		chmodSync(file, 0o755);
		chmodSync(dir, 0o777);
		expect(untrustedReason(file, process.geteuid!())).toBe(`${dir} is writable by everyone`);
		chmodSync(dir, 0o755);
		expect(untrustedReason(file, process.geteuid!())).toBeUndefined();
		chmodSync(file, 0o775);
		expect(untrustedReason(file, process.geteuid!())).toBe(`${file} is writable by its group`);
	});

	it.skipIf(!isRoot)('refuses a binary in a directory another user owns, and a pyvenv.cfg another user owns', () => {
		const base = rootOnlyDir('meliae-trust-');
		const bin = join(base, 'bin');
		mkdirSync(bin, {mode: 0o755});
		const file = join(bin, 'python3');
		copyFileSync(realpathSync('/bin/true'), file);
		chmodSync(file, 0o755);
		expect(untrustedReason(file, 0)).toBeUndefined();
		writeFileSync(join(base, 'pyvenv.cfg'), 'home = /usr/bin\n', {mode: 0o644});
		expect(untrustedReason(file, 0)).toBeUndefined();
		chownSync(join(base, 'pyvenv.cfg'), NOBODY, NOBODY);
		expect(untrustedReason(file, 0)).toBe(`${join(base, 'pyvenv.cfg')} is owned by uid ${NOBODY}`);
		chownSync(join(base, 'pyvenv.cfg'), 0, 0);
		chownSync(bin, NOBODY, NOBODY);
		expect(untrustedReason(file, 0)).toBe(`${bin} is owned by uid ${NOBODY}`);
	});

	it('skips an untrusted python3 on PATH and honours MELIAE_TUI_PYTHON', () => {
		const dir = scratchDir('meliae-trust-');
		const file = join(dir, 'python3');
		copyFileSync(realpathSync('/bin/true'), file);
		chmodSync(file, 0o755);
		chmodSync(dir, 0o777);
		const choice = attacherPython(process.pid, {PATH: dir});
		expect('python' in choice ? choice.python : choice.error).not.toBe(file);
		if ('error' in choice) {
			expect(choice.error).toContain(`${file} (${dir} is writable by everyone)`);
		}

		expect(attacherPython(process.pid, {PATH: dir, MELIAE_TUI_PYTHON: '/opt/chosen/python3'})).toEqual({python: '/opt/chosen/python3'});
	});
});

const exploitSkip = !isRoot ? 'needs root (the attacher as root, the attacker as nobody)'
	: existsSync(systemPython) ? undefined : `needs ${systemPython}`;

describe('attach as root against code another user controls', () => {
	it.skipIf(exploitSkip !== undefined)(`runs none of the target's interpreter files: a .pth in its venv stays unrun${exploitSkip ? ` (skipped: ${exploitSkip})` : ''}`, async () => {
		const base = rootOnlyDir('meliae-venv-exploit-');
		const venv = join(base, 'venv');
		execFileSync(systemPython, ['-m', 'venv', '--copies', '--without-pip', venv], {stdio: 'ignore', timeout: 60_000});
		const lib = readdirSync(join(venv, 'lib')).find(name => name.startsWith('python3'));
		expect(lib).toBeDefined();
		// Written as root when the venv's interpreter runs as root.
		const ranAsRoot = join(base, 'marker-ran-as-root');
		writeFileSync(join(venv, 'lib', lib!, 'site-packages', 'zz-evil.pth'),
			`import os, sys; os.getuid() == 0 and open(${JSON.stringify(ranAsRoot)}, 'w').write(repr(sys.argv))\n`);
		execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, venv]);
		const program = join(base, 'echo_target.py');
		copyFileSync(join(programsDir, 'echo_target.py'), program);
		chmodSync(program, 0o644);
		const out = join(base, 'out');
		mkdirSync(out);
		chownSync(out, NOBODY, NOBODY);
		const marker = `venv-${Date.now()}`;
		const target = startAsNobody([join(venv, 'bin', 'python3'), program, marker, '0']);
		await target.waitFor(p => p.stdout.includes('ready\n'), 'ready');
		const file = join(out, 'dump.json.gz');
		const attach = start(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(target.pid), '--out', file], environmentWithout('MELIAE_TUI_PYTHON'));
		const {code} = await attach.exited;
		expect(existsSync(ranAsRoot)).toBe(false);
		expect(attach.stderr).toMatch(/dumped process \d+ \(Python [\d.]+\) via ptrace/);
		expect(code).toBe(0);
		expectTargetDump(file, marker, 5000);
		await target.send('stop');
		expect((await target.exited).code).toBe(0);
	});

	it.skipIf(exploitSkip !== undefined || interpreters().length === 0)(`gdb: a racer swapping every new file under /tmp cannot run code in the target${exploitSkip ? ` (skipped: ${exploitSkip})` : ''}`, async () => {
		const base = rootOnlyDir('meliae-gdb-exploit-');
		// Written by whatever a swapped file makes the (root) target run.
		const swappedRan = join(base, 'marker-swapped-code-ran');
		const racer = join(base, 'racer.py');
		writeFileSync(racer, `
import os, sys, time
evil = 'open(%r, "w").write("swapped")\\n' % sys.argv[1]
before = set(os.listdir('/tmp'))
print('watching', flush=True)
end = time.time() + 50
while time.time() < end:
    for name in os.listdir('/tmp'):
        if name in before or name.startswith('racer-swap-'):
            continue
        path = os.path.join('/tmp', name)
        paths = [path]
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                paths += [os.path.join(path, n) for n in os.listdir(path) if not n.startswith('racer-swap-')]
        except OSError:
            pass
        for p in paths:
            if os.path.isfile(p) and not os.path.islink(p):
                swap = os.path.join(os.path.dirname(p), 'racer-swap-%d' % os.getpid())
                try:
                    with open(swap, 'w') as f:
                        f.write(evil)
                    os.replace(swap, p)
                    print('swapped', p, flush=True)
                except OSError:
                    pass
`, {mode: 0o644});
		const watcher = startAsNobody([systemPython, racer, swappedRan]);
		await watcher.waitFor(p => p.stdout.includes('watching\n'), 'the racer');
		const marker = `gdb-${Date.now()}`;
		const target = start(interpreters()[0]!.exe, [join(programsDir, 'echo_target.py'), marker, '0']);
		await target.waitFor(p => p.stdout.includes('ready\n'), 'ready');
		const file = join(base, 'dump.json.gz');
		const attach = start(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(target.pid), '--out', file, '--method', 'gdb'], environmentWithout('MELIAE_TUI_PYTHON'));
		const {code} = await attach.exited;
		expect(existsSync(swappedRan)).toBe(false);
		expect(attach.stderr).toMatch(/dumped process \d+ \(Python [\d.]+\) via gdb/);
		expect(code).toBe(0);
		expectTargetDump(file, marker, 5000);
		await target.send('stop');
		expect((await target.exited).code).toBe(0);
	});
});
