/**
 * `meliae-tui attach PID [--out FILE]`: make a running Python 3 process write
 * a meliae dump of itself (python/meliae_attach.py does the work: ptrace
 * thread injection, gdb, or sys.remote_exec on 3.14+). Prints the dump's path
 * on stdout and one line about how it went on stderr.
 */

import {spawn} from 'node:child_process';
import {accessSync, constants as fsConstants, readlinkSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {escapeControls} from '../core/format/escape.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK} from './context.js';
import {pythonFile} from './python-path.js';

const USAGE = 'meliae-tui attach PID [--out FILE]';

export type AttachIo = Pick<CommandContext, 'stdout' | 'stderr' | 'env'>;

/** What meliae_attach.py prints as its one line of JSON. */
export type AttachReport = {
	ok: boolean;
	pid?: number;
	method?: 'ptrace' | 'gdb' | 'remote_exec';
	out?: string;
	objects?: number;
	python?: string;
	stopped_ms?: number;
	total_ms?: number;
	reason?: string;
	error?: string;
};

/**
 * The interpreter that runs meliae_attach.py: the target's own when it is a
 * python binary we can run (same version, so sys.remote_exec matches on
 * 3.14+), else `python3` from PATH.
 */
export function attacherPython(pid: number, env: NodeJS.ProcessEnv): string {
	if (env['MELIAE_TUI_PYTHON']) {
		return env['MELIAE_TUI_PYTHON'];
	}

	try {
		const exe = readlinkSync(`/proc/${pid}/exe`);
		if (/^python\d*(\.\d+)?$/.test(path.basename(exe))) {
			accessSync(exe, fsConstants.X_OK);
			return exe;
		}
	} catch {
		// not ours to read, or not a python binary: fall back
	}

	return 'python3';
}

export function parsePid(text: string | undefined): number | undefined {
	if (text === undefined || !/^\d+$/.test(text)) {
		return undefined;
	}

	const pid = Number(text);
	return pid > 0 && pid < 2 ** 31 ? pid : undefined;
}

/** Run meliae_attach.py; resolves with its report (never rejects). */
export async function runAttachScript(pid: number, out: string | undefined, env: NodeJS.ProcessEnv, extraArgs: readonly string[] = []): Promise<AttachReport> {
	const python = attacherPython(pid, env);
	const args = [pythonFile('meliae_attach.py'), String(pid), ...(out === undefined ? [] : ['--out', out]), ...extraArgs];
	return new Promise(resolve => {
		const child = spawn(python, args, {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (data: string) => {
			stdout += data;
		});
		child.stderr.setEncoding('utf8').on('data', (data: string) => {
			stderr += data;
		});
		child.on('error', error => {
			resolve({ok: false, reason: 'no_python', error: `cannot run ${python}: ${error.message}`});
		});
		child.on('close', code => {
			const last = stdout.trim().split('\n').at(-1) ?? '';
			try {
				resolve(JSON.parse(last) as AttachReport);
			} catch {
				const detail = stderr.trim().split('\n').at(-1) ?? `exit code ${code}`;
				resolve({ok: false, reason: 'attacher_failed', error: `${path.basename(python)} meliae_attach.py failed: ${detail}`});
			}
		});
	});
}

/**
 * Dump process `pid` into `out` (default: ./meliae-PID-TIME.json.gz).
 * Prints the path on stdout and a summary or the error on stderr.
 */
export async function attachAndDump(pid: number, out: string | undefined, io: AttachIo): Promise<{code: number; path?: string}> {
	const target = out === undefined ? undefined : path.resolve(out);
	const report = await runAttachScript(pid, target, io.env);
	if (!report.ok || report.out === undefined) {
		io.stderr.write(`meliae-tui: cannot dump process ${pid}: ${escapeControls(report.error ?? 'unknown error')}\n`);
		return {code: EXIT_FAILED};
	}

	const objects = (report.objects ?? 0).toLocaleString('en-US');
	io.stderr.write(`meliae-tui: dumped process ${pid} (Python ${report.python ?? '?'}) via ${report.method}: ${objects} objects; main thread stopped ${report.stopped_ms ?? 0} ms, ${((report.total_ms ?? 0) / 1000).toFixed(2)} s in all\n`);
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

	const {code} = await attachAndDump(pid, out, ctx);
	return code;
};
