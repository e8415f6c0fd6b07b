/**
 * What watch works out from each new dump: per-type totals, the types that
 * grew at every step over the kept dumps (trend), growth streaks over every
 * dump taken, and, from the third dump on, the leak candidates grouped by
 * owner as `diff A B C` finds them (A, B, C the last three dumps). Each
 * dump is loaded once: of the older ones only the snapshot and new-object
 * list the comparison needs are kept.
 */

import {columnsOf, diffDumps, type DumpColumns, groupCandidates, newObjectsOf, type NewObjects, survivors, type TypeTotals, typeTotals} from '../core/analyses/diff.js';
import {readMeta, trendOf, type TrendType} from '../core/analyses/trend.js';
import {candidatesJson} from '../core/analyses/candidates-json.js';
import type {Dominators} from '../core/analyses/dominators.js';
import type {LoadOptions, LoadResult} from '../core/dump/load.js';
import {labelChain} from '../core/format/object-label.js';
import type {GraphStore} from '../core/graph/store.js';
import type {Command, CommandContext} from '../common/context.js';
import {GrowthTracker} from './growth.js';

/**
 * What watch borrows from the commands, handed in by commands/watch.ts (a
 * capability imports no command): loading a dump and computing retained
 * sizes as the commands do (warnings on stderr, Ctrl-C; a failure throws
 * CommandExit with its exit code), and the report written when watch stops
 * on growth.
 */
export type WatchTools = {
	load(ctx: CommandContext, file: string, options: LoadOptions): Promise<LoadResult>;
	dominators(ctx: CommandContext, store: GraphStore): Promise<Dominators>;
	report: Command;
};

/** Rows of growing types and candidate groups kept per dump. */
export const LIST_LIMIT = 20;

export type CandidateSummary = {
	readonly type: string;
	readonly count: number;
	readonly size: number;
	/** `list@0x7f… ← module __main__`, or empty when held from several roots. */
	readonly heldBy: string;
	/** `app.py:42 in handle_request` when all its objects were allocated there (tracemalloc), else empty. */
	readonly allocatedAt: string;
	/** As `diff --json` writes a group. */
	readonly json: Record<string, unknown>;
};

export type DumpRecord = {
	/** When the dump was taken (ISO 8601). */
	readonly time: string;
	readonly file: string;
	/** Dump and sidecar on disk. */
	readonly bytes: number;
	readonly rss: number | undefined;
	readonly objects: number;
	readonly totalSize: number;
	readonly pauseMs: number | undefined;
	/** Types that grew at every step over the kept dumps; largest size growth first. */
	readonly growing: readonly TrendType[];
	/** Undefined before the third dump. */
	readonly candidates: readonly CandidateSummary[] | undefined;
	readonly candidateTotal: number;
};

/** The first frame of a group's `allocated_at` as text, or empty. */
function siteText(frames: unknown): string {
	if (!Array.isArray(frames) || frames.length === 0) {
		return '';
	}

	const frame = frames[0] as {file?: unknown; line?: unknown; function?: unknown};
	const where = `${String(frame.file)}:${String(frame.line)}`;
	return typeof frame.function === 'string' ? `${where} in ${frame.function}` : where;
}

export class WatchAnalysis {
	readonly tracker = new GrowthTracker();
	/** Totals of the kept dumps, oldest first. */
	private kept: Array<{file: string; totals: TypeTotals}> = [];
	private previous: DumpColumns | undefined;
	/** Objects new in the previous dump (compared with the one before). */
	private fresh: NewObjects | undefined;

	constructor(private readonly ctx: CommandContext, private readonly ascii: boolean, private readonly tools: WatchTools) {}

	/** Forget dumps deleted from disk (for the trend over the kept ones). */
	forget(file: string): void {
		this.kept = this.kept.filter(item => item.file !== file);
	}

	async add(file: string, time: Date, bytes: number, pauseMs: number | undefined): Promise<DumpRecord> {
		// Each dump is analysed once: no index file beside it (it would also count against --max-disk).
		const {store} = await this.tools.load(this.ctx, file, {keepThreads: true, index: false});
		const totals = typeTotals(store);
		this.tracker.add(totals);
		this.kept.push({file, totals});
		let candidates: CandidateSummary[] | undefined;
		let candidateTotal = 0;
		if (this.fresh !== undefined) {
			const {member} = survivors(this.fresh, store);
			const dominators = await this.tools.dominators(this.ctx, store);
			const grouping = groupCandidates(store, dominators, member);
			const json = candidatesJson(store, grouping);
			candidateTotal = grouping.total;
			candidates = grouping.groups.slice(0, LIST_LIMIT).map((group, index) => ({
				type: group.type,
				count: group.count,
				size: group.size,
				heldBy: group.owner.length === 0 ? '' : labelChain(store, group.owner, this.ascii),
				allocatedAt: siteText(json[index]!['allocated_at']),
				json: json[index]!,
			}));
		}

		if (this.previous !== undefined) {
			const diff = diffDumps(this.previous, store);
			this.fresh = newObjectsOf(store, diff.isNew);
		}

		this.previous = columnsOf(store);
		const growing = this.kept.length < 2 ? [] : trendOf(this.kept.map(item => item.totals)).filter(row => row.growing).slice(0, LIST_LIMIT);
		const meta = readMeta(file);
		return {
			time: meta?.time ?? time.toISOString(),
			file,
			bytes,
			rss: meta?.rssBytes,
			objects: totals.totalCount,
			totalSize: totals.totalSize,
			pauseMs,
			growing,
			candidates,
			candidateTotal,
		};
	}
}

export function recordJson(record: DumpRecord): Record<string, unknown> {
	return {
		time: record.time,
		dump: record.file,
		bytes: record.bytes,
		rss: record.rss ?? null,
		objects: record.objects,
		total_size: record.totalSize,
		pause_ms: record.pauseMs ?? null,
		growing: record.growing.map(row => ({type: row.type, counts: row.counts, sizes: row.sizes})),
		candidates: record.candidates === undefined ? [] : record.candidates.map(candidate => candidate.json),
	};
}
