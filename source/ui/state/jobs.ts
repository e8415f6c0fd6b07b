/**
 * Work too long for one key press (the reachable size of an object in a
 * graph of millions, which objects are new since the previous dump), run
 * in slices of a few milliseconds between key presses on the main thread:
 * the store's arrays are plain ArrayBuffers, so a worker would need a copy
 * of the whole graph. A job is a resumable loop; the queue runs the newest
 * wanted job first and drops jobs nobody waits for any more.
 */

export type Job = {
	/** Work until `deadline` (performance.now()); true when finished. */
	step(deadline: number): boolean;
};

type Entry = {key: string; job: Job; onDone: () => void};

export class JobQueue {
	private entries: Entry[] = [];
	private readonly keys = new Set<string>();
	/** The longest single step seen, by job key prefix (ms): a step far past its deadline delays key presses. */
	readonly longestStepMs = new Map<string, number>();

	/** Queue a job unless one with the same key is queued. */
	add(key: string, job: Job, onDone: () => void): void {
		if (this.keys.has(key)) {
			return;
		}

		this.keys.add(key);
		this.entries.push({key, job, onDone});
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

	/** Run for about `budgetMs`; true while work remains. */
	run(budgetMs: number): boolean {
		const deadline = performance.now() + budgetMs;
		while (this.entries.length > 0 && performance.now() < deadline) {
			const entry = this.entries[this.entries.length - 1]!;
			const started = performance.now();
			const finished = entry.job.step(deadline);
			const kind = entry.key.split(':')[0]!;
			this.longestStepMs.set(kind, Math.max(this.longestStepMs.get(kind) ?? 0, performance.now() - started));
			if (finished) {
				this.entries.pop();
				this.keys.delete(entry.key);
				entry.onDone();
			}
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
