import {chmodSync, existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cliPath, NODE_FLAGS} from '../helpers/cli.js';
import {run} from '../helpers/process.js';
import {dumpText, tempDir, writeDump} from '../helpers/dump-lines.js';
import {runCli} from '../helpers/cli.js';
import {exampleDump, instanceDump} from '../helpers/meliae-fixtures.js';

const example = writeDump(exampleDump.join('\n') + '\n');

function noStackTrace(text: string): void {
	expect(text).not.toMatch(/\n\s+at /);
	expect(text).not.toMatch(/Error:/);
}

describe('meliae-tui summarize', () => {
	it('prints meliae\'s table', async () => {
		const result = await runCli(['summarize', example]);
		expect(result.code).toBe(0);
		expect(result.stdout).toBe([
			// meliae folds the module's dict (the tuple refers to it too).
			'Total 7 objects, 5 types, Total size = 0.0MiB (321 bytes)',
			' Index   Count   %      Size   % Cum     Max Kind',
			'     0       1  14       184  57  57     184 module',
			'     1       1  14        44  13  71      44 list',
			'     2       2  28        40  12  83      20 tuple',
			'     3       1  14        29   9  92      29 str',
			'     4       2  28        24   7 100      12 int',
			'',
		].join('\n'));
		expect(result.stderr).toBe('');
	});

	it('orders by count, limits rows and summarizes what an address reaches', async () => {
		const byCount = await runCli(['summarize', example, '--by', 'count', '--limit', '2']);
		expect(byCount.stdout.split('\n').slice(2, 4)).toEqual([
			'     0       2  28        40  12  12      20 tuple',
			'     1       2  28        24   7  19      12 int',
		]);
		const from = await runCli(['summarize', example, '--from', '8', '--exclude', '4,5', '--json']);
		const json = JSON.parse(from.stdout) as {total_size: number; types: Array<{type: string}>};
		expect(json.total_size).toBe(233);
		expect(json.types.map(t => t.type).sort()).toEqual(['module', 'str', 'tuple']);
	});

	it('writes all types as JSON', async () => {
		const result = await runCli(['summarize', writeDump(instanceDump.join('\n')), '--json']);
		const json = JSON.parse(result.stdout) as {total_count: number; total_size: number; types: Array<Record<string, unknown>>};
		expect(json.total_count).toBe(13);
		expect(json.types.map(t => t.type).sort()).toEqual(['MyClass', 'dict', 'int', 'module', 'str', 'tuple', 'type']);
		expect(json.types[0]).toEqual({type: 'type', count: 1, size: 452, max_size: 452, max_address: 3});
		expect(json.types.find(t => t.type === 'MyClass')).toEqual({type: 'MyClass', count: 1, size: 172, max_size: 172, max_address: 1});
	});

	it('reads standard input and gzip', async () => {
		const result = await runCli(['summarize', '-', '--json'], {input: exampleDump.join('\n')});
		expect(JSON.parse(result.stdout)).toMatchObject({total_count: 7, total_size: 321});
		const gz = await runCli(['summarize', writeDump(exampleDump.join('\n'), {gzip: true}), '--json']);
		expect(JSON.parse(gz.stdout)).toMatchObject({total_count: 7, total_size: 321});
	});

	it('warns about malformed lines and exits 0; --strict stops with exit 2', async () => {
		const lines = [...exampleDump];
		lines.splice(2, 0, '{"address": 77, "type": "str", "si');
		const file = writeDump(lines.join('\n'));
		const lenient = await runCli(['summarize', file]);
		expect(lenient.code).toBe(0);
		expect(lenient.stderr).toBe(`meliae-tui: warning: ${file}: skipped 1 malformed line (first at line 3: line ends early (the end of a string)); loaded 7 objects\n`);
		const strict = await runCli(['summarize', file, '--strict']);
		expect(strict.code).toBe(2);
		expect(strict.stderr).toBe(`meliae-tui: ${file}:3: malformed line: line ends early (the end of a string)\n`);
		expect(strict.stdout).toBe('');
	});

	it('refuses bad input with one line and exit code 2', async () => {
		for (const [file, pattern] of [
			['/nonexistent/dump.json', /no such file/],
			['/', /is a directory/],
			[writeDump(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), /PNG image/],
			[writeDump(''), /is empty/],
		] as const) {
			const result = await runCli(['summarize', file]);
			expect(result.code).toBe(2);
			expect(result.stderr.trim().split('\n')).toHaveLength(1);
			expect(result.stderr).toMatch(pattern);
			noStackTrace(result.stderr);
		}

		const badFlag = await runCli(['summarize', example, '--by', 'weight']);
		expect(badFlag.code).toBe(2);
		const noArgs = await runCli(['summarize']);
		expect(noArgs.code).toBe(2);
		expect(noArgs.stderr).toMatch(/usage: meliae-tui summarize DUMP/);
	});

	// Root reads every file, so as root the CLI runs as nobody for this case.
	const asRoot = process.getuid?.() === 0;
	it.skipIf(asRoot && !existsSync('/usr/bin/setpriv'))('refuses an unreadable file with exit code 2', async () => {
		const directory = join(tempDir(), 'shared');
		mkdirSync(directory, {recursive: true});
		chmodSync(tempDir(), 0o755);
		chmodSync(directory, 0o755);
		const file = join(directory, 'secret.json');
		writeFileSync(file, exampleDump.join('\n'));
		chmodSync(file, 0o000);
		const command = asRoot
			? ['/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...NODE_FLAGS, cliPath, 'summarize', file]] as const
			: [process.execPath, [...NODE_FLAGS, cliPath, 'summarize', file]] as const;
		const result = await run(command[0], command[1]);
		expect(result.code).toBe(2);
		expect(result.stderr).toBe(`meliae-tui: ${file}: permission denied\n`);
	});

	it('escapes control characters from the dump', async () => {
		const file = writeDump(dumpText([
			{address: 1, type: 'evil\u001b[2Jtype\u0007', size: 10, refs: [2]},
			{address: 2, type: 'str', size: 20, value: 'x\u001b]0;pwned\u0007\r\u202e'},
		]));
		const summary = await runCli(['summarize', file]);
		expect(summary.stdout).toContain('evil\\x1b[2Jtype\\x07');
		expect(summary.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
		const show = await runCli(['show', file, '2']);
		expect(show.stdout).toContain('\'x\\x1b]0;pwned\\x07\\r\\u202e\'');
		expect(show.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
	});
});

describe('meliae-tui show', () => {
	it('shows an object with its children, parents and dict view', async () => {
		const file = writeDump(instanceDump.join('\n'));
		const result = await runCli(['show', file, '1']);
		expect(result.code).toBe(0);
		const lines = result.stdout.split('\n');
		expect(lines[0]).toBe('MyClass(1 172B 9refs 1.0Ktot)');
		expect(lines).toContain('size     172 bytes; reachable 1.0K (975 bytes in 12 objects)');
		expect(lines).toContain('address  1 (0x1)');
		expect(lines).toContain('children (9):');
		expect(lines).toContain('  type(3 452B 1par \'MyClass\')');
		expect(lines).toContain('parents (0):');
		expect(lines).toContain('as dict (4 entries):');
		expect(lines).toContain('  \'a\': 1');
		expect(lines).toContain('  \'b\': \'string\'');
		expect(lines).toContain('  \'d\': tuple(12 32B 1refs 1par)');
	});

	it('writes JSON with exact big integers', async () => {
		const file = writeDump(dumpText([
			{address: 10, type: 'int', size: 36, value: 123_456_789_012_345_678_901_234_567_890n},
			{address: 11, type: 'list', size: 72, len: 1, refs: [10, 999]},
			{address: 12, type: 'module', size: 72, name: 'app', refs: [11]},
		]));
		const int = await runCli(['show', file, '10', '--json']);
		expect(int.stdout).toContain('"value":123456789012345678901234567890');
		expect(JSON.parse(int.stdout)).toMatchObject({address: 10, type: 'int', size: 36, len: null, name: null, children: [], parents: [11], total_size: 36});
		const list = JSON.parse((await runCli(['show', file, '0xb', '--json'])).stdout) as Record<string, unknown>;
		expect(list).toMatchObject({address: 11, type: 'list', len: 1, value: null, children: [10, 999], parents: [12], total_size: 108});
		const module = JSON.parse((await runCli(['show', file, '12', '--json'])).stdout) as Record<string, unknown>;
		expect(module).toMatchObject({name: 'app', value: null});
	});

	it('says when the address is not in the dump (exit 1) or not an address (exit 2)', async () => {
		const missing = await runCli(['show', example, '424242']);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toBe(`meliae-tui: ${example}: no object at address 424242 (0x67932)\n`);
		const bad = await runCli(['show', example, 'nope']);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/not an address: nope/);
	});

	it('limits long reference lists', async () => {
		const refs = Array.from({length: 300}, (_, i) => 1000 + i);
		const file = writeDump(dumpText([{address: 1, type: 'list', size: 2456, len: 300, refs}, ...refs.map(address => ({address, type: 'int', size: 28, value: address}))]));
		const result = await runCli(['show', file, '1', '--limit', '5']);
		expect(result.stdout).toContain('children (300):');
		expect(result.stdout).toContain('  ... 295 more');
	});
});

describe('meliae-tui without a terminal', () => {
	it('refuses to open the explorer and points to the commands', async () => {
		const result = await runCli([example]);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/needs a terminal.*summarize.*show/);
	});

	it('prints usage for no arguments', async () => {
		const result = await runCli([]);
		expect(result.code).toBe(2);
		expect(result.stdout + result.stderr).toMatch(/Usage/);
	});
});
