/**
 * The core's long analyses as the explorer uses them: retained sizes from
 * the dominator tree (computed in background slices), the path from a root
 * to an object, and how a parent refers to a child. Injectable, so tests
 * can replace or withhold them.
 */

import {DominatorJob, type Dominators} from '../../core/analyses/dominators.js';
import {edgeName, findPath} from '../../core/analyses/paths.js';
import type {GraphStore} from '../../core/graph/store.js';
import {savedDominatorsJob, saveAnalyses} from '../../core/index/persisted.js';

export type RetainedJob = {
	/** Work until `deadline`; true when finished. */
	step(deadline: number): boolean;
	/** Rough share done, 0..1. */
	fraction(): number;
	result(): Dominators;
};

export type Path = {
	/** Root first, the object last. */
	readonly ordinals: Uint32Array;
	/** edges[i]: how ordinals[i - 1] refers to ordinals[i] (`.attr`, `['key']`, `[3]`), or null. */
	readonly edges: ReadonlyArray<string | null>;
};

export type Analyses = {
	readonly retained?: (store: GraphStore) => RetainedJob;
	readonly pathTo?: (store: GraphStore, ordinal: number, dominators: Dominators | undefined) => Path | undefined;
	readonly edgeName?: (store: GraphStore, parent: number, child: number) => string | undefined;
};

export const coreAnalyses: Analyses = {
	retained(store) {
		// Saved with the dump's index by an earlier run: read (and checked) in
		// steps like a computation, nothing before the first step; computed
		// when there are none or they are unusable.
		const saved = savedDominatorsJob(store);
		let job: DominatorJob | undefined;
		let result: Dominators | undefined;
		return {
			step(deadline) {
				if (job === undefined) {
					if (!saved.step(deadline)) {
						return false;
					}

					result = saved.result();
					if (result !== undefined) {
						return true;
					}

					job = new DominatorJob(store);
				}

				return job.run(deadline);
			},
			fraction: () => job === undefined ? saved.fraction() : job.progress().fraction,
			result() {
				if (result === undefined) {
					result = job!.result();
					// For the next run on this dump (nothing when it has no index;
					// after the index when it is still being written). Never rejects.
					void saveAnalyses(store, result);
				}

				return result;
			},
		};
	},
	pathTo(store, ordinal, dominators) {
		// Weak references keep nothing alive: a path through one explains nothing.
		const path = findPath(store, ordinal, {skipWeak: true, representatives: dominators?.representatives});
		return path === undefined ? undefined : {ordinals: path.ordinals, edges: path.edges.map(edge => edge?.text ?? null)};
	},
	edgeName(store, parent, child) {
		return edgeName(store, parent, child)?.text;
	},
};
