import {describe, expect, it} from 'vitest';
import {
	computeDominators, computeDominatorsAsync, dominatorChain, dominates, dominatorTree, DominatorJob,
	isDominatedByRoot, topByKey, topRetainers, typeRetainedSizes, type Dominators,
} from '../../../source/core/analyses/dominators.js';
import {NO_LENGTH, NO_OBJECT, UNRESOLVED_BIT} from '../../../source/core/graph/layout.js';
import {GraphStore} from '../../../source/core/graph/store.js';
import {seededRandom} from '../../helpers/random.js';

const rng = seededRandom;

type Graph = {
	n: number;
	/** children[i]: ordinals, or -1 - k for the unresolved address k. */
	children: number[][];
	sizes: number[];
	types: number[];
	typeNames: string[];
};

function storeOf(graph: Graph): GraphStore {
	const {n} = graph;
	const firstChild = new Uint32Array(n + 1);
	const targets: number[] = [];
	const unresolved: number[] = [];
	for (let i = 0; i < n; i++) {
		for (const c of graph.children[i]!) {
			if (c < 0) {
				unresolved.push(1_000_000 + unresolved.length);
				targets.push(UNRESOLVED_BIT | (unresolved.length - 1));
			} else {
				targets.push(c);
			}
		}

		firstChild[i + 1] = targets.length;
	}

	return new GraphStore({
		objectAddress: Float64Array.from({length: n}, (_, i) => 4096 + i * 16),
		objectType: Uint32Array.from(graph.types),
		objectSize: Float64Array.from(graph.sizes),
		objectLength: new Uint32Array(n).fill(NO_LENGTH),
		objectFlags: new Uint8Array(n),
		valueOffset: new Uint32Array(n + 1),
		valueBytes: new Uint8Array(0),
		firstChild,
		childTargets: Uint32Array.from(targets),
		unresolvedAddress: Float64Array.from(unresolved),
		typeNames: graph.typeNames,
	});
}

function randomGraph(seed: number): Graph {
	const random = rng(seed);
	const n = 1 + Math.floor(random() * 40);
	const density = random() * 3;
	const typeCount = 1 + Math.floor(random() * 4);
	const children: number[][] = [];
	for (let i = 0; i < n; i++) {
		const list: number[] = [];
		const count = Math.floor(random() * density * 2);
		for (let k = 0; k < count; k++) {
			const r = random();
			if (r < 0.05) {
				list.push(-1);
			} else if (r < 0.1) {
				list.push(i);
			} else if (r < 0.5 && i + 1 < n) {
				// Forward edges make chains and trees.
				list.push(i + 1 + Math.floor(random() * Math.min(5, n - i - 1)));
			} else {
				list.push(Math.floor(random() * n));
			}
		}

		children.push(list);
	}

	return {
		n,
		children,
		sizes: Array.from({length: n}, () => 1 + Math.floor(random() * 100)),
		types: Array.from({length: n}, () => Math.floor(random() * typeCount)),
		typeNames: Array.from({length: typeCount}, (_, t) => `T${t}`),
	};
}

/**
 * The reference: roots chosen by brute-force reachability, dominator sets by
 * the iterative data-flow equations, everything quadratic or worse.
 */
function reference(graph: Graph): {idom: number[]; retained: number[]; typeRetained: number[]; representatives: number[]} {
	const {n, children} = graph;
	const succ = children.map(list => [...new Set(list.filter(c => c >= 0))]);
	const preds: number[][] = Array.from({length: n}, () => []);
	for (let i = 0; i < n; i++) {
		for (const c of succ[i]!) {
			preds[c]!.push(i);
		}
	}

	// reach[u][v]: v reachable from u (u reaches itself).
	const reach = Array.from({length: n}, (_, u) => {
		const seen = new Array<boolean>(n).fill(false);
		const stack = [u];
		seen[u] = true;
		while (stack.length > 0) {
			const x = stack.pop()!;
			for (const c of succ[x]!) {
				if (!seen[c]) {
					seen[c] = true;
					stack.push(c);
				}
			}
		}

		return seen;
	});
	const parentless = Array.from({length: n}, (_, i) => i).filter(i => preds[i]!.length === 0);
	const reached = new Array<boolean>(n).fill(false);
	for (const p of parentless) {
		for (let v = 0; v < n; v++) {
			if (reach[p]![v]) {
				reached[v] = true;
			}
		}
	}

	const unreached = Array.from({length: n}, (_, i) => i).filter(i => !reached[i]);
	const representatives: number[] = [];
	for (const u of unreached) {
		const component = unreached.filter(v => reach[u]![v] && reach[v]![u]);
		if (Math.min(...component) !== u) {
			continue;
		}

		const referenced = component.some(v => preds[v]!.some(p => !reached[p] && !component.includes(p)));
		if (!referenced) {
			representatives.push(u);
		}
	}

	// Node n is the synthetic root.
	const rootChildren = new Set([...parentless, ...representatives]);
	const allPreds = (v: number): number[] => rootChildren.has(v) ? [...preds[v]!, n] : preds[v]!;
	const all = new Set(Array.from({length: n + 1}, (_, i) => i));
	const dom: Array<Set<number>> = Array.from({length: n + 1}, (_, i) => i === n ? new Set([n]) : new Set(all));
	let changed = true;
	while (changed) {
		changed = false;
		for (let v = 0; v < n; v++) {
			let meet: Set<number> | undefined;
			for (const p of allPreds(v)) {
				meet = meet === undefined ? new Set(dom[p]) : new Set([...meet].filter(x => dom[p]!.has(x)));
			}

			const next = new Set(meet ?? []);
			next.add(v);
			if (next.size !== dom[v]!.size || [...next].some(x => !dom[v]!.has(x))) {
				dom[v] = next;
				changed = true;
			}
		}
	}

	const idom: number[] = [];
	for (let v = 0; v < n; v++) {
		const strict = [...dom[v]!].filter(d => d !== v);
		// The immediate dominator is the strict dominator with the most dominators.
		const best = strict.reduce((a, b) => dom[a]!.size > dom[b]!.size ? a : b);
		idom.push(best === n ? NO_OBJECT : best);
	}

	const retained = Array.from({length: n}, (_, v) => {
		let sum = 0;
		for (let u = 0; u < n; u++) {
			if (dom[u]!.has(v)) {
				sum += graph.sizes[u]!;
			}
		}

		return sum;
	});
	const typeRetained = graph.typeNames.map((_, t) => {
		let sum = 0;
		for (let v = 0; v < n; v++) {
			if (graph.types[v] !== t) {
				continue;
			}

			const sameTypeAbove = [...dom[v]!].some(d => d !== v && d !== n && graph.types[d] === t);
			if (!sameTypeAbove) {
				sum += retained[v]!;
			}
		}

		return sum;
	});
	return {idom, retained, typeRetained, representatives};
}

function expectMatchesReference(graph: Graph, result: Dominators): void {
	const expected = reference(graph);
	expect(Array.from(result.idom)).toEqual(expected.idom);
	expect(Array.from(result.retainedSize)).toEqual(expected.retained);
	expect(Array.from(result.representatives)).toEqual(expected.representatives);
	expect(Array.from(result.typeRetainedSize)).toEqual(expected.typeRetained);
	expect(result.totalSize).toBe(graph.sizes.reduce((a, b) => a + b, 0));
}

describe('computeDominators', () => {
	it('matches the data-flow reference on 400 random graphs', () => {
		for (let seed = 1; seed <= 400; seed++) {
			const graph = randomGraph(seed);
			const result = computeDominators(storeOf(graph));
			try {
				expectMatchesReference(graph, result);
			} catch (error) {
				throw new Error(`seed ${seed}: ${(error as Error).message}`);
			}
		}
	});

	it('handles a diamond, a self-loop, an unresolved reference and an orphan cycle', () => {
		// 0 -> 1, 2; 1 -> 3; 2 -> 3; 3 -> 3, <missing>; 4 <-> 5 (no outside referrer); 5 -> 3
		const graph: Graph = {
			n: 6,
			children: [[1, 2], [3], [3], [3, -1], [5], [4, 3]],
			sizes: [1, 2, 4, 8, 16, 32],
			types: [0, 0, 0, 0, 0, 0],
			typeNames: ['T'],
		};
		const result = computeDominators(storeOf(graph));
		expect(Array.from(result.idom)).toEqual([NO_OBJECT, 0, 0, NO_OBJECT, NO_OBJECT, 4]);
		expect(Array.from(result.retainedSize)).toEqual([7, 2, 4, 8, 48, 32]);
		expect(Array.from(result.representatives)).toEqual([4]);
		expect(result.parentlessCount).toBe(1);
		expect(isDominatedByRoot(result, 3)).toBe(true);
		expect(Array.from(dominatorChain(result, 5))).toEqual([4]);
		expect(dominates(result, 4, 5)).toBe(true);
		expect(dominates(result, 0, 3)).toBe(false);
		expectMatchesReference(graph, result);
	});

	it('picks the lowest ordinal of each unreached source component', () => {
		// Component {3, 1} references component {2, 0}: only {1, 3} is a source; its representative is 1.
		const graph: Graph = {
			n: 4,
			children: [[2], [3], [0], [1, 0]],
			sizes: [1, 1, 1, 1],
			types: [0, 0, 0, 0],
			typeNames: ['T'],
		};
		const result = computeDominators(storeOf(graph));
		expect(Array.from(result.representatives)).toEqual([1]);
		expect(Array.from(result.idom)).toEqual([3, NO_OBJECT, 0, 1]);
		expectMatchesReference(graph, result);
	});

	it('counts a type once where objects of that type dominate each other', () => {
		// list 0 -> dict 1 -> list 2 -> dict 3
		const graph: Graph = {
			n: 4,
			children: [[1], [2], [3], []],
			sizes: [10, 20, 30, 40],
			types: [0, 1, 0, 1],
			typeNames: ['list', 'dict'],
		};
		const store = storeOf(graph);
		const result = computeDominators(store);
		expect(Array.from(result.typeRetainedSize)).toEqual([100, 90]);
		expect(Array.from(result.typeRetainedCount)).toEqual([1, 1]);
		const table = typeRetainedSizes(store, result);
		expect(table.map(row => [row.type, row.count, row.size, row.retainedSize])).toEqual([
			['list', 2, 40, 100],
			['dict', 2, 60, 90],
		]);
	});

	it('keeps the dominator tree on request, and rebuilds it from idom', () => {
		const graph = randomGraph(77);
		const store = storeOf(graph);
		const kept = computeDominators(store, {keepTree: true});
		const rebuilt = dominatorTree(computeDominators(store));
		expect(kept.tree).toBeDefined();
		expect(Array.from(kept.tree!.firstDominated)).toEqual(Array.from(rebuilt.firstDominated));
		expect(Array.from(kept.tree!.dominated)).toEqual(Array.from(rebuilt.dominated));
		expect(Array.from(kept.tree!.rootChildren)).toEqual(Array.from(rebuilt.rootChildren));
		for (let v = 0; v < graph.n; v++) {
			for (let e = rebuilt.firstDominated[v]!; e < rebuilt.firstDominated[v + 1]!; e++) {
				expect(kept.idom[rebuilt.dominated[e]!]).toBe(v);
			}
		}
	});

	it('handles an empty store', () => {
		const result = computeDominators(storeOf({n: 0, children: [], sizes: [], types: [], typeNames: []}));
		expect(result.idom.length).toBe(0);
		expect(result.totalSize).toBe(0);
	});
});

describe('pathological shapes', () => {
	it('a long chain', () => {
		const n = 200_000;
		const graph: Graph = {
			n,
			children: Array.from({length: n}, (_, i) => i + 1 < n ? [i + 1] : []),
			sizes: new Array<number>(n).fill(1),
			types: new Array<number>(n).fill(0),
			typeNames: ['node'],
		};
		const result = computeDominators(storeOf(graph));
		expect(result.idom[0]).toBe(NO_OBJECT);
		for (let i = 1; i < n; i++) {
			if (result.idom[i] !== i - 1 || result.retainedSize[i] !== n - i) {
				throw new Error(`wrong at ${i}`);
			}
		}

		expect(result.typeRetainedSize[0]).toBe(n);
		expect(dominatorChain(result, n - 1).length).toBe(n - 1);
	});

	it('a long chain closed into a cycle nobody references', () => {
		const n = 100_000;
		const graph: Graph = {
			n,
			children: Array.from({length: n}, (_, i) => [(i + 1) % n]),
			sizes: new Array<number>(n).fill(2),
			types: new Array<number>(n).fill(0),
			typeNames: ['node'],
		};
		const result = computeDominators(storeOf(graph));
		expect(Array.from(result.representatives)).toEqual([0]);
		expect(result.retainedSize[0]).toBe(2 * n);
		expect(result.idom[n - 1]).toBe(n - 2);
	});

	it('a clique', () => {
		const k = 300;
		const graph: Graph = {
			n: k + 1,
			// Object k references the clique; the clique members reference each other and themselves.
			children: [...Array.from({length: k}, () => Array.from({length: k}, (_, j) => j)), Array.from({length: k}, (_, j) => j)],
			sizes: new Array<number>(k + 1).fill(3),
			types: new Array<number>(k + 1).fill(0),
			typeNames: ['node'],
		};
		const result = computeDominators(storeOf(graph));
		for (let i = 0; i < k; i++) {
			expect(result.idom[i]).toBe(k);
		}

		expect(result.retainedSize[k]).toBe(3 * (k + 1));
	});

	it('a clique nobody references', () => {
		const k = 300;
		const graph: Graph = {
			n: k,
			children: Array.from({length: k}, (_, i) => Array.from({length: k}, (_, j) => (i + j) % k)),
			sizes: new Array<number>(k).fill(1),
			types: new Array<number>(k).fill(0),
			typeNames: ['node'],
		};
		const result = computeDominators(storeOf(graph));
		expect(Array.from(result.representatives)).toEqual([0]);
		expect(result.retainedSize[0]).toBe(k);
		for (let i = 1; i < k; i++) {
			expect(result.idom[i]).toBe(0);
		}
	});

	it('many parentless objects and many self-loops', () => {
		const n = 200_000;
		const graph: Graph = {
			n,
			// Even ordinals have no referrer; odd ones only reference themselves.
			children: Array.from({length: n}, (_, i) => i % 2 === 1 ? [i, i, -1] : []),
			sizes: Array.from({length: n}, (_, i) => i),
			types: new Array<number>(n).fill(0),
			typeNames: ['node'],
		};
		const result = computeDominators(storeOf(graph));
		expect(result.parentlessCount).toBe(n / 2);
		expect(result.representatives.length).toBe(n / 2);
		expect(result.representatives[0]).toBe(1);
		for (let i = 0; i < n; i++) {
			if (result.idom[i] !== NO_OBJECT || result.retainedSize[i] !== i) {
				throw new Error(`wrong at ${i}`);
			}
		}
	});
});

describe('slices and helpers', () => {
	function bigRandomStore(n: number, seed: number): GraphStore {
		const random = rng(seed);
		const children: number[][] = [];
		for (let i = 0; i < n; i++) {
			const count = Math.floor(random() * 5);
			children.push(Array.from({length: count}, () => Math.floor(random() * n)));
		}

		return storeOf({
			n,
			children,
			sizes: Array.from({length: n}, () => Math.floor(random() * 200)),
			types: Array.from({length: n}, () => Math.floor(random() * 5)),
			typeNames: ['a', 'b', 'c', 'd', 'e'],
		});
	}

	it('gives the same result run in many short slices', () => {
		const store = bigRandomStore(100_000, 5);
		const whole = computeDominators(store);
		const job = new DominatorJob(store);
		let slices = 0;
		const phases = new Set<string>();
		while (!job.run(performance.now())) {
			slices++;
			phases.add(job.progress().phase);
		}

		expect(slices).toBeGreaterThan(10);
		expect(phases.size).toBeGreaterThan(3);
		const sliced = job.result();
		expect(Buffer.compare(Buffer.from(sliced.idom.buffer, 0, sliced.idom.byteLength), Buffer.from(whole.idom.buffer, 0, whole.idom.byteLength))).toBe(0);
		expect(Array.from(sliced.retainedSize)).toEqual(Array.from(whole.retainedSize));
		expect(Array.from(sliced.typeRetainedSize)).toEqual(Array.from(whole.typeRetainedSize));
	});

	it('resumes inside a long list of referrers and inside a large bucket', () => {
		// Root 0 -> p (1) -> chain 2..101 -> x (102..20101), and p -> every x too:
		// each x has the chain's end as parent but p as semidominator, so all
		// of them land in p's bucket. Hub 20102 is referenced by every x.
		const chainEnd = 101;
		const xs = Array.from({length: 20_000}, (_, i) => 102 + i);
		const hub = 20_102;
		const n = hub + 1;
		const children: number[][] = Array.from({length: n}, () => []);
		children[0] = [1];
		children[1] = [2, ...xs];
		for (let c = 2; c < chainEnd; c++) {
			children[c] = [c + 1];
		}

		children[chainEnd] = [...xs];
		for (const x of xs) {
			children[x] = [hub];
		}

		const store = storeOf({n, children, sizes: new Array<number>(n).fill(1), types: new Array<number>(n).fill(0), typeNames: ['t']});
		const whole = computeDominators(store);
		for (const x of xs) {
			if (whole.idom[x] !== 1) {
				throw new Error(`idom of ${x} is ${whole.idom[x]}`);
			}
		}

		expect(whole.idom[hub]).toBe(1);
		expect(whole.retainedSize[1]).toBe(n - 1);
		const job = new DominatorJob(store);
		let slices = 0;
		while (!job.run(performance.now())) {
			slices++;
		}

		expect(slices).toBeGreaterThan(5);
		expect(Array.from(job.result().idom)).toEqual(Array.from(whole.idom));
		expect(Array.from(job.result().retainedSize)).toEqual(Array.from(whole.retainedSize));
	});

	it('runs asynchronously with progress, and can be cancelled', async () => {
		const store = bigRandomStore(50_000, 6);
		const whole = computeDominators(store);
		const fractions: number[] = [];
		const result = await computeDominatorsAsync(store, {sliceMs: 1, onProgress: progress => fractions.push(progress.fraction)});
		expect(Array.from(result.idom)).toEqual(Array.from(whole.idom));
		expect(fractions.at(-1)).toBe(1);
		for (let i = 1; i < fractions.length; i++) {
			expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]!);
		}

		const controller = new AbortController();
		controller.abort();
		await expect(computeDominatorsAsync(store, {signal: controller.signal})).rejects.toThrow(/cancelled/);
	});

	it('selects the top retainers without sorting everything', () => {
		const store = bigRandomStore(20_000, 8);
		const result = computeDominators(store);
		const sorted = Array.from({length: store.objectCount}, (_, i) => i)
			.sort((a, b) => (result.retainedSize[b]! - result.retainedSize[a]!) || (a - b));
		expect(Array.from(topRetainers(result, 25))).toEqual(sorted.slice(0, 25));
		const evens = sorted.filter(i => i % 2 === 0).slice(0, 7);
		expect(Array.from(topRetainers(result, 7, i => i % 2 === 0))).toEqual(evens);
		expect(Array.from(topByKey(Float64Array.from([3, 1, 3, 2]), 10))).toEqual([0, 2, 3, 1]);
		expect(topByKey(Float64Array.from([3, 1]), 0).length).toBe(0);
	});
});
