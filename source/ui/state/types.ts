/**
 * The explorer's whole UI state: a stack of screens (Back pops), each
 * keeping its own cursor and scroll, plus the summary's sort and filter,
 * the open prompt, the status message and requests for side effects
 * (clipboard, quit) that the root component carries out.
 */

import type {Command} from '../keymap.js';
import type {TerminalSize} from '../layout.js';

/**
 * The summary's order: meliae's two, retained size once the dominator tree
 * is known, and with several dumps the change since the previous one
 * (+count, +size) and the objects new in the newest.
 */
export type SortKey = 'size' | 'count' | 'retained' | 'deltaCount' | 'deltaSize' | 'new';

/** The order of an object's children or parents. */
export type RefOrder = 'dump' | 'retained' | 'size';

/** Cursor (selected row) and top (first visible row) of a list. */
export type ListPosition = {readonly cursor: number; readonly top: number};

export type SummaryScreen = ListPosition & {readonly kind: 'summary'};

export type ObjectsScreen = ListPosition & {
	readonly kind: 'objects';
	readonly typeId: number;
	/** Only objects new since the previous dump. */
	readonly newOnly: boolean;
	/** get_all order (size), or retained size once known. */
	readonly order: 'size' | 'retained';
	/** Smallest first. */
	readonly reversed: boolean;
	/** The last search, for n / N. */
	readonly search: string;
};

export type RefsSide = 'children' | 'parents';

export type ObjectScreen = {
	readonly kind: 'object';
	readonly ordinal: number;
	readonly side: RefsSide;
	readonly children: ListPosition;
	readonly parents: ListPosition;
	readonly search: string;
	/** Order of both lists, and whether it is reversed. */
	readonly order: RefOrder;
	readonly reversed: boolean;
};

export type PathScreen = ListPosition & {
	readonly kind: 'path';
	/** The object the path leads to. */
	readonly ordinal: number;
	readonly search: string;
};

export type TrendScreen = ListPosition & {readonly kind: 'trend'};

export type HelpScreen = ListPosition & {readonly kind: 'help'};

/**
 * The dominator tree below `root` (an ordinal, or TREE_ROOT: the whole
 * heap). `expanded` maps each expanded node to how many of its children
 * are shown (a page at a time); a node appears once in a dominator tree,
 * so its ordinal names its row.
 */
export type DominatorsScreen = ListPosition & {
	readonly kind: 'dominators';
	readonly root: number;
	readonly expanded: ReadonlyMap<number, number>;
};

/** The leak candidates grouped by owner. */
export type LeaksScreen = ListPosition & {readonly kind: 'leaks'};

/** The outermost candidates of one group of the leaks screen, largest retained size first. */
export type GroupScreen = ListPosition & {
	readonly kind: 'group';
	readonly group: number;
	readonly search: string;
};

/** An object's whole value (or name), wrapped. */
export type ValueScreen = ListPosition & {readonly kind: 'value'; readonly ordinal: number};

/** The waste inspections: a header row per kind, its top findings below. */
export type WasteScreen = ListPosition & {readonly kind: 'waste'};

export type Screen = SummaryScreen | ObjectsScreen | ObjectScreen | PathScreen | TrendScreen | HelpScreen
	| DominatorsScreen | LeaksScreen | GroupScreen | ValueScreen | WasteScreen;

export type PromptKind = 'filter' | 'search' | 'goto';

export type Prompt = {
	readonly kind: PromptKind;
	readonly text: string;
};

export type Status = {
	readonly text: string;
	readonly tone: 'info' | 'error';
};

/** A search over a list too long to scan within one key press, running in the background. */
export type PendingSearch = {
	readonly id: number;
	readonly needle: string;
	readonly direction: 1 | -1;
	readonly from: number;
	/** Which list it runs on (see searchTarget); a result for another list is dropped. */
	readonly target: string;
};

export type State = {
	readonly size: TerminalSize;
	/** Never empty; the last screen is shown. */
	readonly stack: readonly Screen[];
	readonly sortBy: SortKey;
	/** The summary's order reversed (smallest first). */
	readonly sortReversed: boolean;
	/** The summary's type filter (the prompt's text while it is typed). */
	readonly filter: string;
	readonly prompt: Prompt | undefined;
	readonly status: Status | undefined;
	/** Text to put on the clipboard; `serial` changes with each request. */
	readonly clipboard: {readonly text: string; readonly serial: number} | undefined;
	readonly search: PendingSearch | undefined;
	/** A path from a root being computed (it can take a second on millions of objects). */
	readonly pathRequest: {readonly id: number; readonly ordinal: number; readonly target: string} | undefined;
	/** Numbers background requests, so a late result of an old one is recognised. */
	readonly serial: number;
	/** Bumped when background work finishes, so views read the new results. */
	readonly version: number;
	readonly quit: boolean;
};

export type Action =
	| {readonly type: 'command'; readonly command: Command}
	| {readonly type: 'text'; readonly text: string}
	| {readonly type: 'resize'; readonly size: TerminalSize}
	| {readonly type: 'computed'}
	| {readonly type: 'searchProgress'; readonly id: number; readonly fraction: number}
	| {readonly type: 'searchDone'; readonly id: number; readonly result: {readonly index: number; readonly wrapped: boolean} | undefined}
	| {readonly type: 'pathDone'; readonly id: number}
	| {readonly type: 'status'; readonly status: Status | undefined};
