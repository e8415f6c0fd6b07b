/**
 * Parser threads only where cores are idle: on a machine busy with other
 * work they wait for a core and cost more than they save.
 */

import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {busyCores, cpuTimesOf, markCpu, othersBusy} from '../../../source/core/util/cpu-busy.js';
import {defaultWorkerCount} from '../../../source/core/dump/parser-pool.js';

describe('defaultWorkerCount', () => {
	it('takes one thread per idle core, at most four', () => {
		expect(defaultWorkerCount(2, 0.1)).toBe(2);
		expect(defaultWorkerCount(4, 0)).toBe(4);
		expect(defaultWorkerCount(16, 2)).toBe(4);
		expect(defaultWorkerCount(8, 5)).toBe(3);
	});

	it('parses on the loading thread when fewer than two cores are idle', () => {
		expect(defaultWorkerCount(2, 0.8)).toBe(0);
		expect(defaultWorkerCount(2, 7.5)).toBe(0);
		expect(defaultWorkerCount(1, 0)).toBe(0);
		expect(defaultWorkerCount(4, 2.7)).toBe(0);
	});
});

describe('how busy the cores are now', () => {
	const stat = [
		'cpu  100 5 50 1000 20 3 2 0 7 0',
		'cpu0 50 2 25 500 10 1 1 0 0 0',
		'cpu1 50 3 25 500 10 2 1 0 7 0',
		'intr 12345',
		'',
	].join('\n');

	it('reads busy and total ticks and the number of cores from /proc/stat', () => {
		// Busy: user nice system irq softirq steal; idle and iowait are not; guest is inside user.
		expect(cpuTimesOf(stat)).toEqual({busy: 160, total: 1180, cores: 2});
		expect(cpuTimesOf('intr 1\n')).toBeUndefined();
		expect(cpuTimesOf('cpu  1 2 x 4 5\n')).toBeUndefined();
	});

	it('takes this process\'s own CPU time out of the machine\'s busy time', () => {
		const times = (busy: number, total: number) => ({busy, total, cores: 2});
		// 200 ticks over 2 cores in 1 s; 150 busy, of which 100 (1 s of CPU) were ours.
		const from = {times: times(0, 0), own: 0, at: 0};
		expect(busyCores(from, {times: times(150, 200), own: 1e6, at: 1000})).toBeCloseTo(0.5);
		expect(busyCores(from, {times: times(150, 200), own: 0, at: 1000})).toBeCloseTo(1.5);
		// Never below zero (ticks and microseconds are sampled at slightly different moments).
		expect(busyCores(from, {times: times(50, 200), own: 1e6, at: 1000})).toBe(0);
		expect(busyCores(from, {times: undefined, own: 0, at: 1})).toBeUndefined();
	});

	it.skipIf(!existsSync('/proc/stat'))('counts another process spinning, and not this one', async () => {
		const spinner = spawn(process.execPath, ['-e', 'for (;;);'], {stdio: 'ignore'});
		try {
			await new Promise(resolve => {
				setTimeout(resolve, 200);
			});
			const mark = markCpu();
			const busy = await othersBusy(mark, 300);
			// The spinner wants a whole core all the time (others may add to it).
			expect(busy).toBeGreaterThan(0.6);
		} finally {
			spinner.kill('SIGKILL');
		}

		// This process spinning for 300 ms: its own time is taken out.
		const mark = markCpu();
		const end = performance.now() + 300;
		while (performance.now() < end) {
			// Busy.
		}

		const after = markCpu();
		const others = busyCores(mark, after)!;
		const all = busyCores({...mark, own: 0}, {...after, own: 0})!;
		const ownCores = (after.own - mark.own) / 1000 / (after.at - mark.at);
		expect(ownCores).toBeGreaterThan(0.3);
		expect(all - others).toBeGreaterThan(ownCores - 0.25);
	});
});
