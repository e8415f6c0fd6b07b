/**
 * A command's first open of a dump, through the built CLI on a real Python 3
 * dump: the index is written while the command computes, and the process
 * ends only once it is written and the analyses saved beside it; the next
 * command reads both and answers the same; `index` says it wrote the file
 * only once it has.
 */

import {copyFileSync, existsSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {analysesPath} from '../../source/core/index/analyses-file.js';
import {runCli} from '../helpers/cli.js';
import {interpreters, pythonDir, run, scratchDir} from '../capture/python.js';

const found = interpreters();
const program = new URL('../core/index/programs/heap.py', import.meta.url).pathname;
let original = '';
let cache = '';

function copyDump(): string {
	const file = join(scratchDir('meliae-first-open-'), 'heap.json');
	copyFileSync(original, file);
	return file;
}

async function cli(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	return runCli(args, {env: {XDG_CACHE_HOME: cache}, timeoutMs: 60_000});
}

describe.skipIf(found.length === 0)('a command\'s first open', () => {
	beforeAll(async () => {
		const dir = scratchDir('meliae-first-open-');
		cache = join(dir, 'cache');
		original = join(dir, 'heap.json');
		const made = await run(found[0]!.exe, [program, original, pythonDir, '2000']);
		expect(made.code).toBe(0);
		// Big enough to be indexed by any command.
		expect(statSync(original).size).toBeGreaterThan(1024 * 1024);
	}, 60_000);

	it('top: the index and the retained sizes are on disk when it exits; the next top reads them and prints the same', async () => {
		const file = copyDump();
		const parsed = await cli(['top', file, '--no-index', '--json', '--limit', '30']);
		expect(parsed.code).toBe(0);
		const first = await cli(['top', file, '--json', '--limit', '30']);
		expect(first.stderr).toBe('');
		expect(first.code).toBe(0);
		expect(first.stdout).toBe(parsed.stdout);
		const index = `${file}.mtui-index`;
		expect(existsSync(index)).toBe(true);
		expect(existsSync(analysesPath(index))).toBe(true);
		expect(readdirSync(join(file, '..')).filter(name => name.endsWith('.tmp'))).toEqual([]);
		const analysesTime = statSync(analysesPath(index)).mtimeMs;
		const again = await cli(['top', file, '--json', '--limit', '30']);
		expect(again.stderr).toBe('');
		expect(again.stdout).toBe(parsed.stdout);
		// Read, not computed and saved again.
		expect(statSync(analysesPath(index)).mtimeMs).toBe(analysesTime);
	});

	it('show and summarize on a first open answer as a parse does (values read back from the index)', async () => {
		const file = copyDump();
		const parsed = await cli(['summarize', file, '--no-index']);
		const first = await cli(['summarize', file]);
		expect(first.stderr).toBe('');
		expect(first.stdout).toBe(parsed.stdout);
		expect(existsSync(`${file}.mtui-index`)).toBe(true);
		const other = copyDump();
		const json = JSON.parse((await cli(['top', other, '--no-index', '--json', '--limit', '5', '--by', 'size'])).stdout) as unknown;
		const address = String(JSON.stringify(json).match(/"address":\s*"?(\d+|0x[0-9a-f]+)/)?.[1]);
		const shownParsed = await cli(['show', other, address, '--no-index']);
		expect(shownParsed.code).toBe(0);
		const shownFirst = await cli(['show', other, address]);
		expect(shownFirst.stderr).toBe('');
		expect(shownFirst.stdout).toBe(shownParsed.stdout);
	});

	it('index: says it wrote the file once it is there, with the retained sizes', async () => {
		const file = copyDump();
		const built = await cli(['index', file]);
		expect(built.stderr).toBe('');
		expect(built.code).toBe(0);
		expect(built.stdout).toContain(`${file}.mtui-index`);
		expect(built.stdout).toMatch(/retained sizes \d/);
		expect(existsSync(`${file}.mtui-index`)).toBe(true);
		expect(existsSync(analysesPath(`${file}.mtui-index`))).toBe(true);
	});
});
