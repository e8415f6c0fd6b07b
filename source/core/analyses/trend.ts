/**
 * Per-type growth over a series of dumps of one process. Each dump is
 * reduced to its per-type totals (by type name) as soon as it is loaded, so
 * a long series costs one store at a time.
 *
 * A `DUMP.meta.json` written beside a dump by the Python dumper supplies
 * the process's RSS and the time of the dump.
 */

import {readFileSync, statSync} from 'node:fs';
import type {TypeTotals} from './diff.js';

/** The fields of a dumper sidecar that are used here; all optional. */
export type DumpMeta = {
	readonly pid?: number;
	readonly argv?: readonly string[];
	readonly pythonVersion?: string;
	/** ISO 8601, as the dumper writes it. */
	readonly time?: string;
	readonly rssBytes?: number;
	readonly peakRssBytes?: number;
	readonly objects?: number;
	readonly seconds?: number;
};

const number = (value: unknown): number | undefined => typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const string = (value: unknown): string | undefined => typeof value === 'string' ? value : undefined;

/** Read `FILE.meta.json`; undefined when absent or not a JSON object. */
export function readMeta(file: string): DumpMeta | undefined {
	if (file === '-') {
		return undefined;
	}

	let text: string;
	try {
		text = readFileSync(`${file}.meta.json`, 'utf8');
	} catch {
		return undefined;
	}

	let raw: unknown;
	try {
		raw = JSON.parse(text);
	} catch {
		return undefined;
	}

	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return undefined;
	}

	const record = raw as Record<string, unknown>;
	const argv = Array.isArray(record['argv']) ? (record['argv'] as unknown[]).filter((item): item is string => typeof item === 'string') : undefined;
	return {
		pid: number(record['pid']),
		argv,
		pythonVersion: string(record['python_version']) ?? string(record['python']),
		time: string(record['time']),
		rssBytes: number(record['rss_bytes']),
		peakRssBytes: number(record['peak_rss_bytes']),
		objects: number(record['objects']),
		seconds: number(record['dump_seconds']) ?? number(record['seconds']),
	};
}

export type DumpOrder = 'time' | 'mtime' | 'name';

export type DumpFile = {
	readonly file: string;
	readonly mtimeMs: number;
	readonly meta: DumpMeta | undefined;
};

export function describeDumpFile(file: string): DumpFile {
	let mtimeMs = 0;
	try {
		mtimeMs = file === '-' ? 0 : statSync(file).mtimeMs;
	} catch {}

	return {file, mtimeMs, meta: readMeta(file)};
}

/** Compare names with their digit runs as numbers: dump-2 before dump-10. */
export function naturalCompare(a: string, b: string): number {
	const parts = (text: string): string[] => text.match(/\d+|\D+/g) ?? [];
	const left = parts(a);
	const right = parts(b);
	for (let i = 0; i < Math.min(left.length, right.length); i++) {
		const x = left[i]!;
		const y = right[i]!;
		if (x === y) {
			continue;
		}

		if (/^\d/.test(x) && /^\d/.test(y)) {
			const difference = Number(x) - Number(y);
			if (difference !== 0) {
				return difference;
			}

			return x.length - y.length;
		}

		return x < y ? -1 : 1;
	}

	return left.length - right.length;
}

/**
 * Oldest first: by the dumper's recorded time (falling back to the file's
 * modification time), by modification time, or by name (digit runs as
 * numbers). Ties keep the order given.
 */
export function sortDumpFiles(files: readonly DumpFile[], by: DumpOrder): DumpFile[] {
	const timeOf = (file: DumpFile): number => {
		if (by === 'time' && file.meta?.time !== undefined) {
			const parsed = Date.parse(file.meta.time);
			if (!Number.isNaN(parsed)) {
				return parsed;
			}
		}

		return file.mtimeMs;
	};

	const indexed = files.map((file, index) => ({file, index}));
	indexed.sort((a, b) => {
		const order = by === 'name' ? naturalCompare(a.file.file, b.file.file) : timeOf(a.file) - timeOf(b.file);
		// Dump times have a one-second resolution: ties go by modification time.
		return order || (by === 'time' ? a.file.mtimeMs - b.file.mtimeMs : 0) || (a.index - b.index);
	});
	return indexed.map(item => item.file);
}

export type TrendType = {
	readonly type: string;
	readonly counts: number[];
	readonly sizes: number[];
	/**
	 * Grew at every step: neither count nor size went down, and one of them
	 * went up (needs at least two dumps).
	 */
	readonly growing: boolean;
	/** Last minus first. */
	readonly countGrowth: number;
	readonly sizeGrowth: number;
};

/** Align per-type totals by type name. Sorted by size growth, then count growth, then name. */
export function trendOf(series: readonly TypeTotals[]): TrendType[] {
	const byName = new Map<string, {counts: number[]; sizes: number[]}>();
	for (const [step, totals] of series.entries()) {
		for (const [id, name] of totals.typeNames.entries()) {
			if (totals.counts[id] === 0) {
				continue;
			}

			let row = byName.get(name);
			if (row === undefined) {
				row = {counts: new Array<number>(series.length).fill(0), sizes: new Array<number>(series.length).fill(0)};
				byName.set(name, row);
			}

			row.counts[step] = totals.counts[id]!;
			row.sizes[step] = totals.sizes[id]!;
		}
	}

	const types: TrendType[] = [];
	for (const [type, {counts, sizes}] of byName) {
		let growing = counts.length >= 2;
		for (let i = 1; i < counts.length && growing; i++) {
			const dc = counts[i]! - counts[i - 1]!;
			const ds = sizes[i]! - sizes[i - 1]!;
			growing = dc >= 0 && ds >= 0 && (dc > 0 || ds > 0);
		}

		types.push({
			type,
			counts,
			sizes,
			growing,
			countGrowth: counts.at(-1)! - counts[0]!,
			sizeGrowth: sizes.at(-1)! - sizes[0]!,
		});
	}

	types.sort((a, b) => (b.sizeGrowth - a.sizeGrowth) || (b.countGrowth - a.countGrowth) || (a.type < b.type ? -1 : (a.type > b.type ? 1 : 0)));
	return types;
}
