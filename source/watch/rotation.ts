/**
 * The dumps `watch` made, oldest first: which to delete to keep the last
 * N, and how much room they take. Only files this list holds are ever
 * deleted; the directory may hold others, which count towards the budget.
 */

import {lstatSync, readdirSync, rmSync} from 'node:fs';
import path from 'node:path';
import {ALLOC_SUFFIX} from '../core/alloc/sidecar.js';
import {INDEX_SUFFIX} from '../core/index/identity.js';

export type MadeDump = {
	readonly file: string;
	/** Dump plus its sidecars, in bytes. */
	readonly bytes: number;
};

/**
 * The files of a dump: the dump itself, its `.meta.json`, its allocation
 * sites (with --tracemalloc) and the index the explorer may write beside
 * it when opened from watch.
 */
export function dumpFiles(file: string): string[] {
	return [file, `${file}.meta.json`, `${file}${ALLOC_SUFFIX}`, `${file}${INDEX_SUFFIX}`];
}

/** Size on disk of a dump and its sidecar (0 for what is missing). */
export function dumpBytes(file: string): number {
	let bytes = 0;
	for (const part of dumpFiles(file)) {
		try {
			bytes += lstatSync(part).size;
		} catch {}
	}

	return bytes;
}

/** Which of `made` (oldest first) to delete so that `keep` remain. */
export function toDelete(made: readonly MadeDump[], keep: number): MadeDump[] {
	return made.slice(0, Math.max(0, made.length - keep));
}

/** Bytes held by the regular files directly inside `dir`. */
export function directoryBytes(dir: string): number {
	let bytes = 0;
	for (const name of readdirSync(dir)) {
		try {
			const stat = lstatSync(path.join(dir, name));
			if (stat.isFile()) {
				bytes += stat.size;
			}
		} catch {}
	}

	return bytes;
}

/**
 * How big the next dump is expected to be: a quarter more than the last
 * one, or, before the first, a sixteenth of the process's RSS (compressed
 * dumps of small and large services measured about a 25th of it).
 */
export function expectedDumpBytes(lastBytes: number | undefined, rssBytes: number | undefined): number {
	if (lastBytes !== undefined) {
		return Math.ceil(lastBytes * 1.25);
	}

	return Math.ceil((rssBytes ?? 0) / 16);
}

export function removeDump(file: string): void {
	for (const part of dumpFiles(file)) {
		rmSync(part, {force: true});
	}
}
