import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {dumpText, writeDump} from '../helpers/dump-lines.js';

const demo = (name: string): string => fileURLToPath(new URL(`../../fixtures/demo/${name}`, import.meta.url));
const [first, second, third] = ['demo-1.json.gz', 'demo-2.json.gz', 'demo-3.json.gz'].map(name => demo(name));

type GroundTruth = {iterations: Array<{counts: Record<string, number>; session_chain: Array<{address: number; what: string}>; log_chain: Array<{address: number}>}>};
const truth = JSON.parse(readFileSync(demo('ground-truth.json'), 'utf8')) as GroundTruth;

type ReportJson = {
	total_count: number;
	types: Array<{type: string}>;
	top: Array<{address: number; retained_size: number}>;
	suspects: Array<{address: number; type: string; accumulation: boolean; share: number; path: Array<{address: number; edge: string | null}>}>;
	type_suspects: Array<{type: string; count: number; holder: {address: number}}>;
	dumps?: Array<{file: string}>;
	trend?: Array<{type: string; counts: number[]; growing: boolean}>;
	diff?: {types: Array<{type: string; new_objects: number}>};
	candidates?: {files: string[]; count: number; groups: Array<{type: string; count: number; owner: Array<{address: number; type: string}>}>};
};

describe('meliae-tui report', () => {
	it('finds both leaks of the demo as suspects, with their paths and their growth', async () => {
		const result = await runCli(['report', first!, second!, third!, '--format', 'json']);
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout) as ReportJson;
		const last = truth.iterations.at(-1)!;
		const sessionsDict = last.session_chain[3]!.address;
		const history = last.log_chain[3]!.address;
		expect(json.suspects.map(s => s.address)).toEqual([sessionsDict, history]);
		expect(json.suspects.every(s => s.accumulation && s.share >= 0.1)).toBe(true);
		// The module's globals are folded into the module, as meliae does.
		const chain = last.session_chain.slice(0, 4).filter(step => step.what !== 'its globals');
		expect(json.suspects[0]!.path.map(step => step.address).slice(-chain.length)).toEqual(chain.map(step => step.address));
		expect(json.suspects[0]!.path.at(-1)!.edge).toBe('._sessions');
		expect(json.type_suspects[0]).toMatchObject({type: 'Session', count: last.counts['Session'], holder: {address: sessionsDict}});
		// Oldest first, the newest reported on.
		expect(json.dumps!.map(dump => dump.file.replace(/.*\//, ''))).toEqual(['demo-1.json.gz', 'demo-2.json.gz', 'demo-3.json.gz']);
		expect(json.trend!.find(row => row.type === 'LogEntry')).toMatchObject({counts: truth.iterations.map(i => i.counts['LogEntry']), growing: true});
		const groups = json.candidates!.groups;
		expect(groups.slice(0, 2).map(group => group.type).sort()).toEqual(['LogEntry', 'Session']);
		expect(groups.find(group => group.type === 'Session')!.owner[1]!.type).toBe('SessionCache');
		expect(json.diff!.types.find(row => row.type === 'Session')!.new_objects).toBe(last.counts['Session']! - truth.iterations[1]!.counts['Session']!);
	});

	it('fits a page of text', async () => {
		const result = await runCli(['report', first!, second!, third!], {env: {LANG: 'C.UTF-8'}});
		expect(result.code).toBe(0);
		const lines = result.stdout.trimEnd().split('\n');
		expect(lines.length).toBeLessThanOrEqual(100);
		expect(lines[0]).toBe(`meliae-tui report: ${third}`);
		expect(lines[1]).toMatch(/^Total \d+ objects, \d+ types, Total size = 3\.4MiB \(\d+ bytes\)$/);
		for (const title of ['Largest types by retained size', 'Top retainers', 'Leak suspects', 'Growth over 3 dumps', 'Leak candidates']) {
			expect(lines.some(line => line.startsWith(title)), title).toBe(true);
		}

		expect(result.stdout).toMatch(/\n1\. dict@0x[\da-f]+ retains [\d.]+ KiB \(1\d%\); accumulation point: holds \d+ objects alone/);
		expect(result.stdout).toContain('._sessions -> dict@0x');
		expect(result.stdout).toMatch(/\n3\. 899 Session objects retain [\d.]+ KiB \(\d+%\); all held by dict@0x[\da-f]+ \(suspect 1\)\n/);
	});

	it('writes Markdown with every section fenced', async () => {
		const result = await runCli(['report', third!, '--format', 'markdown']);
		expect(result.code).toBe(0);
		expect(result.stdout.startsWith('# Memory report: ')).toBe(true);
		expect(result.stdout).toContain('\n## Leak suspects (objects and types retaining at least 10% of the dump)\n\n```\n');
		expect(result.stdout.split('\n').filter(line => line === '```').length % 2).toBe(0);
		expect(result.stdout).not.toContain('Growth over');
	});

	it('uses a longer fence when the dump has backticks in a type name, and escapes controls', async () => {
		const file = writeDump(dumpText([
			{address: 1, type: 'list', size: 100, len: 2, refs: [2, 3]},
			{address: 2, type: 'Evil```\u001B[2J', size: 5000},
			{address: 3, type: 'Evil```\u001B[2J', size: 5000},
		]));
		const markdown = await runCli(['report', file, '--format', 'markdown']);
		expect(markdown.code).toBe(0);
		expect(markdown.stdout).toContain('\n````\n');
		expect(markdown.stdout).not.toContain('\u001B');
		const text = await runCli(['report', file]);
		expect(text.stdout).toContain('Evil```\\x1b[2J');
		expect(text.stdout).not.toContain('\u001B');
	});

	it('rejects an unknown format', async () => {
		const result = await runCli(['report', third!, '--format', 'html']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--format must be "text", "markdown" or "json"');
	});
});
