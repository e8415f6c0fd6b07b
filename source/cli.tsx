#!/bin/sh
//bin/sh -c :; exec node --no-concurrent-recompilation "$0" "$@"
/**
 * meliae-tui: the command line (checked against commands/table.ts) → a
 * non-interactive command, or the explorer.
 *
 * The first two lines are both shell and JavaScript: run as a program (the
 * `meliae-tui` link), the shell runs node on this file with NODE_FLAGS
 * (see core/util/tuning.ts for why they must be on node's command line);
 * to node, the second line is a comment. `env -S` would say
 * the same on one line but is missing from busybox.
 */

import process from 'node:process';
import {existsSync, readFileSync} from 'node:fs';
import {commandHelp, mainHelp, parseArguments} from './commands/arguments.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK} from './common/context.js';
import {escapeControls} from './core/format/escape.js';
import {charsetFromEnv, setOutputCharset} from './core/format/glyphs.js';
import {tuneForLoading} from './core/util/tuning.js';

const commands: Record<string, () => Promise<Command>> = {
	summarize: async () => (await import('./commands/summarize.js')).main,
	show: async () => (await import('./commands/show.js')).main,
	top: async () => (await import('./commands/top.js')).main,
	path: async () => (await import('./commands/path.js')).main,
	retained: async () => (await import('./commands/retained.js')).main,
	waste: async () => (await import('./commands/waste.js')).main,
	diff: async () => (await import('./commands/diff.js')).main,
	trend: async () => (await import('./commands/trend.js')).main,
	report: async () => (await import('./commands/report.js')).main,
	index: async () => (await import('./commands/index-command.js')).main,
	'python-path': async () => (await import('./commands/python-path.js')).main,
	run: async () => (await import('./commands/run.js')).main,
	attach: async () => (await import('./commands/attach.js')).main,
	watch: async () => (await import('./commands/watch.js')).main,
};

function version(): string {
	const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version?: string};
	return manifest.version ?? 'unknown';
}

async function main(): Promise<number> {
	tuneForLoading();
	setOutputCharset(charsetFromEnv(process.env));
	const argv = process.argv.slice(2);
	if (argv.length === 0) {
		process.stderr.write(mainHelp());
		return EXIT_BAD_INPUT;
	}

	const parsed = parseArguments(argv);
	switch (parsed.kind) {
		case 'help': {
			process.stdout.write(parsed.command === undefined ? mainHelp() : commandHelp(parsed.command));
			return EXIT_OK;
		}

		case 'version': {
			process.stdout.write(`${version()}\n`);
			return EXIT_OK;
		}

		case 'usage': {
			const more = parsed.command?.name === undefined ? 'meliae-tui --help' : `meliae-tui ${parsed.command.name} --help`;
			process.stderr.write(`meliae-tui: ${parsed.message} (see ${more})\n`);
			return EXIT_BAD_INPUT;
		}

		case 'run': {
			break;
		}
	}

	const {command, flags, rest} = parsed;
	const context = (input: readonly string[]): CommandContext => ({
		input,
		flags,
		rest,
		stdout: process.stdout,
		stderr: process.stderr,
		env: process.env,
	});

	if (command.name === 'attach' && flags['open'] === true) {
		// Dump a running process, then explore the dump.
		const {attachAndDump, parsePid} = await import('./commands/attach.js');
		const pid = parsePid(parsed.input[0]);
		if (pid === undefined) {
			process.stderr.write(`meliae-tui: not a process id: ${escapeControls(parsed.input[0]!)} (see meliae-tui attach --help)\n`);
			return EXIT_BAD_INPUT;
		}

		const dumped = await attachAndDump(pid, flags['out'] as string | undefined, context(parsed.input));
		if (dumped.path === undefined) {
			return dumped.code;
		}

		const {runExplorer} = await import('./ui/run-explorer.js');
		return runExplorer(context([dumped.path]));
	}

	if (command.name === 'watch') {
		// The explorer opens from the live screen and returns to it.
		const {watchMain} = await import('./commands/watch.js');
		return watchMain(context(parsed.input), {
			async explore(files) {
				const {runExplorer} = await import('./ui/run-explorer.js');
				return runExplorer(context(files));
			},
		});
	}

	if (command.name === undefined) {
		const first = parsed.input[0]!;
		if (/^[a-z][a-z-]*$/.test(first) && !existsSync(first)) {
			// A mistyped command word would otherwise read as a dump file.
			process.stderr.write(`meliae-tui: no command or dump named "${first}" (see meliae-tui --help)\n`);
			return EXIT_BAD_INPUT;
		}

		const {runExplorer} = await import('./ui/run-explorer.js');
		return runExplorer(context(parsed.input));
	}

	if (parsed.input.includes('-') && process.stdin.isTTY === true) {
		// Reading a dump from a terminal looks like a hang without this.
		process.stderr.write('meliae-tui: waiting for a dump on standard input (a terminal); pipe one in (meliae-tui summarize - < dump.json.gz), or press Ctrl-D to end it\n');
	}

	return (await commands[command.name]!())(context(parsed.input));
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	// A closed pipe (`| head`) is not an error worth a message.
	if (error.code === 'EPIPE') {
		// After a first load's index is written (or given up): no temporary left behind.
		void import('./core/index/persisted.js').then(async ({indexWritesSettled}) => indexWritesSettled()).finally(() => process.exit(0));
	}
});

try {
	process.exitCode = await main();
} catch (error) {
	if (error instanceof Error && error.name === 'IndexReadError') {
		// An index damaged or changed after it was opened: one line, and it is rebuilt next time.
		process.stderr.write(`meliae-tui: ${error.message}\n`);
		process.exitCode = EXIT_BAD_INPUT;
	} else if (process.env['MELIAE_TUI_DEBUG']) {
		console.error(error);
	} else {
		const message = error instanceof Error ? error.message : String(error);
		process.stderr.write(`meliae-tui: internal error: ${escapeControls(message.split('\n')[0]!)} (set MELIAE_TUI_DEBUG=1 for details)\n`);
	}

	if (!(error instanceof Error && error.name === 'IndexReadError')) {
		process.exitCode = EXIT_INTERNAL;
	}
}
