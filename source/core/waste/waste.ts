/**
 * All the waste inspections of one dump (and, given older dumps, the
 * growing collections), as one result the `waste` command, `report` and
 * the benchmark share.
 */

import type {GraphStore} from '../graph/store.js';
import {type DuplicateStrings, findDuplicateStringsSteps} from './duplicates.js';
import {type EmptyContainers, findEmptyContainersSteps} from './empty-containers.js';
import {findGrowingCollectionsSteps, type GrowingCollections, type LengthView} from './growing.js';
import {findInstanceDictsSteps, type InstanceDicts} from './instance-dicts.js';
import {findOversizedSteps, type Oversized} from './oversized.js';
import {runSteps, type Steps} from './steps.js';

export type WasteReport = {
	readonly duplicates: DuplicateStrings;
	readonly empty: EmptyContainers;
	readonly instanceDicts: readonly InstanceDicts[];
	readonly oversized: Oversized;
	/** Undefined with one dump. */
	readonly growing: GrowingCollections | undefined;
};

/** The inspections of `store`; given older dumps (oldest first), the growing collections too. */
export function inspectWaste(store: GraphStore, limit: number, older: readonly LengthView[] = []): WasteReport {
	return runSteps(inspectWasteSteps(store, limit, older));
}

/** The inspections in the order inspectWasteSteps runs them (growing collections only given older dumps). */
export const WASTE_PHASES = ['duplicate strings', 'empty containers', 'per-instance dicts', 'oversized containers', 'growing collections'] as const;

/**
 * inspectWaste in steps (steps.ts), for the explorer's background jobs;
 * `onPhase(k)` as inspection WASTE_PHASES[k] starts.
 */
export function * inspectWasteSteps(store: GraphStore, limit: number, older: readonly LengthView[] = [], onPhase?: (phase: number) => void): Steps<WasteReport> {
	onPhase?.(0);
	const duplicates = yield * findDuplicateStringsSteps(store, limit);
	onPhase?.(1);
	const empty = yield * findEmptyContainersSteps(store);
	onPhase?.(2);
	const instanceDicts = yield * findInstanceDictsSteps(store);
	onPhase?.(3);
	const oversized = yield * findOversizedSteps(store, limit);
	let growing: GrowingCollections | undefined;
	if (older.length > 0) {
		onPhase?.(4);
		growing = yield * findGrowingCollectionsSteps(older, store, limit);
	}

	return {duplicates, empty, instanceDicts, oversized, growing};
}
