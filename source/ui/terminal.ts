/**
 * The few escape sequences the explorer writes itself, outside Ink's frames.
 */

/** Switch to the alternate screen (the shell's screen comes back on leave). */
export const ENTER_ALT_SCREEN = '\u001B[?1049h';
export const LEAVE_ALT_SCREEN = '\u001B[?1049l';
export const SHOW_CURSOR = '\u001B[?25h';
export const HIDE_CURSOR = '\u001B[?25l';
export const CLEAR_SCREEN = '\u001B[2J';

/**
 * OSC 52: ask the terminal to put `text` on the clipboard. Works over SSH,
 * since the terminal on the user's side does it. (In tmux, the server needs
 * `set -g set-clipboard on`.)
 */
export function osc52(text: string): string {
	return `\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}
