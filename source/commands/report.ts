/**
 * `meliae-tui report DUMP... [--format text|markdown|json] [--keep-order]
 * [--sort time|mtime|name] [--limit N]`: one page for a server at 3 a.m. on
 * the newest dump:
 * the summary, the top retainers, the leak suspects (objects and types
 * retaining at least 10% of the dump, accumulation points) with the path
 * from a root to each, and, given older dumps of the same process, the
 * growth per type and the leak candidates grouped by owner.
 *
 * The dumps are taken oldest first, as every command takes them (see
 * common/dump-order.ts), and loaded one at a time; the newest is the one
 * reported on, the two before it are the baseline and target of the leak
 * candidates.
 */

import {
	type CandidateGrouping, diffDumps, type DumpDiff, type DumpColumns, groupCandidates, newObjectsOf, type NewObjects,
	REUSE_NOTE, columnsOf, survivors, typeTotals,
} from '../core/analyses/diff.js';
import type {Dominators} from '../core/analyses/dominators.js';
import {topRetainers, typeRetainedSizes, type TypeRetained} from '../core/analyses/dominators.js';
import {findPath, type ReferencePath} from '../core/analyses/paths.js';
import {findObjectSuspects, findTypeSuspects, type ObjectSuspect, topWaste, type TypeSuspect} from '../core/analyses/report.js';
import type {WasteReport} from '../core/waste/waste.js';
import {type DumpMeta, trendOf, type TrendType} from '../core/analyses/trend.js';
import {diffHeader, diffRows, totalsTitle, trendHeader, trendRows} from '../core/format/diff-table.js';
import {escapeControls} from '../core/format/escape.js';
import {labelChain, objectLabel} from '../core/format/object-label.js';
import {padLeft} from '../core/format/python.js';
import {humanBytes} from '../core/format/size.js';
import {environmentTakesUtf8} from '../core/format/sparkline.js';
import {NO_OBJECT} from '../core/graph/layout.js';
import type {GraphStore} from '../core/graph/store.js';
import {stringifyJson} from '../core/util/json-out.js';
import {frameText, framesJson, topSites} from '../core/alloc/sites.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_OK} from './context.js';
import {candidateLines, candidatesJson, ownerJson, totalsJson, typeDiffJson} from './diff.js';
import {CommandExit, requireInput, withExit} from './load-for-command.js';
import {pathJson} from './path.js';
import {limitFlag} from './summarize.js';
import {dominatorsForCommand, TOP_HEADER, topObjectJson, topRows} from './top.js';
import {wasteHeadlines, wasteJson} from './waste.js';
import {dumpSeries, loadSeriesPoint, type SeriesPoint, seriesDumpJson, SERIES_HEADER, seriesLines, sortFlag, trendTypeJson} from './trend.js';

const USAGE = 'meliae-tui report DUMP... [--format text|markdown|json] [--keep-order] [--sort time|mtime|name] [--limit N]';

export type ReportFormat = 'text' | 'markdown' | 'json';

/** Objects or types retaining at least this share of the dump are suspects. */
export const SUSPECT_THRESHOLD = 0.1;

function formatFlag(ctx: CommandContext): ReportFormat {
	const format = ctx.flags['format'] ?? (ctx.flags['json'] === true ? 'json' : 'text');
	if (format === 'text' || format === 'markdown' || format === 'json') {
		return format;
	}

	ctx.stderr.write(`meliae-tui: --format must be "text", "markdown" or "json", not ${JSON.stringify(format)}\n`);
	throw new CommandExit(EXIT_BAD_INPUT);
}

type Report = {
	file: string;
	store: GraphStore;
	meta: DumpMeta | undefined;
	dominators: Dominators;
	types: TypeRetained[];
	top: Uint32Array;
	suspects: ObjectSuspect[];
	typeSuspects: TypeSuspect[];
	/** Path from a root to each object suspect and to each type suspect's holder, by ordinal. */
	paths: Map<number, ReferencePath | undefined>;
	series: SeriesPoint[];
	trend: TrendType[];
	/** The last older dump against DUMP. */
	diff?: DumpDiff;
	candidates?: CandidateGrouping;
	candidateFiles?: string[];
	waste: WasteReport;
	/** Where the leak candidates were allocated (when the dump has allocation sites). */
	candidateSites?: ReturnType<typeof topSites>;
};

async function buildReport(ctx: CommandContext, limit: number): Promise<Report> {
	// Oldest first (common/dump-order.ts): the newest is the one reported on.
	const dumps = dumpSeries(ctx, ctx.input);
	const current = dumps.at(-1)!;
	const older = dumps.slice(0, -1);
	const series: SeriesPoint[] = [];
	let baseline: DumpColumns | undefined;
	let previous: DumpColumns | undefined;
	let fresh: NewObjects | undefined;
	const names: string[] = [];
	for (const [i, dump] of older.entries()) {
		// The newest dump is still to come: keep the parser threads.
		const {point, store} = await loadSeriesPoint(ctx, dump, true);
		series.push(point);
		names.push(point.name);
		if (i === older.length - 2) {
			baseline = columnsOf(store);
		} else if (i === older.length - 1) {
			if (baseline !== undefined) {
				fresh = newObjectsOf(store, diffDumps(baseline, store).isNew);
				baseline = undefined;
			}

			previous = columnsOf(store);
		}
	}

	const {point, store} = await loadSeriesPoint(ctx, current);
	series.push(point);
	const diff = previous === undefined ? undefined : diffDumps(previous, store);
	previous = undefined;
	const dominators = await dominatorsForCommand(ctx, store);
	const suspects = findObjectSuspects(store, dominators, SUSPECT_THRESHOLD);
	const typeSuspects = findTypeSuspects(store, dominators, SUSPECT_THRESHOLD);
	const paths = new Map<number, ReferencePath | undefined>();
	const pathTo = (ordinal: number): void => {
		if (ordinal !== NO_OBJECT && !paths.has(ordinal)) {
			paths.set(ordinal, findPath(store, ordinal, {representatives: dominators.representatives}));
		}
	};

	for (const suspect of suspects) {
		pathTo(suspect.ordinal);
	}

	for (const suspect of typeSuspects) {
		pathTo(suspect.holder);
	}

	const report: Report = {
		file: point.name,
		store,
		meta: current.meta,
		dominators,
		types: typeRetainedSizes(store, dominators),
		top: topRetainers(dominators, limit),
		suspects,
		typeSuspects,
		paths,
		series: older.length > 0 ? series : [],
		trend: older.length > 0 ? trendOf(series.map(p => p.totals)) : [],
		diff,
		waste: topWaste(store),
	};
	if (fresh !== undefined) {
		const {member} = survivors(fresh, store);
		report.candidates = groupCandidates(store, dominators, member);
		report.candidateSites = topSites(store, member, 8);
		report.candidateFiles = [...names.slice(-2), point.name];
	}

	return report;
}

function percent(share: number): string {
	return share > 0 && share < 0.01 ? 'under 1%' : `${Math.floor(share * 100)}%`;
}

function suspectHeadline(report: Report, suspect: ObjectSuspect): string {
	const {store} = report;
	const what = suspect.accumulation
		? `accumulation point: holds ${suspect.dominatedCount} object${suspect.dominatedCount === 1 ? '' : 's'} alone, the largest of them ${percent(suspect.largestDominatedShare)} of that`
		: `large object (${store.objectSize[suspect.ordinal]} bytes of its own)`;
	return `${objectLabel(store, suspect.ordinal)} retains ${humanBytes(suspect.retainedSize)} (${percent(suspect.share)}); ${what}`;
}

function typeSuspectHeadline(report: Report, suspect: TypeSuspect): string {
	const {store} = report;
	const asSuspect = report.suspects.findIndex(object => object.ordinal === suspect.holder);
	const holder = `${suspect.holderCount === suspect.count ? 'all' : String(suspect.holderCount)} held by ${objectLabel(store, suspect.holder)}${asSuspect >= 0 ? ` (suspect ${asSuspect + 1})` : ''}`;
	return `${suspect.count} ${escapeControls(suspect.type)} objects retain ${humanBytes(suspect.retainedSize)} (${percent(suspect.share)}); ${holder}${suspect.holderVariety > 1 ? `, ${suspect.holderVariety} holders in all` : ''}`;
}

/** A path in short lines: `from dict@0x… (no referrers)`, then `  ['key'] -> label`; long middles elided. */
function shortPathLines(store: GraphStore, path: ReferencePath | undefined, indent: string, maxSteps = 9): string[] {
	if (path === undefined) {
		return [`${indent}(no path from a root found)`];
	}

	const {ordinals, edges} = path;
	const root = path.rootKind === 'no-referrers' ? 'nothing references it' : 'a cycle not reachable from any object in the dump (held from C, or garbage not yet collected)';
	const lines = [`${indent}from ${objectLabel(store, ordinals[0]!)} (${root})`];
	const steps = ordinals.length - 1;
	for (let i = 1; i <= steps; i++) {
		if (steps > maxSteps && i > 3 && i <= steps - (maxSteps - 4)) {
			if (i === 4) {
				lines.push(`${indent}  ... ${steps - maxSteps + 1} more references`);
			}

			continue;
		}

		const edge = edges[i];
		lines.push(`${indent}  ${edge === null || edge === undefined ? '' : edge.text + ' '}-> ${objectLabel(store, ordinals[i]!)}`);
	}

	return lines;
}

type Section = {title: string; lines: string[]};

function textSections(report: Report, ascii: boolean): {head: string[]; sections: Section[]} {
	const {store, dominators} = report;
	const head = [
		`meliae-tui report: ${escapeControls(report.file)}`,
		totalsTitle(report.series.at(-1)?.totals ?? typeTotals(store)),
	];
	if (report.meta !== undefined) {
		const {meta} = report;
		const parts = [
			meta.pid === undefined ? undefined : `pid ${meta.pid}`,
			meta.rssBytes === undefined ? undefined : `RSS ${humanBytes(meta.rssBytes)}`,
			meta.peakRssBytes === undefined ? undefined : `peak RSS ${humanBytes(meta.peakRssBytes)}`,
			meta.time === undefined ? undefined : `dumped ${escapeControls(meta.time)}`,
		].filter(part => part !== undefined);
		if (parts.length > 0) {
			head.push(`process: ${parts.join(', ')}`);
		}
	}

	const sections: Section[] = [];
	sections.push({
		title: 'Largest types by retained size (each counted once where instances hold instances)',
		lines: [
			'     Count         Size     Retained   % Kind',
			...report.types.slice(0, 8).map(row => padLeft(String(row.count), 10)
				+ padLeft(humanBytes(row.size), 13)
				+ padLeft(humanBytes(row.retainedSize), 13)
				+ padLeft(String(Math.floor((row.retainedSize * 100) / Math.max(1, dominators.totalSize))), 4)
				+ ' ' + escapeControls(row.type)),
		],
	});
	sections.push({
		title: 'Top retainers (retained = the object and everything only it keeps alive)',
		lines: [TOP_HEADER, ...topRows(store, dominators, report.top.subarray(0, 10))],
	});
	const suspectLines: string[] = [];
	if (report.suspects.length === 0 && report.typeSuspects.length === 0) {
		suspectLines.push('none: no object or type retains 10% of the dump');
	}

	for (const [i, suspect] of report.suspects.entries()) {
		suspectLines.push(`${i + 1}. ${suspectHeadline(report, suspect)}`);
		if (i < 3) {
			if (suspect.dominators.length > 0) {
				suspectLines.push(`   held by ${labelChain(store, suspect.dominators.subarray(0, 3), ascii)}${suspect.dominators.length > 3 ? (ascii ? ' <- ...' : ' ← …') : ''}`);
			}

			suspectLines.push(...shortPathLines(store, report.paths.get(suspect.ordinal), '   '));
		}
	}

	for (const [i, suspect] of report.typeSuspects.entries()) {
		suspectLines.push(`${report.suspects.length + i + 1}. ${typeSuspectHeadline(report, suspect)}`);
		if (i < 2 && !report.suspects.some(object => object.ordinal === suspect.holder)) {
			suspectLines.push(...shortPathLines(store, report.paths.get(suspect.holder), '   ', 6));
		}
	}

	sections.push({title: 'Leak suspects (objects and types retaining at least 10% of the dump)', lines: suspectLines});
	if (report.series.length > 1) {
		sections.push({
			title: `Growth over ${report.series.length} dumps (oldest first)`,
			lines: [SERIES_HEADER, ...seriesLines(report.series), trendHeader(report.series.length), ...trendRows(report.trend, {limit: 10, ascii})],
		});
	}

	if (report.diff !== undefined && report.series.length === 2) {
		sections.push({
			title: 'Since the previous dump',
			lines: [`${report.diff.newObjects} objects new, ${report.diff.freedObjects} freed (${REUSE_NOTE})`, diffHeader(false), ...diffRows(report.diff, 8)],
		});
	}

	if (report.candidates !== undefined) {
		const {candidates} = report;
		sections.push({
			title: 'Leak candidates (new in the second-last older dump, still alive here), by owner',
			lines: candidates.total === 0
				? ['none']
				: [
					`${candidates.total} objects (${humanBytes(candidates.totalSize)}); ${REUSE_NOTE}`,
					...candidateLines(store, candidates, 8, ascii),
				],
		});
		const sites = report.candidateSites;
		if (sites !== undefined && candidates.total > 0) {
			sections.push({
				title: 'Where the leak candidates were allocated (tracemalloc), most bytes first',
				lines: [
					...sites.sites.map(site => `  ${site.count} objects (${humanBytes(site.size)}) at ${escapeControls(frameText(site.frames[0]!))}`),
					...(sites.unknown > 0 ? [`  ${sites.unknown} objects (${humanBytes(sites.unknownSize)}) with no traceback`] : []),
				],
			});
		}
	}

	sections.push({title: 'Waste (the top finding of each kind; meliae-tui waste lists more)', lines: wasteHeadlines(store, report.waste)});
	return {head, sections};
}

function renderText(report: Report, ascii: boolean): string {
	const {head, sections} = textSections(report, ascii);
	const lines = [...head];
	for (const section of sections) {
		lines.push('', `${section.title}:`, ...section.lines);
	}

	return lines.join('\n') + '\n';
}

/** A code fence longer than any backtick run in the text. */
function fence(lines: readonly string[]): string {
	let longest = 0;
	for (const line of lines) {
		for (const run of line.match(/`+/g) ?? []) {
			longest = Math.max(longest, run.length);
		}
	}

	return '`'.repeat(Math.max(3, longest + 1));
}

function renderMarkdown(report: Report, ascii: boolean): string {
	const {head, sections} = textSections(report, ascii);
	const headFence = fence(head.slice(1));
	const lines = [`# ${head[0]!.replace(/^meliae-tui report: /, 'Memory report: ').replaceAll(/[`*_#<>[\]|]/g, character => `\\${character}`)}`, '', headFence, ...head.slice(1), headFence];
	for (const section of sections) {
		const marks = fence(section.lines);
		lines.push('', `## ${section.title}`, '', marks, ...section.lines, marks);
	}

	return lines.join('\n') + '\n';
}

function renderJson(report: Report): string {
	const {store, dominators} = report;
	const path = (ordinal: number): unknown => {
		const found = report.paths.get(ordinal);
		return found === undefined ? null : pathJson(store, found);
	};

	const {meta} = report;
	return stringifyJson({
		file: report.file,
		total_count: store.objectCount,
		total_size: dominators.totalSize,
		meta: meta === undefined ? null : {
			pid: meta.pid ?? null,
			argv: meta.argv ?? null,
			python_version: meta.pythonVersion ?? null,
			time: meta.time ?? null,
			rss_bytes: meta.rssBytes ?? null,
			peak_rss_bytes: meta.peakRssBytes ?? null,
		},
		types: report.types.map(row => ({type: row.type, count: row.count, size: row.size, retained_size: row.retainedSize, retained_count: row.retainedCount})),
		top: Array.from(report.top, ordinal => topObjectJson(store, dominators, ordinal)),
		suspect_threshold: SUSPECT_THRESHOLD,
		suspects: report.suspects.map(suspect => ({
			...topObjectJson(store, dominators, suspect.ordinal),
			share: suspect.share,
			accumulation: suspect.accumulation,
			dominated_count: suspect.dominatedCount,
			largest_dominated_share: suspect.largestDominatedShare,
			dominators: ownerJson(store, suspect.dominators),
			root: report.paths.get(suspect.ordinal)?.rootKind ?? null,
			path: path(suspect.ordinal),
		})),
		type_suspects: report.typeSuspects.map(suspect => ({
			type: suspect.type,
			count: suspect.count,
			retained_size: suspect.retainedSize,
			share: suspect.share,
			holder: suspect.holder === NO_OBJECT ? null : ownerJson(store, Uint32Array.of(suspect.holder))[0],
			holder_count: suspect.holderCount,
			holder_retained_size: suspect.holderRetainedSize,
			holder_variety: suspect.holderVariety,
			path: suspect.holder === NO_OBJECT ? null : path(suspect.holder),
		})),
		...(report.series.length > 0 ? {
			dumps: report.series.map(point => seriesDumpJson(point)),
			trend: report.trend.map(row => trendTypeJson(row)),
		} : {}),
		...(report.diff === undefined ? {} : {
			diff: {
				old: totalsJson(report.series.at(-2)!.name, report.diff.old),
				new: totalsJson(report.file, report.diff.new),
				note: REUSE_NOTE,
				new_objects: report.diff.newObjects,
				freed_objects: report.diff.freedObjects,
				types: typeDiffJson(report.diff),
			},
		}),
		waste: (({growing_collections: _growing, ...waste}) => waste)(wasteJson(store, report.waste, 1)),
		...(report.candidates === undefined ? {} : {
			candidates: {
				files: report.candidateFiles,
				note: REUSE_NOTE,
				count: report.candidates.total,
				size: report.candidates.totalSize,
				groups: candidatesJson(store, report.candidates),
				...(report.candidateSites === undefined ? {} : {
					allocation_sites: report.candidateSites.sites.map(site => ({...framesJson(site.frames)[0], count: site.count, size: site.size})),
					allocation_unknown: {count: report.candidateSites.unknown, size: report.candidateSites.unknownSize},
				}),
			},
		}),
	}) + '\n';
}

export const main: Command = async ctx => withExit(async () => {
	requireInput(ctx, 1, USAGE);
	const format = formatFlag(ctx);
	sortFlag(ctx);
	const limit = limitFlag(ctx, 20);
	const report = await buildReport(ctx, limit);
	const ascii = !environmentTakesUtf8(ctx.env);
	ctx.stdout.write(format === 'json' ? renderJson(report) : (format === 'markdown' ? renderMarkdown(report, ascii) : renderText(report, ascii)));
	return EXIT_OK;
});
