import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {keyTableMarkdown} from '../source/ui/keymap.js';

const readme = readFileSync(new URL('../readme.md', import.meta.url), 'utf8');

describe('the README', () => {
	it('lists exactly the keys the keymap binds', () => {
		const match = /<!-- keys:start -->\n([\s\S]*?)\n<!-- keys:end -->/.exec(readme);
		expect(match).not.toBeNull();
		expect(match![1]!.trim()).toBe(keyTableMarkdown().trim());
	});

	it('gives the two set-up commands, and CI runs the test one', () => {
		expect(readme).toContain('npm ci && node dist/cli.js fixtures/demo/demo-3.json.gz');
		expect(readme).toContain('npm ci && npm test');
		const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
		expect(ci.trim().split('\n').at(-1)).toBe('npm ci && npm test');
	});
});
