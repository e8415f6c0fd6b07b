/**
 * Ctrl-C during the phases after reading: collapse, remove_expensive and
 * meliae's type order run in slices, and the load stops within one slice
 * instead of at the end of the phase. The command line and the explorer
 * abort the load's signal on SIGINT; here the signal is aborted directly.
 */

import {describe, expect, it} from 'vitest';
import {type LoadOptions, type LoadPhase, type LoadProgress, LoadAbortedError, loadDump} from '../../../source/core/dump/load.js';
import {writeDump} from '../../helpers/dump-lines.js';

/**
 * Many instances in meliae's pattern (`[its __dict__, its class]`), each
 * dict holding a key and a value string, plus functions (for
 * remove_expensive) and two types of equal count and size (a tie, so
 * meliae's type order is computed).
 */
function instanceDump(instances: number): string {
	const lines: string[] = [];
	const base = 140_000_000_000_000;
	const classAddress = base - 4096;
	const moduleAddress = base - 8192;
	lines.push(
		`{"address": ${moduleAddress}, "type": "module", "size": 72, "name": "app", "refs": []}`,
		`{"address": ${classAddress}, "type": "type", "size": 1056, "name": "Item", "refs": []}`,
		`{"address": ${base - 12_288}, "type": "TieA", "size": 40, "refs": []}`,
		`{"address": ${base - 12_352}, "type": "TieB", "size": 40, "refs": []}`,
	);
	for (let i = 0; i < instances; i++) {
		const object = base + (i * 256);
		const dict = object + 64;
		const key = object + 128;
		const value = object + 192;
		lines.push(
			`{"address": ${object}, "type": "Item", "size": 48, "refs": [${dict}, ${classAddress}]}`,
			`{"address": ${dict}, "type": "dict", "size": 104, "len": 1, "refs": [${key}, ${value}]}`,
			`{"address": ${key}, "type": "str", "size": 54, "len": 5, "value": "name${i % 10}", "refs": []}`,
			i % 4 === 0
				? `{"address": ${value}, "type": "function", "size": 136, "name": "f${i}", "refs": [${key}, ${moduleAddress}]}`
				: `{"address": ${value}, "type": "str", "size": 60, "len": 11, "value": "value ${i}", "refs": []}`,
		);
	}

	return lines.join('\n') + '\n';
}

const dump = writeDump(instanceDump(100_000));

type Run = {
	/** Progress reports of `phase` before the load ended. */
	reports: number;
	/** Phases whose end the loader reported. */
	ended: LoadPhase[];
	objectsReady: boolean;
	result?: Awaited<ReturnType<typeof loadDump>>;
	error?: unknown;
};

/** Load `dump`, aborting at the `abortAt`-th progress report of `phase` (never when undefined). */
async function run(phase: LoadPhase, abortAt: number | undefined, options: LoadOptions = {}): Promise<Run> {
	const controller = new AbortController();
	const state: Run = {reports: 0, ended: [], objectsReady: false};
	try {
		state.result = await loadDump(dump, {
			workers: 0,
			// Every slice ends in a check: the test sees each of them.
			stepMs: 0,
			...options,
			signal: controller.signal,
			onPhase(ended) {
				state.ended.push(ended);
			},
			onObjectsReady() {
				state.objectsReady = true;
			},
			onProgress(progress: LoadProgress) {
				if (progress.phase !== phase) {
					return;
				}

				state.reports++;
				if (state.reports === abortAt) {
					controller.abort();
				}
			},
		});
	} catch (error) {
		state.error = error;
	}

	return state;
}

describe('Ctrl-C after reading', () => {
	it('stops collapse within a slice: the phase never ends, the summary is never drawn', async () => {
		const whole = await run('collapsing', undefined);
		expect(whole.error).toBeUndefined();
		expect(whole.result!.problems.collapsedDicts).toBe(100_000);
		// One report on entering the phase, then one per slice.
		expect(whole.reports).toBeGreaterThan(5);

		for (const abortAt of [2, Math.floor(whole.reports / 2), whole.reports]) {
			const stopped = await run('collapsing', abortAt);
			expect(stopped.error).toBeInstanceOf(LoadAbortedError);
			expect(stopped.reports).toBe(abortAt);
			expect(stopped.ended).not.toContain('collapsing');
			expect(stopped.objectsReady).toBe(false);
		}
	});

	it('stops meliae type order (the last slices of the phase) and remove_expensive the same way', async () => {
		// The tie between TieA and TieB makes the loader compute meliae's
		// type order after collapse, in the same phase: its slices come last.
		const whole = await run('expensive', undefined, {removeExpensive: true});
		expect(whole.error).toBeUndefined();
		expect(whole.reports).toBeGreaterThan(3);
		const stopped = await run('expensive', whole.reports, {removeExpensive: true});
		expect(stopped.error).toBeInstanceOf(LoadAbortedError);
		expect(stopped.ended).not.toContain('expensive');
		expect(stopped.objectsReady).toBe(false);
		const early = await run('expensive', 2, {removeExpensive: true});
		expect(early.error).toBeInstanceOf(LoadAbortedError);
		expect(early.ended).not.toContain('expensive');
	});

	it('gives the same store in slices as in one go', async () => {
		const sliced = (await run('collapsing', undefined)).result!.store;
		const whole = (await run('collapsing', undefined, {stepMs: 1e9})).result!.store;
		expect(sliced.objectCount).toBe(whole.objectCount);
		expect(Buffer.from(sliced.objectAddress.buffer, sliced.objectAddress.byteOffset, sliced.objectAddress.byteLength)
			.equals(Buffer.from(whole.objectAddress.buffer, whole.objectAddress.byteOffset, whole.objectAddress.byteLength))).toBe(true);
		expect([...sliced.childTargets]).toEqual([...whole.childTargets]);
		expect([...sliced.objectSize]).toEqual([...whole.objectSize]);
		expect(sliced.indexOf(140_000_000_000_000 + 256)).toBe(whole.indexOf(140_000_000_000_000 + 256));
	});
});
