import {afterEach, beforeAll, describe, expect, test} from 'vitest';
import {cleanup} from 'ink-testing-library';
import type {GraphStore} from '../../source/core/graph/store.js';
import {textWidth} from '../../source/core/format/escape.js';
import {osc52} from '../../source/ui/terminal.js';
import {A, explorerStore, manyObjectsStore, oneObjectStore, WIDE_VALUE} from '../helpers/ui-dumps.js';
import {expectFrameFits, KEY, renderApp} from './render-app.js';

const SIZE = {columns: 80, rows: 24};

describe('explorer at 80x24', () => {
	let store: GraphStore;
	beforeAll(async () => {
		store = await explorerStore();
	});
	afterEach(() => {
		cleanup();
	});

	test('the summary: meliae header and table, sort marked in text, footer keys', async () => {
		const app = renderApp({store, file: '/data/app.json'});
		const lines = app.lines();
		expectFrameFits(app.frame(), SIZE);
		expect(lines[0]).toBe('app.json > Summary');
		expect(lines[1]).toMatch(/^Total 53 objects, 8 types, Total size = 0\.0MiB \(\d+ bytes\)$/);
		expect(lines[2]).toBe('  Index   Count   %    [Size]   % Cum     Max Kind');
		expect(lines[3]).toMatch(/^>\s+0\s+46\s+86\s+3209\s+51\s+51\s+120 str$/);
		expect(lines.at(-1)).toContain('? help');
		expect(lines.at(-2)).toMatch(/sorted by size .*1 of 8$/);
		const sorted = await app.press('s');
		expect(sorted.split('\n')[2]).toBe('  Index [Count]   %      Size   % Cum     Max Kind');
	});

	test('the process RSS from the dump\'s sidecar stands beside the breadcrumb when it fits', async () => {
		const app = renderApp({dumps: [{file: '/data/app.json', store, rssBytes: 43_200_000}]});
		const first = app.lines()[0]!;
		expect(first).toMatch(/^app\.json > Summary +process RSS 41\.2 MiB at dump time$/);
		expect(textWidth(first)).toBe(79);
		expectFrameFits(app.frame(), SIZE);
		const narrow = renderApp({dumps: [{file: '/data/app.json', store, rssBytes: 43_200_000}], size: {columns: 40, rows: 12}});
		expect(narrow.lines()[0]).toMatch(/^app\.json > Summary +RSS 41\.2 MiB$/);
		expect(textWidth(narrow.lines()[0]!)).toBe(39);
	});

	test('nothing from the dump reaches the frame raw, on every screen', async () => {
		const app = renderApp({store});
		expect(app.frame()).toContain('evil\\x1b]0;pwned\\x07type');
		await app.press(KEY.enter);
		expectFrameFits(app.frame(), SIZE);
		expect(app.frame()).toContain('\\x1b[31mred BEL\\x07 CR\\rover BS\\x08 C1\\x9b2J bidi\\u20');
		await app.press(KEY.enter);
		const frame = await app.waitFor('reachable 120.0B');
		expectFrameFits(frame, SIZE);
		expect(frame).toContain('\\u202eevil\\u202c');
	});

	test('wide characters keep the columns aligned', async () => {
		const app = renderApp({store});
		await app.press(KEY.enter);
		const wide = app.lines().find(line => line.includes(WIDE_VALUE))!;
		expect(wide).toBe(`  str(${A.wide} 90B 1par '${WIDE_VALUE}')`);
		// The dict preview pads keys by display width.
		await app.press(':');
		await app.press(String(A.module));
		const frame = await app.press(KEY.enter);
		const entries = frame.split('\n').filter(line => line.startsWith('  \'session\'') || line.startsWith('  \'items\''));
		expect(entries).toHaveLength(2);
		expect(entries.map(line => line.indexOf(' : '))).toEqual([entries[0]!.indexOf(' : '), entries[0]!.indexOf(' : ')]);
		expectFrameFits(frame, SIZE);
	});

	test('wide dict keys keep the preview aligned', async () => {
		const {loadObjects} = await import('../helpers/dump-lines.js');
		const labels = await loadObjects([
			{address: 16, type: 'dict', size: 232, len: 2, refs: [32, 48, 64, 80]},
			{address: 32, type: 'str', size: 80, len: 4, value: '名前漢字'},
			{address: 48, type: 'str', size: 54, len: 5, value: 'alice'},
			{address: 64, type: 'str', size: 51, len: 2, value: 'id'},
			{address: 80, type: 'int', size: 28, value: 7},
		]);
		const app = renderApp({store: labels});
		await app.press(':');
		await app.press('16');
		const frame = await app.press(KEY.enter);
		const rows = frame.split('\n').filter(line => line.includes(' : '));
		expect(rows).toEqual([
			'  \'名前漢字\' : \'alice\'',
			'  \'id\'       : 7',
		]);
		expect(rows.map(line => textWidth(line.slice(0, line.indexOf(' : '))))).toEqual([12, 12]);
		expectFrameFits(frame, SIZE);
	});

	test('keys: move, page, ends, open, back with every back key', async () => {
		const many = await manyObjectsStore(400);
		const app = renderApp({store: many});
		await app.press(KEY.down);
		expect(app.lines()[4]!.startsWith('>')).toBe(true);
		await app.press('k');
		expect(app.lines()[3]!.startsWith('>')).toBe(true);
		await app.press('j');
		await app.press('k');
		await app.press(KEY.enter);
		expect(app.lines()[0]).toBe('dump > Summary > str');
		expect(app.lines()[1]).toBe('str: 400 objects, largest first');
		await app.press(KEY.pageDown);
		expect(app.lines().at(-2)).toMatch(/20 of 400$/);
		await app.press(KEY.pageDown);
		expect(app.lines().at(-2)).toMatch(/39 of 400$/);
		await app.press(KEY.pageUp);
		expect(app.lines().at(-2)).toMatch(/20 of 400$/);
		await app.press('G');
		expect(app.lines().at(-2)).toMatch(/400 of 400$/);
		expect(app.lines().at(-3)!.startsWith('> str(')).toBe(true);
		await app.press(KEY.home);
		expect(app.lines().at(-2)).toMatch(/1 of 400$/);
		await app.press(KEY.end);
		await app.press('g');
		expect(app.lines()[2]!.startsWith('> ')).toBe(true);
		for (const back of [KEY.backspace, KEY.left, 'h']) {
			// eslint-disable-next-line no-await-in-loop
			await app.press(KEY.enter);
			expect(app.lines()[0]).toMatch(/> str@\d+$/);
			// eslint-disable-next-line no-await-in-loop
			await app.press(back);
			expect(app.lines()[0]).toBe('dump > Summary > str');
		}

		await app.press(KEY.escape);
		expect(app.lines()[0]).toBe('dump > Summary');
		expectFrameFits(app.frame(), SIZE);
	});

	test('filter: typing narrows at once, totals follow, Enter keeps, Esc clears', async () => {
		const app = renderApp({store});
		await app.press('/');
		expect(app.lines().at(-2)).toBe('filter types: _');
		expect(app.lines().at(-1)).toContain('Enter accept');
		await app.press('S');
		await app.press('e');
		let lines = app.lines();
		expect(lines[1]).toMatch(/^Filter "Se": 1 objects, 1 of 8 types, Total size = 0\.0MiB$/);
		expect(lines[3]).toMatch(/ Session$/);
		expect(lines[4]).toBe('');
		await app.press(KEY.enter);
		lines = app.lines();
		expect(lines[0]).toBe('dump > Summary /Se');
		expect(lines.at(-2)).toMatch(/^1 of 8 types match "Se"/);
		await app.press(KEY.enter);
		expect(app.lines()[0]).toBe('dump > Summary /Se > Session');
		await app.press(KEY.escape);
		await app.press('/');
		await app.press('x');
		await app.press(KEY.escape);
		lines = app.lines();
		expect(lines[0]).toBe('dump > Summary');
		expect(lines[1]).toMatch(/^Total 53 objects/);
	});

	test('a filter that matches nothing says so', async () => {
		const app = renderApp({store});
		await app.press('/');
		const frame = await app.press('qqq');
		expect(frame).toContain('no type matches the filter');
		expectFrameFits(frame, SIZE);
	});

	test('object view: header, contents, children and parents, navigate to a parent and back', async () => {
		const app = renderApp({store});
		await app.press(':');
		await app.press(String(A.items));
		await app.press(KEY.enter);
		let frame = await app.waitFor('reachable');
		const lines = frame.split('\n');
		expect(lines[0]).toBe(`dump > Summary > list@${A.items}`);
		expect(lines[1]).toBe(`list at ${A.items} (0x${A.items.toString(16)})`);
		expect(lines[2]).toMatch(/^size 400 B · len 42 · 42 refs · 1 par · reachable (…|[\d.]+[BK] \(\d+ objects\))$/);
		expect(lines[3]).toBe('no value');
		expect(lines[4]).toMatch(/^\[children \(42\)\]\s+parents \(1\)/);
		expect(lines[5]).toBe(`> int(${A.int} 28B 1par 123456789)`);
		expect(lines[6]).toBe(`  <missing ${A.missing}>`);
		frame = await app.press(KEY.down);
		frame = await app.press(KEY.enter);
		expect(frame.split('\n').at(-2)).toContain(`<missing ${A.missing}> is referenced but not in the dump`);
		await app.press('p');
		frame = app.frame();
		expect(frame.split('\n')[4]).toMatch(/^ children \(42\)\s+\[parents \(1\)\]/);
		// How the parent holds it: the module's attribute "items".
		expect(frame.split('\n')[5]).toMatch(/^> \.items in module\(1000 /);
		await app.press(KEY.enter);
		expect(app.lines()[0]).toBe(`dump > Summary > list@${A.items} > module@${A.module}`);
		await app.press(KEY.tab);
		await app.press(KEY.backspace);
		expect(app.lines()[0]).toBe(`dump > Summary > list@${A.items}`);
		// Back restores the side and the cursor.
		expect(app.lines()[4]).toMatch(/\[parents \(1\)\]/);
		frame = await app.waitFor(/reachable [\d.]+K \(\d+ objects\)/);
		expectFrameFits(frame, SIZE);
	});

	test('the breadcrumb keeps the file and the last crumbs, dropping the ones between', async () => {
		const app = renderApp({store, size: {columns: 40, rows: 16}});
		for (const address of [A.items, A.module, A.int]) {
			// eslint-disable-next-line no-await-in-loop
			await app.press(':');
			// eslint-disable-next-line no-await-in-loop
			await app.press(String(address));
			// eslint-disable-next-line no-await-in-loop
			await app.press(KEY.enter);
		}

		const first = app.lines()[0]!;
		expect(first).toBe(`dump > … > module@${A.module} > int@${A.int}`);
		expect(textWidth(first)).toBeLessThanOrEqual(39);
	});

	test('help lists every key; Esc closes it', async () => {
		const app = renderApp({store});
		const frame = await app.press('?');
		expect(frame).toContain('Keys (every screen');
		expect(frame).toMatch(/Up, k\s+move up/);
		expectFrameFits(frame, SIZE);
		await app.press('G');
		expect(app.frame()).toContain('quit at once');
		await app.press(KEY.escape);
		expect(app.lines()[0]).toBe('dump > Summary');
	});

	test('y copies the selected address with OSC 52', async () => {
		const app = renderApp({store});
		await app.press(KEY.enter);
		const frame = await app.press('y');
		expect(app.copies).toEqual([osc52(String(A.nasty))]);
		expect(frame.split('\n').at(-2)).toContain(`copied ${A.nasty} to the clipboard`);
	});

	test('q quits; so does Ctrl-C while typing', async () => {
		const app = renderApp({store});
		await app.pressQuiet('q');
		expect(app.quit.called).toBe(true);
		const other = renderApp({store});
		await other.press('/');
		await other.pressQuiet(KEY.ctrlC);
		expect(other.quit.called).toBe(true);
	});

	test('several keys in one read each count (slow links, typing ahead)', async () => {
		const many = await manyObjectsStore(50);
		const app = renderApp({store: many});
		await app.press(`${KEY.enter}jjj`);
		expect(app.lines().at(-2)).toMatch(/4 of 50$/);
		await app.press(`:${many.objectAddress[0]}\r`);
		expect(app.lines()[0]).toMatch(/> list@16$/);
	});
});

describe('terminal sizes', () => {
	let store: GraphStore;
	beforeAll(async () => {
		store = await explorerStore();
	});
	afterEach(() => {
		cleanup();
	});

	test('every screen fits at 80x24, 40x10, 120x40 and 30x8', async () => {
		for (const size of [{columns: 80, rows: 24}, {columns: 40, rows: 10}, {columns: 120, rows: 40}, {columns: 30, rows: 8}]) {
			const app = renderApp({store, size});
			expectFrameFits(app.frame(), size);
			for (const keys of [KEY.enter, KEY.enter, 'p', KEY.enter, '?', KEY.escape, ':']) {
				// eslint-disable-next-line no-await-in-loop
				expectFrameFits(await app.press(keys), size);
			}

			app.unmount();
		}
	});

	test('below the minimum a message, still within the terminal', async () => {
		for (const size of [{columns: 20, rows: 5}, {columns: 29, rows: 24}, {columns: 80, rows: 7}, {columns: 1, rows: 2}]) {
			const app = renderApp({store, size});
			const frame = app.frame();
			expect(frame.split('\n')).toHaveLength(size.rows - 1);
			for (const line of frame.split('\n')) {
				expect(textWidth(line)).toBeLessThanOrEqual(Math.max(1, size.columns - 1));
			}

			if (size.rows > 2) {
				expect(frame).toContain('terminal too');
			}

			app.unmount();
		}
	});

	test('a resize re-lays out and keeps the cursor on screen', async () => {
		const many = await manyObjectsStore(300);
		const app = renderApp({store: many});
		await app.press(KEY.enter);
		await app.press('G');
		app.rerender({size: {columns: 40, rows: 10}});
		let frame = await app.waitFor(current => current.split('\n').length === 9);
		expect(frame).toMatch(/300 of 300$/m);
		expectFrameFits(frame, {columns: 40, rows: 10});
		expect(frame.split('\n').some(line => line.startsWith('> str('))).toBe(true);
		app.rerender({size: {columns: 120, rows: 40}});
		frame = await app.waitFor(current => current.split('\n').length === 39);
		expectFrameFits(frame, {columns: 120, rows: 40});
		expect(frame.split('\n')[1]).toBe('str: 300 objects, largest first');
	});

	test('a dump of one object', async () => {
		const one = await oneObjectStore();
		const app = renderApp({store: one});
		expect(app.lines()[1]).toMatch(/^Total 1 objects, 1 types/);
		await app.press(KEY.enter);
		let frame = await app.press(KEY.enter);
		frame = await app.waitFor('reachable 28.0B (1 object)');
		expect(frame).toContain('refers to nothing');
		expectFrameFits(frame, SIZE);
		await app.pressQuiet('p');
		expect(app.frame()).toContain('nothing refers to it');
		await app.pressQuiet(KEY.enter);
		expect(app.lines()[0]).toMatch(/> int@4096$/);
	});
});

describe('long searches', () => {
	afterEach(() => {
		cleanup();
	});

	test('run in the background and report', async () => {
		const {syntheticStore} = await import('../../source/bench/ui-keys.js');
		const store = syntheticStore({objects: 80_000, bigType: 60_000});
		const app = renderApp({store});
		await app.press(KEY.enter);
		expect(app.lines()[1]).toBe('dict: 60,000 objects, largest first');
		await app.press('/');
		await app.press('zzzz');
		await app.press(KEY.enter);
		const frame = await app.waitFor('not found: zzzz');
		expectFrameFits(frame, SIZE);
		await app.press('/');
		// Ordinals 2 to 60,001 are the dicts; look for the last one by address.
		const address = store.objectAddress[60_001]!;
		await app.press(String(address));
		await app.press(KEY.enter);
		const found = await app.waitFor(`found "${address}"`);
		expect(found).toContain(`> dict(${address} `);
	});
});

describe('retained sizes and paths', () => {
	afterEach(() => {
		cleanup();
	});

	test('retained sizes arrive in the background: summary column, sort, object list, header', async () => {
		const {coreAnalyses} = await import('../../source/ui/state/analyses.js');
		const store = await explorerStore();
		const app = renderApp({store, analyses: coreAnalyses});
		let frame = await app.waitFor('Retained');
		expect(frame.split('\n')[2]).toBe('  Index   Count   %    [Size]   % Cum     Max  Retained Kind');
		// The module holds everything but the tuple and the type named evil.
		expect(frame).toMatch(/^\s+1\s+1\s+1\s+1136\s+18\s+69\s+1136\s+5907 module$/m);
		await app.press('s');
		frame = await app.press('s');
		expect(frame.split('\n')[2]).toContain('[Retained]');
		// The biggest retainer first; the cursor stayed on the type it was on.
		expect(frame.split('\n')[3]).toMatch(/^ +0 .* module$/);
		expect(frame.split('\n').find(line => line.startsWith('>'))).toMatch(/ str$/);
		expect(frame.split('\n').at(-2)).toMatch(/^sorted by retained/);
		await app.press('g');
		await app.press(KEY.enter);
		frame = app.frame();
		expect(frame.split('\n')[1]).toBe('module: 1 object, largest first (left: retained size)');
		expect(frame.split('\n')[2]).toBe('>   5.8K module(1000 1136B 4refs \'app\')');
		await app.press(KEY.enter);
		frame = await app.waitFor('reachable 5.8K');
		expect(frame.split('\n')[2]).toBe('size 1,136 B · 4 refs · 0 par · retained 5.8K · reachable 5.8K (49 objects)');
		expectFrameFits(frame, SIZE);
	});

	test('the object list sorts by retained size', async () => {
		const {coreAnalyses} = await import('../../source/ui/state/analyses.js');
		const store = await explorerStore();
		const app = renderApp({store, analyses: coreAnalyses});
		await app.waitFor('Retained');
		await app.press(KEY.enter);
		expect(app.lines()[2]).toMatch(/^>\s+120 str\(1160 /);
		await app.press('s');
		const lines = app.lines();
		expect(lines[1]).toBe('str: 46 objects, largest retained size first (left: retained size)');
		expect(lines[2]).toMatch(/^>\s+120 str\(1160 /);
		expect(lines.at(-2)).toMatch(/^sorted by retained size/);
	});

	test('r shows the path from a root, with the name of each reference; Enter opens a step', async () => {
		const store = await explorerStore();
		const app = renderApp({store});
		await app.press(':');
		await app.press(String(A.user));
		await app.press(KEY.enter);
		await app.press('r');
		const frame = await app.waitFor('> path');
		const lines = frame.split('\n');
		expect(lines[0]).toBe(`dump > Summary > str@${A.user} > path`);
		expect(lines[1]).toBe(`path from a root, 3 objects: how str(${A.user} 60B 1par 'alice') is kept alive`);
		expect(lines[2]).toBe(`  0 root  module(${A.module} 1136B 4refs 'app')`);
		expect(lines[3]).toBe(`  1 .session  Session(${A.session} 288B 3refs 1par)`);
		expect(lines[4]).toBe(`> 2 .user  str(${A.user} 60B 1par 'alice')`);
		expectFrameFits(frame, SIZE);
		await app.press('k');
		await app.press(KEY.enter);
		expect(app.lines()[0]).toBe(`dump > Summary > str@${A.user} > path > Session@${A.session}`);
	});
});

describe('several dumps', () => {
	afterEach(() => {
		cleanup();
	});

	const sessions = (addresses: number[]) => addresses.map(address => ({address, type: 'Session', size: 64}));
	const dumps = async () => {
		const {loadObjects} = await import('../helpers/dump-lines.js');
		const keep = {address: 16, type: 'dict', size: 232};
		return [
			{file: 'one.json', store: await loadObjects([keep, ...sessions([100, 200])])},
			{file: 'two.json', store: await loadObjects([keep, ...sessions([100, 200, 300, 400])])},
			{file: 'three.json', store: await loadObjects([keep, ...sessions([100, 300, 500, 600, 700, 800])])},
		];
	};

	test('the summary shows what changed since the previous dump', async () => {
		const app = renderApp({dumps: await dumps()});
		const frame = await app.waitFor(/Session$/m);
		const lines = (await app.waitFor(/^.* +4 Session$/m)).split('\n');
		expect(lines[0]).toBe('three.json (+2 older) > Summary');
		// At 80 columns the delta columns push out Cum and Max.
		expect(lines[2]).toBe('  Index   Count   %    [Size]   %  +Count     +Size    New Kind');
		// 6 sessions now, 4 before: +2 net, 4 new addresses (500...800), two freed (200, 400).
		expect(lines.find(line => line.endsWith(' Session'))).toMatch(/^> +0 +6 +85 +384 +62 +\+2 +\+128 +4 Session$/);
		expect(lines.find(line => line.endsWith(' dict'))).toMatch(/ 0 +0 +0 dict$/);
		expect(frame.split('\n').at(-2)).toContain('t: trend');
		expectFrameFits(frame, SIZE);
	});

	test('d lists only the new objects; t shows the trend with sparklines', async () => {
		const app = renderApp({dumps: await dumps()});
		await app.waitFor(/ +4 Session$/m);
		await app.press(KEY.enter);
		let frame = await app.press('d');
		expect(frame.split('\n')[1]).toBe('Session: 4 of 6 objects new since the previous dump, largest first');
		expect(frame).not.toContain('Session(100 ');
		expect(frame).toContain('Session(800 ');
		await app.press('d');
		await app.press(KEY.backspace);
		frame = await app.press('t');
		const lines = frame.split('\n');
		expect(lines[0]).toBe('three.json (+2 older) > Summary > Trend');
		expect(lines[1]).toBe('growth over 3 dumps (oldest to newest), biggest growth in size first');
		expect(lines[3]).toMatch(/^> +6 +\+4 +384 +\+256 +▁▅█ +Session$/);
		expect(lines[4]).toMatch(/^ +1 +0 +232 +0 +▁▁▁ +dict$/);
		expectFrameFits(frame, SIZE);
		await app.press(KEY.enter);
		expect(app.lines()[0]).toBe('three.json (+2 older) > Summary > Trend > Session');
	});

	test('sparklines in ASCII where the terminal does not take UTF-8', async () => {
		const app = renderApp({dumps: await dumps(), theme: {color: false, utf8: false}});
		await app.waitFor(/ +4 Session$/m);
		const frame = await app.press('t');
		expect(frame.split('\n')[3]).toMatch(/ _=# +Session$/);
	});
});
