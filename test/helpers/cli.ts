/** Run the built CLI (dist/cli.js) as a user would, without a terminal. */

import {fileURLToPath} from 'node:url';
import {NODE_FLAGS} from '../../source/core/util/tuning.js';
import {run} from './process.js';

/** What the launcher line gives node (see source/cli.tsx): tests that start node themselves pass them too. */
export {NODE_FLAGS} from '../../source/core/util/tuning.js';

export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export type CliResult = {code: number | null; stdout: string; stderr: string};

export async function runCli(args: readonly string[], options: {input?: string | Uint8Array; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<CliResult> {
	return run(process.execPath, [...NODE_FLAGS, cliPath, ...args], {
		env: {...process.env, NO_COLOR: '1', ...options.env},
		input: options.input,
		timeoutMs: options.timeoutMs ?? 30_000,
	});
}
