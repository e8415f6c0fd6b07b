/**
 * Analyses saved with the index (INDEX.analyses), on a real Python 3 dump:
 * dominators and retained sizes computed once are read back by the next
 * load and equal a fresh computation; parents built after an index without
 * them are saved; a damaged, truncated, hostile or outdated analyses file
 * is never trusted (one note, computed again, rewritten); a read-only
 * place is one note. Values read from the open index on demand detect an
 * index changed in place, and never mix two states of a dump. Temporary
 * files of dead writers are removed.
 */

import {execFileSync, spawn} from 'node:child_process';
import {
	closeSync, copyFileSync, existsSync, openSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, writeSync,
} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {computeDominators, type Dominators} from '../../../source/core/analyses/dominators.js';
import {type LoadOptions, type LoadResult} from '../../../source/core/dump/load.js';
import {isTraverseOrderDump} from '../../../source/core/analyses/dict-layout.js';
import {NO_OBJECT} from '../../../source/core/graph/layout.js';
import {analysesPath, readAnalysesGroup, writeAnalysesFile} from '../../../source/core/index/analyses-file.js';
import {identifyDump} from '../../../source/core/index/identity.js';
import {removeStaleTemporaries} from '../../../source/core/index/index-file.js';
import {IndexReadError} from '../../../source/core/index/index-source.js';
import {savedDominanceOf, savedDominators, saveAnalyses} from '../../../source/core/index/saved-analyses.js';
import {findDuplicateStrings} from '../../../source/core/waste/duplicates.js';
import {coreAnalyses} from '../../../source/ui/state/analyses.js';
import {findInList, makeMatcher} from '../../../source/ui/state/search.js';
import {cliPath, NODE_FLAGS, runCli} from '../../helpers/cli.js';
import {interpreters, pythonDir, run, scratchDir} from '../../capture/python.js';
import {copyDump as copyDumpOf, indexOf, type Loaded, loadNoted, pythonHeap, sameDominators, sectionOf} from './indexed.js';

const programs = new URL('programs/', import.meta.url).pathname;
const found = interpreters();
const isRoot = process.getuid?.() === 0;

let cacheHome = '';
let original = '';
let truth: LoadResult;
let truthDominators: Dominators;

async function load(file: string, options: LoadOptions = {}): Promise<Loaded> {
	return loadNoted(file, {workers: 0, index: true, parents: false, env: {XDG_CACHE_HOME: cacheHome}, ...options});
}

const copyDump = (): string => copyDumpOf(original, 'meliae-analyses-');
const companionOf = (file: string): string => analysesPath(indexOf(file));


/** Dominators as a command gets them: saved ones, else computed and saved. */
function dominatorsOf(loaded: Loaded): {dominators: Dominators; saved: boolean} {
	const saved = savedDominators(loaded.result.store);
	if (saved !== undefined) {
		return {dominators: saved, saved: true};
	}

	const dominators = computeDominators(loaded.result.store);
	saveAnalyses(loaded.result.store, dominators);
	return {dominators, saved: false};
}

/** A file with analyses saved: indexed, then dominators computed once. */
async function withAnalyses(): Promise<string> {
	const file = copyDump();
	const first = await load(file);
	expect(first.result.index?.read).toBe(false);
	expect(dominatorsOf(first).saved).toBe(false);
	expect(existsSync(companionOf(file))).toBe(true);
	return file;
}

function flipByte(file: string, position: number): void {
	const bytes = readFileSync(file);
	const fd = openSync(file, 'r+');
	writeSync(fd, Buffer.of(bytes[position]! ^ 0x10), 0, 1, position);
	closeSync(fd);
}

describe.skipIf(found.length === 0)('analyses saved with the index', () => {
	beforeAll(async () => {
		({original, cacheHome, truth} = await pythonHeap('meliae-analyses-', 2000));
		truthDominators = computeDominators(truth.store);
	}, 60_000);

	it('are saved when computed on an indexed load, and the next load reads the same dominators', async () => {
		const file = await withAnalyses();
		expect(statSync(companionOf(file)).mode & 0o777).toBe(0o600);
		const next = await load(file);
		expect(next.notes).toEqual([]);
		expect(next.result.index?.read).toBe(true);
		const {dominators, saved} = dominatorsOf(next);
		expect(saved).toBe(true);
		sameDominators(dominators, truthDominators);
		// The saved parents come with them: the store did not build its own.
		expect([...next.result.store.parentSources]).toEqual([...truth.store.parentSources]);
		expect([...next.result.store.firstParent]).toEqual([...truth.store.firstParent]);
		// Nothing left behind but the dump, its sidecar, the index and its analyses.
		expect(readdirSync(join(file, '..')).filter(name => name.endsWith('.tmp'))).toEqual([]);
	});

	it('the explorer\'s retained-size job saves them when it finishes, and the next time reads them in steps, nothing before the first', async () => {
		const file = copyDump();
		const first = await load(file, {parents: true});
		const job = coreAnalyses.retained!(first.result.store);
		let steps = 0;
		while (!job.step(performance.now() + 1)) {
			steps++;
		}

		sameDominators(job.result(), truthDominators);
		expect(existsSync(companionOf(file))).toBe(true);
		const next = await load(file, {parents: true});
		const {store} = next.result;
		const again = coreAnalyses.retained!(store);
		// Nothing is read before the first step, then a few checked blocks per step.
		expect(store.isLoaded('objectSize')).toBe(false);
		let againSteps = 1;
		while (!again.step(performance.now())) {
			againSteps++;
		}

		expect(againSteps).toBeGreaterThan(3);
		sameDominators(again.result(), truthDominators);
		expect(steps).toBeGreaterThan(0);
		expect(next.notes).toEqual([]);
	});

	it('an index written without parents gets them saved once they are built, and the next load reads them', async () => {
		const file = copyDump();
		const first = await load(file);
		expect(first.result.store.hasParents).toBe(false);
		first.result.store.ensureParents();
		// Saved after the current task (an analysis building them on its way to the dominators saves both at once).
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		const identity = identifyDump(file, {collapse: true, removeExpensive: false})!;
		const second = await load(file);
		const binding = {indexBytes: statSync(indexOf(file)).size, headerCrc: readFileSync(indexOf(file)).readUInt32LE(20)};
		const parents = readAnalysesGroup(companionOf(file), binding, identity, second.result.store, 'parents');
		expect(parents).toBeDefined();
		expect([...parents!.parentSources]).toEqual([...truth.store.parentSources]);
		expect(readAnalysesGroup(companionOf(file), binding, identity, second.result.store, 'dominators')).toBeUndefined();
		expect([...second.result.store.firstParent]).toEqual([...truth.store.firstParent]);
	});

	it('with a flipped bit anywhere or cut short are not used: one note, computed again, and rewritten', async () => {
		const file = await withAnalyses();
		const good = readFileSync(companionOf(file));
		const positions = [9, 13, 17, 21, 40];
		for (let k = 1; k < 16; k++) {
			positions.push(Math.floor(good.length * k / 16));
		}

		const cuts = [0, 10, 30, Math.floor(good.length / 2), good.length - 1];
		const cases: Array<[string, () => void]> = [
			...positions.map((position): [string, () => void] => [`byte ${position}`, () => {
				writeFileSync(companionOf(file), good, {mode: 0o600});
				flipByte(companionOf(file), position);
			}]),
			...cuts.map((length): [string, () => void] => [`cut at ${length}`, () => {
				writeFileSync(companionOf(file), good.subarray(0, length), {mode: 0o600});
			}]),
		];
		let recomputed = 0;
		for (const [what, damage] of cases) {
			damage();
			const next = await load(file);
			expect(next.result.index?.read, what).toBe(true);
			const {dominators, saved} = dominatorsOf(next);
			sameDominators(dominators, truthDominators);
			// The parents are a group of their own, read when first used.
			expect([...next.result.store.parentSources], what).toEqual([...truth.store.parentSources]);
			await new Promise(resolve => {
				setImmediate(resolve);
			});
			recomputed += saved ? 0 : 1;
			const position = what.startsWith('byte ') ? Number(what.slice(5)) : -1;
			// Another format version (bytes 8 to 11) is replaced without a note; any other damage is one note.
			expect(next.notes, what).toEqual(position >= 8 && position < 12 ? [] : [expect.stringMatching(/^note: saved analyses .*\.mtui-index\.analyses are unusable \(.*\); computing them$/)]);
			// Rewritten whole: the next load reads both groups.
			const again = await load(file);
			const reread = dominatorsOf(again);
			expect(reread.saved, what).toBe(true);
			sameDominators(reread.dominators, truthDominators);
			expect([...again.result.store.parentSources], what).toEqual([...truth.store.parentSources]);
			expect(again.notes, what).toEqual([]);
		}

		expect(recomputed).toBeGreaterThan(5);
	});

	it('that are hostile (checksums right, values impossible) are detected, never used', async () => {
		const file = await withAnalyses();
		const identity = identifyDump(file, {collapse: true, removeExpensive: false})!;
		const binding = {indexBytes: statSync(indexOf(file)).size, headerCrc: readFileSync(indexOf(file)).readUInt32LE(20)};
		const n = truth.store.objectCount;
		const biggest = truthDominators.retainedSize.indexOf(Math.max(...truthDominators.retainedSize));
		const child = truthDominators.idom.findIndex(parent => parent !== NO_OBJECT);
		const cases: Array<[string, (d: {idom: Uint32Array; retainedSize: Float64Array; representatives: Uint32Array}) => void, RegExp]> = [
			['an idom past the table', d => {
				d.idom[5] = n;
			}, /dominator of object 5 is outside/],
			['an object its own dominator', d => {
				d.idom[7] = 7;
			}, /dominator of object 7 is outside/],
			['a cycle of dominators', d => {
				d.idom[biggest] = child;
			}, /retained size of object|cycle/],
			['a retained size below the own size', d => {
				d.retainedSize[3] = -1;
			}, /retained size of object 3 is impossible/],
			['a retained size that is not a number', d => {
				d.retainedSize[4] = Number.NaN;
			}, /retained size of object 4 is impossible/],
			['a retained size above its dominator', d => {
				d.retainedSize[child] = truthDominators.retainedSize[truthDominators.idom[child]!]! + 1;
			}, /impossible/],
			['representatives out of order', d => {
				d.representatives = Uint32Array.of(5, 3);
			}, /representatives/],
		];
		for (const [what, change, message] of cases) {
			const bad = {
				...truthDominators,
				idom: truthDominators.idom.slice(),
				retainedSize: truthDominators.retainedSize.slice(),
				representatives: truthDominators.representatives.slice(),
			};
			change(bad);
			writeAnalysesFile(companionOf(file), binding, identity, truth.store, {dominators: bad});
			const next = await load(file);
			const {dominators, saved} = dominatorsOf(next);
			expect(saved, what).toBe(false);
			expect(next.notes, what).toEqual([expect.stringMatching(message)]);
			sameDominators(dominators, truthDominators);
		}
	});

	/** Where a section of the companion lies (from its header). */
	const companionSection = (file: string, name: string): {offset: number; bytes: number} => sectionOf(companionOf(file), name);

	const truthParents = (ordinal: number): number[] => [...truth.store.parentSources.subarray(truth.store.firstParent[ordinal]!, truth.store.firstParent[ordinal + 1]!)];

	it('one object\'s parents and dominator are read by checked slices, equal to the computed ones, without reading them whole', async () => {
		const file = await withAnalyses();
		const next = await load(file);
		const {store} = next.result;
		const n = store.objectCount;
		// The retained sizes' check compares with the object's own size: read it first.
		expect(store.objectSize.length).toBe(n);
		const before = store.byteLength;
		const ordinals = Array.from({length: 300}, (_, k) => Math.floor(k * (n - 1) / 299));
		for (const ordinal of ordinals) {
			expect([...store.parentsOf(ordinal)], String(ordinal)).toEqual(truthParents(ordinal));
			expect(store.parentCount(ordinal)).toBe(truthParents(ordinal).length);
			expect(savedDominanceOf(store, ordinal)).toEqual({idom: truthDominators.idom[ordinal], retainedSize: truthDominators.retainedSize[ordinal]});
		}

		// Neither the parents nor the dominators were read whole.
		expect(store.byteLength).toBe(before);
		expect(next.notes).toEqual([]);
		// Past a few thousand slices, the whole parents are read instead (a pass over every object stays fast).
		for (let ordinal = 0; ordinal < n; ordinal++) {
			expect(store.parentCount(ordinal)).toBe(truthParents(ordinal).length);
		}

		expect(n > 4096 ? store.byteLength > before : true).toBe(true);
	});

	it('a slice from a damaged block is never used: one note, and the answer from the whole (computed) analyses', async () => {
		const file = await withAnalyses();
		const good = readFileSync(companionOf(file));
		const n = truth.store.objectCount;
		const busiest = Array.from({length: n}, (_, k) => k).sort((a, b) => truthParents(b).length - truthParents(a).length)[0]!;
		for (const [name, ordinal, element] of [
			['parentSources', busiest, truth.store.firstParent[busiest]!],
			['firstParent', busiest, busiest],
			['idom', 5, 5],
			['retainedSize', 5, 5],
		] as const) {
			writeFileSync(companionOf(file), good, {mode: 0o600});
			const section = companionSection(file, name);
			flipByte(companionOf(file), section.offset + (element * (name === 'retainedSize' ? 8 : 4)) + 1);
			const next = await load(file);
			const {store} = next.result;
			if (name === 'idom' || name === 'retainedSize') {
				expect(savedDominanceOf(store, ordinal), name).toBeUndefined();
			} else {
				expect([...store.parentsOf(ordinal)], name).toEqual(truthParents(ordinal));
			}

			expect(next.notes, name).toEqual([expect.stringMatching(new RegExp(`unusable \\(block \\d+ of ${name} fails its checksum\\)`))]);
			// The parents built instead are saved after the current task: let that happen before the next case.
			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setImmediate(resolve);
			});
		}
	});

	it('a slice with impossible values (checksums right) is never used', async () => {
		const file = await withAnalyses();
		const identity = identifyDump(file, {collapse: true, removeExpensive: false})!;
		const binding = {indexBytes: statSync(indexOf(file)).size, headerCrc: readFileSync(indexOf(file)).readUInt32LE(20)};
		const n = truth.store.objectCount;
		const bad = {...truthDominators, idom: truthDominators.idom.slice(), retainedSize: truthDominators.retainedSize.slice()};
		bad.idom[5] = n;
		bad.retainedSize[6] = Number.NaN;
		const firstParent = truth.store.firstParent.slice();
		const parentSources = truth.store.parentSources.slice();
		const withParent = truth.store.firstParent.findIndex((offset, k) => k < n && truth.store.firstParent[k + 1]! > offset);
		parentSources[firstParent[withParent]!] = n + 3;
		writeAnalysesFile(companionOf(file), binding, identity, truth.store, {parents: {firstParent, parentSources}, dominators: bad});
		for (const [what, check, message] of [
			['idom', (store: LoadResult['store']) => expect(savedDominanceOf(store, 5)).toBeUndefined(), /dominator of object 5 is outside/],
			['retained', (store: LoadResult['store']) => expect(savedDominanceOf(store, 6)).toBeUndefined(), /retained size of object 6 is impossible/],
			['parent', (store: LoadResult['store']) => expect([...store.parentsOf(withParent)]).toEqual(truthParents(withParent)), /parent of object \d+ is outside|parent \d+ points outside/],
		] as const) {
			// eslint-disable-next-line no-await-in-loop
			const next = await load(file);
			check(next.result.store);
			expect(next.notes[0], what).toMatch(message);
		}
	});

	it('of an older index (the dump changed and was indexed again) are ignored without a note, then replaced', async () => {
		const file = await withAnalyses();
		const old = readFileSync(companionOf(file));
		// Same bytes, new time: a new identity, so a new index.
		const later = new Date(Date.now() + 5000);
		utimesSync(file, later, later);
		const rebuilt = await load(file);
		expect(rebuilt.result.index?.read).toBe(false);
		expect(rebuilt.notes).toEqual([expect.stringMatching(/is out of date/)]);
		expect(readFileSync(companionOf(file)).equals(old)).toBe(true);
		const next = await load(file);
		const {dominators, saved} = dominatorsOf(next);
		expect(saved).toBe(false);
		expect(next.notes).toEqual([]);
		sameDominators(dominators, truthDominators);
		expect(readFileSync(companionOf(file)).equals(old)).toBe(false);
		expect(dominatorsOf(await load(file)).saved).toBe(true);
	});

	it('writing an index removes the temporary files dead writers left beside it', async () => {
		const file = copyDump();
		const stale = `${indexOf(file)}.${2 ** 22 + 999}.00112233aabb.tmp`;
		writeFileSync(stale, 'MTUIINDX partial');
		const old = new Date(Date.now() - (3600 * 1000));
		utimesSync(stale, old, old);
		expect((await load(file)).result.index?.read).toBe(false);
		expect(existsSync(stale)).toBe(false);
		expect(existsSync(indexOf(file))).toBe(true);
	});

	it('two processes adding them at once both succeed, and leave one valid file', async () => {
		const file = copyDump();
		const env = {XDG_CACHE_HOME: cacheHome};
		const built = await runCli(['index', file, '--no-analyses'], {env});
		expect(built.code).toBe(0);
		expect(existsSync(companionOf(file))).toBe(false);
		const expected = (await runCli(['top', file, '--limit', '20', '--no-index'], {env})).stdout;
		const results = await Promise.all([
			runCli(['top', file, '--limit', '20'], {env}), runCli(['top', file, '--limit', '20'], {env}), runCli(['retained', file, String(truth.store.objectAddress[0]!)], {env}),
		]);
		for (const result of results.slice(0, 2)) {
			expect(result.stderr).toBe('');
			expect(result.code).toBe(0);
			expect(result.stdout).toBe(expected);
		}

		expect(results[2]!.code).toBe(0);
		expect(readdirSync(join(file, '..')).filter(name => name.includes('mtui-index')).sort()).toEqual(['heap.json.mtui-index', 'heap.json.mtui-index.analyses']);
		const next = await load(file);
		const {dominators, saved} = dominatorsOf(next);
		expect(saved).toBe(true);
		sameDominators(dominators, truthDominators);
	});

	it('Ctrl-C at any moment of a command that saves them leaves nothing a later load trusts wrongly', async () => {
		const file = copyDump();
		const env = {...process.env, XDG_CACHE_HOME: cacheHome};
		const expected = (await runCli(['top', file, '--limit', '20', '--no-index'], {env})).stdout;
		// The moments of the interrupt: fractions of how long the whole command takes here.
		expect((await runCli(['index', file, '--no-analyses'], {env})).code).toBe(0);
		const started = performance.now();
		expect((await runCli(['top', file, '--limit', '20'], {env})).code).toBe(0);
		const wholeMs = performance.now() - started;
		let interrupted = 0;
		for (const delayMs of [0.2, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9].map(part => Math.round(part * wholeMs))) {
			// Each time from an index without analyses.
			// eslint-disable-next-line no-await-in-loop
			expect((await runCli(['index', file, '--no-analyses'], {env})).code).toBe(0);
			// eslint-disable-next-line no-await-in-loop
			const code = await new Promise<number | null>(resolve => {
				const child = spawn(process.execPath, [...NODE_FLAGS, cliPath, 'top', file, '--limit', '20'], {env, stdio: 'ignore'});
				const timer = setTimeout(() => child.kill('SIGINT'), delayMs);
				child.on('exit', (exitCode, signal) => {
					clearTimeout(timer);
					resolve(signal === null ? exitCode : 128 + 2);
				});
			});
			interrupted += code === 0 ? 0 : 1;
			// eslint-disable-next-line no-await-in-loop
			const after = await runCli(['top', file, '--limit', '20'], {env});
			expect(after.code, `after ${delayMs} ms`).toBe(0);
			expect(after.stdout, `after ${delayMs} ms`).toBe(expected);
			expect(after.stderr, `after ${delayMs} ms`).toBe('');
		}

		expect(interrupted).toBeGreaterThan(0);
	}, 120_000);

	describe.skipIf(!isRoot)('a place that refuses', () => {
		it('a read-only directory: one note, the command answers', async () => {
			const dir = scratchDir('meliae-analyses-');
			execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir]);
			try {
				const file = join(dir, 'heap.json');
				copyFileSync(original, file);
				expect((await load(file)).result.index?.path).toBe(indexOf(file));
				execFileSync('mount', ['-o', 'remount,ro', dir]);
				const next = await load(file);
				const {dominators, saved} = dominatorsOf(next);
				expect(saved).toBe(false);
				sameDominators(dominators, truthDominators);
				expect(next.notes).toEqual([expect.stringMatching(/^note: not saving analyses beside the index .*: EROFS$/)]);
				expect(existsSync(companionOf(file))).toBe(false);
			} finally {
				// Lazily: the loads keep their index open.
				execFileSync('umount', ['-l', dir]);
			}
		});
	});
});

describe.skipIf(found.length === 0)('values read from the open index', () => {
	beforeAll(async () => {
		if (original === '') {
			({original, cacheHome, truth} = await pythonHeap('meliae-analyses-', 2000));
		}
	}, 60_000);

	const stringOrdinals = (): number[] => {
		const out: number[] = [];
		for (let i = 0; i < truth.store.objectCount && out.length < 200; i++) {
			if (truth.store.value(i) !== undefined) {
				out.push(i);
			}
		}

		return out;
	};

	it('come from the file one by one, equal to the parsed ones, without reading the value arena', async () => {
		const file = copyDump();
		await load(file);
		const next = await load(file);
		expect(next.result.index?.read).toBe(true);
		for (let i = 0; i < truth.store.objectCount; i++) {
			expect(next.result.store.value(i)).toBe(truth.store.value(i));
		}

		expect(next.result.store.isLoaded('valueBytes')).toBe(false);
	});

	it('a reopened dump knows its dicts\' order and its count of references from the index, without a pass over the columns', async () => {
		const file = copyDump();
		await load(file);
		const next = await load(file);
		expect(next.result.index?.read).toBe(true);
		expect(isTraverseOrderDump(next.result.store)).toBe(isTraverseOrderDump(truth.store));
		expect(next.result.store.isLoaded('objectLength')).toBe(false);
		expect(next.result.store.isLoaded('firstChild')).toBe(false);
		// The count of references comes from the index's table of sections.
		expect(next.result.store.edgeCount).toBe(truth.store.edgeCount);
		expect(next.result.store.isLoaded('childTargets')).toBe(false);
	});

	it('are streamed by searches and the duplicate-string scan: the same hits and report as parsed, the arena never read whole', async () => {
		const file = copyDump();
		await load(file);
		const next = await load(file);
		const {store} = next.result;
		expect(next.result.index?.read).toBe(true);
		const n = truth.store.objectCount;
		// A list in no particular order (as a list sorted by size is), both ways.
		const shuffled = Uint32Array.from({length: n}, (_, k) => (k * 7919) % n);
		expect(new Set(shuffled).size).toBe(n);
		const samples = stringOrdinals().filter((_, k) => k % 97 === 0).map(ordinal => truth.store.value(ordinal)!);
		const needles = [...samples.map(value => value.slice(1, 6)), 'no such value at all', '\\', 'é'].filter(needle => needle !== '');
		expect(needles.length).toBeGreaterThan(5);
		let hits = 0;
		for (const needle of needles) {
			const parsed = makeMatcher(truth.store, needle, false);
			const indexed = makeMatcher(store, needle, false);
			const expected = [...shuffled].filter(target => parsed(target));
			expect([...shuffled].filter(target => indexed(target)), needle).toEqual(expected);
			hits += expected.length;
			for (const direction of [1, -1] as const) {
				expect(findInList(shuffled, 5, direction, indexed), needle).toEqual(findInList(shuffled, 5, direction, parsed));
			}
		}

		expect(hits).toBeGreaterThan(0);
		const report = findDuplicateStrings(store, 1000);
		expect(report).toEqual(findDuplicateStrings(truth.store, 1000));
		expect(report.duplicatedValues).toBeGreaterThan(0);
		expect(store.isLoaded('valueBytes')).toBe(false);
	});

	it('detect an index changed in place after it was opened (never an answer from it)', async () => {
		const file = copyDump();
		await load(file);
		const next = await load(file);
		const index = readFileSync(indexOf(file));
		// Overwritten in place, same size: another time, other bytes.
		const fd = openSync(indexOf(file), 'r+');
		writeSync(fd, Buffer.alloc(index.length, 0x41), 0, index.length, 0);
		closeSync(fd);
		const later = new Date(Date.now() + 3000);
		utimesSync(indexOf(file), later, later);
		let failure: unknown;
		try {
			for (const ordinal of stringOrdinals()) {
				next.result.store.value(ordinal);
			}
		} catch (error) {
			failure = error;
		}

		expect(failure).toBeInstanceOf(IndexReadError);
		expect((failure as Error).message).toMatch(/changed on disk while in use/);
		expect(existsSync(indexOf(file))).toBe(false);
	});

	it('stay those of the state that was loaded when the dump and its index are replaced meanwhile', async () => {
		const file = copyDump();
		await load(file);
		const next = await load(file);
		// Another dump at the same name, indexed (the index is renamed over the old one).
		const other = scratchDir('meliae-analyses-');
		const made = await run(found[0]!.exe, [join(programs, 'heap.py'), join(other, 'heap.json'), pythonDir, '300']);
		expect(made.code).toBe(0);
		copyFileSync(join(other, 'heap.json'), file);
		const replaced = await load(file);
		expect(replaced.result.index?.read).toBe(false);
		expect(replaced.result.store.objectCount).not.toBe(truth.store.objectCount);
		for (let i = 0; i < truth.store.objectCount; i++) {
			expect(next.result.store.value(i)).toBe(truth.store.value(i));
		}

		expect(summaryOf(next.result)).toEqual(summaryOf(truth));
	});
});

function summaryOf(result: LoadResult): number[] {
	return [...result.store.objectSize].slice(0, 500);
}

describe('temporary files of writers that died', () => {
	it('are removed when the next index is written: only old ones of dead processes, with our name', () => {
		const dir = scratchDir('meliae-analyses-');
		const old = new Date(Date.now() - (3600 * 1000));
		const dead = 2 ** 22 + 12_345;
		const names = {
			deadOld: `d.json.mtui-index.${dead}.0123456789ab.tmp`,
			deadOldAnalyses: `d.json.mtui-index.analyses.${dead}.0123456789ac.tmp`,
			deadFresh: `e.json.mtui-index.${dead}.0123456789ad.tmp`,
			liveOld: `f.json.mtui-index.${process.ppid}.0123456789ae.tmp`,
			notOurs: `g.json.${dead}.0123456789af.tmp`,
		};
		for (const [key, name] of Object.entries(names)) {
			writeFileSync(join(dir, name), 'partial');
			if (key !== 'deadFresh') {
				utimesSync(join(dir, name), old, old);
			}
		}

		expect(removeStaleTemporaries(dir)).toBe(2);
		expect(readdirSync(dir).sort()).toEqual([names.deadFresh, names.liveOld, names.notOurs].sort());
	});
});
