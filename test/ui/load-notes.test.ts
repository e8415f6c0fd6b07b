import {readFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';
import {describe, expect, test} from 'vitest';
import {loadDump} from '../../source/core/dump/load.js';
import {loadWarnings} from '../../source/common/load-warnings.js';
import {loadNotes} from '../../source/ui/explorer.js';
import {loadLines, meliaeLine, writeDump} from '../helpers/dump-lines.js';

const lines = Array.from({length: 2000}, (_, index) => meliaeLine({address: 16 + (index * 16), type: 'int', size: 28, value: index}));
const text = lines.join('\n') + '\n';

/** The explorer's notes are the command line's warnings, with the file's base name and no "warning: ". */
function expectSameWords(notes: string[], warnings: string[], file: string): void {
	expect(notes.length).toBe(warnings.length);
	const base = file.replace(/^.*\//, '');
	const words = notes.map(note => {
		expect(note.startsWith(`${base}: `)).toBe(true);
		return `warning: ${file}: ${note.slice(base.length + 2)}`;
	});
	expect(words.toSorted()).toEqual(warnings.toSorted());
}

describe('what loading skipped, for the status line', () => {
	test('malformed and repeated lines: the lines and counts, file name without directories', async () => {
		const result = await loadLines([
			meliaeLine({address: 16, type: 'int', size: 28, value: 1}),
			'{"address": 32, "type": "str", "si',
			meliaeLine({address: 16, type: 'int', size: 28, value: 2}),
			'not json at all',
		]);
		const notes = loadNotes(result);
		expect(notes).toHaveLength(2);
		expect(notes[0]).toMatch(/skipped 2 malformed lines \(first at lines 2, 4: /);
		expect(notes[1]).toMatch(/1 lines repeat an address already seen \(first at line 3\)/);
		expectSameWords(notes, loadWarnings(result), result.file);
	});

	test('a damaged gzip says which damage, not "truncated" for everything', async () => {
		const good = gzipSync(text);
		const withGarbage = writeDump(Buffer.concat([good, Buffer.from('this is not gzip data at all, just trailing bytes')]), {name: 'garbage.gz'});
		const cut = writeDump(good.subarray(0, Math.floor(good.length / 2)), {name: 'cut.gz'});
		const flipped = Buffer.from(good);
		// The stored length in the trailer disagrees with what was inflated.
		flipped.writeUInt32LE(flipped.readUInt32LE(flipped.length - 4) + 1, flipped.length - 4);
		const badTrailer = writeDump(flipped, {name: 'trailer.gz'});
		const seen: string[] = [];
		for (const file of [withGarbage, cut, badTrailer]) {
			// eslint-disable-next-line no-await-in-loop
			const result = await loadDump(file, {parents: false});
			const notes = loadNotes(result);
			// A cut in the middle of a line may also leave a malformed last line.
			const gzipNotes = notes.filter(note => note.endsWith(`; loaded the ${result.lines} lines before it`));
			expect(gzipNotes).toHaveLength(1);
			// The status line shows the first note: the damage, not what followed from it.
			expect(notes[0]).toBe(gzipNotes[0]);
			expect(notes.join('\n')).not.toMatch(/truncated gzip data/);
			expectSameWords(notes, loadWarnings(result), result.file);
			seen.push(gzipNotes[0]!);
		}

		expect(seen[0]).toMatch(/not gzip data follow the gzip stream/);
		expect(seen[1]).toMatch(/ends early/);
		expect(seen[2]).toMatch(/checksum or length does not match/);
		expect(new Set(seen.map(note => note.replace(/^[^:]*: /, ''))).size).toBe(3);
	});

	test('a string over 1 MiB is said to be cut, with its length', async () => {
		const big = 'x'.repeat((3 * 1024 * 1024) + 5);
		const file = writeDump(meliaeLine({address: 8, type: 'str', size: 49, len: big.length, value: big}) + '\n' + text, {name: 'big.json'});
		expect(readFileSync(file).length).toBeGreaterThan(big.length);
		const result = await loadDump(file, {parents: false});
		const notes = loadNotes(result);
		expect(notes).toHaveLength(1);
		expect(notes[0]).toMatch(/^big\.json: 1 string was longer than 1 MiB and kept cut to 1 MiB \(first at line 1; /);
		expect(notes[0]).toContain(`the longest was ${big.length} bytes`);
		expectSameWords(notes, loadWarnings(result), result.file);
	});

	test('a clean dump has nothing to say', async () => {
		expect(loadNotes(await loadLines([meliaeLine({address: 16, type: 'int', size: 28, value: 1})]))).toEqual([]);
	});
});
