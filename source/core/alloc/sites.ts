/**
 * Where objects were allocated: tracemalloc's traceback of each object,
 * read from the dump's allocation-site sidecar (see sidecar.ts).
 *
 * One Uint32Array indexed by object ordinal holds a traceback id (or
 * NO_TRACEBACK); the tracebacks themselves are a small table (one entry
 * per distinct traceback, usually per distinct line). The table lives
 * beside the store, like the slot names.
 */

import type {GraphStore} from '../graph/store.js';

export const NO_TRACEBACK = 0xFF_FF_FF_FF;

export type AllocFrame = {
	readonly file: string;
	readonly line: number;
	/** The function's (qualified) name, when the dumper could tell. */
	readonly function?: string;
};

export type AllocSites = {
	/** Per object ordinal: index in `tracebacks`, or NO_TRACEBACK. */
	readonly objectTraceback: Uint32Array;
	/** Frames, most recent call first. */
	readonly tracebacks: ReadonlyArray<readonly AllocFrame[]>;
	/** Objects with a traceback. */
	readonly objects: number;
	/** Frames tracemalloc kept per traceback in the target. */
	readonly frames: number;
	/** The sidecar's path. */
	readonly file: string;
};

const tables = new WeakMap<GraphStore, AllocSites>();

export function setAllocSites(store: GraphStore, sites: AllocSites): void {
	tables.set(store, sites);
}

export function allocSitesOf(store: GraphStore): AllocSites | undefined {
	return tables.get(store);
}

/** The traceback id of `ordinal`, or NO_TRACEBACK. */
export function tracebackOf(store: GraphStore, ordinal: number): number {
	const sites = tables.get(store);
	return sites === undefined ? NO_TRACEBACK : sites.objectTraceback[ordinal]!;
}

/** The frames where `ordinal` was allocated (most recent first), or undefined. */
export function allocatedAt(store: GraphStore, ordinal: number): readonly AllocFrame[] | undefined {
	const sites = tables.get(store);
	if (sites === undefined) {
		return undefined;
	}

	const id = sites.objectTraceback[ordinal]!;
	const frames = id === NO_TRACEBACK ? undefined : sites.tracebacks[id];
	return frames === undefined || frames.length === 0 ? undefined : frames;
}

/** `app.py:42 in handle_request` (raw: escape before showing). */
export function frameText(frame: AllocFrame): string {
	return `${frame.file}:${frame.line}${frame.function === undefined ? '' : ` in ${frame.function}`}`;
}

/** `allocated_at` for JSON: `[{"file", "line"}]`, with `function` where known. */
export function framesJson(frames: readonly AllocFrame[]): Array<Record<string, unknown>> {
	return frames.map(frame => ({file: frame.file, line: frame.line, ...(frame.function === undefined ? {} : {function: frame.function})}));
}

/**
 * The traceback all the objects `ordinals` picks share, or NO_TRACEBACK
 * when one has none or two differ (or there are none).
 */
export function sharedTraceback(store: GraphStore, pick: (visit: (ordinal: number) => boolean) => void): number {
	const sites = tables.get(store);
	if (sites === undefined) {
		return NO_TRACEBACK;
	}

	const {objectTraceback} = sites;
	let shared = NO_TRACEBACK;
	let first = true;
	let agree = true;
	pick(ordinal => {
		const id = objectTraceback[ordinal]!;
		if (first) {
			shared = id;
			first = false;
		} else if (id !== shared) {
			agree = false;
		}

		return agree && shared !== NO_TRACEBACK;
	});
	return agree ? shared : NO_TRACEBACK;
}

const MIXED = 0xFF_FF_FF_FE;

/**
 * Per group (`groupOf[ordinal]` is the group of an object, -1 for none):
 * the traceback every object of the group shares, or NO_TRACEBACK when
 * one has none or two differ. Undefined when the dump has no sites.
 */
export function groupTracebacks(store: GraphStore, groupOf: Int32Array, groupCount: number): Uint32Array | undefined {
	const sites = tables.get(store);
	if (sites === undefined) {
		return undefined;
	}

	const {objectTraceback} = sites;
	const shared = new Uint32Array(groupCount).fill(MIXED - 1);
	const unset = MIXED - 1;
	for (let i = 0; i < groupOf.length; i++) {
		const g = groupOf[i]!;
		if (g < 0) {
			continue;
		}

		const id = objectTraceback[i]!;
		const now = shared[g]!;
		if (now === unset) {
			shared[g] = id === NO_TRACEBACK ? MIXED : id;
		} else if (now !== id) {
			shared[g] = MIXED;
		}
	}

	for (let g = 0; g < groupCount; g++) {
		if (shared[g]! >= unset) {
			shared[g] = NO_TRACEBACK;
		}
	}

	return shared;
}

/** The frames of traceback `id` of `store`'s sites, or undefined. */
export function tracebackFrames(store: GraphStore, id: number): readonly AllocFrame[] | undefined {
	const frames = id === NO_TRACEBACK ? undefined : tables.get(store)?.tracebacks[id];
	return frames === undefined || frames.length === 0 ? undefined : frames;
}

export type SiteCount = {
	/** Index in the tracebacks table. */
	readonly traceback: number;
	readonly frames: readonly AllocFrame[];
	readonly count: number;
	readonly size: number;
};

/**
 * The allocation sites of the objects with `member[ordinal] = 1`, by the
 * first frame (the line that allocated them), most objects' size first.
 * Objects without a traceback are counted in `unknown`.
 */
export function topSites(store: GraphStore, member: Uint8Array, limit: number): {sites: SiteCount[]; unknown: number; unknownSize: number} | undefined {
	const table = tables.get(store);
	if (table === undefined) {
		return undefined;
	}

	const {objectTraceback, tracebacks} = table;
	const {objectSize} = store;
	// Tracebacks that start at the same line count together.
	const siteOf = new Uint32Array(tracebacks.length);
	const siteKey = new Map<string, number>();
	const representative: number[] = [];
	for (const [id, frames] of tracebacks.entries()) {
		const top = frames[0];
		const key = top === undefined ? '' : `${top.file}\u0000${top.line}`;
		let site = siteKey.get(key);
		if (site === undefined) {
			site = representative.length;
			siteKey.set(key, site);
			representative.push(id);
		}

		siteOf[id] = site;
	}

	const counts = new Float64Array(representative.length);
	const sizes = new Float64Array(representative.length);
	let unknown = 0;
	let unknownSize = 0;
	const n = store.objectCount;
	for (let i = 0; i < n; i++) {
		if (member[i] !== 1) {
			continue;
		}

		const id = objectTraceback[i]!;
		if (id === NO_TRACEBACK) {
			unknown++;
			unknownSize += objectSize[i]!;
			continue;
		}

		counts[siteOf[id]!]++;
		sizes[siteOf[id]!] += objectSize[i]!;
	}

	const sites: SiteCount[] = [];
	for (const [site, id] of representative.entries()) {
		if (counts[site]! > 0) {
			sites.push({traceback: id, frames: tracebacks[id]!.slice(0, 1), count: counts[site]!, size: sizes[site]!});
		}
	}

	sites.sort((a, b) => (b.size - a.size) || (b.count - a.count));
	return {sites: sites.slice(0, limit), unknown, unknownSize};
}
