/**
 * Without a terminal (piped output, CI) the explorer refuses in one line,
 * pointing to the commands meant for scripts, and exits 2.
 */

import {existsSync} from 'node:fs';
import {describe, expect, test} from 'vitest';
import {cliPath, runCli} from '../helpers/cli.js';
import {writeExplorerDump} from '../helpers/ui-dumps.js';

describe.skipIf(!existsSync(cliPath))('explorer without a terminal', () => {
	test('one line, exit 2, nothing on standard output', async () => {
		const result = await runCli([writeExplorerDump()]);
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr).toBe('meliae-tui: the explorer needs a terminal, and standard output is not one; for scripts use "meliae-tui summarize DUMP" or "meliae-tui show DUMP ADDRESS"\n');
	});
});
