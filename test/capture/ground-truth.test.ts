/**
 * Dumps against known populations: a test program with a known number of
 * instances and a chain module -> dict -> cache -> instance, and the demo
 * fixtures against their recorded ground truth.
 */

import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {loadDump} from '../../source/core/dump/load.js';
import type {GraphStore} from '../../source/core/graph/store.js';
import {type CheckedDump, checkDump, interpreters, programsDir, pythonDir, readDumpText, repoRoot, run, scratchDir, typeCounts} from './python.js';

type Truth = {
	counts: Record<string, number>;
	cache_len: number;
	module: number;
	module_dict: number;
	cache_key: number;
	cache: number;
	first_key: number;
	first_widget: number;
	widget_type: number;
	widget_attrs: string[];
	objects: number;
};

/** Pairs [key, value] of a dict line's refs. */
function pairs(refs: readonly number[]): Array<[number, number]> {
	expect(refs.length % 2).toBe(0);
	const result: Array<[number, number]> = [];
	for (let k = 0; k < refs.length; k += 2) {
		result.push([refs[k]!, refs[k + 1]!]);
	}

	return result;
}

function children(store: GraphStore, address: number): number[] {
	const ordinal = store.indexOf(address);
	const result: number[] = [];
	for (let edge = store.firstChild[ordinal]!; edge < store.firstChild[ordinal + 1]!; edge++) {
		result.push(store.targetAddress(store.childTargets[edge]!));
	}

	return result;
}

function countType(store: GraphStore, name: string): number {
	const type = store.typeId(name);
	let count = 0;
	for (let i = 0; i < store.objectCount; i++) {
		if (store.objectType[i] === type) {
			count++;
		}
	}

	return count;
}

const found = interpreters();

describe.skipIf(found.length === 0)('a known population', () => {
	for (const python of found) {
		describe(python.label, () => {
			let truth: Truth;
			let dump: CheckedDump;
			let file: string;

			beforeAll(async () => {
				file = join(scratchDir(), 'truth.json.gz');
				const result = await run(python.exe, [join(programsDir, 'ground_truth.py'), file, pythonDir]);
				expect(result.stderr).toBe('');
				expect(result.code).toBe(0);
				truth = JSON.parse(result.stdout) as Truth;
				dump = checkDump(readDumpText(file));
			});

			it('has exactly the instances the program made', () => {
				expect(dump.lines.length).toBe(truth.objects);
				expect(dump.duplicates).toBe(0);
				expect(dump.dangling).toBe(0);
				const counts = typeCounts(dump);
				for (const [type, count] of Object.entries(truth.counts)) {
					expect(counts.get(type), type).toBe(count);
				}
			});

			it('has the chain module -> its dict -> CACHE -> a Widget, dicts as key/value pairs', () => {
				const module = dump.byAddress.get(truth.module)!;
				expect(module).toMatchObject({type: 'module', name: 'gt_cache'});
				expect(module.refs).toContain(truth.module_dict);
				const moduleDict = dump.byAddress.get(truth.module_dict)!;
				expect(pairs(moduleDict.refs)).toContainEqual([truth.cache_key, truth.cache]);
				expect(dump.byAddress.get(truth.cache_key)?.value).toBe('CACHE');
				const cache = dump.byAddress.get(truth.cache)!;
				expect(cache).toMatchObject({type: 'dict', len: truth.cache_len});
				const cachePairs = pairs(cache.refs);
				expect(cachePairs.length).toBe(truth.cache_len);
				expect(cachePairs[0]).toEqual([truth.first_key, truth.first_widget]);
				for (const [key, value] of cachePairs) {
					expect(dump.byAddress.get(key)?.type).toBe('str');
					expect(dump.byAddress.get(value)?.type).toBe('Widget');
				}

				const widget = dump.byAddress.get(truth.first_widget)!;
				expect(widget.refs.length).toBe(2);
				expect(widget.refs[1]).toBe(truth.widget_type);
				const attributes = dump.byAddress.get(widget.refs[0]!)!;
				expect(attributes.type).toBe('dict');
				const names = pairs(attributes.refs).map(([key]) => dump.byAddress.get(key)?.value);
				expect(names).toEqual(truth.widget_attrs);
			});

			it('loads cleanly and collapses every Widget with its attributes', async () => {
				const {store, problems} = await loadDump(file, {workers: 0});
				expect(problems.malformedLines).toBe(0);
				expect(problems.duplicateAddresses).toBe(0);
				expect(problems.unresolvedReferences).toBe(0);
				expect(problems.collapsedDicts).toBeGreaterThanOrEqual(truth.counts['Widget']!);
				expect(countType(store, 'Widget')).toBe(truth.counts['Widget']);
				expect(countType(store, 'Gadget')).toBe(truth.counts['Gadget']);
				// After collapse a Widget's children are its attribute names and
				// values, then its type.
				const widgetChildren = children(store, truth.first_widget);
				expect(widgetChildren.length).toBe(2 * truth.widget_attrs.length + 1);
				expect(widgetChildren.at(-1)).toBe(truth.widget_type);
				const name = store.value(store.indexOf(widgetChildren[2]!));
				expect(name).toBe('label');
			});
		});
	}
});

describe.skipIf(found.length === 0)('objects frozen by gc.freeze()', () => {
	it('are found through their referrers, each once', async () => {
		const file = join(scratchDir(), 'frozen.json');
		const code = [
			'import gc, sys',
			`sys.path.insert(0, ${JSON.stringify(pythonDir)})`,
			'import meliae_dump',
			'class Kept:',
			'    def __init__(self, i): self.i = i; self.s = "kept %d" % i',
			'OLD = [Kept(i) for i in range(100)]',
			'gc.freeze()',
			'NEW = [Kept(-i) for i in range(1, 11)]',
			`print(meliae_dump.dump_all_objects(${JSON.stringify(file)})["objects"], gc.get_freeze_count() > 0)`,
		].join('\n');
		const result = await run(found[0]!.exe, ['-c', code]);
		expect(result.code).toBe(0);
		const [objects, frozen] = result.stdout.trim().split(' ');
		expect(frozen).toBe('True');
		const dump = checkDump(readDumpText(file));
		expect(dump.lines.length).toBe(Number(objects));
		expect(dump.duplicates).toBe(0);
		expect(dump.dangling).toBe(0);
		expect(typeCounts(dump).get('Kept')).toBe(110);
	});
});

type DemoTruth = {
	python: string;
	iterations: Array<{
		dump: string;
		objects: number;
		counts: Record<string, number>;
		sessions_in_cache: number;
		log_entries: number;
		session_chain: Array<{type: string; address: number}>;
		log_chain: Array<{type: string; address: number}>;
	}>;
};

describe('demo fixtures', () => {
	const demoDir = join(repoRoot, 'fixtures', 'demo');
	const truth = JSON.parse(readFileSync(join(demoDir, 'ground-truth.json'), 'utf8')) as DemoTruth;

	it('has three dumps whose leaks grow', () => {
		expect(truth.iterations.map(iteration => iteration.dump)).toEqual(['demo-1.json.gz', 'demo-2.json.gz', 'demo-3.json.gz']);
		const sessions = truth.iterations.map(iteration => iteration.counts['Session']!);
		expect(sessions[0]).toBeLessThan(sessions[1]!);
		expect(sessions[1]).toBeLessThan(sessions[2]!);
	});

	for (const iteration of truth.iterations) {
		it(`${iteration.dump} agrees with the ground truth`, async () => {
			const file = join(demoDir, iteration.dump);
			const dump = checkDump(readDumpText(file));
			expect(dump.lines.length).toBe(iteration.objects);
			expect(dump.duplicates).toBe(0);
			expect(dump.dangling).toBe(0);
			const counts = typeCounts(dump);
			for (const [type, count] of Object.entries(iteration.counts)) {
				expect(counts.get(type) ?? 0, type).toBe(count);
			}

			expect(counts.get('Request') ?? 0).toBe(0);
			// Each holder refers to the next: directly, or (an instance) through
			// its attribute dict.
			for (const chain of [iteration.session_chain, iteration.log_chain]) {
				for (const [k, link] of chain.entries()) {
					const line = dump.byAddress.get(link.address)!;
					expect(line.type).toBe(link.type);
					const next = chain[k + 1];
					if (next === undefined) {
						continue;
					}

					const direct = line.refs.includes(next.address);
					const viaAttributes = line.refs.some(ref => {
						const attributes = dump.byAddress.get(ref);
						return attributes?.type === 'dict' && attributes.refs.includes(next.address);
					});
					expect(direct || viaAttributes, `${link.type} -> ${next.type}`).toBe(true);
				}
			}

			const {store, problems} = await loadDump(file, {workers: 0});
			expect(problems.malformedLines).toBe(0);
			expect(problems.unresolvedReferences).toBe(0);
			expect(countType(store, 'Session')).toBe(iteration.counts['Session']);
			expect(countType(store, 'LogEntry')).toBe(iteration.counts['LogEntry']);
			const cacheDict = iteration.session_chain[3]!;
			expect(store.length(store.indexOf(cacheDict.address))).toBe(iteration.sessions_in_cache);
		});
	}
});
