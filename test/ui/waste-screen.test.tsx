/**
 * The waste screen (W) on the demo's newest dump: its figures are the
 * core's inspectWaste for the same store, Enter opens a finding's object or
 * type, and every frame fits.
 */

import {fileURLToPath} from 'node:url';
import {cleanup} from 'ink-testing-library';
import {afterEach, beforeAll, describe, expect, test} from 'vitest';
import {syntheticStore} from '../../source/bench/ui-keys.js';
import {loadDump} from '../../source/core/dump/load.js';
import {compactBytes} from '../../source/core/format/size.js';
import type {GraphStore} from '../../source/core/graph/store.js';
import {lengthView} from '../../source/core/waste/growing.js';
import {inspectWaste, type WasteReport} from '../../source/core/waste/waste.js';
import {coreAnalyses} from '../../source/ui/state/analyses.js';
import {ExplorerModel} from '../../source/ui/state/model.js';
import {initialState, reduce} from '../../source/ui/state/reducer.js';
import {selectFrame} from '../../source/ui/state/selectors.js';
import {WASTE_ROWS_PER_KIND} from '../../source/ui/state/waste.js';
import {expectFrameFits, KEY, plain, renderApp} from './render-app.js';

const demoFile = (name: string): string => fileURLToPath(new URL(`../../fixtures/demo/${name}`, import.meta.url));
const demo = demoFile('demo-3.json.gz');

let store: GraphStore;
let report: WasteReport;
beforeAll(async () => {
	store = (await loadDump(demo, {workers: 0})).store;
	report = inspectWaste(store, WASTE_ROWS_PER_KIND);
});
afterEach(() => {
	cleanup();
});

/** The bytes each row should show, in order: a kind's total, then its findings. */
function expectedBytes(): number[] {
	const limit = WASTE_ROWS_PER_KIND;
	const slotted = report.instanceDicts.filter(entry => entry.slotsSaving > 0);
	return [
		report.duplicates.wasted, ...report.duplicates.top.slice(0, limit).map(entry => entry.wasted),
		report.empty.size, ...report.empty.groups.slice(0, limit).map(group => group.size),
		slotted.reduce((sum, entry) => sum + entry.slotsSaving, 0), ...slotted.slice(0, limit).map(entry => entry.slotsSaving),
		report.oversized.byType.reduce((sum, entry) => sum + entry.wasted, 0), ...report.oversized.top.slice(0, limit).map(entry => entry.wasted),
	];
}

/** The list rows of a frame (below the header line, above the status and footer lines). */
function listRows(frame: string, size: {rows: number}): string[] {
	return plain(frame).split('\n').slice(3, size.rows - 3).filter(line => line.trim() !== '');
}

/** The bytes column: the first cell after the marker. */
function bytesCell(line: string): string {
	return line.slice(1).trim().split(/\s+/)[0]!;
}

describe('waste screen (W)', () => {
	test('says computing first, then shows inspectWaste\'s figures for every kind, row by row', async () => {
		const size = {columns: 80, rows: 24};
		const model = new ExplorerModel([{file: demo, store}], coreAnalyses);
		const app = renderApp({model, size});
		// Before the job has run (the demo is small, so the app's first frame may already be filled in).
		const pending = reduce(model, initialState(size), {type: 'command', command: 'waste'});
		const view = selectFrame(model, pending);
		expect(view.screen.kind).toBe('waste');
		expect('list' in view.screen && view.screen.list.rows.map(row => row.text).join('\n')).toContain('computing');
		expect(view.chrome.status.text).toContain('computing');
		await app.press('W');
		let frame = await app.waitFor('Duplicate strings:');
		expect(model.waste!.report).toEqual(report);
		expectFrameFits(frame, size);
		const expected = expectedBytes().map(bytes => compactBytes(bytes));
		// Walk the whole list row by row, reading the selected row's bytes.
		const selected = (f: string): string => { const row = listRows(f, size).find(line => line.startsWith('>')); expect(row, plain(f)).toBeDefined(); return row!; };
		const seen = [bytesCell(selected(frame))];
		for (let i = 1; i < expected.length; i++) {
			// eslint-disable-next-line no-await-in-loop
			frame = await app.press('j');
			expectFrameFits(frame, size);
			seen.push(bytesCell(selected(frame)));
		}

		expect(seen).toEqual(expected);
		expect(model.waste!.rows).toHaveLength(expected.length);
		const text = plain(await app.press('g'));
		expect(text).toContain(`Duplicate strings: ${report.duplicates.duplicatedValues} values`);
		expect(text).toContain(`Empty containers: ${report.empty.count} with`);
	});

	test('Enter opens the first copy of a duplicate and the type of a per-instance dict finding; Esc and Backspace go back', async () => {
		expect(report.duplicates.top.length).toBeGreaterThan(0);
		const model = new ExplorerModel([{file: demo, store}], coreAnalyses);
		const app = renderApp({model});
		await app.press('W');
		await app.waitFor('Duplicate strings:');
		let frame = await app.press(KEY.down);
		frame = await app.press(KEY.enter);
		const first = report.duplicates.top[0]!.ordinal;
		expect(plain(frame).split('\n')[0]).toContain(`${store.typeName(first)}@${store.objectAddress[first]}`);
		frame = await app.press(KEY.backspace);
		expect(plain(frame).split('\n')[0]).toMatch(/Waste$/);

		const slotted = report.instanceDicts.filter(entry => entry.slotsSaving > 0);
		expect(slotted.length).toBeGreaterThan(0);
		const index = model.waste!.rows.findIndex(row => !row.header && row.target?.kind === 'type' && row.target.typeId === slotted[0]!.typeId && row.text.includes('__slots__'));
		expect(index).toBeGreaterThan(0);
		await app.press('g');
		for (let i = 0; i < index; i++) {
			// eslint-disable-next-line no-await-in-loop
			await app.press('j');
		}

		frame = await app.press(KEY.enter);
		expect(plain(frame).split('\n')[0]!.endsWith(`> ${store.typeNames[slotted[0]!.typeId]!}`)).toBe(true);
		frame = await app.press(KEY.escape);
		expect(plain(frame).split('\n')[0]).toMatch(/Waste$/);

		frame = await app.press(KEY.escape);
		expect(plain(frame).split('\n')[0]).toMatch(/Summary$/);
	});

	test('with three dumps: a growing collections kind, as inspectWaste finds it given the older dumps\' lengths', async () => {
		const older = await Promise.all([1, 2].map(async k => (await loadDump(demoFile(`demo-${k}.json.gz`), {workers: 0})).store));
		const model = new ExplorerModel([...older.map((s, k) => ({file: `demo-${k + 1}.json.gz`, store: s})), {file: demo, store}], coreAnalyses);
		const expected = inspectWaste(store, WASTE_ROWS_PER_KIND, older.map(s => lengthView(s)));
		expect(expected.growing!.count).toBeGreaterThan(0);
		const app = renderApp({model});
		await app.press('W');
		await app.waitFor('Duplicate strings:');
		expect(model.waste!.report).toEqual(expected);
		const frame = plain(await app.press('G'));
		expectFrameFits(frame, {columns: 80, rows: 24});
		expect(frame).toContain(`Growing collections: ${expected.growing!.count} grew at every dump`);
		// The last row: the last growing collection listed, its lengths in each dump and its size now.
		const last = expected.growing!.top.at(-1)!;
		const row = listRows(frame, {rows: 24}).find(line => line.startsWith('>'))!;
		expect(bytesCell(row)).toBe(compactBytes(store.objectSize[last.ordinal]!));
		expect(row).toContain(`len ${last.lengths.join(' > ')}`);
		const opened = plain(await app.press(KEY.enter));
		expect(opened.split('\n')[0]).toContain(`@${store.objectAddress[last.ordinal]}`);
	});

	test('fits at 80x24 and 40x10, while computing and when ready, at the top and the bottom', async () => {
		for (const size of [{columns: 80, rows: 24}, {columns: 40, rows: 10}]) {
			const model = new ExplorerModel([{file: demo, store}], coreAnalyses);
			const app = renderApp({model, size});
			// eslint-disable-next-line no-await-in-loop
			const screens = [await app.press('W')];
			// eslint-disable-next-line no-await-in-loop
			screens.push(await app.waitFor(() => model.waste !== undefined), await app.press('j'), await app.press('G'), await app.press(KEY.pageUp));
			for (const frame of screens) {
				expectFrameFits(frame, size);
			}

			app.unmount();
		}
	});

	test('keys answer while a large store\'s waste is computed in slices, and q quits at once', async () => {
		// Large enough that the inspections take many slices of the background loop.
		const big = syntheticStore({objects: 600_000});
		const model = new ExplorerModel([{file: 'big', store: big}], coreAnalyses);
		const size = {columns: 80, rows: 24};
		const app = renderApp({model, size});
		await app.press('W');
		// The first inspection has started (its name is shown) and the report is not ready.
		await app.waitFor('computing duplicate strings (1/4)');
		expect(model.waste).toBeUndefined();
		// A key in the middle of the work: its frame comes while the work goes on.
		let frame = await app.press('?');
		expect(model.waste).toBeUndefined();
		expectFrameFits(frame, size);
		frame = await app.press(KEY.escape);
		expect(plain(frame)).toContain('computing');
		expect(model.waste).toBeUndefined();
		// Back to the summary while the job runs on, then q: the app quits before it ends.
		frame = await app.press(KEY.escape);
		expect(plain(frame).split('\n')[0]).toMatch(/Summary$/);
		await app.pressQuiet('q');
		expect(app.quit.called).toBe(true);
		expect(model.waste).toBeUndefined();
		app.unmount();
	});
});
