/**
 * Nothing in the analyses recurses on the graph's depth: every entry point
 * that walks the graph runs on a chain of 1,000,000 objects (each referring
 * to the next) and on the same chain closed into a cycle (no object
 * without referrers), through the core API and `path` through the CLI.
 */

import {describe, expect, it} from 'vitest';
import {collapseInstanceDicts} from '../../../source/core/analyses/collapse.js';
import {diffDumps, groupCandidates, newObjectsOf, snapshotOf, survivors} from '../../../source/core/analyses/diff.js';
import {
	computeDominators, dominatorChain, dominatorTree, topRetainers, typeRetainedSizes,
} from '../../../source/core/analyses/dominators.js';
import {removeExpensiveReferences} from '../../../source/core/analyses/expensive.js';
import {guessInternDict, objectsOfType, refsAsList} from '../../../source/core/analyses/objects.js';
import {findPath, findPaths} from '../../../source/core/analyses/paths.js';
import {summarizeReachable, totalSize, walkReachable} from '../../../source/core/analyses/reachable.js';
import {findObjectSuspects, findTypeSuspects} from '../../../source/core/analyses/report.js';
import {summarizeTypes} from '../../../source/core/analyses/summary.js';
import {loadDump} from '../../../source/core/dump/load.js';
import {runCli} from '../../helpers/cli.js';
import {writeDump} from '../../helpers/dump-lines.js';

const N = 1_000_000;
const SIZE = 32;

/** Objects 1..N, each referring to the next; the last to the first when `closed`. */
function chainText(closed: boolean): string {
	const lines: string[] = [];
	for (let a = 1; a <= N; a++) {
		const next = a < N ? a + 1 : (closed ? 1 : 0);
		lines.push(`{"address": ${a}, "type": "Node", "size": ${SIZE}, "refs": [${next === 0 ? '' : next}]}`);
	}

	return lines.join('\n') + '\n';
}

const chainFile = writeDump(chainText(false));
const cycleFile = writeDump(chainText(true));

describe('analyses on a 1,000,000-object chain', () => {
	it('walks, summarizes, finds paths and dominators without recursion', async () => {
		const {store} = await loadDump(chainFile, {workers: 0});
		const first = store.indexOf(1);
		const last = store.indexOf(N);
		expect(totalSize(store, first)).toBe(N * SIZE);
		expect(walkReachable(store, first).order.length).toBe(N);
		expect(summarizeReachable(store, first).totalCount).toBe(N);
		expect(summarizeTypes(store).totalSize).toBe(N * SIZE);
		expect(objectsOfType(store, store.typeId('Node')).length).toBe(N);
		expect(refsAsList(store, first).length).toBe(1);
		guessInternDict(store);

		const path = findPath(store, last);
		expect(path?.ordinals.length).toBe(N);
		expect(path?.rootKind).toBe('no-referrers');
		expect(findPaths(store, last, 3, {skipWeak: true, skipExpensive: true}).paths.length).toBe(1);

		const dominators = computeDominators(store);
		expect(dominators.retainedSize[first]).toBe(N * SIZE);
		expect(dominatorChain(dominators, last).length).toBe(N - 1);
		expect(dominatorTree(dominators).rootChildren.length).toBe(1);
		expect(topRetainers(dominators, 5).length).toBe(5);
		expect(typeRetainedSizes(store, dominators)[0]!.type).toBe('Node');
		expect(findObjectSuspects(store, dominators).length).toBeGreaterThan(0);
		findTypeSuspects(store, dominators);

		const snapshot = snapshotOf(store);
		const {store: again} = await loadDump(chainFile, {workers: 0});
		expect(diffDumps(snapshot, again).types.length).toBe(1);
		const isNew = new Uint8Array(again.objectCount).fill(1, N / 2);
		const candidates = newObjectsOf(again, isNew);
		const {member} = survivors(candidates, again);
		expect(groupCandidates(again, computeDominators(again), member).total).toBe(N / 2);

		expect(collapseInstanceDicts(again).collapsed).toBe(0);
		expect(removeExpensiveReferences(again).store.objectCount).toBeGreaterThanOrEqual(N);
	}, 300_000);

	it('finds the path and dominators on a 1,000,000-object cycle nothing references', async () => {
		const {store} = await loadDump(cycleFile, {workers: 0});
		const path = findPath(store, store.indexOf(N));
		expect(path?.rootKind).toBe('unreferenced-cycle');
		expect(path?.ordinals.length).toBe(N);
		const dominators = computeDominators(store);
		expect(dominators.totalSize).toBe(N * SIZE);
		expect(findObjectSuspects(store, dominators).length).toBeGreaterThan(0);
	}, 300_000);

	it('prints the path through the command line', async () => {
		const text = await runCli(['path', chainFile, String(N)], {timeoutMs: 240_000});
		expect(text.stderr).toBe('');
		expect(text.code).toBe(0);
		const lines = text.stdout.trimEnd().split('\n');
		expect(lines.length).toBe(N + 1);
		expect(lines.at(-1)).toMatch(/Node\(1000000 /);
		const json = await runCli(['path', chainFile, String(N), '--json'], {timeoutMs: 240_000});
		expect(json.code).toBe(0);
		expect((JSON.parse(json.stdout) as {path: unknown[]}).path.length).toBe(N);
	}, 300_000);
});
