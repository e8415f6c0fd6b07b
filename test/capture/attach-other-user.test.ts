/**
 * A target of another user, in our own namespaces, whose uid cannot write
 * our working directory (the default --out): the dump goes through a
 * private directory in /tmp and arrives in our directory, 0600, ours.
 */

import {execFile} from 'node:child_process';
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {cliPath, NODE_FLAGS} from '../helpers/cli.js';
import {checkDump, Live, programsDir, readDumpText, scratchDir, typeCounts} from './python.js';

const systemPython = '/usr/bin/python3';
const isRoot = process.getuid?.() === 0;
const live: Live[] = [];

afterEach(() => {
	for (const item of live.splice(0)) {
		item.kill();
	}
});

function stagingDirs(): string[] {
	return readdirSync('/tmp').filter(name => /^meliae-attach-[a-z2-7]{16}$/.test(name));
}

describe.skipIf(!isRoot || !existsSync(systemPython))(`attach to another user's process${isRoot ? '' : ' (skipped: needs root to run the target as nobody)'}`, () => {
	it('with the default --out in a directory only we may write', async () => {
		const target = new Live('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', systemPython, join(programsDir, 'container_target.py'), 'other-user', '1500']);
		live.push(target);
		await target.waitFor(p => /^ready \d+ 65534$/m.test(p.stdout), 'ready', 30_000);
		const dir = scratchDir('meliae-attach-other-');
		expect(statSync(dir).mode & 0o777).toBe(0o700);
		const staging = stagingDirs();
		const {code, stderr, stdout} = await new Promise<{code: number; stderr: string; stdout: string}>(resolve => {
			execFile(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(target.pid)], {cwd: dir, timeout: 60_000}, (error, out, err) => {
				resolve({code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err});
			});
		});
		expect(stderr).toMatch(new RegExp(`^meliae-tui: dumped process ${target.pid} \\(Python [\\d.]+\\) via ptrace: .*; streamed through /tmp/meliae-attach-[a-z2-7]+ in the target\\n(meliae-tui: note: no allocation sites.*\\n)?$`));
		expect(code).toBe(0);
		const [name] = readdirSync(dir).filter(entry => entry.endsWith('.json.gz'));
		expect(stdout).toBe(`${join(dir, name!)}\n`);
		const file = join(dir, name!);
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(statSync(file).uid).toBe(0);
		const dump = checkDump(readDumpText(file));
		expect(typeCounts(dump).get('ContainerMarker')).toBe(1500);
		const meta = JSON.parse(readFileSync(`${file}.meta.json`, 'utf8')) as {objects: number; attach: {written: string}};
		expect(meta.objects).toBe(dump.lines.length);
		expect(meta.attach.written).toBe('pipe in tmp');
		expect(stagingDirs()).toEqual(staging);
		const before = target.stdout.split('pong\n').length;
		await target.send('ping');
		await target.waitFor(p => p.stdout.split('pong\n').length > before, 'pong');
	}, 120_000);
});
