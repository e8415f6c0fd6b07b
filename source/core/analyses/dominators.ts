/**
 * Dominator tree and retained sizes.
 *
 * The graph gets a synthetic root with an edge to every object that has no
 * referrer. Objects still unreached after that (cycles referenced only from
 * C) are reached through one representative per source component: the
 * strongly connected components of the unreached subgraph are computed
 * (Tarjan, with an explicit stack), and of every component that no other
 * unreached component references, the object that comes first in the dump
 * (lowest ordinal) gets an edge from the synthetic root. Every object is then
 * reachable from the root, and only from it through these edges.
 *
 * Immediate dominators come from Lengauer and Tarjan's algorithm (the
 * "simple" version: path compression without balancing, O(m log n)), made
 * iterative: a depth-first search with an explicit stack, and EVAL's path
 * compression by pointer reversal instead of recursion. Nothing depends on
 * reaching a fix-point, so no graph shape can make it loop. The retained
 * size of an object is its size plus the sizes of the objects it
 * dominates: added up on the way back of one walk of the dominator tree,
 * which also sums, per type, the objects no object of the same type
 * dominates.
 *
 * Memory: 28 bytes per object at the peak (the search stacks, Tarjan's
 * arrays and the bucket lists of the algorithm live inside the work
 * arrays), of which the result keeps 16 (`idom` and `retainedSize` are
 * views on one of the work buffers; see DominatorJob).
 *
 * Work is split into phases run in slices: `DominatorJob.run(deadline)`
 * returns when done or when the deadline (a performance.now() time) has
 * passed, so the explorer can compute this in the background on the main
 * thread (see computeDominatorsAsync), reporting progress between slices.
 * The clock is read every 4096 steps, inside one object's referrers or
 * bucket too; measured on a synthetic 5M-object dump, 8 ms slices cost no
 * measurable time overall and the longest slice was under 60 ms. A worker
 * thread was not chosen: the store's arrays are plain ArrayBuffers the UI
 * keeps using, so a worker would need a copy of the graph (about 200 MB at
 * 5M objects) or a loader that allocates SharedArrayBuffers.
 */

import {NO_OBJECT, UNRESOLVED_BIT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {TopK} from '../util/top-k.js';
import {summarizeTypes} from './summary.js';

/** "none" inside the work arrays. */
const NONE = 0xff_ff_ff_ff;
/** End of a reversed ancestor chain during path compression. */
const END = 0xff_ff_ff_fe;
/** Marks an idom that is a relative dominator still to be resolved (ordinals stay below 2^31). */
const RELATIVE = 0x80_00_00_00;
/** Marks, in the walk's stack, an object no object of its type dominates. */
const OUTERMOST = 0x80_00_00_00;
/** Referrer lists longer than this are scanned with clock checks (resumable inside). */
const LONG_LIST = 256;
/** Iterations between two looks at the clock. */
const CHECK_EVERY = 4096;

export type DominatorPhase =
	| 'prepare'
	| 'search'
	| 'components'
	| 'representatives'
	| 'semidominators'
	| 'dominators'
	| 'tree'
	| 'retained'
	| 'done';

export const DOMINATOR_PHASES: readonly DominatorPhase[] = [
	'prepare', 'search', 'components', 'representatives', 'semidominators', 'dominators', 'tree', 'retained', 'done',
];

/** Rough share of each phase in the total time, measured on synthetic dumps. */
const PHASE_WEIGHTS: Readonly<Record<DominatorPhase, number>> = {
	prepare: 0.1,
	search: 0.2,
	components: 0.03,
	representatives: 0.04,
	semidominators: 0.45,
	dominators: 0.02,
	tree: 0.06,
	retained: 0.07,
	done: 0,
};

export type DominatorProgress = {
	readonly phase: DominatorPhase;
	/** Units of work done in this phase, out of `total`. */
	readonly done: number;
	readonly total: number;
	/** Rough overall fraction, 0..1. */
	readonly fraction: number;
	readonly elapsedMs: number;
};

export type Dominators = {
	readonly objectCount: number;
	/**
	 * Immediate dominator of each object (an ordinal), or NO_OBJECT when it
	 * is the synthetic root: for objects without referrers, for the
	 * representatives, and for objects reachable from several of them.
	 */
	readonly idom: Uint32Array;
	/** Size of each object plus the sizes of all the objects it dominates. */
	readonly retainedSize: Float64Array;
	/** Sum of all sizes: the retained size of the synthetic root. */
	readonly totalSize: number;
	/** Objects without referrers (the synthetic root's first children). */
	readonly parentlessCount: number;
	/** Representatives of unreached source components, ascending ordinals. */
	readonly representatives: Uint32Array;
	/**
	 * Per type id: the sum of the retained sizes of the type's objects that
	 * no other object of the same type dominates, and how many there are.
	 */
	readonly typeRetainedSize: Float64Array;
	readonly typeRetainedCount: Float64Array;
	/** The dominator tree as CSR (only with `keepTree`): the objects each object immediately dominates. */
	readonly tree?: DominatorTree;
};

export type DominatorTree = {
	/** objectCount + 1 offsets into `dominated`. */
	readonly firstDominated: Uint32Array;
	/** Ordinals, ascending within each object. */
	readonly dominated: Uint32Array;
	/** Objects immediately dominated by the synthetic root, ascending. */
	readonly rootChildren: Uint32Array;
};

export type DominatorOptions = {
	/** Keep the dominator tree's children lists (8 more bytes per object). */
	keepTree?: boolean;
};

/** Fields of one entry of the interleaved work array, by ordinal. */
const DFNUM = 0;
const SEMI = 1;
const ANCESTOR = 2;
const LABEL = 3;

/**
 * The computation as a resumable job. Call run(deadline) until it returns
 * true, then result(). Each call does at least a little work.
 *
 * Everything is indexed by ordinal, not by preorder number: a dump lists
 * objects near their referrers, so ordinals keep the memory accesses local
 * where preorder numbers scatter them (measured on a synthetic 5M-object
 * dump: the referrer lookups of the semidominator phase ran 3 to 5 times
 * faster). The synthetic root is ordinal n.
 *
 * Work memory, for n objects and N = n + 1:
 * - `info`: 4 fields per ordinal (preorder number, semidominator's number,
 *   ancestor, label), side by side so a random access touches one cache
 *   line (16N bytes);
 * - `idom`: bucket links, then immediate dominators, by ordinal (4N);
 * - `vertex` (preorder number -> ordinal) and `parent` (preorder number ->
 *   ordinal of the search-tree parent) (8N).
 * The depth-first stacks, Tarjan's arrays and the bucket lists live inside
 * them. The results (retained sizes and idom by ordinal) are views on
 * `info`'s buffer, which is all the result keeps (16 bytes per object).
 */
export class DominatorJob {
	readonly store: GraphStore;
	/** Milliseconds spent in each phase (inside run(), so not counting time between slices). */
	readonly phaseMs: Partial<Record<DominatorPhase, number>> = {};
	private readonly n: number;
	/** n + 1: object ordinals plus the synthetic root (ordinal n, preorder number 0). */
	private readonly total: number;
	private readonly keepTree: boolean;
	private phaseIndex = 0;
	private readonly started = performance.now();

	private readonly infoBuffer: ArrayBuffer;
	private info: Uint32Array;
	private idom: Uint32Array;
	private vertex: Uint32Array;
	private parent: Uint32Array;

	// Resumable cursors.
	private cursor = 0;
	private depth = 0;
	/** Next preorder number. */
	private next = 1;
	private sccCount = 0;
	private sccStackSize = 0;
	private tarjanCounter = 0;
	private step = 0;
	private subStep = 0;
	private representatives = new Uint32Array(0);
	private parentlessCount = 0;
	private activeOfType = new Uint32Array(0);
	private rootChildCount = 0;
	private rootOut = 0;
	private rootChildren: Uint32Array | undefined;
	/** The semidominator candidate so far, when a slice ends inside an object's referrers. */
	private partial = 0;

	// Results.
	private idomOut: Uint32Array | undefined;
	private retained: Float64Array | undefined;
	private totalSize = 0;
	private readonly typeRetainedSize: Float64Array;
	private readonly typeRetainedCount: Float64Array;
	private tree: DominatorTree | undefined;

	constructor(store: GraphStore, options: DominatorOptions = {}) {
		this.store = store;
		const n = store.objectCount;
		this.n = n;
		const total = n + 1;
		this.total = total;
		this.keepTree = options.keepTree ?? false;
		this.infoBuffer = new ArrayBuffer(16 * total);
		this.info = new Uint32Array(this.infoBuffer);
		this.idom = new Uint32Array(total);
		this.vertex = new Uint32Array(total);
		this.parent = new Uint32Array(total);
		this.typeRetainedSize = new Float64Array(store.typeNames.length);
		this.typeRetainedCount = new Float64Array(store.typeNames.length);
		this.vertex[0] = n;
		this.parent[0] = NONE;
	}

	get phase(): DominatorPhase {
		return DOMINATOR_PHASES[this.phaseIndex]!;
	}

	get done(): boolean {
		return this.phase === 'done';
	}

	progress(): DominatorProgress {
		const phase = this.phase;
		const n = this.n;
		let done = 0;
		let total = n;
		switch (phase) {
			case 'search':
			case 'representatives': {
				done = this.next - 1;
				break;
			}

			case 'components': {
				done = this.cursor;
				break;
			}

			case 'semidominators': {
				done = this.subStep === 0 ? 0 : n - this.step;
				break;
			}

			case 'prepare': {
				done = this.cursor >> 2;
				break;
			}

			case 'dominators':
			case 'retained': {
				done = this.step;
				break;
			}

			case 'tree': {
				// Two passes, the second backwards.
				total = 2 * n;
				done = this.subStep === 0 ? this.step : 2 * n - 1 - this.step;
				break;
			}

			case 'done': {
				done = 1;
				total = 1;
				break;
			}
		}

		let before = 0;
		for (const p of DOMINATOR_PHASES) {
			if (p === phase) {
				break;
			}

			before += PHASE_WEIGHTS[p];
		}

		const part = total === 0 ? 1 : Math.max(0, Math.min(1, done / total));
		const fraction = phase === 'done' ? 1 : Math.min(1, before + PHASE_WEIGHTS[phase] * part);
		return {phase, done, total, fraction, elapsedMs: performance.now() - this.started};
	}

	/** Work until done (true) or until performance.now() passes `deadline` (false). */
	run(deadline = Number.POSITIVE_INFINITY): boolean {
		// The referrer lists come first, in steps too: a freshly loaded store
		// may not have them yet.
		if (!this.store.buildParentsStep(deadline)) {
			return false;
		}

		let mark = performance.now();
		const account = (phase: DominatorPhase): void => {
			const now = performance.now();
			this.phaseMs[phase] = (this.phaseMs[phase] ?? 0) + now - mark;
			mark = now;
		};

		for (;;) {
			const phase = this.phase;
			let finished: boolean;
			switch (phase) {
				case 'prepare': {
					finished = this.prepare(deadline);
					break;
				}

				case 'search': {
					finished = this.search(deadline, false);
					break;
				}

				case 'components': {
					finished = this.components(deadline);
					break;
				}

				case 'representatives': {
					finished = this.search(deadline, true);
					break;
				}

				case 'semidominators': {
					finished = this.semidominators(deadline);
					break;
				}

				case 'dominators': {
					finished = this.dominators(deadline);
					break;
				}

				case 'tree': {
					finished = this.buildTree(deadline);
					break;
				}

				case 'retained': {
					finished = this.retainedSizes(deadline);
					break;
				}

				case 'done': {
					return true;
				}
			}

			if (!finished) {
				account(phase);
				return false;
			}

			this.enterNextPhase();
			account(phase);
			if (this.done) {
				return true;
			}

			if (mark >= deadline) {
				return false;
			}
		}
	}

	result(): Dominators {
		if (!this.done || this.idomOut === undefined || this.retained === undefined) {
			throw new Error('the dominator computation has not finished');
		}

		return {
			objectCount: this.n,
			idom: this.idomOut,
			retainedSize: this.retained,
			totalSize: this.totalSize,
			parentlessCount: this.parentlessCount,
			representatives: this.representatives,
			typeRetainedSize: this.typeRetainedSize,
			typeRetainedCount: this.typeRetainedCount,
			tree: this.tree,
		};
	}

	private enterNextPhase(): void {
		const leaving = this.phase;
		this.phaseIndex++;
		this.cursor = 0;
		this.depth = 0;
		this.step = 0;
		this.subStep = 0;
		if (leaving === 'search' && this.next === this.total) {
			// Everything reached: no components to look for.
			this.phaseIndex = DOMINATOR_PHASES.indexOf('semidominators');
		}

		switch (this.phase) {
			case 'components': {
				const {info} = this;
				for (let at = 0; at < info.length; at += 4) {
					info[at + TARJAN_INDEX] = NONE;
					info[at + TARJAN_COMPONENT] = NONE;
				}

				this.sccCount = 0;
				this.sccStackSize = 0;
				this.tarjanCounter = 0;
				break;
			}

			case 'semidominators': {
				if (this.next !== this.total) {
					throw new Error(`dominators: ${this.total - this.next} objects were not reached`);
				}

				this.subStep = 0;
				this.cursor = 0;
				break;
			}

			case 'dominators': {
				this.step = 1;
				break;
			}

			case 'tree':
			case 'retained': {
				this.step = 0;
				break;
			}

			case 'done': {
				this.releaseWork();
				break;
			}

			default: {
				break;
			}
		}
	}

	/** Every object unvisited; the root numbered 0. */
	private prepare(deadline: number): boolean {
		const {info} = this;
		let at = this.cursor;
		let budget = CHECK_EVERY;
		for (; at < info.length; at += 4) {
			if (--budget === 0) {
				budget = CHECK_EVERY;
				if (performance.now() >= deadline) {
					this.cursor = at;
					return false;
				}
			}

			info[at + DFNUM] = NONE;
		}

		info[(this.n << 2) + DFNUM] = 0;
		return true;
	}

	/**
	 * Depth-first search from the synthetic root, numbering in preorder.
	 * First pass: the objects without referrers, in ordinal order; second
	 * pass: the representatives. The stack (object, next child edge, end of
	 * its edges) lives in the three free fields of `info`'s entries, one
	 * entry per level.
	 */
	private search(deadline: number, fromRepresentatives: boolean): boolean {
		const {firstChild, childTargets, firstParent} = this.store;
		const {info, vertex, parent} = this;
		const n = this.n;
		const starts = this.representatives;
		const startCount = fromRepresentatives ? starts.length : n;
		let cursor = this.cursor;
		let depth = this.depth;
		let next = this.next;
		let parentless = this.parentlessCount;
		let budget = CHECK_EVERY;
		for (;;) {
			if (depth === 0) {
				// Next root child.
				let start = NONE;
				while (cursor < startCount) {
					const candidate = fromRepresentatives ? starts[cursor]! : cursor;
					cursor++;
					if (fromRepresentatives || firstParent[candidate] === firstParent[candidate + 1]) {
						if (!fromRepresentatives) {
							parentless++;
						}

						if (info[(candidate << 2) + DFNUM] === NONE) {
							start = candidate;
							break;
						}
					}
				}

				if (start === NONE) {
					this.cursor = cursor;
					this.next = next;
					this.parentlessCount = parentless;
					return true;
				}

				info[(start << 2) + DFNUM] = next;
				vertex[next] = start;
				parent[next] = n;
				info[1] = start;
				info[2] = firstChild[start]!;
				info[3] = firstChild[start + 1]!;
				next++;
				depth = 1;
			}

			while (depth > 0) {
				if (--budget === 0) {
					budget = CHECK_EVERY;
					if (performance.now() >= deadline) {
						this.cursor = cursor;
						this.depth = depth;
						this.next = next;
						this.parentlessCount = parentless;
						return false;
					}
				}

				const top = (depth - 1) << 2;
				let edge = info[top + 2]!;
				const end = info[top + 3]!;
				for (;;) {
					if (edge === end) {
						depth--;
						break;
					}

					const target = childTargets[edge++]!;
					if (target < UNRESOLVED_BIT && info[(target << 2) + DFNUM] === NONE) {
						info[top + 2] = edge;
						info[(target << 2) + DFNUM] = next;
						vertex[next] = target;
						parent[next] = info[top + 1]!;
						const at = top + 4;
						info[at + 1] = target;
						info[at + 2] = firstChild[target]!;
						info[at + 3] = firstChild[target + 1]!;
						next++;
						depth++;
						break;
					}
				}
			}
		}
	}

	/**
	 * Tarjan's strongly connected components over the objects the first
	 * search did not reach, then one representative (the lowest ordinal) of
	 * each component that no other unreached component references.
	 *
	 * `info`'s free fields, by ordinal: Tarjan's index, lowlink, component;
	 * the component stack in `idom`; the call stack (object, next edge) in
	 * the unused tails of `vertex` and `parent`.
	 */
	private components(deadline: number): boolean {
		const {firstChild, childTargets} = this.store;
		const {info} = this;
		const sccStack = this.idom;
		const callNode = this.vertex;
		const callEdge = this.parent;
		const base = this.next;
		const n = this.n;
		let cursor = this.cursor;
		let depth = this.depth;
		let counter = this.tarjanCounter;
		let sccCount = this.sccCount;
		let sccSize = this.sccStackSize;
		let budget = CHECK_EVERY;
		for (;;) {
			if (depth === 0) {
				while (cursor < n && (info[(cursor << 2) + DFNUM] !== NONE || info[(cursor << 2) + TARJAN_INDEX] !== NONE)) {
					cursor++;
				}

				if (cursor === n) {
					break;
				}

				const start = cursor;
				info[(start << 2) + TARJAN_INDEX] = counter;
				info[(start << 2) + TARJAN_LOW] = counter;
				counter++;
				sccStack[sccSize++] = start;
				callNode[base] = start;
				callEdge[base] = firstChild[start]!;
				depth = 1;
			}

			while (depth > 0) {
				if (--budget === 0) {
					budget = CHECK_EVERY;
					if (performance.now() >= deadline) {
						this.cursor = cursor;
						this.depth = depth;
						this.tarjanCounter = counter;
						this.sccCount = sccCount;
						this.sccStackSize = sccSize;
						return false;
					}
				}

				const top = base + depth - 1;
				const node = callNode[top]!;
				const at = node << 2;
				let edge = callEdge[top]!;
				const end = firstChild[node + 1]!;
				let descended = false;
				while (edge < end) {
					const target = childTargets[edge++]!;
					if (target >= UNRESOLVED_BIT) {
						continue;
					}

					const targetAt = target << 2;
					if (info[targetAt + DFNUM] !== NONE) {
						continue;
					}

					const targetIndex = info[targetAt + TARJAN_INDEX]!;
					if (targetIndex === NONE) {
						callEdge[top] = edge;
						info[targetAt + TARJAN_INDEX] = counter;
						info[targetAt + TARJAN_LOW] = counter;
						counter++;
						sccStack[sccSize++] = target;
						callNode[top + 1] = target;
						callEdge[top + 1] = firstChild[target]!;
						depth++;
						descended = true;
						break;
					}

					// Visited and still without a component: on the stack.
					if (info[targetAt + TARJAN_COMPONENT] === NONE && targetIndex < info[at + TARJAN_LOW]!) {
						info[at + TARJAN_LOW] = targetIndex;
					}
				}

				if (descended) {
					continue;
				}

				const low = info[at + TARJAN_LOW]!;
				if (low === info[at + TARJAN_INDEX]) {
					let member: number;
					do {
						member = sccStack[--sccSize]!;
						info[(member << 2) + TARJAN_COMPONENT] = sccCount;
					} while (member !== node);
					sccCount++;
				}

				depth--;
				if (depth > 0) {
					const callerAt = callNode[top - 1]! << 2;
					if (low < info[callerAt + TARJAN_LOW]!) {
						info[callerAt + TARJAN_LOW] = low;
					}
				}
			}
		}

		// Per component c, in `idom` (free again): the lowest ordinal, with
		// the top bit set when another unreached component references it.
		const lowest = this.idom;
		const REFERENCED = 0x80_00_00_00;
		const UNSET = 0x7f_ff_ff_ff;
		lowest.fill(UNSET, 0, sccCount);
		for (let node = 0; node < n; node++) {
			if (info[(node << 2) + DFNUM] !== NONE) {
				continue;
			}

			const own = info[(node << 2) + TARJAN_COMPONENT]!;
			const mark = lowest[own]!;
			if ((mark & UNSET) === UNSET) {
				lowest[own] = (node | (mark & REFERENCED)) >>> 0;
			}

			const end = firstChild[node + 1]!;
			for (let edge = firstChild[node]!; edge < end; edge++) {
				const target = childTargets[edge]!;
				if (target < UNRESOLVED_BIT && info[(target << 2) + DFNUM] === NONE) {
					const other = info[(target << 2) + TARJAN_COMPONENT]!;
					if (other !== own) {
						lowest[other] = (lowest[other]! | REFERENCED) >>> 0;
					}
				}
			}
		}

		let count = 0;
		for (let c = 0; c < sccCount; c++) {
			if ((lowest[c]! & REFERENCED) === 0) {
				count++;
			}
		}

		const representatives = new Uint32Array(count);
		let out = 0;
		for (let c = 0; c < sccCount; c++) {
			if ((lowest[c]! & REFERENCED) === 0) {
				representatives[out++] = lowest[c]! & UNSET;
			}
		}

		representatives.sort();
		this.representatives = representatives;
		this.cursor = n;
		this.sccCount = sccCount;
		return true;
	}

	/**
	 * Semidominators in reverse preorder, with the implicit bucket lists of
	 * Lengauer and Tarjan: the ancestor field of s holds the head of s's
	 * bucket while s is not linked yet, and idom[x] the next member after x
	 * until x's bucket is processed. An object is linked when its preorder
	 * number is above the one being processed.
	 *
	 * Resumable inside one object's work too (`subStep`: 0 initialising the
	 * fields, 1 scanning the referrers, 2 emptying the parent's bucket), so
	 * an object with a million referrers or a huge bucket does not hold a
	 * slice up.
	 */
	private semidominators(deadline: number): boolean {
		const {firstParent, parentSources} = this.store;
		const {vertex, parent, info, idom} = this;
		const root = this.n;
		// (No closure may capture `budget`: it would live in memory, not in a register.)
		let budget = CHECK_EVERY;
		if (this.subStep === 0) {
			// Fields used before being written: every label starts as the object
			// itself, every ancestor (bucket head) empty.
			let node = this.cursor;
			for (; node < this.total; node++) {
				if (--budget === 0) {
					budget = CHECK_EVERY;
					if (performance.now() >= deadline) {
						this.cursor = node;
						return false;
					}
				}

				const at = node << 2;
				info[at + SEMI] = info[at + DFNUM]!;
				info[at + ANCESTOR] = NONE;
				info[at + LABEL] = node;
			}

			this.subStep = 1;
			this.step = this.n;
			this.cursor = NONE;
		}

		// Locals for the hot loop; written back when a slice ends.
		let w = this.step;
		let resumeAt = this.cursor;
		let stage = this.subStep;
		const partial = this.partial;
		for (; w >= 1; w--) {
			if (--budget <= 0 && stage === 1 && resumeAt === NONE) {
				budget = CHECK_EVERY;
				if (performance.now() >= deadline) {
					this.step = w;
					this.subStep = 1;
					this.cursor = NONE;
					return false;
				}
			}

			const node = vertex[w]!;
			const nodeAt = node << 2;
			const p = parent[w]!;
			const pAt = p << 2;
			let member: number;
			if (stage === 1) {
				let s = 0;
				if (p !== root) {
					const end = firstParent[node + 1]!;
					let e = firstParent[node]!;
					s = w;
					if (resumeAt !== NONE) {
						// Resuming inside this object's referrers.
						e = resumeAt;
						s = partial;
						resumeAt = NONE;
					}

					const linkedFrom = w + 1;
					if (end - e <= LONG_LIST) {
						// The common case, free of clock checks: they would cost a
						// fifth of the phase.
						budget -= end - e;
						for (; e < end; e++) {
							const referrer = parentSources[e]!;
							const v = info[(referrer << 2) + DFNUM]!;
							// An unprocessed referrer (v <= w) is its own candidate.
							const candidate = v < linkedFrom ? v : info[(evaluate(referrer, linkedFrom, info) << 2) + SEMI]!;
							if (candidate < s) {
								s = candidate;
							}
						}
					} else {
						for (; e < end; e++) {
							if (--budget <= 0) {
								budget = CHECK_EVERY;
								if (performance.now() >= deadline) {
									this.step = w;
									this.subStep = 1;
									this.cursor = e;
									this.partial = s;
									return false;
								}
							}

							const referrer = parentSources[e]!;
							const v = info[(referrer << 2) + DFNUM]!;
							const candidate = v < linkedFrom ? v : info[(evaluate(referrer, linkedFrom, info) << 2) + SEMI]!;
							if (candidate < s) {
								s = candidate;
							}
						}
					}
				}

				info[nodeAt + SEMI] = s;
				if (s === info[pAt + DFNUM]) {
					// The semidominator is the parent: the bucket step would find
					// the parent as immediate dominator at once (EVAL of an object
					// just linked under a root returns the object itself).
					idom[node] = p;
				} else {
					// Add w to its semidominator's bucket (not linked: the ancestor field is the head).
					const sAt = vertex[s]! << 2;
					idom[node] = info[sAt + ANCESTOR]!;
					info[sAt + ANCESTOR] = node;
				}

				// Link w under its parent (w's own bucket was emptied when w + 1 was processed).
				info[nodeAt + ANCESTOR] = p;
				// Take the parent's bucket (not linked: the ancestor field is the head).
				member = info[pAt + ANCESTOR]!;
				info[pAt + ANCESTOR] = NONE;
			} else {
				// Resuming inside the parent's bucket.
				member = resumeAt;
				resumeAt = NONE;
				stage = 1;
			}

			while (member !== NONE) {
				if (--budget <= 0) {
					budget = CHECK_EVERY;
					if (performance.now() >= deadline) {
						this.step = w;
						this.subStep = 2;
						this.cursor = member;
						return false;
					}
				}

				const following = idom[member]!;
				const u = evaluate(member, w, info);
				// Either the semidominator (the parent), final; or a relative
				// dominator, marked to be replaced by its own idom afterwards.
				idom[member] = info[(u << 2) + SEMI]! < info[(member << 2) + SEMI]! ? (u | RELATIVE) >>> 0 : p;
				member = following;
			}
		}

		this.step = 0;
		this.subStep = 1;
		this.cursor = NONE;
		return true;
	}

	/** Immediate dominators from the relative ones, in preorder. */
	private dominators(deadline: number): boolean {
		const {idom, vertex} = this;
		const total = this.total;
		let w = this.step;
		let budget = CHECK_EVERY;
		for (; w < total; w++) {
			if (--budget === 0) {
				budget = CHECK_EVERY;
				if (performance.now() >= deadline) {
					this.step = w;
					return false;
				}
			}

			const node = vertex[w]!;
			const d = idom[node]!;
			if ((d & RELATIVE) !== 0) {
				// idom(w) = idom(relative dominator), final already: it comes earlier in preorder.
				idom[node] = idom[(d & ~RELATIVE) >>> 0]!;
			}
		}

		this.step = total;
		return true;
	}

	/**
	 * The dominator tree as children lists, and the arrays of the result.
	 * `info` is free now: its buffer takes the retained sizes (first half,
	 * Float64 by ordinal) and idom by ordinal (third quarter); the freed
	 * `vertex` takes the offsets and `parent` the children. Passes
	 * (`subStep`): 0. idom out, and the children counts; 1. offsets; 2. the
	 * children, filled backwards; 3. the sizes copied in.
	 */
	private buildTree(deadline: number): boolean {
		const n = this.n;
		const root = n;
		const {idom} = this;
		const firstDominated = this.vertex;
		const dominated = this.parent;
		let node = this.step;
		let budget = CHECK_EVERY;
		if (this.subStep === 0) {
			if (node === 0) {
				firstDominated.fill(0);
				this.idomOut = new Uint32Array(this.infoBuffer, 8 * this.total, n);
				this.rootChildCount = 0;
			}

			const idomOut = this.idomOut!;
			let rootChildCount = this.rootChildCount;
			for (; node < n; node++) {
				if (--budget === 0) {
					budget = CHECK_EVERY;
					if (performance.now() >= deadline) {
						this.step = node;
						this.rootChildCount = rootChildCount;
						return false;
					}
				}

				const d = idom[node]!;
				if (d === root) {
					idomOut[node] = NO_OBJECT;
					rootChildCount++;
				} else {
					idomOut[node] = d;
					firstDominated[d]++;
				}
			}

			this.rootChildCount = rootChildCount;
			// Inclusive prefix sums: each offset points at its end, the backward fill moves it to its start.
			let sum = 0;
			for (let x = 0; x < n; x++) {
				sum += firstDominated[x]!;
				firstDominated[x] = sum;
			}

			firstDominated[n] = sum;
			this.rootChildren = new Uint32Array(rootChildCount);
			this.subStep = 1;
			node = n - 1;
		}

		const idomOut = this.idomOut!;
		const rootChildren = this.rootChildren!;
		if (this.subStep === 1) {
			let rootOut = node === n - 1 ? rootChildren.length : this.rootOut;
			for (; node >= 0; node--) {
				if (--budget === 0) {
					budget = CHECK_EVERY;
					if (performance.now() >= deadline) {
						this.step = node;
						this.rootOut = rootOut;
						return false;
					}
				}

				const d = idomOut[node]!;
				if (d === NO_OBJECT) {
					rootChildren[--rootOut] = node;
				} else {
					dominated[--firstDominated[d]!] = node;
				}
			}

			this.subStep = 2;
		}

		const retained = new Float64Array(this.infoBuffer, 0, n);
		const {objectSize} = this.store;
		retained.set(objectSize);
		let sum = 0;
		for (let x = 0; x < n; x++) {
			sum += objectSize[x]!;
		}

		this.totalSize = sum;
		this.retained = retained;
		this.tree = {
			firstDominated: firstDominated.subarray(0, n + 1),
			dominated: dominated.subarray(0, firstDominated[n]!),
			rootChildren,
		};
		this.activeOfType = new Uint32Array(this.store.typeNames.length);
		this.step = 0;
		return true;
	}

	/**
	 * Depth-first walk of the dominator tree: on the way up, each object's
	 * retained size (final then) is added into its dominator's, and counted
	 * for its type when no object of the same type dominates it (noted on
	 * the way down, in the top bit of its stack entry). The stack (object,
	 * next child) lives in the freed `idom` and the last quarter of `info`'s
	 * buffer.
	 */
	private retainedSizes(deadline: number): boolean {
		const {firstDominated, dominated, rootChildren} = this.tree!;
		const {objectType} = this.store;
		const retained = this.retained!;
		const stackNode = this.idom;
		const stackEdge = new Uint32Array(this.infoBuffer, 12 * this.total, this.total);
		const active = this.activeOfType;
		const typeSize = this.typeRetainedSize;
		const typeCount = this.typeRetainedCount;
		let cursor = this.cursor;
		let depth = this.depth;
		let step = this.step;
		let budget = CHECK_EVERY;
		for (;;) {
			if (depth === 0) {
				if (cursor === rootChildren.length) {
					break;
				}

				const start = rootChildren[cursor++]!;
				const type = objectType[start]!;
				stackNode[0] = start;
				stackEdge[0] = (firstDominated[start]! | (active[type] === 0 ? OUTERMOST : 0)) >>> 0;
				active[type]++;
				step++;
				depth = 1;
			}

			while (depth > 0) {
				if (--budget === 0) {
					budget = CHECK_EVERY;
					if (performance.now() >= deadline) {
						this.cursor = cursor;
						this.depth = depth;
						this.step = step;
						return false;
					}
				}

				const top = depth - 1;
				const node = stackNode[top]!;
				const entry = stackEdge[top]!;
				const edge = (entry & ~OUTERMOST) >>> 0;
				if (edge < firstDominated[node + 1]!) {
					stackEdge[top] = entry + 1;
					const child = dominated[edge]!;
					const type = objectType[child]!;
					stackNode[depth] = child;
					stackEdge[depth] = (firstDominated[child]! | (active[type] === 0 ? OUTERMOST : 0)) >>> 0;
					active[type]++;
					step++;
					depth++;
				} else {
					const type = objectType[node]!;
					active[type]--;
					const size = retained[node]!;
					if ((entry & OUTERMOST) !== 0) {
						typeSize[type] += size;
						typeCount[type]++;
					}

					if (top > 0) {
						retained[stackNode[top - 1]!] += size;
					}

					depth--;
				}
			}
		}

		this.cursor = cursor;
		this.step = step;
		return true;
	}

	private releaseWork(): void {
		const empty = new Uint32Array(0);
		this.info = empty;
		this.idom = empty;
		this.activeOfType = empty;
		if (!this.keepTree) {
			this.tree = undefined;
			this.vertex = empty;
			this.parent = empty;
		}
	}
}

/** Tarjan's fields in `info` during the components phase (the preorder number stays in DFNUM). */
const TARJAN_INDEX = 1;
const TARJAN_LOW = 2;
const TARJAN_COMPONENT = 3;

/**
 * Lengauer and Tarjan's EVAL with path compression, without recursion:
 * climb while the ancestor is linked, reversing the pointers, then walk
 * back down updating labels and pointing every node at the tree's root.
 * `v` (an ordinal) must be linked (preorder number >= linkedFrom).
 */
function evaluate(v: number, linkedFrom: number, info: Uint32Array): number {
	const vAt = v << 2;
	let a = info[vAt + ANCESTOR]!;
	if (info[(a << 2) + DFNUM]! < linkedFrom) {
		return info[vAt + LABEL]!;
	}

	let x = v;
	let back = END;
	do {
		info[(x << 2) + ANCESTOR] = back;
		back = x;
		x = a;
		a = info[(x << 2) + ANCESTOR]!;
	} while (info[(a << 2) + DFNUM]! >= linkedFrom);

	// x is the highest linked node; a (its ancestor) is the tree's root.
	const root = a;
	let above = x;
	while (back !== END) {
		const current = back;
		const currentAt = current << 2;
		back = info[currentAt + ANCESTOR]!;
		const best = info[(above << 2) + LABEL]!;
		if (info[(best << 2) + SEMI]! < info[(info[currentAt + LABEL]! << 2) + SEMI]!) {
			info[currentAt + LABEL] = best;
		}

		info[currentAt + ANCESTOR] = root;
		above = current;
	}

	return info[vAt + LABEL]!;
}

/** The whole computation at once. */
export function computeDominators(store: GraphStore, options: DominatorOptions = {}): Dominators {
	const job = new DominatorJob(store, options);
	job.run();
	return job.result();
}

export type AsyncDominatorOptions = DominatorOptions & {
	/** Milliseconds of work between two returns to the event loop (default 8). */
	sliceMs?: number;
	onProgress?: (progress: DominatorProgress) => void;
	signal?: AbortSignal;
};

export class DominatorsAbortedError extends Error {
	constructor() {
		super('the dominator computation was cancelled');
		this.name = 'DominatorsAbortedError';
	}
}

const yieldToEventLoop = async (): Promise<void> => new Promise(resolve => {
	setImmediate(resolve);
});

/**
 * The same computation in slices of `sliceMs`, giving the event loop (key
 * presses, rendering) a turn between slices. Rejects with
 * DominatorsAbortedError when `signal` aborts.
 */
export async function computeDominatorsAsync(store: GraphStore, options: AsyncDominatorOptions = {}): Promise<Dominators> {
	const sliceMs = options.sliceMs ?? 8;
	const job = new DominatorJob(store, options);
	for (;;) {
		if (options.signal?.aborted) {
			throw new DominatorsAbortedError();
		}

		const finished = job.run(performance.now() + sliceMs);
		options.onProgress?.(job.progress());
		if (finished) {
			return job.result();
		}

		await yieldToEventLoop();
	}
}

// ------------------------------------------------------------ helpers

/** Whether the object's immediate dominator is the synthetic root. */
export function isDominatedByRoot(dominators: Dominators, ordinal: number): boolean {
	return dominators.idom[ordinal] === NO_OBJECT;
}

/**
 * The dominators of an object, nearest first, up to (and including) the
 * child of the synthetic root; at most `limit` of them.
 */
export function dominatorChain(dominators: Dominators, ordinal: number, limit = Number.POSITIVE_INFINITY): Uint32Array {
	const {idom} = dominators;
	const chain: number[] = [];
	let current = idom[ordinal]!;
	while (current !== NO_OBJECT && chain.length < limit) {
		chain.push(current);
		current = idom[current]!;
	}

	return Uint32Array.from(chain);
}

/** Whether `ancestor` dominates `ordinal` (an object dominates itself). */
export function dominates(dominators: Dominators, ancestor: number, ordinal: number): boolean {
	const {idom} = dominators;
	let current = ordinal;
	while (current !== NO_OBJECT) {
		if (current === ancestor) {
			return true;
		}

		current = idom[current]!;
	}

	return false;
}

/**
 * The `count` largest values of `key` among ordinals 0..n-1 accepted by
 * `accept`, largest first (ties: lower ordinal first), without sorting
 * everything: a bounded min-heap, O(n log count).
 */
export function topByKey(
	key: Float64Array,
	count: number,
	n: number = key.length,
	accept?: (ordinal: number) => boolean,
): Uint32Array {
	const k = Math.max(0, Math.min(count, n));
	if (k === 0) {
		return new Uint32Array(0);
	}

	const top = new TopK(key, k);
	for (let ordinal = 0; ordinal < n; ordinal++) {
		if (accept === undefined || accept(ordinal)) {
			top.offer(ordinal);
		}
	}

	return top.result();
}

/** The `count` objects with the largest retained sizes, largest first. */
export function topRetainers(
	dominators: Dominators,
	count: number,
	accept?: (ordinal: number) => boolean,
): Uint32Array {
	return topByKey(dominators.retainedSize, count, dominators.objectCount, accept);
}

/** The dominator tree's children lists, from `idom` (8 bytes per object). */
export function dominatorTree(dominators: Dominators): DominatorTree {
	if (dominators.tree !== undefined) {
		return dominators.tree;
	}

	const {idom, objectCount: n} = dominators;
	const firstDominated = new Uint32Array(n + 1);
	let rootChildCount = 0;
	for (let node = 0; node < n; node++) {
		const d = idom[node]!;
		if (d === NO_OBJECT) {
			rootChildCount++;
		} else {
			firstDominated[d]++;
		}
	}

	let sum = 0;
	for (let node = 0; node < n; node++) {
		sum += firstDominated[node]!;
		firstDominated[node] = sum;
	}

	firstDominated[n] = sum;
	const dominated = new Uint32Array(sum);
	const rootChildren = new Uint32Array(rootChildCount);
	let rootOut = rootChildCount;
	for (let node = n - 1; node >= 0; node--) {
		const d = idom[node]!;
		if (d === NO_OBJECT) {
			rootChildren[--rootOut] = node;
		} else {
			dominated[--firstDominated[d]!] = node;
		}
	}

	return {firstDominated, dominated, rootChildren};
}

export type TypeRetained = {
	readonly typeId: number;
	readonly type: string;
	/** Objects of the type (all of them). */
	readonly count: number;
	readonly size: number;
	/** Sum of retained sizes of the type's outermost objects. */
	readonly retainedSize: number;
	/** How many outermost objects (not dominated by another of the same type). */
	readonly retainedCount: number;
};

/** Per type: count, size and retained size, largest retained size first. */
export function typeRetainedSizes(store: GraphStore, dominators: Dominators): TypeRetained[] {
	// Counts and sizes come from the per-type summary; retained sizes from the tree.
	const result: TypeRetained[] = summarizeTypes(store).types.map(type => ({
		typeId: type.typeId,
		type: type.type,
		count: type.count,
		size: type.size,
		retainedSize: dominators.typeRetainedSize[type.typeId]!,
		retainedCount: dominators.typeRetainedCount[type.typeId]!,
	}));

	result.sort((a, b) => (b.retainedSize - a.retainedSize) || (b.size - a.size) || (a.type < b.type ? -1 : (a.type > b.type ? 1 : 0)));
	return result;
}
