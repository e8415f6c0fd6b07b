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
import {textWidth} from '../../source/core/format/escape.js';
import {A, explorerObjects, writeExplorerDump} from '../helpers/ui-dumps.js';
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

	const start = (term: string, extra: Record<string, string> = {}, name = term): TmuxSession => {
		session = new TmuxSession(name.replaceAll(/\W/g, ''), 80, 24, {
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
		tty.type(`CI=false sh ${cli} ${dump}; echo "EXIT=$?"`);
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
		tty.type(`CI=false sh ${cli} ${dump}; echo "EXIT=$?"`);
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
		tty.type(`CI=false sh ${cli} ${cli}; echo "EXIT=$?"`);
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
		tty.type(`CI=false sh ${cli} ${demo}`);
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

	test.skipIf(!existsSync(demo))('the demo leak: R to the holder\'s retained set, Ctrl-Z and fg, L to its leak candidates', async () => {
		type Step = {what: string; type: string; address: number};
		const truth = JSON.parse(readFileSync(groundTruth, 'utf8')) as {iterations: Array<{dump: string; session_chain: Step[]; counts: Record<string, number>}>};
		const facts = truth.iterations.find(iteration => iteration.dump === 'demo-3.json.gz')!;
		const cache = facts.session_chain.find(step => step.what === 'SESSION_CACHE')!.address;
		const tty = start('xterm-256color', {LANG: 'C.UTF-8'}, 'leak');
		await tty.waitFor('e2e$');
		const demos = [1, 2, 3].map(k => demo.replace('demo-3', `demo-${k}`));
		tty.type(`CI=false sh ${cli} ${demos.join(' ')}`);
		tty.keys('Enter');
		await tty.waitFor('> Summary');
		// Retained sizes are known once the summary has their column.
		await tty.waitFor(/ Retained /);
		// R: the whole heap's biggest retainers; the module's globals on top, the cache its biggest child.
		tty.type('R');
		let screen = await tty.waitFor('the biggest retainers of the whole heap');
		tty.keys('Down', 'Right', 'Down');
		screen = await tty.waitFor(new RegExp(`^> .*\\+ \\.SESSION_CACHE SessionCache\\(${cache} `, 'm'));
		screen = await tty.waitFor(`kept alive by SessionCache@${cache}:`);
		expect(screen).toMatch(new RegExp(`^ +${facts.counts['Session']} +[\\d.]+K +\\d+% +Session$`, 'm'));
		// R again: the tree below the holder.
		tty.type('R');
		screen = await tty.waitFor('what it keeps alive');
		expect(screen).toContain(`SessionCache(${cache} `);
		expect(screen).toMatch(/- \.?_sessions dict\(|\+ \._sessions dict\(/);
		const before = screen;
		expect(screen.split('\n').every(line => textWidth(line) <= 80)).toBe(true);
		// Ctrl-Z gives the shell its screen back; fg brings the same screen back.
		tty.keys('C-z');
		screen = await tty.waitFor(/Stopped/);
		expect(screen).not.toContain('what it keeps alive');
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
		tty.type('fg');
		tty.keys('Enter');
		screen = await tty.waitFor('what it keeps alive');
		screen = await tty.waitFor('resumed');
		expect(tty.modes()).toEqual({alternateScreen: true, cursorVisible: false});
		const sameRows = (text: string): string[] => text.split('\n').slice(0, 21);
		expect(sameRows(screen)).toEqual(sameRows(before));
		// L: the leak candidates, the sessions first, held by the cache.
		tty.keys('Escape', 'Escape');
		await tty.waitFor('> Summary');
		tty.type('L');
		screen = await tty.waitFor('groups by owner:');
		expect(screen).toMatch(/^> +\d+ +[\d.]+K Session .*held by dict ← SessionCache ← mod/m);
		tty.keys('Enter');
		screen = await tty.waitFor(/^\d+ Session held by dict@0x/m);
		tty.type('r');
		screen = await tty.waitFor(/^path from a root, /m);
		expect(screen).toMatch(new RegExp(`\\.SESSION_CACHE +SessionCache\\(${cache} `));
		tty.type('q');
		await tty.waitFor(/^e2e\$ *$/m);
		tty.type('echo "EXIT=$?"');
		tty.keys('Enter');
		await tty.waitFor(/^EXIT=0$/m);
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
	});

	const EMOJI = '🙂👍🏽👨‍👩‍👧‍👦🇯🇵';
	const EMOJI_ADDRESS = 7000;
	const emojiDump = (): string => {
		const objects = explorerObjects();
		const cache = objects.find(object => object.address === A.cache)!;
		cache.refs = [...cache.refs!, A.keyUser, EMOJI_ADDRESS];
		return writeExplorerDump([
			...objects,
			{address: EMOJI_ADDRESS, type: 'str', size: 200, len: 40, value: EMOJI.repeat(8)},
			{address: 7016, type: `Emoji${EMOJI}`, size: 48},
		]);
	};

	/** printf's octal escapes for the UTF-8 bytes of `text` (the shell is typed ASCII only). */
	const octal = (text: string): string => Array.from(Buffer.from(text, 'utf8'), byte => `\\${byte.toString(8).padStart(3, '0')}`).join('');

	test('widths agree with what tmux draws, cluster by cluster', async () => {
		const tty = start('xterm-256color', {LANG: 'C.UTF-8'}, 'widths');
		await tty.waitFor('e2e$');
		const samples = ['🙂', '👍🏽', '👨‍👩‍👧‍👦', '🇯🇵', EMOJI, '漢字', 'é', 'e\u0301', '👩‍💻', `a${EMOJI}b`];
		for (const sample of samples) {
			tty.type(`clear; printf '${octal(sample)}'; read x`);
			tty.keys('Enter');
			// eslint-disable-next-line no-await-in-loop
			await tty.waitFor(screen => screen.split('\n')[0]!.trim() !== '' && !screen.includes('clear;'));
			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 150);
			});
			expect(textWidth(sample), JSON.stringify(sample)).toBe(tty.cursorColumn());
			tty.keys('Enter');
		}
	});

	test('emoji sequences: every line fits at 80x24 and the header stays on screen', async () => {
		const file = emojiDump();
		const tty = start('xterm-256color', {LANG: 'C.UTF-8'}, 'emoji');
		await tty.waitFor('e2e$');
		tty.type(`CI=false sh ${cli} ${file}`);
		tty.keys('Enter');
		let screen = await tty.waitFor('> Summary');
		// (tmux keeps at most 21 bytes of a cluster in a cell, so the end of the family is not in its capture.)
		expect(screen).toMatch(/ Emoji🙂👍🏽👨.*🇯🇵$/mu);
		expect(tty.wrappedLines()).toBe(0);
		tty.type(':');
		await tty.waitFor('go to address: _');
		tty.type(String(EMOJI_ADDRESS));
		tty.keys('Enter');
		screen = await tty.waitFor(`str at ${EMOJI_ADDRESS}`);
		let rows = screen.split('\n');
		expect(rows[0]).toMatch(new RegExp(`> str@${EMOJI_ADDRESS}$`));
		expect(rows[1]).toBe(`str at ${EMOJI_ADDRESS} (0x1b58)`);
		expect(rows[3]).toMatch(/^value '🙂👍🏽👨/u);
		expect(rows[22]).toContain('Enter');
		expect(tty.wrappedLines()).toBe(0);
		tty.type('p');
		await tty.waitFor('[parents (1)]');
		tty.keys('Enter');
		screen = await tty.waitFor(`module at ${A.module}`);
		rows = screen.split('\n');
		expect(rows[1]).toBe(`module at ${A.module} (0x3e8)`);
		expect(screen).toMatch(/^ {2}'user' +: '🙂👍🏽/mu);
		expect(tty.wrappedLines()).toBe(0);
		tty.type('q');
		await tty.waitFor(/^e2e\$/m);
	});

	test('LANG=C: ASCII only on every screen, dump text escaped', async () => {
		const file = emojiDump();
		const tty = start('xterm-256color', {LANG: 'C'}, 'ascii');
		await tty.waitFor('e2e$');
		tty.type(`CI=false sh ${cli} ${file}`);
		tty.keys('Enter');
		const screens = [await tty.waitFor('> Summary')];
		tty.type(':');
		await tty.waitFor('go to address: _');
		tty.type(String(EMOJI_ADDRESS));
		tty.keys('Enter');
		screens.push(await tty.waitFor(`str at ${EMOJI_ADDRESS}`));
		tty.type('p');
		await tty.waitFor('[parents (1)]');
		tty.keys('Enter');
		screens.push(await tty.waitFor(`module at ${A.module}`));
		tty.type('?');
		screens.push(await tty.waitFor('Keys (every screen'));
		for (const screen of screens) {
			for (const row of screen.split('\n')) {
				expect(row, row).toMatch(/^[\x20-\x7e]*$/);
			}
		}

		// Cut between clusters: the escapes of one cluster are kept or dropped together.
		expect(screens[0]).toMatch(/ Emoji\\U0001f642(\\U0001f44d\\U0001f3fd)?\.\.\.$/m);
		expect(screens[1]).toContain('value \'\\U0001f642\\U0001f44d\\U0001f3fd\\U0001f468\\u200d');
		tty.keys('Escape');
		tty.type('q');
		await tty.waitFor(/^e2e\$/m);
	});

	test('cat dump | meliae-tui -: the dump from the pipe, the keys from the terminal', async () => {
		const tty = start('xterm-256color', {LANG: 'C.UTF-8'}, 'pipe');
		await tty.waitFor('e2e$');
		tty.type(`cat ${dump} | CI=false sh ${cli} -; echo "EXIT=$?"`);
		tty.keys('Enter');
		let screen = await tty.waitFor('standard input > Summary');
		expect(screen).toMatch(/^Total 53 objects, 8 types/m);
		tty.type('/');
		await tty.waitFor('filter types: _');
		tty.type('sess');
		screen = await tty.waitFor(/^Filter "sess": 1 objects, 1 of 8 types/m);
		tty.keys('Enter', 'Enter');
		await tty.waitFor('Session: 1 object, largest first');
		tty.type('q');
		screen = await tty.waitFor(/^EXIT=0\ne2e\$/m);
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
		// Standard input not a terminal, the dump a file: keys from the terminal too.
		tty.type(`clear; CI=false sh ${cli} ${dump} </dev/null; echo "EXIT=$?"`);
		tty.keys('Enter');
		await tty.waitFor(/ > Summary$/m);
		tty.type('q');
		await tty.waitFor(/^EXIT=0$/m);
		// With the terminal on standard input, "-" cannot be the dump: said so.
		tty.type(`clear; CI=false sh ${cli} -; echo "EXIT=$?"`);
		tty.keys('Enter');
		screen = await tty.waitFor(/^EXIT=2$/m);
		expect(screen.replaceAll('\n', '')).toContain('meliae-tui: "-" reads the dump from standard input, but standard input is the terminal');
	});
});
