/**
 * Collapse rewrites the references in place, in dump order: owners whose
 * dict holds more references than they do, dicts after objects that come
 * between them and their owner, and dicts before their owner all move
 * references over others not yet read. Checked against a plain model of
 * meliae's rules on randomly ordered dumps.
 */

import {describe, expect, it} from 'vitest';
import {NO_OBJECT} from '../../../source/core/graph/layout.js';
import {childrenOf, type DumpObject, loadObjects} from '../../helpers/dump-lines.js';

type Shape = {objects: DumpObject[]; expected: Map<number, number[]>; dicts: number[]};

function randomDump(seed: number, groups: number): Shape {
	let state = seed;
	const random = (limit: number): number => {
		state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
		return (state >>> 8) % limit;
	};

	let next = 1000;
	const address = (): number => (next += 16);
	const leaves = Array.from({length: 200}, () => address());
	const classAddress = address();
	const objects: DumpObject[] = [{address: classAddress, type: 'type', size: 900, name: 'Thing', refs: []}];
	const ownerOf = new Map<number, number>();
	const refsOf = new Map<number, number[]>();
	const kinds = new Map<number, 'module' | 'instance' | 'plain'>();
	const dicts: number[] = [];
	const someRefs = (count: number): number[] => Array.from({length: count}, () => leaves[random(leaves.length)]!);
	const plain = (): DumpObject => {
		const refs = someRefs(random(4));
		// Now and then a reference to a dict folded elsewhere (it leads to its owner).
		if (dicts.length > 0 && random(3) === 0) {
			refs.push(dicts[random(dicts.length)]!);
		}

		const object = {address: address(), type: 'list', size: 56 + (refs.length * 8), len: refs.length, refs};
		kinds.set(object.address, 'plain');
		refsOf.set(object.address, refs);
		return object;
	};

	for (let g = 0; g < groups; g++) {
		const owner = address();
		const dict = address();
		const dictRefs = someRefs(random(3) === 0 ? 20 + random(60) : random(6));
		const isModule = random(4) === 0;
		const ownerLine: DumpObject = isModule
			? {address: owner, type: 'module', size: 72, name: `m${g}`, refs: [dict]}
			: {address: owner, type: 'Thing', size: 48, refs: [dict, classAddress]};
		const dictLine: DumpObject = {address: dict, type: 'dict', size: 232, len: dictRefs.length >> 1, refs: dictRefs};
		kinds.set(owner, isModule ? 'module' : 'instance');
		refsOf.set(dict, dictRefs);
		ownerOf.set(dict, owner);
		const between = Array.from({length: random(4)}, () => plain());
		switch (random(3)) {
			case 0: {
				objects.push(ownerLine, dictLine, ...between);
				break;
			}

			case 1: {
				objects.push(ownerLine, ...between, dictLine);
				break;
			}

			default: {
				objects.push(dictLine, ...between, ownerLine);
			}
		}

		dicts.push(dict);
		objects.push(...Array.from({length: random(3)}, () => plain()));
	}

	for (const leaf of leaves) {
		objects.push({address: leaf, type: 'str', size: 50, len: 1, value: 'x'});
	}

	const lead = (target: number): number => ownerOf.get(target) ?? target;
	const expected = new Map<number, number[]>();
	for (const [object, kind] of kinds) {
		if (kind === 'plain') {
			expected.set(object, refsOf.get(object)!.map(target => lead(target)));
		}
	}

	for (const [dict, owner] of ownerOf) {
		const taken = refsOf.get(dict)!.map(target => lead(target));
		expected.set(owner, kinds.get(owner) === 'module' ? taken : [...taken, classAddress]);
	}

	return {objects, expected, dicts};
}

describe('collapse in dump order', () => {
	for (const seed of [1, 2, 3, 4, 5, 6]) {
		it(`moves every dict's references to its owner (random order, seed ${seed})`, async () => {
			const {objects, expected, dicts} = randomDump(seed, 400);
			const store = await loadObjects(objects);
			for (const dict of dicts) {
				expect(store.indexOf(dict)).toBe(NO_OBJECT);
			}

			for (const [object, children] of expected) {
				expect(childrenOf(store, object)).toEqual(children);
			}

			expect(store.objectCount).toBe(objects.length - dicts.length);
		});
	}
});
