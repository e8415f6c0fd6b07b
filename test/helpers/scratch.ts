/**
 * Temporary directories for a test file, removed when the file's tests are
 * done (test/setup/scratch.ts registers the removal for every file): a
 * full run makes a few hundred, with dumps and indexes of up to 200 MB in
 * them, and left them all in the temporary directory.
 */

import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const made: string[] = [];
const forgets: Array<() => void> = [];

/** A new directory under the system's temporary directory, removed after this file's tests. */
export function makeScratchDir(prefix: string): string {
	const directory = mkdtempSync(join(tmpdir(), prefix));
	made.push(directory);
	return directory;
}

/** Call `forget` when the scratch directories go (a module caching one drops it). */
export function onScratchRemoved(forget: () => void): void {
	forgets.push(forget);
}

/** Remove every directory made by makeScratchDir so far. */
export function removeScratchDirs(): void {
	for (const directory of made.splice(0)) {
		rmSync(directory, {recursive: true, force: true});
	}

	for (const forget of forgets) {
		forget();
	}
}
