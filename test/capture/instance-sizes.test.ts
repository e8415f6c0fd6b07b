/**
 * The size written for an instance's inline attribute values (3.11+): the
 * stand-in dict's size against what the interpreter allocated for that
 * instance, measured inside the process with tracemalloc.
 */

import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {type CheckedDump, checkDump, interpreters, programsDir, pythonDir, readDumpText, run, scratchDir} from './python.js';

type Row = [address: number, allocated: number, made: number];
type Record_ = {version: [number, number]; layout: string; classes: Record<string, Row[]>; objects: number};

const found = interpreters();

describe.skipIf(found.length === 0)('inline attribute storage sizes', () => {
	for (const python of found) {
		const [major, minor] = python.version.split('.').map(Number);
		const inline = major === 3 && minor! >= 11;
		describe.skipIf(!inline)(python.label, () => {
			let record: Record_;
			let dump: CheckedDump;

			beforeAll(async () => {
				const file = join(scratchDir(), 'sizes.json');
				const result = await run(python.exe, [join(programsDir, 'instance_sizes.py'), file, pythonDir]);
				expect(result.stderr).toBe('');
				expect(result.code).toBe(0);
				record = JSON.parse(result.stdout) as Record_;
				dump = checkDump(readDumpText(file));
				expect(record.layout).toBe('names');
			});

			/** Dumped size minus allocated size, per instance (the first is left out: its measurement includes the class's shared keys). */
			const errors = (rows: Row[]): Array<{error: number; allocated: number}> => rows.slice(1).map(([address, allocated]) => {
				const instance = dump.byAddress.get(address)!;
				const storage = dump.byAddress.get(instance.refs[0]!)!;
				expect(storage.type).toBe('dict');
				return {error: storage.size - allocated, allocated};
			});

			if (minor! >= 13) {
				it('3.13+: exact for every instance but the one made as the class\'s capacity settled (one slot under)', () => {
					for (const [name, rows] of Object.entries(record.classes)) {
						const wrong = errors(rows).filter(entry => entry.error !== 0);
						expect(wrong.length, name).toBeLessThanOrEqual(1);
						for (const entry of wrong) {
							expect(entry.error, name).toBeGreaterThanOrEqual(-16);
							expect(entry.error, name).toBeLessThan(0);
						}
					}
				});
			} else {
				it('3.11, 3.12: exact once the class\'s capacity has settled, within 7 slots for its first instances', () => {
					for (const [name, rows] of Object.entries(record.classes)) {
						const settled = rows.at(-1)![1];
						const all = errors(rows);
						expect(all.filter(entry => entry.allocated === settled).length, name).toBeGreaterThan(rows.length / 2);
						for (const entry of all) {
							if (entry.allocated === settled) {
								expect(entry.error, name).toBe(0);
							} else {
								expect(Math.abs(entry.error), name).toBeLessThanOrEqual(56);
							}
						}
					}
				});
			}
		});
	}
});
