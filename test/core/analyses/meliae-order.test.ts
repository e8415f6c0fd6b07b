/**
 * Types of equal size and count are listed in meliae's order: the
 * iteration order of its Python 2 dict of type summaries. The dict's order
 * is checked against a real CPython 2.7 where one is installed
 * (MELIAE_TEST_PYTHON2, or python2.7 on the PATH; skipped otherwise);
 * meliae's object table order by hand.
 */

import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {collectionSlots, py2DictOrder, py2StringHash} from '../../../source/core/analyses/meliae-order.js';
import {summarizeReachable} from '../../../source/core/analyses/reachable.js';
import {summarizeTypes} from '../../../source/core/analyses/summary.js';
import {type DumpObject, loadObjects} from '../../helpers/dump-lines.js';
import {seededRandom} from '../../helpers/random.js';
import {findPython2} from '../../helpers/python2.js';


const python2 = findPython2();

/** Run CPython 2.7 on `source` with `input` as JSON on standard input; its JSON answer. */
function py2<T>(source: string, input: unknown): T {
	return JSON.parse(execFileSync(python2!, ['-c', source], {input: JSON.stringify(input), encoding: 'utf8'})) as T;
}

const DICT_ORDER = `
import json, sys
keys = json.load(sys.stdin)
d = {}
for k in keys:
    d[k.encode('utf-8')] = None
print(json.dumps([keys.index(k.decode('utf-8')) for k in d]))
`;

const HASHES = `
import json, sys
print(json.dumps([str(hash(k.encode('utf-8'))) for k in json.load(sys.stdin)]))
`;

function typeNames(count: number, seed: number): string[] {
	const random = seededRandom(seed);
	const common = ['str', 'dict', 'tuple', 'list', 'int', 'module', 'function', 'code', 'type', 'NoneType', 'weakref',
		'builtin_function_or_method', 'wrapper_descriptor', 'method_descriptor', 'getset_descriptor', 'frame', 'cell', 'set'];
	const names = new Set(common.slice(0, Math.min(count, common.length)));
	while (names.size < count) {
		const length = 1 + Math.floor(random() * 24);
		let name = '';
		for (let k = 0; k < length; k++) {
			name += 'abcdefghijklmnopqrstuvwxyz_ABCXYZ.0123456789'[Math.floor(random() * 44)];
		}

		names.add(name);
	}

	return [...names];
}

describe.skipIf(python2 === undefined)('CPython 2.7 dict order, against the real interpreter', () => {
	it('hashes strings as CPython 2.7 does', () => {
		const names = ['', 'a', 'str', 'dict', 'NoneType', 'builtin_function_or_method', ...typeNames(60, 7)];
		const expected = py2<string[]>(HASHES, names).map(text => BigInt.asUintN(64, BigInt(text)));
		expect(names.map(name => py2StringHash(name))).toEqual(expected);
	});

	it('iterates string keys in the order CPython 2.7 does, through resizes', () => {
		for (const [count, seed] of [[5, 1], [12, 2], [40, 3], [300, 4], [1500, 5]] as const) {
			const names = typeNames(count, seed);
			expect(py2DictOrder(names), `${count} keys`).toEqual(py2<number[]>(DICT_ORDER, names));
		}
	});

	it('lists tied types of the whole dump in meliae\'s order', async () => {
		// 40 types with one 16-byte object each: all tie. Addresses below 1024
		// sit in the slot of their own number, so meliae meets them by address.
		const names = typeNames(40, 11).filter(name => name !== 'dict' && name !== 'module');
		const random = seededRandom(12);
		const addresses = new Set<number>();
		while (addresses.size < names.length) {
			addresses.add(1 + Math.floor(random() * 600));
		}

		const objects: DumpObject[] = names.map((type, k) => ({address: [...addresses][k]!, type, size: 16}));
		const store = await loadObjects(objects);
		const inTableOrder = [...objects].sort((a, b) => a.address - b.address).map(object => object.type);
		const expected = py2<number[]>(DICT_ORDER, inTableOrder).map(k => inTableOrder[k]);
		expect(summarizeTypes(store).types.map(type => type.type)).toEqual(expected);
		expect(summarizeTypes(store, 'count').types.map(type => type.type)).toEqual(expected);
	});

	it('lists tied types of what an object reaches in meliae\'s walk order', async () => {
		const names = typeNames(30, 21).filter(name => name !== 'dict' && name !== 'module' && name !== 'list');
		const objects: DumpObject[] = [
			{address: 5000, type: 'list', size: 999, len: names.length, refs: names.map((_, k) => 6000 + k)},
			...names.map((type, k) => ({address: 6000 + k, type, size: 16})),
		];
		const store = await loadObjects(objects);
		// meliae's walk pops its stack: the root, then its children last first.
		const walked = ['list', ...[...names].reverse()];
		const expected = py2<number[]>(DICT_ORDER, walked).map(k => walked[k]).filter(name => name !== 'list');
		const summary = summarizeReachable(store, store.indexOf(5000));
		expect(summary.types.map(type => type.type)).toEqual(['list', ...expected]);
	});
});

describe('meliae\'s object table', () => {
	it('probes i, i+1, i+3, i+6 ... from the address', () => {
		const slots = collectionSlots(Float64Array.from([3, 3 + 1024, 4, 3 + 2048, 1023 + 4096]));
		// 3 -> 3; 1027 -> 3 taken -> 4; 4 -> taken -> 5; 2051 -> 3, 4, 6; 5119 -> 1023.
		expect([...slots]).toEqual([3, 4, 5, 6, 1023]);
	});

	it('grows to the next power of two above twice the objects and re-places them in slot order', () => {
		// Triangular probing in a table of `size` slots, keys placed in the given order.
		const place = (hashes: number[], order: number[], size: number): Map<number, number> => {
			const slotOf = new Map<number, number>();
			const taken = new Set<number>();
			for (const k of order) {
				let i = hashes[k]!;
				for (let step = 0; taken.has(i % size); step++) {
					i += 1 + step;
				}

				taken.add(i % size);
				slotOf.set(k, i % size);
			}

			return slotOf;
		};

		// 683 objects fill more than two thirds of 1024 slots: the table grows to 2048.
		const hashes = Array.from({length: 683}, (_, k) => 2048 * k + 7);
		const keys = hashes.map((_, k) => k);
		const small = place(hashes, keys, 1024);
		const byOldSlot = [...keys].sort((a, b) => small.get(a)! - small.get(b)!);
		const big = place(hashes, byOldSlot, 2048);
		expect([...collectionSlots(Float64Array.from(hashes))]).toEqual(keys.map(k => big.get(k)));
		// One object fewer stays in the 1024-slot table.
		const fewer = place(hashes, keys.slice(0, 682), 1024);
		expect([...collectionSlots(Float64Array.from(hashes.slice(0, 682)))]).toEqual(keys.slice(0, 682).map(k => fewer.get(k)));
	});
});
