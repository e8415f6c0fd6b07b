/**
 * The explorer's "what keeps it alive" screens on the demo dumps (real
 * dumps of fixtures/demo/leaky_app.py, whose ground truth was recorded
 * inside the process): the dominator tree and the retained set by type,
 * the leak candidates (checked object for object against `diff --json`),
 * sorting, the full value, and keys that do nothing.
 */

import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {cleanup} from 'ink-testing-library';
import {afterEach, beforeAll, describe, expect, test} from 'vitest';
import {diffDumps, groupCandidates, newObjectsOf, snapshotOf, survivors} from '../../source/core/analyses/diff.js';
import {computeDominators, dominates, type Dominators} from '../../source/core/analyses/dominators.js';
import {loadDump} from '../../source/core/dump/load.js';
import {displayString} from '../../source/core/format/escape.js';
import {NO_OBJECT} from '../../source/core/graph/layout.js';
import type {GraphStore} from '../../source/core/graph/store.js';
import {coreAnalyses, type Analyses} from '../../source/ui/state/analyses.js';
import {ExplorerModel} from '../../source/ui/state/model.js';
import {runCli} from '../helpers/cli.js';
import {expectFrameFits, KEY, renderApp} from './render-app.js';

const SIZE = {columns: 80, rows: 24};
const demoFile = (name: string): string => fileURLToPath(new URL(`../../fixtures/demo/${name}`, import.meta.url));
const demos = [1, 2, 3].map(k => demoFile(`demo-${k}.json.gz`));
type Truth = {iterations: Array<{dump: string; counts: Record<string, number>; session_chain: Array<{what: string; address: number}>}>};
const truth = JSON.parse(readFileSync(demoFile('ground-truth.json'), 'utf8')) as Truth;
const last = truth.iterations.find(iteration => iteration.dump === 'demo-3.json.gz')!;
const cacheAddress = last.session_chain.find(step => step.what === 'SESSION_CACHE')!.address;

/** The addresses of the objects a frame's rows show (meliae reprs: `type(ADDRESS 12B ...)`). */
function rowAddresses(frame: string): number[] {
	return [...frame.matchAll(/[\w.]+\((\d+) \d+B/g)].map(match => Number(match[1]));
}

/** The rows of a frame between two line indexes. */
function rows(frame: string, from: number, to: number): string[] {
	return frame.split('\n').slice(from, to);
}

let stores: GraphStore[];
let dominators: Dominators;
beforeAll(async () => {
	stores = await Promise.all(demos.map(async file => (await loadDump(file, {workers: 0})).store));
	dominators = computeDominators(stores[2]!);
});
afterEach(() => {
	cleanup();
});

const threeDumps = () => [
	{file: demos[0]!, snapshot: snapshotOf(stores[0]!)},
	{file: demos[1]!, snapshot: snapshotOf(stores[1]!)},
	{file: demos[2]!, store: stores[2]!},
];

describe('dominator tree (R)', () => {
	test('from the summary: the whole heap on top, then its biggest retainers by retained size', async () => {
		const store = stores[2]!;
		const app = renderApp({store, file: 'demo-3.json.gz', analyses: coreAnalyses});
		await app.waitFor('Retained');
		const frame = await app.press('R');
		expectFrameFits(frame, SIZE);
		expect(frame).toContain('the biggest retainers of the whole heap');
		expect(frame).toMatch(/\[Retained\]/);
		expect(frame).toContain(`all objects (${store.objectCount.toLocaleString('en-US')})`);
		// The reference: every object with no single dominator, by retained size.
		const expected = Array.from({length: store.objectCount}, (_, i) => i)
			.filter(i => dominators.idom[i] === NO_OBJECT)
			.sort((a, b) => (dominators.retainedSize[b]! - dominators.retainedSize[a]!) || (a - b))
			.map(i => store.objectAddress[i]!);
		const shown = rowAddresses(rows(frame, 4, 16).join('\n'));
		expect(shown.length).toBeGreaterThan(5);
		expect(shown).toEqual(expected.slice(0, shown.length));
		// The retained set of the whole heap is every object.
		const whole = await app.waitFor('kept alive by the whole heap:');
		expect(whole).toContain(`${store.objectCount.toLocaleString('en-US')} objects`);
	});

	test('from the leak\'s holder: what SessionCache keeps alive, expanded and collapsed, paged, by type', async () => {
		const store = stores[2]!;
		const app = renderApp({store, file: 'demo-3.json.gz', analyses: coreAnalyses});
		await app.waitFor('Retained');
		await app.press(':');
		await app.press(`${cacheAddress}`);
		await app.press(KEY.enter);
		let frame = await app.press('R');
		expectFrameFits(frame, SIZE);
		const cache = store.indexOf(cacheAddress);
		expect(frame).toContain(`what it keeps alive`);
		expect(frame.split('\n')[0]).toContain('retains SessionCache');
		// The retained set by type: every Session of the process (ground truth), and the total.
		frame = await app.waitFor('kept alive by SessionCache@');
		let count = 0;
		let sessions = 0;
		for (let i = 0; i < store.objectCount; i++) {
			if (dominates(dominators, cache, i)) {
				count++;
				sessions += store.typeName(i) === 'Session' ? 1 : 0;
			}
		}

		expect(sessions).toBe(last.counts['Session']);
		expect(frame).toContain(`kept alive by SessionCache@${cacheAddress}: ${count.toLocaleString('en-US')} objects`);
		expect(frame).toMatch(new RegExp(`\\n +${sessions.toLocaleString('en-US')} +[\\d.]+K +\\d+% +Session\\n`));
		// Row 2 is the dict of sessions, held as the attribute `_sessions`.
		frame = await app.press(KEY.down);
		expect(frame).toMatch(/> .*\+ \._sessions dict\(/);
		frame = await app.press(KEY.right);
		expect(frame).toMatch(/> .*- \._sessions dict\(/);
		// 899 sessions: the first 100 and a "799 more" row; Enter shows 100 more.
		const sessionsDict = rowAddresses(frame.split('\n').find(line => line.includes('._sessions'))!)[0]!;
		const fanOut = Array.from({length: store.objectCount}, (_, i) => i).filter(i => dominators.idom[i] === store.indexOf(sessionsDict)).length;
		expect(fanOut).toBeGreaterThan(200);
		const toMore = async (): Promise<string> => {
			let current = await app.press(KEY.end);
			for (let k = 0; k < 10 && !/\n> .* more/.test(current); k++) {
				// eslint-disable-next-line no-await-in-loop
				current = await app.press(KEY.up);
			}

			return current;
		};

		frame = await toMore();
		expect(frame).toMatch(new RegExp(`\\n> .*${(fanOut - 100).toLocaleString('en-US')} more`));
		frame = await app.press(KEY.enter);
		expect(frame).not.toContain(`${(fanOut - 100).toLocaleString('en-US')} more`);
		frame = await toMore();
		expect(frame).toMatch(new RegExp(`\\n> .*${(fanOut - 200).toLocaleString('en-US')} more`));
		// Left on a child goes to its parent row; Left there collapses it.
		frame = await app.press(KEY.home);
		frame = await app.press(KEY.down);
		frame = await app.press(KEY.down);
		frame = await app.press('h');
		expect(frame).toMatch(/> .*- \._sessions dict\(/);
		frame = await app.press('h');
		expect(frame).toMatch(/> .*\+ \._sessions dict\(/);
		expect(frame).toMatch(/of \d+ *\n/);
		// o opens the object; Esc leaves the tree.
		frame = await app.press('o');
		expect(frame.split('\n')[1]).toContain(`dict at ${sessionsDict}`);
		await app.press(KEY.escape);
		frame = await app.press(KEY.escape);
		expect(frame.split('\n')[0]).toMatch(/> SessionCache@\d+$/);
	});

	test('while retained sizes are computing it says so, and fills in when they are known', async () => {
		const store = stores[2]!;
		let release = false;
		const slow: Analyses = {
			...coreAnalyses,
			retained(target) {
				const job = coreAnalyses.retained!(target);
				return {step: deadline => release && job.step(deadline), fraction: () => job.fraction(), result: () => job.result()};
			},
		};
		const app = renderApp({store, file: 'demo-3.json.gz', analyses: slow});
		let frame = await app.press('R');
		expect(frame).toContain('retained sizes: computing');
		expect(frame).toContain('the tree appears when they are known');
		release = true;
		frame = await app.waitFor('all objects');
		expect(frame).toContain('the biggest retainers of the whole heap');
	});
});

describe('leak candidates (L)', () => {
	test('with three dumps: the groups of diff A B C --json, object for object', async () => {
		const result = await runCli(['diff', ...demos, '--json']);
		expect(result.code, result.stderr).toBe(0);
		const json = JSON.parse(result.stdout) as {candidate_count: number; candidates: Array<{type: string; count: number; size: number; nested: number; example: number; owner: Array<{address: number}>}>};
		const model = new ExplorerModel(threeDumps(), coreAnalyses);
		const app = renderApp({model});
		await app.waitFor('Retained');
		let frame = await app.press('L');
		frame = await app.waitFor('groups by owner:');
		expectFrameFits(frame, SIZE);
		const store = stores[2]!;
		const leaks = model.leaks!;
		expect(leaks.grouping.total).toBe(json.candidate_count);
		expect(leaks.grouping.groups.map(group => ({
			type: group.type, count: group.count, size: group.size, nested: group.nested,
			example: store.objectAddress[group.example], owner: Array.from(group.owner, o => store.objectAddress[o]),
		}))).toEqual(json.candidates.map(group => ({
			type: group.type, count: group.count, size: group.size, nested: group.nested, example: group.example, owner: group.owner.map(o => o.address),
		})));
		// Object for object: the members the explorer lists are exactly the outermost
		// candidates the command's own steps find (new in B, still in C).
		const member = survivors(newObjectsOf(stores[1]!, diffDumps(snapshotOf(stores[0]!), stores[1]!).isNew), store).member;
		const reference = groupCandidates(store, dominators, member);
		for (const [g, group] of reference.groups.entries()) {
			const expected = Array.from({length: store.objectCount}, (_, i) => i).filter(i => reference.groupOf[i] === g).sort((a, b) => a - b);
			expect(Array.from(leaks.members[g]!).sort((a, b) => a - b), group.type).toEqual(expected);
		}

		// The biggest group is the sessions, held by the SessionCache's dict.
		expect(frame).toMatch(/> +289 +[\d.]+K Session \(\+[\d,]+ inside\) held by dict ← SessionCache ← mod/);
		frame = await app.press(KEY.enter);
		expect(frame).toContain(`${json.candidates[0]!.count} Session held by dict@0x`);
		expect(frame).toContain(`of ${json.candidates[0]!.count}`);
		expect(rowAddresses(frame)[0]).toBe(store.objectAddress[leaks.members[0]![0]!]);
		await app.press(KEY.escape);
		frame = await app.press('r');
		frame = await app.waitFor('path from a root,');
		const path = rowAddresses(frame);
		expect(path.at(-1)).toBe(json.candidates[0]!.example);
		expect(path).toContain(cacheAddress);
	});

	test('with two dumps: the objects new in the newer one, grouped the same way', async () => {
		const model = new ExplorerModel([{file: demos[1]!, snapshot: snapshotOf(stores[1]!)}, {file: demos[2]!, store: stores[2]!}], coreAnalyses);
		const app = renderApp({model});
		await app.press('L');
		const frame = await app.waitFor('groups by owner:');
		expect(frame).toContain('new in demo-3.json.gz');
		const expected = groupCandidates(stores[2]!, dominators, diffDumps(snapshotOf(stores[1]!), stores[2]!).isNew);
		expect(model.leaks!.grouping.groups).toEqual(expected.groups);
		expect(model.leaks!.grouping.total).toBe(expected.total);
	});

	test('with one dump, L says what it needs', async () => {
		const app = renderApp({store: stores[2]!, analyses: coreAnalyses});
		const frame = await app.press('L');
		expect(frame).toContain('leak candidates need several dumps');
	});
});

describe('sorting (s, S)', () => {
	const column = (line: string, k: number): number => {
		const cell = line.slice(1).trim().split(/\s+/)[k]!;
		return cell === 'new' ? Number.NaN : Number(cell.replace(/^\+/, ''));
	};

	test('the summary cycles size, count, retained, +count, +size, new; S reverses; the sorted column is marked and kept when narrow', async () => {
		const model = new ExplorerModel(threeDumps(), coreAnalyses);
		const app = renderApp({model, size: {columns: 132, rows: 30}});
		await app.waitFor(frame => !frame.includes('computing') && !frame.includes('…'));
		const titles = ['[Count]', '[Retained]', '[+Count]', '[+Size]', '[New]', '[Size]'];
		for (const title of titles) {
			// eslint-disable-next-line no-await-in-loop
			const frame = await app.press('s');
			const header = frame.split('\n')[2]!;
			expect(header).toContain(title);
			const k = header.trim().split(/\s+/).indexOf(title);
			const values = rows(frame, 3, 27).map(line => column(line, k)).filter(value => !Number.isNaN(value));
			expect(values.length).toBeGreaterThan(10);
			for (let i = 1; i < values.length; i++) {
				expect(values[i - 1], `${title} row ${i}`).toBeGreaterThanOrEqual(values[i]!);
			}
		}

		let frame = await app.press('S');
		expect(frame.split('\n')[2]).toContain('Kind (smallest first)');
		const k = frame.split('\n')[2]!.trim().split(/\s+/).indexOf('[Size]');
		const values = rows(frame, 3, 27).map(line => column(line, k));
		for (let i = 1; i < values.length; i++) {
			expect(values[i - 1]).toBeLessThanOrEqual(values[i]!);
		}

		// On a narrow terminal the sorted column stays (other columns go).
		const narrowModel = new ExplorerModel(threeDumps(), coreAnalyses);
		const narrow = renderApp({model: narrowModel, size: {columns: 40, rows: 12}});
		await narrow.waitFor(() => narrowModel.newObjectsReady && narrowModel.retainedSize !== undefined);
		for (const title of titles.slice(0, 5)) {
			// eslint-disable-next-line no-await-in-loop
			frame = await narrow.press('s');
			expect(frame.split('\n')[2]).toContain(title);
		}
	});

	test('an object\'s references: dump order, retained size, size; S reverses', async () => {
		const store = stores[2]!;
		const app = renderApp({store, analyses: coreAnalyses});
		await app.waitFor('Retained');
		// The module: its globals are folded into it, so it holds many references.
		const globals = last.session_chain.find(step => step.what === 'module leaky_app')!.address;
		await app.press(':');
		await app.press(String(globals));
		let frame = await app.press(KEY.enter);
		expect(frame).toContain('[dump order]');
		const ordinal = store.indexOf(globals);
		const dumpOrder = Array.from(store.childTargets.subarray(store.firstChild[ordinal]!, store.firstChild[ordinal + 1]!));
		const listed = (f: string): number[] => {
			const lines = f.split('\n');
			return rowAddresses(lines.slice(lines.findIndex(line => line.includes('c / p / Tab')) + 1).join('\n'));
		};
		expect(listed(frame)[0]).toBe(store.objectAddress[dumpOrder[0]!]);
		frame = await app.press('s');
		expect(frame).toContain('[by retained size]');
		const byRetained = [...dumpOrder].sort((a, b) => (dominators.retainedSize[b]! - dominators.retainedSize[a]!));
		expect(store.indexOf(listed(frame)[0]!)).toBe(byRetained[0]);
		frame = await app.press('s');
		expect(frame).toContain('[by size]');
		const bySize = [...dumpOrder].sort((a, b) => store.objectSize[b]! - store.objectSize[a]!);
		expect(store.objectSize[store.indexOf(listed(frame)[0]!)]).toBe(store.objectSize[bySize[0]!]);
		frame = await app.press('S');
		expect(frame).toContain('[by size, reversed]');
		expect(store.objectSize[store.indexOf(listed(frame)[0]!)]).toBe(store.objectSize[bySize.at(-1)!]);
		frame = await app.press('s');
		expect(frame).toContain('[dump order, reversed]');
		expect(listed(frame)[0]).toBe(store.objectAddress[dumpOrder.at(-1)!]);
	});
});

describe('every new screen fits', () => {
	test('the tree, the leaks, a group and a value at 80x24, 40x10, 30x8 and 120x40', async () => {
		const store = stores[2]!;
		let longest = -1;
		for (let i = 0; i < store.objectCount; i++) {
			if (store.valueKind(i) === 'string' && (longest < 0 || store.value(i)!.length > store.value(longest)!.length)) {
				longest = i;
			}
		}

		for (const size of [SIZE, {columns: 40, rows: 10}, {columns: 30, rows: 8}, {columns: 120, rows: 40}]) {
			const model = new ExplorerModel(threeDumps(), coreAnalyses);
			const app = renderApp({model, size});
			// eslint-disable-next-line no-await-in-loop
			await app.waitFor(() => model.retainedSize !== undefined);
			const screens: string[] = [];
			// eslint-disable-next-line no-await-in-loop
			screens.push(await app.press('R'), await app.press('j'), await app.press('l'), await app.press('G'));
			// eslint-disable-next-line no-await-in-loop
			await app.press(KEY.escape);
			// eslint-disable-next-line no-await-in-loop
			await app.press('L');
			// eslint-disable-next-line no-await-in-loop
			screens.push(await app.waitFor(() => model.leaks !== undefined), await app.press(KEY.enter));
			// eslint-disable-next-line no-await-in-loop
			await app.press(':');
			// eslint-disable-next-line no-await-in-loop
			await app.press(String(store.objectAddress[longest]));
			// eslint-disable-next-line no-await-in-loop
			await app.press(KEY.enter);
			// eslint-disable-next-line no-await-in-loop
			screens.push(await app.press('v'));
			for (const frame of screens) {
				expectFrameFits(frame, size);
			}

			app.unmount();
		}
	});
});

describe('other keys', () => {
	test('v shows a long value whole, wrapped and escaped', async () => {
		const store = stores[2]!;
		let longest = -1;
		for (let i = 0; i < store.objectCount; i++) {
			if (store.valueKind(i) === 'string' && (longest < 0 || store.value(i)!.length > store.value(longest)!.length)) {
				longest = i;
			}
		}

		const value = store.value(longest)!;
		expect(value.length).toBeGreaterThan(80);
		const app = renderApp({store});
		await app.press(':');
		await app.press(String(store.objectAddress[longest]));
		await app.press(KEY.enter);
		const frame = await app.press('v');
		expectFrameFits(frame, SIZE);
		const body = rows(frame, 2, 20).map(line => line.slice(2)).join('').trimEnd();
		expect(body).toBe(displayString(value, Number.MAX_SAFE_INTEGER));
		expect(frame).toContain(`${value.length} characters`);
	});

	test('a key that does nothing on this screen says so', async () => {
		const app = renderApp({store: stores[2]!});
		let frame = await app.press('x');
		expect(frame.split('\n').at(-2)).toContain('x does nothing here');
		frame = await app.press('c');
		expect(frame.split('\n').at(-2)).toContain('c does nothing here');
		frame = await app.press('j');
		expect(frame).not.toContain('does nothing');
	});
});
