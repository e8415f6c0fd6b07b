/**
 * The loader's side of the index: find a usable index for a dump, or save
 * one after a parse. Every problem becomes one note (a line for stderr,
 * without the program's prefix) and the load goes on: an index can only
 * save time, never fail a load.
 */

import {mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {escapeControls} from '../format/escape.js';
import type {GraphStore} from '../graph/store.js';
import {type DumpIdentity, indexCandidates, type IndexOptions, unchangedSince} from './identity.js';
import {type IndexBinding, type IndexedFacts, type IndexRead, IndexProblem, type IndexWrite, readIndexFile, startIndexWrite} from './index-file.js';
import type {IndexColumnSource} from './index-source.js';

export {IndexProblem} from './index-file.js';
export {bindToIndex, indexWritesSettled, pendingIndexWrite, savedAnalysesBytes, savedDominanceOf, savedDominators, savedDominatorsJob, savedLargestRetained, saveAnalyses} from './saved-analyses.js';
export {analysesPath} from './analyses-file.js';
export {IndexReadError} from './index-source.js';
export {identifyDump, indexCandidates, cacheDirectory, INDEX_SUFFIX} from './identity.js';
export type {DumpIdentity} from './identity.js';

export type IndexSettings = IndexOptions & {
	/** Look and write only here (--index-dir). */
	indexDir?: string;
	env?: NodeJS.ProcessEnv;
	onNote?: (note: string) => void;
};

const shown = (path: string): string => escapeControls(path);

export type FoundIndex = {
	/** The first usable index among the candidates. */
	read: (IndexRead & {path: string}) | undefined;
	/** Whether an index was there but unusable (so one is rebuilt whatever the dump's size). */
	unusable: boolean;
};

/**
 * The first usable index among the candidates. An index that is present
 * but unusable is named in a note (it will be rebuilt); a missing one is not.
 */
export function findIndex(file: string, identity: DumpIdentity, settings: IndexSettings, onRead?: (bytesRead: number, bytesTotal: number) => void): FoundIndex {
	let unusable = false;
	for (const path of indexCandidates(file, settings, settings.indexDir, settings.env)) {
		try {
			return {read: {...readIndexFile(path, identity, onRead), path}, unusable};
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code === 'ENOENT' || code === 'ENOTDIR') {
				continue;
			}

			if (error instanceof IndexProblem) {
				if (error.kind !== 'foreign') {
					unusable = true;
					const why = error.kind === 'stale' ? 'is out of date' : (error.kind === 'version' ? 'is from another version' : 'is damaged');
					settings.onNote?.(`note: index ${shown(path)} ${why} (${error.message}); rebuilding it`);
				}

				continue;
			}

			if (error instanceof RangeError) {
				// An array the size a damaged header asked for could not be made.
				settings.onNote?.(`note: index ${shown(path)} is damaged (${error.message}); rebuilding it`);
				unusable = true;
				continue;
			}

			settings.onNote?.(`note: index ${shown(path)} cannot be read (${code ?? (error as Error).message}); parsing the dump`);
		}
	}

	return {read: undefined, unusable};
}

export type SavedIndex = {
	path: string;
	bytes: number;
	binding: IndexBinding;
	/** Whether the index holds the parents. */
	parentsWritten: boolean;
};

/** An index being saved (see saveIndex). */
export type IndexSaving = {
	/**
	 * The file being written as a column source, once its values and
	 * address hash are written (the store can leave them to it then);
	 * undefined when no place took them. Never rejects.
	 */
	firstWritten: Promise<IndexColumnSource | undefined>;
	/** The index saved, or undefined (a note said why). Never rejects. */
	saved: Promise<SavedIndex | undefined>;
};

/** Errors that mean "this directory will not take the file": try the next place. */
const NOT_HERE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'EEXIST']);

/**
 * Save the index of a parsed dump in the first place that takes it:
 * undefined (with a note) when none does, the disk is full, or the dump
 * changed while it was read. The first place's checksums are made and its
 * writes queued before this returns (see startIndexWrite), and written by
 * the I/O threads; the store's arrays must not change until `saved` settles.
 */
export function saveIndex(file: string, identity: DumpIdentity, store: GraphStore, facts: IndexedFacts, settings: IndexSettings): IndexSaving {
	let reportFirst: (source: IndexColumnSource | undefined) => void = () => undefined;
	const firstWritten = new Promise<IndexColumnSource | undefined>(resolve => {
		reportFirst = resolve;
	});
	const saved = savePlaces(file, identity, store, facts, settings, write => {
		void write.firstWritten.then(written => {
			if (written) {
				reportFirst(write.source);
			}
		});
	}).catch((error: unknown) => {
		settings.onNote?.(`note: not writing an index: ${shown((error as Error).message)}`);
		return undefined;
	}).finally(() => {
		// Resolved already when the values were written; else nothing to leave to.
		reportFirst(undefined);
	});
	return {firstWritten, saved};
}

async function savePlaces(
	file: string, identity: DumpIdentity, store: GraphStore, facts: IndexedFacts, settings: IndexSettings, onStarted: (write: IndexWrite) => void,
): Promise<SavedIndex | undefined> {
	if (!unchangedSince(file, identity)) {
		settings.onNote?.(`note: ${shown(file)} changed while it was read; not indexing it`);
		return undefined;
	}

	const candidates = indexCandidates(file, settings, settings.indexDir, settings.env);
	const refused: string[] = [];
	for (const [position, path] of candidates.entries()) {
		try {
			if (position > 0 || settings.indexDir !== undefined) {
				mkdirSync(dirname(path), {recursive: true, mode: 0o700});
			}

			const write = startIndexWrite(path, identity, store, facts);
			onStarted(write);
			try {
				// eslint-disable-next-line no-await-in-loop
				const binding = await write.done;
				return {path, bytes: binding.indexBytes, binding, parentsWritten: write.parentsWritten};
			} catch (error) {
				// eslint-disable-next-line no-await-in-loop
				if (!await write.firstWritten) {
					// Not handed to the store (see firstWritten): closed here.
					write.source.close();
				}

				throw error;
			}
		} catch (error) {
			if (error instanceof IndexProblem) {
				// A file that is not ours is in the way: the next place, if any.
				refused.push(`${shown(path)} is not an index file`);
				continue;
			}

			const code = (error as NodeJS.ErrnoException).code ?? '';
			if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
				settings.onNote?.(`note: not writing an index: no space left for ${shown(path)}`);
				return undefined;
			}

			if (!NOT_HERE.has(code)) {
				settings.onNote?.(`note: not writing an index at ${shown(path)}: ${shown((error as Error).message)}`);
				return undefined;
			}

			refused.push(`${shown(dirname(path))} (${code})`);
		}
	}

	settings.onNote?.(`note: not writing an index: no place takes it (${refused.join('; ')})`);
	return undefined;
}
