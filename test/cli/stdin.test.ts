/**
 * `summarize -` with a terminal on standard input says it is waiting for a
 * dump there, instead of waiting silently; with a pipe it says nothing.
 */

import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {exampleDump} from '../helpers/meliae-fixtures.js';
import {hasTmux, TmuxSession} from '../ui/tmux.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

describe('a dump on standard input', () => {
	it('from a pipe: no notice', async () => {
		const result = await runCli(['summarize', '-', '--json'], {input: exampleDump.join('\n')});
		expect(result.code).toBe(0);
		expect(result.stderr).toBe('');
	});

	describe.skipIf(!hasTmux())('from a terminal', () => {
		let session: TmuxSession | undefined;
		afterEach(() => {
			session?.kill();
		});

		it('says it is waiting for a dump there; Ctrl-D ends the input', async () => {
			if (!existsSync(cli)) {
				execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {stdio: 'inherit'});
			}

			session = new TmuxSession('stdin', 80, 24, {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', TERM: 'xterm-256color', PS1: 'e2e$ '});
			await session.waitFor('e2e$');
			session.type(`sh ${cli} summarize -; echo "EXIT=$?"`);
			session.keys('Enter');
			const screen = await session.waitFor('waiting for a dump on standard input');
			expect(screen).not.toMatch(/^EXIT=/m);
			session.keys('C-d');
			// Nothing came: an empty dump is bad input.
			await session.waitFor(/^EXIT=2$/m);
		}, 30_000);
	});
});
