/**
 * Helpers for tests that run real Python processes: which interpreters to
 * test, running a program, and checking dump lines without the loader.
 */

import {type ChildProcessWithoutNullStreams, execFileSync, spawn} from 'node:child_process';
import {existsSync, readFileSync, realpathSync} from 'node:fs';
import {delimiter, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gunzipSync} from 'node:zlib';
import {afterEach, inject} from 'vitest';
import {run} from '../helpers/process.js';
import {makeScratchDir} from '../helpers/scratch.js';

export {type Finished, run} from '../helpers/process.js';

export const pythonDir = fileURLToPath(new URL('../../python', import.meta.url));
export const programsDir = fileURLToPath(new URL('programs', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type Interpreter = {label: string; exe: string; version: string};

function probe(command: string): Interpreter | undefined {
	try {
		const out = execFileSync(command, ['-c', 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])'], {encoding: 'utf8', timeout: 20_000});
		const [exe, version] = out.trim().split('\n');
		if (!exe || !version) {
			return undefined;
		}

		return {label: `${command} (${version})`, exe: realpathSync(exe), version};
	} catch {
		return undefined;
	}
}

let cached: Interpreter[] | undefined;

/** The shared CPython 3.13 the global set-up extracted (shared-python.ts), if any. */
function sharedPython(): string[] {
	try {
		const exe = inject('sharedPython');
		return exe ? [exe] : [];
	} catch {
		return []; // not under vitest's runner
	}
}

/**
 * `python3` from PATH, and Debian's /usr/bin/python3.11 when it exists and
 * is another interpreter; more from MELIAE_TEST_PYTHONS (a PATH-style list);
 * and the shared CPython 3.13 build when the global set-up found it.
 * Versions before 3.8 are left out.
 */
export function interpreters(): Interpreter[] {
	if (cached === undefined) {
		const found: Interpreter[] = [];
		const extra = (process.env['MELIAE_TEST_PYTHONS'] ?? '').split(delimiter).filter(Boolean);
		const shared = sharedPython();
		for (const command of ['python3', '/usr/bin/python3.11', ...extra, ...shared]) {
			if (command.startsWith('/') && !existsSync(command)) {
				continue;
			}

			const interpreter = probe(command);
			if (interpreter !== undefined && shared.includes(command)) {
				interpreter.label = `shared CPython build (${interpreter.version})`;
			}

			if (interpreter === undefined || found.some(other => other.exe === interpreter.exe)) {
				continue;
			}

			const [major, minor] = interpreter.version.split('.').map(Number);
			if (major === 3 && minor! >= 8) {
				found.push(interpreter);
			}
		}

		cached = found;
	}

	return cached;
}

export function scratchDir(prefix = 'meliae-capture-'): string {
	return makeScratchDir(prefix);
}

/** A running process whose output we can wait on line by line. */
export class Live {
	readonly child: ChildProcessWithoutNullStreams;
	stdout = '';
	stderr = '';
	readonly exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;

	constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
		this.child = spawn(command, args, {env, stdio: ['pipe', 'pipe', 'pipe']});
		this.child.stdout.setEncoding('utf8').on('data', (data: string) => {
			this.stdout += data;
		});
		this.child.stderr.setEncoding('utf8').on('data', (data: string) => {
			this.stderr += data;
		});
		this.exited = new Promise(resolve => {
			this.child.on('close', (code, signal) => {
				resolve({code, signal});
			});
		});
	}

	get pid(): number {
		return this.child.pid!;
	}

	/** Wait until `predicate` holds for the output so far. */
	async waitFor(predicate: (live: Live) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!predicate(this)) {
			if (Date.now() > deadline) {
				throw new Error(`timed out waiting for ${what}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 10);
			});
		}
	}

	async send(line: string): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.child.stdin.write(`${line}\n`, error => {
				if (error) {
					reject(error);
				} else {
					resolve();
				}
			});
		});
	}

	kill(): void {
		if (this.child.exitCode === null && this.child.signalCode === null) {
			this.child.kill('SIGKILL');
		}
	}
}

export async function waitForFile(file: string, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!existsSync(file)) {
		if (Date.now() > deadline) {
			throw new Error(`${file} did not appear`);
		}

		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			setTimeout(resolve, 20);
		});
	}
}

export function readDumpText(file: string): string {
	const bytes = readFileSync(file);
	return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}

export type DumpLine = {
	address: number;
	type: string;
	size: number;
	name?: string;
	len?: number;
	value?: string | number;
	refs: number[];
	/** Slot names: of a class's instances (type lines), of one instance's first refs (instance lines). */
	slots?: string[];
	/** The line as written. */
	raw: string;
};

export type CheckedDump = {
	lines: DumpLine[];
	byAddress: Map<number, DumpLine>;
	/** References to addresses no line describes. */
	dangling: number;
	/** The first of them, for messages. */
	danglingFrom: string[];
	duplicates: number;
};

const KEY_ORDER = ['address', 'type', 'size', 'name', 'len', 'value', 'refs', 'slots'];

/**
 * Parse every line with JSON.parse and check meliae's shape: keys in the
 * canonical order, address/type/size/refs present with the right types.
 * Throws on the first bad line, naming it.
 */
export function checkDump(text: string): CheckedDump {
	const rows = text.split('\n');
	if (rows.at(-1) === '') {
		rows.pop();
	}

	const lines: DumpLine[] = [];
	const byAddress = new Map<number, DumpLine>();
	let duplicates = 0;
	for (const [index, raw] of rows.entries()) {
		const where = `line ${index + 1}: ${raw.slice(0, 200)}`;
		let parsed: Record<string, unknown>;
		try {
			parsed = JSON.parse(raw) as Record<string, unknown>;
		} catch (error) {
			throw new Error(`not JSON (${(error as Error).message}) at ${where}`);
		}

		const keys = Object.keys(parsed);
		const order = keys.map(key => KEY_ORDER.indexOf(key));
		if (order.includes(-1) || order.some((position, k) => k > 0 && position <= order[k - 1]!)) {
			throw new Error(`keys ${keys.join(',')} out of order at ${where}`);
		}

		const {address, type, size, refs} = parsed;
		if (!Number.isSafeInteger(address) || (address as number) <= 0 || typeof type !== 'string' || !Number.isSafeInteger(size) || (size as number) < 0
			|| !Array.isArray(refs) || !refs.every(ref => Number.isSafeInteger(ref))) {
			throw new Error(`bad field types at ${where}`);
		}

		if (parsed['name'] !== undefined && typeof parsed['name'] !== 'string') {
			throw new Error(`name is not a string at ${where}`);
		}

		if (parsed['len'] !== undefined && !Number.isSafeInteger(parsed['len'])) {
			throw new Error(`len is not an integer at ${where}`);
		}

		if (parsed['slots'] !== undefined && !(Array.isArray(parsed['slots']) && parsed['slots'].every(name => typeof name === 'string'))) {
			throw new Error(`slots is not a list of strings at ${where}`);
		}

		if (parsed['value'] !== undefined && typeof parsed['value'] !== 'string' && typeof parsed['value'] !== 'number') {
			throw new Error(`value is neither string nor number at ${where}`);
		}

		const line = {...parsed, raw} as DumpLine;
		lines.push(line);
		if (byAddress.has(line.address)) {
			duplicates++;
		} else {
			byAddress.set(line.address, line);
		}
	}

	let dangling = 0;
	const danglingFrom: string[] = [];
	for (const line of lines) {
		for (const ref of line.refs) {
			if (!byAddress.has(ref)) {
				dangling++;
				if (danglingFrom.length < 10) {
					danglingFrom.push(`${line.raw.slice(0, 160)} -> ${ref}`);
				}
			}
		}
	}

	return {lines, byAddress, dangling, danglingFrom, duplicates};
}

/** How many lines have each type. */
export function typeCounts(dump: CheckedDump): Map<string, number> {
	const counts = new Map<string, number>();
	for (const line of dump.lines) {
		counts.set(line.type, (counts.get(line.type) ?? 0) + 1);
	}

	return counts;
}

/** Ask meliae_attach.py what would stop an attach to `pid` (undefined: nothing). */
export async function attachBlocker(python: string, pid: number): Promise<string | undefined> {
	const result = await run(python, [join(pythonDir, 'meliae_attach.py'), String(pid), '--check']);
	const report = JSON.parse(result.stdout.trim()) as {ok: boolean; lines: string[]};
	if (report.ok) {
		return undefined;
	}

	return report.lines.filter(line => !line.startsWith('python:') && !line.startsWith('gdb:')).join('; ') || 'attach not possible';
}

/**
 * A `start(command, args, env)` for one test file: each process it starts
 * is killed after the test that started it.
 */
export function startPerTest(): (command: string, args: readonly string[], env?: NodeJS.ProcessEnv) => Live {
	const live: Live[] = [];
	afterEach(() => {
		for (const process_ of live.splice(0)) {
			process_.kill();
		}
	});
	return (command, args, env) => {
		const process_ = new Live(command, args, env);
		live.push(process_);
		return process_;
	};
}
