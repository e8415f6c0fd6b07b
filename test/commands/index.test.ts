/**
 * `meliae-tui index DUMP...`, --no-index and --index-dir, through the built
 * CLI on a real Python 3 dump: commands answer the same from the index as
 * from the dump, two processes indexing one dump at once both succeed and
 * leave one valid index, a damaged index is one line on stderr.
 */

import {copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {loadDump} from '../../source/core/dump/load.js';
import {GraphStore} from '../../source/core/graph/store.js';
import {identifyDump} from '../../source/core/index/identity.js';
import {readIndexFile, writeIndexFile} from '../../source/core/index/index-file.js';
import {writeAnalysesFile} from '../../source/core/index/analyses-file.js';
import {NO_OBJECT} from '../../source/core/graph/layout.js';
import {progressLine} from '../../source/commands/load-for-command.js';
import {runCli} from '../helpers/cli.js';
import {interpreters, pythonDir, run, scratchDir} from '../capture/python.js';

const found = interpreters();
const program = new URL('../core/index/programs/heap.py', import.meta.url).pathname;
let original = '';
let cache = '';
/** An address of a str in the dump, for `show`. */
let someAddress = 0;

function copyDump(): string {
	const file = join(scratchDir('meliae-index-cli-'), 'heap.json');
	copyFileSync(original, file);
	return file;
}

async function cli(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	return runCli(args, {env: {XDG_CACHE_HOME: cache}, timeoutMs: 60_000});
}

describe('progress while reading an index', () => {
	it('says so instead of "loading"', () => {
		const line = progressLine('d.json', {phase: 'reading index', bytesRead: 512 * 1024, bytesTotal: 1024 * 1024, objects: 0, elapsedMs: 10});
		expect(line).toBe('reading the index of d.json: 50% 0.5/1.0 MB');
		expect(progressLine('d.json', {phase: 'reading', bytesRead: 0, bytesTotal: 10, objects: 0, elapsedMs: 10})).toMatch(/^loading d\.json: /);
	});
});

describe.skipIf(found.length === 0)('meliae-tui index', () => {
	beforeAll(async () => {
		const dir = scratchDir('meliae-index-cli-');
		cache = join(dir, 'cache');
		original = join(dir, 'heap.json');
		const made = await run(found[0]!.exe, [program, original, pythonDir, '2000']);
		expect(made.code).toBe(0);
		const {store} = await loadDump(original, {workers: 0});
		someAddress = store.objectAddress[store.typeNames.indexOf('Session') >= 0 ? store.objectType.indexOf(store.typeNames.indexOf('Session')) : 0]!;
	}, 60_000);

	it('builds the index, says where and how big; commands then answer the same as without it', async () => {
		const file = copyDump();
		const built = await cli(['index', file]);
		expect(built.stderr).toBe('');
		expect(built.code).toBe(0);
		const size = statSync(`${file}.mtui-index`).size;
		expect(built.stdout).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}: ${file.replaceAll('.', '\\.')}\\.mtui-index \\d+(\\.\\d)? MiB \\(\\d\\.\\d\\dx the dump's text\\), \\d+ objects, retained sizes \\d+(\\.\\d)? (KiB|MiB)\\n$`));
		expect(statSync(`${file}.mtui-index`).mode & 0o777).toBe(0o600);
		expect(size).toBeGreaterThan(0);
		for (const args of [['summarize', file, '--json'], ['top', file, '--json', '--limit', '30'], ['show', file, String(someAddress), '--json'], ['path', file, String(someAddress)]]) {
			// eslint-disable-next-line no-await-in-loop
			const [indexed, parsed] = await Promise.all([cli(args), cli([...args, '--no-index'])]);
			expect(indexed.code, args.join(' ')).toBe(0);
			expect(indexed.stderr, args.join(' ')).toBe('');
			expect(indexed.stdout, args.join(' ')).toBe(parsed.stdout);
		}
	});

	it('commands read it: an index whose checksums are right but whose sizes were changed changes the answer', async () => {
		const file = copyDump();
		await cli(['index', file]);
		const identity = identifyDump(file, {collapse: true, removeExpensive: false})!;
		const real = readIndexFile(`${file}.mtui-index`, identity);
		const sizes = real.store.objectSize.slice();
		sizes[0] = sizes[0]! + 1_000_000;
		const {store} = real;
		writeIndexFile(`${file}.mtui-index`, identity, new GraphStore({...store, objectSize: sizes, typeNames: [...store.typeNames]}), real);
		const indexed = JSON.parse((await cli(['summarize', file, '--json'])).stdout) as {total_size: number};
		const parsed = JSON.parse((await cli(['summarize', file, '--json', '--no-index'])).stdout) as {total_size: number};
		expect(indexed.total_size - parsed.total_size).toBe(1_000_000);
	});

	it('commands read the saved retained sizes: saved ones that pass the checks but differ change the answer', async () => {
		const file = copyDump();
		const built = await cli(['index', file]);
		expect(built.code).toBe(0);
		expect(existsSync(`${file}.mtui-index.analyses`)).toBe(true);
		const identity = identifyDump(file, {collapse: true, removeExpensive: false})!;
		const {store, binding} = readIndexFile(`${file}.mtui-index`, identity);
		const n = store.objectCount;
		// Consistent but not the truth: every object dominated by the root alone, retaining only itself.
		const flat = {
			objectCount: n,
			idom: new Uint32Array(n).fill(NO_OBJECT),
			retainedSize: store.objectSize.slice(),
			totalSize: store.objectSize.reduce((sum, size) => sum + size, 0),
			parentlessCount: 0,
			representatives: new Uint32Array(0),
			typeRetainedSize: new Float64Array(store.typeCount),
			typeRetainedCount: new Float64Array(store.typeCount),
		};
		writeAnalysesFile(`${file}.mtui-index.analyses`, binding, identity, store, {dominators: flat});
		const top = await cli(['top', file, '--json', '--limit', '5']);
		const parsed = await cli(['top', file, '--json', '--limit', '5', '--no-index']);
		expect(top.code).toBe(0);
		expect(top.stderr).toBe('');
		const retained = (out: string): number[] => (JSON.parse(out) as {objects: Array<{retained_size: number}>}).objects.map(o => o.retained_size);
		const bySize = [...store.objectSize].sort((a, b) => b - a).slice(0, 5);
		expect(retained(top.stdout)).toEqual(bySize);
		expect(retained(parsed.stdout)).not.toEqual(bySize);
	});

	it('--no-index neither writes nor reads one', async () => {
		const file = copyDump();
		const result = await cli(['summarize', file, '--no-index']);
		expect(result.code).toBe(0);
		expect(existsSync(`${file}.mtui-index`)).toBe(false);
		// A load without it writes it (the dump is above the size threshold).
		await cli(['summarize', file]);
		expect(existsSync(`${file}.mtui-index`)).toBe(true);
	});

	it('--index-dir puts it there; a damaged one is one line on stderr and the answer is unchanged', async () => {
		const file = copyDump();
		const dir = join(scratchDir('meliae-index-cli-'), 'indexes');
		const built = await cli(['index', file, '--index-dir', dir]);
		expect(built.code).toBe(0);
		const [name] = readdirSync(dir);
		expect(built.stdout).toContain(join(dir, name!));
		expect(existsSync(`${file}.mtui-index`)).toBe(false);
		writeFileSync(join(dir, name!), Buffer.concat([readFileSync(join(dir, name!)).subarray(0, 24), Buffer.from('and then garbage')]));
		const result = await cli(['summarize', file, '--index-dir', dir]);
		expect(result.code).toBe(0);
		expect(result.stderr).toMatch(/^meliae-tui: note: index .* is damaged \(.*\); rebuilding it\n$/);
		expect(result.stdout).toBe((await cli(['summarize', file, '--no-index'])).stdout);
	});

	it('two processes indexing the same dump at once both succeed and leave one valid index', async () => {
		const file = copyDump();
		const results = await Promise.all([cli(['index', file]), cli(['index', file]), cli(['top', file, '--limit', '3'])]);
		for (const result of results) {
			expect(result.stderr).toBe('');
			expect(result.code).toBe(0);
		}

		// The index and its analyses, no temporary file.
		expect(readdirSync(join(file, '..')).filter(name => name.includes('mtui-index')).sort()).toEqual(['heap.json.mtui-index', 'heap.json.mtui-index.analyses']);
		const identity = identifyDump(file, {collapse: true, removeExpensive: false})!;
		const read = readIndexFile(`${file}.mtui-index`, identity);
		expect(read.store.objectCount).toBe((await loadDump(file, {workers: 0})).store.objectCount);
	});

	it('refuses standard input (exit 2)', async () => {
		const result = await runCli(['index', '-'], {input: ''});
		expect(result.code).toBe(2);
		expect(result.stderr).toBe('meliae-tui: standard input cannot be indexed (only files can)\n');
	});

	it('is in --help with its options', async () => {
		const result = await runCli(['index', '--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('meliae-tui index DUMP [DUMP...]');
		expect(result.stdout).toContain('--index-dir DIR');
		expect(result.stdout).not.toContain('--no-index');
		expect((await runCli(['summarize', '--help'])).stdout).toContain('--no-index');
	});
});
