import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {keyTableMarkdown} from '../source/ui/keymap.js';
import {readme, setupCommands} from './cli/readme-setup.js';

describe('the README', () => {
	it('lists exactly the keys the keymap binds', () => {
		const match = /<!-- keys:start -->\n([\s\S]*?)\n<!-- keys:end -->/.exec(readme);
		expect(match).not.toBeNull();
		expect(match![1]!.trim()).toBe(keyTableMarkdown().trim());
	});

	it('gives exactly two set-up commands, one opening the explorer on the demo dump with the installed command, one running the tests; CI runs the test one', () => {
		const [explore, test, ...more] = setupCommands();
		expect(more).toEqual([]);
		expect(explore).toMatch(/^npm ci && (.+ && )?meliae-tui fixtures\/demo\/demo-3\.json\.gz$/);
		expect(test).toBe('npm ci && npm test');
		const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
		expect(ci.trim().split('\n').at(-1)).toBe(test);
	});
});
