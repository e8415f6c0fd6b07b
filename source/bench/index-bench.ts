/**
 * The persisted index's figures on one dump (the bench's 5M by default):
 * first load without an index, first load writing one, reopen from it (time
 * to summary, total with parents, peak RSS), the first command that
 * computes the retained sizes on it and saves them (`top`), then a reopen
 * to summary and to retained sizes as a command does it (columns read on
 * first use, the largest saved retained sizes streamed as `top` reads
 * them; times from process start, peak RSS), the
 * index's and the analyses file's size against the dump's text, and
 * `summarize`, `show`, `path`, `top` and `retained` wall clock (process
 * start included) on the indexed dump and with --no-index. Every load runs
 * in a fresh process; times are medians of --runs. Figures only: it never
 * fails on time.
 *
 * Usage: node dist/bench/index-bench.js [FILE] [--runs N] [--json]
 */

import {spawnSync} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, readSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {summarizeTypes} from '../core/analyses/summary.js';
import {computeDominators} from '../core/analyses/dominators.js';
import {loadDump} from '../core/dump/load.js';
import {analysesPath, savedDominators, savedLargestRetained} from '../core/index/persisted.js';
import {isMainModule} from './generate.js';
import type {LoadFigures} from './load-one.js';
import {median} from './run.js';
import {NODE_FLAGS} from '../core/util/tuning.js';

const here = dirname(fileURLToPath(import.meta.url));
const loadOneScript = join(here, 'load-one.js');
const cliScript = join(here, '..', 'cli.js');
const defaultDump = join(here, '..', '..', 'bench-data', 'index-bench-5M.json');

function loadOne(file: string, extra: readonly string[]): LoadFigures {
	const child = spawnSync(process.execPath, [...NODE_FLAGS, loadOneScript, file, ...extra], {encoding: 'utf8', maxBuffer: 1 << 24});
	if (child.status !== 0) {
		throw new Error(`load-one failed: ${child.stderr.trim()}`);
	}

	return JSON.parse(child.stdout) as LoadFigures;
}

/** Wall-clock milliseconds of one CLI run, process start included. */
function cliWall(args: readonly string[]): number {
	const started = performance.now();
	const child = spawnSync(process.execPath, [...NODE_FLAGS, cliScript, ...args], {encoding: 'utf8', maxBuffer: 1 << 26});
	const ms = performance.now() - started;
	if (child.status !== 0) {
		throw new Error(`meliae-tui ${args.join(' ')} failed: ${child.stderr.trim()}`);
	}

	return ms;
}

/** The address on the dump's first line (an object `show` can open). */
function firstAddress(file: string): string {
	const fd = openSync(file, 'r');
	const buffer = Buffer.alloc(256);
	readSync(fd, buffer, 0, buffer.length, 0);
	closeSync(fd);
	const match = /"address": (\d+)/.exec(buffer.toString('latin1'));
	if (match === null) {
		throw new Error(`${file}: no address on its first line`);
	}

	return match[1]!;
}

export type ReopenFigures = {
	/** From process start. */
	msToSummary: number;
	msToRetained: number;
	maxRssBytes: number;
	/** Whether the retained sizes were read (saved by an earlier command) rather than computed. */
	savedDominators: boolean;
};

const benchScript = fileURLToPath(import.meta.url);

/** In this process: reopen `file` from its index as a command does, to summary, then to retained sizes. */
async function reopenHere(file: string, indexDir: string): Promise<ReopenFigures> {
	const result = await loadDump(file, {index: true, indexDir, parents: false});
	if (result.index?.read !== true) {
		throw new Error('the reopen did not read the index');
	}

	summarizeTypes(result.store);
	const msToSummary = performance.now();
	// As `top` gets them: the largest saved retained sizes streamed; else the dominators whole.
	const largest = savedLargestRetained(result.store, 10);
	const saved = largest ?? savedDominators(result.store);
	const dominators = saved ?? computeDominators(result.store);
	if (dominators.totalSize < 0) {
		throw new Error('impossible dominators');
	}

	return {
		msToSummary: Math.round(msToSummary),
		msToRetained: Math.round(performance.now()),
		maxRssBytes: process.resourceUsage().maxRSS * 1024,
		savedDominators: saved !== undefined,
	};
}

function reopenChild(file: string, indexDir: string): ReopenFigures {
	const child = spawnSync(process.execPath, [...NODE_FLAGS, benchScript, file, '--reopen-child', indexDir], {encoding: 'utf8', maxBuffer: 1 << 24});
	if (child.status !== 0) {
		throw new Error(`reopen failed: ${child.stderr.trim()}`);
	}

	return JSON.parse(child.stdout) as ReopenFigures;
}

export type IndexBenchFigures = {
	file: string;
	objects: number;
	textBytes: number;
	indexBytes: number;
	firstLoad: {msToSummary: number; msTotal: number; maxRssBytes: number};
	firstLoadWritingIndex: {msToSummary: number; msTotal: number; msWriting: number; maxRssBytes: number};
	reopen: {msToSummary: number; msTotal: number; maxRssBytes: number};
	/** The first `top` on the indexed dump: computes the retained sizes and saves them. */
	firstTopMs: number;
	analysesBytes: number;
	/** Reopen as a command does, the retained sizes saved. */
	reopenForCommand: ReopenFigures;
	wallMs: Record<string, {indexed: number; parsed: number}>;
};

const med = (runs: readonly LoadFigures[], pick: (figures: LoadFigures) => number): number => Math.round(median(runs.map(pick)));

export function measure(file: string, runs: number): IndexBenchFigures {
	const plain: LoadFigures[] = [];
	const writing: LoadFigures[] = [];
	const reopen: LoadFigures[] = [];
	let indexDir = '';
	for (let run = 0; run < runs; run++) {
		plain.push(loadOne(file, []));
		if (indexDir !== '') {
			rmSync(indexDir, {recursive: true, force: true});
		}

		indexDir = mkdtempSync(join(tmpdir(), 'meliae-index-bench-'));
		const written = loadOne(file, ['--index', '--index-dir', indexDir]);
		if (written.index?.read !== false) {
			throw new Error('the first load did not write an index');
		}

		writing.push(written);
		const read = loadOne(file, ['--index', '--index-dir', indexDir]);
		if (read.index?.read !== true) {
			throw new Error('the reopen did not read the index');
		}

		reopen.push(read);
	}

	const address = firstAddress(file);
	// The first command that needs retained sizes computes and saves them.
	const firstTopMs = Math.round(cliWall(['top', file, '--limit', '10', '--index-dir', indexDir]));
	const analysesBytes = statSync(analysesPath(writing.at(-1)!.index!.path)).size;
	const reopens: ReopenFigures[] = [];
	for (let run = 0; run < runs; run++) {
		reopens.push(reopenChild(file, indexDir));
	}

	if (!reopens.every(figures => figures.savedDominators)) {
		throw new Error('the reopen did not read the saved retained sizes');
	}

	const reopenMedian = (pick: (figures: ReopenFigures) => number): number => Math.round(median(reopens.map(pick)));
	const wallMs: Record<string, {indexed: number; parsed: number}> = {};
	const commands: Record<string, string[]> = {
		summarize: ['summarize', file],
		show: ['show', file, address],
		path: ['path', file, address],
		top: ['top', file, '--limit', '10'],
		retained: ['retained', file, address],
	};
	for (const [name, args] of Object.entries(commands)) {
		const indexed: number[] = [];
		const parsed: number[] = [];
		for (let run = 0; run < runs; run++) {
			indexed.push(cliWall([...args, '--index-dir', indexDir]));
			parsed.push(cliWall([...args, '--no-index']));
		}

		wallMs[name] = {indexed: Math.round(median(indexed)), parsed: Math.round(median(parsed))};
	}

	rmSync(indexDir, {recursive: true, force: true});
	const writeMs = (figures: LoadFigures): number => figures.phases.find(phase => phase.name === 'writing index')?.ms ?? 0;
	return {
		file,
		objects: plain[0]!.objects,
		textBytes: plain[0]!.bytes,
		indexBytes: writing[0]!.index!.bytes,
		firstLoad: {msToSummary: med(plain, f => f.msToSummary), msTotal: med(plain, f => f.msTotal), maxRssBytes: med(plain, f => f.maxRssBytes)},
		firstLoadWritingIndex: {
			msToSummary: med(writing, f => f.msToSummary), msTotal: med(writing, f => f.msTotal), msWriting: med(writing, writeMs), maxRssBytes: med(writing, f => f.maxRssBytes),
		},
		reopen: {msToSummary: med(reopen, f => f.msToSummary), msTotal: med(reopen, f => f.msTotal), maxRssBytes: med(reopen, f => f.maxRssBytes)},
		firstTopMs,
		analysesBytes,
		reopenForCommand: {
			msToSummary: reopenMedian(f => f.msToSummary),
			msToRetained: reopenMedian(f => f.msToRetained),
			maxRssBytes: reopenMedian(f => f.maxRssBytes),
			savedDominators: true,
		},
		wallMs,
	};
}

export function formatFigures(figures: IndexBenchFigures): string {
	const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
	const perObject = (bytes: number): string => `${Math.round(bytes / figures.objects)} B/obj`;
	const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;
	const {firstLoad, firstLoadWritingIndex: writing, reopen} = figures;
	const lines = [
		`index figures: ${figures.file} (${figures.objects.toLocaleString('en-US')} objects, ${mb(figures.textBytes)} of text)`,
		`  first load, no index:      summary ${s(firstLoad.msToSummary)}, total ${s(firstLoad.msTotal)}, peak ${mb(firstLoad.maxRssBytes)} (${perObject(firstLoad.maxRssBytes)})`,
		`  first load writing index:  summary ${s(writing.msToSummary)}, total ${s(writing.msTotal)} (writing ${s(writing.msWriting)}: ${Math.round(writing.msWriting * 100 / firstLoad.msTotal)}% of a load; total ${Math.round((writing.msTotal / firstLoad.msTotal - 1) * 100)}% against the load above; target <= +15%), peak ${mb(writing.maxRssBytes)}`,
		`  reopen from the index:     summary ${s(reopen.msToSummary)} (target <= 0.5 s), total with parents ${s(reopen.msTotal)}, peak ${mb(reopen.maxRssBytes)} (${perObject(reopen.maxRssBytes)}; target <= 50)`,
		`  first top (computes and saves retained sizes): ${s(figures.firstTopMs)}; analyses file ${mb(figures.analysesBytes)}`,
		`  reopen as a command, from process start: summary ${s(figures.reopenForCommand.msToSummary)} (target <= 0.5 s), retained sizes ${s(figures.reopenForCommand.msToRetained)} (target <= 0.8 s), peak ${mb(figures.reopenForCommand.maxRssBytes)} (${perObject(figures.reopenForCommand.maxRssBytes)}; target <= 50)`,
		`  index size:                ${mb(figures.indexBytes)}, ${(figures.indexBytes / figures.textBytes).toFixed(2)}x the dump's text (target <= 0.8x); with the analyses ${((figures.indexBytes + figures.analysesBytes) / figures.textBytes).toFixed(2)}x`,
		'  wall clock, process start included (indexed / --no-index; target <= 0.8 s indexed):',
	];
	for (const [name, wall] of Object.entries(figures.wallMs)) {
		lines.push(`    ${name.padEnd(10)} ${s(wall.indexed)} / ${s(wall.parsed)}`);
	}

	return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
	const {values, positionals} = parseArgs({
		args: argv,
		options: {runs: {type: 'string', default: '3'}, json: {type: 'boolean', default: false}, 'reopen-child': {type: 'string'}},
		allowPositionals: true,
		strict: true,
	});
	const file = positionals[0] ?? defaultDump;
	if (values['reopen-child'] !== undefined) {
		process.stdout.write(JSON.stringify(await reopenHere(file, values['reopen-child'])) + '\n');
		return 0;
	}

	const figures = measure(file, Math.max(1, Number(values.runs)));
	process.stdout.write((values.json ? JSON.stringify(figures) : formatFigures(figures)) + '\n');
	return 0;
}

if (isMainModule(import.meta.url)) {
	try {
		process.exitCode = await main(process.argv.slice(2));
	} catch (error) {
		process.stderr.write(`index-bench: ${error instanceof Error ? error.message : String(error)}\n`);
		process.exitCode = 1;
	}
}
