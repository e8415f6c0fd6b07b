/**
 * `meliae-tui top DUMP [--by retained|size] [--limit N] [--json]`: the
 * objects that keep the most memory alive (retained size: the object and
 * everything only it holds, from the dominator tree), or the largest
 * objects by their own size.
 */

import {
	computeDominatorsAsync, type Dominators, DominatorsAbortedError, topByKey, topRetainers,
} from '../core/analyses/dominators.js';
import {formatInt, padLeft} from '../core/format/python.js';
import {reprObject} from '../core/format/repr.js';
import {humanBytes} from '../core/format/size.js';
import {summaryTitle} from '../core/format/summary-table.js';
import {summarizeTypes} from '../core/analyses/summary.js';
import {NO_OBJECT} from '../core/graph/layout.js';
import {savedDominanceOf, savedDominators, savedLargestRetained, saveAnalyses} from '../core/index/persisted.js';
import type {GraphStore} from '../core/graph/store.js';
import {stringifyJson} from '../core/util/json-out.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK} from './context.js';
import {CommandExit, loadForCommand, requireInput, withExit} from './load-for-command.js';
import {limitFlag} from './summarize.js';

const USAGE = 'meliae-tui top DUMP [--by retained|size] [--limit N] [--json]';

/**
 * Dominators for a command, in slices (a first load's index is written
 * meanwhile, and the store leaves its values to it once written), with a
 * progress line when standard error is a terminal. Ctrl-C exits 130 then.
 * Saved with the index (once it is written) for the next command.
 */
export async function dominatorsForCommand(ctx: CommandContext, store: GraphStore): Promise<Dominators> {
	// Saved with the dump's index by an earlier command: read, not computed.
	const saved = savedDominators(store);
	if (saved !== undefined) {
		return saved;
	}

	const dominators = await computeForCommand(ctx, store);
	await saveAnalyses(store, dominators);
	return dominators;
}

async function computeForCommand(ctx: CommandContext, store: GraphStore): Promise<Dominators> {
	const showProgress = ctx.stderr.isTTY === true && ctx.flags['quiet'] !== true;
	if (!showProgress) {
		// Slices of 50 ms: the event loop turns between them, so that an
		// index write going on finishes (and frees the values) meanwhile.
		return computeDominatorsAsync(store, {sliceMs: 50});
	}

	const controller = new AbortController();
	const onSigint = (): void => {
		controller.abort();
	};

	process.once('SIGINT', onSigint);
	let lastDraw = 0;
	try {
		return await computeDominatorsAsync(store, {
			sliceMs: 50,
			signal: controller.signal,
			onProgress(progress) {
				const now = performance.now();
				if (now - lastDraw < 100 && progress.phase !== 'done') {
					return;
				}

				lastDraw = now;
				ctx.stderr.write(`\r\u001B[2Kcomputing retained sizes: ${Math.floor(progress.fraction * 100)}% [${progress.phase}]`);
			},
		});
	} catch (error) {
		if (error instanceof DominatorsAbortedError) {
			ctx.stderr.write('\r\u001B[2Kmeliae-tui: interrupted\n');
			throw new CommandExit(EXIT_INTERRUPTED);
		}

		throw error;
	} finally {
		ctx.stderr.write('\r\u001B[2K');
		process.removeListener('SIGINT', onSigint);
	}
}

export type TopOrder = 'retained' | 'size';

export function topOrderFlag(ctx: CommandContext): TopOrder {
	const by = ctx.flags['by'];
	if (by === undefined || by === 'retained') {
		return 'retained';
	}

	if (by === 'size') {
		return 'size';
	}

	ctx.stderr.write(`meliae-tui: --by must be "retained" or "size", not ${JSON.stringify(by)}\n`);
	throw new CommandExit(EXIT_BAD_INPUT);
}

export function topObjects(store: GraphStore, dominators: Dominators, by: TopOrder, limit: number): Uint32Array {
	return by === 'retained' ? topRetainers(dominators, limit) : topByKey(store.objectSize, limit, store.objectCount);
}

/** What a row of `top` shows of the dominators: the whole Dominators, or the shown objects' figures alone. */
export type RetainedFigures = {
	readonly totalSize: number;
	readonly retainedSize: {readonly [ordinal: number]: number};
	readonly idom: {readonly [ordinal: number]: number};
	readonly representatives: {readonly length: number};
};

/**
 * The top objects and their figures from the retained sizes saved with the
 * index, without reading the dominators whole: the retained sizes are
 * streamed (by retained size) and the shown objects' dominators read alone,
 * each checked. Undefined when none are saved or a part cannot be read
 * (one note): the dominators are then computed.
 */
function savedTop(store: GraphStore, by: TopOrder, limit: number): {ordinals: Uint32Array; figures: RetainedFigures} | undefined {
	const largest = savedLargestRetained(store, by === 'retained' ? limit : 0);
	if (largest === undefined) {
		return undefined;
	}

	const ordinals = by === 'retained' ? largest.ordinals : topByKey(store.objectSize, limit, store.objectCount);
	const retainedSize: Record<number, number> = {};
	const idom: Record<number, number> = {};
	for (const ordinal of ordinals) {
		const dominance = savedDominanceOf(store, ordinal);
		if (dominance === undefined) {
			return undefined;
		}

		retainedSize[ordinal] = dominance.retainedSize;
		idom[ordinal] = dominance.idom;
	}

	return {ordinals, figures: {totalSize: largest.totalSize, retainedSize, idom, representatives: {length: largest.representativeCount}}};
}

export function topObjectJson(store: GraphStore, dominators: RetainedFigures, ordinal: number): Record<string, unknown> {
	const dominator = dominators.idom[ordinal]!;
	const kind = store.valueKind(ordinal);
	return {
		address: store.objectAddress[ordinal],
		type: store.typeName(ordinal),
		size: store.objectSize[ordinal],
		retained_size: dominators.retainedSize[ordinal],
		dominator: dominator === NO_OBJECT ? null : store.objectAddress[dominator],
		name: kind === 'name' ? store.value(ordinal) : null,
	};
}

export const TOP_HEADER = ' Rank     Retained   %       Size Object';

/** Rows: rank, retained size, its share of the dump (truncated, as meliae's %), own size, repr. */
export function topRows(store: GraphStore, dominators: RetainedFigures, ordinals: Uint32Array): string[] {
	const total = dominators.totalSize;
	return Array.from(ordinals, (ordinal, rank) => padLeft(String(rank + 1), 5)
		+ padLeft(humanBytes(dominators.retainedSize[ordinal]!), 13)
		+ padLeft(total === 0 ? '0' : formatInt(dominators.retainedSize[ordinal]! * 100 / total), 4)
		+ padLeft(String(store.objectSize[ordinal]), 11)
		+ ' ' + reprObject(store, ordinal));
}

export const main: Command = async ctx => withExit(async () => {
	requireInput(ctx, 1, USAGE);
	const by = topOrderFlag(ctx);
	const limit = limitFlag(ctx, 20);
	const result = await loadForCommand(ctx, ctx.input[0]!);
	const {store} = result;
	// Saved with the index: the shown objects' figures alone; else the whole dominators.
	let top = savedTop(store, by, limit);
	if (top === undefined) {
		const whole = await dominatorsForCommand(ctx, store);
		top = {ordinals: topObjects(store, whole, by, limit), figures: whole};
	}

	const {ordinals, figures: dominators} = top;
	if (ctx.flags['json'] === true) {
		ctx.stdout.write(stringifyJson({
			file: result.file,
			by,
			total_count: store.objectCount,
			total_size: dominators.totalSize,
			objects: Array.from(ordinals, ordinal => topObjectJson(store, dominators, ordinal)),
		}) + '\n');
		return EXIT_OK;
	}

	const summary = summarizeTypes(store);
	const lines = [
		summaryTitle(summary),
		`${by === 'retained' ? 'Largest retained sizes' : 'Largest objects'} (retained = the object and everything only it keeps alive):`,
		TOP_HEADER,
		...topRows(store, dominators, ordinals),
	];
	if (dominators.representatives.length > 0) {
		lines.push(`note: ${dominators.representatives.length} cycle${dominators.representatives.length === 1 ? '' : 's'} not reachable from any object in the dump (held from C, or garbage not yet collected) count from the object of each that comes first in the dump`);
	}

	ctx.stdout.write(lines.join('\n') + '\n');
	return EXIT_OK;
});
