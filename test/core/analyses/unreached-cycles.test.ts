/**
 * Cycles no object in the dump reaches are not only held from C: with the
 * collector off or behind they are garbage not yet collected. Every command
 * says both.
 */

import {describe, expect, it} from 'vitest';
import {runCli} from '../../helpers/cli.js';
import {dumpText, writeDump} from '../../helpers/dump-lines.js';

const PHRASE = 'not reachable from any object in the dump (held from C, or garbage not yet collected)';

const cycle = writeDump(dumpText([
	{address: 1, type: 'Node', size: 32, refs: [2]},
	{address: 2, type: 'Node', size: 32, refs: [1, 3]},
	{address: 3, type: 'bytes', size: 5000, len: 4967, value: 'x'},
	{address: 4, type: 'list', size: 64, len: 0},
]));

describe('unreached cycles', () => {
	it('are described the same way by top and path', async () => {
		const top = await runCli(['top', cycle]);
		expect(top.code).toBe(0);
		expect(top.stdout).toContain(`1 cycle ${PHRASE}`);
		expect(top.stdout).not.toMatch(/referenced by nothing in the dump \(held from C\)/);
		const path = await runCli(['path', cycle, '3']);
		expect(path.code).toBe(0);
		expect(path.stdout.split('\n')[0]).toBe(`2 references from a cycle ${PHRASE}:`);
	});
});
