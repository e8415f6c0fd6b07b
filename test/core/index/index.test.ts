/**
 * The persisted index, on a real Python 3 dump (collapsed instance dicts,
 * slotted instances with a slot unset, escaped strings, big ints): a load
 * writes it, the next load reads it and gets the same store; every fault
 * (changed dump, other version, truncated, bit-flipped, hostile, foreign
 * file in the way, read-only directory, full disk) is detected, said in one
 * note, and the load still answers from the dump.
 */

import {execFileSync} from 'node:child_process';
import {
	appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync,
	statSync, truncateSync, utimesSync, writeFileSync, writeSync,
} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {valuesOnlyOwnersOf} from '../../../source/core/analyses/dict-layout.js';
import {foldedObjectsOf, meliaeTypeRank} from '../../../source/core/analyses/meliae-order.js';
import {foldedDicts} from '../../../source/core/waste/folded-dicts.js';
import {recordTypeTotals, summarizeTypes, typeTotalsOf} from '../../../source/core/analyses/summary.js';
import {type LoadOptions, type LoadResult, loadDump} from '../../../source/core/dump/load.js';
import {slotNamesOf} from '../../../source/core/graph/slot-names.js';
import {AddressIndex} from '../../../source/core/graph/address-index.js';
import {GraphStore, LAZY_COLUMNS} from '../../../source/core/graph/store.js';
import {identifyDump} from '../../../source/core/index/identity.js';
import {INDEX_VERSION, writeIndexFile} from '../../../source/core/index/index-file.js';
import {IndexReadError} from '../../../source/core/index/index-source.js';
import {interpreters, run, scratchDir} from '../../capture/python.js';
import {copyDump as copyDumpOf, indexOf, type Loaded, loadNoted, pythonHeap} from './indexed.js';

const found = interpreters();
const isRoot = process.getuid?.() === 0;

async function load(file: string, options: LoadOptions = {}): Promise<Loaded> {
	return loadNoted(file, {workers: 0, index: true, env: {XDG_CACHE_HOME: cacheHome}, ...options});
}

let cacheHome = '';
let original = '';
/** The truth: the same dump loaded without any index. */
let truth: LoadResult;

const copyDump = (): string => copyDumpOf(original, 'meliae-index-');

function sameResult(a: LoadResult, b: LoadResult): void {
	const x = a.store;
	const y = b.store;
	expect(x.objectCount).toBe(y.objectCount);
	expect(x.typeNames).toEqual(y.typeNames);
	for (const column of ['objectAddress', 'objectType', 'objectSize', 'objectLength', 'objectFlags', 'valueOffset', 'valueBytes', 'firstChild', 'childTargets', 'unresolvedAddress'] as const) {
		expect(Buffer.from(x[column].buffer, x[column].byteOffset, x[column].byteLength).equals(Buffer.from(y[column].buffer, y[column].byteOffset, y[column].byteLength)), column).toBe(true);
	}

	expect([...x.firstParent]).toEqual([...y.firstParent]);
	expect([...x.parentSources]).toEqual([...y.parentSources]);
	expect([...(slotNamesOf(x) ?? [])]).toEqual([...(slotNamesOf(y) ?? [])]);
	expect([...(valuesOnlyOwnersOf(x) ?? [])]).toEqual([...(valuesOnlyOwnersOf(y) ?? [])]);
	expect([...(foldedObjectsOf(x)?.address ?? [])]).toEqual([...(foldedObjectsOf(y)?.address ?? [])]);
	expect([...(foldedObjectsOf(x)?.keptBefore ?? [])]).toEqual([...(foldedObjectsOf(y)?.keptBefore ?? [])]);
	expect([...(foldedDicts(x)?.owner ?? [])]).toEqual([...(foldedDicts(y)?.owner ?? [])]);
	expect([...(foldedDicts(x)?.size ?? [])]).toEqual([...(foldedDicts(y)?.size ?? [])]);
	expect([...(foldedDicts(x)?.length ?? [])]).toEqual([...(foldedDicts(y)?.length ?? [])]);
	expect([...meliaeTypeRank(x)]).toEqual([...meliaeTypeRank(y)]);
	expect(summarizeTypes(x)).toEqual(summarizeTypes(y));
	expect(a.problems).toEqual(b.problems);
	expect([a.lines, a.textBytes, a.compressed]).toEqual([b.lines, b.textBytes, b.compressed]);
}

/**
 * Read everything a lazily read store holds: every column, the address
 * table, every value one by one (from the file), then the value arena whole.
 */
function touchAll(store: GraphStore): void {
	for (const column of LAZY_COLUMNS) {
		void store[column].length;
	}

	void store.addressIndex.get(store.objectAddress[0]!);
	for (let i = 0; i < store.objectCount; i++) {
		store.value(i);
	}

	void store.valueBytes.length;
}

/** A load that read an index either fails a check when a part is first used (IndexReadError) or gives the truth. */
function damagedOnUse(loaded: Loaded, file: string, what: string, message: RegExp): void {
	let failure: unknown;
	try {
		touchAll(loaded.result.store);
	} catch (error) {
		failure = error;
	}

	expect(failure, what).toBeInstanceOf(IndexReadError);
	expect((failure as Error).message, what).toMatch(message);
	expect((failure as Error).message, what).toMatch(/it is removed, and the next run parses the dump again$/);
	// Removed, so the next load parses and writes a good one.
	expect(existsSync(indexOf(file)), what).toBe(false);
}

function flipByte(file: string, position: number): void {
	const bytes = readFileSync(file);
	const fd = openSync(file, 'r+');
	writeSync(fd, Buffer.of(bytes[position]! ^ 0x10), 0, 1, position);
	closeSync(fd);
}

/**
 * The index written just now is read lazily: the damage is found when the
 * part is first used, never an answer from it; the next load parses and
 * gives the truth.
 */
async function foundOnUseThenRebuilt(file: string, what: string, message: RegExp): Promise<void> {
	const next = await load(file, {parents: false});
	expect(next.result.index?.read, what).toBe(true);
	damagedOnUse(next, file, what, message);
	const rebuilt = await load(file);
	expect(rebuilt.result.index?.read, what).toBe(false);
	sameResult(rebuilt.result, truth);
}

describe.skipIf(found.length === 0)('the persisted index', () => {
	beforeAll(async () => {
		({original, cacheHome, truth} = await pythonHeap('meliae-index-', 2000));
		expect(truth.problems.collapsedDicts).toBeGreaterThan(1000);
		expect(slotNamesOf(truth.store)?.size).toBeGreaterThan(0);
	}, 60_000);

	it('is written by the first load (mode 0600) and read by the next, which gets the same store', async () => {
		const file = copyDump();
		const first = await load(file);
		expect(first.notes).toEqual([]);
		expect(first.result.index).toEqual({path: indexOf(file), bytes: statSync(indexOf(file)).size, read: false});
		expect(statSync(indexOf(file)).mode & 0o777).toBe(0o600);
		sameResult(first.result, truth);
		const phases: string[] = [];
		const second = await load(file, {onProgress: progress => phases.push(progress.phase)});
		expect(second.notes).toEqual([]);
		expect(second.result.index?.read).toBe(true);
		expect(phases).toContain('reading index');
		expect(phases).not.toContain('reading');
		sameResult(second.result, truth);
		// No temporary file is left beside it.
		expect(readdirSync(join(file, '..')).sort()).toEqual(['heap.json', 'heap.json.meta.json', 'heap.json.mtui-index'].filter(name => existsSync(join(file, '..', name))));
	});

	it('keeps the parents only when the load built them, and the next load builds them when asked', async () => {
		const file = copyDump();
		await load(file, {parents: false});
		const again = await load(file, {parents: false});
		expect(again.result.index?.read).toBe(true);
		expect(again.result.store.hasParents).toBe(false);
		sameResult(again.result, truth);
	});

	it('is kept per loader option: --no-collapse and --remove-expensive have their own', async () => {
		const file = copyDump();
		await load(file);
		const raw = await load(file, {collapse: false});
		expect(raw.result.index?.read).toBe(false);
		expect(raw.result.index?.path).toBe(`${file}.no-collapse.mtui-index`);
		expect(raw.result.store.objectCount).toBe(truth.store.objectCount + truth.problems.collapsedDicts);
		const rawAgain = await load(file, {collapse: false});
		expect(rawAgain.result.index?.read).toBe(true);
		sameResult(rawAgain.result, await loadDump(file, {workers: 0, collapse: false}));
		const cheap = await load(file, {removeExpensive: true});
		expect(cheap.result.index?.path).toBe(`${file}.remove-expensive.mtui-index`);
		sameResult((await load(file, {removeExpensive: true})).result, await loadDump(file, {workers: 0, removeExpensive: true}));
		expect((await load(file)).result.index?.read).toBe(true);
	});

	it('is neither read nor written with index off, nor for small dumps unless asked', async () => {
		const file = copyDump();
		const off = await loadDump(file, {workers: 0});
		expect(off.index).toBeUndefined();
		expect(existsSync(indexOf(file))).toBe(false);
		const small = await load(file, {indexMinBytes: statSync(file).size + 1});
		expect(small.result.index).toBeUndefined();
		expect(existsSync(indexOf(file))).toBe(false);
	});

	it('is rebuilt when the dump changed after indexing: grown, or the same size and time with other bytes', async () => {
		const file = copyDump();
		await load(file);
		appendFileSync(file, '{"address": 7, "type": "str", "size": 50, "len": 5, "value": "added", "refs": []}\n');
		const grown = await load(file);
		expect(grown.notes).toHaveLength(1);
		expect(grown.notes[0]).toMatch(/^note: index .*heap\.json\.mtui-index is out of date \(the dump changed since it was indexed\); rebuilding it$/);
		expect(grown.result.index?.read).toBe(false);
		expect(grown.result.store.objectCount).toBe(truth.store.objectCount + 1);
		expect((await load(file)).result.index?.read).toBe(true);

		// A byte in the last MiB, with size and modification time put back.
		const {atime, mtime} = statSync(file);
		const text = readFileSync(file, 'utf8');
		writeFileSync(file, text.replace('"value": "added"', '"value": "edded"'));
		utimesSync(file, atime, mtime);
		const edited = await load(file);
		expect(edited.notes[0]).toMatch(/out of date/);
		expect(edited.result.index?.read).toBe(false);
		expect(edited.result.store.value(edited.result.store.indexOf(7))).toBe('edded');
	});

	it('from another format version is rebuilt', async () => {
		const file = copyDump();
		await load(file);
		const fd = openSync(indexOf(file), 'r+');
		const version = Buffer.alloc(4);
		version.writeUInt32LE(INDEX_VERSION + 1);
		writeSync(fd, version, 0, 4, 8);
		closeSync(fd);
		const next = await load(file);
		expect(next.notes).toEqual([expect.stringMatching(new RegExp(`is from another version \\(format \\d+; this version reads format ${INDEX_VERSION}\\); rebuilding it$`))]);
		expect(next.result.index?.read).toBe(false);
		sameResult(next.result, truth);
		expect(readFileSync(indexOf(file)).readUInt32LE(8)).toBe(INDEX_VERSION);
		expect((await load(file)).result.index?.read).toBe(true);
	});

	it('truncated anywhere (a write cut short) is never trusted', async () => {
		const file = copyDump();
		await load(file);
		const whole = readFileSync(indexOf(file));
		for (const length of [0, 7, 23, 100, Math.floor(whole.length / 3), Math.floor(whole.length / 2), whole.length - 1]) {
			writeFileSync(indexOf(file), whole.subarray(0, length), {mode: 0o600});
			const next = await load(file);
			expect(next.result.index?.read, `cut at ${length}`).toBe(false);
			if (length >= 8) {
				expect(next.notes, `cut at ${length}`).toEqual([expect.stringMatching(/is damaged \(.*\); rebuilding it$/)]);
			}

			sameResult(next.result, truth);
			// Rebuilt whole.
			expect(statSync(indexOf(file)).size).toBe(whole.length);
		}

		// A damaged magic: not known to be ours, so left alone (the index goes to the cache).
		writeFileSync(indexOf(file), Buffer.concat([Buffer.from('XTUIINDX'), whole.subarray(8)]));
		const foreign = await load(file);
		expect(foreign.notes).toEqual([]);
		expect(foreign.result.index?.path.startsWith(join(cacheHome, 'meliae-tui'))).toBe(true);
		expect(readFileSync(indexOf(file)).subarray(0, 8).toString()).toBe('XTUIINDX');
		writeFileSync(indexOf(file), whole);

		// Longer than its header says.
		appendFileSync(indexOf(file), Buffer.alloc(16));
		expect((await load(file)).notes).toEqual([expect.stringMatching(/is damaged .*truncated or extended/)]);
	});

	it('with a flipped bit anywhere is detected and rebuilt', async () => {
		const file = copyDump();
		await load(file);
		const size = statSync(indexOf(file)).size;
		const good = readFileSync(indexOf(file));
		// The header, then points spread over every section.
		const positions = [9, 13, 17, 21, 30, 200];
		for (let k = 1; k < 24; k++) {
			positions.push(Math.floor(size * k / 24));
		}

		positions.push(size - 8);
		let detectedOnOpen = 0;
		let detectedOnUse = 0;
		for (const position of positions) {
			writeFileSync(indexOf(file), good, {mode: 0o600});
			flipByte(indexOf(file), position);
			const next = await load(file, {parents: false});
			if (next.result.index?.read === true) {
				// In a column or the values: found when that part is first read.
				expect(next.notes, `byte ${position}`).toEqual([]);
				let failure: unknown;
				try {
					touchAll(next.result.store);
				} catch (error) {
					failure = error;
				}

				if (failure === undefined) {
					// Only the padding between sections is not checked: then nothing read changed.
					sameResult(next.result, truth);
					continue;
				}

				expect(failure, `byte ${position}`).toBeInstanceOf(IndexReadError);
				expect((failure as Error).message, `byte ${position}`).toMatch(/fails its checksum/);
				expect(existsSync(indexOf(file))).toBe(false);
				detectedOnUse++;
				const rebuilt = await load(file, {parents: false});
				expect(rebuilt.result.index?.read).toBe(false);
				expect(summarizeTypes(rebuilt.result.store)).toEqual(summarizeTypes(truth.store));
				continue;
			}

			expect(next.notes, `byte ${position}`).toEqual([expect.stringMatching(/^note: index .* is (damaged|from another version) \(.*\); rebuilding it$/)]);
			expect(next.result.index?.path).toBe(indexOf(file));
			expect(next.result.store.objectCount).toBe(truth.store.objectCount);
			expect(summarizeTypes(next.result.store)).toEqual(summarizeTypes(truth.store));
			detectedOnOpen++;
		}

		expect(detectedOnOpen).toBeGreaterThan(0);
		expect(detectedOnUse).toBeGreaterThan(10);
	});

	it('that is hostile (checksums right, offsets wrong) is detected, never trusted', async () => {
		const file = copyDump();
		await load(file);
		const identity = identifyDump(file, {collapse: true, removeExpensive: false})!;
		const {store} = truth;
		const n = store.objectCount;
		const facts = {problems: truth.problems, lines: truth.lines, textBytes: truth.textBytes, compressed: truth.compressed};
		const columns = () => ({
			objectAddress: store.objectAddress, objectType: store.objectType.slice(), objectSize: store.objectSize.slice(),
			objectLength: store.objectLength, objectFlags: store.objectFlags, valueOffset: store.valueOffset.slice(),
			valueBytes: store.valueBytes, firstChild: store.firstChild.slice(), childTargets: store.childTargets.slice(),
			unresolvedAddress: store.unresolvedAddress, typeNames: [...store.typeNames],
			firstParent: store.firstParent.slice(), parentSources: store.parentSources.slice(),
		});
		const tamper: Array<[string, (c: ReturnType<typeof columns>) => void, RegExp]> = [
			['a CSR offset past the edge array', c => {
				c.firstChild[n] = c.childTargets.length + 1000;
			}, /firstChild does not span/],
			['a CSR offset going backwards', c => {
				c.firstChild[n >> 1] = c.firstChild[(n >> 1) + 1]! + 1;
			}, /firstChild goes backwards/],
			['a reference past the table', c => {
				c.childTargets[3] = n + 5;
			}, /reference 3 points outside/],
			['an unresolved reference past its table', c => {
				c.childTargets[4] = 0x80_00_00_00 + c.unresolvedAddress.length;
			}, /reference 4 points outside/],
			['a parent past the table', c => {
				c.parentSources[0] = n;
			}, /parent 0 points outside/],
			['a type id past the type table', c => {
				c.objectType[10] = c.typeNames.length;
			}, /type id outside/],
			['a value offset past the value bytes', c => {
				c.valueOffset[n] = c.valueBytes.length + 1;
			}, /valueOffset does not span/],
			['a negative size', c => {
				c.objectSize[1] = -1;
			}, /impossible size/],
		];
		for (const [what, change, message] of tamper) {
			const bad = columns();
			change(bad);
			const hostile = new GraphStore(bad);
			// The summary saved with it agrees with the dump's: only the column lies.
			recordTypeTotals(hostile, typeTotalsOf(store));
			writeIndexFile(indexOf(file), identity, hostile, facts);
			// eslint-disable-next-line no-await-in-loop
			await foundOnUseThenRebuilt(file, what, message);
		}
	});

	it('whose address table is hostile (an object twice, one outside, one missing, no empty slot) is detected', async () => {
		const file = copyDump();
		await load(file);
		const identity = identifyDump(file, {collapse: true, removeExpensive: false})!;
		const {store} = truth;
		const n = store.objectCount;
		const facts = {problems: truth.problems, lines: truth.lines, textBytes: truth.textBytes, compressed: truth.compressed};
		const filled = (slots: Uint32Array): number => slots.findIndex(entry => entry !== 0 && entry !== 0xff_ff_ff_ff);
		const cases: Array<[string, (slots: Uint32Array) => void, RegExp]> = [
			['an object twice', slots => {
				slots[slots.indexOf(0)] = slots[filled(slots)]!;
			}, /names an object twice/],
			['an object outside the table', slots => {
				slots[filled(slots)] = n + 1;
			}, /outside the table/],
			['an object missing', slots => {
				slots[filled(slots)] = 0;
			}, /misses objects/],
			['no empty slot (the rest tombstones)', slots => {
				for (let slot = 0; slot < slots.length; slot++) {
					slots[slot] ||= 0xff_ff_ff_ff;
				}
			}, /no empty slot/],
		];
		for (const [what, change, message] of cases) {
			const slots = store.addressIndex.slots.slice();
			change(slots);
			const columns = {...store, typeNames: [...store.typeNames], firstParent: store.firstParent, parentSources: store.parentSources};
			writeIndexFile(indexOf(file), identity, new GraphStore(columns, AddressIndex.attach(store.objectAddress, slots, n)), facts);
			// eslint-disable-next-line no-await-in-loop
			await foundOnUseThenRebuilt(file, what, message);
		}
	});

	it('never replaces a file that is not an index: it goes to the cache directory instead', async () => {
		const file = copyDump();
		writeFileSync(indexOf(file), 'precious data, not an index\n');
		const first = await load(file);
		expect(first.notes).toEqual([]);
		expect(readFileSync(indexOf(file), 'utf8')).toBe('precious data, not an index\n');
		expect(first.result.index?.path.startsWith(join(cacheHome, 'meliae-tui'))).toBe(true);
		const second = await load(file);
		expect(second.result.index).toEqual({...first.result.index, read: true});
		sameResult(second.result, truth);
	});

	it('is not made for standard input or a FIFO', async () => {
		const dir = scratchDir('meliae-index-');
		const fifo = join(dir, 'pipe.json');
		execFileSync('mkfifo', [fifo]);
		const writer = run('sh', ['-c', 'cat "$1" > "$2"', 'sh', original, fifo]);
		const result = await load(fifo);
		await writer;
		expect(result.result.index).toBeUndefined();
		expect(result.result.store.objectCount).toBe(truth.store.objectCount);
		expect(readdirSync(dir)).toEqual(['pipe.json']);
		expect(existsSync(join(cacheHome, 'meliae-tui')) ? readdirSync(join(cacheHome, 'meliae-tui')).filter(name => name.startsWith('pipe.json')) : []).toEqual([]);
	});

	it('--index-dir: read and written only there', async () => {
		const file = copyDump();
		const indexDir = join(scratchDir('meliae-index-'), 'made', 'here');
		const first = await load(file, {indexDir});
		expect(existsSync(indexOf(file))).toBe(false);
		expect(first.result.index?.path.startsWith(indexDir)).toBe(true);
		expect(readdirSync(indexDir)).toHaveLength(1);
		expect((await load(file, {indexDir})).result.index?.read).toBe(true);
		// Without it, the index there is not looked at.
		expect((await load(file)).result.index?.read).toBe(false);
	});

	describe.skipIf(!isRoot)('file systems that refuse (a read-only mount, a full one)', () => {
		it('a read-only directory: written in the cache directory instead, and read from there', async () => {
			const dir = scratchDir('meliae-index-');
			execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir]);
			try {
				const file = join(dir, 'heap.json');
				copyFileSync(original, file);
				execFileSync('mount', ['-o', 'remount,ro', dir]);
				const cache = join(scratchDir('meliae-index-'), 'c');
				const first = await load(file, {env: {XDG_CACHE_HOME: cache}});
				expect(first.notes).toEqual([]);
				expect(first.result.index?.path.startsWith(join(cache, 'meliae-tui'))).toBe(true);
				const second = await load(file, {env: {XDG_CACHE_HOME: cache}});
				expect(second.result.index?.read).toBe(true);
				sameResult(second.result, truth);
				// Nowhere writable: one note, and the load answers.
				const nowhere = await load(file, {env: {XDG_CACHE_HOME: join(dir, 'cache')}});
				expect(nowhere.notes).toEqual([expect.stringMatching(/^note: not writing an index: no place takes it \(.*EROFS.*\)$/)]);
				expect(nowhere.result.index).toBeUndefined();
				sameResult(nowhere.result, truth);
			} finally {
				execFileSync('umount', [dir]);
			}
		});

		it('a full disk: one note, nothing left behind, the load answers', async () => {
			const file = copyDump();
			const full = scratchDir('meliae-index-');
			execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', full]);
			try {
				const first = await load(file, {indexDir: full});
				expect(first.notes).toEqual([expect.stringMatching(/^note: not writing an index: no space left for /)]);
				expect(first.result.index).toBeUndefined();
				expect(readdirSync(full)).toEqual([]);
				sameResult(first.result, truth);
			} finally {
				execFileSync('umount', [full]);
			}
		});
	});

	describe.skipIf(isRoot)('a read-only directory (permissions)', () => {
		it('is written in the cache directory instead', async () => {
			const file = copyDump();
			chmodSync(join(file, '..'), 0o555);
			try {
				const first = await load(file);
				expect(first.result.index?.path.startsWith(join(cacheHome, 'meliae-tui'))).toBe(true);
				expect((await load(file)).result.index?.read).toBe(true);
			} finally {
				chmodSync(join(file, '..'), 0o755);
			}
		});
	});

	it('a directory is not taken for the index, and does not stop the load', async () => {
		const file = copyDump();
		mkdirSync(indexOf(file));
		const first = await load(file);
		expect(first.result.store.objectCount).toBe(truth.store.objectCount);
		expect(statSync(indexOf(file)).isDirectory()).toBe(true);
		expect(first.result.index?.path.startsWith(join(cacheHome, 'meliae-tui'))).toBe(true);
		// A cut-short file at the name is replaced, not kept.
		const other = copyDump();
		truncateSync(other, statSync(other).size);
		writeFileSync(indexOf(other), '');
		expect((await load(other)).result.index?.path).toBe(indexOf(other));
	});
});
