/**
 * How meliae_dump.py creates its files: new, mode 0600, never through a
 * symlink, never over an existing file; `.gz` compresses; the sidecar.
 */

import {existsSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {checkDump, interpreters, pythonDir, readDumpText, run, scratchDir} from './python.js';

const python = interpreters()[0];

async function dumpTo(target: string, extra = ''): Promise<{code: number | null; stdout: string; stderr: string}> {
	const code = [
		'import sys',
		`sys.path.insert(0, ${JSON.stringify(pythonDir)})`,
		'import meliae_dump',
		extra,
		'try:',
		`    r = meliae_dump.dump_all_objects(${JSON.stringify(target)})`,
		'    print(r["objects"])',
		'except FileExistsError as e:',
		'    print("refused:", e)',
		'    sys.exit(4)',
	].join('\n');
	return run(python!.exe, ['-c', code]);
}

describe.skipIf(python === undefined)('meliae_dump.py files', () => {
	it('creates the dump and its sidecar with mode 0600', async () => {
		const file = join(scratchDir(), 'mode.json');
		const result = await dumpTo(file, 'import os; os.umask(0)');
		expect(result.code).toBe(0);
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(statSync(`${file}.meta.json`).mode & 0o777).toBe(0o600);
		const objects = Number(result.stdout.trim());
		expect(checkDump(readFileSync(file, 'utf8')).lines.length).toBe(objects);
		const meta = JSON.parse(readFileSync(`${file}.meta.json`, 'utf8')) as Record<string, unknown>;
		expect(meta).toMatchObject({format: 'meliae', objects, compressed: false});
		for (const key of ['pid', 'argv', 'python_version', 'time', 'rss_bytes', 'peak_rss_bytes', 'gc_counts', 'dump_seconds']) {
			expect(meta[key], key).toBeDefined();
		}

		expect(meta['rss_bytes'] as number).toBeGreaterThan(1_000_000);
		expect(meta['time'] as string).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/);
	});

	it('refuses to overwrite an existing file, leaving it as it was', async () => {
		const file = join(scratchDir(), 'exists.json');
		writeFileSync(file, 'precious\n');
		const result = await dumpTo(file);
		expect(result.code).toBe(4);
		expect(result.stdout).toContain('refusing to write');
		expect(result.stdout).toContain('an existing file');
		expect(readFileSync(file, 'utf8')).toBe('precious\n');
		expect(existsSync(`${file}.meta.json`)).toBe(false);
	});

	it('refuses an existing sidecar too, and leaves no dump behind', async () => {
		const file = join(scratchDir(), 'sidecar.json');
		writeFileSync(`${file}.meta.json`, '{}');
		const result = await dumpTo(file);
		expect(result.code).toBe(4);
		expect(existsSync(file)).toBe(false);
		expect(readFileSync(`${file}.meta.json`, 'utf8')).toBe('{}');
	});

	it('refuses a symlink, dangling or not, and writes nothing through it', async () => {
		const dir = scratchDir();
		const victim = join(dir, 'victim.txt');
		writeFileSync(victim, 'untouched');
		const link = join(dir, 'link.json');
		symlinkSync(victim, link);
		let result = await dumpTo(link);
		expect(result.code).toBe(4);
		expect(result.stdout).toContain('a symlink');
		expect(readFileSync(victim, 'utf8')).toBe('untouched');

		const dangling = join(dir, 'dangling.json');
		const nowhere = join(dir, 'nowhere.json');
		symlinkSync(nowhere, dangling);
		result = await dumpTo(dangling);
		expect(result.code).toBe(4);
		expect(existsSync(nowhere)).toBe(false);
		expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
	});

	it('compresses a .gz path and accepts open file objects', async () => {
		const dir = scratchDir();
		const gz = join(dir, 'compressed.json.gz');
		const result = await dumpTo(gz);
		expect(result.code).toBe(0);
		const bytes = readFileSync(gz);
		expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
		expect(checkDump(gunzipSync(bytes).toString('utf8')).lines.length).toBe(Number(result.stdout.trim()));
		expect(JSON.parse(readFileSync(`${gz}.meta.json`, 'utf8'))).toMatchObject({compressed: true});

		const code = [
			'import sys, io',
			`sys.path.insert(0, ${JSON.stringify(pythonDir)})`,
			'import meliae_dump',
			`with open(${JSON.stringify(join(dir, 'text.json'))}, "w") as f:`,
			'    n = meliae_dump.dump_all_objects(f)["objects"]',
			`with open(${JSON.stringify(join(dir, 'binary.json'))}, "wb") as f:`,
			'    m = meliae_dump.dump_all_referenced(f, {"one": [1, 2], "two": "x"})["objects"]',
			'print(n, m)',
		].join('\n');
		const files = await run(python!.exe, ['-c', code]);
		expect(files.code).toBe(0);
		const [n, m] = files.stdout.trim().split(' ').map(Number);
		expect(checkDump(readDumpText(join(dir, 'text.json'))).lines.length).toBe(n);
		const referenced = checkDump(readDumpText(join(dir, 'binary.json')));
		// the dict, its two keys, the list, 1, 2 and "x"
		expect(referenced.lines.length).toBe(m);
		expect(m).toBe(7);
		expect(referenced.dangling).toBe(0);
		expect(existsSync(join(dir, 'text.json.meta.json'))).toBe(false);
	});
});
