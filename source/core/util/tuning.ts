/**
 * Process-wide V8 tuning for the loader, applied by the entry points (the
 * CLI and the benchmarks), never by library code on import.
 *
 * NODE_FLAGS are given to node on its command line by the CLI's launcher
 * line (the first lines of source/cli.tsx): a flag set at run time reaches
 * only the isolates made after it (the parser threads), never the main one.
 * Without concurrent recompilation in the main isolate, Node's shutdown
 * cannot deadlock: in Node 20 (nodejs/node#54918, still open) the main
 * thread, at the end of the event loop, waits for all background tasks
 * while a background optimizing compile waits for a garbage collection
 * that only the main thread can run, and the process never exits (seen
 * here: about one `summarize` in forty with five running at once).
 *
 * On machines with one or two cores, V8's background compiler competes with
 * the parser threads for the same cores, and the hot parsing loops run
 * unoptimized for hundreds of milliseconds per thread before their
 * optimized code arrives. Compiling on the thread that needs the code costs
 * a few milliseconds once and saves 8–15% of a load here (2 cores).
 */

import {availableParallelism} from 'node:os';
import v8 from 'node:v8';

/** What the launcher passes to node (a test checks that cli.tsx's launcher line says exactly this). */
export const NODE_FLAGS: readonly string[] = ['--no-concurrent-recompilation'];

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
