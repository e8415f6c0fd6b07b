import {beforeAll, describe, expect, test} from 'vitest';
import type {GraphStore} from '../../source/core/graph/store.js';
import type {Command} from '../../source/ui/keymap.js';
import {computeLayout} from '../../source/ui/layout.js';
import {screenList, topScreen} from '../../source/ui/state/lists.js';
import {ExplorerModel} from '../../source/ui/state/model.js';
import {clampPosition, initialState, reduce} from '../../source/ui/state/reducer.js';
import type {ObjectScreen, ObjectsScreen, State} from '../../source/ui/state/types.js';
import {A, explorerStore, manyObjectsStore} from '../helpers/ui-dumps.js';

describe('reducer', () => {
	let store: GraphStore;
	let model: ExplorerModel;
	const size = {columns: 80, rows: 24};
	const run = (state: State, ...commands: Command[]): State =>
		commands.reduce((current, command) => reduce(model, current, {type: 'command', command}), state);
	const type = (state: State, text: string): State => reduce(model, state, {type: 'text', text});
	const top = (state: State) => topScreen(state);

	beforeAll(async () => {
		store = await explorerStore();
		model = new ExplorerModel([{file: 'test.json', store}]);
	});

	test('a no-op returns the very same state', () => {
		const state = initialState(size);
		expect(run(state, 'up')).toBe(state);
		expect(run(state, 'home')).toBe(state);
		expect(run(state, 'back')).toBe(state);
		expect(run(state, 'showParents')).toBe(state);
		expect(reduce(model, state, {type: 'resize', size: {columns: 80, rows: 24}})).toBe(state);
		expect(reduce(model, state, {type: 'text', text: 'x'})).toBe(state);
		const moved = run(state, 'down');
		expect(moved).not.toBe(state);
		expect(run(moved, 'down', 'up', 'up')).toEqual(run(state, 'home'));
	});

	test('moves clamp to the list and scroll keeps the cursor visible', () => {
		let state = run(initialState(size), 'end');
		const total = model.typeRows('size', '').types.length;
		expect(top(state)).toMatchObject({cursor: total - 1});
		state = run(state, 'down');
		expect(top(state)).toMatchObject({cursor: total - 1});
		state = run(state, 'home');
		expect(top(state)).toMatchObject({cursor: 0, top: 0});
	});

	test('clampPosition', () => {
		expect(clampPosition({cursor: 50, top: 0}, 100, 10)).toEqual({cursor: 50, top: 41});
		expect(clampPosition({cursor: 5, top: 20}, 100, 10)).toEqual({cursor: 5, top: 5});
		expect(clampPosition({cursor: 3, top: 0}, 0, 10)).toEqual({cursor: 0, top: 0});
		const inside = {cursor: 3, top: 1};
		expect(clampPosition(inside, 100, 10)).toBe(inside);
	});

	test('open a type, an object, a parent; back retraces the path', () => {
		const strRow = model.typeRows('size', '').types.findIndex(row => row.type === 'str');
		let state = run(initialState(size), ...Array<Command>(strRow).fill('down'), 'open');
		const objects = top(state) as ObjectsScreen;
		expect(objects.kind).toBe('objects');
		expect(store.typeNames[objects.typeId]).toBe('str');
		// The largest str first (get_all order).
		const first = model.objectsOf(objects.typeId)[0]!;
		expect(store.objectAddress[first]).toBe(A.nasty);
		state = run(state, 'open');
		const object = top(state) as ObjectScreen;
		expect(object).toMatchObject({kind: 'object', ordinal: first, side: 'parents'});
		state = run(state, 'open');
		expect(store.objectAddress[(top(state) as ObjectScreen).ordinal]).toBe(A.tuple);
		expect(state.stack.map(screen => screen.kind)).toEqual(['summary', 'objects', 'object', 'object']);
		state = run(state, 'back');
		expect(top(state)).toBe(object);
		state = run(state, 'back', 'back');
		expect(state.stack).toHaveLength(1);
		expect(top(state)).toMatchObject({kind: 'summary', cursor: strRow});
	});

	test('children and parents keep their own cursor; Tab switches', () => {
		let state = run(initialState(size), 'gotoAddress');
		state = type(state, String(A.items));
		state = run(state, 'promptAccept');
		expect(top(state)).toMatchObject({kind: 'object', side: 'children'});
		state = run(state, 'down', 'down', 'switchRefs');
		expect(top(state)).toMatchObject({side: 'parents', children: {cursor: 2}, parents: {cursor: 0}});
		state = run(state, 'showChildren');
		expect(top(state)).toMatchObject({side: 'children', children: {cursor: 2}});
	});

	test('an unresolved reference cannot be opened and says so', () => {
		let state = type(run(initialState(size), 'gotoAddress'), String(A.items));
		state = run(state, 'promptAccept', 'down', 'open');
		expect(state.stack).toHaveLength(2);
		expect(state.status).toEqual({tone: 'error', text: `<missing ${A.missing}> is referenced but not in the dump: nothing to open`});
		// The message goes with the next key.
		expect(run(state, 'up').status).toBeUndefined();
	});

	test('go to address: decimal, hex, bad text, unknown address', () => {
		const go = (text: string): State => run(type(run(initialState(size), 'gotoAddress'), text), 'promptAccept');
		expect(top(go(String(A.user)))).toMatchObject({kind: 'object', ordinal: store.indexOf(A.user)});
		expect(top(go('0x' + A.user.toString(16)))).toMatchObject({kind: 'object', ordinal: store.indexOf(A.user)});
		expect(go('nope').status).toMatchObject({tone: 'error', text: expect.stringContaining('not an address: nope') as string});
		expect(go('12345').status).toMatchObject({tone: 'error', text: 'no object at address 12345 (0x3039)'});
		expect(go('12345').stack).toHaveLength(1);
	});

	test('filter narrows as it is typed; Enter keeps it, Esc clears it', () => {
		let state = run(initialState(size), 'down', 'filter');
		expect(state.prompt).toEqual({kind: 'filter', text: ''});
		state = type(state, 'S');
		state = type(state, 'TR');
		expect(state.filter).toBe('STR');
		expect(top(state)).toMatchObject({cursor: 0});
		expect(model.typeRows(state.sortBy, state.filter).types.map(row => row.type)).toEqual(['str']);
		const kept = run(state, 'promptAccept');
		expect(kept.prompt).toBeUndefined();
		expect(kept.filter).toBe('STR');
		expect(kept.status?.text).toBe('1 of 8 types match "STR"');
		const erased = run(state, 'promptErase');
		expect(erased.filter).toBe('ST');
		const cancelled = run(state, 'promptCancel');
		expect(cancelled.filter).toBe('');
		expect(cancelled.prompt).toBeUndefined();
		// Back on the summary clears a kept filter.
		expect(run(kept, 'back').filter).toBe('');
		// Keys are text while typing: q does not quit.
		expect(run(run(initialState(size), 'filter'), 'quit').quit).toBe(false);
	});

	test('sort toggles and keeps the selected type', () => {
		const state = run(initialState(size), 'down', 'down');
		const selected = model.typeRows('size', '').types[2]!;
		const sorted = run(state, 'toggleSort');
		expect(sorted.sortBy).toBe('count');
		const cursor = (top(sorted) as {cursor: number}).cursor;
		expect(model.typeRows('count', '').types[cursor]).toBe(selected);
		expect(run(sorted, 'toggleSort').sortBy).toBe('size');
	});

	test('search with n / N, wrapping, and misses', async () => {
		const many = await manyObjectsStore(500);
		const manyModel = new ExplorerModel([{file: 'many', store: many}]);
		const go = (state: State, ...commands: Command[]): State =>
			commands.reduce((current, command) => reduce(manyModel, current, {type: 'command', command}), state);
		const strId = many.typeId('str');
		const rows = manyModel.typeRows('size', '').types;
		let state = go(initialState(size), ...Array<Command>(rows.findIndex(row => row.typeId === strId)).fill('down'), 'open', 'search');
		state = reduce(manyModel, state, {type: 'text', text: 'V49'});
		state = go(state, 'promptAccept');
		const list = manyModel.objectsOf(strId);
		const values = (s: State): string => many.value(list[(top(s) as ObjectsScreen).cursor]!)!;
		expect(values(state)).toMatch(/^v49/);
		const first = values(state);
		state = go(state, 'searchNext');
		expect(values(state)).toMatch(/^v49/);
		expect(values(state)).not.toBe(first);
		state = go(state, 'searchPrevious');
		expect(values(state)).toBe(first);
		expect(state.status?.text).toBe('found "V49" (n/N: next/previous)');
		// The cursor is on screen.
		const screen = top(state) as ObjectsScreen;
		expect(screen.cursor - screen.top).toBeLessThan(computeLayout(80, 24).listRows);
		let miss = go(state, 'search');
		miss = reduce(manyModel, miss, {type: 'text', text: 'zzz'});
		miss = go(miss, 'promptAccept');
		expect(miss.status).toEqual({tone: 'error', text: 'not found: zzz'});
		expect((top(miss) as ObjectsScreen).cursor).toBe(screen.cursor);
		// Empty search repeats the last one.
		const again = go(go(state, 'search'), 'promptAccept');
		expect(values(again)).toMatch(/^v49/);
	});

	test('n without a search says how to search', () => {
		const state = run(initialState(size), 'open', 'searchNext');
		expect(state.status?.tone).toBe('error');
	});

	test('resize clamps the scroll; tiny sizes keep everything in range', async () => {
		const many = await manyObjectsStore(300);
		const manyModel = new ExplorerModel([{file: 'many', store: many}]);
		let state = initialState(size);
		const strRow = manyModel.typeRows('size', '').types.findIndex(row => row.type === 'str');
		for (let k = 0; k < strRow; k++) {
			state = reduce(manyModel, state, {type: 'command', command: 'down'});
		}

		state = reduce(manyModel, state, {type: 'command', command: 'open'});
		state = reduce(manyModel, state, {type: 'command', command: 'end'});
		expect(top(state)).toMatchObject({cursor: 299, top: 299 - computeLayout(80, 24).listRows + 1});
		state = reduce(manyModel, state, {type: 'resize', size: {columns: 40, rows: 10}});
		const list = screenList(manyModel, state, top(state));
		expect(top(state)).toMatchObject({cursor: 299, top: 299 - list.height + 1});
		state = reduce(manyModel, state, {type: 'resize', size: {columns: 200, rows: 100}});
		expect(top(state)).toMatchObject({cursor: 299, top: 300 - computeLayout(200, 100).listRows});
	});

	test('copy puts the selected address on the clipboard', () => {
		const state = run(initialState(size), 'open', 'copyAddress');
		const ordinal = model.objectsOf((top(state) as ObjectsScreen).typeId)[0]!;
		expect(state.clipboard).toEqual({text: String(store.objectAddress[ordinal]), serial: 1});
		expect(run(state, 'copyAddress').clipboard?.serial).toBe(2);
		expect(run(initialState(size), 'copyAddress').clipboard).toBeUndefined();
	});

	test('help opens and closes; quit and Ctrl-C quit', () => {
		const help = run(initialState(size), 'help');
		expect(top(help).kind).toBe('help');
		expect(run(help, 'help').stack).toHaveLength(1);
		expect(run(help, 'back').stack).toHaveLength(1);
		expect(run(help, 'down')).not.toBe(help);
		expect(run(initialState(size), 'quit').quit).toBe(true);
		expect(run(run(initialState(size), 'gotoAddress'), 'interrupt').quit).toBe(true);
	});

	test('with one dump, the new-only filter and the trend view explain why not', () => {
		expect(run(initialState(size), 'trend').status?.text).toMatch(/several dumps/);
		expect(run(initialState(size), 'open', 'toggleNewOnly').status?.text).toMatch(/several dumps/);
	});

	test('path to an object: from the list or the object view; none without the analysis', () => {
		let state = type(run(initialState(size), 'gotoAddress'), String(A.user));
		state = run(state, 'promptAccept', 'pathToObject');
		// First a request (the search may take a while), then the view.
		expect(state.pathRequest).toMatchObject({ordinal: store.indexOf(A.user)});
		expect(state.status?.text).toBe('finding the shortest path from a root…');
		expect(reduce(model, state, {type: 'pathDone', id: 99})).toBe(state);
		const left = run(state, 'back');
		expect(reduce(model, left, {type: 'pathDone', id: state.pathRequest!.id}).stack).toHaveLength(1);
		state = reduce(model, state, {type: 'pathDone', id: state.pathRequest!.id});
		expect(top(state)).toMatchObject({kind: 'path', ordinal: store.indexOf(A.user)});
		expect(state.pathRequest).toBeUndefined();
		// Known paths open at once.
		expect(top(run(run(state, 'back'), 'pathToObject')).kind).toBe('path');
		const path = model.pathTo(store.indexOf(A.user));
		expect(path.status).toBe('ready');
		if (path.status === 'ready') {
			expect([...path.path.ordinals].map(ordinal => store.objectAddress[ordinal])).toEqual([A.module, A.session, A.user]);
			expect(path.path.edges).toEqual([null, '.session', '.user']);
			// The cursor starts on the object itself, the last step.
			expect(top(state)).toMatchObject({cursor: 2});
		}

		state = run(state, 'home', 'open');
		expect(top(state)).toMatchObject({kind: 'object', ordinal: store.indexOf(A.module)});
		const bare = new ExplorerModel([{file: 'x', store}], {});
		expect(reduce(bare, run(initialState(size), 'open'), {type: 'command', command: 'pathToObject'}).status?.text).toMatch(/not available/);
	});
});

describe('searches of long lists run in the background', () => {
	const size = {columns: 80, rows: 24};
	test('pending, progress, result, stop, and results for another list dropped', async () => {
		const {syntheticStore} = await import('../../source/bench/ui-keys.js');
		const {SYNC_SEARCH_LIMIT} = await import('../../source/ui/state/reducer.js');
		const store = syntheticStore({objects: 80_000, bigType: SYNC_SEARCH_LIMIT + 10});
		const model = new ExplorerModel([{file: 'big', store}]);
		const go = (state: State, ...actions: Array<Command | Parameters<typeof reduce>[2]>): State =>
			actions.reduce<State>((current, action) => reduce(model, current, typeof action === 'string' ? {type: 'command', command: action} : action), state);
		const dictRow = model.typeRows('size', '').types.findIndex(row => row.type === 'dict');
		let state = go(initialState(size), ...Array<Command>(dictRow).fill('down'), 'open', 'search', {type: 'text', text: 'needle'}, 'promptAccept');
		expect(state.search).toMatchObject({id: 1, needle: 'needle', direction: 1, from: 0});
		expect(state.status?.text).toBe('searching "needle"… (Esc stops)');
		state = go(state, {type: 'searchProgress', id: 1, fraction: 0.5});
		expect(state.status?.text).toBe('searching "needle"… 50% (Esc stops)');
		// A stale result is ignored.
		expect(go(state, {type: 'searchDone', id: 7, result: undefined})).toBe(state);
		const found = go(state, {type: 'searchDone', id: 1, result: {index: 12_345, wrapped: false}});
		expect(found.search).toBeUndefined();
		expect(topScreen(found)).toMatchObject({cursor: 12_345});
		expect(found.status?.text).toBe('found "needle" (n/N: next/previous)');
		const missed = go(state, {type: 'searchDone', id: 1, result: undefined});
		expect(missed.status).toEqual({tone: 'error', text: 'not found: needle'});
		// Esc stops the search and stays on the list.
		const stopped = go(state, 'back');
		expect(stopped.search).toBeUndefined();
		expect(stopped.stack).toHaveLength(2);
		expect(stopped.status?.text).toBe('search for "needle" stopped');
		// Opening something else in the meantime: the result is dropped.
		const elsewhere = go(state, 'open');
		expect(go(elsewhere, {type: 'searchDone', id: 1, result: {index: 5, wrapped: false}}).search).toBeUndefined();
		expect(topScreen(go(elsewhere, {type: 'searchDone', id: 1, result: {index: 5, wrapped: false}})).kind).toBe('object');
	});
});
