import {describe, expect, it} from 'vitest';
import {computeDominators} from '../../../source/core/analyses/dominators.js';
import {edgeName, findPath, findPaths, type ReferencePath} from '../../../source/core/analyses/paths.js';
import {NO_LENGTH, UNRESOLVED_BIT} from '../../../source/core/graph/layout.js';
import {GraphStore} from '../../../source/core/graph/store.js';
import {type DumpObject, loadObjects} from '../../helpers/dump-lines.js';
import {seededRandom} from '../../helpers/random.js';

function addresses(store: GraphStore, path: ReferencePath | undefined): number[] {
	return Array.from(path?.ordinals ?? [], ordinal => store.objectAddress[ordinal]!);
}

function edges(path: ReferencePath | undefined): Array<string | null> {
	return (path?.edges ?? []).map(edge => edge?.text ?? null);
}

const str = (address: number, value: string): DumpObject => ({address, type: 'str', size: 50, len: value.length, value});

/**
 * sys.modules-like root dict (1) -> {'app': module 2}; module app's dict (3)
 * -> {'observer': Observer instance 10}; instance 10 (collapsed with dict 11)
 * -> {'history': list 12}; list 12 -> [str 20, dict 21, leaked dict 22];
 * leaked dict 22 -> {'payload': str 23}.
 */
const leakDump: DumpObject[] = [
	{address: 1, type: 'dict', size: 200, len: 1, refs: [100, 2]},
	{address: 2, type: 'module', size: 60, name: 'app', refs: [3]},
	{address: 3, type: 'dict', size: 300, len: 1, refs: [101, 10]},
	{address: 10, type: 'Observer', size: 48, refs: [11, 9]},
	{address: 9, type: 'type', size: 900, name: 'Observer', refs: []},
	{address: 11, type: 'dict', size: 100, len: 1, refs: [102, 12]},
	{address: 12, type: 'list', size: 80, len: 3, refs: [20, 21, 22]},
	str(20, 'x'),
	{address: 21, type: 'dict', size: 100, len: 0, refs: []},
	{address: 22, type: 'dict', size: 100, len: 1, refs: [103, 23]},
	str(23, 'payload-value'),
	str(100, 'app'),
	str(101, 'observer'),
	str(102, 'history'),
	str(103, 'payload'),
];

describe('findPath', () => {
	it('walks back to the object without referrers and names each reference', async () => {
		const store = await loadObjects(leakDump);
		const path = findPath(store, store.indexOf(23));
		expect(addresses(store, path)).toEqual([1, 2, 10, 12, 22, 23]);
		// The dump lists a list's items last first: refs [20, 21, 22] is [22, 21, 20].
		expect(edges(path)).toEqual([null, '[\'app\']', '.observer', '.history', '[0]', '[\'payload\']']);
		expect(path!.rootKind).toBe('no-referrers');
	});

	it('returns the object itself when nothing references it', async () => {
		const store = await loadObjects(leakDump);
		expect(addresses(store, findPath(store, store.indexOf(1)))).toEqual([1]);
	});

	it('takes the shortest route', async () => {
		const store = await loadObjects([
			{address: 1, type: 'list', size: 64, len: 1, refs: [2]},
			{address: 2, type: 'list', size: 64, len: 1, refs: [3]},
			{address: 3, type: 'list', size: 64, len: 1, refs: [9]},
			{address: 4, type: 'tuple', size: 64, len: 2, refs: [5, 9]},
			{address: 5, type: 'int', size: 28, value: 1},
			{address: 9, type: 'float', size: 24, value: 1.5},
		]);
		const path = findPath(store, store.indexOf(9));
		expect(addresses(store, path)).toEqual([4, 9]);
		// A tuple's refs are its items last first: refs [5, 9] is (9, 5).
		expect(edges(path)).toEqual([null, '[0]']);
	});

	it('starts at the lowest ordinal of an unreferenced cycle, as the dominator tree does', async () => {
		// 5 <-> 6 is referenced by nothing else; 7 <-> 8 is referenced by 6; 8 -> 9.
		const store = await loadObjects([
			{address: 7, type: 'list', size: 64, len: 1, refs: [8]},
			{address: 6, type: 'list', size: 64, len: 2, refs: [5, 7]},
			{address: 5, type: 'list', size: 64, len: 1, refs: [6]},
			{address: 8, type: 'list', size: 64, len: 2, refs: [7, 9]},
			{address: 9, type: 'int', size: 28, value: 3},
		]);
		const path = findPath(store, store.indexOf(9));
		expect(addresses(store, path)).toEqual([6, 7, 8, 9]);
		expect(path!.rootKind).toBe('unreferenced-cycle');
		const dominators = computeDominators(store);
		expect(Array.from(dominators.representatives)).toEqual([store.indexOf(6)]);
		const withKnown = findPath(store, store.indexOf(9), {representatives: dominators.representatives});
		expect(addresses(store, withKnown)).toEqual([6, 7, 8, 9]);
	});

	it('can avoid weak references', async () => {
		const store = await loadObjects([
			{address: 1, type: 'weakref', size: 64, refs: [9]},
			{address: 2, type: 'list', size: 64, len: 1, refs: [1, 3]},
			{address: 3, type: 'list', size: 64, len: 1, refs: [4]},
			{address: 4, type: 'list', size: 64, len: 1, refs: [9]},
			{address: 9, type: 'Thing', size: 28, refs: []},
		]);
		const target = store.indexOf(9);
		expect(addresses(store, findPath(store, target))).toEqual([2, 1, 9]);
		expect(addresses(store, findPath(store, target, {skipWeak: true}))).toEqual([2, 3, 4, 9]);
	});

	it('can avoid housekeeping links: modules, module dicts, types, frames, function globals', async () => {
		const objects: DumpObject[] = [
			{address: 1, type: 'dict', size: 100, len: 2, refs: [100, 2, 101, 30]},
			{address: 2, type: 'module', size: 60, name: 'm', refs: [3]},
			// The module's dict is also the function's globals; meliae folds it all the same.
			{address: 3, type: 'dict', size: 100, len: 1, refs: [102, 9]},
			{address: 4, type: 'function', size: 120, name: 'f', refs: [5, 3, 6]},
			{address: 5, type: 'code', size: 100, refs: []},
			{address: 6, type: 'dict', size: 100, len: 0, refs: []},
			{address: 30, type: 'list', size: 64, len: 1, refs: [31]},
			{address: 31, type: 'list', size: 64, len: 1, refs: [32]},
			{address: 32, type: 'list', size: 64, len: 1, refs: [9]},
			{address: 9, type: 'Thing', size: 28, refs: []},
			{address: 40, type: 'frame', size: 400, refs: [4]},
			str(100, 'm'),
			str(101, 'other'),
			str(102, 'thing'),
		];
		const store = await loadObjects(objects);
		const target = store.indexOf(9);
		expect(addresses(store, findPath(store, target))).toEqual([1, 2, 9]);
		expect(addresses(store, findPath(store, target, {skipExpensive: true}))).toEqual([1, 30, 31, 32, 9]);
		// The function's globals now lead to the module; the frame -> function -> globals route is avoided.
		expect(findPaths(store, store.indexOf(2), 5).paths.map(path => addresses(store, path))).toEqual([[1, 2], [40, 4, 2]]);
		expect(findPaths(store, store.indexOf(2), 5, {skipExpensive: true}).paths.map(path => addresses(store, path))).toEqual([[1, 2]]);
		// Without collapse the module's dict is skipped as a housekeeping link.
		const raw = await loadObjects(objects, {collapse: false});
		expect(addresses(raw, findPath(raw, raw.indexOf(9)))).toEqual([1, 2, 3, 9]);
		expect(addresses(raw, findPath(raw, raw.indexOf(9), {skipExpensive: true}))).toEqual([1, 30, 31, 32, 9]);
		expect(findPath(raw, raw.indexOf(3), {skipExpensive: true})).toBeUndefined();
	});

	it('finds several paths through different referrers with --all', async () => {
		const store = await loadObjects([
			{address: 1, type: 'list', size: 64, len: 1, refs: [2]},
			{address: 2, type: 'list', size: 64, len: 1, refs: [9]},
			{address: 3, type: 'tuple', size: 64, len: 1, refs: [9]},
			{address: 4, type: 'list', size: 64, len: 1, refs: [5]},
			{address: 5, type: 'list', size: 64, len: 1, refs: [6]},
			{address: 6, type: 'list', size: 64, len: 1, refs: [9]},
			{address: 9, type: 'Thing', size: 28, refs: []},
		]);
		const search = findPaths(store, store.indexOf(9), 5);
		expect(search.paths.map(path => addresses(store, path))).toEqual([[3, 9], [1, 2, 9], [4, 5, 6, 9]]);
		expect(findPaths(store, store.indexOf(9), 2).paths.length).toBe(2);
	});

	it('stops at maxVisited', async () => {
		const store = await loadObjects(leakDump);
		const search = findPaths(store, store.indexOf(23), 1, {maxVisited: 2});
		expect(search.truncated).toBe(true);
		expect(search.paths).toEqual([]);
	});
});

describe('edgeName', () => {
	it('names dict keys of every kind, keys themselves, and an instance\'s class', async () => {
		const store = await loadObjects([
			{address: 1, type: 'dict', size: 100, len: 4, refs: [2, 10, 3, 11, 4, 12, 5, 13]},
			str(2, 'plain'),
			{address: 3, type: 'int', size: 28, value: 42},
			{address: 4, type: 'tuple', size: 48, len: 0, refs: []},
			str(5, 'new\nline\u001B[31m'),
			{address: 10, type: 'list', size: 64, len: 0, refs: []},
			{address: 11, type: 'list', size: 64, len: 0, refs: []},
			{address: 12, type: 'list', size: 64, len: 0, refs: []},
			{address: 13, type: 'list', size: 64, len: 0, refs: []},
			{address: 20, type: 'Obj', size: 48, refs: [21, 22]},
			{address: 21, type: 'dict', size: 100, len: 2, refs: [23, 10, 24, 11]},
			{address: 22, type: 'type', size: 900, name: 'Obj', refs: []},
			str(23, 'name'),
			str(24, 'not an identifier'),
		]);
		const name = (parent: number, child: number): string | null => edgeName(store, store.indexOf(parent), store.indexOf(child))?.text ?? null;
		expect(name(1, 10)).toBe('[\'plain\']');
		expect(name(1, 11)).toBe('[42]');
		expect(name(1, 12)).toBe(`[<tuple 4>]`);
		expect(name(1, 13)).toBe('[\'new\\nline\\x1b[31m\']');
		expect(name(1, 2)).toBe('(key)');
		expect(name(20, 10)).toBe('.name');
		expect(name(20, 11)).toBe('[\'not an identifier\']');
		expect(name(20, 22)).toBe('.__class__');
		expect(name(20, 13)).toBe(null);
		expect(name(10, 1)).toBe(null);
	});

	it('names deque items and a module\'s own dict (not collapsed)', async () => {
		const store = await loadObjects([
			{address: 1, type: 'collections.deque', size: 600, len: 2, refs: [3, 4]},
			{address: 2, type: 'module', size: 72, name: 'app', refs: [5]},
			{address: 3, type: 'list', size: 64, len: 0, refs: []},
			{address: 4, type: 'list', size: 64, len: 0, refs: []},
			{address: 5, type: 'dict', size: 100, len: 0, refs: []},
			{address: 6, type: 'function', size: 100, name: 'f', refs: [5]},
		], {collapse: false});
		const name = (parent: number, child: number): string | null => edgeName(store, store.indexOf(parent), store.indexOf(child))?.text ?? null;
		expect(name(1, 4)).toBe('[1]');
		expect(name(2, 5)).toBe('.__dict__');
		expect(name(6, 5)).toBe(null);
	});
});

describe('findPath on random graphs', () => {
	const rng = seededRandom;

	function randomStore(seed: number): GraphStore {
		const random = rng(seed);
		const n = 2 + Math.floor(random() * 60);
		const firstChild = new Uint32Array(n + 1);
		const targets: number[] = [];
		for (let i = 0; i < n; i++) {
			const count = Math.floor(random() * 4);
			for (let k = 0; k < count; k++) {
				targets.push(random() < 0.05 ? UNRESOLVED_BIT : Math.floor(random() * n));
			}

			firstChild[i + 1] = targets.length;
		}

		return new GraphStore({
			objectAddress: Float64Array.from({length: n}, (_, i) => 1000 + i),
			objectType: new Uint32Array(n),
			objectSize: new Float64Array(n).fill(8),
			objectLength: new Uint32Array(n).fill(NO_LENGTH),
			objectFlags: new Uint8Array(n),
			valueOffset: new Uint32Array(n + 1),
			valueBytes: new Uint8Array(0),
			firstChild,
			childTargets: Uint32Array.from(targets),
			unresolvedAddress: new Float64Array([1]),
			typeNames: ['node'],
		});
	}

	/** Forward breadth-first distances from a set of sources. */
	function distancesFrom(store: GraphStore, sources: number[]): number[] {
		const distance = new Array<number>(store.objectCount).fill(-1);
		const queue = [...sources];
		for (const s of sources) {
			distance[s] = 0;
		}

		for (let head = 0; head < queue.length; head++) {
			const x = queue[head]!;
			for (let e = store.firstChild[x]!; e < store.firstChild[x + 1]!; e++) {
				const t = store.childTargets[e]!;
				if (t < UNRESOLVED_BIT && distance[t] === -1) {
					distance[t] = distance[x]! + 1;
					queue.push(t);
				}
			}
		}

		return distance;
	}

	it('finds a valid shortest path from a root for every object of 200 random graphs', () => {
		for (let seed = 1; seed <= 200; seed++) {
			const store = randomStore(seed);
			const n = store.objectCount;
			const parentless = Array.from({length: n}, (_, i) => i).filter(i => store.parentCount(i) === 0);
			const fromRoots = distancesFrom(store, parentless);
			const representatives = Array.from(computeDominators(store).representatives);
			const fromRepresentatives = distancesFrom(store, representatives);
			for (let target = 0; target < n; target++) {
				const path = findPath(store, target);
				const context = `seed ${seed} target ${target}`;
				expect(path, context).toBeDefined();
				const ordinals = Array.from(path!.ordinals);
				expect(ordinals.at(-1), context).toBe(target);
				for (let i = 1; i < ordinals.length; i++) {
					const children = Array.from(store.childTargets.subarray(store.firstChild[ordinals[i - 1]!]!, store.firstChild[ordinals[i - 1]! + 1]!));
					expect(children, context).toContain(ordinals[i]);
				}

				if (fromRoots[target] !== -1) {
					expect(path!.rootKind, context).toBe('no-referrers');
					expect(parentless, context).toContain(ordinals[0]);
					expect(ordinals.length - 1, context).toBe(fromRoots[target]);
				} else {
					expect(path!.rootKind, context).toBe('unreferenced-cycle');
					expect(representatives, context).toContain(ordinals[0]);
					// The nearest representative that reaches the target.
					const nearest = Math.min(...representatives.map(r => distancesFrom(store, [r])[target]!).filter(d => d >= 0));
					expect(ordinals.length - 1, context).toBe(nearest);
					expect(fromRepresentatives[target], context).toBe(nearest);
				}
			}
		}
	});
});
