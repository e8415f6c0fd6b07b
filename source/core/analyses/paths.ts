/**
 * Why is this object alive: the shortest chains of references from a root
 * to it, found by a breadth-first search backwards over the referrers.
 *
 * A root is an object without referrers. When none reaches the object (it
 * hangs off cycles no object in the dump reaches: held from C, or garbage
 * not yet collected), the chain starts at the
 * representative of such a cycle, chosen as for the dominator tree: the
 * lowest ordinal of a strongly connected component that no other object
 * reaching the target references. Either way the search stops at the
 * nearest root, so the answer is a shortest path.
 *
 * Options keep paths away from references that explain nothing: weak
 * references (they do not keep anything alive), and the housekeeping links
 * that tie every object to everything (types, frames, modules and their
 * dicts, a function's globals and builtins).
 */

import {FLAG_COLLAPSED, UNRESOLVED_BIT} from '../graph/layout.js';
import {slotName} from '../graph/slot-names.js';
import type {GraphStore} from '../graph/store.js';
import {escapeControls} from '../format/escape.js';
import {pythonRepr} from '../format/python.js';
import {Uint32Column} from '../util/growable.js';
import {dictLayout} from './dict-layout.js';
import {EX_REFERENCE_TYPE} from './expensive.js';

/** Types of weak references (CPython's and the stdlib's weakref subclasses). */
export const WEAK_TYPES: ReadonlySet<string> = new Set([
	'weakref', 'weakproxy', 'weakcallableproxy', 'weakref.ReferenceType', 'weakref.ProxyType',
	'weakref.CallableProxyType', 'KeyedRef', 'weakref.KeyedRef', 'WeakMethod', 'weakref.WeakMethod',
]);

/** Types whose objects reference (or are referenced by) nearly everything. */
export const EXPENSIVE_TYPES: ReadonlySet<string> = new Set(['type', 'frame', 'module', EX_REFERENCE_TYPE]);

export type PathOptions = {
	/** Never go through weak references. */
	skipWeak?: boolean;
	/** Never go through types, frames, modules, module dicts, or a function's globals and builtins links. */
	skipExpensive?: boolean;
	/**
	 * The representatives of unreferenced cycles (Dominators.representatives,
	 * ascending), when known: saves finding them when no object without
	 * referrers reaches the target.
	 */
	representatives?: Uint32Array;
	/** Stop after visiting this many objects (default: no limit). */
	maxVisited?: number;
};

export type EdgeKind = 'key' | 'attribute' | 'index' | 'dict-key' | 'class';

/** How a reference is named in Python terms. */
export type EdgeName = {
	readonly kind: EdgeKind;
	/** Terminal-safe text: `['key']`, `.attr`, `[3]`, `(key)`, `.__class__`. */
	readonly text: string;
};

export type RootKind = 'no-referrers' | 'unreferenced-cycle';

export type ReferencePath = {
	/** Ordinals, root first, the target last. */
	readonly ordinals: Uint32Array;
	/** edges[i] names the reference from ordinals[i - 1] to ordinals[i]; edges[0] is null. */
	readonly edges: ReadonlyArray<EdgeName | null>;
	readonly rootKind: RootKind;
};

export type PathSearch = {
	readonly paths: ReferencePath[];
	/** Objects visited by the search. */
	readonly visited: number;
	/** The search stopped at maxVisited before finding all requested paths. */
	readonly truncated: boolean;
};

const UNSEEN = 0;

/**
 * Up to `count` shortest-ish paths from roots to `target`, shortest first.
 * Paths after the first start with a different referrer of the target and
 * share no object with the earlier ones (but the target): each is the
 * shortest path within its own branch of the search.
 */
export function findPaths(store: GraphStore, target: number, count = 1, options: PathOptions = {}): PathSearch {
	const n = store.objectCount;
	if (target < 0 || target >= n || count <= 0) {
		return {paths: [], visited: 0, truncated: false};
	}

	const skip = skippedTypes(store, options);
	const {firstParent, parentSources, firstChild, childTargets, objectType} = store;
	const skipping = options.skipWeak === true || options.skipExpensive === true;
	const functionType = options.skipExpensive ? store.typeId('function') : -1;
	const dictType = options.skipExpensive ? store.typeId('dict') : -1;
	const moduleType = store.typeId('module');
	// A module's own dict (when not collapsed into it): referenced by a module.
	const isModuleDict = (x: number): boolean => {
		for (let e = firstParent[x]!; e < firstParent[x + 1]!; e++) {
			if (objectType[parentSources[e]!] === moduleType) {
				return true;
			}
		}

		return false;
	};
	const maxVisited = options.maxVisited ?? Number.POSITIVE_INFINITY;
	// via[x] = 1 + the object x references on its way to the target (target: itself).
	const via = new Uint32Array(n);
	// branch[x] = which referrer of the target x was reached through (only with count > 1).
	const branch = count > 1 ? new Uint32Array(n) : undefined;
	const queue = new Uint32Column(1024);
	const isRoot = (x: number): boolean => firstParent[x] === firstParent[x + 1];
	const paths: ReferencePath[] = [];
	const branchDone = new Set<number>();
	via[target] = target + 1;
	queue.push(target);
	let head = 0;
	let truncated = false;
	const accept = (root: number, kind: RootKind): void => {
		const b = branch === undefined ? 0 : branch[root]!;
		if (branchDone.has(b)) {
			return;
		}

		branchDone.add(b);
		paths.push(buildPath(store, via, root, target, kind));
	};

	if (isRoot(target)) {
		accept(target, 'no-referrers');
		return {paths, visited: 1, truncated: false};
	}

	while (head < queue.length && paths.length < count) {
		if (queue.length >= maxVisited) {
			truncated = true;
			break;
		}

		const y = queue.view()[head++]!;
		const end = firstParent[y + 1]!;
		for (let e = firstParent[y]!; e < end; e++) {
			const x = parentSources[e]!;
			if (via[x] !== UNSEEN || skip[objectType[x]!] === 1) {
				continue;
			}

			if (objectType[x] === functionType && isOnlyGlobalsLink(firstChild, childTargets, x, y)) {
				continue;
			}

			if (objectType[x] === dictType && moduleType >= 0 && isModuleDict(x)) {
				continue;
			}

			via[x] = y + 1;
			if (branch !== undefined) {
				branch[x] = y === target ? e - firstParent[target]! + 1 : branch[y]!;
			}

			queue.push(x);
			if (isRoot(x)) {
				accept(x, 'no-referrers');
				if (paths.length >= count) {
					break;
				}
			}
		}
	}

	if (paths.length === 0 && !truncated && head >= queue.length) {
		// Nothing without referrers reaches the target: start at the nearest
		// representative of an unreferenced cycle.
		const visitedOrder = queue.view().subarray(0, queue.length);
		// With skipped objects the searched set is not closed under
		// referrers, so its source components are not the true ones.
		const representatives = options.representatives
			?? (skipping ? undefined : sourceRepresentatives(store, visitedOrder, via));
		if (representatives !== undefined && representatives.length > 0) {
			for (const x of visitedOrder) {
				if (paths.length >= count) {
					break;
				}

				if (binarySearch(representatives, x)) {
					accept(x, 'unreferenced-cycle');
				}
			}
		}
	}

	return {paths, visited: queue.length, truncated};
}

/** The shortest path, or undefined. */
export function findPath(store: GraphStore, target: number, options: PathOptions = {}): ReferencePath | undefined {
	return findPaths(store, target, 1, options).paths[0];
}

function skippedTypes(store: GraphStore, options: PathOptions): Uint8Array {
	const skip = new Uint8Array(store.typeNames.length);
	for (const [id, name] of store.typeNames.entries()) {
		if ((options.skipWeak && WEAK_TYPES.has(name)) || (options.skipExpensive && EXPENSIVE_TYPES.has(name)) || name === EX_REFERENCE_TYPE) {
			skip[id] = 1;
		}
	}

	return skip;
}

/**
 * Whether every reference from function `f` to `y` is its globals or
 * builtins link (positions 1 and 2, as meliae's remove_expensive_references
 * reads them).
 */
function isOnlyGlobalsLink(firstChild: Uint32Array, childTargets: Uint32Array, f: number, y: number): boolean {
	const start = firstChild[f]!;
	const end = firstChild[f + 1]!;
	let found = false;
	for (let e = start; e < end; e++) {
		if (childTargets[e] === y) {
			const k = e - start;
			if (k !== 1 && k !== 2) {
				return false;
			}

			found = true;
		}
	}

	return found;
}

function binarySearch(sorted: Uint32Array, value: number): boolean {
	let low = 0;
	let high = sorted.length - 1;
	while (low <= high) {
		const mid = (low + high) >>> 1;
		const at = sorted[mid]!;
		if (at === value) {
			return true;
		}

		if (at < value) {
			low = mid + 1;
		} else {
			high = mid - 1;
		}
	}

	return false;
}

/**
 * The representatives (lowest ordinal of each source strongly connected
 * component) within `members`, a set closed under referrers (marked by
 * via[x] != 0). Tarjan's algorithm with explicit stacks. Ascending.
 */
function sourceRepresentatives(store: GraphStore, members: Uint32Array, via: Uint32Array): Uint32Array {
	const {firstChild, childTargets, firstParent, parentSources} = store;
	const n = store.objectCount;
	const NONE = 0xff_ff_ff_ff;
	// index + 1 (0: not visited); lowlink; component + 1 (0: on the stack or unvisited).
	const index = new Uint32Array(n);
	const low = new Uint32Array(n);
	const component = new Uint32Array(n);
	const sccStack = new Uint32Column(64);
	const callNode = new Uint32Column(64);
	const callEdge = new Uint32Column(64);
	let counter = 1;
	let components = 0;
	const inSet = (x: number): boolean => x < UNRESOLVED_BIT && via[x] !== 0;
	for (const start of members) {
		if (index[start] !== 0) {
			continue;
		}

		index[start] = counter;
		low[start] = counter;
		counter++;
		sccStack.push(start);
		callNode.push(start);
		callEdge.push(firstChild[start]!);
		while (callNode.length > 0) {
			const top = callNode.length - 1;
			const node = callNode.view()[top]!;
			let edge = callEdge.view()[top]!;
			const end = firstChild[node + 1]!;
			let descended = false;
			while (edge < end) {
				const t = childTargets[edge++]!;
				if (!inSet(t)) {
					continue;
				}

				if (index[t] === 0) {
					callEdge.view()[top] = edge;
					index[t] = counter;
					low[t] = counter;
					counter++;
					sccStack.push(t);
					callNode.push(t);
					callEdge.push(firstChild[t]!);
					descended = true;
					break;
				}

				if (component[t] === 0 && index[t]! < low[node]!) {
					low[node] = index[t]!;
				}
			}

			if (descended) {
				continue;
			}

			if (low[node] === index[node]) {
				components++;
				let member: number;
				do {
					member = sccStack.view()[--sccStack.length]!;
					component[member] = components;
				} while (member !== node);
			}

			callNode.length--;
			callEdge.length--;
			if (callNode.length > 0) {
				const caller = callNode.view()[callNode.length - 1]!;
				if (low[node]! < low[caller]!) {
					low[caller] = low[node]!;
				}
			}
		}
	}

	// Lowest member of each component, and whether a member has a referrer in another component.
	const lowest = new Uint32Array(components + 1).fill(NONE);
	const referenced = new Uint8Array(components + 1);
	for (const x of members) {
		const c = component[x]!;
		if (x < lowest[c]!) {
			lowest[c] = x;
		}

		for (let e = firstParent[x]!; e < firstParent[x + 1]!; e++) {
			const p = parentSources[e]!;
			if (component[p] !== c) {
				referenced[c] = 1;
			}
		}
	}

	const result: number[] = [];
	for (let c = 1; c <= components; c++) {
		if (referenced[c] === 0) {
			result.push(lowest[c]!);
		}
	}

	return Uint32Array.from(result).sort();
}

function buildPath(store: GraphStore, via: Uint32Array, root: number, target: number, rootKind: RootKind): ReferencePath {
	const ordinals: number[] = [root];
	let x = root;
	while (x !== target) {
		x = via[x]! - 1;
		ordinals.push(x);
	}

	const edges: Array<EdgeName | null> = [null];
	for (let i = 1; i < ordinals.length; i++) {
		edges.push(edgeName(store, ordinals[i - 1]!, ordinals[i]!));
	}

	return {ordinals: Uint32Array.from(ordinals), edges, rootKind};
}

const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const MAX_KEY_WIDTH = 120;

function keyText(store: GraphStore, key: number): string | undefined {
	if (key >= UNRESOLVED_BIT) {
		return undefined;
	}

	const kind = store.valueKind(key);
	if (kind === 'none') {
		const type = store.typeName(key);
		if (type === 'NoneType') {
			return 'None';
		}

		return `<${escapeControls(type)} ${store.objectAddress[key]}>`;
	}

	const value = store.value(key)!;
	const cut = value.length > MAX_KEY_WIDTH ? value.slice(0, MAX_KEY_WIDTH) + '…' : value;
	return kind === 'token' ? escapeControls(cut) : pythonRepr(cut);
}

/**
 * The name of the reference from `parent` to `child`, in Python terms,
 * when the parent's layout tells it: a dict's refs are key, value pairs;
 * a collapsed instance's (or module's) are attribute name, value pairs
 * ending with its type; a list's or tuple's are its items from the last to
 * the first (CPython's traverse order), a deque's from the first; a
 * module's only reference is its `__dict__`. Null otherwise, or when
 * `parent` does not reference `child`.
 */
export function edgeName(store: GraphStore, parent: number, child: number): EdgeName | null {
	const start = store.firstChild[parent]!;
	const end = store.firstChild[parent + 1]!;
	const {childTargets} = store;
	const type = store.typeName(parent);
	const count = end - start;
	if (type === 'list' || type === 'tuple') {
		// CPython's list and tuple traverse functions visit the items from
		// the last to the first, so the dump lists them in reverse: refs[k]
		// is item count - 1 - k. The lowest index holding the child is the
		// last position that refers to it.
		for (let e = end - 1; e >= start; e--) {
			if (childTargets[e] === child) {
				return {kind: 'index', text: `[${end - 1 - e}]`};
			}
		}

		return null;
	}

	let k = -1;
	for (let e = start; e < end; e++) {
		if (childTargets[e] === child) {
			k = e - start;
			break;
		}
	}

	if (k < 0) {
		return null;
	}

	const slot = slotName(store, parent, k);
	if (slot !== undefined) {
		return {kind: 'attribute', text: `.${escapeControls(slot)}`};
	}

	const collapsed = (store.objectFlags[parent]! & FLAG_COLLAPSED) !== 0;
	if (type === 'dict' || collapsed) {
		const layout = dictLayout(store, parent);
		if (layout === 'values') {
			// Only the values are in the dump: no key to name the reference by.
			return collapsed && type !== 'module' && k === count - 1 ? {kind: 'class', text: '.__class__'} : null;
		}

		if (collapsed && count % 2 === 1 && k === count - 1) {
			return {kind: 'class', text: '.__class__'};
		}

		// Pairs are key, value; or value, key in a dump in CPython 3's traverse order.
		const keyFirst = layout === 'pairs';
		if ((k % 2 === 0) === keyFirst) {
			// The child is a key (or an attribute's name).
			return {kind: 'dict-key', text: '(key)'};
		}

		if (!keyFirst && k + 1 >= count) {
			return null;
		}

		const key = childTargets[start + (keyFirst ? k - 1 : k + 1)]!;
		const text = keyText(store, key);
		if (text === undefined) {
			return null;
		}

		if (collapsed && key < UNRESOLVED_BIT && store.valueKind(key) === 'string') {
			const name = store.value(key)!;
			if (IDENTIFIER.test(name) && name.length <= MAX_KEY_WIDTH) {
				return {kind: 'attribute', text: `.${escapeControls(name)}`};
			}
		}

		return {kind: 'key', text: `[${text}]`};
	}

	if (type === 'collections.deque') {
		// A deque's traverse visits its items first to last; from 3.13 on
		// (deque is a heap type there) it visits its type before them.
		const first = childTargets[start]!;
		const typeFirst = first < UNRESOLVED_BIT && store.typeName(first) === 'type' && store.valueKind(first) === 'name'
			&& (store.value(first) === type || type.endsWith(`.${store.value(first)!}`));
		if (typeFirst && k === 0) {
			return {kind: 'class', text: '.__class__'};
		}

		return {kind: 'index', text: `[${typeFirst ? k - 1 : k}]`};
	}

	if (type === 'module' && count === 1 && store.typeName(child) === 'dict') {
		// A module whose dict was not collapsed into it (functions share it as their globals).
		return {kind: 'attribute', text: '.__dict__'};
	}

	return null;
}
