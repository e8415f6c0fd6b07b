/**
 * Dicts whose refs hold only their values: a dumper that follows CPython's
 * traverse functions (as meliae's scanner does) lists only the values of a
 * dict whose keys are all strings on CPython 3. The dump here is made that
 * way by a real Python 3 process (gc.get_referents is the traverse
 * function), which records what it holds.
 */

import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {dictLayout} from '../../../source/core/analyses/dict-layout.js';
import {dictEntryCount, refsAsDict} from '../../../source/core/analyses/objects.js';
import {edgeName} from '../../../source/core/analyses/paths.js';
import {loadDump} from '../../../source/core/dump/load.js';
import {formatRefValue} from '../../../source/core/format/ref-value.js';
import {interpreters, run, scratchDir} from '../../capture/python.js';
import {runCli} from '../../helpers/cli.js';

// Every object reachable from ROOT, one meliae line each, refs exactly as
// gc.get_referents gives them (no rewriting of dicts).
const PROGRAM = String.raw`
import gc, json, sys

class ApiSession:
    pass

sessions = {}
for i in range(250):
    s = ApiSession()
    s.user = 'user%d' % i
    s.tries = i
    sessions['s%d' % i] = s
holder = ApiSession()
holder.name = 'holder'
vars(holder)  # a real __dict__, so the instance refers to [dict, type]
mixed = {1: 'one', 'two': 2}
ROOT = [sessions, holder, mixed, b'raw bytes']

out = sys.argv[1]
seen = set()
stack = [ROOT]
with open(out + '/dump.json', 'w') as f:
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        refs = gc.get_referents(o)
        line = {'address': id(o), 'type': type(o).__name__, 'size': sys.getsizeof(o)}
        if isinstance(o, type):
            line['name'] = o.__name__
        if isinstance(o, (str, list, dict, tuple)):
            line['len'] = len(o)
        if isinstance(o, str):
            line['value'] = o[:100]
        if type(o) is int:
            line['value'] = o
        line['refs'] = [id(r) for r in refs]
        f.write(json.dumps(line) + '\n')
        if not isinstance(o, type):
            stack.extend(refs)
with open(out + '/truth.json', 'w') as f:
    json.dump({'sessions': id(sessions), 'count': len(sessions), 'first': id(sessions['s0']),
               'holder': id(holder), 'holder_dict': id(holder.__dict__), 'mixed': id(mixed),
               'one': id(mixed[1]), 'two': id('two'),
               'referents': [id(r) for r in gc.get_referents(sessions)][:3]}, f)
`;

type Truth = {sessions: number; count: number; first: number; holder: number; holder_dict: number; mixed: number; one: number; two: number; referents: number[]};

describe.each(interpreters().filter(python => Number(python.version.split('.')[1]) >= 11))('values-only dicts on $label', python => {
	it('shows the values without keys, and never pairs value with value', async () => {
		const dir = scratchDir();
		const finished = await run(python.exe, ['-c', PROGRAM, dir], {timeoutMs: 60_000});
		expect(finished.stderr).toBe('');
		const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
		const {store} = await loadDump(join(dir, 'dump.json'), {workers: 0});
		const sessions = store.indexOf(truth.sessions);
		expect(store.childCount(sessions)).toBe(truth.count);
		expect(dictLayout(store, sessions)).toBe('values');
		expect(dictEntryCount(store, sessions)).toBe(truth.count);
		const entries = refsAsDict(store, sessions, 3);
		expect(entries.map(entry => entry.key.kind)).toEqual(['no-key', 'no-key', 'no-key']);
		expect(entries.map(entry => entry.value.target)).toEqual(truth.referents.map(address => store.indexOf(address)));
		expect(formatRefValue(store, entries[0]!.key)).toBe('(key not in dump)');
		expect(edgeName(store, sessions, store.indexOf(truth.first))).toBe(null);

		// The holder absorbed its values-only __dict__.
		const holder = store.indexOf(truth.holder);
		expect(store.indexOf(truth.holder_dict)).toBe(-1 >>> 0);
		expect(dictLayout(store, holder)).toBe('values');
		expect(dictEntryCount(store, holder)).toBe(1);
		expect(refsAsDict(store, holder).map(entry => formatRefValue(store, entry.value))).toEqual(['\'holder\'']);

		// A dict with a non-string key lists its pairs, value first on CPython 3:
		// read so, in a dump that shows it follows the traverse order.
		const mixed = store.indexOf(truth.mixed);
		expect(dictLayout(store, mixed)).toBe('value-pairs');
		expect(refsAsDict(store, mixed).map(entry => [formatRefValue(store, entry.key), formatRefValue(store, entry.value)]))
			.toEqual([['1', '\'one\''], ['\'two\'', '2']]);
		expect(edgeName(store, mixed, store.indexOf(truth.one))?.text).toBe('[1]');
		expect(edgeName(store, mixed, store.indexOf(truth.two))?.text).toBe('(key)');

		const shown = await runCli(['show', join(dir, 'dump.json'), String(truth.sessions), '--limit', '2']);
		expect(shown.code).toBe(0);
		const lines = shown.stdout.split('\n');
		const at = lines.findIndex(line => line.startsWith('dict values (250; keys not in the dump'));
		expect(at).toBeGreaterThan(0);
		expect(lines[at + 1]).toMatch(/^ {2}ApiSession\(\d+ /);
		expect(shown.stdout).not.toMatch(/ApiSession\([^)]*\): ApiSession/);
	}, 120_000);
});
