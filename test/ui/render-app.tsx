/**
 * Rendering the explorer in tests: named keys, a fake terminal of any size
 * (ink-testing-library's is 100 columns with no rows, so the size is passed
 * to <App/>), and press-then-wait-for-the-next-frame.
 */

import {render} from 'ink-testing-library';
import {expect} from 'vitest';
import {App, type AppProps} from '../../source/app.js';
import {textWidth} from '../../source/core/format/escape.js';
import {coreAnalyses} from '../../source/ui/state/analyses.js';

export const KEY = {
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
	home: '\u001B[H',
	end: '\u001B[F',
	enter: '\r',
	escape: '\u001B',
	/** What the Backspace key sends in most terminals (DEL). */
	backspace: '\u007F',
	tab: '\t',
	shiftTab: '\u001B[Z',
	ctrlC: '\u0003',
	ctrlU: '\u0015',
} as const;

const SGR = /\u001B\[[\d;]*m/g;

/** Frame text without colour and attribute codes. */
export function plain(frame: string): string {
	return frame.replace(SGR, '');
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** Every frame is exactly rows-1 lines of at most columns-1 columns, with nothing raw from a dump. */
export function expectFrameFits(frame: string, size: {columns: number; rows: number}): void {
	const text = plain(frame);
	const lines = text.split('\n');
	expect(lines, text).toHaveLength(size.rows - 1);
	for (const line of lines) {
		expect(textWidth(line), line).toBeLessThanOrEqual(size.columns - 1);
		expect(UNSAFE.test(line), JSON.stringify(line)).toBe(false);
	}
}

async function tick(): Promise<void> {
	await new Promise(resolve => {
		setImmediate(resolve);
	});
}

export type Harness = {
	frame(): string;
	lines(): string[];
	/** Press keys; resolves once a new frame has been drawn (fails if none comes). */
	press(keys: string): Promise<string>;
	/** Press keys that should not change the screen. */
	pressQuiet(keys: string): Promise<string>;
	/** Wait until the frame contains `text` (background work). */
	waitFor(text: string | RegExp | ((frame: string) => boolean)): Promise<string>;
	rerender(props: Partial<AppProps>): void;
	copies: string[];
	quit: {called: boolean};
	unmount(): void;
};

export function renderApp(props: AppProps): Harness {
	const copies: string[] = [];
	const quit = {called: false};
	const base: AppProps = {
		size: {columns: 80, rows: 24},
		writeTerminal(data) {
			copies.push(data);
		},
		onQuit() {
			quit.called = true;
		},
		// Retained sizes arrive a moment after the first frames; tests that
		// want them say so, the others see frames that do not change under them.
		analyses: {pathTo: coreAnalyses.pathTo, edgeName: coreAnalyses.edgeName},
		...props,
	};
	const instance = render(<App {...base}/>);
	const frame = (): string => plain(instance.lastFrame() ?? '');
	const waitFrames = async (before: number, what: string): Promise<string> => {
		for (let k = 0; k < 400 && instance.frames.length === before; k++) {
			// eslint-disable-next-line no-await-in-loop
			await tick();
		}

		if (instance.frames.length === before) {
			throw new Error(`no new frame after ${what}`);
		}

		return frame();
	};

	return {
		frame,
		lines: () => frame().split('\n'),
		async press(keys) {
			const before = instance.frames.length;
			instance.stdin.write(keys);
			return waitFrames(before, JSON.stringify(keys));
		},
		async pressQuiet(keys) {
			instance.stdin.write(keys);
			for (let k = 0; k < 5; k++) {
				// eslint-disable-next-line no-await-in-loop
				await tick();
			}

			return frame();
		},
		async waitFor(text) {
			const deadline = performance.now() + 10_000;
			while (performance.now() < deadline) {
				const current = frame();
				const found = typeof text === 'string'
					? current.includes(text)
					: (typeof text === 'function' ? text(current) : text.test(current));
				if (found) {
					return current;
				}

				// eslint-disable-next-line no-await-in-loop
				await tick();
			}

			throw new Error(`the frame never showed ${String(text)}:\n${frame()}`);
		},
		rerender(next) {
			instance.rerender(<App {...base} {...next}/>);
		},
		copies,
		quit,
		unmount: instance.unmount,
	};
}
