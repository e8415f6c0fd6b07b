/**
 * Load a meliae dump into a GraphStore, streaming: bytes are read in blocks
 * of whole lines, parsed (in worker threads when the file is big enough),
 * merged in file order, indexed and resolved, then meliae's collapse (and on
 * request remove_expensive_references) runs. Progress is reported through a
 * callback; the caller decides how to show it.
 */

import {AllocSidecarError, readAllocSidecar} from '../alloc/sidecar.js';
import {type AllocSites, setAllocSites} from '../alloc/sites.js';
import type {Readable} from 'node:stream';
import {collapseSteps} from '../analyses/collapse.js';
import {expensiveSteps} from '../analyses/expensive.js';
import {meliaeTypeRankFromTableSteps, meliaeTypeRankSteps, tableHashes} from '../analyses/meliae-order.js';
import {type ObjectTableJob, startObjectTable} from '../analyses/meliae-table-thread.js';
import {summaryHasTies} from '../analyses/summary.js';
import {StoreBuilder, TooManyObjectsError} from '../graph/build.js';
import {setSlotNames} from '../graph/slot-names.js';
import {type GraphStore, leaveToSource, takeBackFromSource} from '../graph/store.js';
import type {IndexColumnSource} from '../index/index-source.js';
import {escapeControls} from '../format/escape.js';
import {bindToIndex, type DumpIdentity, findIndex, identifyDump, IndexReadError, type IndexSettings, indexWritesSettled, pendingIndexWrite, saveIndex} from '../index/persisted.js';
import {type ChunkHead, type LineProblem, MAX_KEPT_PROBLEMS} from './parse-chunk.js';
import {type CpuMark, markCpu} from '../util/cpu-busy.js';
import {currentWorkerCount, InlineParser, ParserPool, type ParseService, releaseSharedParsers, sharedParserPool, workersAvailable} from './parser-pool.js';
import {BufferRecycler} from '../util/recycler.js';
import {DEFAULT_BLOCK_SIZE, DumpError, openDump} from './reader.js';
import type {CutReport} from './long-line.js';

/** The most `"slots"` lists kept by address (classes first in any real dump). */
const MAX_SLOT_LISTS = 1 << 22;

export {DumpError} from './reader.js';

/**
 * reading: bytes are read, parsed and indexed; resolving: references become
 * ordinals; collapsing, expensive: meliae's transformations; parents: the
 * referrer lists are built (after onObjectsReady); reading index: a saved
 * index is read instead of all of these; writing index: one is saved; done.
 */
export type LoadPhase = 'reading index' | 'reading' | 'resolving' | 'collapsing' | 'expensive' | 'parents' | 'writing index' | 'done';

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
	/**
	 * The longest stretch of work (ms) between two checks of `signal` and
	 * two progress reports in the phases after reading (default 50).
	 */
	stepMs?: number;
	blockSize?: number;
	/**
	 * Called once every object's final type, size and references are known,
	 * before parents are built: the summary can be shown from here.
	 */
	onObjectsReady?: (store: GraphStore) => void;
	/**
	 * Keep the parser threads for the next load (several dumps in a row):
	 * they keep their compiled code and buffers and skip their warm-up. A
	 * load without it still uses threads kept by an earlier load, then lets
	 * them go, which frees their memory at once.
	 */
	keepThreads?: boolean;
	/**
	 * Build the parents before returning (default true). When false they are
	 * built on first use, so work that never asks for them does not pay.
	 */
	parents?: boolean;
	/**
	 * Use the persisted index (see source/core/index/): read it instead of
	 * parsing when a usable one exists, write one after a parse. Default off
	 * here; the command line turns it on unless --no-index.
	 */
	index?: boolean;
	/** Look for and write the index only in this directory (--index-dir). */
	indexDir?: string;
	/** Write an index only for dumps of at least this many bytes (default 1 MiB); a present index is read whatever the size. */
	indexMinBytes?: number;
	/** Parse and write a new index even when a usable one exists (`meliae-tui index`). */
	rewriteIndex?: boolean;
	/** Where the index's cache directory comes from (default process.env). */
	env?: NodeJS.ProcessEnv;
	/** One line each about the index (damaged and rebuilt, not written because ...). */
	onNote?: (note: string) => void;
	/**
	 * Return as soon as the dump is loaded and let the index be written by
	 * the I/O threads meanwhile (`indexWritten` in the result settles when
	 * it is; saveAnalyses waits for it by itself). Default: return once it
	 * is written.
	 */
	overlapIndexWrite?: boolean;
};

/** Dumps smaller than this parse in milliseconds: no index file beside them unless asked for. */
export const DEFAULT_INDEX_MIN_BYTES = 1024 * 1024;

export type LoadProblems = {
	/** Lines that could not be read as an object, skipped. */
	malformedLines: number;
	/** The first malformed lines (at most 100), with global line numbers. */
	malformed: LineProblem[];
	duplicateAddresses: number;
	firstDuplicateLine: number;
	/** References to addresses no line describes (kept, counted). */
	unresolvedReferences: number;
	/** The gzip stream ended early or was damaged; what was decompressed before loaded. */
	truncatedGzip: boolean;
	/** What was wrong with the gzip data (truncated, damaged, trailing bytes), when truncatedGzip. */
	gzipDamage: string | undefined;
	/** Strings longer than MAX_STRING_BYTES, kept cut to that length. */
	cutStrings: number;
	/** The line of the first cut string, and the real length (bytes of JSON text) of the longest. */
	firstCutLine: number;
	longestCutString: number;
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
	/**
	 * The index read (read: true) or written for this load, if any. With
	 * overlapIndexWrite, set once the write finished (see indexWritten).
	 */
	index?: {path: string; bytes: number; read: boolean};
	/**
	 * Settles (never rejects) once the index this load writes is written
	 * and the store bound to it (or not written: a note said why), with
	 * `index`; at once when nothing is written. Until then the store's
	 * arrays must not change.
	 */
	indexWritten?: Promise<LoadResult['index']>;
	/** Allocation sites read from `FILE.alloc.json.gz` (never for standard input). */
	alloc?: AllocSites;
	/** Why the allocation-site file beside the dump was not used (`file:line: ...`). */
	allocProblem?: string;
};

export class LoadAbortedError extends Error {
	constructor() {
		super('loading was interrupted');
		this.name = 'LoadAbortedError';
	}
}

/**
 * Dumps with less text than this parse on the main thread: below it, the
 * threads' start and warm-up cost more than they save (measured on 2 cores:
 * 136 MB inline 1.33 s vs 1.45 s with threads; 340 MB 2.93 s vs 2.43 s).
 */
const WORKER_THRESHOLD = 192 * 1024 * 1024;

const tick = async (): Promise<void> => new Promise(resolve => {
	setImmediate(resolve);
});

/** `promise`, or LoadAbortedError as soon as `signal` aborts (whatever `promise` is waiting for). */
async function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
	if (signal === undefined) {
		return promise;
	}

	if (signal.aborted) {
		promise.catch(() => undefined);
		throw new LoadAbortedError();
	}

	let onAbort: (() => void) | undefined;
	const aborted = new Promise<never>((_resolve, reject) => {
		onAbort = () => {
			reject(new LoadAbortedError());
		};

		signal.addEventListener('abort', onAbort, {once: true});
	});
	try {
		return await Promise.race([promise, aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort!);
		// The loser must not become an unhandled rejection.
		promise.catch(() => undefined);
	}
}

/** Steps of at most this long between checks for Ctrl-C and progress. */
const STEP_MS = 50;

export async function loadDump(file: string, options: LoadOptions = {}): Promise<LoadResult> {
	// Measured from here, while the index is looked for: how busy the cores are, for the parser threads.
	const cpuMark = options.workers === undefined ? markCpu() : undefined;
	let identity: DumpIdentity | undefined;
	let settings: IndexSettings | undefined;
	let rebuild = false;
	if (options.index === true && file !== '-') {
		settings = {
			collapse: options.collapse ?? true,
			removeExpensive: options.removeExpensive ?? false,
			indexDir: options.indexDir,
			env: options.env,
			onNote: options.onNote,
		};
		identity = identifyDump(file, settings);
		if (identity !== undefined && options.rewriteIndex !== true) {
			try {
				const indexed = await loadFromIndex(file, identity, settings, options);
				if (indexed.result !== undefined) {
					indexed.result.indexWritten = Promise.resolve(indexed.result.index);
					return indexed.result;
				}

				rebuild = indexed.unusable;
			} catch (error) {
				if (!(error instanceof IndexReadError)) {
					throw error;
				}

				// A part read while loading (the parents) failed its checks: parse instead.
				settings.onNote?.(`note: index ${escapeControls(error.path)} is damaged (${error.reason}); rebuilding it`);
				rebuild = true;
			}
		}
	}

	if (options.index === true) {
		// A store whose index is still being written stays in memory until
		// it is: one at a time (a command loading dumps in a row).
		await indexWritesSettled();
	}

	const result = await parseDump(file, options, cpuMark);
	if (identity !== undefined && settings !== undefined
		&& (rebuild || identity.size >= (options.indexMinBytes ?? DEFAULT_INDEX_MIN_BYTES))) {
		const {valuesLeft, written} = writeIndexFor(file, identity, result, settings, options);
		result.indexWritten = written;
		// With the overlap, the rest of the index is written while the caller
		// goes on; the values and the address hash first, and the store reads
		// them from the file before the caller's next big arrays are made.
		await (options.overlapIndexWrite === true ? valuesLeft : written);
	} else {
		result.indexWritten = Promise.resolve(result.index);
	}

	return result;
}

/**
 * Write the index of a parsed dump: the checksums and layout now, the
 * writes by the I/O threads (see saveIndex). Once its values and address
 * hash are written the store reads them from the file, as a store read
 * from an index does, and its own are freed (`valuesLeft`); once it is
 * written the store is bound to it (`written`). Neither rejects: every
 * failure is a note.
 */
function writeIndexFor(file: string, identity: DumpIdentity, result: LoadResult, settings: IndexSettings, options: LoadOptions): {valuesLeft: Promise<void>; written: Promise<LoadResult['index']>} {
	const phaseStarted = performance.now();
	const {store, problems, lines, textBytes, compressed} = result;
	options.onProgress?.({
		phase: 'writing index', bytesRead: identity.size, bytesTotal: identity.size, objects: store.objectCount, elapsedMs: 0,
	});
	const saving = saveIndex(file, identity, store, {problems, lines, textBytes, compressed}, settings);
	let left: IndexColumnSource | undefined;
	const valuesLeft = saving.firstWritten.then(source => {
		if (source !== undefined) {
			leaveToSource(store, source);
			left = source;
		}
	});
	const written = saving.saved.then(async saved => {
		options.onPhase?.('writing index', performance.now() - phaseStarted);
		if (saved === undefined) {
			await valuesLeft;
			if (left !== undefined) {
				// The values went to a file that is removed now: the store takes
				// them back (read and checked), and the file's space is freed.
				takeBackFromSource(store);
				left.close();
			}

			return undefined;
		}

		result.index = {path: saved.path, bytes: saved.bytes, read: false};
		bindToIndex(store, saved.path, saved.binding, identity, settings.onNote, saved.parentsWritten);
		return result.index;
	}).catch((error: unknown) => {
		settings.onNote?.(`note: not using the index written: ${escapeControls((error as Error).message)}`);
		return undefined;
	});
	// Until it is written and the store bound to it, analyses wait (saveAnalyses).
	pendingIndexWrite(store, written);
	return {valuesLeft, written};
}

/**
 * Read the allocation sites beside `file` (`FILE.alloc.json.gz`, never for
 * standard input) into `store`; a damaged sidecar is a problem to report,
 * not a failed load.
 */
async function attachAllocSites(file: string, store: GraphStore): Promise<{alloc?: AllocSites; allocProblem?: string}> {
	if (file === '-') {
		return {};
	}

	try {
		const alloc = await readAllocSidecar(file, store);
		if (alloc !== undefined) {
			setAllocSites(store, alloc);
		}

		return alloc === undefined ? {} : {alloc};
	} catch (error) {
		if (!(error instanceof AllocSidecarError)) {
			throw error;
		}

		return {allocProblem: error.message};
	}
}

/** The load from a usable index of `file`, or undefined (parse it). */
async function loadFromIndex(file: string, identity: DumpIdentity, settings: IndexSettings, options: LoadOptions): Promise<{result: LoadResult | undefined; unusable: boolean}> {
	const started = performance.now();
	const report = (phase: LoadPhase, bytesRead: number, bytesTotal: number, objects: number): void => {
		options.onProgress?.({phase, bytesRead, bytesTotal, objects, elapsedMs: performance.now() - started});
	};

	if (options.signal?.aborted) {
		throw new LoadAbortedError();
	}

	report('reading index', 0, identity.size, 0);
	const {read: found, unusable} = findIndex(file, identity, settings, (bytesRead, bytesTotal) => {
		report('reading index', bytesRead, bytesTotal, 0);
	});
	if (found === undefined) {
		return {result: undefined, unusable};
	}

	const {store, problems} = found;
	if ((options.strict ?? false) && problems.malformedLines > 0) {
		// A strict load stops at the first malformed line: let the parser name it.
		return {result: undefined, unusable: false};
	}

	options.onPhase?.('reading index', performance.now() - started);
	bindToIndex(store, found.path, found.binding, identity, settings.onNote);
	const {alloc, allocProblem} = await attachAllocSites(file, store);
	options.onObjectsReady?.(store);
	if (options.parents ?? true) {
		const parentsStarted = performance.now();
		while (!store.buildParentsStep(performance.now() + STEP_MS)) {
			report('parents', found.bytes, found.bytes, store.objectCount);
			await tick();
			if (options.signal?.aborted) {
				throw new LoadAbortedError();
			}
		}

		options.onPhase?.('parents', performance.now() - parentsStarted);
	}

	report('done', found.bytes, found.bytes, store.objectCount);
	return {
		result: {
			store,
			problems: {...problems, unresolvedReferences: store.unresolvedReferenceCount},
			lines: found.lines,
			textBytes: found.textBytes,
			compressed: found.compressed,
			file,
			index: {path: found.path, bytes: found.bytes, read: true},
			...(alloc === undefined ? {} : {alloc}),
			...(allocProblem === undefined ? {} : {allocProblem}),
		},
		unusable,
	};
}

async function parseDump(file: string, options: LoadOptions, cpuMark?: CpuMark): Promise<LoadResult> {
	const started = performance.now();
	let phaseStarted = started;
	let phase: LoadPhase = 'reading';
	// Block buffers and parsed columns are recycled: fresh memory is slow to touch.
	const recycler = new BufferRecycler();
	const source = await openDump(file, {stdin: options.stdin, blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE, recycler});
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

	const checkAbort = (): void => {
		if (options.signal?.aborted) {
			throw new LoadAbortedError();
		}
	};

	const enter = async (next: LoadPhase): Promise<void> => {
		const now = performance.now();
		options.onPhase?.(phase, now - phaseStarted);
		phaseStarted = now;
		phase = next;
		report();
		await tick();
		checkAbort();
	};

	// Unknown sizes (standard input) may be big: threads.
	const wantedWorkers = options.workers
		?? ((source.textBytesHint ?? Number.POSITIVE_INFINITY) >= WORKER_THRESHOLD ? await currentWorkerCount(cpuMark) : 0);
	let pool: ParserPool | undefined;
	let sharedPool = false;
	if (wantedWorkers > 0 && workersAvailable()) {
		pool = sharedParserPool(wantedWorkers, recycler, options.keepThreads === true);
		sharedPool = pool !== undefined;
		pool ??= new ParserPool(wantedWorkers, recycler);
	}

	const service: ParseService = pool ?? new InlineParser(recycler);
	const malformed: LineProblem[] = [];
	let malformedLines = 0;
	let lines = 0;
	let textBytes = 0;
	const strict = options.strict ?? false;
	let builder: StoreBuilder | undefined;
	const slotNames = new Map<number, string[]>();

	let cutStrings = 0;
	let firstCutLine = 0;
	let longestCutString = 0;
	const accept = (id: number, head: ChunkHead, cut: CutReport | undefined): void => {
		// Cut by the reader (lines longer than a block) or by the parser.
		const cutHere = (cut?.strings ?? 0) + head.cutStrings;
		if (cutHere > 0) {
			if (cutStrings === 0) {
				firstCutLine = lines + (head.cutStrings > 0 && cut === undefined ? head.firstCutLine : 1);
			}

			cutStrings += cutHere;
			longestCutString = Math.max(longestCutString, cut?.longest ?? 0, head.longestCut);
		}

		for (const problem of head.problems) {
			if (malformed.length < MAX_KEPT_PROBLEMS) {
				malformed.push({line: lines + problem.line, message: problem.message});
			}
		}

		malformedLines += head.problemCount;
		for (const [address, names] of head.slotNames ?? []) {
			// A JavaScript Map holds at most 2^24 entries: past the cap (a
			// dump made of millions of instances with unset slots), the
			// further instances' references stay unnamed rather than fail.
			if (slotNames.size < MAX_SLOT_LISTS) {
				slotNames.set(address, names);
			}
		}

		if (strict && head.problemCount > 0) {
			const first = malformed[0]!;
			throw new DumpError(name, `malformed line: ${first.message}`, first.line);
		}

		if (builder === undefined) {
			// Size the columns from what the first block says about the rest.
			const perByte = head.objectCount / Math.max(1, head.bytes);
			// The first lines of a dump (names, modules) are shorter than the
			// rest, so this tends to be high: the hash is sized by it.
			const expected = source.textBytesHint === undefined
				? head.objectCount * 16
				: source.textBytesHint * perByte;
			builder = new StoreBuilder(Math.max(head.objectCount, expected));
		}

		try {
			builder.accept(id, head, lines + 1);
		} catch (error) {
			if (error instanceof TooManyObjectsError) {
				throw new DumpError(name, error.message);
			}

			throw error;
		}

		lines += head.lineCount;
		textBytes += head.bytes;
		objects += head.objectCount;
		service.recycle(id, head);
		report();
	};

	let store: GraphStore;
	let duplicateCount = 0;
	let firstDuplicateLine = 0;
	try {
		report();
		const inFlight: Array<{id: number; head: Promise<ChunkHead>; cut: CutReport | undefined}> = [];
		const maxInFlight = pool === undefined ? 1 : pool.size * 2;
		let nextId = 0;
		const blocks = source.blocks();
		try {
			for (;;) {
				checkAbort();
				const next = await abortable(blocks.next(), options.signal);
				if (next.done) {
					break;
				}

				const block = next.value;
				// Later blocks are sized from what came before.
				const expectedObjects = textBytes > 0 ? Math.ceil(block.end * (objects / textBytes) * 1.1) + 64 : undefined;
				const id = nextId++;
				const head = service.parse(id, block.bytes, block.end, strict, expectedObjects);
				head.catch(() => undefined);
				inFlight.push({id, head, cut: block.cut});
				while (inFlight.length >= maxInFlight) {
					const parsed = inFlight.shift()!;
					accept(parsed.id, await abortable(parsed.head, options.signal), parsed.cut);
				}

				if (pool === undefined) {
					await tick();
				}
			}

			while (inFlight.length > 0) {
				const parsed = inFlight.shift()!;
				accept(parsed.id, await abortable(parsed.head, options.signal), parsed.cut);
			}
		} finally {
			// Stops reading (and gunzip) on every path. After Ctrl-C it is not
			// waited for: a read may be pending on a pipe; closing the source
			// (below) ends it.
			const returned = blocks.return(undefined).catch(() => undefined);
			if (!options.signal?.aborted) {
				await returned;
			}
		}

		if (builder === undefined || objects === 0) {
			const detail = malformedLines > 0
				? `no object could be read (${malformedLines} malformed line${malformedLines === 1 ? '' : 's'}; first: line ${malformed[0]!.line}: ${malformed[0]!.message})`
				: 'no objects in it: not a meliae dump';
			throw new DumpError(name, detail);
		}

		await enter('resolving');
		const built = builder;
		await abortable(service.resolve(built.objectAddress, built.index.slots, built.count, built.index.slotKeys, built.targets(), id => built.edgeBaseOf(id), chunk => {
			built.place(chunk);
		}, options.signal), options.signal);
		({store, duplicateCount, firstDuplicateLine} = built.finish());
		builder = undefined;
	} finally {
		if (sharedPool) {
			pool!.end();
			if (options.keepThreads !== true) {
				// The last of a series: the threads go, and their memory with them.
				await releaseSharedParsers();
			}
		} else {
			await service.close();
		}

		await source.close();
		recycler.clear();
	}

	// The long loops below run in slices: Ctrl-C is seen within one.
	const stepMs = options.stepMs ?? STEP_MS;
	const stepped = async <T>(steps: Generator<void, T>): Promise<T> => {
		let deadline = performance.now() + stepMs;
		for (;;) {
			const next = steps.next();
			if (next.done === true) {
				return next.value;
			}

			if (performance.now() >= deadline) {
				report();
				await tick();
				checkAbort();
				deadline = performance.now() + stepMs;
			}
		}
	};

	// meliae's order of types breaks ties in the summary and goes into the
	// index: made here, in slices, rather than in one uninterruptible pass
	// when the summary or the index first asks for it. Its costly part,
	// replaying meliae's object table, needs only the addresses as they are
	// now: with cores to spare (the parse used threads) a thread makes it
	// while collapse runs here. (remove_expensive adds an object the table
	// holds too: then it is all made here.)
	let tableJob: ObjectTableJob | undefined;
	if (options.index === true && pool !== undefined && !(options.removeExpensive ?? false)) {
		tableJob = startObjectTable(tableHashes(store));
	}

	let collapsedDicts = 0;
	try {
		if (options.collapse ?? true) {
			await enter('collapsing');
			({store, collapsed: collapsedDicts} = await stepped(collapseSteps(store)));
		}

		if (options.removeExpensive ?? false) {
			await enter('expensive');
			({store} = await stepped(expensiveSteps(store)));
		}

		if (options.index === true || summaryHasTies(store)) {
			const table = tableJob === undefined ? undefined : await abortable(tableJob.table, options.signal);
			await stepped(table === undefined ? meliaeTypeRankSteps(store) : meliaeTypeRankFromTableSteps(store, table));
		}
	} finally {
		tableJob?.stop();
	}

	setSlotNames(store, slotNames);
	const {alloc, allocProblem} = await attachAllocSites(file, store);

	objects = store.objectCount;
	options.onObjectsReady?.(store);
	if (options.parents ?? true) {
		await enter('parents');
		while (!store.buildParentsStep(performance.now() + STEP_MS)) {
			report();
			await tick();
			checkAbort();
		}
	}

	await enter('done');
	return {
		store,
		problems: {
			malformedLines,
			malformed,
			duplicateAddresses: duplicateCount,
			firstDuplicateLine,
			unresolvedReferences: store.unresolvedReferenceCount,
			truncatedGzip: source.truncated,
			gzipDamage: source.damage,
			cutStrings,
			firstCutLine,
			longestCutString,
			collapsedDicts,
		},
		lines,
		textBytes,
		compressed: source.compressed,
		file: name,
		...(alloc === undefined ? {} : {alloc}),
		...(allocProblem === undefined ? {} : {allocProblem}),
	};
}
