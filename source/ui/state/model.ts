/**
 * What the explorer knows about the loaded dumps, and every query the views
 * make, cached: summaries by order, the filtered type list, each type's
 * objects in get_all order, reachable sizes and the objects new since the
 * previous dump (both computed in the background). Nothing here depends on
 * React or Ink; the reducer and the selectors read it.
 *
 * Analyses that take long or come from other modules plug in here: see
 * `retained` and `pathTo` below.
 */

import {type Summary, type SummaryOrder, type TypeSummary, sortTypeSummaries, summarizeTypes} from '../../core/analyses/summary.js';
import {FLAG_COLLAPSED} from '../../core/graph/layout.js';
import {type DumpSnapshot, snapshotOf, typeTotals} from '../../core/analyses/diff.js';
import type {Dominators} from '../../core/analyses/dominators.js';
import {trendOf, type TrendType} from '../../core/analyses/trend.js';
import {type GraphStore, UNRESOLVED_BIT} from '../../core/graph/store.js';
import {TreeBuildJob} from '../../core/analyses/dominator-tree.js';
import {type RetainedSetByType, RetainedSetWalk} from '../../core/analyses/retained-set.js';
import {NewObjectsJob, type NewObjects, ReachableJob} from './background.js';
import {CandidatesJob, type Leaks, leaksOf} from './leaks.js';
import {type Waste, WasteJob} from './waste.js';
import {type LengthView, lengthView} from '../../core/waste/growing.js';
import {flattenTree, TreePages, type TreeRows} from './tree.js';
import {type Analyses, coreAnalyses, type Path, type RetainedJob} from './analyses.js';
import {JobQueue} from './jobs.js';
import type {RefOrder, SortKey} from './types.js';
import {sortByRetained, TypeIndex} from './object-order.js';
import {type Matcher, SearchJob, type SearchResult} from './search.js';

export type DumpSource = {
	/** Shown in the header (escaped there). */
	readonly file: string;
	readonly store: GraphStore;
	/** The process's resident memory when it was dumped (from the dump's sidecar). */
	readonly rssBytes?: number;
};

/**
 * An older dump, compared with the newest: only what the comparison needs
 * (the core's snapshot: addresses, types, sizes, per-type totals), so the
 * rest of its store can be freed once loaded.
 */
export type OlderDump = {
	readonly file: string;
	readonly snapshot: DumpSnapshot;
	/** Its `len` and reference columns, for the waste screen's growing collections. */
	readonly lengths?: LengthView;
};

export type TypeRows = {
	/** The types shown, in order. */
	readonly types: readonly TypeSummary[];
	readonly totalCount: number;
	readonly totalSize: number;
	/** Totals of every type, filter or not. */
	readonly allCount: number;
	readonly allSize: number;
	readonly allTypes: number;
};

/** A type's numbers in the previous dump, by name. */
export type PreviousType = {readonly count: number; readonly size: number};

/** A type's counts and sizes in each dump, oldest first (the core's trendOf). */
export type TrendRow = TrendType;

/** Retained sizes (dominator tree): computed in the background after load. */
export type RetainedState =
	| {readonly status: 'unavailable'}
	| {readonly status: 'computing'; readonly fraction: number}
	| {readonly status: 'ready'; readonly dominators: Dominators};

/** A chain of references from a root to an object. */
export type PathResult =
	| {readonly status: 'unavailable'}
	| {readonly status: 'none'}
	| {readonly status: 'ready'; readonly path: Path};

export class ExplorerModel {
	/** Older dumps first; the explored one (`current`) is not among them. */
	readonly older: readonly OlderDump[];
	readonly current: DumpSource;
	readonly store: GraphStore;
	readonly previous: OlderDump | undefined;
	readonly types: TypeIndex;
	readonly jobs = new JobQueue();
	private readonly summaries = new Map<SummaryOrder, Summary>();
	private rowsCache: {by: SortKey; filter: string; reversed: boolean; version: string; rows: TypeRows} | undefined;
	private readonly refLists = new Map<string, Uint32Array>();
	private lowerTypeNames: string[] | undefined;
	private readonly reachable = new Map<number, {total: number; reached: number}>();
	private newObjects: NewObjects | undefined;
	private readonly newLists = new Map<number, Uint32Array>();
	/** Lists sorted by retained size, by "typeId:newOnly"; few are ever asked for. */
	private readonly retainedLists = new Map<string, Uint32Array>();
	private previousByName: Map<string, PreviousType> | undefined;
	private trendCache: TrendRow[] | undefined;
	private retainedState: RetainedState = {status: 'unavailable'};
	private readonly paths = new Map<number, PathResult>();
	private readonly labels = new Map<string, string | undefined>();
	private treePages: TreePages | undefined;
	private readonly treeRowsCache = new WeakMap<ReadonlyMap<number, number>, {root: number; pages: TreePages; rows: TreeRows}>();
	private readonly retainedSets = new Map<number, RetainedSetByType>();
	private leaksState: Leaks | undefined;
	private wasteState: Waste | undefined;
	private wasteJob: WasteJob | undefined;

	/**
	 * @param dumps oldest first; the last one is explored and must have its
	 * store, the others may be snapshots (stores are reduced to snapshots).
	 */
	constructor(dumps: ReadonlyArray<DumpSource | OlderDump>, private readonly analyses: Analyses = coreAnalyses) {
		const current = dumps.at(-1);
		if (current === undefined || !('store' in current)) {
			throw new Error('the explorer needs a dump to explore');
		}

		this.current = current;
		this.store = current.store;
		this.older = dumps.slice(0, -1).map(dump => ('store' in dump ? {file: dump.file, snapshot: snapshotOf(dump.store), lengths: lengthView(dump.store)} : dump));
		this.previous = this.older.at(-1);
		this.types = new TypeIndex(this.store);
	}

	// ------------------------------------------------------------ summary

	summary(by: SummaryOrder): Summary {
		let summary = this.summaries.get(by);
		if (summary === undefined) {
			const other = this.summaries.get(by === 'size' ? 'count' : 'size');
			summary = other === undefined
				? summarizeTypes(this.store, by)
				: {...other, types: sortTypeSummaries(other.types, by)};
			this.summaries.set(by, summary);
		}

		return summary;
	}

	/** Retained size of a type's outermost objects, once the dominator tree is known. */
	typeRetained(typeId: number): number | undefined {
		return this.retainedState.status === 'ready' ? this.retainedState.dominators.typeRetainedSize[typeId] : undefined;
	}

	/** The key a summary order sorts by, or undefined when it is not known (yet). */
	private sortKeyOf(by: SortKey): ((type: TypeSummary) => number) | undefined {
		switch (by) {
			case 'size':
			case 'count': {
				return undefined;
			}

			case 'retained': {
				return this.retainedState.status === 'ready' ? type => this.typeRetained(type.typeId)! : undefined;
			}

			case 'deltaCount':
			case 'deltaSize': {
				if (this.previous === undefined) {
					return undefined;
				}

				const field = by === 'deltaCount' ? 'count' : 'size';
				return type => type[field] - (this.previousType(type.type)?.[field] ?? 0);
			}

			case 'new': {
				return this.newObjects === undefined ? undefined : type => this.newCount(type.typeId)!;
			}
		}
	}

	/** The summary's types whose name holds `filter` (case-insensitive); `reversed`: smallest first. */
	typeRows(by: SortKey, filter: string, reversed = false): TypeRows {
		const version = `${this.retainedState.status}:${this.newObjects === undefined}`;
		const cached = this.rowsCache;
		if (cached !== undefined && cached.by === by && cached.filter === filter && cached.reversed === reversed && cached.version === version) {
			return cached.rows;
		}

		const summary = this.summary(by === 'count' ? 'count' : 'size');
		let types = summary.types;
		const key = this.sortKeyOf(by);
		if (key !== undefined) {
			types = [...types].sort((a, b) => (key(b) - key(a)) || (b.size - a.size) || (a.typeId - b.typeId));
		}

		if (reversed) {
			types = [...types].reverse();
		}

		let totalCount = summary.totalCount;
		let totalSize = summary.totalSize;
		if (filter !== '') {
			const needle = filter.toLowerCase();
			this.lowerTypeNames ??= this.store.typeNames.map(name => name.toLowerCase());
			const names = this.lowerTypeNames;
			types = types.filter(type => names[type.typeId]!.includes(needle));
			totalCount = 0;
			totalSize = 0;
			for (const type of types) {
				totalCount += type.count;
				totalSize += type.size;
			}
		}

		const rows: TypeRows = {
			types, totalCount, totalSize,
			allCount: summary.totalCount, allSize: summary.totalSize, allTypes: summary.types.length,
		};
		this.rowsCache = {by, filter, reversed, version, rows};
		return rows;
	}

	// ------------------------------------------------------------ objects

	/**
	 * Objects of a type in get_all order (or by retained size, once known);
	 * with `newOnly`, only those new since the previous dump.
	 */
	objectsOf(typeId: number, newOnly = false, order: 'size' | 'retained' = 'size', reversed = false): Uint32Array {
		const list = this.objectsBySize(typeId, newOnly);
		const retained = this.retainedSize;
		let sorted = list;
		if (order === 'retained' && retained !== undefined) {
			const key = `${typeId}:${newOnly}`;
			sorted = this.retainedLists.get(key) ?? sortByRetained(list, retained);
			this.retainedLists.set(key, sorted);
		}

		if (!reversed) {
			return sorted;
		}

		const key = `reversed:${typeId}:${newOnly}:${order}:${retained !== undefined}`;
		let back = this.retainedLists.get(key);
		if (back === undefined) {
			back = sorted.slice().reverse();
			this.retainedLists.set(key, back);
		}

		return back;
	}

	/**
	 * An object's children or parents in `order`: dump order (the store's
	 * own list), or largest retained size or size first (unresolved
	 * children last); `reversed` turns it around. Sorted lists are cached.
	 */
	refsInOrder(list: Uint32Array, ordinal: number, side: string, order: RefOrder, reversed: boolean): Uint32Array {
		const keyArray = order === 'retained' ? this.retainedSize : (order === 'size' ? this.store.objectSize : undefined);
		if (keyArray === undefined && !reversed) {
			return list;
		}

		const cacheKey = `${ordinal}:${side}:${keyArray === undefined ? 'dump' : order}:${reversed}`;
		let sorted = this.refLists.get(cacheKey);
		if (sorted === undefined) {
			if (keyArray === undefined) {
				sorted = list.slice().reverse();
			} else {
				let resolved = 0;
				for (const target of list) {
					resolved += target < UNRESOLVED_BIT ? 1 : 0;
				}

				const known = new Uint32Array(resolved);
				const missing = new Uint32Array(list.length - resolved);
				let k = 0;
				let m = 0;
				for (const target of list) {
					if (target < UNRESOLVED_BIT) {
						known[k++] = target;
					} else {
						missing[m++] = target;
					}
				}

				sorted = new Uint32Array(list.length);
				sorted.set(sortByRetained(known, keyArray));
				sorted.set(missing, resolved);
				if (reversed) {
					sorted.reverse();
				}
			}

			if (this.refLists.size > 64) {
				this.refLists.clear();
			}

			this.refLists.set(cacheKey, sorted);
		}

		return sorted;
	}

	private objectsBySize(typeId: number, newOnly: boolean): Uint32Array {
		const all = this.types.objectsOf(typeId);
		if (!newOnly) {
			return all;
		}

		const news = this.newObjects;
		if (news === undefined) {
			return new Uint32Array(0);
		}

		let list = this.newLists.get(typeId);
		if (list === undefined) {
			const {isNew} = news;
			let count = 0;
			for (const ordinal of all) {
				count += isNew[ordinal]!;
			}

			list = new Uint32Array(count);
			let out = 0;
			for (const ordinal of all) {
				if (isNew[ordinal] === 1) {
					list[out++] = ordinal;
				}
			}

			this.newLists.set(typeId, list);
		}

		return list;
	}

	/** Whether refs_as_dict makes sense for the object (dicts, modules, collapsed instances). */
	isDictLike(ordinal: number): boolean {
		const type = this.store.typeName(ordinal);
		return type === 'dict' || type === 'module' || (this.store.objectFlags[ordinal]! & FLAG_COLLAPSED) !== 0;
	}

	/** How `parent` holds `child` (`['key']`, `.attribute`, `[3]`), cached. */
	referenceLabel(parent: number, child: number): string | undefined {
		const key = `${parent}:${child}`;
		if (this.labels.has(key)) {
			return this.labels.get(key);
		}

		if (this.labels.size > 4096) {
			this.labels.clear();
		}

		const label = this.analyses.edgeName?.(this.store, parent, child);
		this.labels.set(key, label);
		return label;
	}

	// ------------------------------------------------------------ reachable size

	/** Total size reachable from `ordinal`, or undefined while it is computed. */
	reachableSize(ordinal: number): {total: number; reached: number} | undefined {
		return this.reachable.get(ordinal);
	}

	/** Queue the reachable-size walk of `ordinal` (dropping walks of other objects). */
	requestReachable(ordinal: number, onDone: () => void): void {
		if (this.reachable.has(ordinal)) {
			return;
		}

		const key = `reachable:${ordinal}`;
		this.jobs.retain(other => !other.startsWith('reachable:') || other === key);
		const job = new ReachableJob(this.store, ordinal);
		this.jobs.add(key, job, () => {
			this.reachable.set(ordinal, {total: job.total, reached: job.reached});
			onDone();
		});
	}

	// ------------------------------------------------------------ long searches

	/** Search a long list in the background (one search at a time: a new one replaces the old). */
	startSearch(
		list: Uint32Array,
		from: number,
		direction: 1 | -1,
		matcher: Matcher,
		onProgress: (fraction: number) => void,
		onDone: (result: SearchResult) => void,
	): void {
		this.jobs.retain(key => key !== 'search');
		const job = new SearchJob(list, from, direction, matcher);
		let reported = performance.now();
		this.jobs.add('search', {
			step(deadline) {
				const done = job.step(deadline);
				const now = performance.now();
				if (!done && now - reported > 100) {
					reported = now;
					onProgress(job.fraction);
				}

				return done;
			},
		}, () => {
			onDone(job.result);
		});
	}

	cancelSearch(): void {
		this.jobs.retain(key => key !== 'search');
	}

	// ------------------------------------------------------------ several dumps

	get hasPrevious(): boolean {
		return this.previous !== undefined;
	}

	/** How many dumps were opened. */
	get dumpCount(): number {
		return this.older.length + 1;
	}

	/** Per-type count and size in the previous dump, by name. */
	previousType(name: string): PreviousType | undefined {
		if (this.previous === undefined) {
			return undefined;
		}

		if (this.previousByName === undefined) {
			this.previousByName = new Map();
			const {totals} = this.previous.snapshot;
			totals.typeNames.forEach((type, id) => {
				if (totals.counts[id]! > 0) {
					this.previousByName!.set(type, {count: totals.counts[id]!, size: totals.sizes[id]!});
				}
			});
		}

		return this.previousByName.get(name);
	}

	/** New objects of a type since the previous dump; undefined while computing or with one dump. */
	newCount(typeId: number): number | undefined {
		return this.newObjects?.newCount[typeId];
	}

	get newObjectsReady(): boolean {
		return this.newObjects !== undefined;
	}

	/** Start finding the objects new since the previous dump. */
	requestNewObjects(onDone: () => void): void {
		if (this.previous === undefined || this.newObjects !== undefined) {
			return;
		}

		const job = new NewObjectsJob(this.store, this.previous.snapshot);
		this.jobs.add('new-objects', job, () => {
			this.newObjects = job.result;
			onDone();
		});
	}

	/** Every type of any dump, with its count and size in each, biggest growth in size first. */
	trendRows(): readonly TrendRow[] {
		this.trendCache ??= trendOf([...this.older.map(dump => dump.snapshot.totals), typeTotals(this.store)]);
		return this.trendCache;
	}

	// ------------------------------------------------------------ pluggable analyses

	get retained(): RetainedState {
		return this.retainedState;
	}

	/** Start the retained-size analysis if one is provided. */
	requestRetained(onDone: () => void, onProgress?: () => void): void {
		const provider = this.analyses.retained;
		if (provider === undefined || this.retainedState.status !== 'unavailable') {
			return;
		}

		// Made in the first slice, not here: making it allocates the work
		// arrays (about 28 bytes an object), which a key press must not wait for.
		let job: RetainedJob | undefined;
		this.retainedState = {status: 'computing', fraction: 0};
		let reported = 0;
		this.jobs.add('retained', {
			step: deadline => {
				if (job === undefined) {
					job = provider(this.store);
					return false;
				}

				const done = job.step(deadline);
				const fraction = job.fraction();
				this.retainedState = {status: 'computing', fraction};
				// Progress is redrawn every few percent.
				if (!done && fraction - reported >= 0.05) {
					reported = fraction;
					onProgress?.();
				}

				return done;
			},
		}, () => {
			const dominators = job!.result();
			this.retainedState = {status: 'ready', dominators};
			// The dominator tree's children lists, ready before anyone presses R.
			this.jobs.add('tree', new TreeBuildJob(dominators), () => undefined);
			onDone();
		});
	}

	/** Retained size of every object, once computed. */
	get retainedSize(): Float64Array | undefined {
		return this.retainedState.status === 'ready' ? this.retainedState.dominators.retainedSize : undefined;
	}

	get canFindPaths(): boolean {
		return this.analyses.pathTo !== undefined;
	}

	/** Whether the path to `ordinal` is known (pathTo would not compute). */
	hasPathTo(ordinal: number): boolean {
		return this.paths.has(ordinal);
	}

	/** The path from a root to `ordinal`, computed on first request. */
	pathTo(ordinal: number): PathResult {
		const provider = this.analyses.pathTo;
		if (provider === undefined) {
			return {status: 'unavailable'};
		}

		let result = this.paths.get(ordinal);
		if (result === undefined) {
			const dominators = this.retainedState.status === 'ready' ? this.retainedState.dominators : undefined;
			const path = provider(this.store, ordinal, dominators);
			result = path === undefined ? {status: 'none'} : {status: 'ready', path};
			this.paths.set(ordinal, result);
		}

		return result;
	}

	// ------------------------------------------------------------ dominator tree

	/** The dominator tree and retained sizes, once computed. */
	get dominators(): Dominators | undefined {
		return this.retainedState.status === 'ready' ? this.retainedState.dominators : undefined;
	}

	/** The rows of the tree below `root` as far as `expanded` opens it (empty until retained sizes are known). */
	treeRows(root: number, expanded: ReadonlyMap<number, number>): TreeRows | undefined {
		const dominators = this.dominators;
		if (dominators === undefined) {
			return undefined;
		}

		if (this.treePages?.dominators !== dominators) {
			this.treePages = new TreePages(dominators);
		}

		const cached = this.treeRowsCache.get(expanded);
		if (cached !== undefined && cached.root === root && cached.pages === this.treePages) {
			return cached.rows;
		}

		const rows = flattenTree(this.treePages, root, expanded);
		this.treeRowsCache.set(expanded, {root, pages: this.treePages, rows});
		return rows;
	}

	/** The retained set of a node by type, or undefined while it is walked. */
	retainedSet(node: number): RetainedSetByType | undefined {
		return this.retainedSets.get(node);
	}

	/** Walk the retained set of `node` in the background (dropping walks for other nodes). */
	requestRetainedSet(node: number, onDone: () => void): void {
		const dominators = this.dominators;
		if (dominators === undefined || this.retainedSets.has(node)) {
			return;
		}

		const key = `retained-set:${node}`;
		this.jobs.retain(other => !other.startsWith('retained-set:') || other === key);
		const walk = new RetainedSetWalk(this.store, dominators, node);
		this.jobs.add(key, walk, () => {
			if (this.retainedSets.size > 256) {
				this.retainedSets.clear();
			}

			this.retainedSets.set(node, walk.result!);
			onDone();
		});
	}

	// ------------------------------------------------------------ leak candidates

	/** The leak candidates grouped by owner, once computed (several dumps and retained sizes needed). */
	get leaks(): Leaks | undefined {
		return this.leaksState;
	}

	/** Why there are no leak candidates yet: undefined once they are known. */
	leaksPending(): string | undefined {
		if (this.leaksState !== undefined) {
			return undefined;
		}

		if (this.previous === undefined) {
			return 'leak candidates need several dumps (meliae-tui A B C: new in B, still in C)';
		}

		if (this.retainedState.status === 'unavailable') {
			return 'leak candidates need retained sizes, which are not available';
		}

		return 'finding leak candidates';
	}

	/** Start finding the leak candidates: membership (in slices), then grouping by owner. */
	requestLeaks(onDone: () => void): void {
		const dominators = this.dominators;
		if (this.leaksState !== undefined || this.previous === undefined || dominators === undefined || this.jobs.has('leaks')) {
			return;
		}

		const dumps = this.older.length >= 2 ? 3 : 2;
		const group = (member: Uint8Array): void => {
			this.leaksState = leaksOf(this.store, dominators, member, dumps);
			onDone();
		};

		if (dumps === 3) {
			const job = new CandidatesJob(this.store, this.older.at(-2)!.snapshot, this.older.at(-1)!.snapshot);
			this.jobs.add('leaks', job, () => {
				group(job.result!);
			});
			return;
		}

		const news = this.newObjects;
		if (news !== undefined) {
			group(news.isNew);
		}
	}

	// ------------------------------------------------------------ waste

	/** The waste inspections of the explored dump, once computed. */
	get waste(): Waste | undefined {
		return this.wasteState;
	}

	/** Which inspection runs while the waste job computes (`duplicate strings (1/4)`), else empty. */
	get wasteProgress(): string {
		return this.wasteJob?.phase ?? '';
	}

	/** Start the waste inspections (one background job, in slices); `onProgress` as each inspection starts. */
	requestWaste(onDone: () => void, onProgress?: () => void): void {
		if (this.wasteState !== undefined || this.jobs.has('waste')) {
			return;
		}

		// Growing collections need every older dump's lengths.
		const lengths = this.older.map(dump => dump.lengths);
		const job = new WasteJob(this.store, lengths.every(view => view !== undefined) ? lengths as LengthView[] : [], onProgress);
		this.wasteJob = job;
		this.jobs.add('waste', job, () => {
			this.wasteJob = undefined;
			this.wasteState = job.result;
			onDone();
		});
	}
}
