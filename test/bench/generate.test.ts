import {createHash} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {generateDump, type GenerateResult, MIN_OBJECTS, parseCount} from '../../source/bench/generate.js';
import {loadDump} from '../../source/core/dump/load.js';

const KEY_ORDER = ['address', 'type', 'size', 'name', 'len', 'value', 'refs'];

type Line = {
	address: number;
	type: string;
	size: number;
	name?: string;
	len?: number;
	value?: string | number;
	refs: number[];
};

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let plainPath: string;
let plain: GenerateResult;
let text: string;
let lines: Line[];
let byAddress: Map<number, Line>;
let parentCount: Map<number, number>;

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'meliae-generate-'));
	plainPath = join(dir, 'plain.json');
	plain = await generateDump({objects: 50_000, seed: 7, out: plainPath});
	text = readFileSync(plainPath, 'utf8');
	lines = text.split('\n').filter(line => line.length > 0).map(line => JSON.parse(line) as Line);
	byAddress = new Map(lines.map(line => [line.address, line]));
	parentCount = new Map();
	for (const line of lines) {
		for (const ref of line.refs) {
			parentCount.set(ref, (parentCount.get(ref) ?? 0) + 1);
		}
	}
});

afterAll(() => {
	rmSync(dir, {recursive: true, force: true});
});

describe('generateDump', () => {
	it('is deterministic: same seed, same bytes; another seed, other bytes', async () => {
		const a = join(dir, 'a.json');
		const b = join(dir, 'b.json');
		const c = join(dir, 'c.json');
		await generateDump({objects: 20_000, seed: 3, out: a});
		await generateDump({objects: 20_000, seed: 3, out: b});
		await generateDump({objects: 20_000, seed: 4, out: c});
		const hashA = sha256(readFileSync(a));
		expect(sha256(readFileSync(b))).toBe(hashA);
		expect(sha256(readFileSync(c))).not.toBe(hashA);
	});

	it('writes exactly the requested number of objects', async () => {
		expect(lines).toHaveLength(50_000);
		expect(plain.objects).toBe(50_000);
		for (const [objects, seed] of [[MIN_OBJECTS, 1], [MIN_OBJECTS, 2], [MIN_OBJECTS, 3], [12_345, 1], [30_001, 5]] as const) {
			const out = join(dir, `count-${objects}-${seed}.json`);
			const result = await generateDump({objects, seed, out});
			const count = readFileSync(out, 'utf8').split('\n').filter(line => line.length > 0).length;
			expect(count).toBe(objects);
			expect(result.objects).toBe(objects);
		}
	});

	it('writes one JSON object per line, keys in meliae order, with valid field types', () => {
		expect(text.endsWith('\n')).toBe(true);
		const wellFormed = (line: Line): boolean => {
			const keys = Object.keys(line);
			const positions = keys.map(key => KEY_ORDER.indexOf(key));
			return keys[0] === 'address' && keys[1] === 'type' && keys[2] === 'size' && keys.at(-1) === 'refs'
				&& positions.every((position, i) => position >= 0 && (i === 0 || position > positions[i - 1]!))
				&& Number.isSafeInteger(line.address) && line.address % 16 === 0
				&& typeof line.type === 'string' && Number.isInteger(line.size) && line.size > 0
				&& Array.isArray(line.refs) && line.refs.every(ref => Number.isSafeInteger(ref));
		};

		expect(lines.find(line => !wellFormed(line))).toBeUndefined();
	});

	it('reports what it wrote', () => {
		const refs = lines.reduce((sum, line) => sum + line.refs.length, 0);
		expect(plain.refs).toBe(refs);
		expect(plain.bytes).toBe(Buffer.byteLength(text));
		expect(plain.fileBytes).toBe(plain.bytes);
		const counts: Record<string, number> = {};
		for (const line of lines) {
			counts[line.type] = (counts[line.type] ?? 0) + 1;
		}

		expect(plain.typeCounts).toEqual(counts);
	});

	it('has the target shape: ~135 bytes per line, ~2.5 refs per object', () => {
		const bytesPerLine = plain.bytes / plain.objects;
		const refsPerObject = plain.refs / plain.objects;
		expect(bytesPerLine).toBeGreaterThan(120);
		expect(bytesPerLine).toBeLessThan(150);
		expect(refsPerObject).toBeGreaterThan(2.2);
		expect(refsPerObject).toBeLessThan(2.9);
	});

	it('has a Python heap type mix', () => {
		const share = (type: string): number => (plain.typeCounts[type] ?? 0) / plain.objects;
		expect(share('str')).toBeGreaterThan(0.25);
		for (const type of ['tuple', 'dict', 'int']) {
			expect(share(type)).toBeGreaterThan(0.04);
		}

		for (const type of ['function', 'code']) {
			expect(share(type)).toBeGreaterThan(0.02);
		}

		for (const type of ['type', 'module', 'frame', 'list', 'set', 'float', 'bytes', 'weakref', 'cell', 'method', 'bool', 'NoneType']) {
			expect(plain.typeCounts[type] ?? 0, type).toBeGreaterThan(0);
		}
	});

	it('uses unique addresses, not sorted, and resolves every reference but a few', () => {
		expect(byAddress.size).toBe(lines.length);
		let ascending = 0;
		for (let i = 1; i < lines.length; i++) {
			if (lines[i]!.address > lines[i - 1]!.address) {
				ascending++;
			}
		}

		const fraction = ascending / (lines.length - 1);
		expect(fraction).toBeGreaterThan(0.2);
		expect(fraction).toBeLessThan(0.8);
		let dangling = 0;
		for (const line of lines) {
			for (const ref of line.refs) {
				if (!byAddress.has(ref)) {
					dangling++;
				}
			}
		}

		expect(dangling).toBe(plain.danglingRefs);
		expect(dangling).toBeGreaterThan(0);
		expect(dangling).toBeLessThan(50);
	});

	it('writes instances as meliae does: [__dict__, type], the dict referenced only by its instance', () => {
		const userTypes = new Set(lines.filter(line => line.type === 'type' && line.refs.length === 4).map(line => line.name));
		let withDict = 0;
		let slots = 0;
		const classesSeen = new Set<string>();
		for (const line of lines) {
			if (!userTypes.has(line.type) || line.type === 'type') {
				continue;
			}

			const type = byAddress.get(line.refs.at(-1)!);
			expect(type?.type).toBe('type');
			expect(type?.name).toBe(line.type);
			const first = byAddress.get(line.refs[0]!);
			if (line.refs.length === 2 && first?.type === 'dict') {
				withDict++;
				classesSeen.add(line.type);
				expect(parentCount.get(first.address)).toBe(1);
			} else {
				slots++;
				expect(line.refs.slice(0, -1).every(ref => byAddress.get(ref)?.type !== 'dict')).toBe(true);
			}
		}

		expect(withDict).toBeGreaterThan(1000);
		expect(slots).toBeGreaterThan(50);
		expect(classesSeen.size).toBeGreaterThan(30);
	});

	it('gives each module one dict', () => {
		const modules = lines.filter(line => line.type === 'module');
		expect(modules.length).toBeGreaterThan(10);
		for (const module of modules) {
			expect(typeof module.name).toBe('string');
			expect(module.refs).toHaveLength(1);
			expect(byAddress.get(module.refs[0]!)?.type).toBe('dict');
		}
	});

	it('has shared strings with many parents, cycles and large containers', () => {
		const sharedStrings = lines.filter(line => line.type === 'str' && (parentCount.get(line.address) ?? 0) >= 500);
		expect(sharedStrings.length).toBeGreaterThan(3);
		const largest = Math.max(...lines.map(line => line.refs.length));
		expect(largest).toBeGreaterThan(5000);
		// A type and its mro tuple refer to each other; so do a list and itself.
		const cyclic = lines.filter(line => line.type === 'type' && line.refs.some(ref => byAddress.get(ref)?.refs.includes(line.address)));
		expect(cyclic.length).toBeGreaterThan(10);
		expect(lines.some(line => line.type === 'list' && line.refs.includes(line.address))).toBe(true);
	});

	it('truncates str values at 100 characters and keeps the real length', () => {
		const strings = lines.filter(line => line.type === 'str');
		expect(strings.every(line => typeof line.value === 'string' && [...(line.value as string)].length <= 100)).toBe(true);
		expect(strings.every(line => line.len! >= [...(line.value as string)].length)).toBe(true);
		expect(strings.some(line => line.len! > 100)).toBe(true);
	});

	it('has unicode values, escaped and raw, and integers beyond 2^53', () => {
		expect(text).toMatch(/"value": "[^"\n]*\\u[0-9a-f]{4}/);
		expect(/"value": "[^"\n]*[^\u0000-\u007f]/.test(text)).toBe(true);
		expect(text).toMatch(/"type": "bool", "size": 28, "value": "True"/);
		const big = [...text.matchAll(/"type": "int", "size": \d+, "value": (-?\d+)/g)]
			.map(match => BigInt(match[1]!))
			.filter(value => value > 2n ** 53n || value < -(2n ** 53n));
		expect(big.length).toBeGreaterThan(0);
	});

	it('writes gzip that decompresses to the same dump, byte-identical across runs', async () => {
		const out = join(dir, 'dump.json.gz');
		const result = await generateDump({objects: 50_000, seed: 7, out, gzip: true});
		const compressed = readFileSync(out);
		expect(compressed[0]).toBe(0x1f);
		expect(compressed[1]).toBe(0x8b);
		expect(result.fileBytes).toBe(compressed.length);
		expect(result.fileBytes).toBeLessThan(result.bytes / 2);
		const inflated = gunzipSync(compressed);
		expect(inflated.length).toBe(result.bytes);
		expect(sha256(inflated)).toBe(sha256(readFileSync(plainPath)));
		const again = join(dir, 'again.json.gz');
		await generateDump({objects: 50_000, seed: 7, out: again, gzip: true});
		expect(sha256(readFileSync(again))).toBe(sha256(compressed));
	});

	it("loads with the project's loader, with no malformed lines", async () => {
		const {store, problems} = await loadDump(plainPath, {workers: 0});
		expect(problems.malformedLines).toBe(0);
		expect(problems.duplicateAddresses).toBe(0);
		expect(problems.unresolvedReferences).toBe(plain.danglingRefs);
		expect(problems.collapsedDicts).toBeGreaterThan(1000);
		expect(store.objectCount + problems.collapsedDicts).toBe(plain.objects);
	});

	it('rejects sizes it cannot make exactly', async () => {
		await expect(generateDump({objects: MIN_OBJECTS - 1, seed: 1, out: join(dir, 'x.json')})).rejects.toThrow(RangeError);
		await expect(generateDump({objects: 20_000.5, seed: 1, out: join(dir, 'x.json')})).rejects.toThrow(RangeError);
	});
});

describe('parseCount', () => {
	it('reads plain, exponent, underscore and suffix forms', () => {
		expect(parseCount('5000000')).toBe(5_000_000);
		expect(parseCount('5e6')).toBe(5_000_000);
		expect(parseCount('5_000_000')).toBe(5_000_000);
		expect(parseCount('1M')).toBe(1_000_000);
		expect(parseCount('250k')).toBe(250_000);
		expect(() => parseCount('1.5')).toThrow(RangeError);
		expect(() => parseCount('many')).toThrow(RangeError);
	});
});
