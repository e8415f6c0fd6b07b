/**
 * The commands' text output in a non-UTF-8 locale: ASCII only, dump text
 * escaped as Python's ascii() escapes it, the tables' glyphs from the ASCII
 * table; in a UTF-8 locale the same text raw. Also through the CLI: a
 * literal backslash sequence in a type name is escaped, and summary
 * columns stay aligned with sizes of 10^8 bytes and more.
 *
 * Runs the build (npm test builds first).
 */

import {existsSync} from 'node:fs';
import {describe, expect, test} from 'vitest';
import {cliPath, runCli} from '../../helpers/cli.js';
import {type DumpObject, dumpText, writeDump} from '../../helpers/dump-lines.js';

const EMOJI = '🙂👍🏽👨‍👩‍👧‍👦🇯🇵';

function objects(extra: DumpObject[] = []): DumpObject[] {
	return [
		{address: 1000, type: 'module', size: 88, name: 'app', refs: [1016]},
		{address: 1016, type: 'dict', size: 100, len: 2, refs: [1032, 7000, 1048, 7016]},
		{address: 1032, type: 'str', size: 50, len: 4, value: 'user'},
		{address: 1048, type: 'str', size: 50, len: 3, value: 'clé'},
		{address: 7000, type: 'str', size: 200, len: 14, value: `${EMOJI} café…`},
		{address: 7016, type: `Typé\\x1b${EMOJI}`, size: 123_456_789},
		...extra,
	];
}

describe.skipIf(!existsSync(cliPath))('command output and the locale', () => {
	const first = writeDump(dumpText(objects()));
	const second = writeDump(dumpText(objects([{address: 7032, type: `Typé\\x1b${EMOJI}`, size: 1_000_000_000}])));
	const commands = [
		['summarize', second],
		['show', second, '7000'],
		['show', second, '1000'],
		['path', second, '7000'],
		['top', second],
		['diff', first, second],
		['trend', first, second],
		['report', second, first],
	];

	test('LANG=C, LC_ALL=C or an ISO-8859-1 LC_CTYPE: ASCII only, on standard output and standard error', async () => {
		const runs: Array<[Record<string, string>, string[][]]> = [
			[{LANG: 'C'}, commands],
			[{LC_ALL: 'C', LANG: 'en_US.UTF-8'}, commands.slice(1, 2)],
			[{LC_CTYPE: 'en_US.ISO-8859-1', LANG: 'C.UTF-8'}, commands.slice(5, 6)],
		];
		for (const [env, list] of runs) {
			for (const args of list) {
				// eslint-disable-next-line no-await-in-loop
				const result = await runCli(args, {env: {LC_ALL: '', LC_CTYPE: '', ...env}});
				expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
				expect(result.stdout + result.stderr, `${JSON.stringify(env)} ${args[0]}`).toMatch(/^[\x20-\x7e\n]*$/);
			}
		}

		const show = await runCli(['show', second, '1000'], {env: {LC_ALL: 'C'}});
		expect(show.stdout).toContain('str(7000 200B 1par \'\\U0001f642\\U0001f44d\\U0001f3fd\\U0001f468\\u200d\\U0001f469\\u200d\\U0001f467\\u200d\\U0001f466\\U0001f1ef\\U0001f1f5 caf\\xe9\\u2026\')');
		expect(show.stdout).toContain('str(1048 50B 1par \'cl\\xe9\')');
		const diff = await runCli(['diff', first, second], {env: {LC_ALL: 'C'}});
		expect(diff.stdout).toContain('dcount');
		const path = await runCli(['report', second, first], {env: {LC_ALL: 'C'}});
		expect(path.stdout).not.toContain('clé');
	});

	test('a UTF-8 locale: dump text as it is, only controls and backslashes escaped', async () => {
		const show = await runCli(['show', second, '1000'], {env: {LC_ALL: '', LC_CTYPE: '', LANG: 'en_US.UTF-8'}});
		// repr() escapes the joiners of a str value, as Python does.
		expect(show.stdout).toContain('str(7000 200B 1par \'🙂👍🏽👨\\u200d👩\\u200d👧\\u200d👦🇯🇵 café…\')');
		// A type name keeps its emoji sequence whole; its literal backslash is doubled.
		expect(show.stdout).toContain(`Typé\\\\x1b${EMOJI}(7016 123456789B 1par)`);
		const diff = await runCli(['diff', first, second], {env: {LC_ALL: '', LC_CTYPE: '', LANG: 'en_US.UTF-8'}});
		expect(diff.stdout).toContain('Δcount');
	});

	test('summarize: a literal \\x1b in a type name is escaped, unlike a real ESC; wide sizes stay aligned', async () => {
		const file = writeDump(dumpText([
			{address: 16, type: 'Evil\\x1bType', size: 4_000_000_000},
			{address: 32, type: 'evil\u001BType', size: 150_000_000},
			{address: 48, type: 'int', size: 28},
		]));
		const result = await runCli(['summarize', file], {env: {LANG: 'C.UTF-8'}});
		const lines = result.stdout.trimEnd().split('\n');
		expect(lines[2]).toMatch(/ Evil\\\\x1bType$/);
		expect(lines[3]).toMatch(/ evil\\x1bType$/);
		const ends = (line: string): number[] => Array.from(line.matchAll(/\S+/g), match => match.index + match[0].length);
		for (const row of lines.slice(2)) {
			expect(ends(row).slice(0, 7), `${lines[1]}\n${row}`).toEqual(ends(lines[1]!).slice(0, 7));
		}
	});
});
