/**
 * All the waste inspections of one dump (and, given older dumps, the
 * growing collections), as one result the `waste` command, `report` and
 * the benchmark share.
 */

import type {GraphStore} from '../graph/store.js';
import {type DuplicateStrings, findDuplicateStrings} from './duplicates.js';
import {type EmptyContainers, findEmptyContainers} from './empty-containers.js';
import {findGrowingCollections, type GrowingCollections, type LengthView} from './growing.js';
import {findInstanceDicts, type InstanceDicts} from './instance-dicts.js';
import {findOversized, type Oversized} from './oversized.js';

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
	return {
		duplicates: findDuplicateStrings(store, limit),
		empty: findEmptyContainers(store),
		instanceDicts: findInstanceDicts(store),
		oversized: findOversized(store, limit),
		growing: older.length > 0 ? findGrowingCollections(older, store, limit) : undefined,
	};
}
