#!/usr/bin/env node
/**
 * meliae-tui: flags (meow) → a non-interactive command, or the explorer.
 */

import process from 'node:process';
import meow from 'meow';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_INTERNAL} from './commands/context.js';
import {tuneForLoading} from './core/util/tuning.js';

const HELP = `
  Usage
    $ meliae-tui DUMP [DUMP...]             open the explorer (newest dump last)
    $ meliae-tui summarize DUMP             meliae's per-type summary table
    $ meliae-tui show DUMP ADDRESS          one object, its children and parents
    $ meliae-tui top DUMP                   the biggest retainers (dominator tree)
    $ meliae-tui path DUMP ADDRESS          shortest chain of references from a root
    $ meliae-tui diff OLD NEW [FINAL]       compare dumps taken over time
    $ meliae-tui trend DUMP...              per-type growth over a series of dumps
    $ meliae-tui report DUMP [OLDER...]     one-page triage report
    $ meliae-tui python-path                where meliae_dump.py lives (for PYTHONPATH)
    $ meliae-tui run [--signal USR2] [--dir D] -- python app.py ...
    $ meliae-tui attach PID [--out FILE] [--open]

  A DUMP is a meliae dump file (plain or gzip) or "-" for standard input.

  Options
    --by size|count        summarize: order (default size); top: retained|size
    --limit N              rows to print (summarize: 20)
    --from ADDRESS         summarize only what ADDRESS reaches
    --exclude A,B,...      ... not walking through these addresses
    --all N                path: up to N distinct paths
    --skip-weak            path: do not go through weak references
    --skip-expensive       path: do not go through modules, types, frames
    --sort time|mtime|name trend, report: order of the dumps (default mtime)
    --format text|markdown|json   report: output format
    --json                 machine-readable output
    --no-collapse          keep instance __dict__s as separate objects
    --remove-expensive     replace references to modules, frames and types
    --strict               stop at the first malformed line
    --quiet                no progress on standard error
    --signal USR2 --dir D  run: the dump signal and directory
    --out FILE --open      attach: where the dump goes; explore it after

  Exit codes
    0 ok, 1 address not found, 2 bad input or usage, 3 operation failed,
    70 internal error, 130 interrupted
`;

const commands: Record<string, () => Promise<Command>> = {
	summarize: async () => (await import('./commands/summarize.js')).main,
	show: async () => (await import('./commands/show.js')).main,
};

/** Commands provided by modules that may not exist in this build yet. */
const optionalCommands: Record<string, string> = {
	top: './commands/top.js',
	path: './commands/path.js',
	diff: './commands/diff.js',
	trend: './commands/trend.js',
	report: './commands/report.js',
	'python-path': './commands/python-path.js',
	run: './commands/run.js',
	attach: './commands/attach.js',
};

async function main(): Promise<number> {
	tuneForLoading();
	const argv = process.argv.slice(2);
	const dashDash = argv.indexOf('--');
	const rest = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
	const cli = meow(HELP, {
		importMeta: import.meta,
		argv: dashDash >= 0 ? argv.slice(0, dashDash) : argv,
		allowUnknownFlags: false,
		flags: {
			by: {type: 'string'},
			limit: {type: 'number'},
			from: {type: 'string'},
			exclude: {type: 'string'},
			json: {type: 'boolean'},
			collapse: {type: 'boolean', default: true},
			removeExpensive: {type: 'boolean'},
			strict: {type: 'boolean'},
			quiet: {type: 'boolean'},
			signal: {type: 'string'},
			dir: {type: 'string'},
			out: {type: 'string'},
			open: {type: 'boolean'},
			method: {type: 'string'},
			timeout: {type: 'number'},
			stage: {type: 'string'},
			all: {type: 'number'},
			format: {type: 'string'},
			skipWeak: {type: 'boolean'},
			skipExpensive: {type: 'boolean'},
			sort: {type: 'string'},
		},
	});

	const [first, ...others] = cli.input;
	const context = (input: readonly string[]): CommandContext => ({
		input,
		flags: cli.flags,
		rest,
		stdout: process.stdout,
		stderr: process.stderr,
		env: process.env,
	});

	if (first === undefined) {
		cli.showHelp(EXIT_BAD_INPUT);
		return EXIT_BAD_INPUT;
	}

	if (first === 'attach' && cli.flags.open === true) {
		// Dump a running process, then explore the dump.
		const {attachAndDump, parsePid} = await import('./commands/attach.js');
		const pid = parsePid(others[0]);
		if (pid === undefined || others.length > 1) {
			process.stderr.write('meliae-tui: usage: meliae-tui attach PID [--out FILE] [--open]\n');
			return EXIT_BAD_INPUT;
		}

		const dumped = await attachAndDump(pid, cli.flags.out, context(others));
		if (dumped.path === undefined) {
			return dumped.code;
		}

		const {runExplorer} = await import('./ui/run-explorer.js');
		return runExplorer(context([dumped.path]));
	}

	const load = commands[first];
	if (load !== undefined) {
		return (await load())(context(others));
	}

	const optional = optionalCommands[first];
	if (optional !== undefined) {
		let module: {main: Command};
		try {
			module = await import(optional) as {main: Command};
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code !== 'ERR_MODULE_NOT_FOUND' || !String((error as Error).message).includes(optional.slice(2))) {
				throw error;
			}

			process.stderr.write(`meliae-tui: "${first}" is not available in this build\n`);
			return EXIT_BAD_INPUT;
		}

		return module.main(context(others));
	}

	const {runExplorer} = await import('./ui/run-explorer.js');
	return runExplorer(context(cli.input));
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	// A closed pipe (`| head`) is not an error worth a message.
	if (error.code === 'EPIPE') {
		process.exit(0);
	}
});

try {
	process.exitCode = await main();
} catch (error) {
	if (process.env['MELIAE_TUI_DEBUG']) {
		console.error(error);
	} else {
		const message = error instanceof Error ? error.message : String(error);
		process.stderr.write(`meliae-tui: internal error: ${message.split('\n')[0]} (set MELIAE_TUI_DEBUG=1 for details)\n`);
	}

	process.exitCode = EXIT_INTERNAL;
}
