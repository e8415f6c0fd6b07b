/**
 * Analyses saved with an index: a store that was read from an index, or
 * whose index was just written, is bound to it; its parents and dominators
 * are then read from the index's analyses file when present (see
 * analyses-file.ts), and saved there once computed, for the next load.
 * Every problem is one note and the analysis is computed instead: saved
 * analyses can only save time, never fail a command.
 */

import type {Dominators} from '../analyses/dominators.js';
import {escapeControls} from '../format/escape.js';
import type {GraphStore} from '../graph/store.js';
import {AnalysesSlices, analysesPath, readAnalysesGroup, type SavedDominatorsRead, type SavedParents, writeAnalysesFile} from './analyses-file.js';
import type {DumpIdentity} from './identity.js';
import {type IndexBinding, IndexProblem} from './index-file.js';

type Bound = {
	indexPath: string;
	binding: IndexBinding;
	identity: DumpIdentity;
	/** The index holds the parents itself: the companion need not. */
	parentsInIndex: boolean;
	/** What the companion on disk is known to hold for this index. */
	parentsSaved: boolean;
	dominatorsSaved: boolean;
	dominators: Dominators | undefined;
	/** Whether the companion was found damaged (said once). */
	damagedSaid: boolean;
	/** Whether not being able to write was said (once). */
	refusedSaid: boolean;
	onNote: ((note: string) => void) | undefined;
	/** The companion opened for slices (undefined: not yet; null: not there or unusable). */
	slices?: AnalysesSlices | null;
	/** The size of the analyses file this process wrote last. */
	writtenBytes?: number;
};

const bound = new WeakMap<GraphStore, Bound>();

/** Each store whose index is being written, with the write (it never rejects). */
const writing = new WeakMap<GraphStore, Promise<unknown>>();
/** Every index write not settled yet in this process. */
const unsettled = new Set<Promise<unknown>>();

/**
 * Record that `store`'s index is being written: saveAnalyses waits for
 * `written` (which must never reject) before it saves anything, since
 * analyses are bound to the index they sit beside.
 */
export function pendingIndexWrite(store: GraphStore, written: Promise<unknown>): void {
	const settled = written.finally(() => {
		unsettled.delete(settled);
		if (writing.get(store) === settled) {
			writing.delete(store);
		}
	});
	writing.set(store, settled);
	unsettled.add(settled);
}

/** Resolves once every index write of this process has finished or been abandoned. */
export async function indexWritesSettled(): Promise<void> {
	while (unsettled.size > 0) {
		// eslint-disable-next-line no-await-in-loop
		await Promise.allSettled([...unsettled]);
	}
}

const shown = (path: string): string => escapeControls(path);

function noteDamaged(entry: Bound, error: unknown): void {
	if (!entry.damagedSaid) {
		entry.damagedSaid = true;
		const message = error instanceof Error ? error.message : String(error);
		entry.onNote?.(`note: saved analyses ${shown(analysesPath(entry.indexPath))} are unusable (${shown(message)}); computing them`);
	}
}

function readGroup(store: GraphStore, entry: Bound, group: 'parents'): SavedParents | undefined;
function readGroup(store: GraphStore, entry: Bound, group: 'dominators'): Dominators | undefined;
function readGroup(store: GraphStore, entry: Bound, group: 'parents' | 'dominators'): SavedParents | Dominators | undefined {
	try {
		return group === 'parents'
			? readAnalysesGroup(analysesPath(entry.indexPath), entry.binding, entry.identity, store, 'parents')
			: readAnalysesGroup(analysesPath(entry.indexPath), entry.binding, entry.identity, store, 'dominators');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ENOTDIR') {
			return undefined;
		}

		if (error instanceof IndexProblem && error.kind === 'version') {
			return undefined;
		}

		// Damaged, hostile, or an array a damaged header asked for could not be made.
		noteDamaged(entry, error);
		return undefined;
	}
}

/**
 * Bind `store` to the index at `indexPath` (just read, or just written for
 * it): its parents, when not in the index, come from the analyses file
 * when there, and are saved there once built.
 */
export function bindToIndex(store: GraphStore, indexPath: string, binding: IndexBinding, identity: DumpIdentity, onNote?: (note: string) => void, parentsInIndex = store.hasParents): void {
	const entry: Bound = {
		indexPath,
		binding,
		identity,
		parentsInIndex,
		parentsSaved: parentsInIndex,
		dominatorsSaved: false,
		dominators: undefined,
		damagedSaid: false,
		refusedSaid: false,
		onNote,
	};
	bound.set(store, entry);
	if (store.hasParents) {
		if (!parentsInIndex) {
			// Built while the index was written (by an analysis on its way to
			// the dominators, most likely, which then saves both in one
			// file): saved beside it when the process has nothing left to do,
			// if nothing saved them before. Held weakly: a store let go is
			// not kept for this.
			saveParentsBeforeExit(new WeakRef(store));
		}

		return;
	}

	store.parentsReader = ordinal => {
		const slices = slicesOf(store, entry, 'parents');
		if (slices === undefined) {
			return undefined;
		}

		try {
			return slices.parentsOf(ordinal);
		} catch (error) {
			dropSlices(entry, error);
			return undefined;
		}
	};

	store.parentsSource = () => {
		const parents = readGroup(store, entry, 'parents');
		entry.parentsSaved = parents !== undefined;
		return parents;
	};

	store.onParentsBuilt = () => {
		// After the current task: an analysis that built them on its way to
		// the dominators saves both in one file.
		setImmediate(() => {
			if (!entry.parentsSaved) {
				saveAnalysesNow(store);
			}
		});
	};
}

/** Stores whose parents, built while their index was written, are saved before the process ends (held weakly). */
const parentsBeforeExit = new Set<WeakRef<GraphStore>>();

/** A function of its own, so that the listener holds the stores weakly only; one listener for all. */
function saveParentsBeforeExit(held: WeakRef<GraphStore>): void {
	if (parentsBeforeExit.size === 0) {
		process.once('beforeExit', () => {
			const waiting = [...parentsBeforeExit];
			parentsBeforeExit.clear();
			for (const reference of waiting) {
				const store = reference.deref();
				const entry = store === undefined ? undefined : bound.get(store);
				if (store !== undefined && entry !== undefined && !entry.parentsSaved) {
					saveAnalysesNow(store);
				}
			}
		});
	}

	parentsBeforeExit.add(held);
}

/** The companion opened for slices, when it holds `group` with its block checksums. */
function slicesOf(store: GraphStore, entry: Bound, group: 'parents' | 'dominators'): AnalysesSlices | undefined {
	if (entry.slices === undefined) {
		try {
			entry.slices = AnalysesSlices.open(analysesPath(entry.indexPath), entry.binding, entry.identity, store) ?? null;
		} catch (error) {
			dropSlices(entry, error);
		}
	}

	return entry.slices?.has(group) ? entry.slices : undefined;
}

/** A slice failed: no more slices; damage is said once (a whole read then finds it too, and computes instead). */
function dropSlices(entry: Bound, error: unknown): void {
	entry.slices = null;
	if (error instanceof IndexProblem && error.kind === 'version') {
		return;
	}

	const code = (error as NodeJS.ErrnoException).code;
	if (!(error instanceof IndexProblem) && code !== undefined) {
		return;
	}

	noteDamaged(entry, error);
}

/**
 * One object's saved dominator (NO_OBJECT for none) and retained size, read
 * without the whole dominators (block by block, checked) when they are not
 * in memory yet; undefined when none are saved or they cannot be read.
 */
export function savedDominanceOf(store: GraphStore, ordinal: number): {idom: number; retainedSize: number} | undefined {
	const entry = bound.get(store);
	if (entry === undefined) {
		return undefined;
	}

	if (entry.dominators !== undefined) {
		return {idom: entry.dominators.idom[ordinal]!, retainedSize: entry.dominators.retainedSize[ordinal]!};
	}

	const slices = slicesOf(store, entry, 'dominators');
	if (slices === undefined) {
		return undefined;
	}

	try {
		return slices.checkedDominanceOf(ordinal);
	} catch (error) {
		dropSlices(entry, error);
		return undefined;
	}
}

/** What `top` needs of the saved dominators: the largest retained sizes and the totals, without reading them whole. */
export type SavedLargest = {
	totalSize: number;
	/** Cycles unreachable from any object (see Dominators.representatives). */
	representativeCount: number;
	/** Largest retained size first (ties: lower ordinal first). */
	ordinals: Uint32Array;
	retainedSizes: Float64Array;
};

/**
 * The `count` objects that retain the most, from the saved retained sizes
 * streamed block by block (each checked; see AnalysesSlices.largestRetained),
 * without holding them whole; undefined when none are saved or they cannot
 * be read (damage is one note).
 */
export function savedLargestRetained(store: GraphStore, count: number): SavedLargest | undefined {
	const entry = bound.get(store);
	// Dominators in memory already: the caller uses them.
	const slices = entry === undefined || entry.dominators !== undefined ? undefined : slicesOf(store, entry, 'dominators');
	if (slices === undefined) {
		return undefined;
	}

	try {
		return {totalSize: slices.totalSize!, representativeCount: slices.representativeCount, ...slices.largestRetained(count)};
	} catch (error) {
		dropSlices(entry!, error);
		return undefined;
	}
}

/**
 * The saved dominators read in steps, for the explorer: `step(deadline)`
 * works until the deadline and is true when finished; `result()` is then
 * the dominators (checked), or undefined when there are none to read or they
 * are unusable (one note) and must be computed. Nothing is read before the
 * first step.
 */
export type SavedDominatorsJob = {
	step(deadline: number): boolean;
	fraction(): number;
	result(): Dominators | undefined;
};

export function savedDominatorsJob(store: GraphStore): SavedDominatorsJob {
	const entry = bound.get(store);
	let read: SavedDominatorsRead | undefined;
	let finished = entry === undefined || entry.dominators !== undefined;
	return {
		step(deadline) {
			if (finished) {
				return true;
			}

			try {
				if (read === undefined) {
					read = slicesOf(store, entry!, 'dominators')?.readDominators();
					if (read === undefined) {
						finished = true;
						return true;
					}
				}

				if (!read.step(deadline)) {
					return false;
				}

				entry!.dominators = read.result();
				entry!.dominatorsSaved = true;
			} catch (error) {
				// Damaged (or a column found damaged: that one is not ours to hide).
				if (!(error instanceof IndexProblem)) {
					throw error;
				}

				dropSlices(entry!, error);
			}

			read = undefined;
			finished = true;
			return true;
		},
		fraction: () => read?.fraction() ?? (finished ? 1 : 0),
		result: () => entry?.dominators,
	};
}

/** The index `store` is bound to, if any. */
export function boundIndex(store: GraphStore): string | undefined {
	return bound.get(store)?.indexPath;
}

/** The size of the analyses file saved for `store` in this process, if one was. */
export function savedAnalysesBytes(store: GraphStore): number | undefined {
	return bound.get(store)?.writtenBytes;
}

/** The dominators saved with the store's index, when it has them (checked), else undefined. */
export function savedDominators(store: GraphStore): Dominators | undefined {
	const entry = bound.get(store);
	if (entry === undefined) {
		return undefined;
	}

	if (entry.dominators === undefined) {
		entry.dominators = readGroup(store, entry, 'dominators');
		entry.dominatorsSaved = entry.dominators !== undefined;
	}

	return entry.dominators;
}

/**
 * Save what was computed on `store` (its parents when built here, and
 * `dominators` when given) in its index's analyses file, if it is bound to
 * an index and something is not saved yet. When the store's index is still
 * being written (a first load), this waits for it first: the analyses file
 * is bound to the index written. Resolves to the file's size, or undefined
 * when nothing was written (a note says why when it failed); never rejects.
 */
export async function saveAnalyses(store: GraphStore, dominators?: Dominators): Promise<number | undefined> {
	const written = writing.get(store);
	if (written !== undefined) {
		await written;
	}

	return saveAnalysesNow(store, dominators);
}

/** saveAnalyses for a store whose index is written (or that has none). */
function saveAnalysesNow(store: GraphStore, dominators?: Dominators): number | undefined {
	const entry = bound.get(store);
	if (entry === undefined) {
		return undefined;
	}

	if (dominators !== undefined && entry.dominators !== dominators) {
		entry.dominators = dominators;
		entry.dominatorsSaved = false;
	}

	const parentsNeeded = !entry.parentsInIndex && store.hasParents && !entry.parentsSaved;
	const dominatorsNeeded = entry.dominators !== undefined && !entry.dominatorsSaved;
	if (!parentsNeeded && !dominatorsNeeded) {
		return undefined;
	}

	const path = analysesPath(entry.indexPath);
	try {
		const withParents = !entry.parentsInIndex && store.hasParents;
		const bytes = writeAnalysesFile(path, entry.binding, entry.identity, store, {
			...(withParents ? {parents: {firstParent: store.firstParent, parentSources: store.parentSources}} : {}),
			...(entry.dominators === undefined ? {} : {dominators: entry.dominators}),
		});
		entry.parentsSaved ||= withParents;
		entry.dominatorsSaved = entry.dominators !== undefined;
		entry.damagedSaid = false;
		entry.writtenBytes = bytes;
		return bytes;
	} catch (error) {
		// Not again for this store: one note, and the command goes on.
		entry.parentsSaved = true;
		entry.dominatorsSaved = true;
		if (!entry.refusedSaid) {
			entry.refusedSaid = true;
			const code = (error as NodeJS.ErrnoException).code;
			const why = error instanceof IndexProblem ? error.message : (code ?? (error as Error).message);
			entry.onNote?.(`note: not saving analyses beside the index ${shown(entry.indexPath)}: ${shown(why)}`);
		}

		return undefined;
	}
}
