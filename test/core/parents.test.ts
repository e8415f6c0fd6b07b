import {describe, expect, it} from 'vitest';
import {buildParents, ParentsBuilder} from '../../source/core/graph/store.js';
import {UNRESOLVED_BIT} from '../../source/core/graph/layout.js';
import {seededRandom} from '../helpers/random.js';

/** A random graph in CSR form, with repeats, self-loops and unresolved targets. */
function randomGraph(n: number, seed: number): {firstChild: Uint32Array; childTargets: Uint32Array} {
	const next = seededRandom(seed);
	const random = (limit: number): number => Math.floor(next() * limit);

	const firstChild = new Uint32Array(n + 1);
	const targets: number[] = [];
	for (let i = 0; i < n; i++) {
		const count = random(6);
		for (let k = 0; k < count; k++) {
			const roll = random(20);
			targets.push(roll === 0 ? i : (roll === 1 ? UNRESOLVED_BIT | random(10) : random(n)));
			if (roll === 2 && targets.length > firstChild[i]! + 1) {
				targets.push(targets.at(-2)!);
			}
		}

		firstChild[i + 1] = targets.length;
	}

	return {firstChild, childTargets: Uint32Array.from(targets)};
}

/** Parents the slow, obvious way. */
function reference(n: number, firstChild: Uint32Array, childTargets: Uint32Array): number[][] {
	const parents: Array<Set<number>> = Array.from({length: n}, () => new Set());
	for (let source = 0; source < n; source++) {
		for (let e = firstChild[source]!; e < firstChild[source + 1]!; e++) {
			const target = childTargets[e]!;
			if (target < UNRESOLVED_BIT) {
				parents[target]!.add(source);
			}
		}
	}

	return parents.map(set => [...set].sort((a, b) => a - b));
}

describe('parents', () => {
	it('are the distinct referrers, ascending, built at once or in steps', () => {
		for (const seed of [1, 2, 3]) {
			const n = 3000;
			const {firstChild, childTargets} = randomGraph(n, seed);
			const expected = reference(n, firstChild, childTargets);
			const whole = buildParents(n, firstChild, childTargets);
			const steps = new ParentsBuilder(n, firstChild, childTargets, new Uint32Array(n + 5).fill(7));
			let calls = 0;
			// A deadline already passed: one unit of work per call, at least.
			while (!steps.step(performance.now() - 1) && calls < 1_000_000) {
				calls++;
			}

			expect(calls).toBeGreaterThan(0);
			for (const built of [whole, steps.result()]) {
				const lists = Array.from({length: n}, (_, t) => [...built.parentSources.subarray(built.firstParent[t]!, built.firstParent[t + 1]!)]);
				expect(lists).toEqual(expected);
			}
		}
	});
});
