/**
 * Layers point down: core <- common <- commands, ui and watch <- cli. The
 * UI never imports a command module; what both need lives in source/common.
 * A capability folder (watch) imports no command either: the command that
 * drives it (commands/watch.ts) hands it what it borrows.
 */

import {readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {sourceFiles} from '../helpers/source-files.js';

const sourceDirectory = fileURLToPath(new URL('../../source', import.meta.url));

/** Every relative import (static, dynamic, re-export) of the files under `layer`, as `file: target layer/path`. */
function importsOf(layer: string): Array<{file: string; target: string}> {
	const files = sourceFiles(join(sourceDirectory, layer));
	expect(files.length).toBeGreaterThan(0);
	const found: Array<{file: string; target: string}> = [];
	for (const file of files) {
		const text = readFileSync(file, 'utf8');
		for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
			found.push({file: relative(sourceDirectory, file), target: relative(sourceDirectory, resolve(dirname(file), match[1]!))});
		}
	}

	return found;
}

function offenders(layer: string, forbidden: RegExp): string[] {
	return importsOf(layer).filter(({target}) => forbidden.test(target)).map(({file, target}) => `${file} imports ${target}`);
}

describe('the layers', () => {
	it('the UI imports nothing from the commands or the command line', () => {
		expect(offenders('ui', /^(commands\/|cli\.)/)).toEqual([]);
	});

	it('the UI imports nothing from watch', () => {
		expect(offenders('ui', /^watch\//)).toEqual([]);
	});

	it('watch imports nothing from the commands, the UI or the command line', () => {
		expect(offenders('watch', /^(commands|ui)\/|^(cli|app)\./)).toEqual([]);
	});

	it('the shared plumbing imports neither the commands, the UI nor watch', () => {
		expect(offenders('common', /^(commands|ui|watch)\/|^(cli|app)\./)).toEqual([]);
	});

	it('the core imports nothing above it', () => {
		expect(offenders('core', /^(commands|ui|common|watch)\/|^(cli|app)\./)).toEqual([]);
	});

	it('sees imports where they are', () => {
		// The check itself must be able to fail: the command line imports commands.
		expect(importsOf('commands').some(({target}) => target.startsWith('common/'))).toBe(true);
	});
});
