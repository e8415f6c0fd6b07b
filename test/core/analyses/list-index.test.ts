/**
 * List and tuple items are labelled by their real index: CPython's traverse
 * functions visit them from the last to the first, so a dump's refs list
 * them in reverse (a deque's in order). Checked on a real dump whose
 * program records where it put each object.
 */

import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {edgeName, findPath} from '../../../source/core/analyses/paths.js';
import {loadDump} from '../../../source/core/dump/load.js';
import {interpreters, pythonDir, run, scratchDir} from '../../capture/python.js';
import {runCli} from '../../helpers/cli.js';

const PROGRAM = String.raw`
import collections, json, sys
import meliae_dump

class Marker:
    pass

out = sys.argv[1]
truth = {}
holders = []
for kind, k in (('list', 1), ('tuple', 731), ('deque', 998)):
    marker = Marker()
    items = [None] * 1000
    items[k] = marker
    holder = {'list': list, 'tuple': tuple, 'deque': collections.deque}[kind](items)
    holders.append(holder)
    truth[kind] = {'holder': id(holder), 'marker': id(marker), 'index': k}
# The same object twice: the lowest index is its name.
twice = Marker()
items = [None] * 10
items[3] = twice
items[7] = twice
holders.append(items)
truth['twice'] = {'holder': id(items), 'marker': id(twice), 'index': 3}
meliae_dump.dump_all_objects(out + '/dump.json')
with open(out + '/truth.json', 'w') as f:
    json.dump(truth, f)
`;

type Truth = Record<'list' | 'tuple' | 'deque' | 'twice', {holder: number; marker: number; index: number}>;

describe.each(interpreters())('list and tuple indexes on $label', python => {
	it('labels each item by the index the program put it at', async () => {
		const dir = scratchDir();
		const finished = await run(python.exe, ['-c', PROGRAM, dir], {env: {...process.env, PYTHONPATH: pythonDir}, timeoutMs: 60_000});
		expect(finished.stderr).toBe('');
		const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
		const {store} = await loadDump(join(dir, 'dump.json'), {workers: 0});
		for (const kind of ['list', 'tuple', 'deque', 'twice'] as const) {
			const {holder, marker, index} = truth[kind];
			expect(edgeName(store, store.indexOf(holder), store.indexOf(marker))?.text, kind).toBe(`[${index}]`);
		}

		const path = findPath(store, store.indexOf(truth.tuple.marker));
		expect(path?.edges.at(-1)?.text).toBe('[731]');

		const cli = await runCli(['path', join(dir, 'dump.json'), String(truth.list.marker), '--json']);
		expect(cli.code).toBe(0);
		const json = JSON.parse(cli.stdout) as {path: Array<{address: number; edge: string | null}>};
		expect(json.path.at(-1)).toMatchObject({address: truth.list.marker, edge: '[1]'});
	}, 120_000);
});
