/**
 * How `watch` takes one dump: through attach's machinery (ptrace, gdb or
 * sys.remote_exec into a running process), or, for a program it started
 * under the dump hook, by a signal, then waiting for the hook's sidecar.
 */

import {type ChildProcess, spawn} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {constants} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {removeDump} from './rotation.js';

export type Captured =
	| {readonly ok: true; readonly file: string; readonly pauseMs: number | undefined; readonly objects: number | undefined}
	| {readonly ok: false; readonly reason: 'gone' | 'interrupted' | 'failed'; readonly message: string};

export type Capturer = {
	readonly pid: number;
	/** Take one dump into `dir`. */
	capture(): Promise<Captured>;
	alive(): boolean;
	/** Resolves true once the target can be dumped (the hook's handler is installed). */
	ready(timeoutSeconds: number): Promise<boolean>;
	/** What ended the target, once it is gone (for the last line). */
	ending(): string;
	/** Stop what watch started (the program), removing partial dumps; resolves when done. */
	close(): Promise<void>;
};

/**
 * Whether a process with this id exists (it may be someone else's) and has
 * not exited: a zombie, not yet reaped by its parent, is gone.
 */
export function processExists(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EPERM') {
			return false;
		}
	}

	try {
		// The state follows the command name in parentheses, which may hold anything.
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
	} catch {
		return true;
	}
}

/** Whether process `pid` has a handler for signal `number` (SigCgt in /proc/PID/status). */
export function catches(pid: number, number: number): boolean {
	try {
		const found = /^SigCgt:\s+([\da-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return found !== null && ((BigInt(`0x${found[1]!}`) >> BigInt(number - 1)) & 1n) === 1n;
	} catch {
		return false;
	}
}

/** `20261130-065854` in local time, as the dump hook names its files. */
function stamp(date: Date): string {
	const two = (value: number): string => String(value).padStart(2, '0');
	return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

/** `DIR/meliae-PID-TIME[-k].json.gz`, not taken yet. */
export function dumpName(dir: string, pid: number, date: Date): string {
	const base = path.join(dir, `meliae-${pid}-${stamp(date)}`);
	for (let k = 0; ; k++) {
		const file = `${base}${k === 0 ? '' : `-${k}`}.json.gz`;
		if (!existsSync(file) && !existsSync(`${file}.meta.json`)) {
			return file;
		}
	}
}

/** What attach reports for one dump (the fields watch reads of meliae_attach.py's line). */
export type AttachOutcome = {
	readonly ok: boolean;
	readonly out?: string;
	readonly stopped_ms?: number;
	readonly objects?: number;
	readonly reason?: string;
	readonly error?: string;
};

/** Dumps of a running process, by attach: `attach(out)` dumps it into `out` (commands/attach.ts does the work). */
export function attachCapturer(pid: number, dir: string, attach: (out: string) => Promise<AttachOutcome>): Capturer {
	return {
		pid,
		async capture() {
			const out = dumpName(dir, pid, new Date());
			const report = await attach(out);
			if (report.ok && report.out !== undefined) {
				return {ok: true, file: report.out, pauseMs: report.stopped_ms, objects: report.objects};
			}

			// The attacher removes what it wrote; a leftover is removed all the same.
			removeDump(out);
			if (report.reason === 'interrupted') {
				return {ok: false, reason: 'interrupted', message: 'interrupted'};
			}

			return {ok: false, reason: processExists(pid) ? 'failed' : 'gone', message: report.error ?? report.reason ?? 'unknown error'};
		},
		alive: () => processExists(pid),
		ready: async () => true,
		ending: () => 'it exited',
		async close() {},
	};
}

type HookMeta = {objects?: number; dump_seconds?: number};

/**
 * Start `argv` under the dump hook (as `run` does: `hookEnv` is run's
 * environment for it, dumping into `dir` on `signal`), its standard output
 * sent to our standard error so that ours holds only what watch writes.
 * Resolves once it has started, or with the error that stopped it.
 */
export async function programCapturer(argv: readonly string[], dir: string, hookEnv: NodeJS.ProcessEnv, signal: string, timeoutSeconds: number): Promise<Capturer | Error> {
	let child: ChildProcess;
	try {
		child = spawn(argv[0]!, argv.slice(1), {stdio: ['ignore', process.stderr, process.stderr], env: hookEnv});
	} catch (error) {
		return error as Error;
	}

	const started = await new Promise<Error | undefined>(resolve => {
		child.once('spawn', () => {
			resolve(undefined);
		});
		child.once('error', resolve);
	});
	if (started !== undefined) {
		return started;
	}

	const pid = child.pid!;
	let exit: string | undefined;
	const exited = new Promise<void>(resolve => {
		child.once('exit', (code, sig) => {
			exit = sig === null ? `it exited with code ${code}` : `it was ended by ${sig}`;
			resolve();
		});
	});
	const prefix = `meliae-${pid}-`;
	const metas = (): Set<string> => new Set(readdirSync(dir).filter(name => name.startsWith(prefix) && name.endsWith('.meta.json')));
	// Hook dumps that never got their sidecar (the program ended mid-dump).
	const removePartial = (): void => {
		const names = readdirSync(dir);
		for (const name of names) {
			if (name.startsWith(prefix) && name.endsWith('.json.gz') && !names.includes(`${name}.meta.json`)) {
				removeDump(path.join(dir, name));
			}
		}
	};

	return {
		pid,
		async capture() {
			const before = metas();
			try {
				process.kill(pid, `SIG${signal}` as NodeJS.Signals);
			} catch {
				return {ok: false, reason: 'gone', message: 'the program is gone'};
			}

			const deadline = Date.now() + (timeoutSeconds * 1000);
			for (;;) {
				const fresh = [...metas()].find(name => !before.has(name));
				if (fresh !== undefined) {
					const metaFile = path.join(dir, fresh);
					let meta: HookMeta | undefined;
					try {
						meta = JSON.parse(readFileSync(metaFile, 'utf8')) as HookMeta;
					} catch {}

					if (meta !== undefined) {
						return {
							ok: true,
							file: metaFile.slice(0, -'.meta.json'.length),
							pauseMs: meta.dump_seconds === undefined ? undefined : Math.round(meta.dump_seconds * 1000 * 100) / 100,
							objects: meta.objects,
						};
					}
				}

				if (exit !== undefined) {
					removePartial();
					return {ok: false, reason: 'gone', message: exit};
				}

				if (Date.now() > deadline) {
					return {ok: false, reason: 'failed', message: `no dump after ${timeoutSeconds} s (is the program busy in C code, or does it handle SIG${signal} itself?)`};
				}

				// eslint-disable-next-line no-await-in-loop
				await new Promise(resolve => {
					setTimeout(resolve, 25);
				});
			}
		},
		alive: () => exit === undefined,
		async ready(timeout) {
			const number = (constants.signals as Record<string, number>)[`SIG${signal}`]!;
			const deadline = Date.now() + (timeout * 1000);
			while (exit === undefined && Date.now() < deadline) {
				if (catches(pid, number)) {
					return true;
				}

				// eslint-disable-next-line no-await-in-loop
				await new Promise(resolve => {
					setTimeout(resolve, 25);
				});
			}

			return false;
		},
		ending: () => exit ?? 'it exited',
		async close() {
			if (exit === undefined) {
				child.kill('SIGTERM');
				const timer = setTimeout(() => {
					child.kill('SIGKILL');
				}, 5000);
				await exited;
				clearTimeout(timer);
			}

			removePartial();
		},
	};
}
