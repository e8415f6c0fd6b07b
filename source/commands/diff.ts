/**
 * `meliae-tui diff OLD NEW [FINAL] [--limit N] [--json]`: what changed
 * between dumps of one process, per type; with a third dump, the leak
 * candidates (new in NEW, still alive in FINAL) grouped by what holds them.
 *
 * Dumps are loaded one after the other; of each older one only what the
 * comparison needs is kept (see core/analyses/diff.ts).
 */

import {
	type CandidateGrouping, diffDumps, type DumpDiff, type DumpColumns, groupCandidates, newObjectsOf, REUSE_NOTE, columnsOf, survivors,
	type TypeTotals, typeTotals,
} from '../core/analyses/diff.js';
import type {Dominators} from '../core/analyses/dominators.js';
import {diffHeader, diffRows, totalsTitle} from '../core/format/diff-table.js';
import {escapeControls} from '../core/format/escape.js';
import {labelChain, objectLabel} from '../core/format/object-label.js';
import {humanBytes} from '../core/format/size.js';
import {environmentTakesUtf8} from '../core/format/sparkline.js';
import type {GraphStore} from '../core/graph/store.js';
import {stringifyJson} from '../core/util/json-out.js';
import {frameText, groupTracebacks, tracebackFrames} from '../core/alloc/sites.js';
import {candidatesJson} from '../core/analyses/candidates-json.js';
import {type Command, type CommandContext, EXIT_OK} from './context.js';
import {loadForCommand, requireInput, withExit} from './load-for-command.js';
import {limitFlag} from './summarize.js';
import {dominatorsForCommand} from './top.js';
import {dumpSeries} from './trend.js';

// The JSON shape of a candidate group is shared with watch; report imports it from here.
export {candidatesJson, ownerJson} from '../core/analyses/candidates-json.js';

const USAGE = 'meliae-tui diff OLD NEW [FINAL] [--limit N] [--json]';

export function totalsJson(file: string, totals: TypeTotals): Record<string, unknown> {
	let types = 0;
	for (const count of totals.counts) {
		if (count > 0) {
			types++;
		}
	}

	return {file, total_count: totals.totalCount, total_size: totals.totalSize, type_count: types};
}

export function typeDiffJson(diff: DumpDiff, final?: TypeTotals): Array<Record<string, unknown>> {
	const finalRows = new Map<string, {count: number; size: number}>();
	if (final !== undefined) {
		for (const [id, name] of final.typeNames.entries()) {
			finalRows.set(name, {count: final.counts[id]!, size: final.sizes[id]!});
		}
	}

	return diff.types.map(row => ({
		type: row.type,
		old_count: row.oldCount,
		new_count: row.newCount,
		count_delta: row.countDelta,
		old_size: row.oldSize,
		new_size: row.newSize,
		size_delta: row.sizeDelta,
		new_objects: row.newObjects,
		new_objects_size: row.newObjectsSize,
		freed_objects: row.freedObjects,
		freed_objects_size: row.freedObjectsSize,
		...(final === undefined ? {} : {final_count: finalRows.get(row.type)?.count ?? 0, final_size: finalRows.get(row.type)?.size ?? 0}),
	}));
}

/** `4874 dict (5.0 MiB) held by collections.deque@0x7f… ← Observer@0x7f… ← …` */
export function candidateLines(store: GraphStore, grouping: CandidateGrouping, limit: number, ascii: boolean): string[] {
	const shared = groupTracebacks(store, grouping.groupOf, grouping.groups.length);
	return grouping.groups.slice(0, limit).map((group, index) => {
		const nested = group.nested > 0 ? ` with ${group.nested} more inside` : '';
		const held = group.owner.length === 0
			? 'held from several roots'
			: `held by ${labelChain(store, group.owner, ascii)}${group.owner.length >= 4 ? (ascii ? ' <- ...' : ' ← …') : ''}`;
		const frames = shared === undefined ? undefined : tracebackFrames(store, shared[index]!);
		const site = frames === undefined ? '' : `; allocated at ${escapeControls(frameText(frames[0]!))}`;
		return `  ${group.count} ${escapeControls(group.type)} (${humanBytes(group.size)}${nested}) ${held}; e.g. ${objectLabel(store, group.example)}${site}`;
	});
}

export type Candidates = {
	store: GraphStore;
	dominators: Dominators;
	grouping: CandidateGrouping;
};

/**
 * Compare OLD and NEW; with FINAL, find and group the leak candidates. Each
 * store is dropped before the next load but the last (FINAL's, or NEW's).
 */
export async function compareDumps(ctx: CommandContext, files: readonly string[]): Promise<{
	files: string[];
	diff: DumpDiff;
	final?: TypeTotals;
	candidates?: Candidates;
	lastStore: GraphStore;
}> {
	const names: string[] = [];
	// Nothing may keep a store (or a snapshot no longer needed) alive while
	// the next dump loads: each step runs in its own scope.
	let old: DumpColumns | undefined = await (async () => {
		const {file, store} = await loadForCommand(ctx, files[0]!, {keepThreads: true});
		names.push(file);
		return columnsOf(store);
	})();
	const second = await (async () => {
		const {file, store} = await loadForCommand(ctx, files[1]!, {keepThreads: files.length > 2});
		names.push(file);
		const diff = diffDumps(old!, store);
		return files.length < 3 ? {diff, store} : {diff, fresh: newObjectsOf(store, diff.isNew)};
	})();
	old = undefined;
	const {diff} = second;
	if (second.store !== undefined) {
		return {files: names, diff, lastStore: second.store};
	}

	const fresh = second.fresh!;
	const {file, store} = await loadForCommand(ctx, files[2]!);
	names.push(file);
	const final = typeTotals(store);
	const {member} = survivors(fresh, store);
	const dominators = await dominatorsForCommand(ctx, store);
	const grouping = groupCandidates(store, dominators, member);
	return {files: names, diff, final, candidates: {store, dominators, grouping}, lastStore: store};
}

export const main: Command = async ctx => withExit(async () => {
	requireInput(ctx, 2, USAGE);
	const limit = limitFlag(ctx, 20);
	// Oldest first (common/dump-order.ts): NEWEST OLDEST is turned round, with a warning.
	const input = dumpSeries(ctx, ctx.input).map(dump => dump.file);
	const files = input.slice(0, 3);
	if (input.length > 3) {
		ctx.stderr.write('meliae-tui: warning: diff compares at most three dumps; use trend for a longer series\n');
	}

	const {files: names, diff, final, candidates} = await compareDumps(ctx, files);
	if (ctx.flags['json'] === true) {
		ctx.stdout.write(stringifyJson({
			old: totalsJson(names[0]!, diff.old),
			new: totalsJson(names[1]!, diff.new),
			...(final === undefined ? {} : {final: totalsJson(names[2]!, final)}),
			note: REUSE_NOTE,
			new_objects: diff.newObjects,
			freed_objects: diff.freedObjects,
			types: typeDiffJson(diff, final),
			...(candidates === undefined ? {} : {
				candidate_count: candidates.grouping.total,
				candidate_size: candidates.grouping.totalSize,
				candidates: candidatesJson(candidates.store, candidates.grouping),
			}),
		}) + '\n');
		return EXIT_OK;
	}

	const ascii = !environmentTakesUtf8(ctx.env);
	const lines = [
		`old:   ${escapeControls(names[0]!)}`,
		totalsTitle(diff.old),
		`new:   ${escapeControls(names[1]!)}`,
		totalsTitle(diff.new),
	];
	if (final !== undefined) {
		lines.push(`final: ${escapeControls(names[2]!)}`, totalsTitle(final));
	}

	lines.push(
		`${diff.newObjects} objects new, ${diff.freedObjects} freed (${REUSE_NOTE})`,
		diffHeader(final !== undefined),
		...diffRows(diff, limit, final),
	);
	if (diff.types.length > limit) {
		lines.push(`  ... ${diff.types.length - limit} more types (--limit)`);
	}

	if (candidates !== undefined) {
		const {grouping, store} = candidates;
		lines.push('', grouping.total === 0
			? 'Leak candidates: none (no object new in the second dump is still in the third)'
			: `Leak candidates: ${grouping.total} objects (${humanBytes(grouping.totalSize)}) new in the second dump and still in the third, by owner:`);
		lines.push(...candidateLines(store, grouping, limit, ascii));
		if (grouping.groups.length > limit) {
			lines.push(`  ... ${grouping.groups.length - limit} more groups (--limit)`);
		}
	}

	ctx.stdout.write(lines.join('\n') + '\n');
	return EXIT_OK;
});
