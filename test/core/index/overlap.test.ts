/**
 * A first load that writes its index while the caller goes on
 * (overlapIndexWrite, as the commands and the explorer load), on a real
 * Python 3 dump: analyses saved meanwhile wait for the index and land beside
 * it; once the values and the address hash are on disk the store reads them
 * from the file (its own arrays are dropped) and answers as a parse does;
 * a full disk, a read-only place or a foreign file met during the write is
 * one note (or the next place), never an unhandled rejection; a process
 * killed by SIGINT mid-write leaves no index that a later load trusts.
 */

import {execFileSync} from 'node:child_process';
import {copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {computeDominators} from '../../../source/core/analyses/dominators.js';
import {type LoadOptions, type LoadResult, loadDump} from '../../../source/core/dump/load.js';
import {NO_OBJECT} from '../../../source/core/graph/layout.js';
import {analysesPath} from '../../../source/core/index/analyses-file.js';
import {indexWritesSettled, savedDominators, saveAnalyses} from '../../../source/core/index/saved-analyses.js';
import {NODE_FLAGS} from '../../helpers/cli.js';
import {interpreters, run, scratchDir} from '../../capture/python.js';
import {copyDump as copyDumpOf, indexOf, type Loaded, loadNoted, pythonHeap, sameDominators} from './indexed.js';

const distLoad = new URL('../../../dist/core/dump/load.js', import.meta.url).pathname;
const found = interpreters();
const isRoot = process.getuid?.() === 0;

let cacheHome = '';
let original = '';
/** The same dump loaded without any index. */
let truth: LoadResult;

async function firstOpen(file: string, options: LoadOptions = {}): Promise<Loaded> {
	return loadNoted(file, {workers: 0, index: true, parents: false, overlapIndexWrite: true, env: {XDG_CACHE_HOME: cacheHome}, ...options});
}

const copyDump = (): string => copyDumpOf(original, 'meliae-overlap-');

/** Every value as a parse gives it, and every address found where a parse finds it. */
function answersAsParsed(result: LoadResult): void {
	const {store} = result;
	expect(store.objectCount).toBe(truth.store.objectCount);
	let values = 0;
	for (let i = 0; i < store.objectCount; i++) {
		const value = store.value(i);
		if (value !== truth.store.value(i)) {
			expect(value, `value of object ${i}`).toBe(truth.store.value(i));
		}

		values += value === undefined ? 0 : 1;
	}

	expect(values).toBeGreaterThan(1000);
	for (let i = 0; i < store.objectCount; i++) {
		if (store.indexOf(store.objectAddress[i]!) !== i) {
			expect(store.indexOf(store.objectAddress[i]!), `lookup of object ${i}`).toBe(i);
		}
	}

	// An address no object has, past the largest.
	expect(store.indexOf(Math.max(...store.objectAddress) + 8)).toBe(NO_OBJECT);
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
	unhandled.push(reason);
};

describe.skipIf(found.length === 0)('a first load writing its index while the caller goes on', () => {
	beforeAll(async () => {
		process.on('unhandledRejection', onUnhandled);
		({original, cacheHome, truth} = await pythonHeap('meliae-overlap-', 2000));
	}, 60_000);

	afterAll(() => {
		process.removeListener('unhandledRejection', onUnhandled);
		expect(unhandled).toEqual([]);
	});

	it('returns before the index is written; analyses saved meanwhile wait for it and land beside it, and the reopen reads them', async () => {
		const file = copyDump();
		const first = await firstOpen(file);
		// Not written yet: nothing to save analyses beside.
		expect(first.result.index).toBeUndefined();
		expect(existsSync(indexOf(file))).toBe(false);
		const dominators = computeDominators(first.result.store);
		const saving = saveAnalyses(first.result.store, dominators);
		expect(existsSync(analysesPath(indexOf(file)))).toBe(false);
		const bytes = await saving;
		expect(bytes).toBeGreaterThan(0);
		// Saving waited for the index: both are there now.
		expect(existsSync(indexOf(file))).toBe(true);
		expect(readFileSync(analysesPath(indexOf(file))).length).toBe(bytes);
		expect(await first.result.indexWritten).toEqual({path: indexOf(file), bytes: readFileSync(indexOf(file)).length, read: false});
		expect(first.result.index).toEqual(await first.result.indexWritten);
		expect(first.notes).toEqual([]);
		// No temporary left.
		expect(readdirSync(join(file, '..')).filter(name => name.endsWith('.tmp'))).toEqual([]);

		const reopened = await firstOpen(file);
		expect(reopened.result.index?.read).toBe(true);
		const saved = savedDominators(reopened.result.store);
		expect(saved).toBeDefined();
		sameDominators(saved!, computeDominators(truth.store));
		expect(reopened.notes).toEqual([]);
	});

	it('leaves the values and the address hash to the index once they are on disk; values and lookups answer as parsed', async () => {
		const file = copyDump();
		const first = await firstOpen(file);
		// The values and the hash are written before the load returns; the rest after.
		expect(first.result.store.isLoaded('valueBytes')).toBe(false);
		expect(first.result.store.isLoaded('addressSlots')).toBe(false);
		const held = first.result.store.byteLength;
		expect(truth.store.byteLength - held).toBeGreaterThanOrEqual(truth.store.valueBytes.byteLength + truth.store.addressIndex.byteLength);
		answersAsParsed(first.result);
		// A value is read from the file, not kept: the arena is still not in memory.
		expect(first.result.store.isLoaded('valueBytes')).toBe(false);
		expect((await first.result.indexWritten)?.read).toBe(false);
		answersAsParsed(first.result);

		// The same for a load that waits for its index (the default).
		const other = copyDump();
		const waited = await loadDump(other, {workers: 0, index: true, env: {XDG_CACHE_HOME: cacheHome}});
		expect(waited.index?.path).toBe(indexOf(other));
		expect(waited.store.isLoaded('valueBytes')).toBe(false);
		answersAsParsed(waited);
	});

	it('a foreign file put at the name during the write is never replaced: the index goes to the next place', async () => {
		const file = copyDump();
		const first = await firstOpen(file);
		writeFileSync(indexOf(file), 'not an index\n');
		const dominators = computeDominators(first.result.store);
		expect(await saveAnalyses(first.result.store, dominators)).toBeGreaterThan(0);
		const index = await first.result.indexWritten;
		expect(index?.path.startsWith(join(cacheHome, 'meliae-tui'))).toBe(true);
		expect(readFileSync(indexOf(file), 'utf8')).toBe('not an index\n');
		expect(existsSync(analysesPath(index!.path))).toBe(true);
		expect(first.notes).toEqual([]);
		answersAsParsed(first.result);
		expect(readdirSync(join(file, '..')).filter(name => name.endsWith('.tmp'))).toEqual([]);
	});

	describe.skipIf(!isRoot)('file systems that refuse', () => {
		it('a full disk during the write: one note, no file left or held open, the values answer from memory again', async () => {
			const file = copyDump();
			const full = scratchDir('meliae-overlap-');
			// Room for the values and the address hash, not for the rest.
			execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', full]);
			try {
				const first = await firstOpen(file, {indexDir: full});
				const saving = saveAnalyses(first.result.store, computeDominators(first.result.store));
				expect(await first.result.indexWritten).toBeUndefined();
				expect(await saving).toBeUndefined();
				expect(first.notes).toEqual([expect.stringMatching(/^note: not writing an index: no space left for /)]);
				expect(first.result.index).toBeUndefined();
				expect(readdirSync(full)).toEqual([]);
				expect(first.result.store.isLoaded('valueBytes')).toBe(true);
				answersAsParsed(first.result);
			} finally {
				// Fails (busy) if the temporary were still open.
				execFileSync('umount', [full]);
			}
		});

		it('a read-only place: one note, nothing written, the load answers', async () => {
			const dir = scratchDir('meliae-overlap-');
			execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir]);
			try {
				const file = join(dir, 'heap.json');
				copyFileSync(original, file);
				execFileSync('mount', ['-o', 'remount,ro', dir]);
				const nowhere = await firstOpen(file, {env: {XDG_CACHE_HOME: join(dir, 'cache')}});
				expect(await nowhere.result.indexWritten).toBeUndefined();
				expect(nowhere.notes).toEqual([expect.stringMatching(/^note: not writing an index: no place takes it \(.*EROFS.*\)$/)]);
				answersAsParsed(nowhere.result);
			} finally {
				execFileSync('umount', [dir]);
			}
		});
	});

	it('a process killed by SIGINT during the write leaves no index a later load trusts', async () => {
		const file = copyDump();
		const script = [
			`const {loadDump} = await import(${JSON.stringify(distLoad)});`,
			`const result = await loadDump(${JSON.stringify(file)}, {workers: 0, index: true, overlapIndexWrite: true, parents: false});`,
			// The values are on disk, the rest is being written: Ctrl-C now.
			'process.stdout.write(result.index === undefined ? "writing\\n" : "written\\n");',
			'process.kill(process.pid, "SIGINT");',
			'await new Promise(resolve => setTimeout(resolve, 10_000));',
		].join('\n');
		const killed = await run(process.execPath, [...NODE_FLAGS, '--input-type=module', '-e', script], {env: {...process.env, XDG_CACHE_HOME: cacheHome}});
		expect(killed.stdout).toBe('writing\n');
		expect(killed.signal).toBe('SIGINT');
		const left = readdirSync(join(file, '..'));
		expect(left).not.toContain('heap.json.mtui-index');
		expect(left.filter(name => name.endsWith('.tmp'))).toHaveLength(1);
		// The next load parses, writes a whole index, and answers as parsed.
		const next = await firstOpen(file);
		expect((await next.result.indexWritten)?.read).toBe(false);
		answersAsParsed(next.result);
		expect((await firstOpen(file)).result.index?.read).toBe(true);
	});

	it('parents built while the index was written are saved beside it before the process ends', async () => {
		const file = copyDump();
		const script = [
			`const {loadDump} = await import(${JSON.stringify(distLoad)});`,
			`const result = await loadDump(${JSON.stringify(file)}, {workers: 0, index: true, overlapIndexWrite: true, parents: false});`,
			// Built before the index is written (as an analysis on its way to the dominators does), never saved by anything else.
			'result.store.ensureParents();',
			'process.stdout.write(result.index === undefined ? "writing\\n" : "written\\n");',
		].join('\n');
		const ran = await run(process.execPath, [...NODE_FLAGS, '--input-type=module', '-e', script], {env: {...process.env, XDG_CACHE_HOME: cacheHome}});
		expect(ran.stderr).toBe('');
		expect(ran.stdout).toBe('writing\n');
		expect(existsSync(indexOf(file))).toBe(true);
		expect(existsSync(analysesPath(indexOf(file)))).toBe(true);
		const reopened = await firstOpen(file);
		expect(reopened.result.index?.read).toBe(true);
		expect([...reopened.result.store.firstParent]).toEqual([...truth.store.firstParent]);
		expect([...reopened.result.store.parentSources]).toEqual([...truth.store.parentSources]);
		expect(reopened.notes).toEqual([]);
	});

	it('every write is settled before the process may end', async () => {
		const file = copyDump();
		const first = await firstOpen(file);
		expect(existsSync(indexOf(file))).toBe(false);
		await indexWritesSettled();
		expect(existsSync(indexOf(file))).toBe(true);
		expect(first.result.index?.path).toBe(indexOf(file));
	});
});
