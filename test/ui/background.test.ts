import {describe, expect, test} from 'vitest';
import {diffDumps, snapshotOf} from '../../source/core/analyses/diff.js';
import {walkReachable} from '../../source/core/analyses/reachable.js';
import {syntheticStore} from '../../source/bench/ui-keys.js';
import {NewObjectsJob, ReachableJob} from '../../source/ui/state/background.js';
import {JobQueue} from '../../source/ui/state/jobs.js';
import {loadObjects} from '../helpers/dump-lines.js';

describe('background work', () => {
	const store = syntheticStore({objects: 30_000, seed: 3});

	test('the reachable walk in tiny slices gives the core total', () => {
		for (const start of [0, 1, 2, 500, 29_999]) {
			const job = new ReachableJob(store, start);
			let slices = 0;
			// A deadline already past: every step does one slice of work.
			while (!job.step(0)) {
				slices++;
			}

			const expected = walkReachable(store, start);
			expect(job.total).toBe(expected.totalSize);
			expect(job.reached).toBe(expected.order.length);
			if (start === 1) {
				// The list with ~30,000 references is pushed over many slices.
				expect(slices).toBeGreaterThan(3);
			}
		}
	});

	test('new objects: addresses the previous dump lacks, or had with another type', async () => {
		const before = await loadObjects([
			{address: 16, type: 'dict', size: 232},
			{address: 32, type: 'str', size: 50, value: 'a'},
			{address: 48, type: 'list', size: 56},
		]);
		const after = await loadObjects([
			{address: 16, type: 'dict', size: 232},
			{address: 32, type: 'bytes', size: 50},
			{address: 64, type: 'list', size: 56},
			{address: 80, type: 'list', size: 56},
		]);
		const job = new NewObjectsJob(after, snapshotOf(before));
		while (!job.step(0)) {
			// Slices.
		}

		expect([...job.result!.isNew]).toEqual([0, 1, 1, 1]);
		// The same objects as the core's (unsliced) comparison.
		expect([...job.result!.isNew]).toEqual([...diffDumps(snapshotOf(before), after).isNew]);
		expect(job.result!.newCount[after.typeId('list')]).toBe(2);
		expect(job.result!.newCount[after.typeId('dict')]).toBe(0);
	});

	test('the queue runs the newest job first and drops jobs nobody waits for', () => {
		const queue = new JobQueue();
		const order: string[] = [];
		const job = (name: string, steps: number) => ({
			step() {
				order.push(name);
				return --steps === 0;
			},
		});
		queue.add('a', job('a', 2), () => order.push('a done'));
		queue.add('b', job('b', 1), () => order.push('b done'));
		queue.add('b', job('b2', 1), () => order.push('b2 done'));
		queue.add('c', job('c', 5), () => order.push('c done'));
		queue.retain(key => key !== 'c');
		queue.drain();
		expect(order).toEqual(['b', 'b done', 'a', 'a', 'a done']);
		expect(queue.pending).toBe(0);
	});
});
