/**
 * The two faces of watch: JSON lines (no terminal, or --json) and the live
 * text screen (a terminal). Both write one-line notes to standard error.
 */

import process from 'node:process';
import {stringifyJson} from '../core/util/json-out.js';
import type {CommandContext} from '../common/context.js';
import {type DumpRecord, recordJson} from './analysis.js';
import type {WatchView} from './loop.js';
import {screenLines} from './screen.js';

async function sleep(ms: number, wake: Promise<void>): Promise<undefined> {
	let timer: NodeJS.Timeout | undefined;
	await Promise.race([wake, new Promise<void>(resolve => {
		timer = setTimeout(resolve, ms);
	})]);
	clearTimeout(timer);
	return undefined;
}

export function jsonView(ctx: CommandContext): WatchView {
	return {
		dump(record) {
			ctx.stdout.write(stringifyJson(recordJson(record)) + '\n');
		},
		note(line) {
			ctx.stderr.write(`${line}\n`);
		},
		status() {},
		wait: sleep,
		close() {},
	};
}

export type ScreenOptions = {
	readonly target: string;
	readonly dir: string;
	readonly everySeconds: number;
	readonly ascii: boolean;
	/**
	 * Open the explorer on these dumps (oldest first) and resolve when it
	 * ends; undefined where the explorer is not available.
	 */
	readonly explore?: (files: readonly string[]) => Promise<number>;
};

/**
 * The live screen: redrawn after each dump and each status change, within
 * the terminal's size. Keys (standard input in raw mode): Enter or `o`
 * opens the newest dump in the explorer with the older ones, `q` ends
 * watching, Ctrl-C interrupts.
 */
export function screenView(ctx: CommandContext, options: ScreenOptions): WatchView {
	const stdout = ctx.stdout as NodeJS.WriteStream;
	let records: readonly DumpRecord[] = [];
	let taken = 0;
	let status = 'starting';
	const notes: string[] = [];
	let exploring = false;
	const draw = (): void => {
		if (exploring) {
			return;
		}

		const lines = screenLines({target: options.target, dir: options.dir, everySeconds: options.everySeconds, records, taken, notes, status, ascii: options.ascii}, stdout.columns ?? 80, stdout.rows ?? 24);
		stdout.write(`\u001B[H\u001B[2J${lines.join('\r\n')}`);
	};

	stdout.write('\u001B[?1049h\u001B[?25l');
	const onResize = (): void => {
		draw();
	};

	stdout.on('resize', onResize);
	const {stdin} = process;
	// Keys pressed while a dump is taken wait here for the loop to look.
	const queue: string[] = [];
	let pressed: (() => void) | undefined;
	const onData = (data: Buffer): void => {
		const text = data.toString('utf8');
		if (text === '\u0003') {
			process.kill(process.pid, 'SIGINT');
			return;
		}

		queue.push(text);
		pressed?.();
	};

	const listen = (): void => {
		if (stdin.isTTY) {
			stdin.setRawMode(true);
		}

		stdin.resume();
		stdin.on('data', onData);
	};

	const unlisten = (): void => {
		stdin.off('data', onData);
		if (stdin.isTTY) {
			stdin.setRawMode(false);
		}

		stdin.pause();
	};

	listen();
	return {
		dump(record, kept, count) {
			records = [...kept];
			taken = count;
			draw();
		},
		note(line) {
			notes.push(line);
			notes.splice(0, Math.max(0, notes.length - 3));
			draw();
		},
		status(text) {
			status = text;
			draw();
		},
		async wait(ms, wake) {
			const until = Date.now() + ms;
			for (;;) {
				const left = until - Date.now();
				if (left <= 0) {
					return undefined;
				}

				let timer: NodeJS.Timeout | undefined;
				if (queue.length === 0) {
					// eslint-disable-next-line no-await-in-loop
					await Promise.race([
						wake,
						new Promise<void>(resolve => {
							timer = setTimeout(resolve, Math.min(left, 1000));
						}),
						new Promise<void>(resolve => {
							pressed = resolve;
						}),
					]);
					clearTimeout(timer);
					pressed = undefined;
				}

				const key = queue.shift();
				if (key === undefined) {
					// A tick or an interrupt: show the countdown, or return to the loop.
					status = `next dump in ${Math.max(0, Math.ceil((until - Date.now()) / 1000))} s`;
					draw();
					if (Date.now() >= until) {
						return undefined;
					}

					// The interrupt: the loop sees it.
					const woke = await Promise.race([wake.then(() => true), Promise.resolve(false)]);
					if (woke) {
						return undefined;
					}

					continue;
				}

				if (key === 'q') {
					return 'quit';
				}

				if ((key === '\r' || key === '\n' || key === 'o') && options.explore !== undefined && records.length > 0) {
					exploring = true;
					queue.length = 0;
					unlisten();
					stdout.write('\u001B[?1049l\u001B[?25h');
					try {
						// eslint-disable-next-line no-await-in-loop
						await options.explore(records.map(record => record.file));
					} finally {
						exploring = false;
						stdout.write('\u001B[?1049h\u001B[?25l');
						listen();
						draw();
					}
				}
			}
		},
		close() {
			unlisten();
			stdout.off('resize', onResize);
			stdout.write('\u001B[?25h\u001B[?1049l');
			// The screen is gone: its last lines stay readable.
			for (const note of notes) {
				ctx.stderr.write(`${note}\n`);
			}
		},
	};
}
