/** Run the built CLI (dist/cli.js) as a user would, without a terminal. */

import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export type CliResult = {code: number | null; stdout: string; stderr: string};

export async function runCli(args: readonly string[], options: {input?: string | Uint8Array; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [cliPath, ...args], {
			env: {...process.env, NO_COLOR: '1', ...options.env},
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (data: string) => {
			stdout += data;
		});
		child.stderr.setEncoding('utf8').on('data', (data: string) => {
			stderr += data;
		});
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`meliae-tui ${args.join(' ')} did not finish`));
		}, options.timeoutMs ?? 30_000);
		child.on('error', reject);
		child.on('close', code => {
			clearTimeout(timer);
			resolve({code, stdout, stderr});
		});
		child.stdin.end(options.input ?? '');
	});
}
