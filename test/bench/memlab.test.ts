import {existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {computeDominators, type Dominators} from '../../source/core/analyses/dominators.js';
import {loadDump} from '../../source/core/dump/load.js';
import {UNRESOLVED_BIT} from '../../source/core/graph/layout.js';
import type {GraphStore} from '../../source/core/graph/store.js';
import {generateDump} from '../../source/bench/generate.js';
import {EDGE_FIELDS, EDGE_TYPES, NODE_FIELDS, NODE_TYPES, nodeIdOf, rootChildren, writeHeapSnapshot} from '../../source/bench/heapsnapshot.js';
import {agreement, ensureMemlab, installedMemlab, memlabLine, memlabRetained, type MemlabReport} from '../../source/bench/memlab.js';
import {parseSelection} from '../../source/bench/run.js';
import {runChild} from '../../source/bench/child.js';
import {type DumpObject, dumpText, tempDir, writeDump} from '../helpers/dump-lines.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * Where memlab is: MELIAE_TUI_MEMLAB_DIR, else where the bench installs it
 * (bench-data/memlab). The tests that run memlab are skipped without it.
 */
const memlabDir = process.env.MELIAE_TUI_MEMLAB_DIR ?? join(repoRoot, 'bench-data', 'memlab');
const memlab = installedMemlab(memlabDir);

/**
 * A small graph with what the roots depend on: an object nothing refers to
 * (M) holding a diamond (A and B both refer to C), a repeated reference, a
 * self-reference, a reference to an address not in the dump; and a cycle
 * nothing outside it refers to (X <-> Y) that refers, through Z, to a second
 * cycle (P <-> Q): only X (first in the dump) hangs under the synthetic root.
 */
const GRAPH: DumpObject[] = [
	{address: 1000, type: 'module', size: 104, name: 'app', refs: [1010, 1020, 9999]},
	{address: 1010, type: 'list', size: 72, len: 2, refs: [1030, 1030]},
	{address: 1020, type: 'tuple', size: 56, len: 1, refs: [1030]},
	{address: 1030, type: 'dict', size: 232, len: 1, refs: [1030, 1040]},
	{address: 1040, type: 'str', size: 51, len: 2, value: 'hi'},
	{address: 2000, type: 'Node', size: 48, refs: [2010]},
	{address: 2010, type: 'Node', size: 48, refs: [2000, 2020]},
	{address: 2020, type: 'list', size: 88, len: 1, refs: [3000]},
	{address: 3000, type: 'cell', size: 40, refs: [3010]},
	{address: 3010, type: 'function', size: 136, name: 'f', refs: [3000, 3020]},
	{address: 3020, type: 'bytes', size: 1033, len: 1000},
	{address: 4000, type: 'int', size: 28, value: 7},
];

type Parsed = {
	snapshot: {meta: {node_fields: string[]; node_types: [string[], ...string[]]; edge_fields: string[]; edge_types: [string[], ...string[]]}; node_count: number; edge_count: number};
	nodes: number[];
	edges: number[];
	strings: string[];
};

/** The snapshot as plain lists: per node, its type, name, id, size and targets (node indexes). */
function readSnapshot(file: string): {parsed: Parsed; name: string[]; type: string[]; id: number[]; size: number[]; targets: number[][]; edgeTypes: string[][]} {
	const parsed = JSON.parse(readFileSync(file, 'utf8')) as Parsed;
	const fields = parsed.snapshot.meta.node_fields.length;
	const edgeFields = parsed.snapshot.meta.edge_fields.length;
	const nodeTypes = parsed.snapshot.meta.node_types[0];
	const edgeTypeNames = parsed.snapshot.meta.edge_types[0];
	const count = parsed.nodes.length / fields;
	const result = {parsed, name: [] as string[], type: [] as string[], id: [] as number[], size: [] as number[], targets: [] as number[][], edgeTypes: [] as string[][]};
	let edge = 0;
	for (let node = 0; node < count; node++) {
		const at = node * fields;
		result.type.push(nodeTypes[parsed.nodes[at]!]!);
		result.name.push(parsed.strings[parsed.nodes[at + 1]!]!);
		result.id.push(parsed.nodes[at + 2]!);
		result.size.push(parsed.nodes[at + 3]!);
		const targets: number[] = [];
		const types: string[] = [];
		for (let i = 0; i < parsed.nodes[at + 4]!; i++, edge++) {
			const to = parsed.edges[(edge * edgeFields) + 2]!;
			expect(to % fields).toBe(0);
			targets.push(to / fields);
			types.push(edgeTypeNames[parsed.edges[edge * edgeFields]!]!);
		}

		result.targets.push(targets);
		result.edgeTypes.push(types);
	}

	expect(edge * edgeFields).toBe(parsed.edges.length);
	return result;
}

/**
 * Retained sizes over a graph given as successor lists from node 0, by
 * Cooper, Harvey and Kennedy's iterative algorithm (written here apart from
 * both tools): every node must be reachable from node 0.
 */
function retainedFromNodeZero(targets: readonly number[][], size: readonly number[]): number[] {
	const count = targets.length;
	const postorder = new Array<number>(count).fill(-1);
	const order: number[] = [];
	const seen = new Uint8Array(count);
	const stack: Array<[number, number]> = [[0, 0]];
	seen[0] = 1;
	while (stack.length > 0) {
		const top = stack.at(-1)!;
		const [node, next] = top;
		if (next < targets[node]!.length) {
			top[1]++;
			const child = targets[node]![next]!;
			if (seen[child] === 0) {
				seen[child] = 1;
				stack.push([child, 0]);
			}
		} else {
			postorder[node] = order.length;
			order.push(node);
			stack.pop();
		}
	}

	expect(order.length).toBe(count);
	const predecessors: number[][] = Array.from({length: count}, () => []);
	for (let node = 0; node < count; node++) {
		for (const child of targets[node]!) {
			predecessors[child]!.push(node);
		}
	}

	const idom = new Array<number>(count).fill(-1);
	idom[0] = 0;
	const intersect = (a: number, b: number): number => {
		while (a !== b) {
			while (postorder[a]! < postorder[b]!) {
				a = idom[a]!;
			}

			while (postorder[b]! < postorder[a]!) {
				b = idom[b]!;
			}
		}

		return a;
	};

	const reversePostorder = [...order].reverse();
	for (let changed = true; changed;) {
		changed = false;
		for (const node of reversePostorder) {
			if (node === 0) {
				continue;
			}

			let candidate = -1;
			for (const parent of predecessors[node]!) {
				if (idom[parent] !== -1) {
					candidate = candidate === -1 ? parent : intersect(parent, candidate);
				}
			}

			if (idom[node] !== candidate) {
				idom[node] = candidate;
				changed = true;
			}
		}
	}

	const retained = [...size];
	for (const node of order) {
		if (node !== 0) {
			retained[idom[node]!]! += retained[node]!;
		}
	}

	return retained;
}

type Case = {store: GraphStore; dominators: Dominators; file: string};

async function convert(dump: string, name: string): Promise<Case> {
	const {store} = await loadDump(dump, {workers: 0});
	const dominators = computeDominators(store);
	const file = join(tempDir(), name);
	writeHeapSnapshot(store, rootChildren(store, dominators), file);
	return {store, dominators, file};
}

let small: Case;
let generated: Case;

beforeAll(async () => {
	small = await convert(writeDump(dumpText(GRAPH)), 'small.heapsnapshot');
	const out = join(tempDir(), 'generated-20k.json');
	await generateDump({objects: 20_000, seed: 3, out});
	generated = await convert(out, 'generated.heapsnapshot');
}, 120_000);

describe('the V8 heap snapshot of a dump', () => {
	it('has V8\'s layout: meta, counts, node 0 the root, no partial file left', () => {
		const {parsed, type, name, id} = readSnapshot(small.file);
		expect(parsed.snapshot.meta.node_fields).toEqual([...NODE_FIELDS]);
		expect(parsed.snapshot.meta.node_types[0]).toEqual([...NODE_TYPES]);
		expect(parsed.snapshot.meta.edge_fields).toEqual([...EDGE_FIELDS]);
		expect(parsed.snapshot.meta.edge_types[0]).toEqual([...EDGE_TYPES]);
		expect(parsed.snapshot.node_count).toBe(small.store.objectCount + 1);
		expect(parsed.snapshot.edge_count * EDGE_FIELDS.length).toBe(parsed.edges.length);
		expect(type[0]).toBe('synthetic');
		expect(id[0]).toBe(1);
		expect(type.slice(1).every(t => t === 'object')).toBe(true);
		expect(new Set(id).size).toBe(id.length);
		expect(name.slice(1)).toEqual(GRAPH.map(object => object.type));
		expect(readdirSync(tempDir()).filter(file => file.endsWith('.partial'))).toEqual([]);
	});

	it('holds one node per object with its type, size and children in order, without unresolved references', () => {
		for (const {store, file} of [small, generated]) {
			const {name, id, size, targets, edgeTypes} = readSnapshot(file);
			expect(targets.length).toBe(store.objectCount + 1);
			for (let o = 0; o < store.objectCount; o++) {
				expect(name[o + 1]).toBe(store.typeName(o));
				expect(size[o + 1]).toBe(store.objectSize[o]);
				expect(id[o + 1]).toBe(nodeIdOf(o));
				const children: number[] = [];
				for (let e = store.firstChild[o]!; e < store.firstChild[o + 1]!; e++) {
					const target = store.childTargets[e]!;
					if (target < UNRESOLVED_BIT) {
						children.push(target + 1);
					}
				}

				expect(targets[o + 1]).toEqual(children);
				expect(edgeTypes[o + 1]!.every(t => t === 'element')).toBe(true);
			}
		}

		// The module's reference to 9999 (not in the dump) is left out.
		const {targets} = readSnapshot(small.file);
		expect(targets[1]).toEqual([2, 3]);
	});

	it('roots what our dominator tree roots: the objects nothing refers to and one object of each unreached cycle', () => {
		const {targets} = readSnapshot(small.file);
		const addressOf = (node: number): number => small.store.objectAddress[node - 1]!;
		// M and the int nobody refers to; X for the X/Y cycle, not P (X's cycle refers to P's).
		expect(targets[0]!.map(node => addressOf(node))).toEqual([1000, 2000, 4000]);
		const roots = rootChildren(generated.store, generated.dominators);
		expect(readSnapshot(generated.file).targets[0]).toEqual([...roots].map(o => o + 1));
		expect(generated.dominators.representatives.length).toBeGreaterThan(0);
		expect(roots.length).toBe(generated.dominators.parentlessCount + generated.dominators.representatives.length);
	});

	it('gives our retained sizes to every object when dominators are computed over it from node 0', () => {
		for (const {dominators, file} of [small, generated]) {
			const {targets, size} = readSnapshot(file);
			const retained = retainedFromNodeZero(targets, size);
			expect(retained[0]).toBe(dominators.totalSize);
			expect(retained.slice(1)).toEqual([...dominators.retainedSize]);
		}

		// X holds its cycle and everything after it; P holds Q and the bytes.
		const at = (address: number): number => small.dominators.retainedSize[small.store.indexOf(address)]!;
		expect(at(2000)).toBe(48 + 48 + 88 + 40 + 136 + 1033);
		expect(at(3000)).toBe(40 + 136 + 1033);
	});
});

describe.skipIf(!memlab.found)('memlab on the same graph', () => {
	it('computes our retained size for every object, and our total', async () => {
		for (const {store, dominators, file} of [small, generated]) {
			const ordinals = Array.from({length: store.objectCount}, (_, o) => o);
			// eslint-disable-next-line no-await-in-loop
			const run = await memlabRetained(memlabDir, file, ordinals);
			expect(run.nodes).toBe(store.objectCount + 1);
			expect(run.rootRetained).toBe(dominators.totalSize);
			expect(run.retained.map(([, size]) => size)).toEqual([...dominators.retainedSize]);
			expect(run.msToRetained).toBeGreaterThanOrEqual(run.msParse);
		}
	}, 120_000);
});

describe('the bench\'s memlab figures', () => {
	it('finds a difference between memlab\'s retained sizes and ours, in an object or in the total', () => {
		const ours = {samples: [{ordinal: 3, retained: 100}, {ordinal: 9, retained: 40}], totalSize: 500};
		expect(agreement(ours, {retained: [[3, 100], [9, 40]], rootRetained: 500})).toEqual({checked: 3, differing: 0});
		const wrong = agreement(ours, {retained: [[3, 100], [9, 41]], rootRetained: 500});
		expect(wrong.differing).toBe(1);
		expect(wrong.first).toBe('object 9: ours 40, memlab 41');
		expect(agreement(ours, {retained: [[3, 100]], rootRetained: 499}).differing).toBe(2);
	});

	it('prints memlab\'s time and peak beside ours, and the ratio against the target', () => {
		const run = {
			version: '2.0.5', nodes: 3, edges: 2, msParse: 30_000, msRetained: 10_000, msToRetained: 40_000, msShortestPaths: 5000,
			cpuMs: 41_000, maxRssBytes: 1_570_000_000, maxRssWithPathsBytes: 1_600_000_000, rootRetained: 1, retained: [],
		};
		const report = {version: '2.0.5', conversion: {} as MemlabReport['conversion'], runs: [run, {...run, msToRetained: 38_000}, {...run, msToRetained: 44_000}]};
		expect(memlabLine(report, 4000)).toBe('memlab on the same graph: 40.00 s, 1570 MB; ours first open to retained: 4.00 s => 10.0 times (target ≥ 8×) ok');
		expect(memlabLine(report, 8000)).toContain('=> 5.0 times (target ≥ 8×) under');
		expect(memlabLine({...report, runs: []}, 4000)).toBeUndefined();
		expect(memlabLine(report, 4000, 20_500)).toMatch(/ ok; CPU: memlab 41\.00 s, ours 20\.50 s => 2\.0 times$/);
	});

	it('has a memlab part, run by default and alone with --only memlab', () => {
		expect(parseSelection('memlab').parts).toEqual(new Set(['memlab']));
		expect(parseSelection(undefined).parts.has('memlab')).toBe(true);
		expect(parseSelection('load').parts.has('memlab')).toBe(false);
	});
});

it('finds memlab where the bench installs it, or says it is not there', () => {
	expect(installedMemlab(join(tempDir(), 'no-memlab'))).toEqual({found: false, message: `memlab is not installed in ${join(tempDir(), 'no-memlab')}`});
	if (memlab.found) {
		expect(existsSync(join(memlabDir, 'node_modules', '@memlab', 'core'))).toBe(true);
		expect(memlab.version).toMatch(/^\d+\.\d+\.\d+/);
	}
});

it('says in one line that memlab is skipped when it cannot be installed (no npm)', async () => {
	const path = process.env.PATH;
	process.env.PATH = join(tempDir(), 'no-bin');
	try {
		const lookup = await ensureMemlab(join(tempDir(), 'memlab-without-npm'));
		expect(lookup.found).toBe(false);
		expect(lookup.found ? '' : lookup.message).toMatch(/^memlab could not be installed \(npm could not run: .*ENOENT.*\); skipped$/);
		expect(lookup.found ? '' : lookup.message).not.toContain('\n');
	} finally {
		process.env.PATH = path;
	}
});

const runScript = join(repoRoot, 'dist', 'bench', 'run.js');

describe.skipIf(!memlab.found || !existsSync(runScript))('npm run bench -- --only memlab', () => {
	it('converts the dump, runs memlab beside our first open and prints the ratio and the agreement', async () => {
		const dataDir = join(tempDir(), 'bench-data');
		mkdirSync(dataDir, {recursive: true});
		// memlab as installed, where the bench looks for it (no install here).
		symlinkSync(resolve(memlabDir), join(dataDir, 'memlab'));
		const result = await runChild(process.execPath, [runScript, '--sizes', '20k', '--runs', '1', '--only', 'memlab,synthetic', '--data-dir', dataDir], {timeoutMs: 300_000});
		expect(result.stderr).not.toMatch(/failed|could not/);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/20k: memlab on the same graph: \d+\.\d\d s, \d+ MB; ours first open to retained: \d+\.\d\d s => \d+\.\d times \(target ≥ 8×\) (ok|under); CPU: memlab/);
		expect(result.stdout).toMatch(/retained sizes agree with ours on 41 objects/);
		expect(result.stdout).toMatch(/memlab on the same graph \/ ours +≥ 8× +\d+\.\d\d× (ok|under)/);
		// The snapshot is deleted after the part.
		expect(readdirSync(join(dataDir, 'memlab')).filter(file => file.endsWith('.heapsnapshot'))).toEqual([]);
	}, 300_000);
});
