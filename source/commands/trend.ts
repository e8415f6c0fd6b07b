/**
 * `meliae-tui trend DUMP... [--sort time|mtime|name] [--limit N] [--json]`:
 * per-type counts and sizes over a series of dumps, oldest first (see
 * common/dump-order.ts), with the
 * growth per dump, a sparkline, and a flag on the types that grew at every
 * step. Dumps are loaded one at a time; only their per-type totals are
 * kept. The process RSS comes from `DUMP.meta.json` when the dumper wrote
 * one.
 */

import {type TypeTotals, typeTotals} from '../core/analyses/diff.js';
import {describeDumpFile, type DumpFile, type DumpOrder, sortDumpFiles, trendOf, type TrendType} from '../core/analyses/trend.js';
import {totalsTitle, trendHeader, trendRows} from '../core/format/diff-table.js';
import {escapeControls} from '../core/format/escape.js';
import {padLeft} from '../core/format/python.js';
import {humanBytes} from '../core/format/size.js';
import {environmentTakesUtf8} from '../core/format/sparkline.js';
import type {GraphStore} from '../core/graph/store.js';
import {stringifyJson} from '../core/util/json-out.js';
import {orderDumps} from '../common/dump-order.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_OK} from './context.js';
import {CommandExit, loadForCommand, requireInput, withExit} from './load-for-command.js';
import {limitFlag} from './summarize.js';

const USAGE = 'meliae-tui trend DUMP... [--sort time|mtime|name] [--limit N] [--json]';

/** The --sort flag; undefined when not given (then the dumps are ordered by orderDumps' rule). */
export function sortFlag(ctx: CommandContext): DumpOrder | undefined {
	const sort = ctx.flags['sort'];
	if (sort === undefined) {
		return undefined;
	}

	if (sort === 'time' || sort === 'mtime' || sort === 'name') {
		return sort;
	}

	ctx.stderr.write(`meliae-tui: --sort must be "time", "mtime" or "name", not ${JSON.stringify(sort)}\n`);
	throw new CommandExit(EXIT_BAD_INPUT);
}

/**
 * The dumps among `input`, oldest first: by --sort when given, else as given
 * unless their times disagree (then by time, with a warning; see
 * common/dump-order.ts).
 */
export function dumpSeries(ctx: CommandContext, input: readonly string[]): DumpFile[] {
	const files = dumpArguments(input);
	const sort = sortFlag(ctx);
	if (sort !== undefined) {
		return sortDumpFiles(files.map(file => describeDumpFile(file)), sort);
	}

	const {dumps, warning} = orderDumps(files, ctx.flags['keepOrder'] === true);
	if (warning !== undefined) {
		ctx.stderr.write(`meliae-tui: ${warning}\n`);
	}

	return [...dumps];
}

export type SeriesPoint = {
	readonly dump: DumpFile;
	/** As loadForCommand names it. */
	readonly name: string;
	readonly totals: TypeTotals;
};

export async function loadSeriesPoint(ctx: CommandContext, dump: DumpFile, more = false): Promise<{point: SeriesPoint; store: GraphStore}> {
	// With more dumps to come, the parser threads stay for them.
	const {store, file} = await loadForCommand(ctx, dump.file, {keepThreads: more});
	return {point: {dump, name: file, totals: typeTotals(store)}, store};
}

/** Load the files one at a time (oldest first), keeping only their per-type totals. */
export async function loadSeries(ctx: CommandContext, files: readonly DumpFile[]): Promise<SeriesPoint[]> {
	const points: SeriesPoint[] = [];
	for (const [index, dump] of files.entries()) {
		points.push((await loadSeriesPoint(ctx, dump, index < files.length - 1)).point);
	}

	return points;
}

export function seriesDumpJson(point: SeriesPoint): Record<string, unknown> {
	const {meta} = point.dump;
	return {
		file: point.name,
		mtime: point.dump.mtimeMs === 0 ? null : new Date(point.dump.mtimeMs).toISOString(),
		time: meta?.time ?? null,
		total_count: point.totals.totalCount,
		total_size: point.totals.totalSize,
		rss_bytes: meta?.rssBytes ?? null,
		peak_rss_bytes: meta?.peakRssBytes ?? null,
		pid: meta?.pid ?? null,
	};
}

export function trendTypeJson(row: TrendType): Record<string, unknown> {
	return {type: row.type, counts: row.counts, sizes: row.sizes, growing: row.growing, count_growth: row.countGrowth, size_growth: row.sizeGrowth};
}

export const SERIES_HEADER = '  #     Objects        Size  Process RSS  Time                      File';

export function seriesLines(points: readonly SeriesPoint[]): string[] {
	return points.map((point, i) => {
		const {meta} = point.dump;
		const time = meta?.time ?? (point.dump.mtimeMs === 0 ? '' : new Date(point.dump.mtimeMs).toISOString().replace(/\.\d+Z$/, 'Z'));
		return padLeft(String(i + 1), 3)
			+ padLeft(String(point.totals.totalCount), 12)
			+ padLeft(humanBytes(point.totals.totalSize), 12)
			+ padLeft(meta?.rssBytes === undefined ? '-' : humanBytes(meta.rssBytes), 13)
			+ '  ' + escapeControls(time).padEnd(24)
			+ '  ' + escapeControls(point.name);
	});
}

/**
 * The dump files among the arguments: a `X.meta.json` sidecar given along
 * with X (as `dumps/*.json*` expands) is not a dump and is dropped.
 */
export function dumpArguments(input: readonly string[]): string[] {
	const given = new Set(input);
	return input.filter(file => !(file.endsWith('.meta.json') && given.has(file.slice(0, -'.meta.json'.length))));
}

export const main: Command = async ctx => withExit(async () => {
	requireInput(ctx, 1, USAGE);
	const order = sortFlag(ctx);
	const limit = limitFlag(ctx, 20);
	const files = dumpSeries(ctx, ctx.input);
	const points = await loadSeries(ctx, files);
	const types = trendOf(points.map(point => point.totals));
	if (ctx.flags['json'] === true) {
		ctx.stdout.write(stringifyJson({
			sort: order ?? (ctx.flags['keepOrder'] === true ? 'given' : 'time'),
			dumps: points.map(point => seriesDumpJson(point)),
			types: types.map(row => trendTypeJson(row)),
		}) + '\n');
		return EXIT_OK;
	}

	const growing = types.filter(row => row.growing).length;
	const lines = [
		`${points.length} dump${points.length === 1 ? '' : 's'}, oldest first${order === undefined ? '' : ` (by ${order === 'time' ? 'dump time' : (order === 'mtime' ? 'modification time' : 'name')})`}:`,
		SERIES_HEADER,
		...seriesLines(points),
		'',
		`last: ${totalsTitle(points.at(-1)!.totals)}`,
		points.length < 2
			? 'one dump: nothing to compare'
			: `${growing} type${growing === 1 ? '' : 's'} grew at every step; largest size growth first:`,
		trendHeader(points.length),
		...trendRows(types, {limit, ascii: !environmentTakesUtf8(ctx.env)}),
	];
	if (types.length > limit) {
		lines.push(`  ... ${types.length - limit} more types (--limit)`);
	}

	ctx.stdout.write(lines.join('\n') + '\n');
	return EXIT_OK;
});
