/**
 * `show` on a real Python 3 dump, against what the process recorded about
 * itself at dump time: how each parent holds the object, the retained
 * size and dominator, and refs_as_dict in JSON.
 */

import {rmSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {interpreters, pythonDir, run, scratchDir} from '../capture/python.js';
import {runCli} from '../helpers/cli.js';

const PROGRAM = String.raw`
import json, sys, meliae_dump

class Target:
    def __init__(self):
        self.payload = bytes(100000)

class Holder:
    def __init__(self, held):
        self.held = held

target = Target()
registry = {'target': target, 'n': 5, 's': 'text', 'none': None, 'flag': True, '__proto__': 7, 1: 'one'}
holder = Holder(target)
listed = [target]
only = [Target()]
alone = only[0]
truth = {
    'target': id(target), 'registry': id(registry), 'holder': id(holder), 'listed': id(listed),
    'alone': id(alone), 'only': id(only),
    # What freeing 'alone' frees: itself, its attribute storage and its payload.
    'alone_min_retained': sys.getsizeof(alone) + sys.getsizeof(alone.payload),
}
del alone
meliae_dump.dump_all_objects(sys.argv[1])
print(json.dumps(truth))
`;

type Truth = Record<'target' | 'registry' | 'holder' | 'listed' | 'alone' | 'only' | 'alone_min_retained', number>;

const python = interpreters()[0];
describe.skipIf(python === undefined)('meliae-tui show on a real dump', () => {
	let dir: string;
	let dump: string;
	let truth: Truth;
	beforeAll(async () => {
		dir = scratchDir('meliae-show-');
		dump = join(dir, 'show.json');
		const made = await run(python!.exe, ['-c', PROGRAM, dump], {env: {...process.env, PYTHONPATH: pythonDir}, timeoutMs: 60_000});
		expect(made.code, made.stderr).toBe(0);
		truth = JSON.parse(made.stdout) as Truth;
	}, 90_000);
	afterAll(() => {
		rmSync(dir, {recursive: true, force: true});
	});

	it('says how each parent holds the object', async () => {
		const result = await runCli(['show', dump, String(truth.target)]);
		expect(result.code, result.stderr).toBe(0);
		const parents = result.stdout.slice(result.stdout.indexOf('parents (')).split('\n');
		const has = (pattern: string): boolean => parents.some(line => new RegExp(pattern).test(line));
		expect(has(String.raw`^  \['target'\] in dict\(${truth.registry} `), result.stdout).toBe(true);
		expect(has(String.raw`^  \.held in Holder\(${truth.holder} `), result.stdout).toBe(true);
		expect(has(String.raw`^  \[0\] in list\(${truth.listed} `), result.stdout).toBe(true);
	});

	it('prints the retained size and the dominator, the same as --json', async () => {
		const text = await runCli(['show', dump, String(truth.alone)]);
		expect(text.code, text.stderr).toBe(0);
		const json = JSON.parse((await runCli(['show', dump, String(truth.alone), '--json'])).stdout) as {retained_size: number; dominator: number};
		expect(json.dominator).toBe(truth.only);
		expect(json.retained_size).toBeGreaterThanOrEqual(truth.alone_min_retained);
		expect(text.stdout).toMatch(new RegExp(String.raw`^retained \S+ \(${json.retained_size} bytes\)`, 'm'));
		expect(text.stdout).toMatch(new RegExp(String.raw`^dominator list\(${truth.only} `, 'm'));
	});

	it('writes refs_as_dict for a dict and a collapsed instance, JSON-safe', async () => {
		const result = await runCli(['show', dump, String(truth.registry), '--json']);
		expect(result.code, result.stderr).toBe(0);
		const json = JSON.parse(result.stdout) as {refs_as_dict: Record<string, unknown>};
		// Parsed with JSON.parse, '__proto__' is an own key like any other.
		expect(Object.entries(json.refs_as_dict).sort()).toEqual(Object.entries({
			target: truth.target, n: 5, s: 'text', none: null, flag: true, ['__proto__']: 7, 1: 'one',
		}).sort());
		const holder = JSON.parse((await runCli(['show', dump, String(truth.holder), '--json'])).stdout) as {refs_as_dict: Record<string, unknown>};
		expect(holder.refs_as_dict).toEqual({held: truth.target});
		const list = JSON.parse((await runCli(['show', dump, String(truth.listed), '--json'])).stdout) as Record<string, unknown>;
		expect(list).not.toHaveProperty('refs_as_dict');
	});
});
