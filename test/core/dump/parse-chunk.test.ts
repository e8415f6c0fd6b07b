import {describe, expect, it} from 'vitest';
import {chunkLineOf, parseChunk} from '../../../source/core/dump/parse-chunk.js';
import {decodeJsonStringBytes, repairMojibake} from '../../../source/core/dump/json-string.js';
import {FLAG_VALUE_IS_NAME, FLAG_VALUE_STRING, FLAG_VALUE_TOKEN, NO_LENGTH} from '../../../source/core/graph/layout.js';

const encoder = new TextEncoder();
const parse = (text: string, strict = false) => parseChunk(encoder.encode(text), undefined, {strict});
const valueOf = (chunk: ReturnType<typeof parse>, i: number): string =>
	decodeJsonStringBytes(chunk.valueBytes, chunk.valueOffset[i]!, chunk.valueOffset[i + 1]!);

describe('parseChunk fast path', () => {
	it('reads every field of canonical lines', () => {
		const chunk = parse([
			'{"address": 140478455628136, "type": "dict", "size": 1048, "len": 24, "refs": [140478455620000, 140478455620040]}',
			'{"address": 2345, "type": "module", "size": 60, "name": "mymod", "refs": []}',
			'{"address": 1234, "type": "int", "size": 28, "value": -17, "refs": []}',
			'{"address": 99, "type": "str", "size": 54, "len": 5, "value": "hello", "refs": [1234]}',
		].join('\n'));
		expect(chunk.objectCount).toBe(4);
		expect(chunk.problemCount).toBe(0);
		expect([...chunk.address]).toEqual([140_478_455_628_136, 2345, 1234, 99]);
		expect(chunk.typeNames[chunk.typeId[0]!]).toBe('dict');
		expect(chunk.typeNames[chunk.typeId[3]!]).toBe('str');
		expect([...chunk.size]).toEqual([1048, 60, 28, 54]);
		expect([...chunk.length]).toEqual([24, NO_LENGTH, NO_LENGTH, 5]);
		expect(chunk.flags[1]).toBe(FLAG_VALUE_STRING | FLAG_VALUE_IS_NAME);
		expect(chunk.flags[2]).toBe(FLAG_VALUE_TOKEN);
		expect(chunk.flags[3]).toBe(FLAG_VALUE_STRING);
		expect(valueOf(chunk, 1)).toBe('mymod');
		expect(valueOf(chunk, 2)).toBe('-17');
		expect(valueOf(chunk, 3)).toBe('hello');
		expect([...chunk.childOffset]).toEqual([0, 2, 2, 2, 3]);
		expect([...chunk.childAddress]).toEqual([140_478_455_620_000, 140_478_455_620_040, 1234]);
	});

	it('keeps integers beyond 2^53 digit for digit', () => {
		const chunk = parse('{"address": 1, "type": "int", "size": 36, "value": 123456789012345678901234567890, "refs": []}');
		expect(valueOf(chunk, 0)).toBe('123456789012345678901234567890');
	});

	it('interns type names per chunk', () => {
		const chunk = parse(Array.from({length: 10}, (_, i) => `{"address": ${i + 1}, "type": "${i % 2 ? 'a' : 'b'}", "size": 1, "refs": []}`).join('\n'));
		expect(chunk.typeNames).toEqual(['b', 'a']);
		expect([...chunk.typeId]).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
	});

	it('decodes meliae escapes, \\uXXXX and lone surrogates without crashing', () => {
		const chunk = parse([
			String.raw`{"address": 1, "type": "str", "size": 1, "value": "it\'s \"q\" \\ \n\t\u00e9\u4e2d\ud83d\ude00", "refs": []}`,
			String.raw`{"address": 2, "type": "str", "size": 1, "value": "lone \udc80 and \ud800", "refs": []}`,
			String.raw`{"address": 3, "type": "str", "size": 1, "value": "esc \u001b[31m bel \u0007", "refs": []}`,
		].join('\n'));
		expect(chunk.problemCount).toBe(0);
		expect(valueOf(chunk, 0)).toBe('it\'s "q" \\ \n\té中😀');
		expect(valueOf(chunk, 1)).toBe('lone \udc80 and \ud800');
		expect(valueOf(chunk, 2)).toBe('esc \u001b[31m bel \u0007');
	});

	it('repairs the mojibake meliae wrote for non-ASCII type names', () => {
		const chunk = parse(String.raw`{"address": 1, "type": "Caf\u00c3\u00a9", "size": 1, "refs": []}`);
		expect(chunk.typeNames).toEqual(['Café']);
		expect(repairMojibake('\u00e4\u00b8\u00ad')).toBe('中');
		expect(repairMojibake('plain')).toBe('plain');
		// Latin-1 text whose bytes are not valid UTF-8 stays as it is.
		expect(repairMojibake('\u00c3\u00a9t\u00e9')).toBe('\u00c3\u00a9t\u00e9');
		expect(repairMojibake('caf\u00e9')).toBe('caf\u00e9');
		// Text beyond Latin-1 was never byte-escaped.
		expect(repairMojibake('\u00c3\u00a9\u4e2d')).toBe('\u00c3\u00a9\u4e2d');
	});
});

describe('parseChunk slow path and wrapping', () => {
	it('accepts keys in another order and extra keys', () => {
		const chunk = parse([
			'{"type": "str", "refs": [5], "value": "x", "address": 7, "size": 30, "extra": {"a": [1, 2]}, "len": 1}',
			'{ "address" : 8 , "type" : "list" , "size" : 56 , "refs" : [ 7 , 7 ] }',
		].join('\n'));
		expect(chunk.problemCount).toBe(0);
		expect([...chunk.address]).toEqual([7, 8]);
		expect(valueOf(chunk, 0)).toBe('x');
		expect(chunk.length[0]).toBe(1);
		expect([...chunk.childAddress]).toEqual([5, 7, 7]);
	});

	it('keeps big integers exact on the slow path too', () => {
		const chunk = parse('{"value": 98765432109876543210, "type": "int", "address": 3, "size": 36, "refs": []}');
		expect(valueOf(chunk, 0)).toBe('98765432109876543210');
	});

	it('reads JSON-array wrapping, blank lines and CRLF', () => {
		const text = '[\r\n{"address": 1, "type": "a", "size": 1, "refs": [2]},\r\n\r\n{"address": 2, "type": "b", "size": 2, "refs": []}\r\n]\r\n';
		const chunk = parse(text);
		expect(chunk.problemCount).toBe(0);
		expect([...chunk.address]).toEqual([1, 2]);
		expect(chunk.lineCount).toBe(5);
		expect(chunkLineOf(chunk, 0)).toBe(2);
		expect(chunkLineOf(chunk, 1)).toBe(4);
	});

	it('reads a whole array on one line per object with a leading "["', () => {
		const chunk = parse('[{"address": 1, "type": "a", "size": 1, "refs": []},\n{"address": 2, "type": "a", "size": 1, "refs": []}]\n');
		expect(chunk.problemCount).toBe(0);
		expect(chunk.objectCount).toBe(2);
	});

	it('skips and counts malformed lines with their line numbers', () => {
		const chunk = parse([
			'{"address": 1, "type": "a", "size": 1, "refs": []}',
			'garbage',
			'{"address": 2, "type": "a", "size": 1, "refs": [1, ',
			'{"type": "a", "size": 1, "refs": []}',
			'{"address": 3, "type": "a", "size": 1, "refs": []}',
			'{"address": 4, "type": "a", "size": 1, "refs": [1]',
		].join('\n'));
		expect(chunk.objectCount).toBe(2);
		expect(chunk.problemCount).toBe(4);
		expect(chunk.problems.map(p => p.line)).toEqual([2, 3, 4, 6]);
		expect(chunk.problems[3]!.message).toMatch(/ends early|expected/);
		expect([...chunk.childAddress]).toEqual([]);
		expect(chunkLineOf(chunk, 1)).toBe(5);
	});

	it('stops at the first malformed line when strict', () => {
		const chunk = parse('{"address": 1, "type": "a", "size": 1, "refs": []}\nnope\n{"address": 2, "type": "a", "size": 1, "refs": []}\n', true);
		expect(chunk.objectCount).toBe(1);
		expect(chunk.problems).toEqual([{line: 2, message: expect.stringContaining('not a JSON object') as string}]);
	});

	it('keeps at most 100 problems but counts them all', () => {
		const chunk = parse(Array.from({length: 250}, () => 'x').join('\n'));
		expect(chunk.problemCount).toBe(250);
		expect(chunk.problems).toHaveLength(100);
	});
});

describe('parseChunk reads a block as its lines one by one', () => {
	type Chunk = ReturnType<typeof parse>;
	/** Everything a chunk says about its objects, comparable across chunks. */
	const objectsOf = (chunk: Chunk): unknown[] => Array.from({length: chunk.objectCount}, (_, i) => [
		chunk.address[i], chunk.typeNames[chunk.typeId[i]!], chunk.size[i], chunk.length[i], chunk.flags[i],
		[...chunk.valueBytes.subarray(chunk.valueOffset[i]!, chunk.valueOffset[i + 1]!)],
		[...chunk.childAddress.subarray(chunk.childOffset[i]!, chunk.childOffset[i + 1]!)],
	]);
	const oneByOne = (lines: string[]): {objects: unknown[]; problems: number} => {
		const parsed = lines.map(line => parse(line));
		return {objects: parsed.flatMap(chunk => objectsOf(chunk)), problems: parsed.reduce((sum, chunk) => sum + chunk.problemCount, 0)};
	};

	it('never takes an object across a newline, whatever the next line holds', () => {
		// Lines that are not whole objects, each followed by a line that would
		// complete them if a parser read on past the newline.
		const lines = [
			'{"address": 11, "type": "str", "size": 50, "value": "no closing quote',
			'", "refs": []}',
			'{"address": 12, "type": "ty',
			'pe", "size": 40, "refs": []}',
			'{"address": 13, "type": "int", "size": 28, "value": 5',
			', "refs": []}',
			'{"address": 14, "type": "module", "size": 60, "name": "split\\',
			'n", "refs": []}',
			'{"address": 15, "type": "list", "size": 72, "len": 2, "refs": [1, 2,',
			'3]}',
			'{"address": 16, "type": "list", "size": 72, "len": 1, "refs": [1]',
			'}',
			'{"address": 17, "type": "tuple", "size": 56, "refs": [16]}\r',
			'{"address": 18, "type": "tuple", "size": 56, "refs": [17]} ',
			'{"address": 19, "type": "tuple", "size": 56, "refs": [18]}',
		];
		const whole = parse(lines.join('\n'));
		const expected = oneByOne(lines);
		expect(objectsOf(whole)).toEqual(expected.objects);
		expect(whole.problemCount).toBe(expected.problems);
		// The objects of the whole lines are there, with their own line numbers.
		expect([...whole.address]).toEqual([17, 18, 19]);
		expect(chunkLineOf(whole, 0)).toBe(13);
		expect(chunkLineOf(whole, 2)).toBe(15);
	});

	it('gives the same columns for many objects with many references, values and names', () => {
		const lines: string[] = [];
		for (let i = 0; i < 3000; i++) {
			const refs = Array.from({length: i % 97}, (_, k) => 140_000_000_000_000 + (i * 131) + (k * 16)).join(', ');
			const kind = i % 4;
			const middle = kind === 0 ? `, "name": "n${i}"` : (kind === 1 ? `, "len": ${i}, "value": "${'v'.repeat(i % 300)}"` : (kind === 2 ? `, "value": ${i * 7}` : ', "value": null'));
			lines.push(`{"address": ${140_000_000_000_000 + (i * 48)}, "type": "t${i % 13}", "size": ${i * 8}${middle}, "refs": [${refs}]}`);
			if (i % 500 === 0) {
				lines.push('');
			}
		}

		const whole = parse(lines.join('\n'));
		expect(whole.objectCount).toBe(3000);
		expect(whole.problemCount).toBe(0);
		expect(objectsOf(whole)).toEqual(oneByOne(lines).objects);
	});

	it('reads a last line without a newline, and one longer than the longest string kept', () => {
		const long = `{"address": 21, "type": "str", "size": 2000100, "value": "${'x'.repeat(2_000_000)}", "refs": []}`;
		const lines = ['{"address": 20, "type": "dict", "size": 100, "refs": [21]}', long, '{"address": 22, "type": "list", "size": 64, "refs": [20, 21]}'];
		const whole = parse(lines.join('\n'));
		expect(objectsOf(whole)).toEqual(oneByOne(lines).objects);
		expect(whole.cutStrings).toBe(1);
		expect(whole.firstCutLine).toBe(2);
		expect([...whole.address]).toEqual([20, 21, 22]);
	});
});
