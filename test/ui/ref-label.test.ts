import {beforeAll, describe, expect, test} from 'vitest';
import type {GraphStore} from '../../source/core/graph/store.js';
import {referenceLabel} from '../../source/ui/state/ref-label.js';
import {loadObjects} from '../helpers/dump-lines.js';
import {A, explorerStore} from '../helpers/ui-dumps.js';

describe('how a parent holds an object', () => {
	let store: GraphStore;
	const label = (parent: number, child: number, from = store): string | undefined =>
		referenceLabel(from, from.indexOf(parent), from.indexOf(child));
	beforeAll(async () => {
		store = await explorerStore();
	});

	test('list index, module attribute, collapsed instance attribute', () => {
		expect(label(A.items, A.int)).toBe('[0]');
		expect(label(A.items, 5000 + 16 * 3)).toBe('[5]');
		expect(label(A.module, A.session)).toBe('.session');
		expect(label(A.session, A.user)).toBe('.user');
		expect(label(A.bigList, A.tuple)).toBeUndefined();
	});

	test('dict keys as Python reprs; an object used as a key', async () => {
		const dicts = await loadObjects([
			{address: 16, type: 'dict', size: 232, len: 3, refs: [32, 48, 64, 80, 96, 112]},
			{address: 32, type: 'str', size: 58, len: 9, value: 'two words'},
			{address: 48, type: 'list', size: 56, len: 0},
			{address: 64, type: 'int', size: 28, value: 5},
			{address: 80, type: 'list', size: 56, len: 0},
			{address: 96, type: 'tuple', size: 40, len: 0},
			{address: 112, type: 'str', size: 50, len: 1, value: 'x'},
		]);
		expect(label(16, 48, dicts)).toBe('[\'two words\']');
		expect(label(16, 80, dicts)).toBe('[5]');
		expect(label(16, 96, dicts)).toBe('a key');
		expect(label(16, 112, dicts)).toBeUndefined();
	});
});
