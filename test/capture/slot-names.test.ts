/**
 * `__slots__` attributes by name: the dumper records each slotted class's
 * slot order on its line (and an instance's own list when a slot is unset),
 * and paths and the explorer's object view name the reference `.slot`, as
 * they do for dict-backed and inline attributes.
 */

import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {edgeName} from '../../source/core/analyses/paths.js';
import {loadDump} from '../../source/core/dump/load.js';
import type {GraphStore} from '../../source/core/graph/store.js';
import {ExplorerModel} from '../../source/ui/state/model.js';
import {runCli} from '../helpers/cli.js';
import {type CheckedDump, checkDump, interpreters, programsDir, pythonDir, readDumpText, run, scratchDir} from './python.js';

type Fact = {holder: number; type: string; name: string; target: number; complete: boolean};
type Record_ = {facts: Fact[]; classes: Record<string, {address: number; order: string[]}>; objects: number};

describe('"slots" keys the dumper did not write', () => {
	it('are ignored unless they are lists of strings; names are escaped; a class named otherwise does not lend its names', async () => {
		const file = join(scratchDir(), 'odd-slots.json');
		writeFileSync(file, [
			'{"address": 1, "type": "type", "size": 900, "name": "Odd", "refs": [], "slots": [1, 2]}',
			'{"address": 2, "type": "type", "size": 900, "name": "Esc", "refs": [], "slots": ["a\\u001b[31mb"]}',
			'{"address": 3, "type": "type", "size": 900, "name": "Other", "refs": [], "slots": ["wrong"]}',
			'{"address": 10, "type": "Odd", "size": 48, "refs": [20, 1]}',
			'{"address": 11, "type": "Esc", "size": 48, "refs": [20, 2]}',
			'{"address": 12, "type": "Mine", "size": 48, "refs": [20, 3]}',
			'{"address": 20, "type": "list", "size": 56, "len": 0, "refs": []}',
			'',
		].join('\n'));
		const {store, problems} = await loadDump(file, {workers: 0});
		expect(problems.malformedLines).toBe(0);
		const list = store.indexOf(20);
		expect(edgeName(store, store.indexOf(10), list)).toBeNull();
		expect(edgeName(store, store.indexOf(11), list)?.text).toBe('.a\\x1b[31mb');
		expect(edgeName(store, store.indexOf(12), list)).toBeNull();
	});
});

const found = interpreters();

describe.skipIf(found.length === 0)('__slots__ attribute names', () => {
	for (const python of found) {
		describe(python.label, () => {
			let record: Record_;
			let dump: CheckedDump;
			let file: string;
			let store: GraphStore;

			beforeAll(async () => {
				file = join(scratchDir(), 'slots.json');
				const result = await run(python.exe, [join(programsDir, 'slots.py'), file, pythonDir]);
				expect(result.stderr).toBe('');
				expect(result.code).toBe(0);
				record = JSON.parse(result.stdout) as Record_;
				dump = checkDump(readDumpText(file));
				({store} = await loadDump(file, {workers: 0}));
			});

			it('a class\'s line lists its slots in the order the collector visits them', () => {
				for (const [name, {address, order}] of Object.entries(record.classes)) {
					const line = dump.byAddress.get(address)!;
					expect(line.name, name).toBe(name);
					expect(line.slots?.slice(0, order.length), name).toEqual(order);
				}

				// The instances' lines stay meliae's own unless a slot is unset.
				for (const fact of record.facts) {
					const line = dump.byAddress.get(fact.holder)!;
					expect(line.slots !== undefined, `${fact.type} ${fact.name}`).toBe(!fact.complete);
				}
			});

			it('edgeName and the object view name every slot as an attribute', () => {
				const model = new ExplorerModel([{file, store}]);
				for (const fact of record.facts) {
					const holder = store.indexOf(fact.holder);
					const target = store.indexOf(fact.target);
					expect(edgeName(store, holder, target), `${fact.type}.${fact.name}`).toEqual({kind: 'attribute', text: `.${fact.name}`});
					expect(model.referenceLabel(holder, target)).toBe(`.${fact.name}`);
				}
			});

			it('the names come through the parser threads too', async () => {
				const {store: threaded} = await loadDump(file, {workers: 2, blockSize: 64 * 1024});
				for (const fact of record.facts) {
					expect(edgeName(threaded, threaded.indexOf(fact.holder), threaded.indexOf(fact.target))?.text).toBe(`.${fact.name}`);
				}
			});

			it('path --json names the slot, held by its instance', async () => {
				for (const fact of record.facts.filter(entry => entry.type === 'Child')) {
					// eslint-disable-next-line no-await-in-loop
					const result = await runCli(['path', file, String(fact.target), '--json', '--quiet']);
					expect(result.code).toBe(0);
					const steps = (JSON.parse(result.stdout) as {path: Array<{address: number; edge: string | null}>}).path;
					expect(steps.at(-2)!.address).toBe(fact.holder);
					expect(steps.at(-1)!.edge).toBe(`.${fact.name}`);
				}
			});
		});
	}
});
