/**
 * Entry of the interactive explorer: `meliae-tui DUMP...`. Refuses to run
 * without a terminal (scripts get `summarize` and `show`), then starts the
 * session in explorer.tsx. React and Ink are imported only after
 * NODE_ENV is settled: React's development build costs several
 * milliseconds per key press.
 */

import process from 'node:process';
import type {CommandContext} from '../common/context.js';
import {EXIT_BAD_INPUT} from '../common/context.js';
import {orderDumps} from '../common/dump-order.js';

export async function runExplorer(ctx: CommandContext): Promise<number> {
	if (ctx.stdout.isTTY !== true || process.stdin.isTTY !== true) {
		ctx.stderr.write('meliae-tui: the explorer needs a terminal; for scripts use "meliae-tui summarize DUMP" or "meliae-tui show DUMP ADDRESS"\n');
		return EXIT_BAD_INPUT;
	}

	if (ctx.input.includes('-')) {
		ctx.stderr.write('meliae-tui: the explorer reads keys from standard input, so it cannot read a dump from it; give a file name\n');
		return EXIT_BAD_INPUT;
	}

	// Oldest first, as every command takes several dumps (common/dump-order.ts).
	const {dumps, warning} = orderDumps(ctx.input, ctx.flags['keepOrder'] === true);
	if (warning !== undefined) {
		ctx.stderr.write(`meliae-tui: ${warning}\n`);
	}

	process.env['NODE_ENV'] ??= 'production';
	const {explore} = await import('./explorer.js');
	return explore({...ctx, input: dumps.map(dump => dump.file)});
}
