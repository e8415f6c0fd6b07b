import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import {pathToFileURL} from 'node:url';
import {gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {DumpError, type LoadProgress, loadDump} from '../../../source/core/dump/load.js';
import {meliaeTypeRank} from '../../../source/core/analyses/meliae-order.js';
import type {GraphStore} from '../../../source/core/graph/store.js';
import {dumpText, type DumpObject, loadLines, tempDir, writeDump} from '../../helpers/dump-lines.js';
import {exampleDump} from '../../helpers/meliae-fixtures.js';

const example = exampleDump.join('\n') + '\n';

async function failure(promise: Promise<unknown>): Promise<DumpError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(DumpError);
		return error as DumpError;
	}

	throw new Error('expected a DumpError');
}

/** A dump with a bit of everything, big enough to span many blocks. */
function bigObjects(count: number): DumpObject[] {
	const objects: DumpObject[] = [];
	for (let i = 0; i < count; i++) {
		const address = 140_000_000_000_000 + (i * 48);
		const kind = i % 5;
		if (kind === 0) {
			objects.push({address, type: 'dict', size: 232, len: 2, refs: [address + 48, address + 96, address + 144, 1]});
		} else if (kind === 1) {
			objects.push({address, type: 'str', size: 50 + (i % 7), len: 5, value: `s${i}\u001b\u4e2d`});
		} else if (kind === 2) {
			objects.push({address, type: 'int', size: 28, value: BigInt(i) * 10_000_000_000_000_000n});
		} else if (kind === 3) {
			objects.push({address, type: `Cls${i % 13}`, size: 56, refs: [address - 144, address + 48]});
		} else {
			objects.push({address, type: 'type', size: 900, name: `Cls${i % 13}`, refs: []});
		}
	}

	return objects;
}

function sameStore(a: GraphStore, b: GraphStore): void {
	expect(a.objectCount).toBe(b.objectCount);
	expect(a.typeNames.length).toBe(b.typeNames.length);
	expect([...a.objectAddress]).toEqual([...b.objectAddress]);
	expect([...a.objectType].map(t => a.typeNames[t])).toEqual([...b.objectType].map(t => b.typeNames[t]));
	expect([...a.objectSize]).toEqual([...b.objectSize]);
	expect([...a.childTargets]).toEqual([...b.childTargets]);
	expect([...a.parentSources]).toEqual([...b.parentSources]);
	expect(Buffer.from(a.valueBytes).equals(Buffer.from(b.valueBytes))).toBe(true);
}

describe('loadDump input handling', () => {
	it('detects gzip by its magic bytes, not the name', async () => {
		const gzipNamedJson = writeDump(gzipSync(example), {name: 'looks-plain.json'});
		const plainNamedGz = writeDump(example, {name: 'looks-compressed.json.gz'});
		const a = await loadDump(gzipNamedJson, {workers: 0});
		const b = await loadDump(plainNamedGz, {workers: 0});
		expect(a.compressed).toBe(true);
		expect(b.compressed).toBe(false);
		sameStore(a.store, b.store);
		// 8 lines; the module folds its dict, as meliae does.
		expect(a.store.objectCount).toBe(7);
	});

	it('reads "-" from the given standard input, plain or gzip', async () => {
		const plain = await loadDump('-', {stdin: Readable.from([Buffer.from(example.slice(0, 50)), Buffer.from(example.slice(50))]), workers: 0});
		expect(plain.store.objectCount).toBe(7);
		expect(plain.file).toBe('standard input');
		const gzip = await loadDump('-', {stdin: Readable.from([gzipSync(example)]), workers: 0});
		expect(gzip.compressed).toBe(true);
		sameStore(plain.store, gzip.store);
	});

	it('loads what a truncated gzip held and says so', async () => {
		const text = dumpText(bigObjects(20_000));
		const full = gzipSync(text);
		const file = writeDump(full.subarray(0, Math.floor(full.length * 0.6)), {name: 'cut.json.gz'});
		const result = await loadDump(file, {workers: 0});
		expect(result.problems.truncatedGzip).toBe(true);
		expect(result.store.objectCount).toBeGreaterThan(1000);
		expect(result.store.objectCount).toBeLessThan(20_000);
		// At most the last, cut line is malformed.
		expect(result.problems.malformedLines).toBeLessThanOrEqual(1);
	});

	it('loads a plain file cut mid-line and counts the cut line', async () => {
		const file = writeDump(example.slice(0, -20));
		const result = await loadDump(file, {workers: 0});
		expect(result.store.objectCount).toBe(7);
		expect(result.problems.malformedLines).toBe(1);
		expect(result.problems.malformed[0]!.line).toBe(8);
	});

	it('refuses what is not a dump with one clear line', async () => {
		const empty = writeDump('', {name: 'empty.json'});
		expect((await failure(loadDump(empty))).message).toBe(`${empty}: is empty (0 bytes): not a meliae dump`);
		const png = writeDump(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), {name: 'image.png'});
		expect((await failure(loadDump(png))).message).toBe(`${png}: not a meliae dump: it looks like a PNG image`);
		const text = writeDump('hello world\n', {name: 'text.txt'});
		expect((await failure(loadDump(text))).message).toMatch(/not a meliae dump: it does not start with "\{" or "\["/);
		const missing = join(tempDir(), 'missing.json');
		expect((await failure(loadDump(missing))).message).toBe(`${missing}: no such file`);
		const directory = join(tempDir(), 'a-directory');
		mkdirSync(directory, {recursive: true});
		expect((await failure(loadDump(directory))).message).toBe(`${directory}: is a directory, not a dump file`);
		const gzipText = writeDump(gzipSync('not json at all\n'), {name: 'gz-text.gz'});
		expect((await failure(loadDump(gzipText))).message).toMatch(/not a meliae dump.*after gunzip/);
		const onlyJunk = writeDump('{"nope": 1}\n{"nope": 2}\n', {name: 'junk.json'});
		expect((await failure(loadDump(onlyJunk))).message).toMatch(/no object could be read \(2 malformed lines; first: line 1: no "address"\)/);
		const blank = writeDump('\n\n  \n', {name: 'blank.json'});
		expect((await failure(loadDump(blank))).message).toMatch(/no objects in it/);
	});

	// As root every file is readable; the CLI test runs this case as another user.
	it.skipIf(process.getuid?.() === 0)('refuses an unreadable file', async () => {
		const file = writeDump(example, {name: 'secret.json'});
		chmodSync(file, 0o000);
		expect((await failure(loadDump(file))).message).toBe(`${file}: permission denied`);
	});

	it('stops at the first malformed line in strict mode, naming it', async () => {
		const lines = [...exampleDump];
		lines.splice(3, 0, '{"address": 99, "type": ');
		const file = writeDump(lines.join('\n'));
		const error = await failure(loadDump(file, {strict: true, workers: 0}));
		expect(error.line).toBe(4);
		expect(error.message).toMatch(new RegExp(`^${file}:4: malformed line`));
		const lenient = await loadDump(file, {workers: 0});
		expect(lenient.problems.malformedLines).toBe(1);
		expect(lenient.store.objectCount).toBe(7);
	});

	it('keeps the first of duplicate addresses', async () => {
		const {store, problems} = await loadLines([
			'{"address": 1, "type": "first", "size": 10, "refs": [2]}',
			'{"address": 2, "type": "x", "size": 1, "refs": []}',
			'',
			'{"address": 1, "type": "second", "size": 20, "refs": []}',
		]);
		expect(store.objectCount).toBe(2);
		expect(store.typeName(store.indexOf(1))).toBe('first');
		expect(store.objectSize[store.indexOf(1)]).toBe(10);
		expect(problems.duplicateAddresses).toBe(1);
		expect(problems.firstDuplicateLine).toBe(4);
		expect(store.parentCount(store.indexOf(2))).toBe(1);
	});

	it('reports progress with growing byte counts and named phases', async () => {
		const file = writeDump(dumpText(bigObjects(30_000)));
		const seen: LoadProgress[] = [];
		const result = await loadDump(file, {workers: 0, blockSize: 64 * 1024, onProgress: p => seen.push({...p})});
		const reading = seen.filter(p => p.phase === 'reading');
		expect(reading.length).toBeGreaterThan(5);
		for (let i = 1; i < reading.length; i++) {
			expect(reading[i]!.bytesRead).toBeGreaterThanOrEqual(reading[i - 1]!.bytesRead);
		}

		expect(seen.at(-1)!.phase).toBe('done');
		expect(seen.at(-1)!.bytesRead).toBe(readFileSync(file).length);
		expect(seen.some(p => p.phase === 'parents')).toBe(true);
		expect(new Set(seen.map(p => p.bytesTotal))).toEqual(new Set([readFileSync(file).length]));
		expect(result.store.objectCount).toBe(30_000 - 6000);
	});

	it('stops when aborted', async () => {
		const file = writeDump(dumpText(bigObjects(20_000)));
		const controller = new AbortController();
		const promise = loadDump(file, {
			workers: 0,
			blockSize: 16 * 1024,
			signal: controller.signal,
			onProgress(p) {
				if (p.objects > 1000) {
					controller.abort();
				}
			},
		});
		await expect(promise).rejects.toThrow('loading was interrupted');
	});

	it('splits blocks on line boundaries, even around a line longer than a block', async () => {
		const objects = bigObjects(5000);
		const hugeRefs = Array.from({length: 50_000}, (_, i) => objects[i % objects.length]!.address);
		objects.splice(2500, 0, {address: 1, type: 'list', size: 400_056, len: hugeRefs.length, refs: hugeRefs});
		const text = dumpText(objects);
		const reference = (await loadDump(writeDump(text), {workers: 0})).store;
		expect(reference.childCount(reference.indexOf(1))).toBe(50_000);
		for (const gzip of [false, true]) {
			const small = await loadDump(writeDump(text, {gzip}), {workers: 0, blockSize: 4096});
			sameStore(small.store, reference);
			expect(small.problems.malformedLines).toBe(0);
		}

		const noFinalNewline = await loadDump(writeDump(text.slice(0, -1)), {workers: 0, blockSize: 4096});
		sameStore(noFinalNewline.store, reference);
	});

	it('gives the same store when parsing in worker threads (built code)', async () => {
		const distLoad = new URL('../../../dist/core/dump/load.js', import.meta.url);
		let built: typeof import('../../../source/core/dump/load.js');
		try {
			built = await import(pathToFileURL(distLoad.pathname).href) as typeof built;
		} catch {
			throw new Error('dist/ is missing: run "npm run build" (npm test does)');
		}

		const text = dumpText(bigObjects(40_000));
		for (const gzip of [false, true]) {
			const file = writeDump(text, {gzip});
			const inThread = await loadDump(file, {workers: 0});
			const threaded = await built.loadDump(file, {workers: 2, blockSize: 64 * 1024});
			sameStore(threaded.store as GraphStore, inThread.store);
			expect(threaded.lines).toBe(inThread.lines);
		}
	});

	it('numbers unresolved addresses in dump order whichever thread resolves first (built code)', async () => {
		const distLoad = new URL('../../../dist/core/dump/load.js', import.meta.url);
		const built = await import(pathToFileURL(distLoad.pathname).href) as typeof import('../../../source/core/dump/load.js');
		// Every object refers to an address of its own that no line describes,
		// so each block brings new unresolved addresses.
		const objects = bigObjects(30_000).map((object, i) => ({...object, refs: [...(object.refs ?? []), 7_000_000 + (i * 16)]}));
		const file = writeDump(dumpText(objects));
		const inThread = await loadDump(file, {workers: 0});
		expect(inThread.store.unresolvedAddress.length).toBe(30_001);
		// The unresolved address named by each reference, in dump order.
		const named = (store: GraphStore): number[] => [...store.unresolvedAddress].slice(0, 50);
		expect(named(inThread.store)).toEqual([1, ...Array.from({length: 49}, (_, i) => 7_000_000 + (i * 16))]);
		for (let round = 0; round < 3; round++) {
			const threaded = await built.loadDump(file, {workers: 2, blockSize: 16 * 1024});
			expect([...threaded.store.unresolvedAddress]).toEqual([...inThread.store.unresolvedAddress]);
			sameStore(threaded.store as GraphStore, inThread.store);
		}
	});

	it('gives meliae\'s type order made on a thread of its own the same as made here (built code)', async () => {
		const distLoad = new URL('../../../dist/core/dump/load.js', import.meta.url);
		const distOrder = new URL('../../../dist/core/analyses/meliae-order.js', import.meta.url);
		const built = await import(pathToFileURL(distLoad.pathname).href) as typeof import('../../../source/core/dump/load.js');
		const order = await import(pathToFileURL(distOrder.pathname).href) as typeof import('../../../source/core/analyses/meliae-order.js');
		// Modules whose dicts collapse folds, among objects of 60 types of
		// one size each (every type ties with others), at addresses whose low
		// 32 bits crowd meliae's table, so that where each object lands
		// depends on every object before it, folded dicts included.
		const objects: DumpObject[] = [];
		for (let i = 0; i < 12_000; i++) {
			const address = (2 ** 40) + ((i * 7919) % 12_000) * 16 + ((i % 3) * (2 ** 33));
			if (i % 50 === 0) {
				objects.push({address, type: 'module', size: 56, name: `m${i}`, refs: [address + 8]}, {address: address + 8, type: 'dict', size: 56, len: 1, refs: []});
			} else {
				objects.push({address, type: `T${i % 60}`, size: 48, refs: []});
			}
		}

		const file = writeDump(dumpText(objects));
		const here = await loadDump(file, {workers: 0});
		expect(here.problems.collapsedDicts).toBe(240);
		const indexDir = join(tempDir(), 'order-index');
		mkdirSync(indexDir, {recursive: true});
		const threaded = await built.loadDump(file, {workers: 2, blockSize: 16 * 1024, index: true, indexDir, indexMinBytes: 0});
		expect(threaded.index?.read).toBe(false);
		expect([...order.meliaeTypeRank(threaded.store)]).toEqual([...meliaeTypeRank(here.store)]);
	});

	it('does not modify the dump file', async () => {
		const file = writeDump(example);
		const before = readFileSync(file);
		await loadDump(file, {workers: 0, removeExpensive: true});
		expect(readFileSync(file).equals(before)).toBe(true);
		writeFileSync(file, before);
	});
});

describe('parser threads', () => {
	it('fail the load, not hang it, when a thread dies', async () => {
		const distPool = new URL('../../../dist/core/dump/parser-pool.js', import.meta.url);
		const distRecycler = new URL('../../../dist/core/util/recycler.js', import.meta.url);
		const {ParserPool} = await import(pathToFileURL(distPool.pathname).href) as typeof import('../../../source/core/dump/parser-pool.js');
		const {BufferRecycler} = await import(pathToFileURL(distRecycler.pathname).href) as typeof import('../../../source/core/util/recycler.js');
		const pool = new ParserPool(1, new BufferRecycler());
		const block = new TextEncoder().encode(exampleDump.join('\n') + '\n');
		const head = await pool.parse(0, block, block.length, false);
		expect(head.objectCount).toBe(8);
		// Kill the thread behind the pool's back.
		await (pool as unknown as {workers: Array<{terminate(): Promise<number>}>}).workers[0]!.terminate();
		await new Promise(resolve => {
			setTimeout(resolve, 50);
		});
		const again = new TextEncoder().encode(exampleDump.join('\n') + '\n');
		await expect(pool.parse(1, again, again.length, false)).rejects.toThrow(/parser thread stopped unexpectedly/);
		await pool.close();
	});
});

describe('parser threads kept between loads', () => {
	it('give the same stores, also with two loads at once', async () => {
		const distLoad = new URL('../../../dist/core/dump/load.js', import.meta.url);
		const built = await import(pathToFileURL(distLoad.pathname).href) as typeof import('../../../source/core/dump/load.js');
		const text = dumpText(bigObjects(30_000));
		const plain = writeDump(text);
		const gzip = writeDump(text, {gzip: true});
		const reference = (await loadDump(plain, {workers: 0})).store;
		// A series: the first loads keep the threads, the last lets them go.
		const first = await built.loadDump(plain, {workers: 2, blockSize: 64 * 1024, keepThreads: true});
		const [second, third] = await Promise.all([
			built.loadDump(gzip, {workers: 2, blockSize: 64 * 1024, keepThreads: true}),
			built.loadDump(plain, {workers: 2, blockSize: 32 * 1024, keepThreads: true}),
		]);
		const last = await built.loadDump(gzip, {workers: 2, blockSize: 64 * 1024});
		for (const result of [first, second, third, last]) {
			sameStore(result.store as GraphStore, reference);
		}
	});
});
