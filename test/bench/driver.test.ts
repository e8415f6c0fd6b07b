import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {bytesNeeded, diskShortage, freeBytes} from '../../source/bench/disk.js';
import {generateDump} from '../../source/bench/generate.js';
import {findReferenceLoader, parseReferenceOutput, REFERENCE_ENV, referenceInput, runReference} from '../../source/bench/reference.js';
import {bigSizes, parseSelection} from '../../source/bench/run.js';
import {loadDump} from '../../source/core/dump/load.js';
import {summarizeTypes} from '../../source/core/analyses/summary.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
let dir: string;

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'meliae-bench-driver-'));
});

afterAll(() => {
	rmSync(dir, {recursive: true, force: true});
});

describe('the reference loader lookup', () => {
	it('takes MELIAE_TUI_REFERENCE_LOADER when it names a file', () => {
		const file = join(dir, 'loader.mjs');
		writeFileSync(file, '// loader\n');
		expect(findReferenceLoader(join(dir, 'repo'), {[REFERENCE_ENV]: file})).toEqual({found: true, path: file});
	});

	it('says it is skipped when the variable names nothing, even if the default exists', () => {
		const root = join(dir, 'layout-a', 'repo');
		mkdirSync(join(dir, 'layout-a', 'shared', 'bench'), {recursive: true});
		writeFileSync(join(dir, 'layout-a', 'shared', 'bench', 'reference-loader.mjs'), '// loader\n');
		const lookup = findReferenceLoader(root, {[REFERENCE_ENV]: join(dir, 'missing.mjs')});
		expect(lookup).toEqual({found: false, message: 'reference loader not found; skipped'});
	});

	it('finds ../shared/bench/reference-loader.mjs beside the repository, and nothing when it is not there', () => {
		const root = join(dir, 'layout-b', 'repo');
		mkdirSync(root, {recursive: true});
		expect(findReferenceLoader(root, {}).found).toBe(false);
		mkdirSync(join(dir, 'layout-b', 'shared', 'bench'), {recursive: true});
		const loader = join(dir, 'layout-b', 'shared', 'bench', 'reference-loader.mjs');
		writeFileSync(loader, '// loader\n');
		expect(findReferenceLoader(root, {})).toEqual({found: true, path: loader});
	});

	it('does not take a directory for the loader', () => {
		expect(findReferenceLoader(join(dir, 'repo'), {[REFERENCE_ENV]: dir}).found).toBe(false);
	});
});

describe('reading the reference loader\'s output', () => {
	it('adds the phases up to the summary, and all of them for retained sizes', () => {
		const phases = {parse: 812, index: 95, resolve: 240, parents: 130, summary: 12, dom_dfs: 300, dom_lt: 410, retained: 45};
		const text = ['file 10.0 MB, objects 100, refs 200', ...Object.entries(phases).map(([name, ms]) => `  ${name.padEnd(9)} ${String(ms).padStart(6)} ms`), 'load(parse+index+resolve+parents) 1277 ms = 8 MB/s'].join('\n');
		const parsed = parseReferenceOutput(text);
		expect(parsed.phases).toEqual(phases);
		expect(parsed.msToSummary).toBe(phases.parse + phases.index + phases.resolve + phases.parents + phases.summary);
		expect(parsed.msToRetained).toBe(Object.values(phases).reduce((a, b) => a + b, 0));
	});

	it('has no figures for output without phases', () => {
		expect(Number.isNaN(parseReferenceOutput('Error: line 3: bad array\n').msToRetained)).toBe(true);
	});

	const loader = findReferenceLoader(repoRoot);
	it.skipIf(!loader.found)('runs the real reference loader on a generated dump, with its peak RSS', async () => {
		const dump = join(dir, 'ref.json');
		await generateDump({objects: 20_000, seed: 3, out: dump});
		const figures = await runReference((loader as {path: string}).path, dump);
		expect(figures.msToSummary).toBeGreaterThan(0);
		expect(figures.msToRetained).toBeGreaterThan(figures.msToSummary);
		expect(figures.maxRssBytes).toBeGreaterThan(10e6);
		expect(figures.wallMs).toBeGreaterThan(figures.msToRetained);
	}, 60_000);
});

describe('the copy the reference loader reads', () => {
	it('drops the "slots" lists and nothing else', async () => {
		const file = join(dir, 'slots.json');
		const lines = [
			'{"address": 16, "type": "type", "size": 904, "name": "P", "refs": [32, 48], "slots": ["x", "y"]}',
			'{"address": 32, "type": "str", "size": 50, "len": 1, "value": "x", "refs": []}',
			'{"address": 48, "type": "str", "size": 50, "len": 1, "value": "y", "refs": []}',
			'{"address": 64, "type": "P", "size": 32, "refs": [16], "slots": []}',
		];
		writeFileSync(file, lines.join('\n') + '\n');
		const input = await referenceInput(file);
		expect(input.stripped).toBe(true);
		const copied = readFileSync(input.path, 'utf8').trimEnd().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
		const original = lines.map(line => JSON.parse(line) as Record<string, unknown>);
		expect(copied.map(object => 'slots' in object)).toEqual([false, false, false, false]);
		expect(copied).toEqual(original.map(({slots: _slots, ...rest}) => rest));
	});

	it('is the dump itself when it has no "slots"', async () => {
		const file = join(dir, 'plain-ref.json');
		await generateDump({objects: 10_000, seed: 5, out: file});
		expect(await referenceInput(file)).toEqual({path: file, stripped: false});
		expect(existsSync(file + '.for-reference.json')).toBe(false);
	});
});

describe('disk space', () => {
	it('refuses in one line when the dumps would not fit, and counts what is cached as free', () => {
		const needed = bytesNeeded({newPlain: [20_000_000], newGzip: [], newSecond: [20_000_000], indexed: [20_000_000]});
		expect(needed).toBeGreaterThan(2 * 2.7e9);
		const message = diskShortage('/data', needed, 3e9);
		expect(message).toMatch(/^not enough disk space in \/data: 3\.0 GB free, about [\d.]+ GB needed/);
		expect(message).not.toContain('\n');
		expect(diskShortage('/data', needed, needed + 3e9)).toBeUndefined();
		expect(bytesNeeded({newPlain: [], newGzip: [], newSecond: [], indexed: []})).toBe(0);
	});

	it('reads the free space of a real directory', () => {
		expect(freeBytes(dir)).toBeGreaterThan(0);
	});
});

describe('--only', () => {
	it('selects parts and dumps', () => {
		const all = parseSelection(undefined);
		expect(all.synthetic && all.real).toBe(true);
		expect(all.parts.has('generate')).toBe(false);
		expect(all.parts.has('reference') && all.parts.has('diff') && all.parts.has('python')).toBe(true);
		const some = parseSelection('load,real');
		expect([...some.parts].sort()).toEqual(['gzip', 'plain']);
		expect(some.real && !some.synthetic).toBe(true);
		expect(parseSelection('real').parts.has('reopen')).toBe(true);
		expect(parseSelection(undefined, {skipPython: true, skipReal: true})).toMatchObject({real: false, synthetic: true});
		expect(parseSelection(undefined, {skipPython: true}).parts.has('python')).toBe(false);
		expect(() => parseSelection('load,nonsense')).toThrow(/unknown part "nonsense"/);
	});

	it('runs diff and keys on 5M and more, else on the largest size', () => {
		expect(bigSizes([1e6, 5e6, 20e6])).toEqual([5e6, 20e6]);
		expect(bigSizes([250_000, 1e6])).toEqual([1e6]);
		expect(bigSizes([])).toEqual([]);
	});
});

describe('bench/real_heap.py', () => {
	const python = spawnSync('python3', ['--version']).status === 0;
	it.skipIf(!python)('dumps a heap holding the standard library\'s objects, with the count the dumper wrote', async () => {
		const out = join(dir, 'real.json');
		const child = spawnSync('python3', [join(repoRoot, 'bench', 'real_heap.py'), out, '--objects', '150000', '--quiet'], {encoding: 'utf8', timeout: 120_000});
		expect(child.status, child.stderr).toBe(0);
		const figures = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {objects: number; bytes: number; packages: Record<string, string | null>};
		expect(Object.keys(figures.packages).sort()).toEqual(['django', 'pandas', 'pydantic', 'sqlalchemy']);
		const result = await loadDump(out, {collapse: false});
		expect(result.lines - result.problems.malformedLines).toBe(figures.objects);
		expect(figures.objects).toBeGreaterThan(140_000);
		const counts = new Map(summarizeTypes(result.store).types.map(type => [type.type, type.count]));
		for (const type of ['Order', 'LineItem', 'Session', 'LogRecord', 'sqlite3.Row', 'xml.etree.ElementTree.Element', 'decimal.Decimal', 're.Match', 'collections.deque', 'collections.OrderedDict', 'collections.defaultdict', 'Counter']) {
			expect(counts.get(type) ?? 0, type).toBeGreaterThan(10);
		}

		// It never overwrites.
		const again = spawnSync('python3', [join(repoRoot, 'bench', 'real_heap.py'), out, '--quiet'], {encoding: 'utf8'});
		expect(again.status).toBe(2);
		expect(again.stderr).toContain('already exists');
	}, 150_000);
});
