/**
 * `meliae-tui summarize DUMP [--by size|count] [--limit N] [--from ADDRESS
 * [--exclude A,B,...]] [--json]`: meliae's om.summarize() table, byte for
 * byte, or all types as JSON.
 */

import {summarizeReachable} from '../core/analyses/reachable.js';
import {type Summary, type SummaryOrder, summarizeTypes} from '../core/analyses/summary.js';
import {parseAddress} from '../core/format/address.js';
import {escapeControls} from '../core/format/escape.js';
import {formatSummary} from '../core/format/summary-table.js';
import {NO_OBJECT} from '../core/graph/layout.js';
import {stringifyJson} from '../core/util/json-out.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_OK} from './context.js';
import {CommandExit, loadForCommand, requireInput, withExit} from './load-for-command.js';

const USAGE = 'meliae-tui summarize DUMP [--by size|count] [--limit N] [--from ADDRESS [--exclude A,B,...]] [--json]';

export function orderFlag(ctx: CommandContext): SummaryOrder {
	const by = ctx.flags['by'];
	if (by === undefined || by === 'size') {
		return 'size';
	}

	if (by === 'count') {
		return 'count';
	}

	ctx.stderr.write(`meliae-tui: --by must be "size" or "count", not ${JSON.stringify(by)}\n`);
	throw new CommandExit(EXIT_BAD_INPUT);
}

export function limitFlag(ctx: CommandContext, fallback: number): number {
	const limit = ctx.flags['limit'];
	if (limit === undefined) {
		return fallback;
	}

	if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
		ctx.stderr.write('meliae-tui: --limit must be a whole number\n');
		throw new CommandExit(EXIT_BAD_INPUT);
	}

	return limit;
}

export function summaryJson(summary: Summary): Record<string, unknown> {
	return {
		total_count: summary.totalCount,
		total_size: summary.totalSize,
		types: summary.types.map(type => ({
			type: type.type,
			count: type.count,
			size: type.size,
			max_size: type.maxSize,
			max_address: type.maxAddress,
		})),
	};
}

export const main: Command = async ctx => withExit(async () => {
	requireInput(ctx, 1, USAGE);
	const by = orderFlag(ctx);
	const limit = limitFlag(ctx, 20);
	const fromText = ctx.flags['from'];
	let from: number | undefined;
	if (fromText !== undefined) {
		from = parseAddress(String(fromText));
		if (from === undefined) {
			ctx.stderr.write(`meliae-tui: --from: not an address: ${escapeControls(String(fromText))}\n`);
			return EXIT_BAD_INPUT;
		}
	}

	const excludeText = ctx.flags['exclude'];
	const exclude: number[] = [];
	if (excludeText !== undefined) {
		for (const part of String(excludeText).split(',').filter(part => part.trim() !== '')) {
			const address = parseAddress(part);
			if (address === undefined) {
				ctx.stderr.write(`meliae-tui: --exclude: not an address: ${escapeControls(part)}\n`);
				return EXIT_BAD_INPUT;
			}

			exclude.push(address);
		}
	}

	const result = await loadForCommand(ctx, ctx.input[0]!);
	const {store} = result;
	let summary: Summary;
	if (from === undefined) {
		summary = summarizeTypes(store, by);
	} else {
		const start = store.indexOf(from);
		if (start === NO_OBJECT) {
			ctx.stderr.write(`meliae-tui: ${escapeControls(result.file)}: no object at address ${from}\n`);
			return EXIT_NOT_FOUND;
		}

		const excluding: number[] = [];
		for (const address of exclude) {
			const ordinal = store.indexOf(address);
			if (ordinal === NO_OBJECT) {
				ctx.stderr.write(`meliae-tui: warning: --exclude: no object at address ${address}\n`);
			} else {
				excluding.push(ordinal);
			}
		}

		summary = summarizeReachable(store, start, {excluding, by});
	}

	if (ctx.flags['json'] === true) {
		ctx.stdout.write(stringifyJson({
			file: result.file,
			...summaryJson(summary),
			unresolved_references: result.problems.unresolvedReferences,
			malformed_lines: result.problems.malformedLines,
		}) + '\n');
	} else {
		ctx.stdout.write(formatSummary(summary, limit) + '\n');
		if (result.problems.unresolvedReferences > 0 && ctx.flags['quiet'] !== true) {
			ctx.stderr.write(`meliae-tui: note: ${result.problems.unresolvedReferences} references point to addresses not in the dump\n`);
		}
	}

	return EXIT_OK;
});
