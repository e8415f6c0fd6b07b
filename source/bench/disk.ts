/**
 * Disk space for the bench's dumps: what a run will write into the data
 * directory, against what the file system has free.
 */

import {statfsSync} from 'node:fs';

/** Bytes per object the bench writes beside one size, with margins. */
export const BYTES_PER_OBJECT = {
	/** The plain dump's text (134-136 B/line). */
	plain: 140,
	/** Its gzip copy (21 B/line). */
	gzip: 25,
	/** An index (at most 0.8× the text; counted at the text's size). */
	index: 140,
} as const;

export type DiskPlan = {
	/** Sizes whose plain dumps must be generated (not cached). */
	readonly newPlain: readonly number[];
	/** Sizes whose gzip dumps must be generated. */
	readonly newGzip: readonly number[];
	/** Sizes that are loaded with an index written: their indexes, the kept one and the one a first load writes. */
	readonly indexed: readonly number[];
	/** Sizes whose second dump (for `diff`) must be generated. */
	readonly newSecond: readonly number[];
};

/** Bytes the run will add to the data directory, at most. */
export function bytesNeeded(plan: DiskPlan): number {
	const sum = (sizes: readonly number[], perObject: number): number => sizes.reduce((total, objects) => total + objects * perObject, 0);
	return sum(plan.newPlain, BYTES_PER_OBJECT.plain)
		+ sum(plan.newGzip, BYTES_PER_OBJECT.gzip)
		+ sum(plan.newSecond, BYTES_PER_OBJECT.plain)
		// Kept indexes of the dump and of the second one, and a fresh one being written.
		+ sum(plan.indexed, 3 * BYTES_PER_OBJECT.index);
}

/** Free bytes for an unprivileged user where `directory` is. */
export function freeBytes(directory: string): number {
	const stats = statfsSync(directory);
	return stats.bavail * stats.bsize;
}

/** Undefined when there is room (with 2 GB to spare), else the one line to print. */
export function diskShortage(directory: string, needed: number, free = freeBytes(directory)): string | undefined {
	const spare = 2e9;
	if (needed + spare <= free) {
		return undefined;
	}

	const gb = (bytes: number): string => (bytes / 1e9).toFixed(1);
	return `not enough disk space in ${directory}: ${gb(free)} GB free, about ${gb(needed + spare)} GB needed (${gb(needed)} GB of dumps and indexes, 2 GB to spare)`;
}
