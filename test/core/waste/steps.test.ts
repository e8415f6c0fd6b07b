/**
 * The waste inspections' step form (the explorer runs it between key
 * presses) on the demo's real dumps: it yields many times on the way, two
 * runs interleaved step by step share nothing, and each gives what the
 * one-shot inspectWaste gives.
 */

import {fileURLToPath} from 'node:url';
import {beforeAll, describe, expect, it} from 'vitest';
import {loadDump} from '../../../source/core/dump/load.js';
import type {GraphStore} from '../../../source/core/graph/store.js';
import {lengthView} from '../../../source/core/waste/growing.js';
import {inspectWaste, inspectWasteSteps, WASTE_PHASES} from '../../../source/core/waste/waste.js';

const demo = (k: number): string => fileURLToPath(new URL(`../../../fixtures/demo/demo-${k}.json.gz`, import.meta.url));

let stores: GraphStore[];
beforeAll(async () => {
	stores = [];
	for (const k of [1, 2, 3]) {
		// eslint-disable-next-line no-await-in-loop
		stores.push((await loadDump(demo(k), {workers: 0})).store);
	}
});

describe('inspectWasteSteps', () => {
	it('yields on the way and, interleaved with another run, gives the one-shot report', () => {
		const [first, second, newest] = stores as [GraphStore, GraphStore, GraphStore];
		const older = [lengthView(first), lengthView(second)];
		const phases: number[] = [];
		const runs = [
			{steps: inspectWasteSteps(newest, 10, older, phase => phases.push(phase)), yields: 0, result: undefined as unknown},
			{steps: inspectWasteSteps(second, 10), yields: 0, result: undefined as unknown},
		];
		while (runs.some(run => run.result === undefined)) {
			for (const run of runs) {
				if (run.result !== undefined) {
					continue;
				}

				const next = run.steps.next();
				if (next.done === true) {
					run.result = next.value;
				} else {
					run.yields++;
				}
			}
		}

		// The demo's newest dump has tens of thousands of objects: every pass over them yields several times.
		expect(newest.objectCount).toBeGreaterThan(20_000);
		expect(runs[0]!.yields).toBeGreaterThan(20);
		expect(runs[1]!.yields).toBeGreaterThan(20);
		expect(phases).toEqual(WASTE_PHASES.map((_name, k) => k));
		const expected = inspectWaste(newest, 10, older);
		expect(expected.growing!.count).toBeGreaterThan(0);
		expect(expected.duplicates.duplicatedValues).toBeGreaterThan(0);
		expect(runs[0]!.result).toEqual(expected);
		expect(runs[1]!.result).toEqual(inspectWaste(second, 10));
	});
});
