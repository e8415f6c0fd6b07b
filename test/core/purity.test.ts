import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {sourceFiles} from '../helpers/source-files.js';

const coreDirectory = fileURLToPath(new URL('../../source/core', import.meta.url));

describe('the core', () => {
	it('imports nothing from react, ink or the UI', () => {
		const files = sourceFiles(coreDirectory);
		expect(files.length).toBeGreaterThan(10);
		const offenders: string[] = [];
		for (const file of files) {
			const text = readFileSync(file, 'utf8');
			for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
				const target = match[1]!;
				if (/^(react|ink)(\/|$)|^ink-|^@alcalzone\/ink/.test(target) || /\/ui\/|\.\.\/\.\.\/ui|\/app(\.js)?$/.test(target)) {
					offenders.push(`${file}: ${target}`);
				}
			}
		}

		expect(offenders).toEqual([]);
	});
});
