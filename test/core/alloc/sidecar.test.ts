/**
 * The allocation-site sidecar beside a dump: read by the loader into the
 * per-object traceback table; a damaged one is named with its line and
 * not used.
 */

import {writeFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {ALLOC_SUFFIX} from '../../../source/core/alloc/sidecar.js';
import {allocatedAt, allocSitesOf, groupTracebacks, NO_TRACEBACK, topSites, tracebackFrames} from '../../../source/core/alloc/sites.js';
import {loadDump} from '../../../source/core/dump/load.js';
import {dumpText, writeDump} from '../../helpers/dump-lines.js';

const objects = [
	{address: 1000, type: 'list', size: 88, len: 3, refs: [2000, 3000, 4000]},
	{address: 2000, type: 'Request', size: 48, refs: []},
	{address: 3000, type: 'Request', size: 48, refs: []},
	{address: 4000, type: 'str', size: 60, len: 3, value: 'abc', refs: []},
];

function sidecar(objectLines: readonly string[], tracebackLines: readonly string[], frames = 1): string {
	return [
		`{"format": "meliae-tui-alloc", "version": 1, "frames": ${frames}, "objects": [`,
		...objectLines,
		'],',
		'"tracebacks": [',
		...tracebackLines,
		']}',
		'',
	].join('\n');
}

async function loadWith(text: string | undefined): Promise<Awaited<ReturnType<typeof loadDump>>> {
	const file = writeDump(dumpText(objects));
	if (text !== undefined) {
		writeFileSync(file + ALLOC_SUFFIX, gzipSync(Buffer.from(text)));
	}

	return loadDump(file, {workers: 0});
}

const good = sidecar(
	['[2000, 1]', ',[3000, 1]', ',[4000, 0]', ',[999999, 0]'],
	['[{"file": "lib.py", "line": 7}]', ',[{"file": "app.py", "line": 42, "function": "handle_request"}, {"file": "app.py", "line": 90, "function": "main"}]'],
);

describe('allocation-site sidecar', () => {
	it('gives each object its traceback by address; unknown addresses are skipped', async () => {
		const result = await loadWith(good);
		const {store} = result;
		expect(result.allocProblem).toBeUndefined();
		expect(result.alloc?.objects).toBe(3);
		expect(allocatedAt(store, store.indexOf(2000))).toEqual([{file: 'app.py', line: 42, function: 'handle_request'}, {file: 'app.py', line: 90, function: 'main'}]);
		expect(allocatedAt(store, store.indexOf(4000))).toEqual([{file: 'lib.py', line: 7}]);
		expect(allocatedAt(store, store.indexOf(1000))).toBeUndefined();
	});

	it('are read again when the dump is reopened from its index', async () => {
		const file = writeDump(dumpText(objects));
		writeFileSync(file + ALLOC_SUFFIX, gzipSync(Buffer.from(good)));
		const first = await loadDump(file, {workers: 0, index: true, indexMinBytes: 0, env: {XDG_CACHE_HOME: file + '.cache'}});
		expect(first.index?.read).toBe(false);
		const again = await loadDump(file, {workers: 0, index: true, env: {XDG_CACHE_HOME: file + '.cache'}});
		expect(again.index?.read).toBe(true);
		expect(again.alloc?.objects).toBe(3);
		expect(allocatedAt(again.store, again.store.indexOf(2000))?.[0]).toEqual({file: 'app.py', line: 42, function: 'handle_request'});
	});

	it('without a sidecar the store has no sites', async () => {
		const result = await loadWith(undefined);
		expect(result.alloc).toBeUndefined();
		expect(allocSitesOf(result.store)).toBeUndefined();
	});

	it.each([
		['a bad object line', sidecar(['[2000, 1]', ',[3000 1]'], ['[{"file": "a.py", "line": 1}]', ',[{"file": "a.py", "line": 2}]']), 3],
		['a traceback id past the list', sidecar(['[2000, 0]', ',[3000, 5]'], ['[{"file": "a.py", "line": 1}]']), 3],
		['a frame without a line', sidecar(['[2000, 0]'], ['[{"file": "a.py"}]']), 5],
		['another format', '{"format": "other"}\n', 1],
	])('names the file and line of %s and loads the dump without sites', async (_what, text, line) => {
		const result = await loadWith(text);
		expect(result.store.objectCount).toBe(4);
		expect(allocSitesOf(result.store)).toBeUndefined();
		expect(result.allocProblem).toMatch(new RegExp(`${ALLOC_SUFFIX.replaceAll('.', '\\.')}:${line}: `));
	});

	it('says a truncated sidecar ends early', async () => {
		const result = await loadWith(good.slice(0, good.indexOf('"tracebacks"')));
		expect(result.allocProblem).toContain('ends early');
	});

	it('groups: the shared traceback, none when they differ; top sites by bytes', async () => {
		const {store} = await loadWith(good);
		const groupOf = new Int32Array(store.objectCount).fill(-1);
		groupOf[store.indexOf(2000)] = 0;
		groupOf[store.indexOf(3000)] = 0;
		groupOf[store.indexOf(4000)] = 1;
		groupOf[store.indexOf(1000)] = 1;
		const shared = groupTracebacks(store, groupOf, 2)!;
		expect(tracebackFrames(store, shared[0]!)?.[0]).toEqual({file: 'app.py', line: 42, function: 'handle_request'});
		expect(shared[1]).toBe(NO_TRACEBACK);

		const member = new Uint8Array(store.objectCount).fill(1);
		const top = topSites(store, member, 10)!;
		expect(top.sites.map(site => [site.frames[0]!.file, site.frames[0]!.line, site.count, site.size])).toEqual([['app.py', 42, 2, 96], ['lib.py', 7, 1, 60]]);
		expect([top.unknown, top.unknownSize]).toEqual([1, 88]);
	});
});
