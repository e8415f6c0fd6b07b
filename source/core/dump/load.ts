/**
 * Load a meliae dump into a GraphStore, streaming: bytes are read in blocks
 * of whole lines, parsed (in worker threads when the file is big enough),
 * merged in file order, indexed and resolved, then meliae's collapse (and on
 * request remove_expensive_references) runs. Progress is reported through a
 * callback; the caller decides how to show it.
 */

import type {Readable} from 'node:stream';
import {collapseInstanceDicts} from '../analyses/collapse.js';
import {removeExpensiveReferences} from '../analyses/expensive.js';
import {buildStore, TooManyObjectsError} from '../graph/build.js';
import type {GraphStore} from '../graph/store.js';
import {type LineProblem, MAX_KEPT_PROBLEMS, parseChunk, type ParsedChunk} from './parse-chunk.js';
import {defaultWorkerCount, ParserPool, workersAvailable} from './parser-pool.js';
import {DEFAULT_BLOCK_SIZE, DumpError, openDump} from './reader.js';

export {DumpError} from './reader.js';

export type LoadPhase = 'reading' | 'merging' | 'resolving' | 'parents' | 'collapsing' | 'expensive' | 'done';

export type LoadProgress = {
	phase: LoadPhase;
	bytesRead: number;
	bytesTotal: number | undefined;
	objects: number;
	elapsedMs: number;
};

export type LoadOptions = {
	/** meliae's collapse_instance_dicts (default on). */
	collapse?: boolean;
	/** meliae's remove_expensive_references (default off). */
	removeExpensive?: boolean;
	/** Stop at the first malformed line with a DumpError naming it. */
	strict?: boolean;
	onProgress?: (progress: LoadProgress) => void;
	/** Called when a phase ends, with its duration. */
	onPhase?: (phase: LoadPhase, ms: number) => void;
	/** Worker threads for parsing: 0 parses on this thread; default: by file size and cores. */
	workers?: number;
	/** The stream read for "-" (default process.stdin). */
	stdin?: Readable;
	signal?: AbortSignal;
	blockSize?: number;
};

export type LoadProblems = {
	/** Lines that could not be read as an object, skipped. */
	malformedLines: number;
	/** The first malformed lines (at most 100), with global line numbers. */
	malformed: LineProblem[];
	duplicateAddresses: number;
	firstDuplicateLine: number;
	/** References to addresses no line describes (kept, counted). */
	unresolvedReferences: number;
	/** The gzip stream ended early; what was decompressed before loaded. */
	truncatedGzip: boolean;
	/** Instance dicts absorbed by collapse. */
	collapsedDicts: number;
};

export type LoadResult = {
	store: GraphStore;
	problems: LoadProblems;
	/** Lines read, bytes of dump text (uncompressed), whether it was gzip. */
	lines: number;
	textBytes: number;
	compressed: boolean;
	file: string;
};

export class LoadAbortedError extends Error {
	constructor() {
		super('loading was interrupted');
		this.name = 'LoadAbortedError';
	}
}

/** Files below this size parse on the main thread: starting workers costs more than it saves. */
const WORKER_THRESHOLD = 24 * 1024 * 1024;

const tick = async (): Promise<void> => new Promise(resolve => {
	setImmediate(resolve);
});

export async function loadDump(file: string, options: LoadOptions = {}): Promise<LoadResult> {
	const started = performance.now();
	let phaseStarted = started;
	let phase: LoadPhase = 'reading';
	const source = await openDump(file, {stdin: options.stdin, blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE});
	const name = file === '-' ? 'standard input' : file;
	let objects = 0;
	const report = (): void => {
		options.onProgress?.({
			phase,
			bytesRead: source.bytesRead,
			bytesTotal: source.bytesTotal,
			objects,
			elapsedMs: performance.now() - started,
		});
	};

	const enter = async (next: LoadPhase): Promise<void> => {
		const now = performance.now();
		options.onPhase?.(phase, now - phaseStarted);
		phaseStarted = now;
		phase = next;
		report();
		await tick();
		if (options.signal?.aborted) {
			throw new LoadAbortedError();
		}
	};

	const wantedWorkers = options.workers
		?? (source.compressed || (source.bytesTotal ?? 0) >= WORKER_THRESHOLD ? defaultWorkerCount() : 0);
	const pool = wantedWorkers > 0 && workersAvailable() ? new ParserPool(wantedWorkers) : undefined;
	const chunks: ParsedChunk[] = [];
	const chunkFirstLine: number[] = [];
	const malformed: LineProblem[] = [];
	let malformedLines = 0;
	let lines = 0;
	let textBytes = 0;
	const strict = options.strict ?? false;

	const accept = (chunk: ParsedChunk): void => {
		chunkFirstLine.push(lines + 1);
		for (const problem of chunk.problems) {
			if (malformed.length < MAX_KEPT_PROBLEMS) {
				malformed.push({line: lines + problem.line, message: problem.message});
			}
		}

		malformedLines += chunk.problemCount;
		lines += chunk.lineCount;
		textBytes += chunk.bytes;
		objects += chunk.objectCount;
		chunks.push(chunk);
		if (strict && chunk.problemCount > 0) {
			const first = malformed[0]!;
			throw new DumpError(name, `malformed line: ${first.message}`, first.line);
		}

		report();
	};

	try {
		report();
		const inFlight: Array<Promise<ParsedChunk>> = [];
		const maxInFlight = pool === undefined ? 0 : pool.size * 2;
		for await (const block of source.blocks()) {
			if (options.signal?.aborted) {
				throw new LoadAbortedError();
			}

			if (pool === undefined) {
				accept(parseChunk(block.bytes, block.end, {strict}));
				await tick();
				continue;
			}

			inFlight.push(pool.parse(block.bytes, block.end, strict));
			while (inFlight.length >= maxInFlight) {
				accept(await inFlight.shift()!);
			}
		}

		while (inFlight.length > 0) {
			accept(await inFlight.shift()!);
		}
	} finally {
		await pool?.close();
		await source.close();
	}

	if (objects === 0) {
		const detail = malformedLines > 0
			? `no object could be read (${malformedLines} malformed line${malformedLines === 1 ? '' : 's'}; first: line ${malformed[0]!.line}: ${malformed[0]!.message})`
			: 'no objects in it: not a meliae dump';
		throw new DumpError(name, detail);
	}

	let built;
	try {
		built = await buildStore(chunks, {
			chunkFirstLine,
			onPhase: async next => enter(next),
		});
	} catch (error) {
		if (error instanceof TooManyObjectsError) {
			throw new DumpError(name, error.message);
		}

		throw error;
	}

	chunks.length = 0;
	let {store} = built;
	let collapsedDicts = 0;
	if (options.collapse ?? true) {
		await enter('collapsing');
		({store, collapsed: collapsedDicts} = collapseInstanceDicts(store));
	}

	if (options.removeExpensive ?? false) {
		await enter('expensive');
		({store} = removeExpensiveReferences(store));
	}

	objects = store.objectCount;
	await enter('done');
	return {
		store,
		problems: {
			malformedLines,
			malformed,
			duplicateAddresses: built.duplicateCount,
			firstDuplicateLine: built.firstDuplicateLine,
			unresolvedReferences: store.unresolvedReferenceCount,
			truncatedGzip: source.truncated,
			collapsedDicts,
		},
		lines,
		textBytes,
		compressed: source.compressed,
		file: name,
	};
}
