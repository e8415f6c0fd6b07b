/**
 * Entry of the interactive explorer: `meliae-tui DUMP...`.
 */

import type {CommandContext} from '../commands/context.js';
import {EXIT_BAD_INPUT} from '../commands/context.js';

export async function runExplorer(ctx: CommandContext): Promise<number> {
	if (ctx.stdout.isTTY !== true || process.stdin.isTTY !== true) {
		ctx.stderr.write('meliae-tui: the explorer needs a terminal; for scripts use "meliae-tui summarize DUMP" or "meliae-tui show DUMP ADDRESS"\n');
		return EXIT_BAD_INPUT;
	}

	ctx.stderr.write('meliae-tui: the explorer is not built yet\n');
	return EXIT_BAD_INPUT;
}
