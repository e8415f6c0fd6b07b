/**
 * Long computations on the load path are written as generators that yield
 * every so many iterations (a counter, not a clock): the loader runs them in
 * slices between which it checks for Ctrl-C and reports progress; anything
 * else runs them to the end at once with runSteps.
 */

/** Run a stepped computation to its end, on this thread, and return its result. */
export function runSteps<T>(steps: Generator<void, T>): T {
	for (;;) {
		const next = steps.next();
		if (next.done === true) {
			return next.value;
		}
	}
}

/** Iterations of a loop between two yields (a few milliseconds of work). */
export const SLICE = 1 << 16;

/**
 * Run `body(from, to)` over [0, count) in slices of `slice`, yielding
 * between them. The loop itself belongs in `body`, an ordinary function:
 * V8 optimizes a hot loop there, while one written inside a generator runs
 * about twice as slowly.
 */
export function * inSlices(count: number, body: (from: number, to: number) => void, slice = SLICE): Generator<void, void> {
	for (let from = 0; from < count; from += slice) {
		body(from, Math.min(count, from + slice));
		if (from + slice < count) {
			yield;
		}
	}
}
