/**
 * A scripted fuzzer over the demo dumps: random byte flips, truncations and
 * line splices (plain, gzipped, and damaged after gzip), from a fixed seed.
 * MELIAE_FUZZ_CASES sets how many (default 200); MELIAE_FUZZ_SEED the seed.
 * Every case must end with a documented exit code, each line on stderr
 * naming the file, no exception and no stack trace; the whole run stays
 * within a time limit and a memory bound. Some cases also go through the
 * real CLI.
 */

import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gunzipSync, gzipSync} from 'node:zlib';
import {afterAll, describe, expect, it} from 'vitest';
import {NODE_FLAGS} from '../helpers/cli.js';
import {tempDir} from '../helpers/dump-lines.js';
import {run} from '../helpers/process.js';
import {seededRandom} from '../helpers/random.js';
import {expectBehaved, haveTime, runMeasured, TIME} from './measure.js';

const cases = Number(process.env['MELIAE_FUZZ_CASES'] ?? 200);
const seed = Number(process.env['MELIAE_FUZZ_SEED'] ?? 20_261_130);
const MB = 1024 * 1024;
const driver = fileURLToPath(new URL('fuzz-driver.mjs', import.meta.url));

/** The first `lines` lines of each demo dump: big enough to mean something, small enough to run hundreds. */
function bases(lines: number): Uint8Array[] {
	return [1, 2, 3].map(n => {
		const text = gunzipSync(readFileSync(new URL(`../../fixtures/demo/demo-${n}.json.gz`, import.meta.url)));
		let end = 0;
		for (let i = 0; i < lines && end >= 0; i++) {
			end = text.indexOf(0x0a, end + 1);
		}

		return end < 0 ? text : text.subarray(0, end + 1);
	});
}

type Mutation = {name: string; bytes: Uint8Array; gzip: boolean};

function mutate(base: Uint8Array, random: () => number): Mutation {
	const pick = (n: number): number => Math.floor(random() * n);
	const lines = (): Buffer[] => {
		const parts: Buffer[] = [];
		let start = 0;
		for (;;) {
			const end = base.indexOf(0x0a, start);
			if (end < 0) {
				parts.push(Buffer.from(base.subarray(start)));
				return parts;
			}

			parts.push(Buffer.from(base.subarray(start, end)));
			start = end + 1;
		}
	};

	const kind = pick(8);
	let bytes: Uint8Array;
	let name: string;
	switch (kind) {
		case 0:
		case 1: {
			bytes = Uint8Array.from(base);
			const flips = 1 + pick(kind === 0 ? 3 : 200);
			for (let i = 0; i < flips; i++) {
				bytes[pick(bytes.length)] = pick(256);
			}

			name = `flip${flips}`;
			break;
		}

		case 2: {
			bytes = base.subarray(0, pick(base.length));
			name = 'truncate';
			break;
		}

		case 3: {
			// Splice: a line cut in two and joined to another's tail.
			const all = lines();
			const a = pick(all.length);
			const b = pick(all.length);
			const joined = Buffer.concat([all[a]!.subarray(0, pick(all[a]!.length + 1)), all[b]!.subarray(pick(all[b]!.length + 1))]);
			all.splice(a, 1, joined);
			bytes = Buffer.from(all.join('\n'));
			name = 'splice';
			break;
		}

		case 4: {
			// Lines removed, repeated and moved.
			const all = lines();
			for (let i = 0; i < 1 + pick(20); i++) {
				const from = pick(all.length);
				const line = all[from]!;
				if (random() < 0.3) {
					all.splice(from, 1);
				}

				all.splice(pick(all.length), 0, line);
			}

			bytes = Buffer.from(all.join('\n'));
			name = 'shuffle';
			break;
		}

		case 5: {
			// Random bytes, or nothing but line ends, in the middle.
			const at = pick(base.length);
			const junk = new Uint8Array(1 + pick(4096)).map(() => (random() < 0.5 ? pick(256) : 0x0a));
			bytes = Buffer.concat([base.subarray(0, at), junk, base.subarray(at)]);
			name = 'insert';
			break;
		}

		case 6: {
			// Damage after gzip: flips in the compressed bytes, or a cut.
			const packed = Uint8Array.from(gzipSync(base));
			if (random() < 0.5) {
				for (let i = 0; i < 1 + pick(8); i++) {
					packed[10 + pick(packed.length - 10)] = pick(256);
				}

				return {name: 'gzip-flip', bytes: packed, gzip: false};
			}

			return {name: 'gzip-cut', bytes: packed.subarray(0, pick(packed.length)), gzip: false};
		}

		default: {
			// Structure characters swapped for others.
			bytes = Uint8Array.from(base);
			const structural = [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x2c, 0x3a, 0x5c, 0x0a, 0x0d];
			for (let i = 0; i < 1 + pick(30); i++) {
				bytes[pick(bytes.length)] = structural[pick(structural.length)]!;
			}

			name = 'structure';
		}
	}

	return {name, bytes, gzip: random() < 0.25};
}

type Outcome = {file: string; command: string; code: number | null; stderr: string; threw: string | null};

async function runDriver(files: readonly string[], timeoutMs: number): Promise<{outcomes: Outcome[]; peakRss: number | undefined; stderr: string}> {
	const rssFile = join(tempDir(), 'fuzz-rss');
	const [command, args] = haveTime
		? [TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...NODE_FLAGS, driver, ...files]]
		: [process.execPath, [...NODE_FLAGS, driver, ...files]];
	const {code, stdout, stderr} = await run(command, args, {timeoutMs});
	if (code !== 0) {
		throw new Error(`the fuzz driver exited with ${code}\n${stderr}`);
	}

	const outcomes = stdout.trim().split('\n').filter(Boolean).map(line => JSON.parse(line) as Outcome);
	const peakRss = haveTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) * 1024 : undefined;
	return {outcomes, peakRss, stderr};
}

describe(`fuzzer (${cases} cases, seed ${seed})`, () => {
	const random = seededRandom(seed);
	const directory = join(tempDir(), 'fuzz');
	mkdirSync(directory, {recursive: true});
	afterAll(() => {
		rmSync(directory, {recursive: true, force: true});
	});
	const sources = bases(1500);
	const files: string[] = [];
	const names: string[] = [];
	for (let i = 0; i < cases; i++) {
		const {name, bytes, gzip} = mutate(sources[i % sources.length]!, random);
		const file = join(directory, `case-${i}-${name}.json${gzip ? '.gz' : ''}`);
		writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
		files.push(file);
		names.push(name);
	}

	it('every mutated dump ends with a documented code and clear lines', async () => {
		const {outcomes, peakRss, stderr} = await runDriver(files, 60_000 + (cases * 500));
		expect(stderr).toBe('');
		expect(outcomes).toHaveLength(files.length * 3);
		for (const outcome of outcomes) {
			const context = `${outcome.command} ${outcome.file}: ${outcome.code}\n${outcome.stderr}${outcome.threw ?? ''}`;
			expect(outcome.threw, context).toBeNull();
			expect([0, 1, 2], context).toContain(outcome.code);
			const lines = outcome.stderr.split('\n').filter(line => line !== '');
			for (const line of lines) {
				expect(line, context).toMatch(/^meliae-tui: /);
				expect(line, context).not.toMatch(/internal error|^\s+at /);
			}

			if (outcome.code === 2) {
				expect(lines, context).toHaveLength(1);
				expect(lines[0], context).toContain(outcome.file);
			}

			for (const line of lines.filter(line => line.includes('warning'))) {
				expect(line, context).toContain(outcome.file);
			}
		}

		// Every case of the same small size: memory must not pile up from case to case.
		if (peakRss !== undefined) {
			expect(peakRss).toBeLessThan(400 * MB);
		}
	});

	it('a sample also through the CLI, with its own time limit and memory bound', async () => {
		for (let i = 0; i < files.length; i += Math.max(1, Math.floor(files.length / 8))) {
			const result = await runMeasured(['summarize', files[i]!], {timeoutMs: 20_000});
			expectBehaved(`summarize ${names[i]}`, result, {codes: [0, 2], names: files[i]!, maxRss: 200 * MB});
		}
	});
});
