import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';

const coreDirectory = fileURLToPath(new URL('../../source/core', import.meta.url));

function sourceFiles(directory: string): string[] {
	return readdirSync(directory).flatMap(name => {
		const path = join(directory, name);
		if (statSync(path).isDirectory()) {
			return sourceFiles(path);
		}

		return /\.tsx?$/.test(name) ? [path] : [];
	});
}

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
