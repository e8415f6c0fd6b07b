import {describe, expect, it} from 'vitest';
import {computeDominators, dominates} from '../../../source/core/analyses/dominators.js';
import {dominatedCount, dominatedPage, largestOf, TREE_ROOT, TreeBuildJob, treeOf} from '../../../source/core/analyses/dominator-tree.js';
import {dominatorTree} from '../../../source/core/analyses/dominators.js';
import {retainedSetByType, RetainedSetWalk} from '../../../source/core/analyses/retained-set.js';
import {NO_LENGTH, NO_OBJECT} from '../../../source/core/graph/layout.js';
import {GraphStore} from '../../../source/core/graph/store.js';
import {seededRandom} from '../../helpers/random.js';

function storeOf(children: number[][], sizes: number[], types: number[], typeNames: string[]): GraphStore {
	const n = children.length;
	const firstChild = new Uint32Array(n + 1);
	const targets: number[] = [];
	for (let i = 0; i < n; i++) {
		targets.push(...children[i]!);
		firstChild[i + 1] = targets.length;
	}

	return new GraphStore({
		objectAddress: Float64Array.from({length: n}, (_, i) => 4096 + i * 16),
		objectType: Uint32Array.from(types),
		objectSize: Float64Array.from(sizes),
		objectLength: new Uint32Array(n).fill(NO_LENGTH),
		objectFlags: new Uint8Array(n),
		valueOffset: new Uint32Array(n + 1),
		valueBytes: new Uint8Array(0),
		firstChild,
		childTargets: Uint32Array.from(targets),
		unresolvedAddress: new Float64Array(0),
		typeNames,
	});
}

function randomStore(seed: number): GraphStore {
	const random = seededRandom(seed);
	const n = 2 + Math.floor(random() * 60);
	const typeNames = ['A', 'B', 'C', 'D'].slice(0, 1 + Math.floor(random() * 4));
	const children: number[][] = [];
	for (let i = 0; i < n; i++) {
		const list: number[] = [];
		const count = Math.floor(random() * 4);
		for (let k = 0; k < count; k++) {
			list.push(random() < 0.6 && i + 1 < n ? i + 1 + Math.floor(random() * Math.min(6, n - i - 1)) : Math.floor(random() * n));
		}

		children.push(list);
	}

	// Few distinct sizes, so ties in retained size happen.
	const sizes = Array.from({length: n}, () => 8 * (1 + Math.floor(random() * 4)));
	const types = Array.from({length: n}, () => Math.floor(random() * typeNames.length));
	return storeOf(children, sizes, types, typeNames);
}

describe('dominator tree pages', () => {
	it('lists exactly the objects a node immediately dominates, largest retained size first, ties by ordinal', () => {
		for (let seed = 1; seed <= 200; seed++) {
			const store = randomStore(seed);
			const dominators = computeDominators(store);
			const {idom, retainedSize} = dominators;
			for (const node of [TREE_ROOT, ...Array.from({length: store.objectCount}, (_, i) => i)]) {
				const expected = Array.from({length: store.objectCount}, (_, i) => i)
					.filter(i => idom[i] === node)
					.sort((a, b) => (retainedSize[b]! - retainedSize[a]!) || (a - b));
				expect(dominatedCount(dominators, node)).toBe(expected.length);
				for (const limit of [1, 2, 3, 1000]) {
					const page = dominatedPage(dominators, node, limit);
					expect(page.total).toBe(expected.length);
					expect(Array.from(page.ordinals), `seed ${seed} node ${node} limit ${limit}`).toEqual(expected.slice(0, limit));
				}
			}
		}
	});

	it('pages a fan-out of many children with the bounded heap as a full sort would', () => {
		const random = seededRandom(7);
		const key = Float64Array.from({length: 50_000}, () => Math.floor(random() * 300));
		const list = Uint32Array.from({length: 50_000}, (_, i) => 49_999 - i);
		const expected = Array.from(list).sort((a, b) => (key[b]! - key[a]!) || (a - b));
		for (const limit of [1, 10, 200, 1000]) {
			expect(Array.from(largestOf(list, key, limit))).toEqual(expected.slice(0, limit));
		}
	});
});

describe('the tree built in slices', () => {
	it('gives the same children lists as the dominators module, one slice per step', () => {
		for (let seed = 1; seed <= 50; seed++) {
			const dominators = computeDominators(randomStore(seed));
			const job = new TreeBuildJob(dominators);
			let steps = 0;
			while (!job.step(0)) {
				steps++;
			}

			expect(steps).toBeGreaterThan(0);
			const built = treeOf(dominators);
			const reference = dominatorTree(dominators);
			expect(Array.from(built.firstDominated)).toEqual(Array.from(reference.firstDominated));
			expect(Array.from(built.dominated)).toEqual(Array.from(reference.dominated));
			expect(Array.from(built.rootChildren)).toEqual(Array.from(reference.rootChildren));
		}
	});
});

describe('retained set by type', () => {
	it('counts every object the node dominates (itself included), per type, and sums to its retained size', () => {
		for (let seed = 1; seed <= 200; seed++) {
			const store = randomStore(seed);
			const dominators = computeDominators(store);
			for (let node = 0; node < store.objectCount; node++) {
				const counts = new Map<string, {count: number; size: number}>();
				let size = 0;
				for (let x = 0; x < store.objectCount; x++) {
					if (dominates(dominators, node, x)) {
						const row = counts.get(store.typeName(x)) ?? {count: 0, size: 0};
						row.count++;
						row.size += store.objectSize[x]!;
						counts.set(store.typeName(x), row);
						size += store.objectSize[x]!;
					}
				}

				const result = retainedSetByType(store, dominators, node);
				expect(result.size).toBe(size);
				expect(result.size).toBe(dominators.retainedSize[node]);
				expect(new Map(result.types.map(row => [row.type, {count: row.count, size: row.size}]))).toEqual(counts);
				for (let k = 1; k < result.types.length; k++) {
					expect(result.types[k - 1]!.size).toBeGreaterThanOrEqual(result.types[k]!.size);
				}
			}
		}
	});

	it('walks the whole heap from the synthetic root, and gives the same answer in slices', () => {
		const store = randomStore(99);
		const dominators = computeDominators(store);
		const whole = retainedSetByType(store, dominators, TREE_ROOT);
		expect(whole.count).toBe(store.objectCount);
		expect(whole.size).toBe(dominators.totalSize);
		const walk = new RetainedSetWalk(store, dominators, TREE_ROOT);
		while (!walk.step(0)) {
			// Each step does at least one slice.
		}

		expect(walk.result).toEqual(whole);
		expect(TREE_ROOT).toBe(NO_OBJECT);
	});
});
