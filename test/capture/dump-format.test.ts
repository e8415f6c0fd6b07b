/**
 * meliae_dump.py on real interpreters: every line is valid meliae JSON, each
 * object once, nothing dangling, and awkward values come out exactly.
 */

import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {loadDump} from '../../source/core/dump/load.js';
import {type CheckedDump, checkDump, type DumpLine, interpreters, programsDir, pythonDir, readDumpText, run, scratchDir} from './python.js';

type Report = {
	ids: Record<string, number>;
	attr_ids: Record<string, number>;
	materialized_dict: number;
	slot_ids: number[];
	types: Record<string, number>;
	strdict_ids: number[];
	intdict_ids: number[];
	ordered_ids: number[];
	badsize_basicsize: number;
	gc_enabled_after: boolean;
	result: {objects: number; gc_tracked: number};
	layout: string;
	version: [number, number];
	stdout_type: number;
};

const found = interpreters();

describe.skipIf(found.length === 0)('meliae_dump.py output', () => {
	for (const python of found) {
		describe(python.label, () => {
			let report: Report;
			let dump: CheckedDump;
			let text: string;
			let file: string;
			const line = (name: string): DumpLine => {
				const result = dump.byAddress.get(report.ids[name]!);
				expect(result, `line for ${name}`).toBeDefined();
				return result!;
			};

			beforeAll(async () => {
				file = join(scratchDir(), 'values.json');
				const result = await run(python.exe, [join(programsDir, 'values.py'), file, pythonDir]);
				expect(result.stderr).toBe('');
				expect(result.code).toBe(0);
				report = JSON.parse(result.stdout) as Report;
				text = readDumpText(file);
				dump = checkDump(text);
			});

			it('writes one valid line per object, each once, with no dangling reference', () => {
				expect(dump.lines.length).toBe(report.result.objects);
				expect(dump.duplicates).toBe(0);
				expect(dump.dangling, dump.danglingFrom.join('\n')).toBe(0);
				expect(text.endsWith('}\n')).toBe(true);
				// Plain ASCII throughout: everything else is a \u escape.
				expect(/^[\u0020-\u007e\n]*$/.test(text)).toBe(true);
			});

			it('keeps strings exact: quotes, backslashes, controls, ANSI, CJK, emoji, lone surrogates', () => {
				for (const name of ['quotes', 'newline', 'ansi', 'cjk', 'emoji', 'surrogate']) {
					const expected = {
						quotes: 'say "hi" and \\ back\\slash \'single\'',
						newline: 'line one\nline two\r\n\ttabbed\u0000nul\u007fdel',
						ansi: '\u001b[31mred\u001b[0m \u001b]0;title\u0007 \u009b',
						cjk: '東京都 渋谷区 – “quoted”',
						emoji: 'snake 🐍 and family 👨‍👩‍👧 ok',
						surrogate: 'lone \udc80 and \ud83d high',
					}[name]!;
					const object = line(name);
					expect(object.type).toBe('str');
					expect(object.value).toBe(expected);
					expect(object.len).toBe([...expected].length);
					expect(object.refs).toEqual([]);
				}

				expect(line('surrogate').raw).toContain('\\udc80');
				expect(line('quotes').raw).not.toContain('\\\'');
			});

			it('cuts string values at 100 characters and keeps the full length', () => {
				const object = line('long');
				expect(object.len).toBe(150);
				expect(object.value).toBe('x'.repeat(90) + '0123456789');
			});

			it('writes ints as bare digits, big ones exactly', () => {
				expect(line('int').value).toBe(1_234_567);
				expect(line('bigint').raw).toContain(`"value": ${(2n ** 200n) + 7n}, `);
				expect(line('negbig').raw).toContain(`"value": ${-(3n ** 150n)}, `);
				expect(line('hugeint').raw).toContain(`"value": ${(10n ** 5000n) + 1n}, `);
				expect(line('hugeint').type).toBe('int');
			});

			it('writes bytes, floats, None and bools as Python 3 types', () => {
				expect(line('bytes')).toMatchObject({type: 'bytes', len: 5});
				expect(line('bytes').value).toBeUndefined();
				expect(line('float')).toMatchObject({type: 'float', size: 24});
				expect(line('float').value).toBeUndefined();
				expect(line('none').type).toBe('NoneType');
				expect(line('true')).toMatchObject({type: 'bool', value: 'True'});
				expect(line('false')).toMatchObject({type: 'bool', value: 'False'});
				const types = new Set(dump.lines.map(object => object.type));
				for (const python2 of ['unicode', 'long', 'classobj']) {
					expect(types.has(python2)).toBe(false);
				}
			});

			it('handles cycles and an object with hundreds of parents', () => {
				const cycle = line('cycle');
				expect(cycle.refs).toEqual([cycle.address]);
				const shared = report.ids['shared']!;
				const parents = dump.lines.filter(object => object.type === 'list' && object.refs.length === 1 && object.refs[0] === shared);
				expect(parents.length).toBe(300);
				expect(line('parents').len).toBe(300);
			});

			it('writes dict references as key, value pairs', () => {
				expect(line('strdict')).toMatchObject({type: 'dict', len: 2, refs: report.strdict_ids});
				expect(line('intdict')).toMatchObject({type: 'dict', len: 2, refs: report.intdict_ids});
				const ordered = line('ordered');
				expect(ordered.type).toBe('collections.OrderedDict');
				expect(ordered.len).toBe(2);
				expect(ordered.refs.slice(-4)).toEqual(report.ordered_ids);
				for (const key of report.strdict_ids.filter((_, k) => k % 2 === 0)) {
					expect(dump.byAddress.get(key)?.type).toBe('str');
				}
			});

			it('writes an instance as [its attribute dict, its type], with attribute names', () => {
				const plain = line('plain');
				expect(plain.type).toBe('Plain');
				expect(plain.refs.length).toBe(2);
				expect(plain.refs[1]).toBe(report.types['Plain']);
				const attributes = dump.byAddress.get(plain.refs[0]!)!;
				expect(attributes.type).toBe('dict');
				expect(attributes.len).toBe(3);
				const names = attributes.refs.filter((_, k) => k % 2 === 0).map(address => dump.byAddress.get(address)?.value);
				expect(names).toEqual(['name', 'count', 'items']);
				expect(attributes.refs.filter((_, k) => k % 2 === 1)).toEqual(Object.values(report.attr_ids));
				expect(dump.byAddress.get(report.attr_ids['name']!)?.value).toBe('plain-a');
				if (report.version[1]! >= 11) {
					expect(report.layout).toBe('names');
				}

				// A materialized __dict__ is the real dict.
				const materialized = line('materialized');
				expect(materialized.refs).toEqual([report.materialized_dict, report.types['Plain']]);
			});

			it('writes __slots__ instances as their slot values then their type', () => {
				expect(line('slotted')).toMatchObject({type: 'Slotted', refs: [...report.slot_ids, report.types['Slotted']]});
			});

			it('names types by tp_name, decoded from UTF-8', () => {
				expect(line('cafe').type).toBe('Café');
				expect(line('cafe_type')).toMatchObject({type: 'type', name: 'Café'});
				expect(dump.byAddress.get(report.stdout_type)).toMatchObject({type: 'type', name: '_io.TextIOWrapper'});
				expect(line('module')).toMatchObject({type: 'module', name: 'meliae_dump'});
				expect(line('function')).toMatchObject({type: 'function', name: 'unique'});
				expect(line('frame')).toMatchObject({type: 'frame', value: '<module>'});
			});

			it('still writes an object whose __sizeof__ raises', () => {
				expect(line('badsize')).toMatchObject({type: 'BadSize', size: report.badsize_basicsize});
			});

			it('leaves its own working data out and restores the collector', () => {
				expect(report.gc_enabled_after).toBe(true);
				// (the dumper's own format strings are in the heap: look for output lines)
				expect(dump.lines.some(object => typeof object.value === 'string' && /^\{"address": \d/.test(object.value))).toBe(false);
				const biggest = Math.max(...dump.lines.filter(object => object.type === 'list' || object.type === 'set').map(object => object.len ?? 0));
				expect(biggest).toBeLessThan(report.result.gc_tracked / 2);
			});

			it('loads with the loader: no malformed line, nothing unresolved', async () => {
				const {problems, store} = await loadDump(file, {workers: 0});
				expect(problems.malformedLines).toBe(0);
				expect(problems.duplicateAddresses).toBe(0);
				expect(problems.unresolvedReferences).toBe(0);
				const surrogate = store.indexOf(report.ids['surrogate']!);
				expect(store.value(surrogate)).toBe('lone \udc80 and \ud83d high');
			});
		});
	}

	it('without the layout reader, writes instances as their values then their type', async () => {
		const python = found[0]!;
		const file = join(scratchDir(), 'values-only.json');
		const code = [
			'import sys',
			`sys.path.insert(0, ${JSON.stringify(pythonDir)})`,
			'import meliae_dump',
			'meliae_dump._read_inline = None  # as on an interpreter whose layout is unknown',
			'class Point:',
			'    def __init__(self): self.x = "x-" + str(id(self)); self.y = [1]',
			'p = Point()',
			`meliae_dump.dump_all_objects(${JSON.stringify(file)})`,
			'print(id(p), id(p.x), id(p.y), id(Point), sys.version_info >= (3, 11))',
		].join('\n');
		const result = await run(python.exe, ['-c', code]);
		expect(result.code).toBe(0);
		const [p, x, y, type, inline] = result.stdout.trim().split(' ');
		const dump = checkDump(readDumpText(file));
		expect(dump.duplicates).toBe(0);
		expect(dump.dangling).toBe(0);
		const point = dump.byAddress.get(Number(p))!;
		if (inline === 'True') {
			expect(point.refs).toEqual([Number(x), Number(y), Number(type)]);
		} else {
			expect(point.refs.length).toBe(2);
		}
	});

	it('keeps a disabled collector disabled', async () => {
		const python = found[0]!;
		const file = join(scratchDir(), 'nogc.json');
		const result = await run(python.exe, [join(programsDir, 'values.py'), file, pythonDir, 'nogc']);
		expect(result.code).toBe(0);
		expect((JSON.parse(result.stdout) as Report).gc_enabled_after).toBe(false);
	});
});
