/**
 * `meliae-tui python-path`: print the directory holding meliae_dump.py, for
 * `PYTHONPATH=$(meliae-tui python-path) python3 -c 'import meliae_dump; ...'`.
 */

import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {type Command, EXIT_FAILED, EXIT_OK} from './context.js';

/**
 * The package's `python/` directory. This file runs as dist/commands/*.js
 * (or source/commands/*.ts under the tests): two levels below the root.
 */
export function pythonDir(): string {
	return fileURLToPath(new URL('../../python', import.meta.url));
}

/** The directory `run` puts first on PYTHONPATH: it holds only sitecustomize.py. */
export function hookDir(): string {
	return path.join(pythonDir(), 'meliae_hook');
}

export function pythonFile(name: 'meliae_dump.py' | 'meliae_attach.py'): string {
	return path.join(pythonDir(), name);
}

export const main: Command = async ctx => {
	const file = pythonFile('meliae_dump.py');
	if (!existsSync(file)) {
		ctx.stderr.write(`meliae-tui: ${file} is missing from this installation\n`);
		return EXIT_FAILED;
	}

	ctx.stdout.write(`${pythonDir()}\n`);
	return EXIT_OK;
};
