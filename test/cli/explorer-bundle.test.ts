/**
 * The built explorer (dist/ui/explorer.js) is one module holding the UI and
 * the packages it renders with (scripts/bundle-explorer.mjs), while the core
 * stays shared with the commands: every module of dist/core and dist/common
 * it uses is imported from its own file, never copied in. A copy would make
 * two classes of one error (an index found damaged while exploring must
 * still end as the one-line exit 2 that cli.tsx gives it).
 */

import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {describe, expect, it} from 'vitest';
import {cliPath} from '../helpers/cli.js';

const built = join(dirname(cliPath), 'ui', 'explorer.js');

/** The specifiers of the static imports at the top of an ES module. */
function importedSpecifiers(text: string): string[] {
	return [...text.matchAll(/\bimport\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/g)].map(match => match[1]!);
}

describe('the explorer bundle', () => {
	const text = readFileSync(built, 'utf8');
	const specifiers = importedSpecifiers(text);

	it('imports no package from node_modules at run time: Ink and React are inside', () => {
		const packages = specifiers.filter(specifier => !specifier.startsWith('node:') && !specifier.startsWith('.'));
		// string-width is the core's own dependency (the core's display widths).
		expect(packages.filter(name => name !== 'string-width')).toEqual([]);
		expect(text).toContain('react-reconciler');
		expect(specifiers).not.toContain('ink');
		expect(specifiers).not.toContain('react');
	});

	it('imports the core from its shared files, by paths that exist', () => {
		const relative = specifiers.filter(specifier => specifier.startsWith('.'));
		expect(relative.length).toBeGreaterThan(10);
		for (const specifier of relative) {
			expect(specifier, specifier).toMatch(/^\.\.\/(core|common)\//);
			expect(() => readFileSync(new URL(specifier, pathToFileURL(built)))).not.toThrow();
		}

		expect(relative).toContain('../core/dump/load.js');
	});

	it('shares the core\'s classes with the rest of the program', async () => {
		const bundle = await import(pathToFileURL(built).href) as Record<string, unknown>;
		expect(typeof bundle['explore']).toBe('function');
		const source = readFileSync(fileURLToPath(new URL('../../source/ui/explorer.tsx', import.meta.url)), 'utf8');
		// The explorer's source catches DumpError from the core; in the bundle that import stays an import.
		expect(source).toMatch(/import \{[^}]*DumpError[^}]*\} from '\.\.\/core\/dump\/load\.js'/);
		expect(text).toMatch(/import\{[^}]*DumpError[^}]*\}from"\.\.\/core\/dump\/load\.js"/);
	});
});
