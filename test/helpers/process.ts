/** Run a program to completion, collecting what it prints. */

import {spawn} from 'node:child_process';

export type Finished = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

/** Run a program to completion. */
export async function run(command: string, args: readonly string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Uint8Array; timeoutMs?: number} = {}): Promise<Finished> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe']});
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
			reject(new Error(`${command} ${args.join(' ')} timed out\n${stderr}`));
		}, options.timeoutMs ?? 25_000);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code, signal, stdout, stderr});
		});
		child.stdin.end(options.input ?? '');
	});
}
