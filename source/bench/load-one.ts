/**
 * Load one dump with the project's loader, in this process, and print one
 * JSON line of figures for the benchmark driver:
 *
 *   {file, bytes, fileBytes, objects, refs, msToSummary, msTotal,
 *    phases: [{name, ms}], maxRssBytes, ...}
 *
 * Usage: node dist/bench/load-one.js FILE [--no-collapse] [--workers N] [--index [--index-dir DIR]] [--retained] [--no-parents]
 *
 * With --index the load uses the persisted index as the command line does
 * (reads it when there is one, writes it otherwise); `index` in the figures
 * says which, with the index's size.
 *
 * `msToSummary` is the time until the per-type summary is computed: the
 * loader calls `onObjectsReady` once every object's final type and size are
 * known (references resolved, instance dicts collapsed), before it builds
 * parents; `summarizeTypes` runs there.
 * `msTotal` is the time until everything is done: parents and collapse
 * included, plus the summary.
 * With --retained, `msToRetained` is the time until retained sizes are
 * known too, as `top` gets them: with --index, read from the analyses
 * saved with the index, else computed at once after the load (and, with
 * --index, saved); `msTotal` still stops before it. With --no-parents,
 * the load builds no referrers (as the commands load: an analysis that
 * needs them builds them), so a reopen reads only what `top` reads.
 */

import {statSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {computeDominatorsAsync} from '../core/analyses/dominators.js';
import {saveAnalyses, savedDominators, savedLargestRetained} from '../core/index/saved-analyses.js';
import {summarizeTypes} from '../core/analyses/summary.js';
import {loadDump} from '../core/dump/load.js';
import {tuneForLoading} from '../core/util/tuning.js';
import {runIfMain} from './generate.js';

export type LoadFigures = {
	readonly file: string;
	/** Dump text bytes (uncompressed). */
	readonly bytes: number;
	/** Bytes on disk. */
	readonly fileBytes: number;
	readonly compressed: boolean;
	/** Objects in the dump (lines read), before collapse. */
	readonly objects: number;
	/** Objects in the store after collapse. */
	readonly storeObjects: number;
	/** References in the store. */
	readonly refs: number;
	readonly msToSummary: number;
	readonly msTotal: number;
	/** With --retained: until the retained sizes are known. */
	readonly msToRetained?: number;
	readonly phases: ReadonlyArray<{readonly name: string; readonly ms: number}>;
	readonly maxRssBytes: number;
	/** CPU time of the process (user + system, every thread), start-up included, at the end. */
	readonly cpuMs?: number;
	readonly types: number;
	readonly collapsedDicts: number;
	readonly unresolvedReferences: number;
	readonly malformedLines: number;
	/** The index read or written, with --index. */
	readonly index?: {readonly path: string; readonly bytes: number; readonly read: boolean};
};

const round = (ms: number): number => Math.round(ms * 10) / 10;

export async function loadOne(file: string, options: {collapse?: boolean; workers?: number; index?: boolean; indexDir?: string; retained?: boolean; parents?: boolean} = {}): Promise<LoadFigures> {
	const started = performance.now();
	const phases: Array<{name: string; ms: number}> = [];
	let summaryReadyMs: number | undefined;
	const result = await loadDump(file, {
		collapse: options.collapse ?? true,
		workers: options.workers,
		index: options.index ?? false,
		indexDir: options.indexDir,
		// --no-parents: as the commands load (top, show, path), parents only when an analysis asks.
		parents: options.parents ?? true,
		// As the commands load: the index is written while they go on.
		overlapIndexWrite: true,
		onNote(note) {
			process.stderr.write(`load-one: ${note}\n`);
		},
		onPhase(phase, ms) {
			phases.push({name: phase, ms: round(ms)});
		},
		onObjectsReady(store) {
			// Every object's final type and size are known: the summary can be drawn.
			summarizeTypes(store);
			summaryReadyMs = performance.now() - started;
		},
	});
	const loadedMs = performance.now() - started;
	const summaryStarted = performance.now();
	const summary = summarizeTypes(result.store);
	const summaryMs = performance.now() - summaryStarted;
	phases.push({name: 'summary', ms: round(summaryMs)});
	const {store, problems} = result;
	let msToRetained: number | undefined;
	if (options.retained === true) {
		const dominatorsStarted = performance.now();
		// As `top` does: the largest saved retained sizes streamed from the
		// analyses saved with the index; else computed, then saved with it.
		const largest = options.index === true ? savedLargestRetained(store, 20) : undefined;
		if (largest === undefined) {
			const saved = options.index === true ? savedDominators(store) : undefined;
			// In slices, as the commands compute them (the index is written meanwhile).
			const dominators = saved ?? await computeDominatorsAsync(store, {sliceMs: 50});
			if (saved === undefined && options.index === true) {
				// Waits for the index to be written first.
				await saveAnalyses(store, dominators);
			}

			if (dominators.objectCount !== store.objectCount) {
				throw new Error('dominators: wrong object count');
			}
		}

		phases.push({name: 'retained', ms: round(performance.now() - dominatorsStarted)});
		msToRetained = round(performance.now() - started);
	}

	// The index is written (or given up) before the figures are taken.
	await result.indexWritten;
	return {
		file,
		bytes: result.textBytes,
		fileBytes: statSync(file).size,
		compressed: result.compressed,
		objects: result.lines - problems.malformedLines,
		storeObjects: store.objectCount,
		refs: store.edgeCount,
		msToSummary: round(summaryReadyMs ?? loadedMs + summaryMs),
		msTotal: round(loadedMs + summaryMs),
		...(msToRetained === undefined ? {} : {msToRetained}),
		phases,
		maxRssBytes: process.resourceUsage().maxRSS * 1024,
		cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
		types: summary.types.length,
		collapsedDicts: problems.collapsedDicts,
		unresolvedReferences: problems.unresolvedReferences,
		malformedLines: problems.malformedLines,
		...(result.index === undefined ? {} : {index: result.index}),
	};
}

async function main(argv: string[]): Promise<number> {
	// As the CLI does.
	tuneForLoading();
	const {values, positionals} = parseArgs({
		args: argv,
		options: {
			'no-collapse': {type: 'boolean', default: false},
			workers: {type: 'string'},
			index: {type: 'boolean', default: false},
			'index-dir': {type: 'string'},
			retained: {type: 'boolean', default: false},
			'no-parents': {type: 'boolean', default: false},
		},
		allowPositionals: true,
		strict: true,
	});
	if (positionals.length !== 1) {
		process.stderr.write('Usage: node dist/bench/load-one.js FILE [--no-collapse] [--workers N] [--index [--index-dir DIR]] [--retained] [--no-parents]\n');
		return 2;
	}

	const figures = await loadOne(positionals[0]!, {
		collapse: !values['no-collapse'],
		workers: values.workers === undefined ? undefined : Number(values.workers),
		index: values.index,
		indexDir: values['index-dir'],
		retained: values.retained,
		parents: !values['no-parents'],
	});
	process.stdout.write(JSON.stringify(figures) + '\n');
	return 0;
}

runIfMain(import.meta.url, 'load-one', main);
