/**
 * How background work shares the main thread with key presses: a slice
 * ends near its budget even for a job whose units of work are coarse, a
 * key press read during a slice is handled before the next slice, and the
 * retained-size job allocates nothing when it is asked for (only in its
 * first slice). Time here is counted in units of work on a fake clock,
 * never measured.
 */

import {once} from 'node:events';
import {createServer, connect, type AddressInfo, type Socket} from 'node:net';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {syntheticStore} from '../../source/bench/ui-keys.js';
import type {Analyses, RetainedJob} from '../../source/ui/state/analyses.js';
import {coreAnalyses} from '../../source/ui/state/analyses.js';
import {type Job, JobQueue} from '../../source/ui/state/jobs.js';
import {ExplorerModel} from '../../source/ui/state/model.js';
import {BackgroundPump} from '../../source/ui/state/pump.js';

/** A clock that moves only when a job says it worked. */
function fakeClock(): {advance(ms: number): void; now(): number} {
	let now = 1000;
	vi.spyOn(performance, 'now').mockImplementation(() => now);
	return {
		advance(ms) {
			now += ms;
		},
		now: () => now,
	};
}

/** A job whose units of work each take `unitMs` on the clock; it looks at the clock after each unit. */
function coarseJob(clock: {advance(ms: number): void}, unitMs: number, units: number): Job & {done: number} {
	return {
		done: 0,
		step(deadline) {
			do {
				clock.advance(unitMs);
				this.done++;
			} while (this.done < units && performance.now() < deadline);

			return this.done === units;
		},
	};
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe('slices of background work', () => {
	test('a job with coarse units ends its slices within the budget after its first late one', () => {
		const clock = fakeClock();
		const queue = new JobQueue();
		// Units of 3 ms in slices of 5 ms: left alone, every slice would end at 6 ms.
		const job = coarseJob(clock, 3, 200);
		queue.add('coarse', job, () => undefined);
		const lengths: number[] = [];
		while (queue.pending > 0) {
			const before = clock.now();
			queue.run(5);
			lengths.push(clock.now() - before);
		}

		expect(job.done).toBe(200);
		expect(lengths.slice(0, 2)).toEqual([6, 6]);
		// Then mostly one unit a slice (3 ms); now and then two, while the queue checks whether two fit.
		const late = lengths.slice(2).filter(ms => ms > 5);
		expect(late.length).toBeLessThanOrEqual(lengths.length / 4);
		expect(Math.max(...lengths)).toBe(6);
		expect(lengths.filter(ms => ms === 3).length).toBeGreaterThan(lengths.length / 2);
	});

	test('a job with fine units keeps using its whole slice', () => {
		const clock = fakeClock();
		const queue = new JobQueue();
		const job = coarseJob(clock, 0.25, 400);
		queue.add('fine', job, () => undefined);
		let slices = 0;
		while (queue.pending > 0) {
			queue.run(5);
			slices++;
		}

		// 100 ms of work in 5 ms slices: 20 slices, or a few more while the queue learns.
		expect(slices).toBeGreaterThanOrEqual(20);
		expect(slices).toBeLessThanOrEqual(24);
	});

	test('a key press read during a slice is handled before the next slice', async () => {
		// A real socket: its data is read by the event loop's poll, as a terminal's keys are.
		const server = createServer();
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		const accepted = once(server, 'connection');
		const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
		await once(client, 'connect');
		const [peer] = await accepted as [Socket];
		const order: string[] = [];
		peer.on('data', data => {
			order.push(`key ${String(data)}`);
		});

		const queue = new JobQueue();
		let slice = 0;
		queue.add('busy', {
			step() {
				slice++;
				order.push(`slice ${slice}`);
				if (slice === 2) {
					// The key arrives while this slice runs.
					client.write('j');
				}

				return slice === 6;
			},
		}, () => undefined);
		const pump = new BackgroundPump(queue, 0);
		pump.pump();
		for (let wait = 0; queue.pending > 0 && wait < 400; wait++) {
			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 5);
			});
		}

		pump.stop();
		client.destroy();
		peer.destroy();
		server.close();
		expect(order.indexOf('key j')).toBe(order.indexOf('slice 2') + 1);
		expect(order.filter(entry => entry.startsWith('slice'))).toHaveLength(6);
	});

	test('asking for retained sizes makes no job until the first slice', () => {
		const store = syntheticStore({objects: 20_000, seed: 5});
		let made = 0;
		const analyses: Analyses = {
			...coreAnalyses,
			retained(of): RetainedJob {
				made++;
				return coreAnalyses.retained!(of);
			},
		};
		const model = new ExplorerModel([{file: 'synthetic', store}], analyses);
		let done = 0;
		model.requestRetained(() => {
			done++;
		});
		expect(model.retained.status).toBe('computing');
		expect(made).toBe(0);
		model.jobs.run(0);
		expect(made).toBe(1);
		model.jobs.drain();
		expect(done).toBe(1);
		expect(model.retained.status).toBe('ready');
	});

	test('retained sizes computed one unit a slice (deadline always past) equal those computed at once', () => {
		const store = syntheticStore({objects: 30_000, seed: 9});
		const sliced = new ExplorerModel([{file: 'synthetic', store}]);
		sliced.requestRetained(() => undefined);
		let slices = 0;
		while (sliced.jobs.run(0)) {
			slices++;
			expect(slices).toBeLessThan(1_000_000);
		}

		const whole = new ExplorerModel([{file: 'synthetic', store: syntheticStore({objects: 30_000, seed: 9})}]);
		whole.requestRetained(() => undefined);
		whole.jobs.drain();
		expect(sliced.retained.status).toBe('ready');
		expect(whole.retained.status).toBe('ready');
		// Many slices, each a unit of work: none did everything at once.
		expect(slices).toBeGreaterThan(20);
		expect([...sliced.retainedSize!]).toEqual([...whole.retainedSize!]);
	});
});
