/**
 * Running the bench's child processes: wall clock from spawn to exit,
 * standard output and error kept, and the peak RSS reported by the
 * peak-rss.js hook when asked for.
 */

import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The built hook (beside this file in dist/, or in dist/ when this runs from the sources). */
const hookFile = existsSync(join(here, 'peak-rss.js')) ? join(here, 'peak-rss.js') : join(here, '..', '..', 'dist', 'bench', 'peak-rss.js');
const hookUrl = pathToFileURL(hookFile).href;
/** What peak-rss.js writes before the bytes. */
export const PEAK_RSS_MARKER = 'meliae-bench-peak-rss';

export type ChildResult = {
	readonly code: number | null;
	readonly signal: NodeJS.Signals | null;
	readonly stdout: string;
	readonly stderr: string;
	/** Spawn to exit, process start included. */
	readonly wallMs: number;
	/** From the hook (node children started with `peakRss`), else NaN. */
	readonly maxRssBytes: number;
};

export type ChildOptions = {
	/** Run `node --import peak-rss.js ARGS...` (args start with the script). */
	readonly peakRss?: boolean;
	readonly env?: NodeJS.ProcessEnv;
	/** Standard error goes to ours as it comes (progress), besides being kept. */
	readonly showStderr?: boolean;
	/** Kill after this many milliseconds (a hang must not stop the bench). */
	readonly timeoutMs?: number;
};

const MARKER_LINE = new RegExp(`\\n?${PEAK_RSS_MARKER} (\\d+)\\n?`);

export async function runChild(command: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildResult> {
	const fullArgs = options.peakRss === true ? ['--import', hookUrl, ...args] : [...args];
	return new Promise((resolvePromise, reject) => {
		const started = performance.now();
		const child = spawn(command, fullArgs, {stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8');
		child.stderr.setEncoding('utf8');
		child.stdout.on('data', (chunk: string) => {
			// Commands may print a lot (diff); only the end matters.
			stdout = (stdout + chunk).slice(-1_000_000);
		});
		child.stderr.on('data', (chunk: string) => {
			stderr = (stderr + chunk).slice(-1_000_000);
			if (options.showStderr === true && !chunk.includes(PEAK_RSS_MARKER)) {
				process.stderr.write(chunk);
			}
		});
		const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
			child.kill('SIGKILL');
		}, options.timeoutMs);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			const wallMs = performance.now() - started;
			if (timer !== undefined) {
				clearTimeout(timer);
			}

			const match = MARKER_LINE.exec(stderr);
			resolvePromise({
				code,
				signal,
				stdout,
				stderr: match === null ? stderr : stderr.replace(MARKER_LINE, ''),
				wallMs,
				maxRssBytes: match === null ? Number.NaN : Number(match[1]),
			});
		});
	});
}

/** ": " and the line of a child's standard error that says what went wrong (not a stack frame), or nothing. */
export function errorLine(stderr: string): string {
	const lines = stderr.trim().split('\n').map(line => line.trim()).filter(line => line !== '' && !line.startsWith('at ') && !line.startsWith('Node.js v'));
	const line = lines.find(candidate => /error/i.test(candidate)) ?? lines.at(-1);
	return line === undefined ? '' : `: ${line}`;
}

/** The child's last non-empty line of standard output, parsed as JSON; throws when it failed. */
export function lastJson<T>(what: string, result: ChildResult): T {
	if (result.code !== 0) {
		const reason = result.signal === null ? `exited with ${result.code}` : `killed by ${result.signal}`;
		throw new Error(`${what} ${reason}${errorLine(result.stderr)}`);
	}

	const last = result.stdout.trimEnd().split('\n').at(-1) ?? '';
	try {
		return JSON.parse(last) as T;
	} catch {
		throw new Error(`${what}: no JSON figures in its output`);
	}
}
