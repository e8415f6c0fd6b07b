/**
 * The explorer's session, once run-explorer.ts has checked there is a
 * terminal: switch to the alternate screen, load the dumps (oldest first,
 * the last one explored) with a progress screen that Ctrl-C cancels, run
 * the explorer, and restore the terminal on the way out, whatever happens.
 */

import process from 'node:process';
import {render} from 'ink';
import {App} from '../app.js';
import type {CommandContext} from '../common/context.js';
import {EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK} from '../common/context.js';
import {loadOptionsFrom} from '../common/load-options.js';
import {loadProblemLines} from '../common/load-warnings.js';
import {readMeta} from '../core/analyses/trend.js';
import {DumpError, LoadAbortedError, type LoadProgress, type LoadResult, loadDump} from '../core/dump/load.js';
import {escapeControls} from '../core/format/escape.js';
import {indexWritesSettled} from '../core/index/persisted.js';
import {snapshotOf} from '../core/analyses/diff.js';
import {lengthView} from '../core/waste/growing.js';
import {Loading} from './components/Loading.js';
import type {DumpSource, OlderDump} from './state/model.js';
import type {Status} from './state/types.js';
import {CLEAR_SCREEN, ENTER_ALT_SCREEN, HIDE_CURSOR, LEAVE_ALT_SCREEN, SHOW_CURSOR} from './terminal.js';
import {themeFromEnv} from './theme.js';

/** Progress redraws at most this often while reading (phases always redraw). */
const PROGRESS_INTERVAL_MS = 100;

/** What loading skipped, cut or tolerated, in the command line's words, gzip damage first (the status line shows the first, cut to width). */
export function loadNotes(result: LoadResult): string[] {
	return loadProblemLines(result, escapeControls(result.file.replace(/^.*[/\\]/, '')), true);
}

function startupStatus(notes: readonly string[]): Status | undefined {
	if (notes.length === 0) {
		return undefined;
	}

	const more = notes.length > 1 ? ` (+${notes.length - 1} more: see "meliae-tui summarize")` : '';
	return {text: notes[0]! + more, tone: 'error'};
}

/** `keys`: where keys come from when standard input is not the terminal (see run-explorer.tsx). */
export async function explore(ctx: CommandContext, keys?: NodeJS.ReadStream): Promise<number> {
	const stdout = ctx.stdout as NodeJS.WriteStream;
	let inAltScreen = true;
	const restore = (): void => {
		if (inAltScreen) {
			inAltScreen = false;
			stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
		}
	};

	process.once('exit', restore);
	stdout.write(ENTER_ALT_SCREEN);
	const controller = new AbortController();
	const files = ctx.input;
	// MELIAE_TUI_TIMING=1: how long loading and the first frame took, on stderr at exit.
	const timing: string[] | undefined = ctx.env['MELIAE_TUI_TIMING'] ? [] : undefined;
	const interrupt = (): void => {
		controller.abort();
	};

	const loadingScreen = (index: number, progress: LoadProgress | undefined) => (
		<Loading file={files[index]!} index={index + 1} count={files.length} progress={progress} onInterrupt={interrupt}/>
	);

	const instance = render(loadingScreen(0, undefined), {
		stdout,
		stdin: keys ?? process.stdin,
		exitOnCtrlC: false,
		// Ink's standard renderer: a frame is written only when it changed,
		// inside a synchronized update. (Ink 6.8's incremental renderer puts
		// frames that end with a newline one row too low.)
		maxFps: 60,
	});

	// A failure outside React's render (a background job, a timer), such as
	// an index column found damaged when first read: the explorer ends, the
	// terminal is restored and the error becomes one line (cli.tsx), never a
	// stack trace over the screen.
	let failure: Error | undefined;
	const fail = (error: unknown): void => {
		failure ??= error instanceof Error ? error : new Error(String(error));
		instance.unmount(failure);
	};

	process.on('uncaughtException', fail);
	process.on('unhandledRejection', fail);
	try {
		const dumps: Array<DumpSource | OlderDump> = [];
		const warnings: string[] = [];
		const lateNotes: string[] = [];
		let shown = false;
		for (let index = 0; index < files.length; index++) {
			let lastDraw = 0;
			let lastPhase = '';
			const result = await loadDump(files[index]!, {
				...loadOptionsFrom(ctx.flags),
				onPhase: timing === undefined ? undefined : (phase, ms) => {
					timing.push(`${phase} ${Math.round(ms)} ms`);
				},
				// Older dumps first: the parser threads stay warm for the next one.
				keepThreads: index < files.length - 1,
				// The summary goes on screen first; parents are built when the
				// background retained-size job (or an object view) first needs them.
				parents: false,
				// A first load's index is written while the explorer starts.
				overlapIndexWrite: true,
				signal: controller.signal,
				onNote(note) {
					// A note of the index write that ends after the first frame: said on exit.
					(shown ? lateNotes : warnings).push(note);
				},
				onProgress(progress) {
					const now = performance.now();
					if (progress.phase === lastPhase && now - lastDraw < PROGRESS_INTERVAL_MS) {
						return;
					}

					lastDraw = now;
					lastPhase = progress.phase;
					instance.rerender(loadingScreen(index, progress));
				},
			});
			// Of an older dump only the snapshot the comparison needs and its
			// len columns (growing collections) are kept; the rest of its store
			// is freed before the next one loads.
			const last = index === files.length - 1;
			dumps.push(last
				? {file: result.file, store: result.store, rssBytes: readMeta(files[index]!)?.rssBytes}
				: {file: result.file, snapshot: snapshotOf(result.store), lengths: lengthView(result.store)});
			warnings.push(...loadNotes(result));
			if (controller.signal.aborted) {
				throw new LoadAbortedError();
			}
		}

		// Ctrl-Z: give the terminal back as it was (cooked mode, main screen,
		// cursor shown), stop; on `fg`, take it again and redraw everything.
		const input = (keys ?? process.stdin) as NodeJS.ReadStream;
		const suspend = (resumed: () => void): void => {
			input.setRawMode?.(false);
			stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
			process.once('SIGCONT', () => {
				input.setRawMode?.(true);
				// Ink redraws the whole frame when it changes; it starts from the bottom line.
				stdout.write(ENTER_ALT_SCREEN + HIDE_CURSOR + CLEAR_SCREEN + `\u001B[${stdout.rows ?? 24};1H`);
				instance.clear();
				resumed();
			});
			process.kill(process.pid, 'SIGTSTP');
		};

		// The first frame is the first write to the terminal once the
		// explorer's screen is given to Ink (Ink may hold a frame back a
		// few milliseconds after the last loading screen).
		let firstFrameSeen = false;
		const write = stdout.write;
		if (timing !== undefined) {
			stdout.write = ((...args: Parameters<typeof write>) => {
				if (!firstFrameSeen) {
					firstFrameSeen = true;
					stdout.write = write;
					timing.push(`first frame of the explorer at ${Math.round(performance.now())} ms after the process started`);
				}

				return write.apply(stdout, args);
			}) as typeof write;
		}

		instance.rerender(
			<App
				onSuspend={suspend}
				dumps={dumps}
				theme={themeFromEnv(ctx.env)}
				initialStatus={startupStatus(warnings)}
				writeTerminal={data => {
					stdout.write(data);
				}}
			/>,
		);

		shown = true;
		await instance.waitUntilExit();
		if (failure !== undefined) {
			throw failure;
		}

		restore();
		// The index of a first load may still be being written: its notes, if any, come after.
		await indexWritesSettled();
		for (const note of lateNotes) {
			ctx.stderr.write(`meliae-tui: ${note}\n`);
		}

		if (timing !== undefined) {
			ctx.stderr.write(`meliae-tui: timing: ${timing.join(', ')}\n`);
		}

		return EXIT_OK;
	} catch (error) {
		instance.unmount();
		await instance.waitUntilExit().catch(() => undefined);
		restore();
		if (error instanceof LoadAbortedError) {
			ctx.stderr.write('meliae-tui: interrupted\n');
			return EXIT_INTERRUPTED;
		}

		if (error instanceof DumpError) {
			ctx.stderr.write(`meliae-tui: ${escapeControls(error.message)}\n`);
			return EXIT_BAD_INPUT;
		}

		throw error;
	} finally {
		process.removeListener('exit', restore);
		process.removeListener('uncaughtException', fail);
		process.removeListener('unhandledRejection', fail);
	}
}
