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
