/**
 * Every key of the explorer, as data: the commands, where each applies, the
 * keys bound to it and its help text. The matcher, the help screen, the
 * footer and the README key table are all generated from this table, so
 * they cannot disagree.
 */

import type {Key} from 'ink';
import {truncateToWidth} from '../core/format/escape.js';

/** Where a key is read: one scope per screen, plus the text prompt. */
export type Scope = 'summary' | 'objects' | 'object' | 'path' | 'trend' | 'dominators' | 'leaks' | 'group' | 'value' | 'waste' | 'help' | 'prompt' | 'loading';

export const SCOPES: readonly Scope[] = ['summary', 'objects', 'object', 'path', 'trend', 'dominators', 'leaks', 'group', 'value', 'waste', 'help', 'prompt', 'loading'];

export type Command =
	| 'up'
	| 'down'
	| 'pageUp'
	| 'pageDown'
	| 'home'
	| 'end'
	| 'open'
	| 'back'
	| 'filter'
	| 'toggleSort'
	| 'reverseSort'
	| 'search'
	| 'searchNext'
	| 'searchPrevious'
	| 'showChildren'
	| 'showParents'
	| 'switchRefs'
	| 'gotoAddress'
	| 'copyAddress'
	| 'pathToObject'
	| 'toggleNewOnly'
	| 'trend'
	| 'dominatorTree'
	| 'collapse'
	| 'close'
	| 'openObject'
	| 'leaks'
	| 'waste'
	| 'fullValue'
	| 'suspend'
	| 'help'
	| 'quit'
	| 'interrupt'
	| 'promptAccept'
	| 'promptCancel'
	| 'promptErase'
	| 'promptClear';

/**
 * A key as the matcher names it: a printable character as itself ("j",
 * "G", "/"), or one of the names below, or "ctrl+<letter>".
 */
export type KeyName =
	| 'up' | 'down' | 'left' | 'right' | 'pageup' | 'pagedown' | 'home' | 'end'
	| 'enter' | 'esc' | 'tab' | 'shift+tab' | 'backspace' | 'space'
	| `ctrl+${string}`
	| string;

export type Binding = {
	readonly keys: readonly KeyName[];
	readonly scopes: readonly Scope[];
	/** One line for the help screen and the README. */
	readonly help: string;
	/** Short label for the footer; commands without one never appear there. */
	readonly footer?: string;
};

const LISTS: readonly Scope[] = ['summary', 'objects', 'object', 'path', 'trend', 'dominators', 'leaks', 'group', 'value', 'waste', 'help'];
const BROWSING: readonly Scope[] = ['summary', 'objects', 'object', 'path', 'trend', 'dominators', 'leaks', 'group', 'waste'];
const OBJECT_LISTS: readonly Scope[] = ['objects', 'object', 'path', 'group'];
/** Screens whose rows are objects. */
const WITH_OBJECTS: readonly Scope[] = ['objects', 'object', 'path', 'group', 'dominators'];
const ALL: readonly Scope[] = SCOPES;

export const BINDINGS: {readonly [C in Command]: Binding} = {
	up: {keys: ['up', 'k'], scopes: LISTS, help: 'move up', footer: 'move'},
	down: {keys: ['down', 'j'], scopes: LISTS, help: 'move down'},
	pageUp: {keys: ['pageup', 'b', 'ctrl+b'], scopes: LISTS, help: 'one page up'},
	pageDown: {keys: ['pagedown', 'space', 'ctrl+f'], scopes: LISTS, help: 'one page down'},
	home: {keys: ['home', 'g'], scopes: LISTS, help: 'first row'},
	end: {keys: ['end', 'G'], scopes: LISTS, help: 'last row'},
	open: {keys: ['enter', 'right', 'l'], scopes: BROWSING, help: 'open the selected row (in the dominator tree: expand it, or show more)', footer: 'open'},
	back: {keys: ['backspace', 'esc', 'left', 'h'], scopes: ['objects', 'object', 'path', 'trend', 'leaks', 'group', 'value', 'waste', 'help', 'summary'], help: 'back one step (on the summary: clear the filter)', footer: 'back'},
	collapse: {keys: ['left', 'h'], scopes: ['dominators'], help: 'collapse the selected node (or go to its parent)', footer: 'collapse'},
	close: {keys: ['esc', 'backspace'], scopes: ['dominators'], help: 'leave the dominator tree', footer: 'back'},
	filter: {keys: ['/'], scopes: ['summary'], help: 'filter types by name (Enter keeps, Esc clears)', footer: 'filter'},
	toggleSort: {keys: ['s'], scopes: ['summary', 'objects', 'object'], help: 'next sort order (summary: size, count, retained, +count, +size, new; references: retained, size, dump order)', footer: 'sort'},
	reverseSort: {keys: ['S'], scopes: ['summary', 'objects', 'object'], help: 'reverse the sort order'},
	search: {keys: ['/'], scopes: OBJECT_LISTS, help: 'search by value, name, type or address', footer: 'search'},
	searchNext: {keys: ['n'], scopes: OBJECT_LISTS, help: 'next match'},
	searchPrevious: {keys: ['N'], scopes: OBJECT_LISTS, help: 'previous match'},
	showChildren: {keys: ['c'], scopes: ['object'], help: 'show what the object refers to (children)'},
	showParents: {keys: ['p'], scopes: ['object'], help: 'show what refers to the object (parents)'},
	switchRefs: {keys: ['tab', 'shift+tab'], scopes: ['object'], help: 'switch between children and parents', footer: 'children/parents'},
	gotoAddress: {keys: [':', '@'], scopes: BROWSING, help: 'go to an address (decimal or 0x-hex)', footer: 'address'},
	copyAddress: {keys: ['y'], scopes: WITH_OBJECTS, help: 'copy the selected address (OSC 52: over SSH too)'},
	pathToObject: {keys: ['r'], scopes: ['objects', 'object', 'group', 'leaks', 'dominators'], help: 'path from a root to the selected object (leaks: to one object of the group)'},
	toggleNewOnly: {keys: ['d'], scopes: ['objects'], help: 'only objects new since the previous dump'},
	trend: {keys: ['t'], scopes: ['summary'], help: 'growth of each type over the dumps'},
	dominatorTree: {keys: ['R'], scopes: ['summary', ...WITH_OBJECTS], help: 'what the object keeps alive: its dominator tree and retained set by type (summary: the whole heap)', footer: 'retains'},
	openObject: {keys: ['o'], scopes: ['dominators'], help: 'open the selected object', footer: 'object'},
	leaks: {keys: ['L'], scopes: BROWSING, help: 'leak candidates grouped by owner (several dumps)'},
	waste: {keys: ['W'], scopes: ['summary'], help: 'wasted memory: duplicate strings, empty and oversized containers, instance dicts; Enter opens a finding'},
	fullValue: {keys: ['v'], scopes: WITH_OBJECTS, help: 'the whole value (or name) of the object, wrapped'},
	suspend: {keys: ['ctrl+z'], scopes: LISTS, help: 'suspend (fg resumes)'},
	help: {keys: ['?'], scopes: LISTS, help: 'show or hide this help', footer: 'help'},
	quit: {keys: ['q'], scopes: LISTS, help: 'quit', footer: 'quit'},
	interrupt: {keys: ['ctrl+c'], scopes: ALL, help: 'quit at once (also while loading or typing)'},
	promptAccept: {keys: ['enter'], scopes: ['prompt'], help: 'accept what was typed', footer: 'accept'},
	promptCancel: {keys: ['esc'], scopes: ['prompt'], help: 'cancel (a filter is cleared)', footer: 'cancel'},
	promptErase: {keys: ['backspace'], scopes: ['prompt'], help: 'erase one character'},
	promptClear: {keys: ['ctrl+u'], scopes: ['prompt'], help: 'erase the whole line', footer: 'erase'},
};

export const COMMANDS = Object.keys(BINDINGS) as Command[];

/** Which commands the footer shows on each scope, in order (4 to 6 of them). */
export const FOOTER: {readonly [S in Scope]: readonly Command[]} = {
	summary: ['open', 'filter', 'toggleSort', 'gotoAddress', 'help', 'quit'],
	objects: ['open', 'search', 'back', 'gotoAddress', 'help', 'quit'],
	object: ['open', 'switchRefs', 'back', 'search', 'help', 'quit'],
	path: ['open', 'back', 'search', 'help', 'quit'],
	trend: ['open', 'back', 'help', 'quit'],
	dominators: ['open', 'collapse', 'openObject', 'close', 'help', 'quit'],
	leaks: ['open', 'pathToObject', 'back', 'help', 'quit'],
	group: ['open', 'back', 'search', 'help', 'quit'],
	value: ['up', 'back', 'quit'],
	waste: ['open', 'back', 'help', 'quit'],
	help: ['up', 'back', 'quit'],
	prompt: ['promptAccept', 'promptCancel', 'promptClear'],
	loading: ['interrupt'],
};

/** The name of a key press as Ink reports it, or undefined for keys the explorer ignores. */
export function keyName(input: string, key: Key): KeyName | undefined {
	if (key.upArrow) {
		return 'up';
	}

	if (key.downArrow) {
		return 'down';
	}

	if (key.leftArrow) {
		return 'left';
	}

	if (key.rightArrow) {
		return 'right';
	}

	if (key.pageUp) {
		return 'pageup';
	}

	if (key.pageDown) {
		return 'pagedown';
	}

	if (key.home) {
		return 'home';
	}

	if (key.end) {
		return 'end';
	}

	if (key.return || input === '\n' || input === '\r') {
		return 'enter';
	}

	if (key.escape) {
		return 'esc';
	}

	if (key.tab) {
		return key.shift ? 'shift+tab' : 'tab';
	}

	// Most terminals send DEL (0x7f) for Backspace, which Ink reports as
	// `delete`; Ctrl-H sends BS, reported as `backspace`.
	if (key.backspace || key.delete) {
		return 'backspace';
	}

	if (key.ctrl && input.length === 1) {
		return `ctrl+${input.toLowerCase()}`;
	}

	if (input === ' ') {
		return 'space';
	}

	if (input.length === 1 && !key.meta) {
		return input;
	}

	return undefined;
}

export type KeyEvent = {readonly input: string; readonly key: Key};

const NO_KEY: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
	home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false,
	backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false,
};

/** A Key with the given flags set (tests, and splitting chunks below). */
export function makeKey(flags: Partial<Key> = {}): Key {
	return {...NO_KEY, ...flags};
}

function charEvent(char: string): KeyEvent {
	const code = char.codePointAt(0)!;
	if (char === '\r' || char === '\n') {
		return {input: '\r', key: makeKey({return: true})};
	}

	if (char === '\t') {
		return {input: '', key: makeKey({tab: true})};
	}

	if (char === '\u007F') {
		return {input: '', key: makeKey({delete: true})};
	}

	if (char === '\b') {
		return {input: '', key: makeKey({backspace: true})};
	}

	if (code < 0x20) {
		return {input: String.fromCodePoint(code + 0x60), key: makeKey({ctrl: true})};
	}

	return {input: char, key: makeKey({shift: /^[A-Z]$/.test(char)})};
}

/**
 * One event per key. Ink hands over whatever one read returned: over a slow
 * link (or when keys are typed ahead) that can be several keys, "jjj" or
 * "0x1f\r", and Esc followed at once by a key arrives as that key with
 * `meta`. Split those, so every key counts.
 */
export function splitKeys(input: string, key: Key): KeyEvent[] {
	const special = key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown
		|| key.home || key.end || key.escape || key.tab || key.backspace || key.delete || key.ctrl;
	if (special) {
		return [{input, key}];
	}

	if (key.meta && [...input].length === 1) {
		return [{input: '', key: makeKey({escape: true, meta: true})}, charEvent(input)];
	}

	const chars = [...input];
	if (chars.length <= 1) {
		return [{input, key}];
	}

	return chars.map(char => charEvent(char));
}

type Table = ReadonlyMap<Scope, ReadonlyMap<KeyName, Command>>;

function buildTable(): Table {
	const table = new Map<Scope, Map<KeyName, Command>>();
	for (const scope of SCOPES) {
		table.set(scope, new Map());
	}

	for (const command of COMMANDS) {
		const binding = BINDINGS[command];
		for (const scope of binding.scopes) {
			const keys = table.get(scope)!;
			for (const key of binding.keys) {
				// The first binding wins; keymap tests report any clash.
				if (!keys.has(key)) {
					keys.set(key, command);
				}
			}
		}
	}

	return table;
}

const TABLE = buildTable();

/** The command a key runs on a scope, if any. Pure. */
export function matchKey(scope: Scope, input: string, key: Key): Command | undefined {
	const name = keyName(input, key);
	return name === undefined ? undefined : TABLE.get(scope)!.get(name);
}

/** Text a key adds to a prompt: printable input that is not a command there. */
export function promptText(input: string, key: Key): string | undefined {
	if (key.ctrl || key.meta || key.return || key.escape || key.tab || key.backspace || key.delete
		|| key.upArrow || key.downArrow || key.leftArrow || key.rightArrow
		|| key.pageUp || key.pageDown || key.home || key.end) {
		return undefined;
	}

	// Pasted text arrives in one piece; keep its printable characters.
	// eslint-disable-next-line no-control-regex
	const text = input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
	return text === '' ? undefined : text;
}

/** Every (scope, key) bound to more than one command: must be empty. */
export function keyClashes(): Array<{scope: Scope; key: KeyName; commands: Command[]}> {
	const clashes: Array<{scope: Scope; key: KeyName; commands: Command[]}> = [];
	for (const scope of SCOPES) {
		const seen = new Map<KeyName, Command[]>();
		for (const command of COMMANDS) {
			const binding = BINDINGS[command];
			if (!binding.scopes.includes(scope)) {
				continue;
			}

			for (const key of binding.keys) {
				seen.set(key, [...(seen.get(key) ?? []), command]);
			}
		}

		for (const [key, commands] of seen) {
			if (commands.length > 1) {
				clashes.push({scope, key, commands});
			}
		}
	}

	return clashes;
}

const KEY_LABELS: Record<string, string> = {
	up: 'Up',
	down: 'Down',
	left: 'Left',
	right: 'Right',
	pageup: 'PgUp',
	pagedown: 'PgDn',
	home: 'Home',
	end: 'End',
	enter: 'Enter',
	esc: 'Esc',
	tab: 'Tab',
	'shift+tab': 'Shift-Tab',
	backspace: 'Backspace',
	space: 'Space',
};

/** How a key is written in help and the footer: "Enter", "PgDn", "Ctrl-C", "j". */
export function keyLabel(key: KeyName): string {
	const label = KEY_LABELS[key];
	if (label !== undefined) {
		return label;
	}

	if (key.startsWith('ctrl+')) {
		return `Ctrl-${key.slice(5).toUpperCase()}`;
	}

	return key;
}

const SCOPE_TITLES: {readonly [S in Scope]: string} = {
	summary: 'summary',
	objects: 'object list',
	object: 'object view',
	path: 'path view',
	trend: 'trend view',
	dominators: 'dominator tree',
	leaks: 'leak candidates',
	group: 'a group of leak candidates',
	value: 'full value',
	waste: 'waste',
	help: 'help',
	prompt: 'typing (filter, search, address)',
	loading: 'loading',
};

function whereLabel(scopes: readonly Scope[]): string {
	if (SCOPES.every(scope => scopes.includes(scope))) {
		return 'everywhere';
	}

	if (BROWSING.every(scope => scopes.includes(scope)) && !scopes.includes('prompt')) {
		return scopes.includes('help') ? 'every screen' : 'browsing (every screen but help)';
	}

	const missing = LISTS.filter(scope => !scopes.includes(scope));
	if (missing.length <= 2 && !scopes.includes('prompt') && scopes.every(scope => LISTS.includes(scope))) {
		return `every screen but the ${missing.map(scope => SCOPE_TITLES[scope]).join(' and the ')}`;
	}

	return scopes.map(scope => SCOPE_TITLES[scope]).join(', ');
}

export type HelpRow = {keys: string; help: string; where: string};

/** One row per command, in table order. */
export function helpRows(): HelpRow[] {
	return COMMANDS.map(command => {
		const binding = BINDINGS[command];
		return {
			keys: binding.keys.map(key => keyLabel(key)).join(', '),
			help: binding.help,
			where: whereLabel(binding.scopes),
		};
	});
}

/**
 * The help screen's lines for a width: commands grouped by where they
 * apply (a heading per group, in keymap order), keys then what they do.
 */
export function helpLines(width: number): string[] {
	const rows = helpRows();
	const keyWidth = Math.min(24, Math.max(...rows.map(row => row.keys.length)));
	const groups = new Map<string, HelpRow[]>();
	for (const row of rows) {
		groups.set(row.where, [...(groups.get(row.where) ?? []), row]);
	}

	const cut = (line: string): string => (line.length > width ? truncateToWidth(line, width) : line);
	const lines: string[] = [];
	for (const [where, members] of groups) {
		lines.push(cut(`${where[0]!.toUpperCase()}${where.slice(1)}:`));
		for (const row of members) {
			const keys = row.keys.length > keyWidth ? truncateToWidth(row.keys, keyWidth) : row.keys.padEnd(keyWidth);
			lines.push(cut(`  ${keys}  ${row.help}`));
		}
	}

	return lines;
}

/** The key table as Markdown, for the README. */
export function keyTableMarkdown(): string {
	const escape = (text: string): string => text.replaceAll('|', '\\|');
	const lines = ['| Keys | Action | Where |', '|---|---|---|'];
	for (const row of helpRows()) {
		const keys = row.keys.split(', ').map(key => `\`${escape(key)}\``).join(' ');
		lines.push(`| ${keys} | ${escape(row.help)} | ${row.where} |`);
	}

	return lines.join('\n');
}

/** Footer labels that differ on one screen. */
const FOOTER_LABELS: {readonly [S in Scope]?: {readonly [C in Command]?: string}} = {
	dominators: {open: 'expand'},
	leaks: {pathToObject: 'path'},
};

/** The footer for a scope: "Enter open  / filter  s sort  ? help  q quit". */
export function footerText(scope: Scope): string {
	return FOOTER[scope].map(command => {
		const binding = BINDINGS[command];
		const label = FOOTER_LABELS[scope]?.[command] ?? binding.footer ?? binding.help;
		const key = command === 'up' ? 'j/k' : keyLabel(binding.keys[0]!);
		return `${key} ${label}`;
	}).join('  ');
}
