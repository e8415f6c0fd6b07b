/**
 * dump_all_objects(..., should_stop=...), the hook attach cancels through:
 * checked before the dump and every few thousand objects; when it returns
 * true the dump stops, removes its file and sidecar and raises
 * DumpCancelled.
 */

import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {checkDump, interpreters, pythonDir, readDumpText, run, scratchDir} from './python.js';

const python = interpreters()[0];

async function dumpWithHook(file: string, stopAfter: number): Promise<string> {
	const code = [
		'import sys',
		`sys.path.insert(0, ${JSON.stringify(pythonDir)})`,
		'import meliae_dump',
		'data = ["string %d" % i for i in range(50000)]',
		'calls = [0]',
		'def should_stop():',
		'    calls[0] += 1',
		`    return calls[0] > ${stopAfter}`,
		'try:',
		`    r = meliae_dump.dump_all_objects(${JSON.stringify(file)}, should_stop=should_stop)`,
		'    print("done", r["objects"], calls[0])',
		'except meliae_dump.DumpCancelled as e:',
		'    print("cancelled", calls[0], e)',
	].join('\n');
	const result = await run(python!.exe, ['-c', code]);
	expect(result.stderr).toBe('');
	return result.stdout.trim();
}

describe.skipIf(python === undefined)('the should_stop hook of dump_all_objects', () => {
	it('stops before anything is written when it is true from the start', async () => {
		const dir = scratchDir();
		expect(await dumpWithHook(join(dir, 'd.json'), 0)).toBe('cancelled 1 the dump was cancelled before it started');
		expect(readdirSync(dir)).toEqual([]);
	});

	it('stops a dump in progress and removes its file and sidecar', async () => {
		const dir = scratchDir();
		expect(await dumpWithHook(join(dir, 'd.json.gz'), 3)).toBe('cancelled 4 the dump was cancelled');
		expect(readdirSync(dir)).toEqual([]);
	});

	it('is asked every few thousand objects, and a dump it never stops is complete', async () => {
		const dir = scratchDir();
		const file = join(dir, 'd.json');
		const output = await dumpWithHook(file, 1_000_000);
		const [word, objects, calls] = output.split(' ');
		expect(word).toBe('done');
		const lines = checkDump(readDumpText(file)).lines.length;
		expect(Number(objects)).toBe(lines);
		// Once before the walk, then at every batch of lines: more than two
		// batches for 50 000 strings and more.
		expect(lines).toBeGreaterThan(50_000);
		expect(Number(calls)).toBeGreaterThan(3);
		expect(readdirSync(dir).sort()).toEqual(['d.json', 'd.json.meta.json']);
	});
});
