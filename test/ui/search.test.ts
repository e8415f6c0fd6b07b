import {beforeAll, describe, expect, test} from 'vitest';
import type {GraphStore} from '../../source/core/graph/store.js';
import {findInList, makeMatcher} from '../../source/ui/state/search.js';
import {A, explorerStore, NASTY_VALUE, WIDE_VALUE} from '../helpers/ui-dumps.js';

describe('search', () => {
	let store: GraphStore;
	let all: Uint32Array;
	beforeAll(async () => {
		store = await explorerStore();
		all = Uint32Array.from({length: store.objectCount}, (_, k) => k);
	});

	const find = (needle: string, types = false): number[] =>
		[...all].filter(ordinal => makeMatcher(store, needle, types)(ordinal)).map(ordinal => store.objectAddress[ordinal]!);

	test('by value, case-insensitive, on raw bytes and through escapes', () => {
		expect(find('ITEM-0')).toHaveLength(10);
		expect(find('alice')).toEqual([A.user]);
		// The value is stored with JSON escapes: found through decoding.
		expect(find('bidi\u202eevil')).toEqual([A.nasty]);
		expect(find('red bel')).toEqual([A.nasty]);
		expect(find(WIDE_VALUE.slice(0, 2))).toEqual([A.wide]);
		expect(find(NASTY_VALUE)).toEqual([A.nasty]);
		expect(find('no such value')).toEqual([]);
	});

	test('by address, decimal or hex, and unresolved targets by address', () => {
		expect(find(String(A.user))).toEqual([A.user]);
		expect(find('0x' + A.user.toString(16))).toEqual([A.user]);
		const items = store.indexOf(A.items);
		const children = store.childTargets.subarray(store.firstChild[items]!, store.firstChild[items + 1]!);
		const found = findInList(children, 0, 1, makeMatcher(store, String(A.missing), false));
		expect(found).toEqual({index: 1, wrapped: false});
		expect(findInList(children, 1, 1, makeMatcher(store, String(A.missing), false))).toEqual({index: 1, wrapped: true});
	});

	test('names count as values; type names only where asked', () => {
		// The str 'session' and the class named Session.
		expect(find('session')).toEqual([A.keyName, A.sessionType]);
		expect(find('session', true)).toContain(A.session);
	});

	test('findInList goes both ways and wraps', () => {
		const list = Uint32Array.from([0, 1, 2, 3]);
		const even = (target: number): boolean => target % 2 === 0;
		expect(findInList(list, 0, 1, even)).toEqual({index: 2, wrapped: false});
		expect(findInList(list, 2, 1, even)).toEqual({index: 0, wrapped: true});
		expect(findInList(list, 2, -1, even)).toEqual({index: 0, wrapped: false});
		expect(findInList(list, 0, -1, even)).toEqual({index: 2, wrapped: true});
		expect(findInList(list, 0, 1, () => false)).toBeUndefined();
		expect(findInList(new Uint32Array(0), 0, 1, even)).toBeUndefined();
	});
});
