/**
 * The summary saved in the index, on real Python 3 dumps: a reopened dump
 * summarizes (both orders, ties in meliae's order) exactly as a parse of the
 * dump does, and as the dumping process counted its objects, without reading
 * a per-object column; a damaged or impossible saved summary is one note and
 * a rebuild, never a wrong table.
 */

import {closeSync, copyFileSync, openSync, readFileSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {recordTypeTotals, summarizeTypes, summaryHasTies, typeTotalsOf, TYPE_TOTAL_FIELDS} from '../../../source/core/analyses/summary.js';
import {type LoadOptions, type LoadResult, loadDump} from '../../../source/core/dump/load.js';
import {GraphStore} from '../../../source/core/graph/store.js';
import {identifyDump} from '../../../source/core/index/identity.js';
import {writeIndexFile} from '../../../source/core/index/index-file.js';
import {interpreters, programsDir, pythonDir, run, scratchDir} from '../../capture/python.js';
import {indexOf, type Loaded, loadNoted, sectionOf} from './indexed.js';

const found = interpreters();
const indexPrograms = new URL('programs/', import.meta.url).pathname;

async function load(file: string, options: LoadOptions = {}): Promise<Loaded> {
	return loadNoted(file, {workers: 0, index: true, parents: false, env: {XDG_CACHE_HOME: join(file, '..', 'cache')}, ...options});
}

/** Per-object columns a summary would read. */
const COLUMNS = ['objectType', 'objectSize', 'objectAddress'] as const;

/** Where the saved summary lies in the index (from its header). */
function summarySection(index: string): {offset: number; bytes: number} {
	return sectionOf(index, 'typeTotals');
}

type Dump = {label: string; file: string; truth: LoadResult; counted?: Record<string, number>};

describe.skipIf(found.length === 0)('the summary saved in the index', () => {
	const dumps: Dump[] = [];

	beforeAll(async () => {
		const python = found[0]!.exe;
		const dir = scratchDir('meliae-summary-');
		const made: Array<[string, string[], boolean]> = [
			['heap', [join(indexPrograms, 'heap.py'), join(dir, 'heap.json'), pythonDir, '3000'], false],
			['ground truth', [join(programsDir, 'ground_truth.py'), join(dir, 'gt.json'), pythonDir], true],
			['values', [join(programsDir, 'values.py'), join(dir, 'values.json'), pythonDir], false],
			['slots', [join(programsDir, 'slots.py'), join(dir, 'slots.json'), pythonDir], false],
		];
		for (const [label, args, counts] of made) {
			// eslint-disable-next-line no-await-in-loop
			const result = await run(python, args);
			expect(result.code, label).toBe(0);
			const file = args[1]!;
			// eslint-disable-next-line no-await-in-loop
			const truth = await loadDump(file, {workers: 0});
			dumps.push({
				label, file, truth,
				...(counts ? {counted: (JSON.parse(result.stdout) as {counts: Record<string, number>}).counts} : {}),
			});
		}
	}, 120_000);

	it('gives a reopened dump the summary a parse gives (both orders, meliae\'s ties), without reading a column', async () => {
		for (const dump of dumps) {
			const file = join(scratchDir('meliae-summary-'), 'dump.json');
			copyFileSync(dump.file, file);
			// eslint-disable-next-line no-await-in-loop
			expect((await load(file)).result.index?.read, dump.label).toBe(false);
			// eslint-disable-next-line no-await-in-loop
			const reopened = await load(file);
			expect(reopened.result.index?.read, dump.label).toBe(true);
			expect(reopened.notes, dump.label).toEqual([]);
			const {store} = reopened.result;
			expect(summarizeTypes(store, 'size'), dump.label).toEqual(summarizeTypes(dump.truth.store, 'size'));
			expect(summarizeTypes(store, 'count'), dump.label).toEqual(summarizeTypes(dump.truth.store, 'count'));
			expect(summaryHasTies(store), dump.label).toBe(summaryHasTies(dump.truth.store));
			for (const column of COLUMNS) {
				expect(store.isLoaded(column), `${dump.label}: ${column}`).toBe(false);
			}

			// The saved totals are those of the columns, once read.
			const fromColumns = typeTotalsOf(new GraphStore({
				objectAddress: store.objectAddress, objectType: store.objectType, objectSize: store.objectSize,
				objectLength: store.objectLength, objectFlags: store.objectFlags, valueOffset: store.valueOffset,
				valueBytes: store.valueBytes, firstChild: store.firstChild, childTargets: store.childTargets,
				unresolvedAddress: store.unresolvedAddress, typeNames: [...store.typeNames],
			}));
			expect([...typeTotalsOf(store)], dump.label).toEqual([...fromColumns]);
			if (dump.counted !== undefined) {
				// As the dumping process counted its own objects.
				const summary = summarizeTypes(store);
				for (const [type, count] of Object.entries(dump.counted)) {
					expect(summary.types.find(entry => entry.type === type)?.count, `${dump.label}: ${type}`).toBe(count);
				}
			}
		}
	});

	it('damaged (a flipped bit) is one note and a rebuild, never a wrong table', async () => {
		const dump = dumps[0]!;
		const file = join(scratchDir('meliae-summary-'), 'dump.json');
		copyFileSync(dump.file, file);
		await load(file);
		const section = summarySection(indexOf(file));
		const good = readFileSync(indexOf(file));
		for (const at of [0, 9, Math.floor(section.bytes / 2), section.bytes - 3]) {
			const fd = openSync(indexOf(file), 'r+');
			writeSync(fd, Buffer.of(good[section.offset + at]! ^ 0x04), 0, 1, section.offset + at);
			closeSync(fd);
			// eslint-disable-next-line no-await-in-loop
			const next = await load(file);
			expect(next.result.index?.read, `byte ${at}`).toBe(false);
			expect(next.notes, `byte ${at}`).toEqual([expect.stringMatching(/^note: index .* is damaged \(section typeTotals fails its checksum\); rebuilding it$/)]);
			expect(summarizeTypes(next.result.store), `byte ${at}`).toEqual(summarizeTypes(dump.truth.store));
		}
	});

	it('impossible (checksums right) is one note and a rebuild', async () => {
		const dump = dumps[0]!;
		const file = join(scratchDir('meliae-summary-'), 'dump.json');
		copyFileSync(dump.file, file);
		await load(file);
		const identity = identifyDump(file, {collapse: true, removeExpensive: false})!;
		const {store} = dump.truth;
		const facts = {problems: dump.truth.problems, lines: dump.truth.lines, textBytes: dump.truth.textBytes, compressed: dump.truth.compressed};
		const busiest = summarizeTypes(store, 'count').types[0]!.typeId * TYPE_TOTAL_FIELDS;
		const cases: Array<[string, (totals: Float64Array) => void, RegExp]> = [
			['a count too many', totals => {
				totals[busiest]! += 1;
			}, /summary counts \d+ objects where it has \d+/],
			['a size that is not a number', totals => {
				totals[busiest + 1] = Number.NaN;
			}, /summary of type \d+ is impossible/],
			['a largest size above the total', totals => {
				totals[busiest + 2] = totals[busiest + 1]! + 1;
			}, /summary of type \d+ is impossible/],
			['a count that is not whole', totals => {
				totals[busiest] = 0.5;
			}, /summary of type \d+ is impossible/],
		];
		for (const [what, change, message] of cases) {
			const bad = typeTotalsOf(store).slice();
			change(bad);
			const hostile = new GraphStore({...store, typeNames: [...store.typeNames]});
			recordTypeTotals(hostile, bad);
			writeIndexFile(indexOf(file), identity, hostile, facts);
			// eslint-disable-next-line no-await-in-loop
			const next = await load(file);
			expect(next.result.index?.read, what).toBe(false);
			expect(next.notes, what).toEqual([expect.stringMatching(message)]);
			expect(summarizeTypes(next.result.store), what).toEqual(summarizeTypes(store));
		}
	});
});
