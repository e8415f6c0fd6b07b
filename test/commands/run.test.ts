/**
 * `run` checks what it can before the program starts: a dump directory
 * that cannot be written, and a program that is not Python.
 */

import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {programKind} from '../../source/commands/run.js';
import {interpreters} from '../capture/python.js';
import {runCli} from '../helpers/cli.js';

const python = interpreters()[0];
let dir: string;
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'meliae-run-'));
});
afterAll(() => {
	rmSync(dir, {recursive: true, force: true});
});

function oneLine(stderr: string): string {
	const lines = stderr.split('\n').filter(line => line !== '');
	expect(lines).toHaveLength(1);
	return lines[0]!;
}

describe.skipIf(python === undefined)('meliae-tui run', () => {
	it('refuses a dump directory it cannot write, before the program starts', async () => {
		const marker = join(dir, 'started');
		const program = ['-c', `open(${JSON.stringify(marker)}, "w").close()`];
		// /proc takes no new files, even from root.
		const proc = await runCli(['run', '--dir', '/proc', '--', python!.exe, ...program]);
		expect(proc.code).toBe(2);
		expect(oneLine(proc.stderr)).toMatch(/^meliae-tui: cannot use \/proc for dumps: it cannot be written/);
		expect(existsSync(marker)).toBe(false);
		if (process.getuid?.() !== 0) {
			const locked = join(dir, 'locked');
			rmSync(locked, {force: true, recursive: true});
			mkdirSync(locked);
			chmodSync(locked, 0o500);
			const result = await runCli(['run', '--dir', locked, '--', python!.exe, ...program]);
			expect(result.code).toBe(2);
			expect(oneLine(result.stderr)).toContain('cannot be written');
			expect(existsSync(marker)).toBe(false);
		}

		// The check leaves nothing behind in a directory it can write.
		const fine = await runCli(['run', '--dir', dir, '--', python!.exe, ...program]);
		expect(fine.code, fine.stderr).toBe(0);
		expect(existsSync(marker)).toBe(true);
		expect(readdirSync(dir).filter(name => name.startsWith('.meliae-tui-check'))).toEqual([]);
	});

	it('says a program that is not Python is not, and does not run it', async () => {
		const result = await runCli(['run', '--dir', dir, '--', 'ls', '-d', dir]);
		expect(result.code).toBe(2);
		expect(oneLine(result.stderr)).toMatch(/^meliae-tui: ls is not Python/);
		expect(result.stdout).toBe('');
	});

	it('runs a shell that may start Python, with a note', async () => {
		const result = await runCli(['run', '--dir', dir, '--', 'sh', '-c', 'echo from-the-shell']);
		expect(result.code).toBe(0);
		expect(result.stdout).toBe('from-the-shell\n');
		expect(result.stderr).toMatch(/^meliae-tui: note: sh is not Python/m);
	});
});

describe('programKind', () => {
	it('tells Python from other programs by name, #! line and binary', () => {
		const script = (name: string, text: string): string => {
			const file = join(dir, name);
			writeFileSync(file, text, {mode: 0o755});
			return file;
		};

		if (python !== undefined) {
			expect(programKind(python.exe, process.env)).toEqual({kind: 'python'});
		}

		expect(programKind(script('app', '#!/usr/bin/env python3\nprint(1)\n'), process.env)).toEqual({kind: 'python'});
		expect(programKind(script('tool', '#!/opt/venv/bin/python3.12 -u\n'), process.env)).toEqual({kind: 'python'});
		expect(programKind(script('start.sh', '#!/bin/sh\nexec python3 app.py\n'), process.env)).toEqual({kind: 'wrapper', interpreter: 'sh'});
		expect(programKind(script('start.rb', '#!/usr/bin/env ruby\n'), process.env)).toEqual({kind: 'wrapper', interpreter: 'ruby'});
		expect(programKind('ls', process.env)).toMatchObject({kind: 'not-python'});
		expect(programKind('no-such-program-anywhere', process.env)).toEqual({kind: 'unknown'});
	});
});
