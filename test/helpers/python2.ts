/**
 * A CPython 2.7 for the tests that need one (meliae's own interpreter):
 * MELIAE_TEST_PYTHON2, else `python2.7` or `python2` when they run, else
 * the newest 2.7 that pyenv has installed; undefined when there is none.
 */

import {execFileSync} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';

function isPython27(command: string): boolean {
	try {
		return execFileSync(command, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000}).trim() === '2.7';
	} catch {
		return false;
	}
}

export function findPython2(): string | undefined {
	const candidates = [process.env['MELIAE_TEST_PYTHON2'], 'python2.7', 'python2'].filter((command): command is string => Boolean(command));
	try {
		const root = execFileSync('pyenv', ['root'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000}).trim();
		const versions = readdirSync(join(root, 'versions')).filter(name => name.startsWith('2.7')).sort().reverse();
		candidates.push(...versions.map(version => join(root, 'versions', version, 'bin', 'python2.7')));
	} catch {
		// no pyenv
	}

	return candidates.find(command => isPython27(command));
}
