/**
 * The one reducer: (model, state, action) → state. Pure in the sense that
 * matters: it reads the model (whose caches only memoize), never renders,
 * never writes to the terminal, and returns the very same state object when
 * an action changes nothing. Cursor and scroll are clamped after every
 * action, so a resize or a shorter list never leaves them out of range.
 */

import {hexAddress, parseAddress} from '../../core/format/address.js';
import {NO_OBJECT, UNRESOLVED_BIT} from '../../core/graph/store.js';
import type {Command} from '../keymap.js';
import {DEFAULT_SIZE, type TerminalSize} from '../layout.js';
import {glyphs} from '../../core/format/glyphs.js';
import {fit, safe} from '../text.js';
import {dominatedCount, TREE_ROOT} from '../../core/analyses/dominator-tree.js';
import {layoutOf, positionOf, screenList, topScreen} from './lists.js';
import {ROW_MORE, TREE_PAGE} from './tree.js';
import type {ExplorerModel} from './model.js';
import {findInList, makeMatcher} from './search.js';
import type {
	Action, DominatorsScreen, ListPosition, ObjectScreen, ObjectsScreen, PromptKind, Screen, SortKey, State, Status,
} from './types.js';

export function initialState(size: TerminalSize = DEFAULT_SIZE, status?: Status): State {
	return {
		size,
		stack: [{kind: 'summary', cursor: 0, top: 0}],
		sortBy: 'size',
		sortReversed: false,
		filter: '',
		prompt: undefined,
		status,
		clipboard: undefined,
		search: undefined,
		pathRequest: undefined,
		serial: 0,
		version: 0,
		quit: false,
	};
}

type Move = 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end';

/** Clamp cursor into the list and scroll so it is visible. */
export function clampPosition(position: ListPosition, total: number, height: number): ListPosition {
	const rows = Math.max(1, height);
	const cursor = total === 0 ? 0 : Math.min(Math.max(position.cursor, 0), total - 1);
	let top = Math.min(position.top, Math.max(0, total - rows));
	if (cursor < top) {
		top = cursor;
	} else if (cursor >= top + rows) {
		top = cursor - rows + 1;
	}

	top = Math.max(0, top);
	return cursor === position.cursor && top === position.top ? position : {cursor, top};
}

function movePosition(position: ListPosition, move: Move, total: number, height: number): ListPosition {
	const page = Math.max(1, height);
	let {cursor, top} = position;
	switch (move) {
		case 'up': { cursor--; break; }
		case 'down': { cursor++; break; }
		case 'pageUp': { cursor -= page; top -= page; break; }
		case 'pageDown': { cursor += page; top += page; break; }
		case 'home': { cursor = 0; top = 0; break; }
		case 'end': { cursor = total - 1; top = total - page; break; }
	}

	return clampPosition({cursor, top}, total, height);
}

/** Keep a cursorless list's top in range (the cursor follows the top line). */
function clampScroll(position: ListPosition, total: number, height: number): ListPosition {
	const top = Math.min(Math.max(position.top, 0), Math.max(0, total - Math.max(1, height)));
	return top === position.top && top === position.cursor ? position : {cursor: top, top};
}

/** Scroll without a cursor (help): the cursor follows the top line. */
function scrollPosition(position: ListPosition, move: Move, total: number, height: number): ListPosition {
	const page = Math.max(1, height);
	const last = Math.max(0, total - page);
	let top = position.top;
	switch (move) {
		case 'up': { top--; break; }
		case 'down': { top++; break; }
		case 'pageUp': { top -= page; break; }
		case 'pageDown': { top += page; break; }
		case 'home': { top = 0; break; }
		case 'end': { top = last; break; }
	}

	top = Math.min(Math.max(top, 0), last);
	return top === position.top && top === position.cursor ? position : {cursor: top, top};
}

function withPosition(screen: Screen, position: ListPosition): Screen {
	if (screen.kind === 'object') {
		return screen[screen.side] === position ? screen : {...screen, [screen.side]: position};
	}

	return position.cursor === screen.cursor && position.top === screen.top ? screen : {...screen, ...position};
}

function replaceTop(state: State, screen: Screen): State {
	if (screen === topScreen(state)) {
		return state;
	}

	return {...state, stack: [...state.stack.slice(0, -1), screen]};
}

function push(state: State, screen: Screen): State {
	return {...state, stack: [...state.stack, screen]};
}

function withStatus(state: State, text: string, tone: Status['tone'] = 'info'): State {
	return {...state, status: {text, tone}};
}

/** Clamp the shown screen's list position (after any change of list, size or screen). */
function normalize(model: ExplorerModel, state: State): State {
	const screen = topScreen(state);
	const list = screenList(model, state, screen);
	const position = positionOf(screen);
	const clamped = screen.kind === 'help' || screen.kind === 'value'
		? clampScroll(position, list.total, list.height)
		: clampPosition(position, list.total, list.height);
	return replaceTop(state, withPosition(screen, clamped));
}

/** An object's screen; it opens on its parents when it refers to nothing. */
function objectScreen(model: ExplorerModel, ordinal: number): ObjectScreen {
	return {
		kind: 'object',
		ordinal,
		side: model.store.childCount(ordinal) === 0 && model.store.parentCount(ordinal) > 0 ? 'parents' : 'children',
		children: {cursor: 0, top: 0},
		parents: {cursor: 0, top: 0},
		search: '',
		order: 'dump',
		reversed: false,
	};
}

function missingMessage(model: ExplorerModel, target: number): string {
	const address = model.store.targetAddress(target);
	return `<missing ${address}> is referenced but not in the dump: nothing to open`;
}

/** The entry under the cursor of a list of objects, or undefined. */
function selectedEntry(model: ExplorerModel, state: State): number | undefined {
	const screen = topScreen(state);
	const list = screenList(model, state, screen);
	if (list.entries === undefined || list.total === 0) {
		return undefined;
	}

	return list.entries[positionOf(screen).cursor];
}

function open(model: ExplorerModel, state: State): State {
	const screen = topScreen(state);
	switch (screen.kind) {
		case 'summary': {
			const type = model.typeRows(state.sortBy, state.filter, state.sortReversed).types[screen.cursor];
			if (type === undefined) {
				return state.filter === '' ? state : withStatus(state, 'no type matches the filter', 'error');
			}

			return push(state, {kind: 'objects', typeId: type.typeId, newOnly: false, order: 'size', reversed: false, search: '', cursor: 0, top: 0});
		}

		case 'dominators': {
			return expandNode(model, state, screen);
		}

		case 'waste': {
			const target = model.waste?.rows[screen.cursor]?.target;
			if (target === undefined) {
				return state;
			}

			return target.kind === 'object'
				? push(state, objectScreen(model, target.ordinal))
				: push(state, {kind: 'objects', typeId: target.typeId, newOnly: false, order: 'size', reversed: false, search: '', cursor: 0, top: 0});
		}

		case 'leaks': {
			const groups = model.leaks?.grouping.groups.length ?? 0;
			return screen.cursor < groups ? push(state, {kind: 'group', group: screen.cursor, search: '', cursor: 0, top: 0}) : state;
		}

		case 'objects':
		case 'object':
		case 'group':
		case 'path': {
			const entry = selectedEntry(model, state);
			if (entry === undefined) {
				return state;
			}

			if (entry >= UNRESOLVED_BIT) {
				return withStatus(state, missingMessage(model, entry), 'error');
			}

			return push(state, objectScreen(model, entry));
		}

		case 'trend': {
			const row = model.trendRows()[screen.cursor];
			if (row === undefined) {
				return state;
			}

			const typeId = model.store.typeId(row.type);
			if (typeId < 0 || model.types.count(typeId) === 0) {
				return withStatus(state, `no ${safe(row.type, 40)} objects in the newest dump`, 'error');
			}

			return push(state, {kind: 'objects', typeId, newOnly: false, order: 'size', reversed: false, search: '', cursor: 0, top: 0});
		}

		case 'value':
		case 'help': {
			return state;
		}
	}
}

// ------------------------------------------------------------ dominator tree

/** The selected row of the tree: its node, and whether it is a "N more" row. */
export function treeSelection(model: ExplorerModel, screen: DominatorsScreen): {node: number; more: boolean; row: number} | undefined {
	const rows = model.treeRows(screen.root, screen.expanded);
	if (rows === undefined || screen.cursor >= rows.total) {
		return undefined;
	}

	return {node: rows.node[screen.cursor]!, more: rows.kind[screen.cursor] === ROW_MORE, row: screen.cursor};
}

function retainedUnavailable(model: ExplorerModel, state: State): State | undefined {
	const retained = model.retained;
	if (retained.status === 'unavailable') {
		return withStatus(state, 'retained sizes are not available', 'error');
	}

	return undefined;
}

function treeScreen(root: number): DominatorsScreen {
	return {kind: 'dominators', root, expanded: new Map([[root, TREE_PAGE]]), cursor: 0, top: 0};
}

/** R: the dominator tree below the selected object (on the summary: of the whole heap). */
function openTree(model: ExplorerModel, state: State): State {
	const unavailable = retainedUnavailable(model, state);
	if (unavailable !== undefined) {
		return unavailable;
	}

	const screen = topScreen(state);
	let root: number | undefined;
	switch (screen.kind) {
		case 'summary': {
			root = TREE_ROOT;
			break;
		}

		case 'object': {
			root = screen.ordinal;
			break;
		}

		case 'dominators': {
			const selected = treeSelection(model, screen);
			if (selected === undefined || selected.more || selected.row === 0) {
				return withStatus(state, 'select an object of the tree to show the tree below it', 'error');
			}

			root = selected.node;
			break;
		}

		default: {
			root = selectedEntry(model, state);
		}
	}

	if (root === undefined || (root !== TREE_ROOT && root >= UNRESOLVED_BIT)) {
		return withStatus(state, 'no object selected', 'error');
	}

	return push(state, treeScreen(root));
}

function expandNode(model: ExplorerModel, state: State, screen: DominatorsScreen): State {
	const selected = treeSelection(model, screen);
	if (selected === undefined) {
		return model.retained.status === 'computing'
			? withStatus(state, `retained sizes: computing${glyphs().ellipsis} the tree appears when they are known`, 'error')
			: state;
	}

	const expanded = new Map(screen.expanded);
	if (selected.more) {
		expanded.set(selected.node, (expanded.get(selected.node) ?? 0) + TREE_PAGE);
		return replaceTop(state, {...screen, expanded});
	}

	if (screen.expanded.has(selected.node)) {
		return withStatus(state, 'already expanded (Left collapses, o opens the object)');
	}

	if (dominatedCount(model.dominators!, selected.node) === 0) {
		return withStatus(state, 'keeps nothing else alive (o opens the object)');
	}

	expanded.set(selected.node, TREE_PAGE);
	return replaceTop(state, {...screen, expanded});
}

function collapseNode(model: ExplorerModel, state: State, screen: DominatorsScreen): State {
	const selected = treeSelection(model, screen);
	if (selected === undefined) {
		return back(state);
	}

	if (!selected.more && screen.expanded.has(selected.node)) {
		const expanded = new Map(screen.expanded);
		expanded.delete(selected.node);
		return replaceTop(state, {...screen, expanded});
	}

	const parent = model.treeRows(screen.root, screen.expanded)!.parentRow[selected.row]!;
	return parent < 0 ? back(state) : replaceTop(state, {...screen, cursor: parent});
}

/** The object of the selected row of a tree, or an error state. */
function treeObject(model: ExplorerModel, state: State, screen: DominatorsScreen): number | State {
	const selected = treeSelection(model, screen);
	if (selected === undefined || selected.more || selected.node === TREE_ROOT) {
		return withStatus(state, selected?.node === TREE_ROOT ? 'the top of the tree is the whole heap, not an object' : 'no object selected', 'error');
	}

	return selected.node;
}

// ------------------------------------------------------------ leaks, values

function openLeaks(model: ExplorerModel, state: State): State {
	const screen = topScreen(state);
	if (screen.kind === 'leaks') {
		return state;
	}

	if (!model.hasPrevious || model.retained.status === 'unavailable') {
		return withStatus(state, model.leaksPending() ?? 'no leak candidates', 'error');
	}

	return push(state, {kind: 'leaks', cursor: 0, top: 0});
}

/** The object whose value `v` shows: the object viewed, or the selected row's. */
function valueTarget(model: ExplorerModel, state: State): number | State {
	const screen = topScreen(state);
	if (screen.kind === 'object') {
		return screen.ordinal;
	}

	if (screen.kind === 'dominators') {
		return treeObject(model, state, screen);
	}

	const entry = selectedEntry(model, state);
	return entry === undefined || entry >= UNRESOLVED_BIT ? withStatus(state, 'no object selected', 'error') : entry;
}

function showValue(model: ExplorerModel, state: State): State {
	const target = valueTarget(model, state);
	if (typeof target !== 'number') {
		return target;
	}

	if (model.store.valueKind(target) === 'none') {
		return withStatus(state, 'this object has no value or name in the dump', 'error');
	}

	return push(state, {kind: 'value', ordinal: target, cursor: 0, top: 0});
}

function back(state: State): State {
	if (state.search !== undefined) {
		return withStatus({...state, search: undefined}, `search for "${fit(state.search.needle, 30)}" stopped`);
	}

	if (state.stack.length > 1) {
		return {...state, stack: state.stack.slice(0, -1)};
	}

	if (state.filter !== '') {
		return {...state, filter: '', stack: [{kind: 'summary', cursor: 0, top: 0}]};
	}

	return state;
}

function setSummaryCursor(state: State, cursor: number): State {
	const screen = state.stack[0]!;
	if (screen.kind !== 'summary' || (screen.cursor === cursor && screen.top === 0 && state.stack.length === 1)) {
		return state;
	}

	return {...state, stack: [{...screen, cursor, top: 0}, ...state.stack.slice(1)]};
}

/** The summary's orders, in the order `s` cycles through them. */
const SORT_CYCLE: readonly SortKey[] = ['size', 'count', 'retained', 'deltaCount', 'deltaSize', 'new'];

/** How each order is named in messages (the column titles, in words). */
export const SORT_NAMES: {readonly [K in SortKey]: string} = {
	size: 'size', count: 'count', retained: 'retained size', deltaCount: '+count', deltaSize: '+size', new: 'new objects',
};

/** Whether the summary can be sorted by `key` now (retained sizes and new objects come later; deltas need several dumps). */
export function sortAvailable(model: ExplorerModel, key: SortKey): boolean {
	switch (key) {
		case 'size':
		case 'count': { return true; }
		case 'retained': { return model.retainedSize !== undefined; }
		case 'deltaCount':
		case 'deltaSize': { return model.hasPrevious; }
		case 'new': { return model.newObjectsReady; }
	}
}

/** size → count → retained → +count → +size → new → size, skipping orders not available. */
export function nextSort(model: ExplorerModel, current: SortKey): SortKey {
	const start = SORT_CYCLE.indexOf(current);
	for (let step = 1; step <= SORT_CYCLE.length; step++) {
		const key = SORT_CYCLE[(start + step) % SORT_CYCLE.length]!;
		if (sortAvailable(model, key)) {
			return key;
		}
	}

	return 'size';
}

function resortSummary(model: ExplorerModel, state: State, sortBy: SortKey, sortReversed: boolean): State {
	const screen = topScreen(state);
	const before = model.typeRows(state.sortBy, state.filter, state.sortReversed).types[screen.kind === 'summary' ? screen.cursor : 0];
	const after = model.typeRows(sortBy, state.filter, sortReversed).types;
	const cursor = before === undefined ? 0 : Math.max(0, after.findIndex(type => type.typeId === before.typeId));
	const next = withStatus({...state, sortBy, sortReversed}, `sorted by ${SORT_NAMES[sortBy]}, ${sortReversed ? 'smallest' : 'largest'} first`);
	return screen.kind === 'summary'
		? replaceTop(next, {...screen, cursor, top: Math.max(0, cursor - Math.floor(layoutOf(state).summaryRows / 2))})
		: next;
}

function toggleSort(model: ExplorerModel, state: State): State {
	return resortSummary(model, state, nextSort(model, state.sortBy), state.sortReversed);
}

const REF_ORDER_NAMES = {dump: 'dump order', retained: 'retained size', size: 'size'} as const;

/** An object's references: dump order → retained size (once known) → size → dump order. */
function toggleRefOrder(model: ExplorerModel, state: State, screen: ObjectScreen): State {
	let order: ObjectScreen['order'] = screen.order === 'dump' ? 'retained' : (screen.order === 'retained' ? 'size' : 'dump');
	if (order === 'retained' && model.retainedSize === undefined) {
		order = 'size';
	}

	const moved = {...screen, order, children: {cursor: 0, top: 0}, parents: {cursor: 0, top: 0}};
	return withStatus(replaceTop(state, moved), `references in ${REF_ORDER_NAMES[order]}${order === 'dump' ? '' : `, ${screen.reversed ? 'smallest' : 'largest'} first`}`);
}

function reverseSort(model: ExplorerModel, state: State): State {
	const screen = topScreen(state);
	switch (screen.kind) {
		case 'summary': { return resortSummary(model, state, state.sortBy, !state.sortReversed); }
		case 'objects': {
			return withStatus(replaceTop(state, {...screen, reversed: !screen.reversed, cursor: 0, top: 0}), screen.reversed ? 'largest first' : 'reversed: smallest first');
		}

		case 'object': {
			const reversed = !screen.reversed;
			return withStatus(
				replaceTop(state, {...screen, reversed, children: {cursor: 0, top: 0}, parents: {cursor: 0, top: 0}}),
				`references in ${REF_ORDER_NAMES[screen.order]}, ${reversed ? 'reversed' : 'not reversed'}`,
			);
		}

		default: { return state; }
	}
}

function toggleObjectOrder(model: ExplorerModel, state: State, screen: ObjectsScreen): State {
	if (screen.order === 'size' && model.retainedSize === undefined) {
		const retained = model.retained;
		return withStatus(state, retained.status === 'computing'
			? `retained sizes: computing${glyphs().ellipsis} ${Math.floor(retained.fraction * 100)}%; sort again when done`
			: 'retained sizes are not available', 'error');
	}

	const order = screen.order === 'size' ? 'retained' : 'size';
	return withStatus(
		replaceTop(state, {...screen, order, cursor: 0, top: 0}),
		order === 'retained' ? 'sorted by retained size' : 'sorted largest first (meliae order)',
	);
}

function openPrompt(state: State, kind: PromptKind): State {
	return {...state, prompt: {kind, text: kind === 'filter' ? state.filter : ''}};
}

/** Lists longer than this are searched in the background, with progress. */
export const SYNC_SEARCH_LIMIT = 50_000;

/** Which list a search runs on: the stack depth and what the top screen lists. */
export function searchTarget(state: State): string {
	const screen = topScreen(state);
	const what = screen.kind === 'objects'
		? `${screen.typeId}:${screen.newOnly}`
		: (screen.kind === 'object' ? `${screen.ordinal}:${screen.side}` : (screen.kind === 'path' ? String(screen.ordinal) : (screen.kind === 'group' ? String(screen.group) : '')));
	return `${state.stack.length}:${screen.kind}:${what}`;
}

/** The matcher a search uses on the shown screen. */
export function searchMatcher(model: ExplorerModel, state: State, needle: string) {
	return makeMatcher(model.store, needle, topScreen(state).kind !== 'objects');
}

/** Move to a search's result (or say it found nothing). */
function applySearch(model: ExplorerModel, state: State, needle: string, found: {index: number; wrapped: boolean} | undefined): State {
	const screen = topScreen(state);
	const shown = fit(needle, 30);
	if (found === undefined) {
		return withStatus(state, `not found: ${shown}`, 'error');
	}

	const list = screenList(model, state, screen);
	const top = Math.max(0, found.index - Math.floor(list.height / 3));
	const moved = withPosition(screen, clampPosition({cursor: found.index, top}, list.total, list.height));
	const where = `found "${shown}" (n/N: next/previous)`;
	return withStatus(replaceTop(state, moved), found.wrapped ? `${where}, search wrapped around` : where);
}

function runSearch(model: ExplorerModel, state: State, needle: string, direction: 1 | -1): State {
	const screen = topScreen(state);
	if (screen.kind !== 'objects' && screen.kind !== 'object' && screen.kind !== 'path' && screen.kind !== 'group') {
		return state;
	}

	if (needle === '') {
		return withStatus(state, 'no search yet: press / and type a value, name or address', 'error');
	}

	const withSearch = replaceTop({...state, search: undefined}, screen.search === needle ? screen : {...screen, search: needle});
	const list = screenList(model, withSearch, topScreen(withSearch));
	const from = positionOf(screen).cursor;
	if (list.total > SYNC_SEARCH_LIMIT) {
		const id = state.serial + 1;
		return withStatus(
			{...withSearch, serial: id, search: {id, needle, direction, from, target: searchTarget(withSearch)}},
			`searching "${fit(needle, 30)}"${glyphs().ellipsis} (Esc stops)`,
		);
	}

	const found = findInList(list.entries!, from, direction, searchMatcher(model, withSearch, needle));
	return applySearch(model, withSearch, needle, found);
}

function gotoAddress(model: ExplorerModel, state: State, text: string): State {
	const address = parseAddress(text);
	if (address === undefined) {
		return withStatus(state, `not an address: ${fit(text, 30)} (decimal as meliae prints, or 0x-hex)`, 'error');
	}

	const ordinal = model.store.indexOf(address);
	if (ordinal === NO_OBJECT) {
		return withStatus(state, `no object at address ${address} (${hexAddress(address)})`, 'error');
	}

	return push(state, objectScreen(model, ordinal));
}

function acceptPrompt(model: ExplorerModel, state: State): State {
	const prompt = state.prompt!;
	const closed = {...state, prompt: undefined};
	switch (prompt.kind) {
		case 'filter': {
			const rows = model.typeRows(state.sortBy, prompt.text, state.sortReversed);
			return prompt.text === ''
				? closed
				: withStatus(closed, `${rows.types.length} of ${rows.allTypes} types match "${fit(prompt.text, 30)}"`);
		}

		case 'search': {
			const screen = topScreen(state);
			const needle = prompt.text === '' && screen.kind !== 'summary' && 'search' in screen ? screen.search : prompt.text;
			return runSearch(model, closed, needle, 1);
		}

		case 'goto': {
			return prompt.text.trim() === '' ? closed : gotoAddress(model, closed, prompt.text);
		}
	}
}

function cancelPrompt(state: State): State {
	const prompt = state.prompt!;
	if (prompt.kind === 'filter') {
		return setSummaryCursor({...state, prompt: undefined, filter: ''}, 0);
	}

	return {...state, prompt: undefined};
}

function editPrompt(state: State, text: string): State {
	const prompt = state.prompt!;
	if (text === prompt.text) {
		return state;
	}

	const next = {...state, prompt: {...prompt, text}};
	return prompt.kind === 'filter' ? setSummaryCursor({...next, filter: text}, 0) : next;
}

function copyAddress(model: ExplorerModel, state: State): State {
	const screen = topScreen(state);
	let entry: number | undefined;
	if (screen.kind === 'dominators') {
		const target = treeObject(model, state, screen);
		if (typeof target !== 'number') {
			return target;
		}

		entry = target;
	} else {
		entry = selectedEntry(model, state);
	}

	if (entry === undefined) {
		return withStatus(state, 'nothing selected to copy', 'error');
	}

	const address = String(model.store.targetAddress(entry));
	return withStatus(
		{...state, clipboard: {text: address, serial: (state.clipboard?.serial ?? 0) + 1}},
		`copied ${address} to the clipboard (OSC 52)`,
	);
}

function pathToObject(model: ExplorerModel, state: State): State {
	const screen = topScreen(state);
	let ordinal: number | undefined;
	if (screen.kind === 'dominators') {
		const target = treeObject(model, state, screen);
		if (typeof target !== 'number') {
			return target;
		}

		ordinal = target;
	} else if (screen.kind === 'leaks') {
		ordinal = model.leaks?.grouping.groups[screen.cursor]?.example;
	} else {
		ordinal = screen.kind === 'object' ? screen.ordinal : selectedEntry(model, state);
	}

	if (ordinal === undefined || ordinal >= UNRESOLVED_BIT) {
		return withStatus(state, 'no object selected', 'error');
	}

	if (!model.hasPathTo(ordinal)) {
		if (!model.canFindPaths) {
			return withStatus(state, 'paths from roots are not available in this build', 'error');
		}

		// Computed by the root component after this frame is drawn.
		const id = state.serial + 1;
		return withStatus({...state, serial: id, pathRequest: {id, ordinal, target: searchTarget(state)}}, `finding the shortest path from a root${glyphs().ellipsis}`);
	}

	return showPath(model, state, ordinal);
}

function showPath(model: ExplorerModel, state: State, ordinal: number): State {
	const path = model.pathTo(ordinal);
	switch (path.status) {
		case 'unavailable': {
			return withStatus(state, 'paths from roots are not available in this build', 'error');
		}

		case 'none': {
			return withStatus(state, 'no path from a root leads to this object', 'error');
		}

		case 'ready': {
			return push(state, {kind: 'path', ordinal, search: '', cursor: Math.max(0, path.path.ordinals.length - 1), top: 0});
		}
	}
}

function toggleNewOnly(model: ExplorerModel, state: State): State {
	const screen = topScreen(state);
	if (screen.kind !== 'objects') {
		return state;
	}

	if (!model.hasPrevious) {
		return withStatus(state, 'only new objects: open several dumps (meliae-tui OLD NEW)', 'error');
	}

	if (!model.newObjectsReady) {
		return withStatus(state, `still comparing with the previous dump${glyphs().ellipsis}`, 'error');
	}

	const newOnly = !screen.newOnly;
	return withStatus(
		replaceTop(state, {...screen, newOnly, cursor: 0, top: 0}),
		newOnly ? 'showing only objects new since the previous dump' : 'showing all objects',
	);
}

function command(model: ExplorerModel, state: State, name: Command): State {
	const screen = topScreen(state);
	if (state.prompt !== undefined) {
		switch (name) {
			case 'promptAccept': { return acceptPrompt(model, state); }
			case 'promptCancel': { return cancelPrompt(state); }
			case 'promptErase': { return editPrompt(state, [...state.prompt.text].slice(0, -1).join('')); }
			case 'promptClear': { return editPrompt(state, ''); }
			case 'interrupt': { return {...state, quit: true}; }
			default: { return state; }
		}
	}

	switch (name) {
		case 'up':
		case 'down':
		case 'pageUp':
		case 'pageDown':
		case 'home':
		case 'end': {
			const list = screenList(model, state, screen);
			const position = positionOf(screen);
			const moved = screen.kind === 'help' || screen.kind === 'value'
				? scrollPosition(position, name, list.total, list.height)
				: movePosition(position, name, list.total, list.height);
			return replaceTop(state, withPosition(screen, moved));
		}

		case 'open': { return open(model, state); }
		case 'back': { return back(state); }
		case 'filter': { return screen.kind === 'summary' ? openPrompt(state, 'filter') : state; }
		case 'toggleSort': {
			if (screen.kind === 'summary') {
				return toggleSort(model, state);
			}

			if (screen.kind === 'object') {
				return toggleRefOrder(model, state, screen);
			}

			return screen.kind === 'objects' ? toggleObjectOrder(model, state, screen) : state;
		}
		case 'search': { return 'search' in screen ? openPrompt(state, 'search') : state; }
		case 'searchNext':
		case 'searchPrevious': {
			if (!('search' in screen)) {
				return state;
			}

			return runSearch(model, state, screen.search, name === 'searchNext' ? 1 : -1);
		}

		case 'showChildren':
		case 'showParents':
		case 'switchRefs': {
			if (screen.kind !== 'object') {
				return state;
			}

			const side = name === 'showChildren' ? 'children' : (name === 'showParents' ? 'parents' : (screen.side === 'children' ? 'parents' : 'children'));
			return side === screen.side ? state : replaceTop(state, {...screen, side});
		}

		case 'gotoAddress': { return openPrompt(state, 'goto'); }
		case 'copyAddress': { return copyAddress(model, state); }
		case 'pathToObject': { return pathToObject(model, state); }
		case 'toggleNewOnly': { return toggleNewOnly(model, state); }
		case 'trend': {
			if (!model.hasPrevious) {
				return withStatus(state, 'the trend view needs several dumps (meliae-tui OLD ... NEW)', 'error');
			}

			return screen.kind === 'trend' ? state : push(state, {kind: 'trend', cursor: 0, top: 0});
		}

		case 'help': {
			return screen.kind === 'help' ? back(state) : push(state, {kind: 'help', cursor: 0, top: 0});
		}

		case 'dominatorTree': { return openTree(model, state); }
		case 'collapse': { return screen.kind === 'dominators' ? collapseNode(model, state, screen) : state; }
		case 'close': { return back(state); }
		case 'openObject': {
			if (screen.kind !== 'dominators') {
				return state;
			}

			const target = treeObject(model, state, screen);
			return typeof target === 'number' ? push(state, objectScreen(model, target)) : target;
		}

		case 'leaks': { return openLeaks(model, state); }
		case 'waste': { return screen.kind === 'waste' ? state : push(state, {kind: 'waste', cursor: 0, top: 0}); }
		case 'fullValue': { return showValue(model, state); }
		case 'reverseSort': { return reverseSort(model, state); }
		case 'suspend': { return state; }

		case 'quit':
		case 'interrupt': { return {...state, quit: true}; }
		case 'promptAccept':
		case 'promptCancel':
		case 'promptErase':
		case 'promptClear': { return state; }
	}
}

export function reduce(model: ExplorerModel, state: State, action: Action): State {
	let next: State;
	switch (action.type) {
		case 'command': {
			// A message lasts until the next key.
			const base = state.status === undefined ? state : {...state, status: undefined};
			next = command(model, base, action.command);
			if (next === base) {
				next = state.status === undefined ? state : base;
			}

			break;
		}

		case 'text': {
			next = state.prompt === undefined ? state : editPrompt(state, state.prompt.text + action.text);
			break;
		}

		case 'resize': {
			const {columns, rows} = action.size;
			next = columns === state.size.columns && rows === state.size.rows ? state : {...state, size: action.size};
			break;
		}

		case 'computed': {
			next = {...state, version: state.version + 1};
			break;
		}

		case 'searchProgress': {
			const pending = state.search;
			next = pending?.id === action.id
				? withStatus(state, `searching "${fit(pending.needle, 30)}"${glyphs().ellipsis} ${Math.floor(action.fraction * 100)}% (Esc stops)`)
				: state;
			break;
		}

		case 'searchDone': {
			const pending = state.search;
			if (pending?.id !== action.id) {
				next = state;
			} else if (pending.target === searchTarget(state)) {
				next = applySearch(model, {...state, search: undefined}, pending.needle, action.result);
			} else {
				next = {...state, search: undefined};
			}

			break;
		}

		case 'pathDone': {
			const request = state.pathRequest;
			if (request?.id !== action.id) {
				next = state;
			} else if (request.target === searchTarget(state)) {
				next = showPath(model, {...state, pathRequest: undefined, status: undefined}, request.ordinal);
			} else {
				next = {...state, pathRequest: undefined};
			}

			break;
		}

		case 'status': {
			next = action.status === state.status ? state : {...state, status: action.status};
			break;
		}
	}

	return next === state ? state : normalize(model, next);
}

/** Bind the model, for React's useReducer. */
export function reducerFor(model: ExplorerModel): (state: State, action: Action) => State {
	return (state, action) => reduce(model, state, action);
}
