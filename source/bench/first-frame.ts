/**
 * The explorer's first frame, as a user gets it: `meliae-tui DUMP` in a
 * real terminal (a tmux server of its own, 80x24) with MELIAE_TUI_TIMING=1,
 * which makes the explorer say at exit how many milliseconds after the
 * process started its first frame was drawn. The bench waits for the
 * summary on screen, presses q, and reads that line.
 */

import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {NODE_FLAGS} from '../core/util/tuning.js';

export function hasTmux(): boolean {
	return spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0;
}

const quote = (word: string): string => `'${word.replaceAll('\'', '\'\\\'\'')}'`;

const sleep = async (ms: number): Promise<void> => new Promise(resolve => {
	setTimeout(resolve, ms);
});

/** Milliseconds from process start to the explorer's first frame. */
export async function explorerFirstFrame(cli: string, args: readonly string[], timeoutMs = 10 * 60_000): Promise<number> {
	const directory = mkdtempSync(join(tmpdir(), 'meliae-bench-tty-'));
	const errors = join(directory, 'stderr');
	const socket = `meliae-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
	const tmux = (...words: string[]): string => execFileSync('tmux', ['-L', socket, ...words], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
	const command = ['env', 'MELIAE_TUI_TIMING=1', 'CI=false', process.execPath, ...NODE_FLAGS, cli, ...args].map(word => quote(word)).join(' ');
	try {
		tmux('-f', '/dev/null', 'new-session', '-d', '-x', '80', '-y', '24', '-s', 'bench', `${command} 2>${quote(errors)}`);
		const started = performance.now();
		let screen = '';
		while (!/^Total \d+ objects/m.test(screen)) {
			if (performance.now() - started > timeoutMs) {
				throw new Error('the explorer showed no summary in time');
			}

			// eslint-disable-next-line no-await-in-loop
			await sleep(100);
			try {
				screen = tmux('capture-pane', '-p', '-t', 'bench');
			} catch {
				throw new Error(`the explorer exited before its summary: ${readText(errors).trim().split('\n').at(-1) ?? ''}`);
			}
		}

		tmux('send-keys', '-t', 'bench', 'q');
		let text = '';
		for (let waited = 0; waited < 30_000; waited += 100) {
			text = readText(errors);
			if (text.includes('first frame of the explorer at')) {
				break;
			}

			// eslint-disable-next-line no-await-in-loop
			await sleep(100);
		}

		const match = /first frame of the explorer at (\d+) ms/.exec(text);
		if (match === null) {
			throw new Error('the explorer printed no timing line');
		}

		return Number(match[1]);
	} finally {
		try {
			tmux('kill-server');
		} catch {}

		rmSync(directory, {recursive: true, force: true});
	}
}

function readText(file: string): string {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}
