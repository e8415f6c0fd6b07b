/**
 * Dumps for the explorer's tests, written as real meliae lines (through
 * test/helpers/dump-lines.ts) and loaded by the real loader.
 */

import type {GraphStore} from '../../source/core/graph/store.js';
import {type DumpObject, dumpText, loadObjects, writeDump} from './dump-lines.js';

/** Addresses of the objects in `explorerObjects`, by role. */
export const A = {
	module: 1000,
	cache: 1016,
	keyName: 1032,
	keyItems: 1048,
	items: 1064,
	session: 1080,
	sessionType: 1096,
	user: 1112,
	tuple: 1128,
	int: 1144,
	nasty: 1160,
	wide: 1176,
	bigList: 1192,
	sessionDict: 1208,
	keyUser: 1224,
	/** Referenced by the list but never described: a `<missing>` child. */
	missing: 999_999,
} as const;

/** Text with every kind of control character a value may hold. */
export const NASTY_VALUE = 'ESC\u001B[31mred BEL\u0007 CR\rover BS\b C1\u009B2J bidi\u202Eevil\u202C end';
export const WIDE_VALUE = '漢字かな😀名前';

/**
 * A small graph with one of everything the views show: a module holding a
 * cache dict, a collapsed-instance candidate (Session + its __dict__ + its
 * type), a list with a reference to an address not in the dump, values
 * with control characters and wide characters, a type name with an escape.
 */
export function explorerObjects(): DumpObject[] {
	const listRefs: number[] = [A.int, A.missing];
	for (let k = 0; k < 40; k++) {
		listRefs.push(5000 + k * 16);
	}

	const filler: DumpObject[] = [];
	for (let k = 0; k < 40; k++) {
		filler.push({address: 5000 + k * 16, type: 'str', size: 50 + k, len: k + 1, value: `item-${String(k).padStart(2, '0')}`});
	}

	return [
		{address: A.module, type: 'module', size: 88, name: 'app', refs: [A.cache]},
		{address: A.cache, type: 'dict', size: 1048, len: 2, refs: [A.keyName, A.session, A.keyItems, A.items]},
		{address: A.keyName, type: 'str', size: 54, len: 7, value: 'session'},
		{address: A.keyItems, type: 'str', size: 52, len: 5, value: 'items'},
		{address: A.items, type: 'list', size: 400, len: 42, refs: listRefs},
		{address: A.session, type: 'Session', size: 56, refs: [A.sessionDict, A.sessionType]},
		{address: A.sessionDict, type: 'dict', size: 232, len: 1, refs: [A.keyUser, A.user]},
		{address: A.keyUser, type: 'str', size: 53, len: 4, value: 'user'},
		{address: A.sessionType, type: 'type', size: 1056, name: 'Session', refs: []},
		{address: A.user, type: 'str', size: 60, len: 5, value: 'alice', refs: []},
		{address: A.tuple, type: 'tuple', size: 56, len: 2, refs: [A.nasty, A.wide]},
		{address: A.int, type: 'int', size: 28, value: 123_456_789},
		{address: A.nasty, type: 'str', size: 120, len: NASTY_VALUE.length, value: NASTY_VALUE},
		{address: A.wide, type: 'str', size: 90, len: [...WIDE_VALUE].length, value: WIDE_VALUE},
		{address: A.bigList, type: 'evil\u001B]0;pwned\u0007type', size: 64, refs: [A.tuple]},
		...filler,
	];
}

export async function explorerStore(): Promise<GraphStore> {
	return loadObjects(explorerObjects());
}

/** A dump of exactly one object. */
export async function oneObjectStore(): Promise<GraphStore> {
	return loadObjects([{address: 4096, type: 'int', size: 28, value: 7}]);
}

/**
 * A dump with many objects of one type (`count` dicts of assorted sizes,
 * each referred to by a holder list), for scrolling and search tests.
 */
export function manyObjects(count: number): DumpObject[] {
	const objects: DumpObject[] = [];
	const holderRefs: number[] = [];
	for (let k = 0; k < count; k++) {
		const address = 100_000 + k * 16;
		holderRefs.push(address);
		objects.push({address, type: 'str', size: 40 + (k % 7) * 8, len: 4, value: `v${k}`});
	}

	objects.unshift({address: 16, type: 'list', size: 8 * count + 56, len: count, refs: holderRefs});
	return objects;
}

export async function manyObjectsStore(count: number): Promise<GraphStore> {
	return loadObjects(manyObjects(count));
}

/** Write a dump file for the end-to-end tests. */
export function writeExplorerDump(objects: readonly DumpObject[] = explorerObjects()): string {
	return writeDump(dumpText(objects));
}
