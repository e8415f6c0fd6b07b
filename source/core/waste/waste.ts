/**
 * All the waste inspections of one dump (and, given older dumps, the
 * growing collections), as one result the `waste` command, `report` and
 * the benchmark share.
 */

import type {GraphStore} from '../graph/store.js';
import {type DuplicateStrings, findDuplicateStrings} from './duplicates.js';
import {type EmptyContainers, findEmptyContainers} from './empty-containers.js';
import {findGrowingCollections, type GrowingCollections} from './growing.js';
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

/** `stores` oldest first; the inspections of one dump are of the newest. */
export function inspectWaste(stores: readonly GraphStore[], limit: number): WasteReport {
	const store = stores.at(-1)!;
	return {
		duplicates: findDuplicateStrings(store, limit),
		empty: findEmptyContainers(store),
		instanceDicts: findInstanceDicts(store),
		oversized: findOversized(store, limit),
		growing: stores.length > 1 ? findGrowingCollections(stores, limit) : undefined,
	};
}
