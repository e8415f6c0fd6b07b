/**
 * Plumbing shared by the commands and the explorer (both import it; it
 * imports neither): what a command receives and the documented exit codes.
 */

import type {Writable} from 'node:stream';

/**
 * What every non-interactive command receives. `input` holds the positional
 * arguments after the command name; `flags` the parsed options (camelCase).
 * A command returns its exit code and never calls process.exit itself.
 */
export type CommandContext = {
	readonly input: readonly string[];
	readonly flags: Readonly<Record<string, unknown>>;
	/** Arguments after a literal `--` (for `run -- python app.py`). */
	readonly rest: readonly string[];
	readonly stdout: Writable & {isTTY?: boolean};
	readonly stderr: Writable & {isTTY?: boolean};
	readonly env: NodeJS.ProcessEnv;
};

/** Documented exit codes, shared by every command. */
export const EXIT_OK = 0;
/** The request was understood but could not be answered (address not in the dump, ...). */
export const EXIT_NOT_FOUND = 1;
/** Bad input: unreadable file, not a dump, bad arguments. */
export const EXIT_BAD_INPUT = 2;
/** The operation was attempted and failed (attach refused, dumper crashed, ...). */
export const EXIT_FAILED = 3;
/** Interrupted by the user (Ctrl-C). */
export const EXIT_INTERRUPTED = 130;

export type Command = (context: CommandContext) => Promise<number>;
/** A bug in meliae-tui itself (set MELIAE_TUI_DEBUG=1 for the stack trace). */
export const EXIT_INTERNAL = 70;

/** Thrown to end a command with `code`, once its message is on stderr (mapped back by the command's `withExit`). */
export class CommandExit extends Error {
	constructor(readonly code: number) {
		super(`exit ${code}`);
	}
}
