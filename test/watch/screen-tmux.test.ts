/**
 * `meliae-tui watch PID` in a real 80x24 terminal (tmux): the live screen
 * shows the dumps, the growing types and the leak candidates by owner
 * within the terminal; `o` opens the explorer on the kept dumps and `q`
 * there returns to watching; `q` ends watching and restores the terminal.
 */

import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {cliPath, NODE_FLAGS} from '../helpers/cli.js';
import {hasTmux, TmuxSession} from '../ui/tmux.js';
import {Live, scratchDir} from '../capture/python.js';

const service = new URL('programs/leaky_service.py', import.meta.url).pathname;
let session: TmuxSession | undefined;
let target: Live | undefined;

afterEach(() => {
	session?.kill();
	session = undefined;
	target?.kill();
	target = undefined;
});

describe.skipIf(!hasTmux())('meliae-tui watch in a terminal', () => {
	it('shows the leak live, opens the explorer and returns, and quits cleanly', async () => {
		const dir = scratchDir('meliae-watch-');
		target = new Live('python3', [service, '200', join(dir, 'record.txt'), '90']);
		await target.waitFor(p => p.stdout.includes('ready'), 'the service to start');
		session = new TmuxSession('watch', 80, 24, {
			PATH: process.env['PATH'] ?? '/usr/bin:/bin',
			HOME: process.env['HOME'] ?? '/tmp',
			TERM: 'xterm-256color',
			LANG: 'C.UTF-8',
			CI: 'false',
			PS1: 'e2e$ ',
		});
		const tty = session;
		await tty.waitFor('e2e$');
		tty.type(`${process.execPath} ${NODE_FLAGS.join(' ')} ${cliPath} watch ${target.pid} --every 1 --dir ${join(dir, 'dumps')}`);
		tty.keys('Enter');
		const screen = await tty.waitFor(/held by list@0x[\da-f]+ ← module/, 40_000);
		// Drawn from the top row: nothing scrolled off.
		expect(screen.split('\n')[0]).toMatch(new RegExp(`^meliae-tui watch: process ${target.pid}, every 1 s`));
		expect(screen).toMatch(/^ {2}Leaked +\+\d+ [▁-█]{3,}/m);
		expect(screen).toMatch(/^ {2}\d+ Leaked \([\d.]+ KiB\) held by list@0x/m);
		expect(screen).toMatch(/ms {2}meliae/);
		expect(tty.wrappedLines()).toBe(0);
		expect(tty.modes().alternateScreen).toBe(true);
		tty.type('o');
		const explorer = await tty.waitFor(/\(\+\d older\) > Summary/, 40_000);
		expect(explorer).toMatch(/ Leaked$/m);
		tty.type('q');
		await tty.waitFor(/^meliae-tui watch: process/m, 40_000);
		const taken = Number(/(\d+) dumps taken/.exec(tty.screen())![1]);
		// Watching goes on after the explorer.
		await tty.waitFor(screen_ => Number(/(\d+) dumps taken/.exec(screen_)?.[1] ?? 0) > taken, 40_000);
		tty.type('q');
		await tty.waitFor(/^e2e\$ ?$/m);
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
		expect(target.child.exitCode).toBeNull();
	}, 120_000);
});
