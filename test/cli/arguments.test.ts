/**
 * Help and argument checking, through the built command line: help on
 * stdout with exit 0, every usage error one line on stderr naming the
 * word, exit 2, and never a run of the command.
 */

import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {parseArguments} from '../../source/commands/arguments.js';
import {COMMANDS, EXPLORER} from '../../source/commands/table.js';
import {runCli} from '../helpers/cli.js';

const demo = fileURLToPath(new URL('../../fixtures/demo/demo-3.json.gz', import.meta.url));
const names = COMMANDS.map(command => command.name!);

function expectUsageError(result: {code: number | null; stdout: string; stderr: string}, word: string): void {
	expect(result.code).toBe(2);
	expect(result.stdout).toBe('');
	const lines = result.stderr.split('\n').filter(line => line !== '');
	expect(lines).toHaveLength(1);
	expect(lines[0]).toMatch(/^meliae-tui: /);
	expect(lines[0]).toContain(word);
}

describe('meliae-tui --help', () => {
	it.each(['--help', '-h'])('%s lists every command on stdout, exit 0', async flag => {
		const result = await runCli([flag]);
		expect(result.code).toBe(0);
		expect(result.stderr).toBe('');
		for (const name of names) {
			expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
		}

		// The explorer has no command word: its options are in the main help.
		for (const option of EXPLORER.options) {
			expect(result.stdout).toContain(`  --${option.flag}`);
			expect(result.stdout).toContain(option.help);
		}
	});

	it.each(names)('%s --help: synopsis, every option with its meaning, an example; stdout, exit 0', async name => {
		const command = COMMANDS.find(candidate => candidate.name === name)!;
		for (const flag of ['--help', '-h']) {
			// eslint-disable-next-line no-await-in-loop
			const result = await runCli([name, flag]);
			expect(result.code).toBe(0);
			expect(result.stderr).toBe('');
			const lines = result.stdout.split('\n');
			expect(lines[0]).toBe(`Usage: meliae-tui ${name}${command.args === '' || command.takesProgram ? '' : ` ${command.args}`} [OPTIONS]${command.takesProgram ? ` ${command.args}` : ''}`);
			for (const option of command.options) {
				const line = lines.findIndex(text => text.startsWith(`  --${option.flag}`));
				expect(line, option.flag).toBeGreaterThan(0);
				// The meaning is on the same line or, for a long name, the next.
				expect(`${lines[line]} ${lines[line + 1]}`).toContain(option.help);
			}

			const example = lines.indexOf('Example');
			expect(lines[example + 1]).toBe(`  $ meliae-tui ${command.example}`);
			for (const line of lines) {
				expect(line.length, line).toBeLessThanOrEqual(80);
			}
		}
	});

	it('fits 80 columns', async () => {
		const result = await runCli(['--help']);
		for (const line of result.stdout.split('\n')) {
			expect(line.length, line).toBeLessThanOrEqual(80);
		}
	});

	it('help for a command wins over its other arguments', async () => {
		const result = await runCli(['summarize', 'no-such-file', '--limit', 'x', '--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^Usage: meliae-tui summarize DUMP/);
	});

	it('the examples in the help run', async () => {
		for (const [args, code] of [[['summarize', demo, '--limit', '5'], 0], [['show', demo, '140678141815248'], 0]] as const) {
			// eslint-disable-next-line no-await-in-loop
			const result = await runCli(args);
			expect(result.stderr).toBe('');
			expect(result.code).toBe(code);
		}

		expect(COMMANDS.find(command => command.name === 'summarize')!.example).toBe('summarize fixtures/demo/demo-3.json.gz --limit 5');
		expect(COMMANDS.find(command => command.name === 'show')!.example).toBe('show fixtures/demo/demo-3.json.gz 140678141815248');
	});

	it('--version prints the package version', async () => {
		const result = await runCli(['--version']);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
	});
});

describe('usage errors: exit 2, one line naming the word', () => {
	it('an unknown flag', async () => {
		expectUsageError(await runCli(['summarize', demo, '--bogus']), '--bogus');
	});

	it('an unknown flag with an ESC in it is escaped', async () => {
		const result = await runCli(['summarize', demo, '--\u001B[31mred']);
		expectUsageError(result, '--\\x1b[31mred');
		expect(result.stderr).not.toContain('\u001B');
	});

	it('a flag of another command', async () => {
		expectUsageError(await runCli(['show', demo, '1', '--by', 'size']), '--by');
		expectUsageError(await runCli(['python-path', '--json']), '--json');
	});

	it.each([['--limit', '1', '--limit', '2'], ['--from', '1', '--from', '2']])('a repeated flag (%s)', async (...flags) => {
		expectUsageError(await runCli(['summarize', demo, ...flags]), flags[0]!);
	});

	it('an extra argument', async () => {
		expectUsageError(await runCli(['summarize', demo, 'extra']), 'extra');
		expectUsageError(await runCli(['show', demo, '1', 'more']), 'more');
		expectUsageError(await runCli(['diff', demo, demo, demo, 'fourth']), 'fourth');
		expectUsageError(await runCli(['python-path', 'x']), 'x');
		const run = await runCli(['run', 'python3', 'app.py']);
		expectUsageError(run, 'python3');
		expect(run.stderr).toContain('after "--"');
	});

	it('--exclude without --from', async () => {
		expectUsageError(await runCli(['summarize', demo, '--exclude', '1,2']), '--exclude');
	});

	it('a missing argument names it', async () => {
		expectUsageError(await runCli(['show', demo]), 'ADDRESS');
		expectUsageError(await runCli(['summarize']), 'DUMP');
	});

	it('a value outside the choices, and a number that is not one', async () => {
		expectUsageError(await runCli(['summarize', demo, '--by', 'weight']), 'weight');
		expectUsageError(await runCli(['attach', '1', '--method', 'magic']), 'magic');
		expectUsageError(await runCli(['summarize', demo, '--limit', 'ten']), 'ten');
	});

	it('"--" only where a program follows', async () => {
		expectUsageError(await runCli(['summarize', demo, '--', 'x']), '--');
	});

	it('a mistyped command word', async () => {
		expectUsageError(await runCli(['sumarize', demo]), 'sumarize');
	});

	it('short flags other than -h', async () => {
		expectUsageError(await runCli(['summarize', demo, '-l', '5']), '-l');
	});
});

describe('the flag table', () => {
	it('gives the commands their flags as they read them', () => {
		const parsed = parseArguments(['summarize', 'd', '--limit', '5', '--no-collapse', '--from', '0x10', '--exclude', '1,2']);
		expect(parsed).toEqual({
			kind: 'run',
			command: COMMANDS[0],
			input: ['d'],
			flags: {collapse: false, limit: 5, from: '0x10', exclude: '1,2'},
			rest: [],
		});
	});

	it('keeps what follows -- for run, and accepts every attach flag', () => {
		const run = parseArguments(['run', '--dir', 'd', '--', 'python3', '--limit', '-x']);
		expect(run).toMatchObject({kind: 'run', input: [], flags: {dir: 'd'}, rest: ['python3', '--limit', '-x']});
		const attach = parseArguments(['attach', '12', '--out', 'f', '--open', '--method', 'gdb', '--timeout', '5']);
		expect(attach).toMatchObject({kind: 'run', input: ['12'], flags: {out: 'f', open: true, method: 'gdb', timeout: 5}});
	});

	it('reads DUMP... without a command word as the explorer', () => {
		expect(parseArguments(['a.json', 'b.json', '--keep-order'])).toMatchObject({kind: 'run', command: EXPLORER, input: ['a.json', 'b.json'], flags: {keepOrder: true}});
	});

	it('names each option once per command', () => {
		for (const command of [EXPLORER, ...COMMANDS]) {
			const flags = command.options.map(option => option.flag);
			expect(new Set(flags).size).toBe(flags.length);
		}
	});
});
