/**
 * What the explorer shows of dump text and numbers: escaped backslashes,
 * ASCII only in a non-UTF-8 locale, wide numbers in aligned columns,
 * distinct names for growth against the previous and the first dump, and
 * the process RSS beside a breadcrumb of our own dump names at 80 columns.
 */

import {afterEach, describe, expect, test} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {textWidth} from '../../source/core/format/escape.js';
import {setOutputCharset} from '../../source/core/format/glyphs.js';
import {type DumpObject, loadObjects} from '../helpers/dump-lines.js';
import {A, explorerObjects} from '../helpers/ui-dumps.js';
import {expectFrameFits, KEY, renderApp} from './render-app.js';

const SIZE = {columns: 80, rows: 24};
const EMOJI = '🙂👍🏽👨‍👩‍👧‍👦🇯🇵';
const EMOJI_ADDRESS = 7000;
const BACKSLASH_ADDRESS = 7016;

/** The explorer's test dump, plus an emoji value held by the cache and a type named with a literal backslash sequence. */
function objects(): DumpObject[] {
	const base = explorerObjects();
	const cache = base.find(object => object.address === A.cache)!;
	cache.refs = [...cache.refs!, A.keyUser, EMOJI_ADDRESS];
	return [
		...base,
		{address: EMOJI_ADDRESS, type: 'str', size: 200, len: 40, value: EMOJI.repeat(8)},
		{address: BACKSLASH_ADDRESS, type: 'Evil\\x1bType', size: 48},
	];
}

afterEach(() => {
	cleanup();
	setOutputCharset('utf8');
});

/** Open an object by address through the `:` prompt. */
async function open(app: ReturnType<typeof renderApp>, address: number): Promise<string> {
	await app.press(':');
	await app.press(String(address));
	return app.press(KEY.enter);
}

describe('dump text', () => {
	test('a type name with a literal \\x1b shows its backslash escaped, unlike a real ESC', async () => {
		const app = renderApp({store: await loadObjects(objects())});
		let frame = app.frame();
		expect(frame).toMatch(/ Evil\\\\x1bType$/m);
		// The type with a real ESC in its name: one backslash.
		expect(frame).toMatch(/ evil\\x1b\]0;pwned\\x07type$/m);
		frame = await open(app, BACKSLASH_ADDRESS);
		expect(frame.split('\n')[0]).toMatch(/> Evil\\\\x1bType@7016$/);
		expect(frame.split('\n')[1]).toBe('Evil\\\\x1bType at 7016 (0x1b68)');
		await app.press(KEY.backspace);
		await app.press('/');
		await app.press('l\\x1bT');
		await app.press(KEY.enter);
		frame = await app.press(KEY.enter);
		expect(frame.split('\n')[1]).toBe('Evil\\\\x1bType: 1 object, largest first');
		expect(frame).toMatch(/^> Evil\\\\x1bType\(7016 48B\)$/m);
		expectFrameFits(frame, SIZE);
	});

	test('in a non-UTF-8 locale every line is ASCII, dump text escaped as ascii() does', async () => {
		setOutputCharset('ascii');
		const app = renderApp({store: await loadObjects(objects())});
		const frames = [app.frame()];
		frames.push(await open(app, EMOJI_ADDRESS));
		frames.push(await open(app, A.module));
		frames.push(await open(app, A.wide));
		frames.push(await app.press('?'));
		for (const frame of frames) {
			expectFrameFits(frame, SIZE);
			for (const line of frame.split('\n')) {
				expect(line, line).toMatch(/^[\x20-\x7e]*$/);
			}
		}

		// 🙂 and the skin tone escaped; the value cut with an ASCII ellipsis.
		expect(frames[1]).toContain('value \'\\U0001f642\\U0001f44d\\U0001f3fd\\U0001f468\\u200d');
		expect(frames[1]).toMatch(/^size 200 B - len 40 - 0 refs - 1 par - reachable /m);
		expect(frames[1]).toMatch(/\.\.\.$/m);
		expect(frames[3]).toContain('\\u6f22\\u5b57');
	});
});

describe('emoji sequences', () => {
	test('the object view keeps its header and every line fits at 80x24', async () => {
		const app = renderApp({store: await loadObjects(objects())});
		let frame = await open(app, EMOJI_ADDRESS);
		expectFrameFits(frame, SIZE);
		const lines = frame.split('\n');
		expect(lines[1]).toBe(`str at ${EMOJI_ADDRESS} (0x1b58)`);
		// A str value is shown as Python's repr() shows it: the joiners escaped.
		expect(lines[3]).toMatch(/^value '🙂👍🏽👨\\u200d👩\\u200d👧\\u200d👦🇯🇵🙂/u);
		frame = await open(app, A.module);
		expectFrameFits(frame, SIZE);
		// The preview pairs the key with the emoji value.
		expect(frame).toMatch(/^  'user' +: '🙂👍🏽/mu);
	});
});

describe('emoji sequences at other sizes', () => {
	test('every frame fits from 30x8 up, resized on the way, and below it "terminal too small"', async () => {
		const app = renderApp({store: await loadObjects(objects())});
		await open(app, EMOJI_ADDRESS);
		for (const size of [{columns: 30, rows: 8}, {columns: 41, rows: 12}, {columns: 57, rows: 16}, {columns: 80, rows: 24}, {columns: 132, rows: 40}]) {
			app.rerender({size});
			// eslint-disable-next-line no-await-in-loop
			const frame = await app.waitFor(current => current.split('\n').length === size.rows - 1);
			expectFrameFits(frame, size);
			expect(frame).toMatch(/^str at 7000|^str\(7000 /m);
		}

		app.rerender({size: {columns: 29, rows: 8}});
		expect(await app.waitFor('terminal too small')).toContain('terminal too small: 29x8');
	});
});

describe('wide numbers', () => {
	/** End column of each word. */
	const wordEnds = (line: string): number[] => Array.from(line.matchAll(/\S+/g), match => match.index + match[0].length);

	test('sizes of 10^8 bytes and more stay under their titles in the summary', async () => {
		const store = await loadObjects([
			{address: 16, type: 'bytes', size: 4_000_000_000},
			{address: 32, type: 'bytes', size: 150_000_000},
			{address: 48, type: 'list', size: 123_456_789},
			{address: 64, type: 'int', size: 28},
		]);
		for (const columns of [80, 120]) {
			const app = renderApp({store, size: {columns, rows: 24}});
			const lines = app.lines();
			const header = wordEnds(lines[2]!.slice(1));
			const rows = lines.slice(3, 6).map(line => line.slice(1));
			for (const row of rows) {
				const ends = wordEnds(row);
				expect(ends, `${lines[2]}\n${row}`).toHaveLength(header.length);
				expect(ends.slice(0, -1), `${lines[2]}\n${row}`).toEqual(header.slice(0, -1));
			}

			expect(lines.join('\n')).toMatch(/ 4150000000 .* 4000000000 bytes$/m);
			expectFrameFits(app.frame(), {columns, rows: 24});
			app.unmount();
		}
	});
});

describe('several dumps', () => {
	const sessions = (addresses: number[]): DumpObject[] => addresses.map(address => ({address, type: 'Session', size: 64}));
	const name = (pid: number, time: string): string => `/var/tmp/dumps/meliae-${pid}-${time}.json.gz`;
	const dumps = async () => {
		const keep = {address: 16, type: 'dict', size: 232, refs: [100]};
		return [
			{file: name(123_456, '20261130-050000'), store: await loadObjects([keep, ...sessions([100, 200])])},
			{file: name(123_456, '20261130-051000'), store: await loadObjects([keep, ...sessions([100, 200, 300, 400])])},
			{file: name(123_456, '20261130-052000'), store: await loadObjects([keep, ...sessions([100, 300, 500, 600, 700, 800])]), rssBytes: 1_234_567_890},
		];
	};

	test('+Count and +Size are since the previous dump in the summary, +Count/1st and +Size/1st since the first in the trend', async () => {
		const app = renderApp({dumps: await dumps()});
		const summary = (await app.waitFor(/^.* +4 Session$/m)).split('\n');
		expect(summary[2]).toMatch(/ +\+Count +\+Size +New Kind$/);
		// 6 now, 4 in the previous dump, 2 in the first.
		expect(summary.find(line => line.endsWith(' Session'))).toMatch(/ \+2 +\+128 +4 Session$/);
		const trend = (await app.press('t')).split('\n');
		expect(trend[2]).toMatch(/^ +Count +\+Count\/1st +Size +\+Size\/1st +Sizes +Kind$/);
		expect(trend[3]).toMatch(/^> +6 +\+4 +384 +\+256 /);
		expect(trend.join('\n')).not.toMatch(/\+Count(?!\/1st)/);
	});

	test('our own dump names leave room for the process RSS beside the breadcrumb at 80 columns', async () => {
		const app = renderApp({dumps: await dumps()});
		await app.waitFor(/^.* +4 Session$/m);
		let first = app.lines()[0]!;
		expect(first).toMatch(/^meliae-123456-20261130-052000\.json\.gz \(\+2 older\) > Summary +process RSS 1\.1 GiB$/);
		expect(textWidth(first)).toBeLessThanOrEqual(79);
		await open(app, 100);
		await app.press('p');
		await app.press(KEY.enter);
		first = app.lines()[0]!;
		// The file name elided in the middle, the last crumb whole, the RSS shown.
		expect(first).toMatch(/^meliae.*…\d*052000\.json\.gz \(\+2 older\) > Summary > Session@100 > dict@16 +RSS 1\.1 GiB$/);
		expect(textWidth(first)).toBe(79);
		expectFrameFits(app.frame(), SIZE);
	});
});
