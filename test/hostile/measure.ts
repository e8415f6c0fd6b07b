/**
 * Runs the built CLI on odd input the way a user would, with a time limit,
 * and checks what every such run must satisfy: a documented exit code, each
 * line on stderr prefixed and naming the file, no stack trace, no internal
 * error, and a peak RSS below a bound (measured by /usr/bin/time).
 */

import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'vitest';
import {cliPath} from '../helpers/cli.js';

export const TIME = '/usr/bin/time';
/** The CLI under test (MELIAE_HOSTILE_CLI: another build, to check that these tests fail on it). */
const cli = process.env['MELIAE_HOSTILE_CLI'] ?? cliPath;
export const haveTime = existsSync(TIME);
/** How to start it: through its launcher line when it has one (an older build may not). */
const starter = existsSync(cli) && readFileSync(cli, 'utf8').startsWith('#!/bin/sh\n') ? '/bin/sh' : process.execPath;

export type Measured = {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	/** Peak resident set size in bytes (undefined without /usr/bin/time). */
	peakRss: number | undefined;
	ms: number;
};

/**
 * Run `meliae-tui ARGS` as the installed command runs (its launcher line,
 * through the shell); kills it and all it started (and fails) after timeoutMs.
 */
export async function runMeasured(args: readonly string[], options: {timeoutMs?: number; stdin?: 'ignore'} = {}): Promise<Measured> {
	const scratch = mkdtempSync(join(tmpdir(), 'meliae-rss-'));
	const rssFile = join(scratch, 'rss');
	const [command, argv] = haveTime
		? [TIME, ['-f', '%M', '-o', rssFile, starter, cli, ...args]]
		: [starter, [cli, ...args]];
	const started = performance.now();
	try {
		return await new Promise<Measured>((resolve, reject) => {
			const child = spawn(command, argv, {
				env: {...process.env, NO_COLOR: '1', MELIAE_TUI_DEBUG: ''},
				stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
				// Its own process group, so that a kill reaches node and not only /usr/bin/time.
				detached: true,
			});
			let stdout = '';
			let stderr = '';
			child.stdout.setEncoding('utf8').on('data', (data: string) => {
				// Only the start matters (a cut value is 1 MiB); the rest is not kept.
				if (stdout.length < 4_000_000) {
					stdout += data;
				}
			});
			child.stderr.setEncoding('utf8').on('data', (data: string) => {
				stderr += data;
			});
			const timer = setTimeout(() => {
				try {
					process.kill(-child.pid!, 'SIGKILL');
				} catch {
					child.kill('SIGKILL');
				}

				reject(new Error(`meliae-tui ${args.join(' ')}: still running after ${options.timeoutMs ?? 20_000} ms\n${stderr}`));
			}, options.timeoutMs ?? 20_000);
			child.on('error', reject);
			child.on('close', (code, signal) => {
				clearTimeout(timer);
				let peakRss: number | undefined;
				if (haveTime && existsSync(rssFile)) {
					const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
					peakRss = Number.isFinite(kb) ? kb * 1024 : undefined;
				}

				resolve({code, signal, stdout, stderr, peakRss, ms: performance.now() - started});
			});
		});
	} finally {
		rmSync(scratch, {recursive: true, force: true});
	}
}

export type Expectation = {
	/** The exit codes allowed. */
	codes: readonly number[];
	/** Text every line on stderr must contain (the file's name as shown). */
	names: string;
	/** Peak RSS bound in bytes. */
	maxRss: number;
	/** When the exit code is 2: exactly one line on stderr. */
	oneLineOnRefusal?: boolean;
};

/** The assertions every hostile run must pass. */
export function expectBehaved(what: string, result: Measured, expectation: Expectation): void {
	const context = `${what}: exit ${result.code}, signal ${result.signal}\n${result.stderr}`;
	expect(result.signal, context).toBeNull();
	expect(expectation.codes, context).toContain(result.code);
	expect(result.stderr, context).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
	expect(result.stderr, context).not.toMatch(/internal error|Error:|Maximum call stack|heap out of memory/);
	const lines = result.stderr.split('\n').filter(line => line.trim() !== '');
	for (const line of lines) {
		expect(line, context).toMatch(/^meliae-tui: /);
	}

	if (result.code === 2 && (expectation.oneLineOnRefusal ?? true)) {
		expect(lines, context).toHaveLength(1);
		expect(lines[0], context).toContain(expectation.names);
	}

	for (const line of lines.filter(line => line.startsWith('meliae-tui: warning'))) {
		expect(line, context).toContain(expectation.names);
	}

	if (result.peakRss !== undefined) {
		expect(result.peakRss, `${context}\npeak RSS ${Math.round(result.peakRss / 1024 / 1024)} MB`).toBeLessThan(expectation.maxRss);
	}
}
