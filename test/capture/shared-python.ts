/**
 * Global set-up: extract the relocatable CPython 3.13 build that sits beside
 * the repository (`../shared/pythons/`, present on the project's test
 * machines and in CI, absent on a user's machine) into a private temporary
 * directory, once per test run, so every test that runs real Python
 * processes runs on it too (see interpreters() in python.ts). Where it is
 * absent or does not run, the tests go on without it and say so once.
 */

import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {TestProject} from 'vitest/node';

declare module 'vitest' {
	// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
	export interface ProvidedContext {
		/** The extracted shared interpreter's executable, or '' when there is none. */
		sharedPython: string;
	}
}

export const sharedTarball = fileURLToPath(new URL('../../../shared/pythons/cpython-3.13-linux-x86_64.tar.gz', import.meta.url));

export default function setup(project: TestProject): () => void {
	let directory: string | undefined;
	let executable = '';
	if (!existsSync(sharedTarball)) {
		process.stderr.write(`note: no shared CPython 3.13 at ${sharedTarball}; Python tests run on the interpreters found on PATH only\n`);
	} else {
		directory = mkdtempSync(join(tmpdir(), 'meliae-py313-'));
		try {
			execFileSync('tar', ['xzf', sharedTarball, '-C', directory], {stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000});
			const candidate = join(directory, 'py313', 'bin', 'python3.13');
			execFileSync(candidate, ['-c', 'import ctypes, zlib, json'], {stdio: 'ignore', timeout: 30_000});
			executable = candidate;
		} catch (error) {
			process.stderr.write(`note: the shared CPython 3.13 could not be used (${(error as Error).message.split('\n')[0]}); Python tests run without it\n`);
		}
	}

	project.provide('sharedPython', executable);
	return () => {
		if (directory !== undefined) {
			rmSync(directory, {recursive: true, force: true});
		}
	};
}
