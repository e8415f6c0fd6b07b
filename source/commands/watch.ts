/**
 * `meliae-tui watch PID` or `meliae-tui watch [options] -- python app.py`:
 * a dump on a schedule, the last few kept, the growth shown live or as JSON
 * lines (source/watch/ does the work).
 */

import {mkdirSync, statSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {escapeControls} from '../core/format/escape.js';
import {environmentTakesUtf8} from '../core/format/sparkline.js';
import {type Capturer, attachCapturer, processExists, programCapturer} from '../watch/capture.js';
import type {WatchTools} from '../watch/analysis.js';
import {watchLoop} from '../watch/loop.js';
import {parseSize} from '../watch/size.js';
import {jsonView, screenView} from '../watch/views.js';
import {attachArguments, attachOptions, DEFAULT_TIMEOUT_SECONDS, parsePid, runAttachScript} from './attach.js';
import {type CommandContext, EXIT_BAD_INPUT, EXIT_FAILED} from './context.js';
import {loadForCommand} from './load-for-command.js';
import {hookEnvironment, parseSignal, programKind, tracemallocFrames} from './run.js';
import {dominatorsForCommand} from './top.js';

const USAGE = 'meliae-tui watch PID [--every SECONDS] [--keep N] [--dir D] [--max-disk SIZE] [--json] [--until-growing K] (or: watch [options] -- python app.py ...)';

export const DEFAULT_EVERY_SECONDS = 60;
export const DEFAULT_KEEP = 5;
export const DEFAULT_MAX_DISK = '2G';

export type WatchHooks = {
	/** Open the explorer on these dumps (oldest first); provided by the command line. */
	readonly explore?: (files: readonly string[]) => Promise<number>;
};

/** What the watch loop does as the commands do it (source/watch/ imports no command). */
const tools: WatchTools = {
	load: loadForCommand,
	dominators: dominatorsForCommand,
	report: async ctx => (await import('./report.js')).main(ctx),
};

function fail(ctx: CommandContext, message: string): number {
	ctx.stderr.write(`meliae-tui: ${message}\nusage: ${USAGE}\n`);
	return EXIT_BAD_INPUT;
}

function wholeNumber(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

export async function watchMain(ctx: CommandContext, hooks: WatchHooks = {}): Promise<number> {
	const program = ctx.rest;
	if ((ctx.input.length === 0) === (program.length === 0)) {
		return fail(ctx, 'watch needs one process id, or a program after --');
	}

	let pid: number | undefined;
	if (program.length === 0) {
		pid = parsePid(ctx.input[0]);
		if (pid === undefined || ctx.input.length > 1) {
			return fail(ctx, `not a process id: ${escapeControls(ctx.input.join(' '))}`);
		}

		if (pid === process.pid) {
			return fail(ctx, 'cannot watch itself');
		}

		if (!processExists(pid)) {
			ctx.stderr.write(`meliae-tui: no process ${pid}\n`);
			return EXIT_FAILED;
		}
	}

	const every = ctx.flags['every'] ?? DEFAULT_EVERY_SECONDS;
	if (typeof every !== 'number' || !Number.isFinite(every) || every <= 0) {
		return fail(ctx, '--every needs a number of seconds above 0');
	}

	const keep = ctx.flags['keep'] === undefined ? DEFAULT_KEEP : wholeNumber(ctx.flags['keep']);
	if (keep === undefined) {
		return fail(ctx, '--keep needs a whole number of dumps, 1 or more');
	}

	const untilGrowing = ctx.flags['untilGrowing'] === undefined ? undefined : wholeNumber(ctx.flags['untilGrowing']);
	if (ctx.flags['untilGrowing'] !== undefined && untilGrowing === undefined) {
		return fail(ctx, '--until-growing needs a whole number of steps, 1 or more');
	}

	const maxDiskText = ctx.flags['maxDisk'] ?? DEFAULT_MAX_DISK;
	const maxDisk = typeof maxDiskText === 'string' ? parseSize(maxDiskText) : (typeof maxDiskText === 'number' ? parseSize(String(maxDiskText)) : undefined);
	if (maxDisk === undefined) {
		return fail(ctx, `--max-disk needs a size such as 500M or 2G, not ${JSON.stringify(maxDiskText)}`);
	}

	const options = attachOptions(ctx.flags);
	if (typeof options === 'string') {
		return fail(ctx, options);
	}

	const signalText = typeof ctx.flags['signal'] === 'string' ? ctx.flags['signal'] : 'USR2';
	const signal = parseSignal(signalText);
	if (signal === undefined) {
		return fail(ctx, `--signal ${JSON.stringify(signalText)} is not a signal the program can be sent for dumps (try USR1 or USR2)`);
	}

	const frames = tracemallocFrames(ctx.flags['tracemalloc']);
	if (typeof frames === 'string') {
		return fail(ctx, frames);
	}

	if (frames !== undefined && pid !== undefined) {
		return fail(ctx, '--tracemalloc starts a program with allocation tracing (watch --tracemalloc -- python app.py); a running process traces allocations when it was started with PYTHONTRACEMALLOC');
	}

	const dirFlag = ctx.flags['dir'];
	if (dirFlag !== undefined && (typeof dirFlag !== 'string' || dirFlag === '')) {
		return fail(ctx, '--dir needs a directory name');
	}

	// A started program's pid is known only once it runs, after its dump directory is set.
	const dir = path.resolve(typeof dirFlag === 'string' ? dirFlag : `meliae-watch-${pid ?? `run-${process.pid}`}`);
	try {
		mkdirSync(dir, {recursive: true, mode: 0o700});
		if (!statSync(dir).isDirectory()) {
			throw new Error('not a directory');
		}
	} catch (error) {
		const {code} = error as NodeJS.ErrnoException;
		ctx.stderr.write(`meliae-tui: cannot use ${escapeControls(dir)} for dumps: ${code ?? escapeControls((error as Error).message)}\n`);
		return EXIT_BAD_INPUT;
	}

	let capturer: Capturer;
	let target: string;
	const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
	if (pid === undefined) {
		const kind = programKind(program[0]!, ctx.env);
		if (kind.kind === 'not-python') {
			ctx.stderr.write(`meliae-tui: ${escapeControls(program[0]!)} is not Python (${escapeControls(kind.file)} has no Python interpreter in it), so it cannot write dumps\n`);
			return EXIT_BAD_INPUT;
		}

		const started = await programCapturer(program, dir, hookEnvironment(ctx.env, dir, signal, frames), signal, timeoutSeconds);
		if (started instanceof Error) {
			const code = (started as NodeJS.ErrnoException).code;
			ctx.stderr.write(`meliae-tui: cannot run ${escapeControls(program[0]!)}: ${code === 'ENOENT' ? 'command not found' : escapeControls(started.message)}\n`);
			return EXIT_FAILED;
		}

		capturer = started;
		target = `${program.join(' ')} (pid ${capturer.pid})`;
		// The hook installs its handler as the program starts; a signal before that would end it.
		if (!await capturer.ready(timeoutSeconds)) {
			await capturer.close();
			ctx.stderr.write(`meliae-tui: ${escapeControls(program[0]!)} did not install the dump handler for SIG${signal} within ${timeoutSeconds} s (${capturer.alive() ? 'is it Python 3?' : capturer.ending()})\n`);
			return EXIT_FAILED;
		}
	} else {
		const attached = pid;
		const attachArgs = attachArguments(options);
		capturer = attachCapturer(attached, dir, async out => runAttachScript(attached, out, ctx.env, attachArgs));
		target = `process ${pid}`;
	}

	const ascii = !environmentTakesUtf8(ctx.env);
	const json = ctx.flags['json'] === true || ctx.stdout.isTTY !== true || process.stdin.isTTY !== true;
	if (json) {
		ctx.stderr.write(`meliae-tui: watching ${escapeControls(target)} every ${every} s; dumps in ${escapeControls(dir)} (last ${keep} kept)\n`);
	}

	const view = json ? jsonView(ctx) : screenView(ctx, {target, dir, everySeconds: every, ascii, explore: hooks.explore});
	return watchLoop(ctx, capturer, {dir, everySeconds: every, keep, maxDiskBytes: maxDisk, untilGrowing, ascii}, view, tools);
}

export const main = async (ctx: CommandContext): Promise<number> => watchMain(ctx);
