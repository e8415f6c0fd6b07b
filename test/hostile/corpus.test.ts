/**
 * Hostile and odd inputs, generated here (nothing big is committed): every
 * command must end within its time limit with a documented exit code, one
 * clear line on stderr naming the file (or warnings naming it), no stack
 * trace, and a peak RSS bounded by the dump's size.
 */

import {execFileSync, spawn} from 'node:child_process';
import {appendFileSync, chmodSync, closeSync, openSync, rmSync, statSync, writeFileSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {afterAll, describe, expect, it} from 'vitest';
import {meliaeLine, tempDir} from '../helpers/dump-lines.js';
import {damagedGzip, demoText as demo, inputFolder, randomBytes, smallDump as small, truncatedGzip} from './inputs.js';
import {expectBehaved, type Measured, runMeasured} from './measure.js';

const MB = 1024 * 1024;
const {dir, write} = inputFolder('hostile');

afterAll(() => {
	rmSync(join(tempDir(), 'hostile'), {recursive: true, force: true});
});

type Commands = Partial<Record<'summarize' | 'show' | 'top' | 'path' | 'report', readonly number[]>>;

const LOADED: Commands = {summarize: [0], show: [0], top: [0], path: [0], report: [0]};
/** A demo dump, damaged: the address asked for may be gone. */
const DAMAGED: Commands = {summarize: [0], show: [0, 1], top: [0], path: [0, 1], report: [0]};
const REFUSED: Commands = {summarize: [2], show: [2], top: [2], path: [2], report: [2]};

/** Run each command on `file` (at once) and check each run. */
async function runAll(file: string, commands: Commands, options: {address?: number; maxRss?: number; timeoutMs?: number; extra?: readonly string[]} = {}): Promise<Record<string, Measured>> {
	const address = String(options.address ?? 1000);
	const results: Record<string, Measured> = {};
	let size = 0;
	try {
		const info = statSync(file);
		size = info.isFile() ? info.size : 0;
	} catch {
		// A missing file: the bound stays the base.
	}

	const maxRss = options.maxRss ?? (200 * MB) + (8 * size);
	await Promise.all(Object.entries(commands).map(async ([command, codes]) => {
		const args = command === 'show' || command === 'path' ? [command, file, address] : [command, file];
		const result = await runMeasured([...args, ...(options.extra ?? [])], {timeoutMs: options.timeoutMs ?? 30_000});
		expectBehaved(`${command} ${file}`, result, {codes, names: file, maxRss});
		results[command] = result;
	}));
	return results;
}

describe('gzip', () => {
	it('trailing bytes after the gzip stream: loads, and says so', async () => {
		const file = write('trailing.json.gz', Buffer.concat([gzipSync(small), randomBytes(4096, 1)]));
		const {summarize} = await runAll(file, LOADED);
		expect(summarize!.stdout).toContain('Total 4 objects');
		expect(summarize!.stderr).toMatch(/not gzip data follow/);
	});

	it('a trailer claiming a huge size costs nothing', async () => {
		const bytes = gzipSync(small);
		bytes.set([0xff, 0xff, 0xff, 0xff], bytes.length - 4);
		const file = write('isize.json.gz', bytes);
		const {summarize} = await runAll(file, LOADED, {maxRss: 200 * MB});
		expect(summarize!.stdout).toContain('Total 4 objects');
	});

	it('concatenated members are one dump', async () => {
		const second = meliaeLine({address: 4000, type: 'int', size: 28, value: 7}) + '\n';
		const file = write('members.json.gz', Buffer.concat([gzipSync(small), gzipSync(second)]));
		const {summarize} = await runAll(file, {summarize: [0]});
		expect(summarize!.stdout).toContain('Total 5 objects');
		expect(summarize!.stderr).toBe('');
	});

	it('damage in the middle: loads what came before and says so', async () => {
		const file = write('damaged.json.gz', damagedGzip(demo(1)));
		const {summarize} = await runAll(file, DAMAGED, {address: 1});
		expect(summarize!.stderr).toMatch(/damaged|ends early/);
		expect(summarize!.stdout).toMatch(/Total \d+ objects/);
	});

	it('a truncated gzip loads what came before the cut', async () => {
		const file = write('truncated.json.gz', truncatedGzip(demo(2)));
		const {summarize} = await runAll(file, DAMAGED, {address: 1});
		expect(summarize!.stderr).toMatch(/ends early/);
	});

	it('30 MB of gzipped zeros is refused', async () => {
		const file = write('zeros.json.gz', gzipSync(new Uint8Array(30 * MB)));
		await runAll(file, REFUSED, {maxRss: 300 * MB});
	});

	it('a gzip bomb of newlines is refused (no objects)', async () => {
		const file = write('newlines.json.gz', gzipSync(new Uint8Array(20 * MB).fill(0x0a)));
		await runAll(file, REFUSED, {maxRss: 250 * MB});
	});

	it('--strict on a gzip with a malformed line stops with its line', async () => {
		// Early in a gzip bigger than the decompressor's buffers, so reading is still going on.
		const lines = Buffer.from(demo(1)).toString('utf8').split('\n');
		const body = lines.slice(0, -1);
		const many = Array.from({length: 12}, () => body.join('\n')).join('\n').split('\n');
		many.splice(2000, 0, '{"address": 12, "type": ');
		const file = write('strict.json.gz', gzipSync(many.join('\n') + '\n', {level: 1}));
		const {summarize} = await runAll(file, {summarize: [2], top: [2]}, {extra: ['--strict']});
		expect(summarize!.stderr).toContain(`${file}:2001: malformed line`);
	});
});

describe('sizes and shapes', () => {
	it('a 30 MB value is kept cut, with its length, and memory does not follow it', async () => {
		const file = write('huge-value.json', small + meliaeLine({address: 5000, type: 'str', size: 30 * MB, len: 30 * MB, value: 'x'.repeat(30 * MB)}) + '\n');
		const {summarize, show} = await runAll(file, {...LOADED, show: [0]}, {address: 5000, maxRss: 260 * MB});
		expect(summarize!.stdout).toContain('Total 5 objects');
		expect(summarize!.stderr).toMatch(/1 string was longer than 1 MiB and kept cut to 1 MiB \(first at line 5; the longest was 31457280 bytes\)/);
		expect(show!.stdout).toContain('len      31457280');
	});

	it('a 10-million-character value, escapes and all', async () => {
		const value = 'é\\"\u{1F600}ab'.repeat(2 * MB);
		const file = write('long-value.json', meliaeLine({address: 5000, type: 'str', size: 10 * MB, len: value.length, value}) + '\n' + small);
		const {summarize} = await runAll(file, LOADED, {address: 5000, maxRss: 260 * MB});
		expect(summarize!.stdout).toContain('Total 5 objects');
		expect(summarize!.stderr).toContain('kept cut');
	});

	it('a number longer than any is refused line by line', async () => {
		const file = write('long-number.json', small + `{"address": 7, "type": "int", "size": 28, "value": ${'9'.repeat(12 * MB)}, "refs": []}\n`);
		const {summarize} = await runAll(file, {summarize: [0], show: [0]}, {maxRss: 300 * MB});
		expect(summarize!.stderr).toMatch(/line 5: a number or word longer than/);
	});

	it('a 2M-child star: one refs list of two million items loads every edge', async () => {
		const children = Array.from({length: 2_000_000}, (_, i) => 1_000_000 + (i * 16));
		const lines = [meliaeLine({address: 16, type: 'list', size: 16 * MB, len: children.length, refs: children})];
		for (let i = 0; i < 1000; i++) {
			lines.push(meliaeLine({address: children[i]!, type: 'int', size: 28, value: i}));
		}

		const file = write('star-children.json', lines.join('\n') + '\n');
		const {show} = await runAll(file, LOADED, {address: 16});
		expect(show!.stdout).toContain('children (2000000)');
	});

	it('a 2M-parent star', async () => {
		const lines = [meliaeLine({address: 16, type: 'str', size: 50, value: 'shared'})];
		for (let i = 0; i < 2_000_000; i++) {
			lines.push(`{"address": ${1_000_000 + (i * 16)}, "type": "t", "size": 1, "refs": [16]}`);
		}

		const file = write('star-parents.json', lines.join('\n') + '\n');
		const {show} = await runAll(file, LOADED, {address: 16, timeoutMs: 60_000});
		expect(show!.stdout).toContain('parents (2000000)');
	});

	it('a million references to addresses not in the dump (17 million: MELIAE_HOSTILE_FULL=1 in test/core/dump)', async () => {
		const lines: string[] = [];
		for (let i = 0; i < 10_000; i++) {
			const refs = Array.from({length: 100}, (_, k) => 10_000_000_000 + (((i * 100) + k) * 16));
			lines.push(meliaeLine({address: 1000 + (i * 16), type: 'list', size: 856, len: 100, refs}));
		}

		const file = write('missing.json', lines.join('\n') + '\n');
		const {summarize} = await runAll(file, LOADED);
		expect(summarize!.stdout).toContain('Total 10000 objects');
	});

	it('a 50k-way cycle', async () => {
		const n = 50_000;
		const lines = Array.from({length: n}, (_, i) => meliaeLine({address: 1000 + (i * 16), type: 'node', size: 48, refs: [1000 + (((i + 1) % n) * 16)]}));
		const file = write('cycle.json', lines.join('\n') + '\n');
		const {path} = await runAll(file, LOADED, {address: 1000 + (n / 2 * 16)});
		expect(path!.code).toBe(0);
	});

	it('a 1M-object chain', async () => {
		const n = 1_000_000;
		const lines = Array.from({length: n}, (_, i) => `{"address": ${1000 + (i * 16)}, "type": "node", "size": 48, "refs": [${i + 1 < n ? 1000 + ((i + 1) * 16) : ''}]}`);
		const file = write('chain.json', lines.join('\n') + '\n');
		// `path` on it is being made iterative elsewhere; every other command must behave.
		await runAll(file, {summarize: [0], show: [0], top: [0], report: [0]}, {address: 1000 + ((n - 1) * 16), timeoutMs: 60_000});
	});

	it('self references and duplicates', async () => {
		const file = write('self-dup.json', [
			meliaeLine({address: 1000, type: 'list', size: 72, refs: [1000, 1000]}),
			meliaeLine({address: 1000, type: 'dict', size: 100, refs: [1000]}),
			meliaeLine({address: 2000, type: 'dict', size: 100, refs: [1000, 2000]}),
		].join('\n') + '\n');
		const {summarize} = await runAll(file, LOADED);
		expect(summarize!.stderr).toMatch(/repeat an address/);
	});
});

describe('addresses', () => {
	it('addresses of 2^53 and more are refused line by line, never merged', async () => {
		const file = write('big-address.json', small + [
			'{"address": 9007199254740992, "type": "a", "size": 1, "refs": []}',
			'{"address": 9007199254740993, "type": "b", "size": 2, "refs": []}',
			'{"address": 18446744073709551615, "type": "c", "size": 3, "refs": []}',
			'{"address": 5000, "type": "d", "size": 4, "refs": [9007199254740993]}',
		].join('\n') + '\n');
		const {summarize} = await runAll(file, LOADED);
		expect(summarize!.stdout).toContain('Total 4 objects');
		expect(summarize!.stderr).toMatch(/skipped 4 malformed lines .*2\^53 or more/);
	});
});

describe('layouts', () => {
	it('a UTF-8 byte order mark is skipped', async () => {
		const file = write('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(small)]));
		const {summarize} = await runAll(file, LOADED);
		expect(summarize!.stdout).toContain('Total 4 objects');
		expect(summarize!.stderr).toBe('');
	});

	it('CR-only line ends', async () => {
		const file = write('cr.json', small.replaceAll('\n', '\r'));
		const {summarize} = await runAll(file, LOADED);
		expect(summarize!.stdout).toContain('Total 4 objects');
	});

	it('one JSON array on one line, strings with brackets and commas inside', async () => {
		const objects = small.trim().split('\n');
		objects.push(meliaeLine({address: 6000, type: 'str', size: 60, value: '}, {"address": 7, [], \\" ,'}));
		const file = write('array.json', `[${objects.join(', ')}]`);
		const {summarize, show} = await runAll(file, {...LOADED, show: [0]}, {address: 6000});
		expect(summarize!.stdout).toContain('Total 5 objects');
		expect(summarize!.stderr).toBe('');
		expect(show!.stdout).toContain('}, {"address": 7, [],');
	});

	it('a named pipe is read as a stream', async () => {
		const fifo = join(dir(), 'dump.fifo');
		execFileSync('mkfifo', [fifo]);
		const writer = spawn('sh', ['-c', 'cat > "$1"', 'sh', fifo], {stdio: ['pipe', 'ignore', 'ignore']});
		writer.stdin.end(small);
		const result = await runMeasured(['summarize', fifo]);
		expectBehaved('summarize fifo', result, {codes: [0], names: fifo, maxRss: 200 * MB});
		expect(result.stdout).toContain('Total 4 objects');
	});

	it('a file growing while it is read', async () => {
		const file = write('growing.json', small);
		const fd = openSync(file, 'a');
		let stop = false;
		let address = 100_000;
		const grow = (async () => {
			while (!stop) {
				const chunk = Array.from({length: 2000}, () => meliaeLine({address: address += 16, type: 'int', size: 28, value: address})).join('\n') + '\n';
				writeSync(fd, chunk);
				await new Promise(resolve => {
					setTimeout(resolve, 5);
				});
			}
		})();
		try {
			const {summarize} = await runAll(file, {summarize: [0], show: [0]});
			expect(summarize!.stdout).toMatch(/Total \d+ objects/);
		} finally {
			stop = true;
			await grow;
			closeSync(fd);
		}
	});
});

describe('not a dump', () => {
	const cases: Array<[string, () => string]> = [
		['empty', () => write('empty.json', '')],
		['binary', () => write('binary.bin', randomBytes(64 * 1024, 2))],
		['binary after a brace', () => write('brace-binary.bin', Buffer.concat([Buffer.from('{'), randomBytes(64 * 1024, 3)]))],
		['NUL bytes', () => write('nul.json', new Uint8Array(1 * MB))],
		['a directory', () => dir()],
		['a missing file', () => join(dir(), 'no-such-file.json')],
		['/dev/zero', () => '/dev/zero'],
		['/dev/urandom', () => '/dev/urandom'],
	];
	for (const [name, make] of cases) {
		it(name, async () => {
			await runAll(make(), REFUSED, {maxRss: 200 * MB, timeoutMs: 15_000});
		});
	}

	it('no permission', async () => {
		const file = write('secret.json', small);
		chmodSync(file, 0o000);
		// root reads it anyway.
		const root = process.getuid?.() === 0;
		await runAll(file, root ? LOADED : REFUSED);
	});
});

describe('damaged lines', () => {
	it('truncated mid-line, bad UTF-8, lone surrogates, huge numbers, negative sizes, NUL inside', async () => {
		const file = write('damaged-lines.json', Buffer.concat([
			Buffer.from(small),
			Buffer.from('{"address": 4000, "type": "str", "size": 50, "value": "'),
			Buffer.from([0xff, 0xfe, 0xc3]),
			Buffer.from('", "refs": []}\n'),
			Buffer.from('{"address": 4100, "type": "str", "size": 50, "value": "\\ud800 \\udfff x", "refs": []}\n'),
			Buffer.from('{"address": 4200, "type": "int", "size": 99999999999999999999999999999, "len": 1e400, "value": 123456789012345678901234567890, "refs": []}\n'),
			Buffer.from('{"address": 4300, "type": "int", "size": -28, "refs": []}\n'),
			Buffer.from('{"address": 4400, "type": "i\u0000nt", "size": 28, "refs": []}\n'),
			Buffer.from('{"address": 4500, "type": "int", "si'),
		]));
		const {summarize} = await runAll(file, LOADED);
		expect(summarize!.stderr).toMatch(/skipped \d+ malformed line/);
	});
});

describe('the line cutter keeps the edges of a real long line', () => {
	it('a refs line longer than a block, beside a value longer than the limit', async () => {
		const refs = Array.from({length: 600_000}, (_, i) => 1_000_000 + (i * 16));
		const file = join(dir(), 'long-both.json');
		writeFileSync(file, small);
		appendFileSync(file, meliaeLine({address: 16, type: 'odd', size: 1, value: 'v'.repeat(3 * MB), refs}) + '\n');
		appendFileSync(file, meliaeLine({address: 1_000_000, type: 'int', size: 28, value: 0}) + '\n');
		const {show} = await runAll(file, {show: [0], summarize: [0]}, {address: 16});
		expect(show!.stdout).toContain('children (600000)');
	});
});
