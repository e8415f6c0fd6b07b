import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {dumpText, tempDir, writeDump} from '../helpers/dump-lines.js';

const demo = (name: string): string => fileURLToPath(new URL(`../../fixtures/demo/${name}`, import.meta.url));
const demos = ['demo-1.json.gz', 'demo-2.json.gz', 'demo-3.json.gz'].map(name => demo(name));

type GroundTruth = {iterations: Array<{counts: Record<string, number>; session_chain: Array<{address: number}>; log_chain: Array<{address: number}>}>};
const truth = JSON.parse(readFileSync(demo('ground-truth.json'), 'utf8')) as GroundTruth;

type DiffJson = {
	old: {total_count: number};
	new: {total_count: number};
	final?: {total_count: number};
	note: string;
	types: Array<Record<string, number | string>>;
	candidates?: Array<{type: string; count: number; size: number; nested: number; example: number; owner: Array<{address: number; type: string; name: string | null}>}>;
	candidate_count?: number;
};

describe('meliae-tui diff', () => {
	it('compares two dumps per type, by size growth', async () => {
		const result = await runCli(['diff', demos[0]!, demos[1]!, '--json']);
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout) as DiffJson;
		expect(json.note).toContain('may be a new object allocated at a freed address');
		const session = json.types.find(row => row.type === 'Session')!;
		const [first, second] = truth.iterations;
		expect(session).toMatchObject({
			old_count: first!.counts['Session'],
			new_count: second!.counts['Session'],
			count_delta: second!.counts['Session']! - first!.counts['Session']!,
			new_objects: second!.counts['Session']! - first!.counts['Session']!,
			freed_objects: 0,
		});
		const deltas = json.types.map(row => row.size_delta as number);
		expect(deltas).toEqual([...deltas].sort((a, b) => b - a));
		expect(json.candidates).toBeUndefined();
	});

	it('names the leaking types and their holders with three dumps', async () => {
		const result = await runCli(['diff', ...demos, '--json']);
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout) as DiffJson;
		const [, second] = truth.iterations;
		const sessionChain = second!.session_chain.map(step => step.address);
		const logChain = second!.log_chain.map(step => step.address);
		const sessions = json.candidates!.find(group => group.type === 'Session')!;
		expect(sessions.count).toBe(truth.iterations[1]!.counts['Session']! - truth.iterations[0]!.counts['Session']!);
		// Held by SESSION_CACHE's dict, then SESSION_CACHE, then the module (its globals are folded into it).
		expect(sessions.owner.slice(0, 3).map(step => step.address)).toEqual([sessionChain[3], sessionChain[2], sessionChain[0]]);
		expect(sessions.owner.map(step => step.type).slice(0, 2)).toEqual(['dict', 'SessionCache']);
		const entries = json.candidates!.find(group => group.type === 'LogEntry')!;
		expect(entries.count).toBe(truth.iterations[1]!.counts['LogEntry']! - truth.iterations[0]!.counts['LogEntry']!);
		expect(entries.owner[0]!.address).toBe(logChain[3]);
		expect(entries.owner[0]!.type).toBe('collections.deque');
		expect(json.candidates!.slice(0, 2).map(group => group.type).sort()).toEqual(['LogEntry', 'Session']);
		expect(json.final!.total_count).toBeGreaterThan(json.new.total_count);
	});

	it('prints the summary header of each dump and the grouped candidates', async () => {
		const result = await runCli(['diff', ...demos, '--limit', '3'], {env: {LANG: 'C.UTF-8'}});
		expect(result.code).toBe(0);
		const lines = result.stdout.split('\n');
		expect(lines.filter(line => /^Total \d+ objects, \d+ types, Total size = \d+\.\dMiB \(\d+ bytes\)$/.test(line))).toHaveLength(3);
		expect(result.stdout).toMatch(/\n {2}\d+ Session \([\d.]+ KiB with \d+ more inside\) held by dict@0x[\da-f]+ ← SessionCache@0x[\da-f]+ ← module 'leaky_app'@0x[\da-f]+/);
		expect(result.stdout).toMatch(/\n {2}\d+ LogEntry .* held by collections\.deque@0x[\da-f]+ ← /);
	});

	it('draws ASCII arrows where the locale is not UTF-8', async () => {
		const step = (items: number[]): string => writeDump(dumpText([
			{address: 16, type: 'Holder', size: 48, refs: [32, 48]},
			{address: 48, type: 'type', size: 900, name: 'Holder'},
			{address: 32, type: 'dict', size: 100, len: 1, refs: [64, 80]},
			{address: 64, type: 'str', size: 50, len: 5, value: 'items'},
			{address: 80, type: 'list', size: 64, len: items.length, refs: items},
			...items.map(address => ({address, type: 'float', size: 24, value: 1.5})),
		]));
		const files = [step([]), step([256]), step([256, 272])];
		const utf8 = await runCli(['diff', ...files], {env: {LANG: 'C.UTF-8'}});
		expect(utf8.stdout).toContain('  1 float (24 B) held by list@0x50 ← Holder@0x10; e.g. float@0x100\n');
		const ascii = await runCli(['diff', ...files], {env: {LANG: 'C', LC_ALL: 'C'}});
		expect(ascii.stdout).toContain('  1 float (24 B) held by list@0x50 <- Holder@0x10; e.g. float@0x100\n');
	});

	it('counts a reused address with another type as freed and new', async () => {
		const old = writeDump(dumpText([{address: 1, type: 'dict', size: 100, len: 0}, {address: 2, type: 'str', size: 50, len: 1, value: 'a'}]));
		const next = writeDump(dumpText([{address: 1, type: 'list', size: 64, len: 0}, {address: 2, type: 'str', size: 50, len: 1, value: 'a'}]));
		const json = JSON.parse((await runCli(['diff', old, next, '--json'])).stdout) as DiffJson & {new_objects: number; freed_objects: number};
		expect(json.new_objects).toBe(1);
		expect(json.freed_objects).toBe(1);
		expect(json.types.find(row => row.type === 'dict')).toMatchObject({old_count: 1, new_count: 0, freed_objects: 1});
		expect(json.types.find(row => row.type === 'list')).toMatchObject({old_count: 0, new_count: 1, new_objects: 1});
	});

	it('needs two dumps', async () => {
		const result = await runCli(['diff', demos[0]!]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('usage: meliae-tui diff OLD NEW [FINAL]');
	});
});

const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;

describe.skipIf(python === undefined)('diff of dumps written by the Python dumper', () => {
	it('finds what a leaking loop accumulates and who holds it', async () => {
		const directory = join(tempDir(), `python-leak-${process.pid}`);
		const script = `
import collections, os, sys
sys.path.insert(0, ${JSON.stringify(fileURLToPath(new URL('../../python', import.meta.url)))})
import meliae_dump
class Recorder:
    def __init__(self):
        self.events = collections.deque()
RECORDER = Recorder()
os.makedirs(${JSON.stringify(directory)}, exist_ok=True)
for step in range(1, 4):
    for i in range(300):
        RECORDER.events.append({'step': step, 'text': 'event %d %d' % (step, i)})
    meliae_dump.dump_all_objects(os.path.join(${JSON.stringify(directory)}, 'step-%d.json' % step))
`;
		const run = spawnSync(python!, ['-c', script], {encoding: 'utf8'});
		expect(run.stderr).toBe('');
		expect(run.status).toBe(0);
		const files = [1, 2, 3].map(step => join(directory, `step-${step}.json`));
		const json = JSON.parse((await runCli(['diff', ...files, '--json'])).stdout) as DiffJson;
		const group = json.candidates![0]!;
		expect(group.type).toBe('dict');
		// A few of the 300 may land at the address of a dict freed since the
		// first dump: those look like survivors, not new objects.
		expect(group.count).toBeGreaterThan(280);
		expect(group.count).toBeLessThanOrEqual(300);
		expect(group.owner.slice(0, 2).map(step => step.type)).toEqual(['collections.deque', 'Recorder']);
		const path = JSON.parse((await runCli(['path', files[2]!, String(group.example), '--json'])).stdout) as {path: Array<{type: string; edge: string | null}>};
		expect(path.path.slice(-3).map(step => [step.type, step.edge])).toEqual([['Recorder', '.RECORDER'], ['collections.deque', '.events'], ['dict', expect.stringMatching(/^\[\d+\]$/)]]);
	});
});
