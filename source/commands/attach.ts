/**
 * `meliae-tui attach PID [--out FILE] [--method M] [--timeout S]`: make a
 * running Python 3 process write a meliae dump of itself
 * (python/meliae_attach.py does the work: ptrace thread injection, gdb, or
 * sys.remote_exec on 3.14+). Prints the dump's path on stdout and one line
 * about how it went on stderr.
 *
 * The attacher runs with our privileges (often root) against someone else's
 * process, so it is run only by an interpreter the caller trusts, never the
 * target's own, and with `-I -S` (no site, no user site, no PYTHON* variables).
 */

import {spawn} from 'node:child_process';
import {lstatSync, readFileSync, readlinkSync, realpathSync, statSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {allocationNote} from '../core/alloc/meta.js';
import {escapeControls} from '../core/format/escape.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK} from './context.js';
import {pythonFile} from './python-path.js';

const USAGE = 'meliae-tui attach PID [--out FILE] [--method auto|ptrace|gdb|remote_exec] [--timeout SECONDS] [--stage auto|direct|pipe|file] [--open]';

export const DEFAULT_TIMEOUT_SECONDS = 30;

export type AttachMethod = 'auto' | 'ptrace' | 'gdb' | 'remote_exec';
const METHODS: readonly AttachMethod[] = ['auto', 'ptrace', 'gdb', 'remote_exec'];

/**
 * Where the target writes the dump: `--out` itself (`direct`: it sees our
 * filesystem and may write there), a FIFO in a private directory of its
 * /tmp or working directory that we read (`pipe`), or a file there that we
 * copy (`file`); `auto` tries them in that order.
 */
export type AttachStage = 'auto' | 'direct' | 'pipe' | 'file';
const STAGES: readonly AttachStage[] = ['auto', 'direct', 'pipe', 'file'];

export type AttachOptions = {
	method?: AttachMethod;
	timeoutSeconds?: number;
	stage?: AttachStage;
};

export type AttachIo = Pick<CommandContext, 'stdout' | 'stderr' | 'env'> & {readonly flags?: CommandContext['flags']};

/** What meliae_attach.py prints as its one line of JSON. */
export type AttachReport = {
	ok: boolean;
	pid?: number;
	method?: 'ptrace' | 'gdb' | 'remote_exec';
	out?: string;
	objects?: number;
	python?: string;
	/** How the dump reached `out` (written by the target, streamed or copied through its filesystem). */
	written?: string;
	/** The target's pid in its own PID namespace, when it differs. */
	pid_in_container?: number;
	/** Places in the target that could not take the dump, and why. */
	skipped?: string[];
	stopped_ms?: number;
	total_ms?: number;
	reason?: string;
	error?: string;
};

/** Where a `python3` is looked for before PATH. */
const SYSTEM_BIN = ['/usr/bin', '/usr/local/bin', '/bin'];

/**
 * Why `file` may not be run with our privileges, or undefined when it may:
 * its real path and every directory above it must be owned by root or by
 * `euid` and not writable by group or others (so nobody else can swap the
 * binary or put a `pyvenv.cfg`, which Python reads even with `-I`, beside
 * it); a `pyvenv.cfg` next to it or one level up must pass the same test.
 * One exception: a root-owned directory with the sticky bit (`/tmp`) may be
 * writable by everyone, as others can neither rename nor remove what it
 * holds (the entry inside it is checked like the rest).
 */
export function untrustedReason(file: string, euid: number): string | undefined {
	let real: string;
	try {
		real = realpathSync(file);
	} catch (error) {
		return `cannot resolve ${file}: ${(error as Error).message}`;
	}

	const owned = (where: string, mode: number, uid: number): string | undefined => {
		if (uid !== 0 && uid !== euid) {
			return `${where} is owned by uid ${uid}`;
		}

		if ((mode & 0o022) !== 0) {
			return `${where} is writable by ${(mode & 0o002) === 0 ? 'its group' : 'everyone'}`;
		}

		return undefined;
	};

	const fileStat = statSync(real);
	if (!fileStat.isFile()) {
		return `${real} is not a regular file`;
	}

	const problem = owned(real, fileStat.mode, fileStat.uid);
	if (problem !== undefined) {
		return problem;
	}

	for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
		const dirStat = lstatSync(dir);
		const sticky = (dirStat.mode & 0o1000) !== 0 && dirStat.uid === 0;
		const dirProblem = owned(dir, sticky ? dirStat.mode & ~0o022 : dirStat.mode, dirStat.uid);
		if (dirProblem !== undefined) {
			return dirProblem;
		}

		if (dir === path.dirname(dir)) {
			break;
		}
	}

	for (const cfg of [path.join(path.dirname(real), 'pyvenv.cfg'), path.join(path.dirname(path.dirname(real)), 'pyvenv.cfg')]) {
		let cfgStat;
		try {
			cfgStat = lstatSync(cfg);
		} catch {
			continue;
		}

		const cfgProblem = cfgStat.isFile() ? owned(cfg, cfgStat.mode, cfgStat.uid) : `${cfg} is not a regular file`;
		if (cfgProblem !== undefined) {
			return cfgProblem;
		}
	}

	return undefined;
}

/** `name` in the system directories, then in PATH's absolute entries: the first trusted one. */
function findTrusted(name: string, env: NodeJS.ProcessEnv, euid: number, rejected: string[]): string | undefined {
	const dirs = [...SYSTEM_BIN, ...(env['PATH'] ?? '').split(path.delimiter).filter(dir => path.isAbsolute(dir))];
	const seen = new Set<string>();
	for (const dir of dirs) {
		const candidate = path.join(dir, name);
		if (seen.has(candidate)) {
			continue;
		}

		seen.add(candidate);
		try {
			statSync(candidate);
		} catch {
			continue;
		}

		const reason = untrustedReason(candidate, euid);
		if (reason === undefined) {
			return candidate;
		}

		rejected.push(`${candidate} (${reason})`);
	}

	return undefined;
}

/**
 * The target's minor Python 3 version, read from the names of what it has
 * mapped (only read, never run); undefined when unknown.
 */
export function targetMinorVersion(pid: number): number | undefined {
	try {
		const found = /libpython3\.(\d+)/.exec(readFileSync(`/proc/${pid}/maps`, 'utf8'));
		if (found) {
			return Number(found[1]);
		}
	} catch {
		// not ours to read: the attacher says why
	}

	try {
		const found = /^python3\.(\d+)$/.exec(path.basename(readlinkSync(`/proc/${pid}/exe`)));
		return found ? Number(found[1]) : undefined;
	} catch {
		return undefined;
	}
}

export type AttacherChoice = {python: string} | {error: string};

/**
 * The interpreter that runs meliae_attach.py: `MELIAE_TUI_PYTHON` when set
 * (the caller's explicit choice), else a trusted `python3.N` matching a
 * 3.14+ target (sys.remote_exec needs one; without it the ptrace path is
 * used), else a trusted `python3`. Never the target's own interpreter.
 */
export function attacherPython(pid: number, env: NodeJS.ProcessEnv, euid = process.geteuid?.() ?? 0): AttacherChoice {
	const chosen = env['MELIAE_TUI_PYTHON'];
	if (chosen) {
		return {python: chosen};
	}

	const rejected: string[] = [];
	const minor = targetMinorVersion(pid);
	if (minor !== undefined && minor >= 14) {
		const same = findTrusted(`python3.${minor}`, env, euid, rejected);
		if (same !== undefined) {
			return {python: same};
		}
	}

	const python = findTrusted('python3', env, euid, rejected);
	if (python !== undefined) {
		return {python};
	}

	return {error: `no trusted python3 to run the attacher${rejected.length > 0 ? ` (refused: ${rejected.join('; ')})` : ''}; set MELIAE_TUI_PYTHON`};
}

export function parsePid(text: string | undefined): number | undefined {
	if (text === undefined || !/^\d+$/.test(text)) {
		return undefined;
	}

	const pid = Number(text);
	return pid > 0 && pid < 2 ** 31 ? pid : undefined;
}

/**
 * Run meliae_attach.py; resolves with its report (never rejects). SIGINT
 * and SIGTERM received meanwhile are passed on to it, and it is waited for:
 * it restores the target, cancels the dump and removes partial files.
 */
export async function runAttachScript(pid: number, out: string | undefined, env: NodeJS.ProcessEnv, extraArgs: readonly string[] = []): Promise<AttachReport> {
	const choice = attacherPython(pid, env);
	if ('error' in choice) {
		return {ok: false, reason: 'no_python', error: choice.error};
	}

	const {python} = choice;
	const args = ['-I', '-S', pythonFile('meliae_attach.py'), String(pid), ...(out === undefined ? [] : ['--out', out]), ...extraArgs];
	return new Promise(resolve => {
		const child = spawn(python, args, {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		let interrupted = false;
		const forward = (signal: NodeJS.Signals) => {
			interrupted = true;
			child.kill(signal);
		};

		const onInt = () => {
			forward('SIGINT');
		};

		const onTerm = () => {
			forward('SIGTERM');
		};

		process.on('SIGINT', onInt);
		process.on('SIGTERM', onTerm);
		const done = (report: AttachReport) => {
			process.off('SIGINT', onInt);
			process.off('SIGTERM', onTerm);
			resolve(interrupted && report.ok === false && report.reason !== 'interrupted' ? {...report, reason: 'interrupted'} : report);
		};

		child.stdout.setEncoding('utf8').on('data', (data: string) => {
			stdout += data;
		});
		child.stderr.setEncoding('utf8').on('data', (data: string) => {
			stderr += data;
		});
		child.on('error', error => {
			done({ok: false, reason: 'no_python', error: `cannot run ${python}: ${error.message}`});
		});
		child.on('close', code => {
			const last = stdout.trim().split('\n').at(-1) ?? '';
			try {
				done(JSON.parse(last) as AttachReport);
			} catch {
				const detail = stderr.trim().split('\n').at(-1) ?? `exit code ${code}`;
				done({ok: false, reason: 'attacher_failed', error: `${path.basename(python)} meliae_attach.py failed: ${detail}`});
			}
		});
	});
}

/** --method and --timeout from the flags, or a usage error. */
export function attachOptions(flags: CommandContext['flags'] | undefined): AttachOptions | string {
	const options: AttachOptions = {};
	const method = flags?.['method'];
	if (method !== undefined) {
		if (typeof method !== 'string' || !(METHODS as readonly string[]).includes(method)) {
			return `--method must be one of ${METHODS.join(', ')}`;
		}

		options.method = method as AttachMethod;
	}

	const timeout = flags?.['timeout'];
	if (timeout !== undefined) {
		if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
			return '--timeout needs a number of seconds above 0';
		}

		options.timeoutSeconds = timeout;
	}

	const stage = flags?.['stage'];
	if (stage !== undefined) {
		if (typeof stage !== 'string' || !(STAGES as readonly string[]).includes(stage)) {
			return `--stage must be one of ${STAGES.join(', ')}`;
		}

		options.stage = stage as AttachStage;
	}

	return options;
}

/** The attacher's arguments for these options. */
export function attachArguments(options: AttachOptions): string[] {
	return [
		'--timeout', String(options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
		...(options.method === undefined ? [] : ['--method', options.method]),
		...(options.stage === undefined ? [] : ['--stage', options.stage]),
	];
}

/**
 * Dump process `pid` into `out` (default: ./meliae-PID-TIME.json.gz).
 * Prints the path on stdout and a summary or the error on stderr.
 */
export async function attachAndDump(pid: number, out: string | undefined, io: AttachIo, given?: AttachOptions): Promise<{code: number; path?: string}> {
	const options = given ?? attachOptions(io.flags);
	if (typeof options === 'string') {
		io.stderr.write(`meliae-tui: ${options}\nusage: ${USAGE}\n`);
		return {code: EXIT_BAD_INPUT};
	}

	const target = out === undefined ? undefined : path.resolve(out);
	const report = await runAttachScript(pid, target, io.env, attachArguments(options));
	if (report.reason === 'interrupted') {
		const detail = (report.error ?? '').replace(/^interrupted[;:]?\s*/, '');
		io.stderr.write(`meliae-tui: attach to process ${pid} interrupted${detail ? `: ${escapeControls(detail)}` : ''}\n`);
		return {code: EXIT_INTERRUPTED};
	}

	if (!report.ok || report.out === undefined) {
		io.stderr.write(`meliae-tui: cannot dump process ${pid}: ${escapeControls(report.error ?? 'unknown error')}\n`);
		return {code: EXIT_FAILED};
	}

	for (const skipped of report.skipped ?? []) {
		io.stderr.write(`meliae-tui: ${escapeControls(skipped)}; tried the next place\n`);
	}

	const objects = (report.objects ?? 0).toLocaleString('en-US');
	const inside = report.pid_in_container === undefined ? '' : `, pid ${report.pid_in_container} in its namespace`;
	const how = report.written === undefined || report.written === 'written by the target' ? '' : `; ${escapeControls(report.written)}`;
	io.stderr.write(`meliae-tui: dumped process ${pid} (Python ${report.python ?? '?'}${inside}) via ${report.method}: ${objects} objects; main thread stopped ${report.stopped_ms ?? 0} ms, ${((report.total_ms ?? 0) / 1000).toFixed(2)} s in all${how}\n`);
	const allocation = allocationNote(report.out);
	if (allocation !== undefined) {
		io.stderr.write(`meliae-tui: ${allocation}\n`);
	}

	io.stdout.write(`${report.out}\n`);
	return {code: EXIT_OK, path: report.out};
}

export const main: Command = async ctx => {
	const pid = parsePid(ctx.input[0]);
	if (pid === undefined || ctx.input.length > 1) {
		ctx.stderr.write(`meliae-tui: attach needs one process id\nusage: ${USAGE}\n`);
		return EXIT_BAD_INPUT;
	}

	if (pid === process.pid) {
		ctx.stderr.write('meliae-tui: cannot attach to itself\n');
		return EXIT_BAD_INPUT;
	}

	const out = ctx.flags['out'];
	if (out !== undefined && (typeof out !== 'string' || out === '')) {
		ctx.stderr.write('meliae-tui: --out needs a file name\n');
		return EXIT_BAD_INPUT;
	}

	const options = attachOptions(ctx.flags);
	if (typeof options === 'string') {
		ctx.stderr.write(`meliae-tui: ${options}\nusage: ${USAGE}\n`);
		return EXIT_BAD_INPUT;
	}

	const {code} = await attachAndDump(pid, out, ctx, options);
	return code;
};
