/**
 * Entry of the interactive explorer: `meliae-tui DUMP...`. Refuses to run
 * without a terminal (scripts get `summarize` and `show`), then starts the
 * session in explorer.tsx. React and Ink are imported only after
 * NODE_ENV is settled: React's development build costs several
 * milliseconds per key press.
 *
 * Keys come from standard input when it is a terminal. When it is not
 * (`cat dump | meliae-tui -`, where standard input is the dump), they come
 * from the controlling terminal, `/dev/tty`, opened for reading: the dump
 * is read from the pipe while the keys come from the terminal.
 */

import {openSync} from 'node:fs';
import process from 'node:process';
import {ReadStream} from 'node:tty';
import type {CommandContext} from '../common/context.js';
import {EXIT_BAD_INPUT} from '../common/context.js';
import {orderDumps} from '../common/dump-order.js';

const FOR_SCRIPTS = 'for scripts use "meliae-tui summarize DUMP" or "meliae-tui show DUMP ADDRESS"';

/** The controlling terminal for reading keys, or undefined when the process has none. */
export function openTerminalInput(path = '/dev/tty'): ReadStream | undefined {
	let fd: number;
	try {
		fd = openSync(path, 'r');
	} catch {
		return undefined;
	}

	const stream = new ReadStream(fd);
	if (!stream.isTTY) {
		stream.destroy();
		return undefined;
	}

	return stream;
}

export async function runExplorer(ctx: CommandContext): Promise<number> {
	if (ctx.stdout.isTTY !== true) {
		ctx.stderr.write(`meliae-tui: the explorer needs a terminal, and standard output is not one; ${FOR_SCRIPTS}\n`);
		return EXIT_BAD_INPUT;
	}

	const dashes = ctx.input.filter(file => file === '-').length;
	if (dashes > 1) {
		ctx.stderr.write('meliae-tui: "-" (standard input) can be given only once\n');
		return EXIT_BAD_INPUT;
	}

	let keys: ReadStream | undefined;
	if (process.stdin.isTTY === true) {
		if (dashes > 0) {
			ctx.stderr.write('meliae-tui: "-" reads the dump from standard input, but standard input is the terminal; pipe a dump in ("cat DUMP | meliae-tui -") or give a file name\n');
			return EXIT_BAD_INPUT;
		}
	} else {
		keys = openTerminalInput();
		if (keys === undefined) {
			const what = dashes > 0 ? 'standard input is the dump' : 'standard input is not a terminal';
			ctx.stderr.write(`meliae-tui: the explorer reads keys from a terminal: ${what}, and there is no terminal (/dev/tty) to read them from; ${FOR_SCRIPTS}\n`);
			return EXIT_BAD_INPUT;
		}
	}

	// Oldest first, as every command takes several dumps (common/dump-order.ts).
	const {dumps, warning} = orderDumps(ctx.input, ctx.flags['keepOrder'] === true);
	if (warning !== undefined) {
		ctx.stderr.write(`meliae-tui: ${warning}\n`);
	}

	process.env['NODE_ENV'] ??= 'production';
	try {
		const {explore} = await import('./explorer.js');
		return await explore({...ctx, input: dumps.map(dump => dump.file)}, keys);
	} finally {
		keys?.destroy();
	}
}
