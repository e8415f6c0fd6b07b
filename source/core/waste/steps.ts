/**
 * The waste inspections in resumable form, for a caller that must stay
 * responsive (the explorer runs them between key presses): each inspection
 * is a generator that yields after about STEP_WORK units of work (an
 * object, a reference, an array element filled) and returns its result.
 * `runSteps` runs one to the end at once; that is the one-shot form the
 * commands use, so both forms are one piece of code.
 */

import {UNRESOLVED_BIT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {TopK} from '../util/top-k.js';

/** A computation that yields now and then and returns `T`. */
export type Steps<T> = Generator<void, T, void>;

/** Units of work between two yields: well under a millisecond of it. */
export const STEP_WORK = 8192;

/** Run `steps` to the end. */
export function runSteps<T>(steps: Steps<T>): T {
	for (;;) {
		const next = steps.next();
		if (next.done === true) {
			return next.value;
		}
	}
}

/** Run `steps` until `deadline` (performance.now()); the result when they finished, else undefined. */
export function stepUntil<T>(steps: Steps<T>, deadline: number): {readonly value: T} | undefined {
	do {
		const next = steps.next();
		if (next.done === true) {
			return {value: next.value};
		}
	} while (performance.now() < deadline);

	return undefined;
}

/** `array.fill(value)`, a slice at a time (filling fresh memory is as slow as a pass over it). */
export function * fillSteps(array: Uint32Array | Int32Array | Float64Array, value: number): Steps<void> {
	for (let start = 0; start < array.length; start += STEP_WORK * 8) {
		array.fill(value, start, Math.min(array.length, start + (STEP_WORK * 8)));
		yield;
	}
}

/**
 * `visit(parent, child)` for every resolved reference of `store`, parents
 * in ascending order and each one's children in dump order (one pass, no
 * parents index needed), in steps: an object with a million references is
 * visited across many.
 */
export function * referencesSteps(store: GraphStore, visit: (parent: number, child: number) => void): Steps<void> {
	const {firstChild, childTargets} = store;
	const n = store.objectCount;
	let work = 0;
	for (let parent = 0; parent < n; parent++) {
		if (++work >= STEP_WORK) {
			work = 0;
			yield;
		}

		const end = firstChild[parent + 1]!;
		for (let e = firstChild[parent]!; e < end; e++) {
			if (++work >= STEP_WORK) {
				work = 0;
				yield;
			}

			const child = childTargets[e]!;
			if (child < UNRESOLVED_BIT) {
				visit(parent, child);
			}
		}
	}
}

/**
 * The analyses' topByKey in steps: the `count` ordinals below `n` with the
 * largest `key` that `accept` takes, largest first (ties: lower ordinal).
 */
export function * topByKeySteps(key: Float64Array, count: number, n: number, accept: (ordinal: number) => boolean): Steps<Uint32Array> {
	const k = Math.max(0, Math.min(count, n));
	if (k === 0) {
		return new Uint32Array(0);
	}

	const top = new TopK(key, k);
	for (let start = 0; start < n; start += STEP_WORK) {
		const end = Math.min(n, start + STEP_WORK);
		for (let ordinal = start; ordinal < end; ordinal++) {
			if (accept(ordinal)) {
				top.offer(ordinal);
			}
		}

		yield;
	}

	return top.result();
}
