/**
 * `meliae-tui run [--signal USR2] [--dir D] -- python app.py ...`: run a
 * Python program with the dump hook on PYTHONPATH, so that a signal makes it
 * write a meliae dump into D. Standard streams are inherited; SIGINT, SIGTERM
 * and SIGHUP are passed on to the program, and its exit code is returned.
 */

import {type ChildProcess, spawn} from 'node:child_process';
import {accessSync, closeSync, constants as fsConstants, type FSWatcher, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, realpathSync, rmdirSync, statSync, watch} from 'node:fs';
import {constants} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {NO_TRACEMALLOC_NOTE} from '../core/alloc/meta.js';
import {escapeControls} from '../core/format/escape.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_FAILED} from './context.js';
import {hookDir, pythonDir} from './python-path.js';

const USAGE = 'meliae-tui run [--signal USR2] [--dir D] [--tracemalloc[=FRAMES]] -- python app.py ...';

/** tracemalloc's own limit on frames per traceback. */
const MAX_TRACEMALLOC_FRAMES = 65_535;

/** Signals that cannot be caught, or that the program needs for itself. */
const UNUSABLE_SIGNALS = new Set(['SIGKILL', 'SIGSTOP', 'SIGINT', 'SIGTERM', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGABRT', 'SIGCHLD', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGPIPE', 'SIGHUP']);

/** `USR2`, `SIGUSR2` or `12` → `USR2` (undefined if unknown or unusable). */
export function parseSignal(value: string): string | undefined {
	const text = value.trim().toUpperCase();
	const signals = constants.signals as Record<string, number>;
	let name: string | undefined;
	if (/^\d+$/.test(text)) {
		name = Object.keys(signals).find(key => signals[key] === Number(text));
	} else {
		const full = text.startsWith('SIG') ? text : `SIG${text}`;
		name = full in signals ? full : undefined;
	}

	if (name === undefined || UNUSABLE_SIGNALS.has(name)) {
		return undefined;
	}

	return name.slice(3);
}

/** The environment the program runs with: hook and dumper first on PYTHONPATH. */
export function hookEnvironment(env: NodeJS.ProcessEnv, dir: string, signal: string, tracemallocFrames?: number): NodeJS.ProcessEnv {
	const existing = env['PYTHONPATH'];
	const pythonPath = [hookDir(), pythonDir(), ...(existing ? [existing] : [])].join(path.delimiter);
	return {
		...env,
		PYTHONPATH: pythonPath,
		MELIAE_DUMP_DIR: dir,
		MELIAE_DUMP_SIGNAL: signal,
		...(tracemallocFrames === undefined ? {} : {PYTHONTRACEMALLOC: String(tracemallocFrames)}),
	};
}

/** `--tracemalloc` → 1, `--tracemalloc=N` → N; undefined when not given; a message when not a frame count. */
export function tracemallocFrames(value: unknown): number | undefined | string {
	if (value === undefined || value === false) {
		return undefined;
	}

	if (value === true) {
		return 1;
	}

	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TRACEMALLOC_FRAMES) {
		return `--tracemalloc=FRAMES needs a whole number of frames from 1 to ${MAX_TRACEMALLOC_FRAMES}`;
	}

	return value;
}


function stringFlag(ctx: CommandContext, name: string): string | undefined {
	const value = ctx.flags[name];
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Report each dump the hook finishes (its .meta.json sidecar appears last). */
function watchDumps(dir: string, ctx: CommandContext): FSWatcher | undefined {
	const reported = new Set<string>();
	let notedTracemalloc = false;
	const report = (name: string): void => {
		if (!/^meliae-\d+-.*\.meta\.json$/.test(name) || reported.has(name)) {
			return;
		}

		const metaPath = path.join(dir, name);
		let meta: {objects?: number; dump_seconds?: number; pid?: number; tracemalloc?: {tracing?: boolean; sidecar?: string | null; objects?: number}};
		try {
			meta = JSON.parse(readFileSync(metaPath, 'utf8')) as typeof meta;
		} catch {
			return; // not complete yet: another event follows
		}

		reported.add(name);
		const dump = metaPath.slice(0, -'.meta.json'.length);
		const sites = typeof meta.tracemalloc?.sidecar === 'string' ? `; allocation sites of ${(meta.tracemalloc.objects ?? 0).toLocaleString('en-US')} objects` : '';
		ctx.stderr.write(`meliae-tui: dump written: ${escapeControls(dump)} (pid ${meta.pid ?? '?'}, ${(meta.objects ?? 0).toLocaleString('en-US')} objects, ${(meta.dump_seconds ?? 0).toFixed(2)} s${sites})\n`);
		if (meta.tracemalloc?.tracing === false && !notedTracemalloc) {
			notedTracemalloc = true;
			ctx.stderr.write(`meliae-tui: ${NO_TRACEMALLOC_NOTE}\n`);
		}
	};

	try {
		const watcher = watch(dir, (_event, name) => {
			if (typeof name === 'string') {
				report(name);
			}
		});
		watcher.on('error', () => {
			watcher.close();
		});
		return watcher;
	} catch {
		return undefined;
	}
}

/** What `run` was asked to start, as far as its file tells. */
export type ProgramKind =
	| {readonly kind: 'python'}
	/** A script for another interpreter, or a shell: it may start Python. */
	| {readonly kind: 'wrapper'; readonly interpreter: string}
	| {readonly kind: 'not-python'; readonly file: string}
	/** Not found, unreadable, or neither a script nor a binary: spawning it says why. */
	| {readonly kind: 'unknown'};

const PYTHON_NAME = /^(python|pypy)[\d.]*[a-z]*(\.exe)?$/i;
/** Programs that run other programs: what they start may be Python. */
const WRAPPERS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'env', 'nice', 'nohup', 'time', 'timeout', 'setsid', 'stdbuf', 'taskset', 'sudo', 'su', 'runuser', 'setpriv', 'chrt', 'ionice', 'xvfb-run', 'uv', 'poetry', 'pipenv', 'hatch', 'pdm', 'conda']);

/** The file `command` names: itself when it has a slash, else the first executable on PATH. */
export function resolveProgram(command: string, env: NodeJS.ProcessEnv): string | undefined {
	if (command.includes('/')) {
		return path.resolve(command);
	}

	for (const directory of (env['PATH'] ?? '').split(path.delimiter)) {
		if (directory === '') {
			continue;
		}

		const file = path.join(directory, command);
		try {
			accessSync(file, fsConstants.X_OK);
			if (statSync(file).isFile()) {
				return file;
			}
		} catch {}
	}

	return undefined;
}

/** Whether the file holds `needle` (read in chunks; at most 512 MiB). */
function fileContains(fd: number, needle: Buffer): boolean {
	const chunk = Buffer.alloc(1 << 20);
	let carry = Buffer.alloc(0);
	let position = 0;
	while (position < 512 * 1024 * 1024) {
		const read = readSync(fd, chunk, 0, chunk.length, position);
		if (read === 0) {
			return false;
		}

		const window = Buffer.concat([carry, chunk.subarray(0, read)]);
		if (window.includes(needle)) {
			return true;
		}

		carry = window.subarray(Math.max(0, window.length - needle.length + 1));
		position += read;
	}

	return false;
}

/**
 * Python or not, from the program's name and file (read as data, never
 * run): a name like python3 or pypy; a script whose #! line names Python;
 * a binary with the Python interpreter in it (as python itself, or uwsgi).
 */
export function programKind(command: string, env: NodeJS.ProcessEnv): ProgramKind {
	if (PYTHON_NAME.test(path.basename(command))) {
		return {kind: 'python'};
	}

	const file = resolveProgram(command, env);
	if (file === undefined) {
		return {kind: 'unknown'};
	}

	let real = file;
	try {
		real = realpathSync(file);
	} catch {}

	if (PYTHON_NAME.test(path.basename(real))) {
		return {kind: 'python'};
	}

	let fd: number;
	try {
		if (!statSync(real).isFile()) {
			return {kind: 'unknown'};
		}

		fd = openSync(real, 'r');
	} catch {
		return {kind: 'unknown'};
	}

	try {
		const head = Buffer.alloc(512);
		const length = readSync(fd, head, 0, head.length, 0);
		if (head.subarray(0, 2).toString('latin1') === '#!') {
			const line = head.subarray(2, length).toString('latin1').split('\n')[0]!.trim();
			if (/python|pypy/i.test(line)) {
				return {kind: 'python'};
			}

			const words = line.split(/\s+/);
			const interpreter = path.basename(words[0] ?? '') === 'env' ? (words.find((word, index) => index > 0 && !word.startsWith('-')) ?? 'env') : path.basename(words[0] ?? '');
			return {kind: 'wrapper', interpreter: interpreter || 'sh'};
		}

		if (head.subarray(0, 4).equals(Buffer.from([0x7F, 0x45, 0x4C, 0x46]))) {
			if (fileContains(fd, Buffer.from('Py_Initialize'))) {
				return {kind: 'python'};
			}

			const name = path.basename(command);
			return WRAPPERS.has(name) ? {kind: 'wrapper', interpreter: name} : {kind: 'not-python', file: real};
		}

		return {kind: 'unknown'};
	} finally {
		closeSync(fd);
	}
}

/**
 * `mkdir -p`, one component at a time (Node's recursive mkdir loops forever
 * on a missing path under /proc).
 */
function makeDirectory(dir: string): void {
	try {
		statSync(dir);
		return;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
			throw error;
		}
	}

	const parent = path.dirname(dir);
	if (parent !== dir) {
		makeDirectory(parent);
	}

	try {
		mkdirSync(dir, {mode: 0o700});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
			throw error;
		}
	}
}

/** Create and remove a directory in `dir`: what the dumper will need, checked before the program starts. */
function checkWritable(dir: string): void {
	rmdirSync(mkdtempSync(path.join(dir, '.meliae-tui-check-')));
}

function signalNumber(name: NodeJS.Signals): number {
	return (constants.signals as Record<string, number>)[name] ?? 0;
}

export const main: Command = async ctx => {
	const argv = ctx.rest;
	if (argv.length === 0) {
		ctx.stderr.write(`meliae-tui: nothing to run\nusage: ${USAGE}\n`);
		return EXIT_BAD_INPUT;
	}

	const signalFlag = stringFlag(ctx, 'signal') ?? 'USR2';
	const signal = parseSignal(signalFlag);
	if (signal === undefined) {
		ctx.stderr.write(`meliae-tui: --signal ${JSON.stringify(signalFlag)} is not a signal the program can be sent for dumps (try USR1 or USR2)\n`);
		return EXIT_BAD_INPUT;
	}

	const frames = tracemallocFrames(ctx.flags['tracemalloc']);
	if (typeof frames === 'string') {
		ctx.stderr.write(`meliae-tui: ${frames}\nusage: ${USAGE}\n`);
		return EXIT_BAD_INPUT;
	}

	const dir = path.resolve(stringFlag(ctx, 'dir') ?? process.cwd());
	try {
		makeDirectory(dir);
		if (!statSync(dir).isDirectory()) {
			throw new Error('not a directory');
		}

		checkWritable(dir);
	} catch (error) {
		const {code} = error as NodeJS.ErrnoException;
		const reason = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT'
			? `it cannot be written (${code})`
			: escapeControls((error as Error).message);
		ctx.stderr.write(`meliae-tui: cannot use ${escapeControls(dir)} for dumps: ${reason}\n`);
		return EXIT_BAD_INPUT;
	}

	const program = programKind(argv[0]!, ctx.env);
	const name = escapeControls(argv[0]!);
	if (program.kind === 'not-python') {
		ctx.stderr.write(`meliae-tui: ${name} is not Python (${escapeControls(program.file)} has no Python interpreter in it), so it cannot write dumps; run a Python program, e.g. meliae-tui run -- python3 app.py\n`);
		return EXIT_BAD_INPUT;
	}

	if (program.kind === 'wrapper') {
		ctx.stderr.write(`meliae-tui: note: ${name} is not Python but ${escapeControls(program.interpreter)}: only the Python processes it starts can write dumps (kill -${signal} stops any other)\n`);
	}

	let child: ChildProcess;
	try {
		child = spawn(argv[0]!, argv.slice(1), {
			stdio: 'inherit',
			env: hookEnvironment(ctx.env, dir, signal, frames),
		});
	} catch (error) {
		ctx.stderr.write(`meliae-tui: cannot run ${escapeControls(argv[0]!)}: ${(error as Error).message}\n`);
		return EXIT_FAILED;
	}

	const started = await new Promise<Error | undefined>(resolve => {
		child.once('spawn', () => {
			resolve(undefined);
		});
		child.once('error', resolve);
	});
	if (started !== undefined) {
		const code = (started as NodeJS.ErrnoException).code;
		ctx.stderr.write(`meliae-tui: cannot run ${escapeControls(argv[0]!)}: ${code === 'ENOENT' ? 'command not found' : started.message}\n`);
		return EXIT_FAILED;
	}

	ctx.stderr.write(`meliae-tui: running ${escapeControls(argv.join(' '))} as pid ${child.pid}; dumps go to ${escapeControls(dir)}${frames === undefined ? '' : `; tracing allocations (${frames} frame${frames === 1 ? '' : 's'})`}\n`);
	ctx.stderr.write(`meliae-tui: for a dump: kill -${signal} ${child.pid}\n`);

	const watcher = watchDumps(dir, ctx);
	// With a terminal, Ctrl-C already reaches the program (same foreground
	// process group): passing SIGINT on as well would deliver it twice.
	const forwardInterrupt = !(process.stdin.isTTY ?? false);
	const forward = (sig: NodeJS.Signals) => (): void => {
		if (sig === 'SIGINT' && !forwardInterrupt) {
			return;
		}

		child.kill(sig);
	};

	const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map(sig => [sig, forward(sig)] as const);
	for (const [sig, handler] of handlers) {
		process.on(sig, handler);
	}

	try {
		return await new Promise<number>(resolve => {
			child.once('exit', (code, sig) => {
				resolve(code ?? 128 + (sig ? signalNumber(sig) : 0));
			});
		});
	} finally {
		for (const [sig, handler] of handlers) {
			process.off(sig, handler);
		}

		watcher?.close();
	}
};
