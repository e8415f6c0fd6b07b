/**
 * Process-wide V8 tuning for the loader, applied by the entry points (the
 * CLI and the benchmarks), never by library code on import.
 *
 * On machines with one or two cores, V8's background compiler competes with
 * the parser threads for the same cores, and the hot parsing loops run
 * unoptimized for hundreds of milliseconds per thread before their
 * optimized code arrives. Compiling on the thread that needs the code costs
 * a few milliseconds once and saves 8–15% of a load here (2 cores).
 */

import {availableParallelism} from 'node:os';
import v8 from 'node:v8';

let tuned = false;

export function tuneForLoading(): void {
	if (tuned) {
		return;
	}

	tuned = true;
	if (availableParallelism() <= 2) {
		v8.setFlagsFromString('--no-concurrent-recompilation');
	}
}
