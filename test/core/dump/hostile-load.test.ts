/**
 * The loader on odd input, in process: gzip framing, layouts, over-long
 * lines, big addresses, many unresolved references, cancellation while
 * waiting. (test/hostile runs the CLI on the same kinds of input.)
 */

import {PassThrough} from 'node:stream';
import {gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {LoadAbortedError, loadDump} from '../../../source/core/dump/load.js';
import {LongLineCutter, MAX_STRING_BYTES, PROBLEM_LINE_MARKER} from '../../../source/core/dump/long-line.js';
import {AddressTable} from '../../../source/core/graph/address-table.js';
import {NameTable} from '../../../source/core/graph/name-table.js';
import {dumpText, type DumpObject, meliaeLine, writeDump} from '../../helpers/dump-lines.js';
import {seededRandom} from '../../helpers/random.js';

const objects = (count: number, first = 1000): DumpObject[] => Array.from({length: count}, (_, i) => ({
	address: first + (i * 16),
	type: i % 3 === 0 ? 'dict' : 'str',
	size: 50 + i,
	...(i % 3 === 0 ? {len: 1, refs: [first + (((i + 1) % count) * 16)]} : {len: 3, value: `v${i}`}),
}));

const text = (count: number, first?: number): Buffer => Buffer.from(dumpText(objects(count, first)));

const load = async (bytes: Uint8Array, options: Parameters<typeof loadDump>[1] = {}) =>
	loadDump(writeDump(bytes), {workers: 0, collapse: false, ...options});

describe('gzip framing', () => {
	it('keeps every line before bytes that follow the gzip data, and says so', async () => {
		const junk = Uint8Array.from({length: 4096}, (_, i) => (i * 7919) % 251 + 1);
		const result = await load(Buffer.concat([gzipSync(text(3000)), junk]));
		expect(result.store.objectCount).toBe(3000);
		expect(result.problems.malformedLines).toBe(0);
		expect(result.problems.gzipDamage).toMatch(/not gzip data follow/);
	});

	it('keeps every line when the trailer lies about the length', async () => {
		const bytes = gzipSync(text(3000));
		bytes.writeUInt32LE(0xff_ff_ff_f0, bytes.length - 4);
		const result = await load(bytes);
		expect(result.store.objectCount).toBe(3000);
		expect(result.problems.gzipDamage).toMatch(/length does not match/);
	});

	it('reads concatenated members and zero padding as gzip does', async () => {
		const result = await load(Buffer.concat([gzipSync(text(100)), gzipSync(text(50, 900_000)), new Uint8Array(1000)]));
		expect(result.store.objectCount).toBe(150);
		expect(result.problems.truncatedGzip).toBe(false);
	});

	it('stops at damage with what came before, and a reason', async () => {
		const bytes = gzipSync(text(200_000), {level: 1});
		bytes.fill(0xff, bytes.length >> 1, (bytes.length >> 1) + 64);
		const result = await load(bytes);
		expect(result.problems.truncatedGzip).toBe(true);
		expect(result.problems.gzipDamage).toMatch(/damaged|does not match/);
		expect(result.store.objectCount).toBeGreaterThan(50_000);
		expect(result.store.objectCount).toBeLessThan(200_000);
	});

	it('fails (not hangs) under --strict in a gzip bigger than its buffers', async () => {
		const lines = dumpText(objects(200_000)).split('\n');
		lines.splice(150_000, 0, '{"address": 7, "type": ');
		await expect(load(gzipSync(lines.join('\n')), {strict: true})).rejects.toThrow(/:150001: malformed line/);
	});
});

describe('layouts', () => {
	it('reads one JSON array on one line, whatever its strings hold', async () => {
		const all = objects(500).map(o => meliaeLine(o));
		all.push(meliaeLine({address: 5, type: 'str', size: 1, value: '}, {"address": 6, "type": "x"}, [\\'}));
		const result = await load(Buffer.from(`[${all.join(', ')}]`));
		expect(result.store.objectCount).toBe(501);
		expect(result.store.value(result.store.indexOf(5))).toBe('}, {"address": 6, "type": "x"}, [\\');
	});

	it('reads CR-only line ends and skips a byte order mark', async () => {
		const body = text(500).toString('utf8').replaceAll('\n', '\r');
		const result = await load(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
		expect(result.store.objectCount).toBe(500);
		expect(result.problems.malformedLines).toBe(0);
	});
});

describe('addresses', () => {
	it('refuses lines with addresses of 2^53 and more, never merging two objects', async () => {
		const result = await load(Buffer.from([
			'{"address": 9007199254740991, "type": "a", "size": 1, "refs": []}',
			'{"address": 9007199254740992, "type": "b", "size": 2, "refs": []}',
			'{"address": 9007199254740993, "type": "c", "size": 3, "refs": []}',
			'{"refs": [], "address": 18446744073709551615, "type": "d", "size": 4}',
			'{"address": 16, "type": "e", "size": 5, "refs": [9007199254740993]}',
			'{"address": 32, "type": "f", "size": 6, "refs": [9007199254740991]}',
		].join('\n') + '\n'));
		expect(result.store.objectCount).toBe(2);
		expect(result.problems.duplicateAddresses).toBe(0);
		expect(result.problems.malformed.map(p => p.line)).toEqual([2, 3, 4, 5]);
		expect(result.problems.malformed[0]!.message).toMatch(/2\^53 or more/);
	});

	it('keeps distinct unresolved addresses in typed arrays, each once', () => {
		const table = new AddressTable();
		const random = seededRandom(7);
		const seen: number[] = [];
		for (let i = 0; i < 300_000; i++) {
			const address = i % 3 === 0 && seen.length > 0 ? seen[Math.floor(random() * seen.length)]! : Math.floor(random() * 2 ** 52);
			const id = table.idOf(address);
			if (id === seen.length) {
				seen.push(address);
			}

			expect(seen[id]).toBe(address);
		}

		expect(table.count).toBe(seen.length);
		expect([...table.addresses()]).toEqual(seen);
	});

	it('gives type names dense ids without a Map, also with a name per object', async () => {
		const table = new NameTable();
		for (let i = 0; i < 100_000; i++) {
			expect(table.idOf(`T${i}`)).toBe(i);
		}

		for (let i = 0; i < 100_000; i += 7) {
			expect(table.idOf(`T${i}`)).toBe(i);
		}

		expect(table.names).toHaveLength(100_000);
		const lines = Array.from({length: 50_000}, (_, i) => `{"address": ${16 + (i * 16)}, "type": "Type${i % 20_000}", "size": 1, "refs": []}`);
		const {store} = await load(Buffer.from(lines.join('\n') + '\n'));
		expect(store.typeNames).toHaveLength(20_000);
		expect(store.typeName(store.indexOf(16 + (20_001 * 16)))).toBe('Type1');
	});

	it.skipIf(!process.env['MELIAE_HOSTILE_FULL'])('loads 17 million references to addresses not in the dump (more than a Map holds)', async () => {
		const lines: string[] = [];
		const perLine = 10_000;
		for (let i = 0; i < 1700; i++) {
			const refs = Array.from({length: perLine}, (_, k) => 10_000_000_000 + (((i * perLine) + k) * 16));
			lines.push(`{"address": ${16 + (i * 16)}, "type": "list", "size": 80056, "len": ${perLine}, "refs": [${refs.join(', ')}]}`);
		}

		const result = await load(Buffer.from(lines.join('\n') + '\n'));
		expect(result.problems.unresolvedReferences).toBe(17_000_000);
		expect(result.store.unresolvedAddress.length).toBe(17_000_000);
	}, 600_000);
});

describe('over-long lines', () => {
	it('cut strings beyond the limit on a character boundary, counting their real length', () => {
		const cutter = new LongLineCutter();
		const value = 'é'.repeat(MAX_STRING_BYTES);
		const line = Buffer.from(`{"address": 1,   "type": "str", "size": 1, "value": "${value}", "refs": [2,    3]}`);
		for (let i = 0; i < line.length; i += 4093) {
			cutter.push(line, i, Math.min(line.length, i + 4093));
		}

		const out = Buffer.from(cutter.finish()).toString('utf8');
		expect(cutter.strings).toBe(1);
		expect(cutter.longest).toBe(2 * MAX_STRING_BYTES);
		const parsed = JSON.parse(out) as {value: string; refs: number[]};
		expect(parsed.value).toBe('é'.repeat(MAX_STRING_BYTES / 2));
		expect(parsed.refs).toEqual([2, 3]);
		expect(out).toContain('{"address": 1, "type"');
	});

	it('never cut inside an escape', () => {
		for (const escape of ['\\u00e9', '\\"', '\\\\']) {
			const cutter = new LongLineCutter();
			const value = 'a'.repeat(MAX_STRING_BYTES - 2) + escape.repeat(10);
			const line = Buffer.from(`{"value": "${value}"}`);
			cutter.push(line, 0, line.length);
			const parsed = JSON.parse(Buffer.from(cutter.finish()).toString('utf8')) as {value: string};
			expect(parsed.value.length).toBeLessThanOrEqual(MAX_STRING_BYTES);
			expect(parsed.value.startsWith('a'.repeat(MAX_STRING_BYTES - 2))).toBe(true);
		}
	});

	it('turn a line with an endless number into a problem line', () => {
		const cutter = new LongLineCutter();
		const digits = Buffer.alloc(MAX_STRING_BYTES + 10, '7');
		cutter.push(Buffer.from('{"address": '), 0, 12);
		cutter.push(digits, 0, digits.length);
		const out = cutter.finish();
		expect(out[0]).toBe(PROBLEM_LINE_MARKER);
		expect(out.length).toBeLessThan(200);
	});

	it('load a 20 MB value cut, and every reference of a line longer than a block', async () => {
		const refs = Array.from({length: 300_000}, (_, i) => 1_000_000 + (i * 16));
		const lines = [
			meliaeLine({address: 16, type: 'str', size: 20_000_000, len: 20_000_000, value: 'x'.repeat(20_000_000)}),
			meliaeLine({address: 32, type: 'list', size: 2_400_056, len: refs.length, refs}),
			meliaeLine({address: 1_000_000, type: 'int', size: 28, value: 1}),
		];
		const result = await load(Buffer.from(lines.join('\n') + '\n'), {blockSize: 1024 * 1024});
		const {store, problems} = result;
		expect(store.objectCount).toBe(3);
		expect(store.value(store.indexOf(16))!.length).toBe(MAX_STRING_BYTES);
		expect(problems.cutStrings).toBe(1);
		expect(problems.firstCutLine).toBe(1);
		expect(problems.longestCutString).toBe(20_000_000);
		const list = store.indexOf(32);
		expect(store.firstChild[list + 1]! - store.firstChild[list]!).toBe(300_000);
	});
});

describe('cancellation', () => {
	it('stops while waiting on a pipe that never ends', async () => {
		const stdin = new PassThrough();
		stdin.write(dumpText(objects(10)));
		const controller = new AbortController();
		const promise = loadDump('-', {stdin, workers: 0, signal: controller.signal});
		setTimeout(() => {
			controller.abort();
		}, 200);
		await expect(promise).rejects.toBeInstanceOf(LoadAbortedError);
		stdin.destroy();
	});

	it('stops a gzip load part way', async () => {
		const file = writeDump(gzipSync(text(300_000), {level: 1}));
		const controller = new AbortController();
		const promise = loadDump(file, {
			workers: 0,
			blockSize: 64 * 1024,
			signal: controller.signal,
			onProgress(progress) {
				if (progress.objects > 10_000) {
					controller.abort();
				}
			},
		});
		await expect(promise).rejects.toBeInstanceOf(LoadAbortedError);
	});
});
