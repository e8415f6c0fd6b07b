/** Run the built CLI (dist/cli.js) as a user would, without a terminal. */

import {fileURLToPath} from 'node:url';
import {run} from './process.js';

export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export type CliResult = {code: number | null; stdout: string; stderr: string};

export async function runCli(args: readonly string[], options: {input?: string | Uint8Array; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<CliResult> {
	return run(process.execPath, [cliPath, ...args], {
		env: {...process.env, NO_COLOR: '1', ...options.env},
		input: options.input,
		timeoutMs: options.timeoutMs ?? 30_000,
	});
}
