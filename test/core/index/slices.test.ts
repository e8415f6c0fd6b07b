/**
 * Parts of an index and of its saved analyses read a slice at a time, on a
 * real Python 3 dump: the parents stored in the index itself (a CRC-32 per
 * block, checked on use), and the retained sizes `top` streams instead of
 * reading the dominators whole. Each answers as the whole arrays do; a
 * damaged block is never used.
 */

import {closeSync, existsSync, openSync, readFileSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {computeDominators, type Dominators, topRetainers} from '../../../source/core/analyses/dominators.js';
import {type LoadOptions, type LoadResult} from '../../../source/core/dump/load.js';
import {analysesPath} from '../../../source/core/index/analyses-file.js';
import {IndexReadError} from '../../../source/core/index/index-source.js';
import {savedLargestRetained} from '../../../source/core/index/saved-analyses.js';
import {ExplorerModel} from '../../../source/ui/state/model.js';
import {summarizeTypes} from '../../../source/core/analyses/summary.js';
import {runCli} from '../../helpers/cli.js';
import {interpreters} from '../../capture/python.js';
import {copyDump as copyDumpOf, indexOf, type Loaded, loadNoted, pythonHeap, sectionOf} from './indexed.js';

const found = interpreters();

let original = '';
let truth: LoadResult;
let truthDominators: Dominators;

async function load(file: string, options: LoadOptions = {}): Promise<Loaded> {
	return loadNoted(file, {workers: 0, index: true, parents: false, env: {XDG_CACHE_HOME: join(file, '..', 'cache')}, ...options});
}

const copyDump = (): string => copyDumpOf(original, 'meliae-slices-');

function flipByte(path: string, position: number): void {
	const bytes = readFileSync(path);
	const fd = openSync(path, 'r+');
	writeSync(fd, Buffer.of(bytes[position]! ^ 0x10), 0, 1, position);
	closeSync(fd);
}

const truthParents = (ordinal: number): number[] => [...truth.store.parentSources.subarray(truth.store.firstParent[ordinal]!, truth.store.firstParent[ordinal + 1]!)];

describe.skipIf(found.length === 0)('slices of an index and its analyses', () => {
	beforeAll(async () => {
		({original, truth} = await pythonHeap('meliae-slices-', 3000));
		truthDominators = computeDominators(truth.store);
	}, 60_000);

	it('the parents stored in the index are read one object\'s at a time, each block checked, equal to the built ones', async () => {
		const file = copyDump();
		// A load that builds the parents saves them in the index.
		await load(file, {parents: true});
		const next = await load(file);
		const {store} = next.result;
		expect(store.hasParents).toBe(true);
		const n = store.objectCount;
		const before = store.byteLength;
		for (let k = 0; k < 300; k++) {
			const ordinal = Math.floor(k * (n - 1) / 299);
			expect([...store.parentsOf(ordinal)], String(ordinal)).toEqual(truthParents(ordinal));
			expect(store.parentCount(ordinal)).toBe(truthParents(ordinal).length);
		}

		// Not read whole.
		expect(store.byteLength).toBe(before);
		expect(next.notes).toEqual([]);
	});

	it('a damaged block of the index\'s parents is found when it is read: never an answer from it, the index removed', async () => {
		const file = copyDump();
		await load(file, {parents: true});
		const n = truth.store.objectCount;
		const busiest = Array.from({length: n}, (_, k) => k).sort((a, b) => truthParents(b).length - truthParents(a).length)[0]!;
		const section = sectionOf(indexOf(file), 'parentSources');
		flipByte(indexOf(file), section.offset + (truth.store.firstParent[busiest]! * 4) + 1);
		const next = await load(file);
		expect(next.result.index?.read).toBe(true);
		let failure: unknown;
		try {
			next.result.store.parentsOf(busiest);
		} catch (error) {
			failure = error;
		}

		expect(failure).toBeInstanceOf(IndexReadError);
		expect((failure as Error).message).toMatch(/block \d+ of parentSources fails its checksum/);
		expect(existsSync(indexOf(file))).toBe(false);
	});

	it('top streams the saved retained sizes: the same objects and sizes as the whole dominators give', async () => {
		const file = copyDump();
		await load(file);
		expect((await runCli(['top', file, '--limit', '1'], {env: {XDG_CACHE_HOME: join(file, '..', 'cache')}})).code).toBe(0);
		const next = await load(file);
		for (const count of [1, 20, 500, truth.store.objectCount + 5]) {
			const largest = savedLargestRetained(next.result.store, count);
			expect(largest, String(count)).toBeDefined();
			const expected = topRetainers(truthDominators, count);
			expect([...largest!.ordinals], String(count)).toEqual([...expected]);
			expect([...largest!.retainedSizes], String(count)).toEqual(Array.from(expected, ordinal => truthDominators.retainedSize[ordinal]!));
			expect(largest!.totalSize).toBe(truthDominators.totalSize);
			expect(largest!.representativeCount).toBe(truthDominators.representatives.length);
		}

		expect(next.notes).toEqual([]);
	});

	it('top on a reopen prints what a parse prints; a damaged block of retained sizes is one note and the answer computed', async () => {
		const file = copyDump();
		const env = {XDG_CACHE_HOME: join(file, '..', 'cache')};
		expect((await runCli(['index', file], {env})).code).toBe(0);
		for (const args of [['--limit', '30'], ['--limit', '30', '--json'], ['--by', 'size', '--json']]) {
			// eslint-disable-next-line no-await-in-loop
			const expected = await runCli(['top', file, ...args, '--no-index'], {env});
			// eslint-disable-next-line no-await-in-loop
			const reopened = await runCli(['top', file, ...args], {env});
			expect(reopened.stderr, args.join(' ')).toBe(expected.stderr);
			expect(reopened.stdout, args.join(' ')).toBe(expected.stdout);
		}

		const expected = await runCli(['top', file, '--no-index'], {env});
		const companion = analysesPath(indexOf(file));
		const section = sectionOf(companion, 'retainedSize');
		flipByte(companion, section.offset + Math.floor(section.bytes / 2));
		const damaged = await runCli(['top', file], {env});
		expect(damaged.code).toBe(0);
		expect(damaged.stdout).toBe(expected.stdout);
		expect(damaged.stderr).toMatch(/^meliae-tui: note: saved analyses .* are unusable \(block \d+ of retainedSize fails its checksum\); computing them\n/);
	});

	it('the explorer shows the summary and queues the retained sizes without reading a column or the saved analyses; they come in background slices', async () => {
		const file = copyDump();
		const env = {XDG_CACHE_HOME: join(file, '..', 'cache')};
		expect((await runCli(['index', file], {env})).code).toBe(0);
		const next = await load(file);
		const {store} = next.result;
		const model = new ExplorerModel([{file, store}]);
		expect(model.summary('size')).toEqual(summarizeTypes(truth.store, 'size'));
		let ready = false;
		model.requestRetained(() => {
			ready = true;
		});
		// The first frame needs nothing more: no column, no saved analyses read yet.
		expect(store.byteLength).toBe(0);
		expect(model.retained.status).toBe('computing');
		let slices = 0;
		while (model.jobs.run(1) && !ready) {
			slices++;
		}

		expect(ready).toBe(true);
		expect(slices).toBeGreaterThan(3);
		const {dominators} = model;
		expect([...dominators!.retainedSize]).toEqual([...truthDominators.retainedSize]);
		expect([...dominators!.idom]).toEqual([...truthDominators.idom]);
		expect(next.notes).toEqual([]);
	});
});
