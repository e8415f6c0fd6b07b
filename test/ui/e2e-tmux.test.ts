/**
 * The explorer in a real terminal (tmux) at 80x24, as a person uses it:
 * open a dump, filter to a type, open an object, go to a parent, go back,
 * quit; the screen is checked at each step, and after quitting the shell's
 * screen must be back (alternate screen left, cursor shown).
 *
 * Needs the build (npm test builds first; run alone, it builds if dist/ is
 * missing) and tmux (skipped, saying so, when tmux is not installed).
 */

import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {afterEach, beforeAll, describe, expect, test} from 'vitest';
import {A, writeExplorerDump} from '../helpers/ui-dumps.js';
import {hasTmux, TmuxSession} from './tmux.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const demo = fileURLToPath(new URL('../../fixtures/demo/demo-3.json.gz', import.meta.url));
const groundTruth = fileURLToPath(new URL('../../fixtures/demo/ground-truth.json', import.meta.url));
const tmuxMissing = !hasTmux();
if (tmuxMissing) {
	console.warn('e2e-tmux: tmux is not installed; the end-to-end explorer test is skipped (CI installs it)');
}

describe.skipIf(tmuxMissing)('explorer in tmux at 80x24', () => {
	let dump: string;
	let session: TmuxSession | undefined;
	beforeAll(() => {
		if (!existsSync(cli)) {
			execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {cwd: root, stdio: 'inherit'});
		}

		dump = writeExplorerDump();
	});
	afterEach(() => {
		session?.kill();
		session = undefined;
	});

	const start = (term: string, extra: Record<string, string> = {}): TmuxSession => {
		session = new TmuxSession(term.replaceAll(/\W/g, ''), 80, 24, {
			PATH: process.env['PATH'] ?? '/usr/bin:/bin',
			HOME: process.env['HOME'] ?? '/tmp',
			TERM: term,
			PS1: 'e2e$ ',
			...extra,
		});
		return session;
	};

	test('filter, open, parent, back, quit; the terminal is restored', async () => {
		const tty = start('xterm-256color');
		await tty.waitFor('e2e$');
		tty.type('echo BEFORE-THE-EXPLORER');
		tty.keys('Enter');
		await tty.waitFor(/^BEFORE-THE-EXPLORER$/m);
		// With CI set, Ink draws only the last frame: the app must see CI=false.
		tty.type(`CI=false node ${cli} ${dump}; echo "EXIT=$?"`);
		tty.keys('Enter');
		let screen = await tty.waitFor('> Summary');
		expect(screen).toMatch(/^Total 53 objects, 8 types, Total size = 0\.0MiB/m);
		expect(screen).toContain('Enter open  / filter  s sort');
		expect(screen).not.toContain('BEFORE-THE-EXPLORER');
		expect(tty.modes()).toEqual({alternateScreen: true, cursorVisible: false});

		tty.type('/');
		await tty.waitFor('filter types: _');
		tty.type('sess');
		screen = await tty.waitFor(/^Filter "sess": 1 objects, 1 of 8 types/m);
		// Retained sizes appear when the background computation is done.
		expect(screen).toMatch(/^>\s+0\s+1\s+100\s+288\s+100\s+100\s+288(\s+1457)? Session$/m);
		tty.keys('Enter');
		await tty.waitFor('1 of 8 types match "sess"');

		tty.keys('Enter');
		screen = await tty.waitFor('Session: 1 object, largest first');
		expect(screen).toMatch(/^> +(1\.4K )?Session\(1080 288B 3refs 1par\)$/m);

		tty.keys('Enter');
		screen = await tty.waitFor(`Session at ${A.session}`);
		expect(screen).toContain('[children (3)]');

		tty.type('p');
		screen = await tty.waitFor('[parents (1)]');
		expect(screen).toMatch(/^> \.session in module\(1000 /m);
		tty.keys('Enter');
		screen = await tty.waitFor(`module at ${A.module}`);
		expect(screen).toContain(`> Session@${A.session} > module@${A.module}`);
		expect(screen).toContain('contents (2 entries):');

		tty.keys('BSpace');
		screen = await tty.waitFor(`Session at ${A.session}`);
		expect(screen).toContain('[parents (1)]');
		expect(screen).not.toContain(`module@${A.module}`);

		tty.type('q');
		screen = await tty.waitFor(/^EXIT=0\ne2e\$/m);
		expect(screen).toContain('BEFORE-THE-EXPLORER');
		expect(screen).not.toContain('Summary');
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
	});

	test('TERM=vt100 with NO_COLOR, a wrong address, Ctrl-C', async () => {
		const tty = start('vt100', {NO_COLOR: '1'});
		await tty.waitFor('e2e$');
		tty.type(`CI=false node ${cli} ${dump}; echo "EXIT=$?"`);
		tty.keys('Enter');
		await tty.waitFor('> Summary');
		tty.type(':');
		await tty.waitFor('go to address: _');
		tty.type('0xdeadbeef');
		tty.keys('Enter');
		await tty.waitFor('no object at address 3735928559 (0xdeadbeef)');
		tty.keys('C-c');
		const screen = await tty.waitFor(/^EXIT=0\ne2e\$/m);
		expect(screen).not.toContain('Summary');
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
	});

	test('a file that is not a dump: one line, exit 2, terminal restored', async () => {
		const tty = start('screen');
		await tty.waitFor('e2e$');
		tty.type(`CI=false node ${cli} ${cli}; echo "EXIT=$?"`);
		tty.keys('Enter');
		const screen = await tty.waitFor(/^EXIT=2\ne2e\$/m);
		expect(screen).toMatch(/^meliae-tui: .*cli\.js/m);
		expect(screen).not.toContain('loading');
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
	});

	test.skipIf(!existsSync(demo))('the demo leak: from the summary to the holder with the keyboard only', async () => {
		type Step = {what: string; type: string; address: number};
		const truth = JSON.parse(readFileSync(groundTruth, 'utf8')) as {iterations: Array<{dump: string; session_chain: Step[]; counts: Record<string, number>}>};
		const facts = truth.iterations.find(iteration => iteration.dump === 'demo-3.json.gz')!;
		const tty = start('xterm-256color');
		await tty.waitFor('e2e$');
		tty.type(`CI=false node ${cli} ${demo}`);
		tty.keys('Enter');
		let screen = await tty.waitFor('> Summary');
		// Sessions pile up: 899 of them in the third dump.
		expect(screen).toMatch(new RegExp(`^ +\\d+ +${facts.counts['Session']} .* Session$`, 'm'));
		tty.type('/');
		await tty.waitFor('filter types: _');
		tty.type('Session');
		await tty.waitFor('Filter "Session"');
		tty.keys('Enter');
		await tty.waitFor('types match "Session"');
		tty.keys('Enter');
		await tty.waitFor(`Session: ${facts.counts['Session']} objects`);
		tty.keys('Enter');
		await tty.waitFor(/^Session at \d+/m);
		tty.type('r');
		screen = await tty.waitFor(/^> \d+ .* Session\(/m);
		// The path names every holder of the ground truth's chain, in order.
		const rows = screen.split('\n');
		const at = (address: number): number => rows.findIndex(row => row.includes(`(${address} `));
		// The module's globals are folded into the module, as meliae does.
		const holders = facts.session_chain.slice(0, -1).filter(step => step.what !== 'its globals').map(step => at(step.address));
		expect(holders.every(row => row > 0)).toBe(true);
		expect([...holders].sort((a, b) => a - b)).toEqual(holders);
		expect(rows[at(facts.session_chain[2]!.address)]).toMatch(/\.SESSION_CACHE +SessionCache\(/);
		expect(rows[at(facts.session_chain[3]!.address)]).toMatch(/\._sessions +dict\(/);
		// Open the holder: the SessionCache, its _sessions dict listed in its contents.
		tty.keys('Up', 'Up');
		await tty.waitFor(/^> +\d+ \.SESSION_CACHE/m);
		tty.keys('Enter');
		screen = await tty.waitFor(`SessionCache at ${facts.session_chain[2]!.address}`);
		expect(screen).toMatch(/'_sessions' +: dict\(/);
		tty.type('q');
		await tty.waitFor(/^e2e\$/m);
	});
});
