/**
 * Work too long for one key press (the reachable size of an object in a
 * graph of millions, which objects are new since the previous dump), run
 * in slices of a few milliseconds between key presses on the main thread:
 * the store's arrays are plain ArrayBuffers, so a worker would need a copy
 * of the whole graph. A job is a resumable loop; the queue runs the newest
 * wanted job first and drops jobs nobody waits for any more.
 *
 * A job looks at the clock between units of work, so a step ends up to one
 * unit past its deadline. The queue learns, per kind of job, how far past
 * the slice's end the kind's steps run, and gives its next steps a deadline
 * that much earlier: a job whose units are coarse (a pass over an array of
 * millions between two looks at the clock) still ends its slices near the
 * budget, and a key press waits for at most one short slice.
 */

export type Job = {
	/** Work until `deadline` (performance.now()); true when finished. */
	step(deadline: number): boolean;
};

type Entry = {key: string; kind: string; job: Job; onDone: () => void};

/** Milliseconds of background work between two looks at the keyboard. */
export const SLICE_MS = 5;

/** For each millisecond a slice ends before its end, its kind's steps stop this much later next time. */
const EARLY_DECAY = 0.1;

export class JobQueue {
	private entries: Entry[] = [];
	private readonly keys = new Set<string>();
	/** The longest single step seen, by job key prefix (ms): a step far past its deadline delays key presses. */
	readonly longestStepMs = new Map<string, number>();
	/**
	 * By job key prefix: how much earlier than the slice's end its steps are
	 * asked to stop (ms). Grows by each overrun of the slice, shrinks slowly
	 * while slices end early.
	 */
	private readonly early = new Map<string, number>();
	/** Called after every step (benchmarks trace what ran between key presses). */
	onStep: ((kind: string, startedAt: number, ms: number) => void) | undefined;

	/** Queue a job unless one with the same key is queued. */
	add(key: string, job: Job, onDone: () => void): void {
		if (this.keys.has(key)) {
			return;
		}

		this.keys.add(key);
		this.entries.push({key, kind: key.split(':')[0]!, job, onDone});
	}

	has(key: string): boolean {
		return this.keys.has(key);
	}

	/** Drop queued jobs whose key fails `keep`. */
	retain(keep: (key: string) => boolean): void {
		this.entries = this.entries.filter(entry => {
			if (keep(entry.key)) {
				return true;
			}

			this.keys.delete(entry.key);
			return false;
		});
	}

	get pending(): number {
		return this.entries.length;
	}

	/** How much earlier than the slice's end a step of this kind is asked to stop (ms). */
	earlyBy(kind: string): number {
		return this.early.get(kind) ?? 0;
	}

	/**
	 * Run one slice of about `budgetMs`: a step of the newest job; when it
	 * finishes, a step of the next one, until the slice's end. A step that
	 * stops unfinished has met its deadline, which ends the slice. Every
	 * slice does some work. True while work remains.
	 */
	run(budgetMs: number): boolean {
		const end = performance.now() + budgetMs;
		let first = true;
		for (;;) {
			const entry = this.entries.at(-1);
			const started = performance.now();
			if (entry === undefined || (!first && started >= end)) {
				break;
			}

			first = false;
			const early = this.earlyBy(entry.kind);
			const finished = entry.job.step(end - Math.min(early, budgetMs));
			const stopped = performance.now();
			const ms = stopped - started;
			this.longestStepMs.set(entry.kind, Math.max(this.longestStepMs.get(entry.kind) ?? 0, ms));
			this.onStep?.(entry.kind, started, ms);
			if (finished) {
				this.entries.pop();
				this.keys.delete(entry.key);
				entry.onDone();
				continue;
			}

			// Past the slice's end: stop that much earlier next time; before it:
			// a little later. Never more than a slice early (a step that lost its
			// core to another process for 100 ms says nothing about its units).
			const over = stopped - end;
			this.early.set(entry.kind, Math.min(budgetMs, Math.max(0, over > 0 ? early + over : early + (over * EARLY_DECAY))));
			break;
		}

		return this.entries.length > 0;
	}

	/** Run everything to the end (tests, benchmarks). */
	drain(): void {
		while (this.run(1000)) {
			// Keep going.
		}
	}
}
