/**
 * From (model, state) to what each view draws: plain, terminal-safe lines
 * already cut to the layout's width, for the visible window only
 * (`{begin, end, total, rows}`); a list of 2 million objects costs what a
 * list of 20 does. Components only lay these lines out.
 */

import {type AllocFrame, allocatedAt, frameText} from '../../core/alloc/sites.js';
import {dictLayout, VALUES_ONLY_NOTE} from '../../core/analyses/dict-layout.js';
import {dictEntryCount, refsAsDict} from '../../core/analyses/objects.js';
import {hexAddress} from '../../core/format/address.js';
import {UNRESOLVED_BIT} from '../../core/graph/store.js';
import {formatRefValue} from '../../core/format/ref-value.js';
import {glyphs} from '../../core/format/glyphs.js';
import {compactBytes, humanBytes, meliaeSize} from '../../core/format/size.js';
import {dominatedCount} from '../../core/analyses/dominator-tree.js';
import {labelChain} from '../../core/format/object-label.js';
import {sparkline} from '../../core/format/sparkline.js';
import {fittedWidth, summaryTitle} from '../../core/format/summary-table.js';
import {formatFixed1, formatInt} from '../../core/format/python.js';
import {footerText, helpLines, type Scope} from '../keymap.js';
import type {Layout} from '../layout.js';
import {type Column, fitColumns, formatHeader, formatRow, type TableHeader} from '../table.js';
import {
	escapeControls, fit, formatCount, formatDelta, objectLine, padStartToWidth, padToWidth, safe,
	targetLine, textWidth, truncateLeft, truncateMiddle, truncateToWidth, valueText,
} from '../text.js';
import {layoutOf, positionOf, previewCount, screenList, topScreen} from './lists.js';
import {nextSort, SORT_NAMES} from './reducer.js';
import type {ExplorerModel, TypeRows} from './model.js';
import {nodeRetainedSize, TREE_ROOT} from '../../core/analyses/dominator-tree.js';
import {ROW_MORE} from './tree.js';
import {valueLines} from './lists.js';
import type {
	DominatorsScreen, GroupScreen, LeaksScreen, WasteScreen, ObjectScreen, ObjectsScreen, PathScreen, Screen, State, ValueScreen,
} from './types.js';

export type Row = {readonly text: string; readonly selected: boolean};

export type ListWindow = {
	readonly begin: number;
	readonly end: number;
	readonly total: number;
	readonly rows: readonly Row[];
};

export type Tone = 'info' | 'error';

export type Chrome = {
	readonly breadcrumb: string;
	/** The prompt being typed, or a message, or a hint; with the list position on the right. */
	readonly status: {readonly text: string; readonly tone: Tone; readonly prompt: boolean};
	readonly footer: string;
};

export type SummaryView = {
	readonly kind: 'summary';
	readonly title: string;
	readonly header: TableHeader;
	readonly list: ListWindow;
};

export type ObjectsView = {
	readonly kind: 'objects';
	readonly context: string;
	readonly list: ListWindow;
};

export type ObjectView = {
	readonly kind: 'object';
	readonly header: readonly string[];
	readonly preview: readonly string[];
	readonly tabs: {readonly children: string; readonly parents: string; readonly side: 'children' | 'parents'; readonly hint: string};
	readonly list: ListWindow;
};

export type SimpleListView = {
	readonly kind: 'path' | 'trend' | 'help' | 'leaks' | 'group' | 'value' | 'waste';
	readonly context: string;
	readonly header?: TableHeader;
	readonly list: ListWindow;
};

export type DominatorsView = {
	readonly kind: 'dominators';
	readonly context: string;
	readonly header: TableHeader;
	readonly list: ListWindow;
	/** The retained set of the selected node by type: a title, then up to `treeTypeRows` lines. */
	readonly typesTitle: string;
	readonly types: readonly string[];
};

export type ScreenView = SummaryView | ObjectsView | ObjectView | SimpleListView | DominatorsView;

export type FrameView = {
	readonly layout: Layout;
	readonly chrome: Chrome;
	readonly screen: ScreenView;
};

const MARKER = '> ';
const NO_MARKER = '  ';

/** A row with its marker; only the selected row is padded (its inverse bar spans the width). */
function marked(text: string, selected: boolean, width: number, marker = MARKER, blank = NO_MARKER): Row {
	const line = (selected ? marker : blank) + text;
	return {text: selected ? padToWidth(line, width) : truncateToWidth(line.trimEnd(), width), selected};
}

/** Build the visible window of a list: `line(index, width)` is called for visible rows only. */
function window(
	total: number,
	top: number,
	height: number,
	cursor: number | undefined,
	width: number,
	line: (index: number, width: number) => string,
	marker = MARKER,
): ListWindow {
	const begin = Math.min(top, Math.max(0, total));
	const end = Math.min(total, begin + Math.max(0, height));
	const rows: Row[] = [];
	const inner = Math.max(0, width - marker.length);
	for (let index = begin; index < end; index++) {
		rows.push(marked(line(index, inner), index === cursor, width, marker, ' '.repeat(marker.length)));
	}

	return {begin, end, total, rows};
}

// ------------------------------------------------------------------ summary

/**
 * The summary's columns: meliae's widths, each widened (as `summarize`
 * widens them) when a value of the list would leave no space before it, so
 * sizes of 10^8 bytes and more stay aligned. Widths follow the whole list,
 * not the visible rows, so they do not change while scrolling.
 */
function summaryColumns(model: ExplorerModel, rows: TypeRows): Column[] {
	let count = 0;
	let size = 0;
	let max = 0;
	let retained = 0;
	let deltaCount = 0;
	let deltaSize = 0;
	let news = 0;
	const digits = (value: number): number => String(value).length;
	for (const type of rows.types) {
		count = Math.max(count, digits(type.count));
		size = Math.max(size, digits(type.size));
		max = Math.max(max, digits(type.maxSize));
		retained = Math.max(retained, digits(model.typeRetained(type.typeId) ?? 0));
		if (model.hasPrevious) {
			const before = model.previousType(type.type);
			if (before !== undefined) {
				deltaCount = Math.max(deltaCount, formatDelta(type.count - before.count).length);
				deltaSize = Math.max(deltaSize, formatDelta(type.size - before.size).length);
			}

			news = Math.max(news, digits(model.newCount(type.typeId) ?? 0));
		}
	}

	const columns: Column[] = [
		{key: 'index', title: 'Index', width: fittedWidth(6, digits(Math.max(0, rows.types.length - 1)), true), priority: 3},
		{key: 'count', title: 'Count', width: fittedWidth(8, count), priority: 10},
		{key: 'countPercent', title: '%', width: 4, priority: 4},
		{key: 'size', title: 'Size', width: fittedWidth(10, size), priority: 11},
		{key: 'sizePercent', title: '%', width: 4, priority: 5},
		{key: 'cum', title: 'Cum', width: 4, priority: 2},
		{key: 'max', title: 'Max', width: fittedWidth(8, max), priority: 1},
	];
	if (model.retainedSize !== undefined) {
		columns.push({key: 'retained', title: 'Retained', width: fittedWidth(10, retained), priority: 6});
	}

	if (model.hasPrevious) {
		// Against the previous dump (the trend view's are against the first: "+Count/1st").
		columns.push(
			{key: 'deltaCount', title: '+Count', width: fittedWidth(8, deltaCount), priority: 8},
			{key: 'deltaSize', title: '+Size', width: fittedWidth(10, deltaSize), priority: 9},
			{key: 'new', title: 'New', width: fittedWidth(7, news), priority: 7},
		);
	}

	return columns;
}

function percent(part: number, total: number): string {
	return total === 0 ? '0' : formatInt(part * 100 / total);
}

function summaryView(model: ExplorerModel, state: State, layout: Layout): SummaryView {
	const screen = topScreen(state);
	const rows = model.typeRows(state.sortBy, state.filter, state.sortReversed);
	const position = screen.kind === 'summary' ? screen : {cursor: 0, top: 0};
	// The sorted column is never the one dropped on a narrow terminal.
	const columns = summaryColumns(model, rows).map(column => (column.key === state.sortBy
		? {...column, priority: 100, width: Math.max(column.width, column.title.length + 3)}
		: column));
	const table = fitColumns(columns, layout.width - 1, 18);
	const title = state.filter === ''
		? summaryTitle(model.summary('size'))
		: `Filter "${state.filter}": ${formatCount(rows.totalCount)} objects, ${rows.types.length} of ${rows.allTypes} types, Total size = ${formatFixed1(rows.totalSize / 1024 / 1024)}MiB`;
	// Cumulative percentages start at the top of the list, as meliae's do.
	let cumulative = 0;
	const cumulativeAt: number[] = [];
	const last = Math.min(rows.types.length, position.top + layout.summaryRows);
	for (let index = 0; index < last; index++) {
		cumulative += rows.types[index]!.size;
		cumulativeAt.push(cumulative);
	}

	const list = window(rows.types.length, position.top, layout.summaryRows, position.cursor, layout.width, (index, width) => {
		const type = rows.types[index]!;
		const cells: Record<string, string> = {
			index: String(index),
			count: String(type.count),
			countPercent: percent(type.count, rows.totalCount),
			size: String(type.size),
			sizePercent: percent(type.size, rows.totalSize),
			cum: percent(cumulativeAt[index]!, rows.totalSize),
			max: String(type.maxSize),
			retained: String(model.typeRetained(type.typeId) ?? ''),
		};
		if (model.hasPrevious) {
			const before = model.previousType(type.type);
			cells['deltaCount'] = before === undefined ? 'new' : formatDelta(type.count - before.count);
			cells['deltaSize'] = before === undefined ? 'new' : formatDelta(type.size - before.size);
			const news = model.newCount(type.typeId);
			cells['new'] = news === undefined ? glyphs().ellipsis : String(news);
		}

		return truncateToWidth(formatRow(table, cells, safe(type.type, table.flexWidth)), width);
	}, '>');
	return {
		kind: 'summary',
		title: fit(title, layout.width),
		header: formatHeader(table, state.sortReversed ? 'Kind (smallest first)' : 'Kind', state.sortBy),
		list,
	};
}

// ------------------------------------------------------------------ objects

/** "retained sizes: computing… 45%" while the dominator tree is computed. */
function retainedNote(model: ExplorerModel): string {
	const retained = model.retained;
	return retained.status === 'computing' ? `retained sizes: computing${glyphs().ellipsis} ${Math.floor(retained.fraction * 100)}%` : '';
}

function objectsView(model: ExplorerModel, state: State, screen: ObjectsScreen, layout: Layout): ObjectsView {
	const {store} = model;
	const list = screenList(model, state, screen);
	const entries = list.entries!;
	const retained = model.retainedSize;
	const count = model.types.count(screen.typeId);
	const order = `${screen.reversed ? 'smallest' : 'largest'}${screen.order === 'retained' && retained !== undefined ? ' retained size' : ''} first`;
	const type = escapeControls(store.typeNames[screen.typeId]!);
	let context = `${type}: ${formatCount(count)} object${count === 1 ? '' : 's'}, ${order}`;
	if (screen.newOnly) {
		context = `${type}: ${formatCount(entries.length)} of ${formatCount(count)} objects new since the previous dump, ${order}`;
	}

	if (retained !== undefined) {
		context += ' (left: retained size)';
	}

	const note = retainedNote(model);
	if (note !== '') {
		context += ` ${glyphs().dot} ${note}`;
	}

	return {
		kind: 'objects',
		context: fit(context, layout.width),
		list: window(list.total, screen.top, list.height, screen.cursor, layout.width, (index, width) => {
			const ordinal = entries[index]!;
			if (retained === undefined) {
				return objectLine(store, ordinal, width);
			}

			// Retained size first, so it stays visible however long the repr.
			return padStartToWidth(compactBytes(retained[ordinal]!), 6) + ' ' + objectLine(store, ordinal, width - 7);
		}),
	};
}

// ------------------------------------------------------------------ object

/** "allocated at app.py:42 in handle_request", escaped, within `width`. */
function allocationText(frame: AllocFrame, width: number): string {
	const file = frame.file.slice(frame.file.lastIndexOf('/') + 1);
	return `allocated at ${safe(frameText({...frame, file}), Math.max(8, width - 13))}`;
}

function objectHeader(model: ExplorerModel, ordinal: number, layout: Layout): string[] {
	const {store} = model;
	const width = layout.width;
	const reach = model.reachableSize(ordinal);
	if (layout.objectHeaderLines === 1) {
		return [objectLine(store, ordinal, width, reach?.total)];
	}

	const address = store.objectAddress[ordinal]!;
	const first = `${safe(store.typeName(ordinal), Math.max(8, width - 45))} at ${address} (${hexAddress(address)})`;
	const facts = [`size ${formatCount(store.objectSize[ordinal]!)} B`];
	const length = store.length(ordinal);
	if (length !== undefined) {
		facts.push(`len ${formatCount(length)}`);
	}

	facts.push(`${formatCount(store.childCount(ordinal))} refs`, `${formatCount(store.parentCount(ordinal))} par`);
	// Retained first: what freeing this object would free; reachable after (it counts shared objects too).
	const retained = model.retainedSize;
	if (retained !== undefined) {
		facts.push(`retained ${meliaeSize(retained[ordinal]!)}`);
	} else if (model.retained.status === 'computing') {
		facts.push(`retained ${glyphs().ellipsis}`);
	}

	facts.push(reach === undefined ? `reachable ${glyphs().ellipsis}` : `reachable ${meliaeSize(reach.total)} (${formatCount(reach.reached)} object${reach.reached === 1 ? '' : 's'})`);

	const kind = store.valueKind(ordinal);
	let third: string;
	// Where tracemalloc saw it allocated (the file's last component: the full path is in `show`).
	const frames = allocatedAt(store, ordinal);
	const site = frames === undefined ? '' : allocationText(frames[0]!, width);
	if (kind === 'none') {
		third = site === '' ? (model.isDictLike(ordinal) ? 'no value (a mapping: its contents are below)' : 'no value') : site;
	} else {
		const room = site === '' ? width - 6 : Math.max(8, width - 6 - textWidth(site) - 3);
		third = `${kind === 'name' ? 'name ' : 'value'} ${valueText(store, ordinal, room)!}${site === '' ? '' : ` ${glyphs().dot} ${site}`}`;
	}

	return [
		truncateToWidth(first, width),
		truncateToWidth(facts.join(` ${glyphs().dot} `), width),
		truncateToWidth(third, width),
	];
}

function objectPreview(model: ExplorerModel, ordinal: number, layout: Layout): string[] {
	const count = previewCount(model, ordinal, layout);
	if (count === 0) {
		return [];
	}

	const {store} = model;
	const entries = refsAsDict(store, ordinal, count);
	const total = dictEntryCount(store, ordinal);
	const width = layout.width;
	// Keys get the width of the widest shown, up to a third of the line.
	const keys = entries.map(entry => fit(formatRefValue(store, entry.key), Math.max(6, Math.floor((width - 6) / 3))));
	const keyWidth = Math.max(1, ...keys.map(key => textWidth(key)));
	if (dictLayout(store, ordinal) === 'values') {
		// Only the values are in the dump: no keys to pair them with.
		const head = truncateToWidth(`values (${formatCount(total)}; ${VALUES_ONLY_NOTE}):`, width);
		return [head, ...entries.map(entry => truncateToWidth(`  ${safe(formatRefValue(store, entry.value), Math.max(0, width - 2))}`, width))];
	}

	const lines = [truncateToWidth(`contents (${formatCount(total)} ${total === 1 ? 'entry' : 'entries'}):`, width)];
	for (const [k, entry] of entries.entries()) {
		const key = padToWidth(keys[k]!, keyWidth);
		const value = fit(formatRefValue(store, entry.value), Math.max(0, width - keyWidth - 5));
		lines.push(truncateToWidth(`  ${key} : ${value}`, width));
	}

	return lines;
}

/** The references' order, as the tab line marks it: "dump order", "retained size", "size, smallest first". */
function refOrderLabel(screen: ObjectScreen): string {
	const name = screen.order === 'dump' ? 'dump order' : (screen.order === 'retained' ? 'by retained size' : 'by size');
	return screen.reversed ? `${name}, reversed` : name;
}

function objectView(model: ExplorerModel, state: State, screen: ObjectScreen, layout: Layout): ObjectView {
	const {store} = model;
	const list = screenList(model, state, screen);
	const entries = list.entries!;
	const position = screen[screen.side];
	const children = store.childCount(screen.ordinal);
	const parents = store.parentCount(screen.ordinal);
	return {
		kind: 'object',
		header: objectHeader(model, screen.ordinal, layout),
		preview: objectPreview(model, screen.ordinal, layout),
		tabs: {
			children: `children (${formatCount(children)})`,
			parents: `parents (${formatCount(parents)})`,
			side: screen.side,
			hint: `c / p / Tab ${glyphs().dot} [${refOrderLabel(screen)}]`,
		},
		list: window(list.total, position.top, list.height, position.cursor, layout.width, (index, fullWidth) => {
			const target = entries[index]!;
			// Sorted by a size: that size first, so it stays visible however long the repr.
			const sizes = screen.order === 'retained' ? model.retainedSize : (screen.order === 'size' ? store.objectSize : undefined);
			const lead = sizes === undefined ? '' : padStartToWidth(target < UNRESOLVED_BIT ? compactBytes(sizes[target]!) : '', 6) + ' ';
			const width = fullWidth - lead.length;
			if (screen.side === 'children') {
				return lead + targetLine(store, target, width);
			}

			const label = model.referenceLabel(target, screen.ordinal);
			if (label === undefined) {
				return lead + objectLine(store, target, width);
			}

			const prefix = fit(label, Math.floor(width / 2)) + ' in ';
			return lead + prefix + objectLine(store, target, width - textWidth(prefix));
		}),
	};
}

// ------------------------------------------------------------------ path, trend, help

function pathView(model: ExplorerModel, state: State, screen: PathScreen, layout: Layout): SimpleListView {
	const list = screenList(model, state, screen);
	const entries = list.entries!;
	const digits = String(Math.max(0, list.total - 1)).length;
	const path = model.pathTo(screen.ordinal);
	const edges = path.status === 'ready' ? path.path.edges : [];
	return {
		kind: 'path',
		context: fit(`path from a root, ${formatCount(list.total)} objects: how ${objectLine(model.store, screen.ordinal, layout.width)} is kept alive`, layout.width),
		list: window(list.total, screen.top, list.height, screen.cursor, layout.width, (index, width) => {
			// Each step says how the previous object refers to this one.
			const how = index === 0 ? 'root' : (edges[index] ?? '(ref)');
			const prefix = `${String(index).padStart(digits)} ${fit(how, Math.floor(width / 2))}  `;
			return prefix + objectLine(model.store, entries[index]!, width - textWidth(prefix));
		}),
	};
}

/** Growth here is since the first dump; the summary's +Count and +Size are since the previous one. */
const TREND_COLUMNS: readonly Column[] = [
	{key: 'count', title: 'Count', width: 10, priority: 5},
	{key: 'deltaCount', title: '+Count/1st', width: 12, priority: 4},
	{key: 'size', title: 'Size', width: 9, priority: 3},
	{key: 'deltaSize', title: '+Size/1st', width: 11, priority: 6},
];

/** How the views may draw: block characters only where the terminal takes UTF-8. */
export type ViewOptions = {readonly utf8: boolean};

function trendView(model: ExplorerModel, state: State, layout: Layout, options: ViewOptions): SimpleListView {
	const screen = topScreen(state);
	const position = screen.kind === 'trend' ? screen : {cursor: 0, top: 0};
	const rows = model.trendRows();
	const dumps = model.dumpCount;
	const sparkWidth = Math.max(dumps, 5) + 1;
	const columns = [...TREND_COLUMNS, {key: 'spark', title: 'Sizes', width: sparkWidth, priority: 7}];
	const table = fitColumns(columns, layout.width - 1, 12);
	return {
		kind: 'trend',
		context: fit(`growth over ${dumps} dumps (oldest to newest), biggest growth in size first`, layout.width),
		header: formatHeader(table, 'Kind'),
		list: window(rows.length, position.top, layout.listRows, position.cursor, layout.width, (index, width) => {
			const row = rows[index]!;
			const lastCount = row.counts[dumps - 1]!;
			const lastSize = row.sizes[dumps - 1]!;
			const sizeDelta = lastSize - row.sizes[0]!;
			const cells = {
				count: String(lastCount),
				deltaCount: formatDelta(lastCount - row.counts[0]!),
				size: compactBytes(lastSize),
				deltaSize: (sizeDelta > 0 ? '+' : (sizeDelta < 0 ? '-' : '')) + compactBytes(Math.abs(sizeDelta)),
				spark: ' ' + sparkline(row.sizes, {ascii: !options.utf8}),
			};
			return truncateToWidth(formatRow(table, cells, safe(row.type, table.flexWidth)), width);
		}, '>'),
	};
}

function helpView(state: State, layout: Layout): SimpleListView {
	const screen = topScreen(state);
	const top = screen.kind === 'help' ? screen.top : 0;
	const lines = helpLines(layout.width - 2);
	return {
		kind: 'help',
		context: truncateToWidth('Keys (every screen shows its most used keys at the bottom):', layout.width),
		list: window(lines.length, top, layout.helpRows, undefined, layout.width, index => lines[index]!),
	};
}

// ------------------------------------------------------------------ dominator tree

const TREE_COLUMNS: readonly Column[] = [
	{key: 'retained', title: 'Retained', width: 10, priority: 5},
	{key: 'percent', title: '%', width: 4, priority: 4},
	{key: 'size', title: 'Size', width: 6, priority: 3},
];

/** "the whole heap" or the object's repr, for titles. */
function nodeLabel(model: ExplorerModel, node: number, width: number): string {
	return node === TREE_ROOT ? 'the whole heap' : objectLine(model.store, node, width);
}

function dominatorsView(model: ExplorerModel, state: State, screen: DominatorsScreen, layout: Layout): DominatorsView {
	const width = layout.width;
	// Rows have a two-column marker ("> ") before them.
	const table = fitColumns(TREE_COLUMNS, width - 2, 20);
	const header = formatHeader(table, 'Object (held as)', 'retained');
	const dominators = model.dominators;
	const rows = model.treeRows(screen.root, screen.expanded);
	if (dominators === undefined || rows === undefined) {
		const note = retainedNote(model);
		return {
			kind: 'dominators',
			context: fit(`what ${nodeLabel(model, screen.root, width)} keeps alive`, width),
			header,
			list: window(1, 0, layout.treeRows, undefined, width, () => note === '' ? 'retained sizes are not available' : `${note}; the tree appears when they are known`),
			typesTitle: '',
			types: [],
		};
	}

	const heap = dominators.totalSize;
	const rootSize = nodeRetainedSize(dominators, screen.root);
	const context = screen.root === TREE_ROOT
		? `the biggest retainers of the whole heap (${humanBytes(heap)}), by retained size`
		: `what it keeps alive (${humanBytes(rootSize)}, ${percent(rootSize, heap)}% of the heap): ${objectLine(model.store, screen.root, width)}`;
	const list = window(rows.total, screen.top, layout.treeRows, screen.cursor, width, (index, inner) => {
		const node = rows.node[index]!;
		const depth = rows.depth[index]!;
		const indent = ' '.repeat(Math.min(2 * depth, Math.floor(inner / 3)));
		if (rows.kind[index] === ROW_MORE) {
			const shown = screen.expanded.get(node) ?? 0;
			const more = dominatedCountOf(model, node) - shown;
			const blank = ' '.repeat(table.columns.reduce((sum, column) => sum + column.width, 0) + 1);
			return truncateToWidth(blank + `${indent}${glyphs().ellipsis} ${formatCount(more)} more (Enter shows ${Math.min(more, 100)} more)`, inner);
		}

		const retained = nodeRetainedSize(dominators, node);
		const cells = {
			retained: compactBytes(retained),
			percent: percent(retained, heap),
			size: node === TREE_ROOT ? '' : compactBytes(model.store.objectSize[node]!),
		};
		const children = dominatedCountOf(model, node);
		const mark = children === 0 ? '  ' : (screen.expanded.has(node) ? '- ' : '+ ');
		let text: string;
		if (node === TREE_ROOT) {
			text = `${mark}all objects (${formatCount(dominators.objectCount)})`;
		} else {
			const parent = rows.parentRow[index]! >= 0 ? rows.node[rows.parentRow[index]!]! : TREE_ROOT;
			const label = parent === TREE_ROOT ? undefined : model.referenceLabel(parent, node);
			const edge = label === undefined ? '' : fit(label, Math.max(8, Math.floor(table.flexWidth / 3))) + ' ';
			const head = indent + mark + edge;
			text = head + objectLine(model.store, node, Math.max(0, table.flexWidth - textWidth(head)));
		}

		return truncateToWidth(formatRow(table, cells, text), inner);
	});
	// The retained set of the selected node, by type.
	let typesTitle = '';
	const types: string[] = [];
	if (layout.treeTypeRows > 0 && screen.cursor < rows.total && rows.kind[screen.cursor] !== ROW_MORE) {
		const node = rows.node[screen.cursor]!;
		const set = model.retainedSet(node);
		const what = node === TREE_ROOT ? 'the whole heap' : `${safe(model.store.typeName(node), 30)}@${model.store.objectAddress[node]}`;
		if (set === undefined) {
			typesTitle = `kept alive by ${what}, by type: counting${glyphs().ellipsis}`;
		} else {
			const shown = Math.min(layout.treeTypeRows, set.types.length);
			const of = set.types.length > shown ? `${shown} of ${set.types.length} types` : `${set.types.length} type${set.types.length === 1 ? '' : 's'}`;
			typesTitle = `kept alive by ${what}: ${formatCount(set.count)} object${set.count === 1 ? '' : 's'}, ${humanBytes(set.size)}; by type (${of}):`;
			const countWidth = Math.max(5, ...set.types.slice(0, layout.treeTypeRows).map(row => formatCount(row.count).length));
			for (const row of set.types.slice(0, layout.treeTypeRows)) {
				const line = `  ${formatCount(row.count).padStart(countWidth)} ${compactBytes(row.size).padStart(6)} ${percent(row.size, set.size).padStart(3)}%  `;
				types.push(truncateToWidth(line + safe(row.type, Math.max(0, width - line.length)), width));
			}
		}
	}

	return {kind: 'dominators', context: fit(context, width), header, list, typesTitle: fit(typesTitle, width), types};
}

function dominatedCountOf(model: ExplorerModel, node: number): number {
	return dominatedCount(model.dominators!, node);
}

// ------------------------------------------------------------------ leaks

function leaksView(model: ExplorerModel, screen: LeaksScreen, layout: Layout): SimpleListView {
	const width = layout.width;
	const leaks = model.leaks;
	if (leaks === undefined) {
		const pending = model.leaksPending() ?? '';
		const note = retainedNote(model);
		return {
			kind: 'leaks',
			context: fit(`leak candidates, by owner`, width),
			list: window(1, 0, layout.listRows, undefined, width, () => `${pending}${glyphs().ellipsis}${note === '' ? '' : ` (${note})`}`),
		};
	}

	const {grouping} = leaks;
	const name = (file: string): string => safe(baseName(file), 24);
	const what = leaks.dumps === 3
		? `new in ${name(model.older.at(-1)!.file)}, still in ${name(model.current.file)}`
		: `new in ${name(model.current.file)}`;
	const context = grouping.total === 0
		? `leak candidates: none (no object ${what})`
		: `${grouping.groups.length} group${grouping.groups.length === 1 ? '' : 's'} by owner: ${formatCount(grouping.total)} objects (${humanBytes(grouping.totalSize)}) ${what}`;
	const table = fitColumns([
		{key: 'count', title: 'Count', width: 7, priority: 3},
		{key: 'size', title: 'Retained', width: 11, priority: 4},
	], width - 1, 20);
	return {
		kind: 'leaks',
		context: fit(context, width),
		header: formatHeader(table, 'Type, held by (owner and its dominators)', 'size'),
		list: window(grouping.groups.length, screen.top, layout.listRows, screen.cursor, width, (index, inner) => {
			const group = grouping.groups[index]!;
			const owner = group.owner.length === 0
				? 'several roots'
				: Array.from(group.owner, ordinal => safe(model.store.typeName(ordinal), 40)).join(` ${glyphs().heldBy} `);
			const nested = group.nested > 0 ? ` (+${formatCount(group.nested)} inside)` : '';
			const text = `${safe(group.type, 30)}${nested} held by ${owner}`;
			return truncateToWidth(formatRow(table, {count: String(group.count), size: compactBytes(group.size)}, text), inner);
		}, '>'),
	};
}

// ------------------------------------------------------------------ waste

function wasteView(model: ExplorerModel, screen: WasteScreen, layout: Layout): SimpleListView {
	const width = layout.width;
	const waste = model.waste;
	if (waste === undefined) {
		return {
			kind: 'waste',
			context: fit('waste: what would save memory', width),
			list: window(1, 0, layout.summaryRows, undefined, width, (_index, inner) => fit(`computing${model.wasteProgress === '' ? '' : ` ${model.wasteProgress}`}${glyphs().ellipsis}`, inner)),
		};
	}

	const {rows} = waste;
	const total = rows.reduce((sum, row) => sum + (row.header ? row.bytes : 0), 0);
	const table = fitColumns([{key: 'bytes', title: 'Bytes', width: 9, priority: 4}], width - 1, 20);
	return {
		kind: 'waste',
		context: fit(`waste: ${humanBytes(total)} that a fix would save, by kind`, width),
		header: formatHeader(table, 'Kind, then its top findings', 'bytes'),
		list: window(rows.length, screen.top, layout.summaryRows, screen.cursor, width, (index, inner) => {
			const row = rows[index]!;
			const text = row.header ? fit(row.text, 4096) : `  ${fit(row.text, 4096)}`;
			return truncateToWidth(formatRow(table, {bytes: compactBytes(row.bytes)}, text), inner);
		}, '>'),
	};
}

function groupView(model: ExplorerModel, state: State, screen: GroupScreen, layout: Layout): SimpleListView {
	const width = layout.width;
	const list = screenList(model, state, screen);
	const entries = list.entries!;
	const group = model.leaks?.grouping.groups[screen.group];
	const retained = model.retainedSize;
	const owner = group === undefined || group.owner.length === 0 ? 'several roots' : labelChain(model.store, group.owner);
	return {
		kind: 'group',
		context: fit(`${formatCount(entries.length)} ${safe(group?.type ?? '', 30)} held by ${fit(owner, 4 * width)}`, width),
		list: window(list.total, screen.top, list.height, screen.cursor, width, (index, inner) => {
			const ordinal = entries[index]!;
			const size = retained === undefined ? '' : padStartToWidth(compactBytes(retained[ordinal]!), 6) + ' ';
			return size + objectLine(model.store, ordinal, inner - textWidth(size));
		}),
	};
}

function valueView(model: ExplorerModel, screen: ValueScreen, layout: Layout): SimpleListView {
	const lines = valueLines(model, screen.ordinal, layout.width);
	const {store} = model;
	const kind = store.valueKind(screen.ordinal) === 'name' ? 'name' : 'value';
	const length = store.value(screen.ordinal)?.length ?? 0;
	return {
		kind: 'value',
		context: fit(`${kind} of ${objectLine(store, screen.ordinal, 40)}: ${formatCount(length)} characters, escaped`, layout.width),
		list: window(lines.length, screen.top, layout.listRows, undefined, layout.width, index => lines[index]!),
	};
}

// ------------------------------------------------------------------ chrome

function crumb(model: ExplorerModel, screen: Screen, state: State): string {
	const {store} = model;
	switch (screen.kind) {
		case 'summary': { return state.filter === '' ? 'Summary' : `Summary /${fit(state.filter, 30)}`; }
		case 'objects': { return escapeControls(store.typeNames[screen.typeId]!) + (screen.newOnly ? ' (new)' : ''); }
		case 'object': { return `${escapeControls(store.typeName(screen.ordinal))}@${store.objectAddress[screen.ordinal]}`; }
		case 'path': { return 'path'; }
		case 'trend': { return 'Trend'; }
		case 'help': { return 'Help'; }
		case 'dominators': { return screen.root === TREE_ROOT ? 'Retainers' : `retains ${escapeControls(store.typeName(screen.root))}`; }
		case 'leaks': { return 'Leaks'; }
		case 'group': { return `group ${screen.group + 1}`; }
		case 'value': { return 'value'; }
		case 'waste': { return 'Waste'; }
	}
}

/** The file name without directories (the full name may be long). */
function baseName(file: string): string {
	const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
	return slash >= 0 ? file.slice(slash + 1) : file;
}

const CRUMB_SEPARATOR = ' > ';
/** The file name is never cut shorter than this to make room (it names the dump). */
const MIN_FILE_WIDTH = 16;

/**
 * The crumbs in `room` columns, shortened no further than `level` allows:
 * 0 whole; 1 the file name elided in the middle (keeping its pid and time)
 * down to MIN_FILE_WIDTH; 2 also the first crumbs after the file dropped
 * (`file > … > last`), the last crumb always kept. Undefined when it does
 * not fit.
 */
function fitCrumbs(file: string, older: string, crumbs: readonly string[], room: number, level: number): string | undefined {
	const join = (name: string, kept: readonly string[], dropped: boolean): string =>
		[name + older, ...(dropped ? [glyphs().ellipsis] : []), ...kept].join(CRUMB_SEPARATOR);
	const full = join(file, crumbs, false);
	if (textWidth(full) <= room) {
		return full;
	}

	if (level < 1) {
		return undefined;
	}

	const fileRoom = room - textWidth(join('', crumbs, false));
	if (fileRoom >= Math.min(MIN_FILE_WIDTH, textWidth(file))) {
		return join(truncateMiddle(file, fileRoom), crumbs, false);
	}

	if (level < 2) {
		return undefined;
	}

	const short = truncateMiddle(file, MIN_FILE_WIDTH);
	for (let first = 1; first < crumbs.length; first++) {
		const candidate = join(short, crumbs.slice(first), true);
		if (textWidth(candidate) <= room) {
			return candidate;
		}
	}

	return undefined;
}

function breadcrumb(model: ExplorerModel, state: State, width: number): string {
	const dumps = model.dumpCount;
	const file = safe(baseName(model.current.file), 60);
	const older = dumps > 1 ? ` (+${dumps - 1} older)` : '';
	// Every piece is made safe before joining, so cutting can only drop whole characters.
	const crumbs = state.stack.map(screen => fit(crumb(model, screen, state), 60));
	// Beside the dump's total, what the process held: the difference is native
	// memory, fragmentation and allocator caches, which a dump cannot see.
	// The note is shortened first, then the crumbs, to make room for it.
	const rss = model.current.rssBytes;
	if (rss !== undefined) {
		const size = humanBytes(rss);
		for (let level = 0; level <= 2; level++) {
			for (const note of [`process RSS ${size} at dump time`, `process RSS ${size}`, `RSS ${size}`]) {
				const path = fitCrumbs(file, older, crumbs, width - textWidth(note) - 2, level);
				if (path !== undefined) {
					return path + ' '.repeat(width - textWidth(path) - textWidth(note)) + note;
				}
			}
		}
	}

	return fitCrumbs(file, older, crumbs, width, 2) ?? truncateLeft([file + older, ...crumbs].join(CRUMB_SEPARATOR), width);
}

export function scopeOf(state: State): Scope {
	return state.prompt === undefined ? topScreen(state).kind : 'prompt';
}

const PROMPT_LABELS = {filter: 'filter types: ', search: 'search: ', goto: 'go to address: '} as const;

function hint(model: ExplorerModel, state: State): string {
	const screen = topScreen(state);
	switch (screen.kind) {
		case 'summary': {
			const note = retainedNote(model);
			const dot = ` ${glyphs().dot} `;
			const order = `sorted by ${SORT_NAMES[state.sortBy]}${state.sortReversed ? ', smallest first' : ''} (s: by ${SORT_NAMES[nextSort(model, state.sortBy)]})`;
			if (note !== '') {
				return `${order}${dot}${note}`;
			}

			return model.hasPrevious ? `${order}${dot}L: leaks${dot}t: trend${dot}R: retainers` : `${order}${dot}R: what keeps memory alive`;
		}

		case 'objects': {
			const parts = [model.hasPrevious ? (screen.newOnly ? 'd: all objects' : 'd: only new objects') : 'Enter: open the object'];
			if (model.retainedSize !== undefined) {
				parts.push(screen.order === 'size' ? 's: by retained size' : 's: by size');
			}

			parts.push('r: path from a root');
			if (screen.search !== '') {
				parts.push(`n/N: next/previous "${fit(screen.search, 30)}"`);
			}

			return parts.join(` ${glyphs().dot} `);
		}

		case 'object': {
			return screen.search === '' ? `Enter: go to the selected reference ${glyphs().dot} r: path from a root` : `n/N: next/previous "${fit(screen.search, 30)}"`;
		}

		case 'path': { return 'Enter: open a step'; }
		case 'trend': { return 'Enter: the objects of a type'; }
		case 'help': { return '? or Esc: close'; }
		case 'dominators': {
			const note = retainedNote(model);
			return note === '' ? ['Enter/Right: expand', 'Left: collapse', 'o: object', 'R: tree below', 'r: path'].join(` ${glyphs().dot} `) : note;
		}

		case 'leaks': { return model.leaks === undefined ? `${model.leaksPending() ?? ''}${glyphs().ellipsis}` : `Enter: the objects of a group ${glyphs().dot} r: path to one of them`; }
		case 'group': { return ['Enter: open the object', 'r: path from a root', 'R: what it keeps alive'].join(` ${glyphs().dot} `); }
		case 'value': { return 'Esc: back'; }
		case 'waste': { return model.waste === undefined ? `computing${glyphs().ellipsis}` : `Enter: the object or type of a finding ${glyphs().dot} Esc: back`; }
	}
}

function chrome(model: ExplorerModel, state: State, layout: Layout): Chrome {
	const width = layout.width;
	const screen = topScreen(state);
	let status: Chrome['status'];
	if (state.prompt !== undefined) {
		const label = PROMPT_LABELS[state.prompt.kind];
		// The end of what is typed stays visible.
		const typed = truncateLeft(fit(state.prompt.text, 4096), Math.max(1, width - label.length - 1));
		status = {text: label + typed, tone: 'info', prompt: true};
	} else {
		const list = screenList(model, state, screen);
		const position = positionOf(screen);
		const where = screen.kind === 'help' || screen.kind === 'value'
			? `${Math.min(list.total, position.top + 1)}-${Math.min(list.total, position.top + list.height)} of ${list.total}`
			: (list.total === 0 ? 'empty' : `${formatCount(position.cursor + 1)} of ${formatCount(list.total)}`);
		const message = state.status?.text ?? hint(model, state);
		const room = Math.max(0, width - textWidth(where) - 2);
		const left = truncateToWidth(message, room);
		const gap = Math.max(2, width - textWidth(left) - textWidth(where));
		status = {
			text: truncateToWidth(left + ' '.repeat(gap) + where, width),
			tone: state.status?.tone ?? 'info',
			prompt: false,
		};
	}

	return {
		breadcrumb: breadcrumb(model, state, width),
		status,
		footer: truncateToWidth(footerText(scopeOf(state)), width),
	};
}

// ------------------------------------------------------------------ frame

export function selectScreen(model: ExplorerModel, state: State, layout: Layout = layoutOf(state), options: ViewOptions = {utf8: true}): ScreenView {
	const screen = topScreen(state);
	switch (screen.kind) {
		case 'summary': { return summaryView(model, state, layout); }
		case 'objects': { return objectsView(model, state, screen, layout); }
		case 'object': { return objectView(model, state, screen, layout); }
		case 'path': { return pathView(model, state, screen, layout); }
		case 'trend': { return trendView(model, state, layout, options); }
		case 'help': { return helpView(state, layout); }
		case 'dominators': { return dominatorsView(model, state, screen, layout); }
		case 'leaks': { return leaksView(model, screen, layout); }
		case 'group': { return groupView(model, state, screen, layout); }
		case 'value': { return valueView(model, screen, layout); }
		case 'waste': { return wasteView(model, screen, layout); }
	}
}

export function selectFrame(model: ExplorerModel, state: State, options: ViewOptions = {utf8: true}): FrameView {
	const layout = layoutOf(state);
	return {layout, chrome: chrome(model, state, layout), screen: selectScreen(model, state, layout, options)};
}

/** Loading: "[#####-----] 45%  123.4 / 274.2 MB  1,234,567 objects  85.3 MB/s". */
export function progressBar(done: number, total: number | undefined, width: number): string {
	if (total === undefined || total <= 0) {
		return '';
	}

	const fraction = Math.min(1, Math.max(0, done / total));
	const inner = Math.max(0, width - 2);
	const filled = Math.round(fraction * inner);
	return `[${'#'.repeat(filled)}${'-'.repeat(inner - filled)}]`;
}
