/**
 * Runs a job queue in slices, one slice per turn of the event loop: each
 * slice is a `setImmediate` callback, so between two slices Node polls for
 * input and a key press read meanwhile is handled (and its frame drawn)
 * before the next slice starts. A key waits for at most the slice that was
 * running when it arrived.
 */

import {type JobQueue, SLICE_MS} from './jobs.js';

export class BackgroundPump {
	private handle: NodeJS.Immediate | undefined;
	private alive = true;

	constructor(private readonly jobs: JobQueue, private readonly sliceMs = SLICE_MS) {}

	/** Start running the queue (call after queueing a job); nothing when already running. */
	readonly pump = (): void => {
		if (this.handle !== undefined || !this.alive) {
			return;
		}

		this.handle = setImmediate(this.tick);
	};

	/** Allow running again after stop() (a component mounted again). */
	resume(): void {
		this.alive = true;
	}

	/** Stop (the explorer is closing); queued jobs stay queued. */
	stop(): void {
		this.alive = false;
		if (this.handle !== undefined) {
			clearImmediate(this.handle);
			this.handle = undefined;
		}
	}

	private readonly tick = (): void => {
		this.handle = undefined;
		if (!this.alive) {
			return;
		}

		// One slice, then back to the event loop: input first, then the next slice.
		if (this.jobs.run(this.sliceMs)) {
			this.handle = setImmediate(this.tick);
		}
	};
}
