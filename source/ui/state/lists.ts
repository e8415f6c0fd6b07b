/**
 * The list each screen scrolls through: its length, how many rows the
 * layout gives it, and (for lists of objects) the entries themselves as a
 * view into the store's arrays. Shared by the reducer (to clamp cursor and
 * scroll) and the selectors (to draw the visible window), so both always
 * agree. Nothing here copies a list.
 */

import {refsAsDict} from '../../core/analyses/objects.js';
import {displayString, textWidth} from '../../core/format/escape.js';
import {helpLines} from '../keymap.js';
import {computeLayout, type Layout, objectListRows} from '../layout.js';
import type {ExplorerModel} from './model.js';
import type {ListPosition, ObjectScreen, Screen, State} from './types.js';

export type ScreenList = {
	readonly total: number;
	readonly height: number;
	/** Entries of lists of objects: ordinals, or unresolved targets in a children list. */
	readonly entries?: Uint32Array;
};

const EMPTY = new Uint32Array(0);

export function layoutOf(state: State): Layout {
	return computeLayout(state.size.columns, state.size.rows);
}

export function topScreen(state: State): Screen {
	return state.stack[state.stack.length - 1]!;
}

/** Entries of the dict preview shown above an object's references (0 when none). */
export function previewCount(model: ExplorerModel, ordinal: number, layout: Layout): number {
	if (layout.objectPreviewEntries === 0 || !model.isDictLike(ordinal)) {
		return 0;
	}

	return refsAsDict(model.store, ordinal, layout.objectPreviewEntries).length;
}

export function refsOf(model: ExplorerModel, screen: ObjectScreen): Uint32Array {
	const {store} = model;
	const {ordinal} = screen;
	const list = screen.side === 'children'
		? store.childTargets.subarray(store.firstChild[ordinal]!, store.firstChild[ordinal + 1]!)
		: store.parentSources.subarray(store.firstParent[ordinal]!, store.firstParent[ordinal + 1]!);
	return model.refsInOrder(list, ordinal, screen.side, screen.order, screen.reversed);
}

const segmenter = new Intl.Segmenter();

/**
 * The whole value (or name) of an object, escaped as everything from a
 * dump is, wrapped at `width` columns (a character never split).
 */
let lastValue: {store: unknown; ordinal: number; width: number; lines: string[]} | undefined;

export function valueLines(model: ExplorerModel, ordinal: number, width: number): string[] {
	if (lastValue?.store === model.store && lastValue.ordinal === ordinal && lastValue.width === width) {
		return lastValue.lines;
	}

	const lines = wrapValue(model, ordinal, width);
	lastValue = {store: model.store, ordinal, width, lines};
	return lines;
}

function wrapValue(model: ExplorerModel, ordinal: number, width: number): string[] {
	const value = model.store.value(ordinal);
	if (value === undefined) {
		return [];
	}

	const text = displayString(value, Number.MAX_SAFE_INTEGER);
	const room = Math.max(1, width - 2);
	const lines: string[] = [];
	let line = '';
	let used = 0;
	for (const {segment} of segmenter.segment(text)) {
		const wide = textWidth(segment);
		if (used + wide > room && line !== '') {
			lines.push(line);
			line = '';
			used = 0;
		}

		line += segment;
		used += wide;
	}

	if (line !== '' || lines.length === 0) {
		lines.push(line);
	}

	return lines;
}

export function positionOf(screen: Screen): ListPosition {
	return screen.kind === 'object' ? screen[screen.side] : screen;
}

export function screenList(model: ExplorerModel, state: State, screen: Screen): ScreenList {
	const layout = layoutOf(state);
	switch (screen.kind) {
		case 'summary': {
			return {total: model.typeRows(state.sortBy, state.filter, state.sortReversed).types.length, height: layout.summaryRows};
		}

		case 'objects': {
			const entries = model.objectsOf(screen.typeId, screen.newOnly, screen.order, screen.reversed);
			return {total: entries.length, height: layout.listRows, entries};
		}

		case 'object': {
			const entries = refsOf(model, screen);
			return {total: entries.length, height: objectListRows(layout, previewCount(model, screen.ordinal, layout)), entries};
		}

		case 'path': {
			const path = model.pathTo(screen.ordinal);
			const entries = path.status === 'ready' ? path.path.ordinals : EMPTY;
			return {total: entries.length, height: layout.listRows, entries};
		}

		case 'trend': {
			return {total: model.trendRows().length, height: layout.listRows};
		}

		case 'help': {
			return {total: helpLines(layout.width).length, height: layout.helpRows};
		}

		case 'dominators': {
			const rows = model.treeRows(screen.root, screen.expanded);
			return {total: rows?.total ?? 0, height: layout.treeRows};
		}

		case 'leaks': {
			return {total: model.leaks?.grouping.groups.length ?? 0, height: layout.listRows};
		}

		case 'group': {
			const entries = model.leaks?.members[screen.group] ?? EMPTY;
			return {total: entries.length, height: layout.listRows, entries};
		}

		case 'waste': {
			// A context line and a column header above the rows.
			return {total: model.waste?.rows.length ?? 0, height: layout.summaryRows};
		}

		case 'value': {
			return {total: valueLines(model, screen.ordinal, layout.width).length, height: layout.listRows};
		}
	}
}
