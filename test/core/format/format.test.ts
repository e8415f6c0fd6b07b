import {describe, expect, it} from 'vitest';
import {summarizeTypes} from '../../../source/core/analyses/summary.js';
import {displayString, escapeControls, padToWidth, textWidth, truncateToWidth} from '../../../source/core/format/escape.js';
import {formatFixed1, pythonRepr} from '../../../source/core/format/python.js';
import {compactBytes, humanBytes, meliaeSize} from '../../../source/core/format/size.js';
import {formatSummary} from '../../../source/core/format/summary-table.js';
import {hexAddress, parseAddress} from '../../../source/core/format/address.js';
import {RawNumber, stringifyJson} from '../../../source/core/util/json-out.js';
import {loadObjects} from '../../helpers/dump-lines.js';

describe('Python number formats', () => {
	it('rounds exact ties to even like %.1f', () => {
		expect(formatFixed1(0.25)).toBe('0.2');
		expect(formatFixed1(0.75)).toBe('0.8');
		expect(formatFixed1(2.25)).toBe('2.2');
		expect(formatFixed1(6.455)).toBe('6.5');
		expect(formatFixed1(0.05)).toBe('0.1');
		expect(formatFixed1(6_768_944 / 1024 / 1024)).toBe('6.5');
		expect(formatFixed1(0)).toBe('0.0');
	});

	it('writes meliae total sizes', () => {
		expect(meliaeSize(12)).toBe('12.0B');
		expect(meliaeSize(800)).toBe('800.0B');
		expect(meliaeSize(801)).toBe('0.8K');
		expect(meliaeSize(1024)).toBe('1.0K');
		expect(meliaeSize(Math.trunc(1024 * 1024 * 10.5))).toBe('10.5M');
		expect(meliaeSize(3 * 1024 ** 3)).toBe('3.0G');
		expect(humanBytes(512)).toBe('512 B');
		expect(humanBytes(1536)).toBe('1.5 KiB');
		expect(compactBytes(999)).toBe('999');
		expect(compactBytes(1536)).toBe('1.5K');
		expect(compactBytes(123 * 1024 * 1024)).toBe('123M');
	});
});

describe('pythonRepr', () => {
	it('matches Python 3 repr() of str', () => {
		expect(pythonRepr('teststr')).toBe('\'teststr\'');
		expect(pythonRepr('it\'s')).toBe('"it\'s"');
		expect(pythonRepr('both \' and "')).toBe('\'both \\\' and "\'');
		expect(pythonRepr('a\\b\n\r\t')).toBe('\'a\\\\b\\n\\r\\t\'');
		expect(pythonRepr('\u001b[31m\u0007\u007f\u0085')).toBe('\'\\x1b[31m\\x07\\x7f\\x85\'');
		expect(pythonRepr('\u202eevil\u2066')).toBe('\'\\u202eevil\\u2066\'');
		expect(pythonRepr('中文 😀 é')).toBe('\'中文 😀 é\'');
		expect(pythonRepr('lone \udc80')).toBe('\'lone \\udc80\'');
		expect(pythonRepr('nbsp\u00a0')).toBe('\'nbsp\\xa0\'');
		expect(pythonRepr('\u{e0001}')).toBe('\'\\U000e0001\'');
	});
});

describe('displayString', () => {
	it('escapes every control, bidi and separator character', () => {
		const hostile = 'a\u001b]52;c;ZXZpbA==\u0007b\rc\bd\u009be\u202ef\u2028g\ud800h\u0000';
		const shown = displayString(hostile);
		expect(shown).toBe('a\\x1b]52;c;ZXZpbA==\\x07b\\x0dc\\x08d\\x9be\\u202ef\\u2028g\\ud800h\\x00');
		expect(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(shown)).toBe(false);
		expect(escapeControls('plain text')).toBe('plain text');
	});

	it('cuts to a display width, counting wide characters as two columns', () => {
		expect(textWidth('中文')).toBe(4);
		expect(truncateToWidth('abcdef', 4)).toBe('abc…');
		expect(truncateToWidth('中文字符', 5)).toBe('中文…');
		expect(textWidth(truncateToWidth('😀😀😀', 5))).toBeLessThanOrEqual(5);
		expect(padToWidth('中', 4)).toBe('中  ');
		expect(textWidth(padToWidth('中文字符串', 7))).toBe(7);
		expect(displayString('x'.repeat(1_000_000), 10)).toBe('xxxxxxxxx…');
		expect(displayString('\u001b'.repeat(100), 10)).toBe('\\x1b\\x1b…');
	});
});

describe('addresses', () => {
	it('parses decimal and hex, rejects the rest', () => {
		expect(parseAddress('140478455628136')).toBe(140_478_455_628_136);
		expect(parseAddress('0x7fc3a0b1c2d8')).toBe(0x7f_c3_a0_b1_c2_d8);
		expect(parseAddress(' 0X10 ')).toBe(16);
		expect(parseAddress('12abc')).toBeUndefined();
		expect(parseAddress('')).toBeUndefined();
		expect(parseAddress('99999999999999999999')).toBeUndefined();
		expect(hexAddress(255)).toBe('0xff');
	});
});

describe('formatSummary', () => {
	it('prints meliae\'s table byte for byte', async () => {
		const store = await loadObjects([
			{address: 1, type: 'dict', size: 1_792_824},
			{address: 2, type: 'str', size: 98_584},
			{address: 3, type: 'str', size: 1000},
			{address: 4, type: 'tuple', size: 3000},
			{address: 5, type: 'weird\u001btype', size: 10},
		]);
		expect(formatSummary(summarizeTypes(store))).toBe([
			'Total 5 objects, 4 types, Total size = 1.8MiB (1895418 bytes)',
			' Index   Count   %      Size   % Cum     Max Kind',
			'     0       1  20   1792824  94  94 1792824 dict',
			'     1       2  40     99584   5  99   98584 str',
			'     2       1  20      3000   0  99    3000 tuple',
			'     3       1  20        10   0 100      10 weird\\x1btype',
		].join('\n'));
		expect(formatSummary(summarizeTypes(store, 'count'), 2).split('\n').slice(2)).toEqual([
			'     0       2  40     99584   5   5   98584 str',
			'     1       1  20   1792824  94  99 1792824 dict',
		]);
	});

	it('shows the top 20 by default, and the max address', async () => {
		const objects = Array.from({length: 30}, (_, i) => ({address: i + 1, type: `t${i}`, size: 100 + i}));
		const store = await loadObjects(objects);
		const summary = summarizeTypes(store);
		expect(formatSummary(summary).split('\n')).toHaveLength(22);
		expect(summary.types[0]).toMatchObject({type: 't29', count: 1, size: 129, maxSize: 129, maxAddress: 30});
	});
});

/** End column of each whitespace-separated word. */
function wordEnds(line: string): number[] {
	return Array.from(line.matchAll(/\S+/g), match => match.index + match[0].length);
}

/** Every row has one word per title, each number ending under the end of its title. */
function expectAligned(header: string, rows: readonly string[]): void {
	const titles = wordEnds(header);
	for (const row of rows) {
		const ends = wordEnds(row);
		expect(ends, row).toHaveLength(titles.length);
		expect(ends.slice(0, -1), `${header}\n${row}`).toEqual(titles.slice(0, -1));
	}
}

describe('formatSummary with wide numbers', () => {
	it('widens only the columns whose values do not fit, keeping them aligned', async () => {
		const store = await loadObjects([
			{address: 1, type: 'bytes', size: 12_345_678_901},
			{address: 2, type: 'list', size: 100_000_000},
			{address: 3, type: 'list', size: 100_000_000},
			{address: 4, type: 'dict', size: 1_000_000_000},
			{address: 5, type: 'int', size: 28},
		]);
		const lines = formatSummary(summarizeTypes(store)).split('\n');
		expectAligned(lines[1]!, lines.slice(2));
		// Size (%10d) and Max (%8d) overflowed: each is as wide as its widest value plus one space.
		expect(lines[1]).toBe(' Index   Count   %        Size   % Cum         Max Kind');
		expect(lines[2]).toBe('     0       1  20 12345678901  91  91 12345678901 bytes');
		expect(lines[3]).toBe('     1       1  20  1000000000   7  98  1000000000 dict');
		expect(lines[4]).toBe('     2       2  40   200000000   1  99   100000000 list');
	});

	it('keeps meliae\'s widths while every value leaves a space before it', async () => {
		const store = await loadObjects([
			{address: 1, type: 'list', size: 9_999_999},
			{address: 2, type: 'list', size: 300_000_000},
			{address: 3, type: 'dict', size: 999_999},
		]);
		const byCount = formatSummary(summarizeTypes(store, 'count'), 1).split('\n');
		// 310 MB in Size (%10d) fits; the max, 3*10^8, is shown only in the first row.
		expect(byCount[1]).toBe(' Index   Count   %      Size   % Cum       Max Kind');
		expectAligned(byCount[1]!, byCount.slice(2));
		const small = formatSummary(summarizeTypes(store, 'size'), 3).split('\n').slice(1);
		expectAligned(small[0]!, small.slice(1));
		const fits = await loadObjects([{address: 1, type: 'list', size: 9_999_999}, {address: 2, type: 'dict', size: 999_999}]);
		const lines = formatSummary(summarizeTypes(fits)).split('\n');
		expect(lines[1]).toBe(' Index   Count   %      Size   % Cum     Max Kind');
		expect(lines[2]).toBe('     0       1  50   9999999  90  90 9999999 list');
		expectAligned(lines[1]!, lines.slice(2));
	});
});

describe('stringifyJson', () => {
	it('writes every terminal-unsafe character as an escape, keeping the value', () => {
		const value = {s: 'a\u001b]0;x\u0007b\u007f\u0085\u202e\u2028\u{f0000}c', n: new RawNumber('123456789012345678901'), list: [1, 2]};
		const text = stringifyJson(value, 2);
		expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e\u2028]/u);
		expect(text).not.toMatch(/\u{f0000}/u);
		expect(text).toContain('"n": 123456789012345678901');
		expect(text).toContain('\\u202e');
		expect(text.split('\n')).toHaveLength(8);
		expect((JSON.parse(text) as {s: string}).s).toBe(value.s);
	});
});
