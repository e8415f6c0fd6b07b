/**
 * The launcher lines of the CLI: run as a program, node gets NODE_FLAGS on
 * its command line (the only way they reach the main isolate; without them
 * Node 20 can deadlock at exit, see core/util/tuning.ts).
 */

import {spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {NODE_FLAGS} from '../../source/core/util/tuning.js';
import {meliaeLine} from '../helpers/dump-lines.js';
import {cliPath} from '../helpers/cli.js';

const launcher = `//bin/sh -c :; exec node ${NODE_FLAGS.join(' ')} "$0" "$@"`;

describe('the launcher', () => {
	it('source and build both start with the shell line that passes NODE_FLAGS', () => {
		const source = readFileSync(new URL('../../source/cli.tsx', import.meta.url), 'utf8').split('\n');
		expect(source.slice(0, 2)).toEqual(['#!/bin/sh', launcher]);
		const built = readFileSync(cliPath, 'utf8').split('\n');
		expect(built.slice(0, 2)).toEqual(['#!/bin/sh', launcher]);
	});

	it.skipIf(!existsSync('/proc/self/cmdline'))('run by the shell, node runs this file with the flags and the arguments', async () => {
		// Reading a dump from standard input that stays open keeps it running, so its command line can be read.
		const child = spawn('/bin/sh', [cliPath, 'summarize', '-'], {stdio: ['pipe', 'pipe', 'pipe']});
		let stdout = '';
		child.stdout.setEncoding('utf8').on('data', (data: string) => {
			stdout += data;
		});
		const exited = new Promise<number | null>(resolve => {
			child.on('close', code => {
				resolve(code);
			});
		});
		let argv: string[] = [];
		for (let tries = 0; tries < 200; tries++) {
			argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
			if (argv.some(word => /(^|\/)node[\d.]*$/.test(word))) {
				break;
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => setTimeout(resolve, 25));
		}

		expect(argv.slice(1)).toEqual([...NODE_FLAGS, cliPath, 'summarize', '-']);
		child.stdin.end(meliaeLine({address: 16, type: 'str', size: 50, len: 2, value: 'hi'}) + '\n');
		expect(await exited).toBe(0);
		expect(stdout).toContain('Total 1 objects');
	});
});
