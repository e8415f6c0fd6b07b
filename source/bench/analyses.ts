/**
 * Benchmarks of the leak-hunting analyses. Prints figures next to the
 * targets; never fails on timing.
 *
 *   node dist/bench/analyses.js [--objects 5e6] [--only dominators,shapes,path,diff,trend,waste]
 *        [--runs 3] [--data-dir DIR]
 *
 * - dominators: dominator tree + retained sizes on a random graph built in
 *   memory (2.48 references per object) and on synthetic dumps from
 *   generate.ts, at 1M and `--objects`: best CPU time of `--runs`, phases,
 *   extra RSS per object at the peak and kept afterwards;
 * - shapes: pathological graphs against a random graph of the same size;
 * - path: latency of `findPath` to 200 random objects of the large dump;
 * - diff: `meliae-tui diff` of two large dumps, in a fresh process: time and
 *   peak RSS, next to the time and peak of only loading the same dumps;
 * - trend: `meliae-tui trend` over ten dumps of 1M objects, likewise;
 * - waste: every waste inspection of the large dump (right after load, as
 *   `meliae-tui waste` runs them), the growing collections against a second
 *   large dump, and the paths to the growing collections shown.
 *
 * Synthetic dumps are cached in the data directory (default: the system's
 * temporary directory), regenerated when the generator's version changes.
 */

import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import {join} from 'node:path';
import {Writable} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {DominatorJob, type DominatorPhase, type Dominators} from '../core/analyses/dominators.js';
import {findPath} from '../core/analyses/paths.js';
import {loadDump} from '../core/dump/load.js';
import {NODE_FLAGS, tuneForLoading} from '../core/util/tuning.js';
import {NO_LENGTH} from '../core/graph/layout.js';
import {GraphStore} from '../core/graph/store.js';
import type {Command, CommandContext} from '../commands/context.js';
import {findDuplicateStrings} from '../core/waste/duplicates.js';
import {findEmptyContainers} from '../core/waste/empty-containers.js';
import {findGrowingCollections, lengthView} from '../core/waste/growing.js';
import {findInstanceDicts} from '../core/waste/instance-dicts.js';
import {findOversized} from '../core/waste/oversized.js';
import {generateDump, GENERATOR_VERSION, isMainModule, parseCount} from './generate.js';

/** Targets printed next to the figures (not enforced). */
export const TARGETS = {
	dominatorsMs5M: 1300,
	extraBytesPerObject: 30,
	shapeRatio: 2,
	pathMs: 100,
	diffMs: 8000,
	diffPeakBytes: 1.2e9,
	trendMs: 8000,
	wasteMs5M: 3000,
} as const;

const gc = (globalThis as {gc?: () => void}).gc;

function collect(): void {
	gc?.();
	gc?.();
}

/** xorshift32: deterministic and fast. */
function random32(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state >>>= 0;
		state ^= state >>> 17;
		state ^= state << 5;
		state >>>= 0;
		return state;
	};
}

export type Shape = 'random' | 'chain' | 'clique' | 'parentless' | 'self-loops';

/**
 * A store of `n` objects and `edges` references built in memory (no
 * values): `random` targets; `chain` one chain through every object, the
 * other references pointing backwards; `clique` a clique of min(2000, n)
 * objects (k² references), the rest random; `parentless` half the objects
 * (at most 1M) referenced by nothing; `self-loops` every object referencing
 * itself first.
 */
export function syntheticStore(shape: Shape, n: number, edges: number, seed = 1): GraphStore {
	const next = random32(seed);
	const firstChild = new Uint32Array(n + 1);
	const childTargets = new Uint32Array(edges);
	let e = 0;
	const quota = (i: number, from: number, total: number, span: number): number =>
		Math.floor(((i - from + 1) * total) / span) - Math.floor(((i - from) * total) / span);
	let from = 0;
	if (shape === 'clique') {
		const k = Math.min(2000, n);
		for (let i = 0; i < k; i++) {
			for (let j = 0; j < k && e < edges; j++) {
				childTargets[e++] = j;
			}

			firstChild[i + 1] = e;
		}

		from = k;
	}

	const orphans = shape === 'parentless' ? Math.min(1_000_000, Math.floor(n / 2)) : 0;
	const remaining = edges - e;
	for (let i = from; i < n; i++) {
		let count = quota(i, from, remaining, n - from);
		if (shape === 'chain' && i + 1 < n && count > 0) {
			childTargets[e++] = i + 1;
			count--;
		}

		if (shape === 'self-loops' && count > 0) {
			childTargets[e++] = i;
			count--;
		}

		for (let k = 0; k < count; k++) {
			let target = next() % n;
			if (shape === 'chain') {
				target = next() % (i + 1);
			} else if (shape === 'parentless') {
				target = orphans + (next() % (n - orphans));
			}

			childTargets[e++] = target;
		}

		firstChild[i + 1] = e;
	}

	const objectSize = new Float64Array(n);
	const objectType = new Uint32Array(n);
	for (let i = 0; i < n; i++) {
		objectSize[i] = 16 + (next() % 512);
		objectType[i] = next() % 64;
	}

	return new GraphStore({
		objectAddress: Float64Array.from({length: n}, (_, i) => 0x7f_00_00_00_00_00 + i * 32),
		objectType,
		objectSize,
		objectLength: new Uint32Array(n).fill(NO_LENGTH),
		objectFlags: new Uint8Array(n),
		valueOffset: new Uint32Array(n + 1),
		valueBytes: new Uint8Array(0),
		firstChild,
		childTargets: e === edges ? childTargets : childTargets.slice(0, e),
		unresolvedAddress: new Float64Array(0),
		typeNames: Array.from({length: 64}, (_, t) => `type${t}`),
	});
}

/** Reset the kernel's peak-RSS mark (Linux); false when not possible. */
function resetPeak(): boolean {
	try {
		writeFileSync('/proc/self/clear_refs', '5');
		return true;
	} catch {
		return false;
	}
}

/** Peak RSS since the last reset (Linux VmHWM), or the current RSS. */
function peakRss(): number {
	try {
		const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
		if (match !== null) {
			return Number(match[1]) * 1024;
		}
	} catch {}

	return process.memoryUsage.rss();
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const ms = (value: number): string => `${value.toFixed(0)} ms`;

type DominatorFigures = {
	cpuMs: number;
	wallMs: number;
	phases: Partial<Record<DominatorPhase, number>>;
	/** Growth of the process's RSS, per object: at the peak, and kept after a collection. */
	rssPeakPerObject: number;
	rssKeptPerObject: number;
	/** Array buffers allocated by the computation, per object: at the peak (sampled between 20 ms slices), kept by the result. */
	allocatedPeakPerObject: number;
	allocatedKeptPerObject: number;
};

/** Best CPU time of `runs` (whole runs, no slices); memory from one extra run in slices. */
function measureDominators(store: GraphStore, runs: number): DominatorFigures {
	let best: Pick<DominatorFigures, 'cpuMs' | 'wallMs' | 'phases'> | undefined;
	for (let run = 0; run < runs; run++) {
		collect();
		const cpu = process.cpuUsage();
		const started = performance.now();
		const job = new DominatorJob(store);
		job.run();
		const result = job.result();
		const wallMs = performance.now() - started;
		const used = process.cpuUsage(cpu);
		if (result.objectCount !== store.objectCount) {
			throw new Error('dominators: wrong object count');
		}

		const cpuMs = (used.user + used.system) / 1000;
		if (best === undefined || cpuMs < best.cpuMs) {
			best = {cpuMs, wallMs, phases: {...job.phaseMs}};
		}
	}

	collect();
	const rssBefore = process.memoryUsage.rss();
	const buffersBefore = process.memoryUsage().arrayBuffers;
	resetPeak();
	const job = new DominatorJob(store);
	let buffersPeak = process.memoryUsage().arrayBuffers;
	while (!job.run(performance.now() + 20)) {
		buffersPeak = Math.max(buffersPeak, process.memoryUsage().arrayBuffers);
	}

	buffersPeak = Math.max(buffersPeak, process.memoryUsage().arrayBuffers);
	let result: Dominators | undefined = job.result();
	const rssPeak = peakRss();
	collect();
	const rssKept = process.memoryUsage.rss();
	const buffersKept = process.memoryUsage().arrayBuffers;
	const n = store.objectCount;
	// The result stays referenced until here, so the kept RSS includes it.
	if (result.retainedSize.length < n) {
		throw new Error('dominator result is short');
	}

	const figures: DominatorFigures = {
		...best!,
		rssPeakPerObject: (rssPeak - rssBefore) / n,
		rssKeptPerObject: (rssKept - rssBefore) / n,
		allocatedPeakPerObject: (buffersPeak - buffersBefore) / n,
		allocatedKeptPerObject: (buffersKept - buffersBefore) / n,
	};
	result = undefined;
	return figures;
}

function phaseText(phases: Partial<Record<DominatorPhase, number>>): string {
	return Object.entries(phases).filter(([phase]) => phase !== 'done').map(([phase, value]) => `${phase} ${value!.toFixed(0)}`).join(', ');
}

function dominatorLine(label: string, store: GraphStore, figures: DominatorFigures): string {
	return `  ${label.padEnd(30)} ${store.objectCount.toLocaleString('en-US').padStart(10)} objects ${store.edgeCount.toLocaleString('en-US').padStart(11)} refs: `
		+ `cpu ${ms(figures.cpuMs)} (wall ${ms(figures.wallMs)})\n`
		+ `      allocated: peak +${figures.allocatedPeakPerObject.toFixed(1)} B/object, kept +${figures.allocatedKeptPerObject.toFixed(1)} B/object; `
		+ `RSS: peak +${figures.rssPeakPerObject.toFixed(1)} B/object, kept +${figures.rssKeptPerObject.toFixed(1)} B/object\n`
		+ `      phases (ms, wall): ${phaseText(figures.phases)}`;
}

/** A cached synthetic dump of `objects` objects. */
async function syntheticDump(directory: string, objects: number, seed: number): Promise<string> {
	const file = join(directory, `analyses-v${GENERATOR_VERSION}-${objects}-seed${seed}.json`);
	if (!existsSync(file) || statSync(file).size === 0) {
		process.stdout.write(`  (generating ${file})\n`);
		await generateDump({objects, seed, out: file});
	}

	return file;
}

/** Run a command in this process with throwaway output; used in child mode. */
async function runCommand(command: Command, input: string[]): Promise<number> {
	const sink = new Writable({
		write(_chunk, _encoding, done) {
			done();
		},
	});
	const ctx: CommandContext = {input, flags: {json: true, quiet: true}, rest: [], stdout: sink, stderr: sink, env: process.env};
	return command(ctx);
}

/**
 * `--child diff|trend|load FILE...`: run the command (or only load each
 * file in turn, for comparison), print {ms, peakRss, code}.
 */
async function child(kind: string, files: string[]): Promise<void> {
	// As the CLI does.
	tuneForLoading();
	resetPeak();
	const started = performance.now();
	let code = 0;
	if (kind === 'load') {
		for (const [index, file] of files.entries()) {
			// As the commands load: parents only when an analysis asks for
			// them, parser threads kept while more dumps are to come.
			await loadDump(file, {parents: false, keepThreads: index < files.length - 1});
		}
	} else {
		const module = kind === 'diff' ? await import('../commands/diff.js') : await import('../commands/trend.js');
		code = await runCommand(module.main, files);
	}

	process.stdout.write(JSON.stringify({ms: performance.now() - started, peakRss: peakRss(), code}) + '\n');
}

function inChild(kind: string, files: string[]): {ms: number; peakRss: number; code: number} {
	const script = fileURLToPath(import.meta.url);
	const result = spawnSync(process.execPath, [...NODE_FLAGS, script, '--child', kind, ...files], {encoding: 'utf8', maxBuffer: 1 << 20});
	if (result.status !== 0) {
		throw new Error(`${kind} child failed: ${result.stderr}`);
	}

	return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {ms: number; peakRss: number; code: number};
}

async function main(argv: string[]): Promise<void> {
	const {values} = parseArgs({
		args: argv,
		options: {
			objects: {type: 'string', default: '5e6'},
			only: {type: 'string'},
			runs: {type: 'string', default: '3'},
			'data-dir': {type: 'string'},
			child: {type: 'string'},
		},
		allowPositionals: true,
		strict: false,
	});
	if (typeof values.child === 'string') {
		await child(values.child, argv.filter(arg => !arg.startsWith('--') && arg !== values.child));
		return;
	}

	if (gc === undefined) {
		// Memory figures need a collector we can call: run again with it.
		const again = spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', fileURLToPath(import.meta.url), ...argv], {stdio: 'inherit'});
		process.exitCode = again.status ?? 1;
		return;
	}

	const big = parseCount(String(values.objects));
	const runs = Number(values.runs);
	const only = typeof values.only === 'string' ? new Set(values.only.split(',')) : undefined;
	const want = (name: string): boolean => only === undefined || only.has(name);
	const directory = typeof values['data-dir'] === 'string' ? values['data-dir'] : join(os.tmpdir(), 'meliae-tui-bench-analyses');
	mkdirSync(directory, {recursive: true});
	process.stdout.write(`node ${process.version}, ${os.cpus().length} cpus, load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')}\n`);
	process.stdout.write(`targets: dominators ≤ ${TARGETS.dominatorsMs5M} ms at 5M, ≤ ${TARGETS.extraBytesPerObject} extra bytes/object, shapes ≤ ${TARGETS.shapeRatio}x random, path ≤ ${TARGETS.pathMs} ms, `
		+ `diff 2×5M ≤ ${TARGETS.diffMs / 1000} s and ≤ ${TARGETS.diffPeakBytes / 1e9} GB, trend 10×1M ≤ ${TARGETS.trendMs / 1000} s, waste 5M ≤ ${TARGETS.wasteMs5M / 1000} s\n`);

	if (want('dominators')) {
		process.stdout.write('\ndominators + retained sizes (and per-type retained sizes), best of ' + runs + ':\n');
		for (const n of [1_000_000, big]) {
			const store = syntheticStore('random', n, Math.round(n * 2.48));
			process.stdout.write(dominatorLine('random graph in memory', store, measureDominators(store, runs)) + '\n');
		}

		for (const n of [1_000_000, big]) {
			const file = await syntheticDump(directory, n, 1);
			const {store} = await loadDump(file);
			process.stdout.write(dominatorLine('synthetic dump (generate.ts)', store, measureDominators(store, runs)) + '\n');
		}
	}

	if (want('shapes')) {
		const n = 1_000_000;
		const m = Math.round(n * 2.48);
		process.stdout.write(`\npathological shapes against a random graph of the same size (best of ${runs}):\n`);
		const pairs: Array<[string, GraphStore, GraphStore]> = [
			['chain through 1M objects', syntheticStore('chain', n, m), syntheticStore('random', n, m, 2)],
			['a bare 1M chain', syntheticStore('chain', n, n - 1), syntheticStore('random', n, n - 1, 2)],
			['2,000-object clique + random', syntheticStore('clique', n, m + 4_000_000), syntheticStore('random', n, m + 4_000_000, 2)],
			['a bare 2,000-object clique', syntheticStore('clique', 2000, 4_000_000), syntheticStore('random', 2000, 4_000_000, 2)],
			['1M parentless of 2M', syntheticStore('parentless', 2 * n, 2 * m), syntheticStore('random', 2 * n, 2 * m, 2)],
			['self-loops', syntheticStore('self-loops', n, m), syntheticStore('random', n, m, 2)],
		];
		for (const [label, shape, random] of pairs) {
			const a = measureDominators(shape, runs);
			const b = measureDominators(random, runs);
			process.stdout.write(`  ${label.padEnd(30)} cpu ${ms(a.cpuMs).padStart(8)} vs random ${ms(b.cpuMs).padStart(8)}: ${(a.cpuMs / b.cpuMs).toFixed(2)}x\n`);
		}
	}

	if (want('path')) {
		const file = await syntheticDump(directory, big, 1);
		const {store} = await loadDump(file);
		const next = random32(7);
		const latencies: number[] = [];
		let longest = 0;
		for (let i = 0; i < 200; i++) {
			const target = next() % store.objectCount;
			const started = performance.now();
			const path = findPath(store, target);
			latencies.push(performance.now() - started);
			longest = Math.max(longest, path?.ordinals.length ?? 0);
		}

		latencies.sort((a, b) => a - b);
		process.stdout.write(`\npath to 200 random objects of ${store.objectCount.toLocaleString('en-US')} (right after load): `
			+ `median ${latencies[100]!.toFixed(1)} ms, p95 ${latencies[190]!.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms; longest path ${longest} objects\n`);
	}

	if (want('diff')) {
		const files = [await syntheticDump(directory, big, 1), await syntheticDump(directory, big, 2)];
		const figures = inChild('diff', files);
		const loads = inChild('load', files);
		process.stdout.write(`\ndiff of two ${big.toLocaleString('en-US')}-object dumps (fresh process): ${(figures.ms / 1000).toFixed(1)} s, peak RSS ${mb(figures.peakRss)}`
			+ ` (loading the two alone: ${(loads.ms / 1000).toFixed(1)} s, peak RSS ${mb(loads.peakRss)})\n`);
	}

	if (want('trend')) {
		const files: string[] = [];
		for (let seed = 1; seed <= 10; seed++) {
			files.push(await syntheticDump(directory, 1_000_000, seed));
		}

		const figures = inChild('trend', files);
		const loads = inChild('load', files);
		process.stdout.write(`\ntrend over 10 dumps of 1,000,000 objects (fresh process): ${(figures.ms / 1000).toFixed(1)} s, peak RSS ${mb(figures.peakRss)}`
			+ ` (loading the ten alone: ${(loads.ms / 1000).toFixed(1)} s, peak RSS ${mb(loads.peakRss)})\n`);
	}

	if (want('waste')) {
		const files = [await syntheticDump(directory, big, 2), await syntheticDump(directory, big, 1)];
		const older = lengthView((await loadDump(files[0]!, {parents: false})).store);
		collect();
		const {store} = await loadDump(files[1]!, {parents: false});
		const timed = <T>(run: () => T): [T, number] => {
			const started = performance.now();
			const result = run();
			return [result, performance.now() - started];
		};

		// As the command runs them (no parents index: a path needs it, timed apart).
		const cpuBefore = process.cpuUsage();
		const [duplicates, duplicatesMs] = timed(() => findDuplicateStrings(store, 10));
		const [empty, emptyMs] = timed(() => findEmptyContainers(store));
		const [dicts, dictsMs] = timed(() => findInstanceDicts(store));
		const [oversized, oversizedMs] = timed(() => findOversized(store, 10));
		const [growing, growingMs] = timed(() => findGrowingCollections([older], store, 10));
		const total = duplicatesMs + emptyMs + dictsMs + oversizedMs + growingMs;
		const cpu = process.cpuUsage(cpuBefore);
		process.stdout.write(`\nwaste inspections of ${store.objectCount.toLocaleString('en-US')} objects (after load): ${ms(total)} in all, cpu ${ms((cpu.user + cpu.system) / 1000)}`
			+ ` (target ${TARGETS.wasteMs5M / 1000} s): duplicate strings ${ms(duplicatesMs)} (${duplicates.duplicatedValues} values),`
			+ ` empty containers ${ms(emptyMs)} (${empty.count}), instance dicts ${ms(dictsMs)} (${dicts.length} classes),`
			+ ` oversized ${ms(oversizedMs)} (${oversized.top.length}), growing against a second dump ${ms(growingMs)} (${growing.count})\n`);
		const [, parentsMs] = timed(() => store.ensureParents());
		const [, pathsMs] = timed(() => {
			for (const entry of growing.top) {
				findPath(store, entry.ordinal);
			}
		});
		process.stdout.write(`  and with several dumps, the paths to the ${growing.top.length} growing collections shown: parents index ${ms(parentsMs)}, paths ${ms(pathsMs)}\n`);
	}
}

if (isMainModule(import.meta.url)) {
	await main(process.argv.slice(2));
}
