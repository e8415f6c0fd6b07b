/**
 * The explorer on hostile inputs, in a real terminal (tmux) at 80x24:
 * each input (generated here) ends in either the summary with the load's
 * warning on the status line or the one-line refusal with exit 2; nothing
 * wraps, no stack trace shows, `q` quits with 0 within a few seconds, and
 * Ctrl-C during the load of a big gzip quits with 130 promptly.
 *
 * Needs the build (npm test builds first; run alone, it builds if dist/ is
 * missing) and tmux (skipped, saying so, when tmux is not installed).
 */

import {execFileSync} from 'node:child_process';
import {closeSync, existsSync, openSync, readSync, rmSync, writeSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';
import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest';
import {NODE_FLAGS} from '../helpers/cli.js';
import {meliaeLine} from '../helpers/dump-lines.js';
import {hasTmux, TmuxSession} from '../ui/tmux.js';
import {damagedGzip, demoText, inputFolder, randomBytes, smallLines as small, truncatedGzip} from './inputs.js';

const MB = 1024 * 1024;
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const tmuxMissing = !hasTmux();
if (tmuxMissing) {
	console.warn('explorer-tmux: tmux is not installed; the explorer on hostile inputs is skipped (CI installs it)');
}

/** Seconds `q` (or Ctrl-C) may take to give the shell back: generous, to catch a hang, not to time anything. */
const QUIT_MS = 5000;

const {dir, write} = inputFolder('hostile-explorer');

type Case = {
	name: string;
	make: () => string;
	/** The status line's warning when the dump loads; undefined: it loads with nothing to say. */
	warning?: RegExp;
	/** Refused: the one line on stderr, exit 2. */
	refused?: boolean;
};

const cases: Case[] = [
	{
		name: 'a gzip with trailing garbage',
		make: () => write('trailing.json.gz', Buffer.concat([gzipSync(small.join('\n') + '\n'), randomBytes(4096, 1)])),
		warning: /: bytes that are not gzip data follow/,
	},
	{
		name: 'a gzip damaged mid-stream',
		make: () => write('damaged.json.gz', damagedGzip(demoText(1))),
		warning: /: (the gzip checksum or length does not match|the gzip data ends early|bytes that are not gzip data follow)/,
	},
	{
		name: 'a truncated gzip',
		make: () => write('truncated.json.gz', truncatedGzip(demoText(1))),
		warning: /the gzip data ends early/,
	},
	{
		name: 'a dump with a 5 MB value',
		make: () => write('value.json', [...small, meliaeLine({address: 4000, type: 'str', size: 49, len: 5 * MB, value: 'v'.repeat(5 * MB)})].join('\n') + '\n'),
		warning: /1 string was longer than 1 MiB and kept cut to 1 MiB/,
	},
	{
		name: 'a dump with a refs line longer than a read block',
		make() {
			// 1,000,000 refs of 11 digits: about 13 MB on one line, over the 8 MiB block.
			const refs = Array.from({length: 1_000_000}, (_, i) => 10_000_000_000 + (i * 16));
			return write('long-refs.json', [...small, meliaeLine({address: 5000, type: 'list', size: 8_000_056, len: refs.length, refs})].join('\n') + '\n');
		},
	},
	{
		name: 'a binary file',
		make: () => write('binary.json', randomBytes(64 * 1024, 2)),
		refused: true,
	},
	{
		name: 'an empty file',
		make: () => write('empty.json', ''),
		refused: true,
	},
	{
		name: 'a dump written as one JSON array on one line',
		make: () => write('array.json', `[${small.join(', ')}]`),
	},
];

describe.skipIf(tmuxMissing)('the explorer on hostile inputs, in tmux at 80x24', () => {
	let session: TmuxSession | undefined;
	beforeAll(() => {
		if (!existsSync(cli)) {
			execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {cwd: root, stdio: 'inherit'});
		}
	});
	afterEach(() => {
		session?.kill();
		session = undefined;
	});
	afterAll(() => {
		rmSync(dir(), {recursive: true, force: true});
	});

	const start = (name: string): TmuxSession => {
		session = new TmuxSession(`hostile${name.replaceAll(/\W/g, '')}`, 80, 24, {
			PATH: process.env['PATH'] ?? '/usr/bin:/bin',
			HOME: process.env['HOME'] ?? '/tmp',
			TERM: 'xterm-256color',
			PS1: 'e2e$ ',
			// Short names, so the typed command line fits 80 columns and any wrap is the app's.
			CLI: cli,
			DIR: dir(),
		});
		return session;
	};

	/** Run the explorer on `name` in the inputs' directory, on a cleared screen. */
	const open = async (tty: TmuxSession, name: string): Promise<void> => {
		await tty.waitFor('e2e$');
		tty.type('cd "$DIR" && clear');
		tty.keys('Enter');
		await tty.waitFor(screen => screen.trim() === 'e2e$');
		// With CI set, Ink draws only the last frame: the app must see CI=false.
		tty.type(`CI=false node "$CLI" ${name}; echo "EXIT=$?"`);
		tty.keys('Enter');
	};

	const noStackTrace = (screen: string): void => {
		expect(screen).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
		expect(screen).not.toMatch(/internal error|Error:/);
	};

	test.each(cases)('$name', async ({make, warning, refused}) => {
		const file = make();
		const name = file.replace(/^.*\//, '');
		const tty = start(name);
		await open(tty, name);
		if (refused === true) {
			const screen = await tty.waitFor(/^EXIT=\d+\ne2e\$/m, 30_000);
			expect(screen).toMatch(/^EXIT=2$/m);
			const said = tty.joinedScreen().split('\n').filter(line => line.startsWith('meliae-tui: '));
			expect(said).toHaveLength(1);
			expect(said[0]).toContain(file.replace(/^.*\//, ''));
			// The refusal is one line; only it may run over 80 columns (the shell wraps it), nothing else.
			expect(tty.wrappedLines()).toBe(Math.ceil(said[0]!.length / 80) - 1);
			noStackTrace(screen);
			expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
			return;
		}

		const screen = await tty.waitFor('> Summary', 60_000);
		const lines = screen.split('\n');
		if (warning === undefined) {
			expect(screen).not.toMatch(/gzip|malformed|cut to|repeat an address/);
		} else {
			const status = lines.filter(line => warning.test(line));
			expect(status).toHaveLength(1);
			// The warning names the file it is about.
			expect(status[0]).toMatch(new RegExp(`^${file.replace(/^.*\//, '').replaceAll('.', '\\.')}: `));
		}

		expect(tty.wrappedLines()).toBe(0);
		noStackTrace(screen);
		const pressed = Date.now();
		tty.type('q');
		const after = await tty.waitFor(/^EXIT=\d+\ne2e\$/m, QUIT_MS);
		expect(Date.now() - pressed).toBeLessThan(QUIT_MS);
		expect(after).toMatch(/^EXIT=0$/m);
		noStackTrace(after);
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
	}, 120_000);

	test('an index column damaged after it was opened: one line, exit 2, the terminal restored', async () => {
		const file = write('indexed.json', demoText(1));
		execFileSync(process.execPath, [...NODE_FLAGS, cli, 'index', file], {stdio: 'ignore'});
		// Flip one byte in the middle of the parents' section: it is checked only when first read.
		const fd = openSync(`${file}.mtui-index`, 'r+');
		try {
			const fixed = Buffer.alloc(24);
			readSync(fd, fixed, 0, 24, 0);
			const header = Buffer.alloc(fixed.readUInt32LE(16));
			readSync(fd, header, 0, header.length, 24);
			const sections = (JSON.parse(header.toString('utf8')) as {sections: Array<{name: string; offset: number; bytes: number}>}).sections;
			const parents = sections.find(section => section.name === 'parentSources')!;
			const at = parents.offset + Math.floor(parents.bytes / 2);
			const byte = Buffer.alloc(1);
			readSync(fd, byte, 0, 1, at);
			byte[0]! ^= 0x40;
			writeSync(fd, byte, 0, 1, at);
		} finally {
			closeSync(fd);
		}

		const tty = start('indexed');
		await open(tty, 'indexed.json');
		const first = await tty.waitFor(screen => screen.includes('> Summary') || /^EXIT=\d+$/m.test(screen), 60_000);
		if (!/^EXIT=\d+$/m.test(first)) {
			// Open the biggest type, then its first object: the parents are read.
			tty.keys('Enter');
			await new Promise(resolve => setTimeout(resolve, 500));
			tty.keys('Enter');
		}

		const screen = await tty.waitFor(/^EXIT=\d+\ne2e\$/m, 30_000);
		expect(screen).toMatch(/^EXIT=2$/m);
		const said = tty.joinedScreen().split('\n').filter(line => line.startsWith('meliae-tui: '));
		expect(said).toHaveLength(1);
		expect(said[0]).toMatch(/indexed\.json\.mtui-index: section parentSources fails its checksum; it is removed/);
		noStackTrace(screen);
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
		expect(existsSync(`${file}.mtui-index`)).toBe(false);
	}, 120_000);

	test('Ctrl-C while a big gzip loads quits with 130 promptly', async () => {
		// One member of distinct objects, repeated: a gzip reader reads each member in turn.
		const text = Array.from({length: 80_000}, (_, i) => meliaeLine({address: 100_000 + (i * 16), type: 'str', size: 90, len: 40, value: `a value of forty characters, number ${String(i).padStart(5, '0')}`})).join('\n') + '\n';
		const member = gzipSync(text, {level: 1});
		const copies = Math.ceil(50 * MB / member.length);
		write('big.json.gz', Buffer.concat(Array.from({length: copies}, () => member)));
		const tty = start('big');
		await open(tty, 'big.json.gz');
		await tty.waitFor(/meliae-tui: loading .*big\.json\.gz/, 30_000);
		const pressed = Date.now();
		tty.keys('C-c');
		const screen = await tty.waitFor(/^EXIT=\d+\ne2e\$/m, QUIT_MS);
		expect(Date.now() - pressed).toBeLessThan(QUIT_MS);
		expect(screen).toMatch(/^EXIT=130$/m);
		expect(screen).not.toContain('Summary');
		noStackTrace(screen);
		expect(tty.modes()).toEqual({alternateScreen: false, cursorVisible: true});
	}, 120_000);
});
