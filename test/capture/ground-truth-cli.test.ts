/**
 * The ground-truth suite: a real Python process builds known objects,
 * records inside itself what is true at dump time (counts and
 * sys.getsizeof sums of its own classes, the list index, tuple index, dict
 * key and attribute name of each held object and the holder's address, the
 * objects made between dumps), dumps itself, and the command line must say
 * the same: summarize, show, path, diff and trend, all with --json.
 *
 * Runs on every interpreter interpreters() finds (MELIAE_TEST_PYTHONS, and
 * the shared CPython 3.13 build where it exists).
 */

import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {checkDump, interpreters, programsDir, pythonDir, readDumpText, run, scratchDir} from './python.js';

type Census = Record<string, {count: number; size: number}>;
type Place = {holder: number; target: number};
type Record_ = {
	version: [number, number];
	layout: string;
	dumps: Array<{path: string; objects: number; census: Census}>;
	module: number;
	module_collapsed_size: number;
	sys_module: number;
	sys_collapsed_size: number;
	list: Place & {index: number; len: number};
	tuple: Place & {index: number; len: number};
	dict: Place & {key: string};
	attributes: Array<Place & {kind: string; name: string}>;
	late: {owners: number[]; dicts: number[]; collapsed_size: number};
	weak: {ref: number; target: number};
	/** Addresses of the Fresh objects made before dump 2, before dump 3. */
	fresh_made: number[][];
	fresh_list: number;
	traverse: {path: string; objects: number; holder: number; keys: string[]; values: number[]; values_only: boolean};
};

type SummaryJson = {total_count: number; total_size: number; types: Array<{type: string; count: number; size: number}>};
type PathJson = {path: Array<{address: number; type: string; edge: string | null}>};
type ShowJson = {address: number; type: string; size: number; len: number | null; children: number[]; parents: number[]; refs_as_dict?: Record<string, unknown>};
type DiffJson = {
	types: Array<{type: string; old_count: number; new_count: number; new_objects: number; freed_objects: number}>;
	candidates?: Array<{type: string; count: number; example: number; owner: Array<{address: number}>}>;
};
type TrendJson = {types: Array<{type: string; counts: number[]; growing: boolean}>};

async function cliJson<T>(args: string[]): Promise<T> {
	const result = await runCli([...args, '--json', '--quiet'], {timeoutMs: 60_000});
	expect(result.stderr, args.join(' ')).toBe('');
	expect(result.code, args.join(' ')).toBe(0);
	return JSON.parse(result.stdout) as T;
}

function row(summary: SummaryJson, type: string): {count: number; size: number} {
	const found = summary.types.find(entry => entry.type === type);
	return found === undefined ? {count: 0, size: 0} : {count: found.count, size: found.size};
}

const found = interpreters();

describe.skipIf(found.length === 0)('ground truth from a real process, through the command line', () => {
	for (const python of found) {
		describe(python.label, () => {
			let truth: Record_;
			let first: string;

			beforeAll(async () => {
				const directory = scratchDir('meliae-truth-');
				const result = await run(python.exe, [join(programsDir, 'truth_suite.py'), directory, pythonDir], {timeoutMs: 120_000});
				expect(result.stderr).toBe('');
				expect(result.code).toBe(0);
				truth = JSON.parse(result.stdout) as Record_;
				first = truth.dumps[0]!.path;
			}, 180_000);

			it('summarize --no-collapse: each own class has the count and sys.getsizeof sum the process saw', async () => {
				for (const dump of truth.dumps) {
					// eslint-disable-next-line no-await-in-loop
					const summary = await cliJson<SummaryJson>(['summarize', dump.path, '--no-collapse', '--limit', '100000']);
					expect(summary.total_count).toBe(dump.objects);
					for (const [type, expected] of Object.entries(dump.census)) {
						expect(row(summary, type), type).toEqual(expected);
					}
				}
			});

			it('summarize: collapsing keeps every count of own classes and never changes the total size', async () => {
				const plain = await cliJson<SummaryJson>(['summarize', first, '--no-collapse', '--limit', '100000']);
				const collapsed = await cliJson<SummaryJson>(['summarize', first, '--limit', '100000']);
				for (const [type, expected] of Object.entries(truth.dumps[0]!.census)) {
					expect(row(collapsed, type).count, type).toBe(expected.count);
				}

				expect(collapsed.total_size).toBe(plain.total_size);
			});

			it('the late __dict__s come before their owners in the dump, and fold into them with their sizes', async () => {
				const dump = checkDump(readDumpText(first));
				const position = new Map(dump.lines.map((line, k) => [line.address, k]));
				for (const [k, owner] of truth.late.owners.entries()) {
					const dict = truth.late.dicts[k]!;
					expect(position.get(dict)! < position.get(owner)!, `dict ${dict} before owner ${owner}`).toBe(true);
				}

				const collapsed = await cliJson<SummaryJson>(['summarize', first, '--limit', '100000']);
				expect(row(collapsed, 'Late')).toEqual({count: truth.late.owners.length, size: truth.late.collapsed_size});
			});

			it('show: a module folds its __dict__, also its functions\' globals, as meliae does', async () => {
				const module = await cliJson<ShowJson>(['show', first, String(truth.module)]);
				expect(module.type).toBe('module');
				expect(module.size).toBe(truth.module_collapsed_size);
			});

			it('show: sys folds its __dict__ (which comes before it in the dump) with both sizes', async () => {
				const sys = await cliJson<ShowJson>(['show', first, String(truth.sys_module)]);
				expect(sys.type).toBe('module');
				expect(sys.size).toBe(truth.sys_collapsed_size);
			});

			const lastStep = (path: PathJson): {holder: number; edge: string | null; target: number} => {
				const steps = path.path;
				return {holder: steps.at(-2)!.address, edge: steps.at(-1)!.edge, target: steps.at(-1)!.address};
			};

			it('path: an item of a 1000-item list and of a tuple is named by its real index', async () => {
				for (const place of [truth.list, truth.tuple]) {
					// eslint-disable-next-line no-await-in-loop
					const path = await cliJson<PathJson>(['path', first, String(place.target)]);
					expect(lastStep(path)).toEqual({holder: place.holder, edge: `[${place.index}]`, target: place.target});
					// eslint-disable-next-line no-await-in-loop
					const shown = await cliJson<ShowJson>(['show', first, String(place.holder)]);
					expect(shown.len).toBe(place.len);
					expect(shown.children).toContain(place.target);
				}
			});

			it('path: a dict held by key is named by that key', async () => {
				const path = await cliJson<PathJson>(['path', first, String(truth.dict.target)]);
				expect(lastStep(path)).toEqual({holder: truth.dict.holder, edge: `['${truth.dict.key}']`, target: truth.dict.target});
			});

			for (const kind of ['inline or dict', 'materialised dict', 'late dict', 'dataclass', 'cycle', 'slot', 'slot after an unset one']) {
				it(`path: an attribute (${kind}) is named .name, held by its instance`, async () => {
					for (const attribute of truth.attributes.filter(entry => entry.kind === kind)) {
						// eslint-disable-next-line no-await-in-loop
						const path = await cliJson<PathJson>(['path', first, String(attribute.target)]);
						expect(lastStep(path), attribute.name).toEqual({holder: attribute.holder, edge: `.${attribute.name}`, target: attribute.target});
					}
				});
			}

			it('show: a weak reference does not hold its referent', async () => {
				const weak = await cliJson<ShowJson>(['show', first, String(truth.weak.ref)]);
				expect(weak.type.toLowerCase()).toContain('weakref');
				expect(weak.children).not.toContain(truth.weak.target);
				const target = await cliJson<ShowJson>(['show', first, String(truth.weak.target)]);
				expect(target.parents).not.toContain(truth.weak.ref);
			});

			it('diff: exactly the objects made between two dumps are new', async () => {
				for (let k = 1; k < truth.dumps.length; k++) {
					// eslint-disable-next-line no-await-in-loop
					const diff = await cliJson<DiffJson>(['diff', truth.dumps[k - 1]!.path, truth.dumps[k]!.path]);
					const fresh = diff.types.find(entry => entry.type === 'Fresh')!;
					expect(fresh.new_objects).toBe(truth.fresh_made[k - 1]!.length);
					expect(fresh.freed_objects).toBe(0);
					expect(fresh.new_count).toBe(truth.dumps[k]!.census['Fresh']!.count);
					for (const type of ['Plain', 'Late', 'Slotted', 'Point', 'Square']) {
						const entry = diff.types.find(candidate => candidate.type === type);
						expect(entry?.new_objects ?? 0, type).toBe(0);
					}
				}
			});

			it('the dumper leaves none of its own garbage to the next dump', async () => {
				// The program makes no JSON encoder between dumps; json's default
				// one exists in every dump.
				const counts: number[] = [];
				for (const dump of truth.dumps) {
					// eslint-disable-next-line no-await-in-loop
					const summary = await cliJson<SummaryJson>(['summarize', dump.path, '--no-collapse', '--limit', '100000']);
					counts.push(row(summary, 'JSONEncoder').count);
				}

				expect(counts).toEqual(truth.dumps.map(() => 1));
			});

			it('diff OLD NEW FINAL: the objects made after the first dump that live on are the candidates, with their holder', async () => {
				const [one, two, three] = truth.dumps.map(dump => dump.path);
				const diff = await cliJson<DiffJson>(['diff', one!, two!, three!]);
				const fresh = diff.candidates!.find(entry => entry.type === 'Fresh')!;
				expect(fresh.count).toBe(truth.fresh_made[0]!.length);
				expect(truth.fresh_made[0]).toContain(fresh.example);
				expect(fresh.owner[0]!.address).toBe(truth.fresh_list);
				for (const type of ['Plain', 'Late', 'Slotted', 'Point', 'Square', 'Marker']) {
					expect(diff.candidates!.some(entry => entry.type === type), type).toBe(false);
				}
			});

			it('trend: counts per dump as the process saw them; constant types are not growing', async () => {
				const trend = await cliJson<TrendJson>(['trend', ...truth.dumps.map(dump => dump.path), '--sort', 'name']);
				for (const type of ['Fresh', 'Plain', 'Late', 'Slotted', 'module']) {
					const entry = trend.types.find(candidate => candidate.type === type)!;
					if (type !== 'module') {
						expect(entry.counts, type).toEqual(truth.dumps.map(dump => dump.census[type]!.count));
					}

					expect(entry.growing, type).toBe(type === 'Fresh');
				}
			});

			it('a dict whose refs hold only values: no key is made up', async () => {
				const {traverse} = truth;
				// String keys: CPython's dict traverse visits only the values (3.8 to 3.13).
				expect(traverse.values_only).toBe(true);
				const shown = await cliJson<ShowJson>(['show', traverse.path, String(traverse.holder)]);
				expect(shown.len).toBe(traverse.keys.length);
				expect(shown.children).toEqual(expect.arrayContaining(traverse.values));
				if (shown.refs_as_dict !== undefined) {
					expect(Object.keys(shown.refs_as_dict).every(key => traverse.keys.includes(key))).toBe(true);
				}

				for (const [k, value] of traverse.values.entries()) {
					// eslint-disable-next-line no-await-in-loop
					const path = await cliJson<PathJson>(['path', traverse.path, String(value)]);
					const step = lastStep(path);
					expect(step.holder).toBe(traverse.holder);
					expect([null, `['${traverse.keys[k]!}']`]).toContain(step.edge);
				}
			});
		});
	}
});
