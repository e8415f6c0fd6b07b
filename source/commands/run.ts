/**
 * `meliae-tui run [--signal USR2] [--dir D] -- python app.py ...`: run a
 * Python program with the dump hook on PYTHONPATH, so that a signal makes it
 * write a meliae dump into D. Standard streams are inherited; SIGINT, SIGTERM
 * and SIGHUP are passed on to the program, and its exit code is returned.
 */

import {type ChildProcess, spawn} from 'node:child_process';
import {type FSWatcher, mkdirSync, readFileSync, statSync, watch} from 'node:fs';
import {constants} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {escapeControls} from '../core/format/escape.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_FAILED} from './context.js';
import {hookDir, pythonDir} from './python-path.js';

const USAGE = 'meliae-tui run [--signal USR2] [--dir D] -- python app.py ...';

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
export function hookEnvironment(env: NodeJS.ProcessEnv, dir: string, signal: string): NodeJS.ProcessEnv {
	const existing = env['PYTHONPATH'];
	const pythonPath = [hookDir(), pythonDir(), ...(existing ? [existing] : [])].join(path.delimiter);
	return {
		...env,
		PYTHONPATH: pythonPath,
		MELIAE_DUMP_DIR: dir,
		MELIAE_DUMP_SIGNAL: signal,
	};
}

function stringFlag(ctx: CommandContext, name: string): string | undefined {
	const value = ctx.flags[name];
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Report each dump the hook finishes (its .meta.json sidecar appears last). */
function watchDumps(dir: string, ctx: CommandContext): FSWatcher | undefined {
	const reported = new Set<string>();
	const report = (name: string): void => {
		if (!/^meliae-\d+-.*\.meta\.json$/.test(name) || reported.has(name)) {
			return;
		}

		const metaPath = path.join(dir, name);
		let meta: {objects?: number; dump_seconds?: number; pid?: number};
		try {
			meta = JSON.parse(readFileSync(metaPath, 'utf8')) as typeof meta;
		} catch {
			return; // not complete yet: another event follows
		}

		reported.add(name);
		const dump = metaPath.slice(0, -'.meta.json'.length);
		ctx.stderr.write(`meliae-tui: dump written: ${escapeControls(dump)} (pid ${meta.pid ?? '?'}, ${(meta.objects ?? 0).toLocaleString('en-US')} objects, ${(meta.dump_seconds ?? 0).toFixed(2)} s)\n`);
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

	const dir = path.resolve(stringFlag(ctx, 'dir') ?? process.cwd());
	try {
		mkdirSync(dir, {recursive: true, mode: 0o700});
		if (!statSync(dir).isDirectory()) {
			throw new Error('not a directory');
		}
	} catch (error) {
		ctx.stderr.write(`meliae-tui: cannot use ${escapeControls(dir)} for dumps: ${(error as Error).message}\n`);
		return EXIT_BAD_INPUT;
	}

	let child: ChildProcess;
	try {
		child = spawn(argv[0]!, argv.slice(1), {
			stdio: 'inherit',
			env: hookEnvironment(ctx.env, dir, signal),
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

	ctx.stderr.write(`meliae-tui: running ${escapeControls(argv.join(' '))} as pid ${child.pid}; dumps go to ${escapeControls(dir)}\n`);
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
