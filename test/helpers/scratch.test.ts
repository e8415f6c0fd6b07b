import {existsSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {tempDir} from './dump-lines.js';
import {makeScratchDir, removeScratchDirs} from './scratch.js';

describe('scratch directories', () => {
	it('are removed with what is in them, and tempDir makes a new one afterwards', () => {
		const made = makeScratchDir('meliae-scratch-');
		writeFileSync(join(made, 'dump.json'), '{}\n');
		const cached = tempDir();
		expect(tempDir()).toBe(cached);
		removeScratchDirs();
		expect(existsSync(made)).toBe(false);
		expect(existsSync(cached)).toBe(false);
		const next = tempDir();
		expect(next).not.toBe(cached);
		expect(existsSync(next)).toBe(true);
	});
});
