/**
 * Shared by every command that reads a dump: load it with the common flags,
 * show progress on stderr when stderr is a terminal, print warnings about
 * what was skipped, and turn bad input into one line and exit code 2.
 */

import {DumpError, type LoadOptions, type LoadProgress, type LoadResult, LoadAbortedError, loadDump} from '../core/dump/load.js';
import {hexAddress, parseAddress} from '../core/format/address.js';
import {escapeControls} from '../core/format/escape.js';
import {NO_OBJECT} from '../core/graph/layout.js';
import {loadOptionsFrom} from '../common/load-options.js';
import {loadWarnings} from '../common/load-warnings.js';
import {type CommandContext, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_NOT_FOUND} from './context.js';

// Defined beside the exit codes (watch catches it too); exported here for the commands.
import {CommandExit} from './context.js';

export {CommandExit} from './context.js';

export {loadOptionsFrom} from '../common/load-options.js';
export {loadWarnings} from '../common/load-warnings.js';

export function progressLine(file: string, progress: LoadProgress): string {
	const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
	const seconds = Math.max(progress.elapsedMs / 1000, 0.001);
	const rate = mb(progress.bytesRead / seconds);
	const done = progress.bytesTotal === undefined
		? `${mb(progress.bytesRead)} MB`
		: `${Math.floor(progress.bytesRead * 100 / Math.max(progress.bytesTotal, 1))}% ${mb(progress.bytesRead)}/${mb(progress.bytesTotal)} MB`;
	if (progress.phase === 'reading index') {
		return `reading the index of ${file}: ${done}`;
	}

	return `loading ${file}: ${done}, ${progress.objects.toLocaleString('en-US')} objects, ${rate} MB/s [${progress.phase}]`;
}

/** Load the dump named by ctx.input[index]; throws CommandExit on failure. */
export async function loadForCommand(ctx: CommandContext, file: string, extra: LoadOptions = {}): Promise<LoadResult> {
	const showProgress = ctx.stderr.isTTY === true && ctx.flags['quiet'] !== true;
	const shown = escapeControls(file === '-' ? 'standard input' : file);
	let lastDraw = 0;
	const controller = new AbortController();
	const onSigint = (): void => {
		controller.abort();
	};

	process.once('SIGINT', onSigint);
	try {
		const result = await loadDump(file, {
			...loadOptionsFrom(ctx.flags),
			// Built when an analysis asks for them (summarize, trend and diff never do).
			parents: false,
			// A first load's index is written while the command goes on (the
			// dominators); saveAnalyses waits for it, and so does the process's exit.
			overlapIndexWrite: true,
			...extra,
			signal: controller.signal,
			onNote: ctx.flags['quiet'] === true ? undefined : note => {
				ctx.stderr.write(`${showProgress ? '\r\u001B[2K' : ''}meliae-tui: ${note}\n`);
			},
			onProgress: showProgress
				? progress => {
					const now = performance.now();
					if (now - lastDraw < 100 && progress.phase === 'reading') {
						return;
					}

					lastDraw = now;
					ctx.stderr.write(`\r\u001B[2K${progressLine(shown, progress)}`);
				}
				: undefined,
		});
		if (showProgress) {
			ctx.stderr.write('\r\u001B[2K');
		}

		for (const warning of loadWarnings(result)) {
			ctx.stderr.write(`meliae-tui: ${warning}\n`);
		}

		return result;
	} catch (error) {
		if (showProgress) {
			ctx.stderr.write('\r\u001B[2K');
		}

		if (error instanceof DumpError) {
			ctx.stderr.write(`meliae-tui: ${escapeControls(error.message)}\n`);
			throw new CommandExit(EXIT_BAD_INPUT);
		}

		if (error instanceof LoadAbortedError) {
			ctx.stderr.write('meliae-tui: interrupted\n');
			throw new CommandExit(EXIT_INTERRUPTED);
		}

		throw error;
	} finally {
		process.removeListener('SIGINT', onSigint);
	}
}

/** Run a command body, mapping CommandExit to its code. */
export async function withExit(body: () => Promise<number>): Promise<number> {
	try {
		return await body();
	} catch (error) {
		if (error instanceof CommandExit) {
			return error.code;
		}

		throw error;
	}
}

/** Require `count` positional arguments; print usage otherwise. */
export function requireInput(ctx: CommandContext, count: number, usage: string): void {
	if (ctx.input.length < count) {
		ctx.stderr.write(`meliae-tui: usage: ${usage}\n`);
		throw new CommandExit(EXIT_BAD_INPUT);
	}
}

/** The address in positional argument `index`; throws CommandExit (2) when it is not one. */
export function addressArgument(ctx: CommandContext, index: number): number {
	const text = ctx.input[index]!;
	const address = parseAddress(text);
	if (address === undefined) {
		ctx.stderr.write(`meliae-tui: not an address: ${escapeControls(text)} (use decimal as meliae prints, or 0x-hex)\n`);
		throw new CommandExit(EXIT_BAD_INPUT);
	}

	return address;
}

/** The ordinal of the object at `address`; throws CommandExit (1) when the dump has none. */
export function objectAt(ctx: CommandContext, result: LoadResult, address: number): number {
	const ordinal = result.store.indexOf(address);
	if (ordinal === NO_OBJECT) {
		ctx.stderr.write(`meliae-tui: ${escapeControls(result.file)}: no object at address ${address} (${hexAddress(address)})\n`);
		throw new CommandExit(EXIT_NOT_FOUND);
	}

	return ordinal;
}
