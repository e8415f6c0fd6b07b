/**
 * memlab on the same graph as ours (issue 9: our first open to retained
 * sizes should be at least 8× faster than memlab's).
 *
 * The bench installs `@memlab/core` at bench time into its data directory
 * (`npm install --prefix DIR`, without install scripts: memlab's browser
 * dependency would fetch a browser, which the heap analysis does not need),
 * converts each dump to a V8 heap snapshot with our loader
 * (heapsnapshot.ts), and runs memlab on it in a fresh process: its heap
 * loader (`utils.getSnapshotFromFile`), then its dominator tree and
 * retained sizes (`TraceFinder.calculateAllNodesRetainedSizes`). The time
 * is from the start of the parse to the retained sizes, inside the process
 * (as ours is measured); the peak RSS is the process's. The retained sizes
 * of sampled objects are compared with ours on every run.
 *
 * Usage (the child side): node dist/bench/memlab.js SNAPSHOT --memlab DIR [--check ORDINAL,...]
 */

import {spawn} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {basename, dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {NODE_FLAGS} from '../core/util/tuning.js';
import {errorLine, lastJson, runChild} from './child.js';
import {runIfMain} from './generate.js';
import type {ConvertFigures} from './heapsnapshot.js';

const here = dirname(fileURLToPath(import.meta.url));

/** What the bench installs: memlab's heap analysis, without its browser driver. */
export const MEMLAB_PACKAGE = '@memlab/core@^2';
/** The issue's target: memlab's time over ours, to retained sizes. */
export const MEMLAB_TARGET_RATIO = 8;

export type MemlabLookup =
	| {readonly found: true; readonly dir: string; readonly version: string}
	| {readonly found: false; readonly message: string};

/** memlab installed in `dir`, if it is. */
export function installedMemlab(dir: string): MemlabLookup {
	const manifest = join(dir, 'node_modules', '@memlab', 'core', 'package.json');
	try {
		const {version} = JSON.parse(readFileSync(manifest, 'utf8')) as {version?: unknown};
		if (typeof version === 'string' && existsSync(join(dir, 'node_modules', '@memlab', 'core', 'dist', 'index.js'))) {
			return {found: true, dir, version};
		}
	} catch {}

	return {found: false, message: `memlab is not installed in ${dir}`};
}

/** Run npm (npm's own configuration: its registry, its cache). */
async function npm(args: readonly string[], timeoutMs: number): Promise<{code: number | null; output: string; failure?: string}> {
	return new Promise(resolvePromise => {
		const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...process.env, PUPPETEER_SKIP_DOWNLOAD: '1'},
		});
		let output = '';
		const keep = (chunk: Buffer): void => {
			output = (output + chunk.toString('utf8')).slice(-20_000);
		};

		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
		}, timeoutMs);
		child.on('error', error => {
			clearTimeout(timer);
			resolvePromise({code: null, output: '', failure: error.message});
		});
		child.on('close', code => {
			clearTimeout(timer);
			resolvePromise({code, output});
		});
	});
}

/**
 * memlab in `dir`: the one there, else installed now. Never throws: when it
 * cannot be installed, says why in one line.
 */
export async function ensureMemlab(dir: string, log: (message: string) => void = () => {}): Promise<MemlabLookup> {
	const there = installedMemlab(dir);
	if (there.found) {
		return there;
	}

	log(`installing ${MEMLAB_PACKAGE} into ${dir}`);
	const result = await npm(['install', '--prefix', dir, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel', 'error', MEMLAB_PACKAGE], 10 * 60_000);
	const installed = installedMemlab(dir);
	if (installed.found) {
		return installed;
	}

	const reason = result.failure === undefined
		? (result.code === 0 ? 'npm installed no @memlab/core' : `npm install ${result.code === null ? 'was stopped' : `exited with ${result.code}`}${errorLine(result.output)}`)
		: `npm could not run: ${result.failure}`;
	return {found: false, message: `memlab could not be installed (${reason}); skipped`};
}

// ---------------------------------------------------------------- one memlab run (the child)

/** What memlab.js prints (one JSON line). */
export type MemlabRun = {
	readonly version: string;
	readonly nodes: number;
	readonly edges: number;
	/** Reading and parsing the snapshot (memlab's heap loader). */
	readonly msParse: number;
	/** Its dominator tree and retained sizes. */
	readonly msRetained: number;
	/** Parse to retained sizes. */
	readonly msToRetained: number;
	/**
	 * Then the shortest paths from the root, which memlab's own analyses
	 * compute with the retained sizes when they load a heap (not counted in
	 * msToRetained, nor in maxRssBytes).
	 */
	readonly msShortestPaths: number;
	/** Peak RSS with the shortest paths too. */
	readonly maxRssWithPathsBytes: number;
	/** CPU time of the process (user + system) until the retained sizes, start-up included. */
	readonly cpuMs: number;
	readonly maxRssBytes: number;
	/** The root's retained size (every object's size, when all are reached). */
	readonly rootRetained: number;
	/** memlab's retained sizes of the objects asked for: [ordinal, size]. */
	readonly retained: ReadonlyArray<readonly [number, number]>;
	/** Spawn to exit, set by the bench. */
	wallMs?: number;
};

/** The part of @memlab/core used here (it ships no types the project compiles against). */
type MemlabNode = {readonly retainedSize: number};
type MemlabSnapshot = {
	readonly nodes: {readonly length: number; get(index: number): MemlabNode | null};
	readonly edges: {readonly length: number};
};
type MemlabCore = {
	config: {muteConsole: boolean};
	utils: {getSnapshotFromFile(file: string, options: Record<string, unknown>): Promise<MemlabSnapshot>};
	TraceFinder: new () => {
		calculateAllNodesRetainedSizes(snapshot: MemlabSnapshot): void;
		annotateShortestPaths(snapshot: MemlabSnapshot): void;
	};
};

/** Load memlab from its install directory (CommonJS). */
export function requireMemlab(dir: string): MemlabCore {
	const require = createRequire(join(resolve(dir), 'package.json'));
	return require('@memlab/core') as MemlabCore;
}

/** In this process: memlab loads the snapshot, then computes dominators and retained sizes. */
export async function memlabRetained(dir: string, snapshotFile: string, ordinals: readonly number[]): Promise<MemlabRun> {
	const lookup = installedMemlab(dir);
	if (!lookup.found) {
		throw new Error(lookup.message);
	}

	const memlab = requireMemlab(dir);
	memlab.config.muteConsole = true;
	const started = performance.now();
	const snapshot = await memlab.utils.getSnapshotFromFile(snapshotFile, {buildNodeIdIndex: true});
	if (snapshot === null || snapshot === undefined) {
		throw new Error(`memlab could not parse ${snapshotFile}`);
	}

	const parsed = performance.now();
	new memlab.TraceFinder().calculateAllNodesRetainedSizes(snapshot);
	const done = performance.now();
	const cpu = process.cpuUsage();
	const maxRssBytes = process.resourceUsage().maxRSS * 1024;
	const sizeOf = (index: number): number => snapshot.nodes.get(index)?.retainedSize ?? Number.NaN;
	const retained = ordinals.map(ordinal => [ordinal, sizeOf(ordinal + 1)] as const);
	const rootRetained = sizeOf(0);
	new memlab.TraceFinder().annotateShortestPaths(snapshot);
	const paths = performance.now();
	return {
		version: lookup.version,
		nodes: snapshot.nodes.length,
		edges: snapshot.edges.length,
		msParse: Math.round(parsed - started),
		msRetained: Math.round(done - parsed),
		msToRetained: Math.round(done - started),
		msShortestPaths: Math.round(paths - done),
		cpuMs: Math.round((cpu.user + cpu.system) / 1000),
		maxRssBytes,
		maxRssWithPathsBytes: process.resourceUsage().maxRSS * 1024,
		rootRetained,
		// Object ordinal o is node o + 1 (node 0 is the root).
		retained,
	};
}

/** Run memlab.js on a snapshot in a fresh process. */
export async function runMemlab(script: string, dir: string, snapshotFile: string, ordinals: readonly number[]): Promise<MemlabRun> {
	const result = await runChild(process.execPath, [script, snapshotFile, '--memlab', dir, '--check', ordinals.join(',')], {timeoutMs: 60 * 60_000});
	const run = lastJson<MemlabRun>('memlab', result);
	run.wallMs = Math.round(result.wallMs);
	return run;
}

// ---------------------------------------------------------------- agreement and the printout

export type MemlabReport = {
	readonly version: string;
	/** The conversion of the dump (heapsnapshot.js): counts, timings, our sampled retained sizes. */
	readonly conversion: ConvertFigures;
	readonly runs: MemlabRun[];
};

/** Compare memlab's retained sizes with ours: every sampled object and the total. */
export function agreement(conversion: Pick<ConvertFigures, 'samples' | 'totalSize'>, run: Pick<MemlabRun, 'retained' | 'rootRetained'>): {checked: number; differing: number; first?: string} {
	const theirs = new Map(run.retained.map(([ordinal, size]) => [ordinal, size]));
	let differing = 0;
	let first: string | undefined;
	for (const {ordinal, retained} of conversion.samples) {
		const size = theirs.get(ordinal);
		if (size !== retained) {
			differing++;
			first ??= `object ${ordinal}: ours ${retained}, memlab ${size ?? 'none'}`;
		}
	}

	if (run.rootRetained !== conversion.totalSize) {
		differing++;
		first ??= `the root: ours ${conversion.totalSize}, memlab ${run.rootRetained}`;
	}

	return {checked: conversion.samples.length + 1, differing, ...(first === undefined ? {} : {first})};
}

function medianOf(values: readonly number[]): number {
	const finite = values.filter(value => Number.isFinite(value)).sort((a, b) => a - b);
	if (finite.length === 0) {
		return Number.NaN;
	}

	const middle = finite.length >> 1;
	return finite.length % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

export type MemlabFigures = {
	readonly msToRetained: number;
	readonly wallMs: number;
	readonly cpuMs: number;
	readonly maxRssBytes: number;
	readonly msParse: number;
	readonly msRetained: number;
	readonly msShortestPaths: number;
	readonly maxRssWithPathsBytes: number;
};

export function memlabFigures(report: MemlabReport): MemlabFigures {
	const pick = (field: (run: MemlabRun) => number | undefined): number => medianOf(report.runs.map(run => field(run) ?? Number.NaN));
	return {
		msToRetained: pick(run => run.msToRetained),
		wallMs: pick(run => run.wallMs),
		cpuMs: pick(run => run.cpuMs),
		maxRssBytes: pick(run => run.maxRssBytes),
		msParse: pick(run => run.msParse),
		msRetained: pick(run => run.msRetained),
		msShortestPaths: pick(run => run.msShortestPaths),
		maxRssWithPathsBytes: pick(run => run.maxRssWithPathsBytes),
	};
}

const secs = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '–');
const megabytes = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1e6).toFixed(0)} MB` : '–');

/** memlab's time over ours, to retained sizes. */
export function memlabRatio(report: MemlabReport | undefined, oursRetainedMs: number): number {
	return report === undefined || report.runs.length === 0 ? Number.NaN : memlabFigures(report).msToRetained / oursRetainedMs;
}

/**
 * "memlab on the same graph: X s, Y MB; ours first open to retained: Z s
 * => X/Z times (target ≥ 8×)", then the CPU seconds of both processes
 * when ours are known (on a busy machine they say more than wall time), or
 * undefined when memlab did not run.
 */
export function memlabLine(report: MemlabReport | undefined, oursRetainedMs: number, oursCpuMs = Number.NaN): string | undefined {
	if (report === undefined || report.runs.length === 0) {
		return undefined;
	}

	const f = memlabFigures(report);
	const ratio = memlabRatio(report, oursRetainedMs);
	const verdict = Number.isFinite(ratio) ? (ratio >= MEMLAB_TARGET_RATIO ? ' ok' : ' under') : '';
	return `memlab on the same graph: ${secs(f.msToRetained)}, ${megabytes(f.maxRssBytes)}; ours first open to retained: ${secs(oursRetainedMs)}`
		+ ` => ${Number.isFinite(ratio) ? ratio.toFixed(1) : '–'} times (target ≥ ${MEMLAB_TARGET_RATIO}×)${verdict}`
		+ (Number.isFinite(oursCpuMs) ? `; CPU: memlab ${secs(f.cpuMs)}, ours ${secs(oursCpuMs)} => ${(f.cpuMs / oursCpuMs).toFixed(1)} times` : '');
}

/** The details: conversion, memlab's phases, wall and CPU time, the agreement of retained sizes. */
export function memlabDetails(label: string, report: MemlabReport): string[] {
	const c = report.conversion;
	const f = memlabFigures(report);
	const checks = report.runs.map(run => agreement(c, run));
	const differing = checks.filter(check => check.differing > 0);
	const lines = [
		`${label}: memlab ${report.version}, ${report.runs.length} run(s); snapshot ${megabytes(c.bytes)}, ${c.nodes} nodes, ${c.edges} edges (${c.rootEdges} from the root), `
			+ `converted in ${secs(c.msLoad + c.msDominators + c.msWrite)} (load ${secs(c.msLoad)}, our dominators ${secs(c.msDominators)}, writing ${secs(c.msWrite)})`,
		`  memlab: parse ${secs(f.msParse)} + dominators and retained sizes ${secs(f.msRetained)} = ${secs(f.msToRetained)}; CPU ${secs(f.cpuMs)} (start-up included), peak ${megabytes(f.maxRssBytes)}`,
		`  then its shortest paths from the root (its analyses compute them too when they load a heap): ${secs(f.msShortestPaths)} more, peak ${megabytes(f.maxRssWithPathsBytes)}; wall ${secs(f.wallMs)} with process start and exit`,
		differing.length === 0
			? `  retained sizes agree with ours on ${checks[0]?.checked ?? 0} objects (sampled, and the total)`
			: `  retained sizes DIFFER from ours in ${differing.length} of ${checks.length} runs (${differing[0]!.first!})`,
	];
	if (c.unresolvedLeftOut > 0 || c.oversize > 0) {
		lines.push(`  left out of the snapshot: ${c.unresolvedLeftOut} references to addresses not in the dump; ${c.oversize} sizes over 4 GiB cut to fit`);
	}

	return lines;
}

// ---------------------------------------------------------------- the bench's side

/** Bytes of snapshot per object, with room to spare (about 62 at 5M objects). */
export const SNAPSHOT_BYTES_PER_OBJECT = 80;

/**
 * memlab on one dump: converted once to a snapshot in the memlab directory
 * (deleted by finish()), then run() as many times as the bench runs loads.
 */
export class MemlabSubject {
	readonly report: MemlabReport;

	private constructor(private readonly dir: string, readonly snapshot: string, conversion: ConvertFigures, version: string) {
		this.report = {version, conversion, runs: []};
	}

	/** Convert the dump (heapsnapshot.js, in a child process). */
	static async start(install: {readonly dir: string; readonly version: string}, dump: string): Promise<MemlabSubject> {
		const snapshot = join(install.dir, basename(dump) + '.heapsnapshot');
		try {
			const result = await runChild(process.execPath, [...NODE_FLAGS, join(here, 'heapsnapshot.js'), dump, snapshot], {timeoutMs: 60 * 60_000});
			const conversion = lastJson<ConvertFigures>('heapsnapshot', result);
			return new MemlabSubject(install.dir, snapshot, conversion, install.version);
		} catch (error) {
			rmSync(snapshot, {force: true});
			rmSync(snapshot + '.partial', {force: true});
			throw error;
		}
	}

	/** One memlab run; throws (after keeping the run) when its retained sizes are not ours. */
	async run(): Promise<MemlabRun> {
		const run = await runMemlab(join(here, 'memlab.js'), this.dir, this.snapshot, this.report.conversion.samples.map(sample => sample.ordinal));
		this.report.runs.push(run);
		const check = agreement(this.report.conversion, run);
		if (check.differing > 0) {
			throw new Error(`retained sizes differ from ours on ${check.differing} of ${check.checked} objects (${check.first!})`);
		}

		return run;
	}

	/** Delete the snapshot. */
	finish(): void {
		rmSync(this.snapshot, {force: true});
	}
}

// ---------------------------------------------------------------- main (the child)

async function main(argv: string[]): Promise<number> {
	const {values, positionals} = parseArgs({
		args: argv,
		options: {memlab: {type: 'string'}, check: {type: 'string', default: ''}},
		allowPositionals: true,
		strict: true,
	});
	if (positionals.length !== 1 || values.memlab === undefined) {
		process.stderr.write('Usage: node dist/bench/memlab.js SNAPSHOT --memlab DIR [--check ORDINAL,...]\n');
		return 2;
	}

	const ordinals = values.check.split(',').filter(Boolean).map(Number);
	const run = await memlabRetained(values.memlab, positionals[0]!, ordinals);
	process.stdout.write(JSON.stringify(run) + '\n');
	return 0;
}

runIfMain(import.meta.url, 'memlab', main);
