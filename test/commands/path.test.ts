import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {dumpText, writeDump} from '../helpers/dump-lines.js';

const demo = (name: string): string => fileURLToPath(new URL(`../../fixtures/demo/${name}`, import.meta.url));

type GroundTruth = {iterations: Array<{dump: string; session_chain: Array<{type: string; address: number; what: string}>; log_chain: Array<{type: string; address: number}>}>};
const truth = JSON.parse(readFileSync(demo('ground-truth.json'), 'utf8')) as GroundTruth;

type PathJson = {root: string; path: Array<{address: number; type: string; edge: string | null}>; paths: Array<{path: Array<{address: number}>}>};

describe('meliae-tui path', () => {
	it('reaches the demo\'s leaked session through the chain the dumper recorded', async () => {
		const last = truth.iterations.at(-1)!;
		const session = last.session_chain.at(-1)!;
		const result = await runCli(['path', demo(last.dump), String(session.address), '--json']);
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout) as PathJson;
		expect(json.root).toBe('no-referrers');
		const addresses = json.path.map(step => step.address);
		// The path ends with the recorded chain: module, SESSION_CACHE, its dict, the session
		// (the module's globals are folded into the module, as meliae does).
		const chain = last.session_chain.filter(step => step.what !== 'its globals');
		expect(addresses.slice(-chain.length)).toEqual(chain.map(step => step.address));
		expect(json.path.at(-1)!.type).toBe('Session');
		expect(json.path.slice(-3).map(step => step.edge)).toEqual(['.SESSION_CACHE', '._sessions', '[1]']);
		expect(json.path[0]!.edge).toBe(null);
	});

	it('prints the chain root first with the reference names', async () => {
		const last = truth.iterations.at(-1)!;
		const entry = last.log_chain.at(-1)!;
		const result = await runCli(['path', demo(last.dump), `0x${entry.address.toString(16)}`]);
		expect(result.code).toBe(0);
		const lines = result.stdout.trimEnd().split('\n');
		expect(lines[0]).toMatch(/^\d+ references from an object nothing in the dump references:$/);
		expect(lines[1]).toMatch(/^dict\(\d+ /);
		expect(lines.at(-2)).toMatch(/^ {2}\.LOG_HISTORY -> collections\.deque\(140678141148704 /);
		expect(lines.at(-1)).toMatch(/^ {2}\[0\] -> LogEntry\(140678143342336 /);
	});

	const small = writeDump(dumpText([
		{address: 1, type: 'list', size: 64, len: 1, refs: [2]},
		{address: 2, type: 'weakref', size: 64, refs: [9]},
		{address: 3, type: 'tuple', size: 64, len: 1, refs: [4]},
		{address: 4, type: 'list', size: 64, len: 1, refs: [9]},
		{address: 9, type: 'Thing', size: 28},
	]));

	it('offers several paths and can skip weak references', async () => {
		const all = JSON.parse((await runCli(['path', small, '9', '--all', '3', '--json'])).stdout) as PathJson;
		expect(all.paths.map(p => p.path.map(step => step.address))).toEqual([[1, 2, 9], [3, 4, 9]]);
		const strong = JSON.parse((await runCli(['path', small, '9', '--skip-weak', '--json'])).stdout) as PathJson;
		expect(strong.path.map(step => step.address)).toEqual([3, 4, 9]);
		expect(strong.path.map(step => step.edge)).toEqual([null, '[0]', '[0]']);
		const text = await runCli(['path', small, '9', '--all', '3']);
		expect(text.stdout).toContain('path 2 of 2: 2 references from an object nothing in the dump references:');
		expect(text.stdout).toContain('(only 2 paths through different referrers)');
	});

	it('falls back to skipped references when nothing else holds the object', async () => {
		const result = await runCli(['path', small, '2', '--skip-weak', '--json']);
		expect(result.code).toBe(0);
		expect((JSON.parse(result.stdout) as PathJson).path.map(step => step.address)).toEqual([1, 2]);
		const onlyWeak = await runCli(['path', small, '9', '--skip-weak', '--skip-expensive']);
		expect(onlyWeak.code).toBe(0);
	});

	it('exits 1 for an unknown address and 2 for a bad one', async () => {
		const missing = await runCli(['path', small, '12345']);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain('no object at address 12345');
		const bad = await runCli(['path', small, 'zz']);
		expect(bad.code).toBe(2);
		const all = await runCli(['path', small, '9', '--all', '0']);
		expect(all.code).toBe(2);
	});
});
