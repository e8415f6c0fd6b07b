/**
 * Drive a real terminal: a private tmux server (its own socket, so no
 * other tmux session is touched), a shell in a window of a given size,
 * keys sent as a person would type them, the screen read back with
 * capture-pane, polling until the expected text shows.
 */

import {execFileSync, spawnSync} from 'node:child_process';

export function hasTmux(): boolean {
	return spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0;
}

export class TmuxSession {
	private readonly socket: string;

	constructor(name: string, readonly columns: number, readonly rows: number, env: Record<string, string>) {
		this.socket = `meliae-tui-e2e-${process.pid}-${name}`;
		const vars = Object.entries(env).map(([key, value]) => `${key}=${value}`);
		this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'e2e', '-x', String(columns), '-y', String(rows),
			'env', '-i', ...vars, 'sh');
		this.tmux('set-option', '-t', 'e2e', 'status', 'off');
	}

	private tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	/** Type text literally (no key names), then optionally Enter. */
	type(text: string): void {
		this.tmux('send-keys', '-t', 'e2e', '-l', text);
	}

	/** Press named keys (tmux names: Enter, Escape, BSpace, Tab, Up, C-c...). */
	keys(...names: string[]): void {
		for (const name of names) {
			this.tmux('send-keys', '-t', 'e2e', name);
		}
	}

	/** tmux's view of the terminal modes: is the alternate screen on, is the cursor shown. */
	modes(): {alternateScreen: boolean; cursorVisible: boolean} {
		const [alternate, cursor] = this.tmux('display-message', '-p', '-t', 'e2e', '#{alternate_on} #{cursor_flag}').trim().split(' ');
		return {alternateScreen: alternate === '1', cursorVisible: cursor === '1'};
	}

	screen(): string {
		return this.tmux('capture-pane', '-p', '-t', 'e2e');
	}

	/** The screen with the lines tmux wrapped joined back into one each. */
	joinedScreen(): string {
		return this.tmux('capture-pane', '-p', '-J', '-t', 'e2e');
	}

	/**
	 * Lines of the screen that tmux wrapped onto the next row (a line wider
	 * than the terminal by tmux's own width rules): 0 when every line fits.
	 */
	wrappedLines(): number {
		const rows = this.tmux('capture-pane', '-p', '-t', 'e2e').split('\n').length;
		const joined = this.tmux('capture-pane', '-p', '-J', '-t', 'e2e').split('\n').length;
		return rows - joined;
	}

	/** The cursor's column, as tmux placed it. */
	cursorColumn(): number {
		return Number(this.tmux('display-message', '-p', '-t', 'e2e', '#{cursor_x}').trim());
	}

	/** Poll the screen until `expected` shows (or `timeoutMs` passes: then throw with the screen). */
	async waitFor(expected: string | RegExp | ((screen: string) => boolean), timeoutMs = 20_000): Promise<string> {
		const started = Date.now();
		let screen = '';
		while (Date.now() - started < timeoutMs) {
			screen = this.screen();
			const found = typeof expected === 'string'
				? screen.includes(expected)
				: (typeof expected === 'function' ? expected(screen) : expected.test(screen));
			if (found) {
				return screen;
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 100);
			});
		}

		throw new Error(`the terminal never showed ${String(expected)}; it shows:\n${screen}`);
	}

	kill(): void {
		try {
			this.tmux('kill-server');
		} catch {
			// Already gone.
		}
	}
}
