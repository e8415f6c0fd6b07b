/**
 * A meliae dump as a V8 heap snapshot (`.heapsnapshot` JSON), so that a
 * JavaScript heap analyser (memlab) can compute dominators and retained
 * sizes over the same graph as ours.
 *
 * The graph is the store as our loader leaves it (instance dicts collapsed,
 * as `top` sees it): one node per object, named after its type, its size as
 * `self_size`, an "element" edge (index = position) to each child that is
 * in the dump, in the dump's order, repeats and self-references kept (both
 * tools ignore them for dominators). References to addresses the dump does
 * not list are left out, as our dominator tree leaves them out.
 *
 * Roots: node 0 is a synthetic root (V8's snapshots put their root first;
 * memlab's dominator search starts there) with an edge to every object that
 * our dominator analysis hangs under its own synthetic root: the objects
 * that nothing references, and the representatives of the cycles that
 * nothing outside them references (see core/analyses/dominators.ts). Every
 * object is then reachable from node 0 in both tools, the same way.
 *
 * Written as it goes, a megabyte of text at a time: the file is never one
 * string (5M objects make about 300 MB of JSON).
 *
 * Usage: node dist/bench/heapsnapshot.js DUMP OUT [--samples N]
 * loads DUMP with our loader, computes our dominators, writes OUT and
 * prints one JSON line: counts, timings, and our retained sizes of N
 * sampled objects (the largest and some spread over the dump) for the
 * bench to compare with memlab's.
 */

import {closeSync, fstatSync, openSync, renameSync, rmSync, writeSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {computeDominators, type Dominators} from '../core/analyses/dominators.js';
import {loadDump} from '../core/dump/load.js';
import {UNRESOLVED_BIT} from '../core/graph/layout.js';
import type {GraphStore} from '../core/graph/store.js';
import {tuneForLoading} from '../core/util/tuning.js';
import {runIfMain} from './generate.js';

/** V8's node fields, in the order V8 writes them. */
export const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'] as const;
export const NODE_TYPES = [
	'hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic',
	'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape',
] as const;
export const EDGE_FIELDS = ['type', 'name_or_index', 'to_node'] as const;
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'] as const;

const NODE_FIELD_COUNT = NODE_FIELDS.length;
const OBJECT_TYPE = NODE_TYPES.indexOf('object');
const SYNTHETIC_TYPE = NODE_TYPES.indexOf('synthetic');
const ELEMENT_EDGE = EDGE_TYPES.indexOf('element');
/** strings[0]: the root's name; type names follow. */
const ROOT_NAME = '(meliae roots)';
/** Node ids: the root is 1 (as in V8's snapshots), object ordinal o is 2o + 3. */
const ROOT_ID = 1;
export const nodeIdOf = (ordinal: number): number => (2 * ordinal) + 3;
/** memlab reads every number of the arrays into a Uint32Array. */
const MAX_FIELD = 0xff_ff_ff_ff;
const FLUSH_AT = 1 << 20;

export type SnapshotResult = {
	/** Nodes written: objects + the root. */
	readonly nodes: number;
	/** Edges written, the root's included. */
	readonly edges: number;
	/** The root's edges. */
	readonly rootEdges: number;
	/** References to addresses not in the dump, left out. */
	readonly unresolvedLeftOut: number;
	/** Objects whose size did not fit 32 bits (written as 2^32 - 1). */
	readonly oversize: number;
	readonly bytes: number;
};

/**
 * What our dominator analysis hangs under its synthetic root, ascending:
 * the objects without referrers and the representatives of unreached cycles.
 */
export function rootChildren(store: GraphStore, dominators: Pick<Dominators, 'representatives'>): Uint32Array {
	const {firstParent} = store.ensureParents();
	const n = store.objectCount;
	const representatives = dominators.representatives;
	let parentless = 0;
	for (let o = 0; o < n; o++) {
		if (firstParent[o] === firstParent[o + 1]) {
			parentless++;
		}
	}

	const roots = new Uint32Array(parentless + representatives.length);
	let at = 0;
	let r = 0;
	for (let o = 0; o < n; o++) {
		// Representatives have referrers (inside their cycle): the two lists never share an object.
		while (r < representatives.length && representatives[r]! < o) {
			roots[at++] = representatives[r++]!;
		}

		if (firstParent[o] === firstParent[o + 1]) {
			roots[at++] = o;
		}
	}

	while (r < representatives.length) {
		roots[at++] = representatives[r++]!;
	}

	return roots;
}

/** Buffered synchronous writes to a file descriptor. */
class TextSink {
	private text = '';
	bytes = 0;

	constructor(private readonly fd: number) {}

	put(piece: string): void {
		this.text += piece;
		if (this.text.length >= FLUSH_AT) {
			this.flush();
		}
	}

	flush(): void {
		if (this.text.length > 0) {
			this.bytes += writeSync(this.fd, this.text);
			this.text = '';
		}
	}
}

/**
 * Write the store as a V8 heap snapshot to `file` (through `file.partial`,
 * renamed when complete). `roots` are the ordinals node 0 refers to.
 */
export function writeHeapSnapshot(store: GraphStore, roots: Uint32Array, file: string): SnapshotResult {
	const n = store.objectCount;
	const {firstChild, childTargets, objectSize, objectType} = store;
	let resolvedEdges = 0;
	for (let e = 0; e < childTargets.length; e++) {
		if (childTargets[e]! < UNRESOLVED_BIT) {
			resolvedEdges++;
		}
	}

	const edgeCount = resolvedEdges + roots.length;
	const partial = file + '.partial';
	const fd = openSync(partial, 'w', 0o600);
	let oversize = 0;
	try {
		const sink = new TextSink(fd);
		const meta = {
			node_fields: NODE_FIELDS,
			node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
			edge_fields: EDGE_FIELDS,
			edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
			trace_function_info_fields: [],
			trace_node_fields: [],
			sample_fields: [],
			location_fields: ['object_index', 'script_id', 'line', 'column'],
		};
		sink.put(`{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":${n + 1},"edge_count":${edgeCount},"trace_function_count":0},\n"nodes":[`);
		// type, name, id, self_size, edge_count, trace_node_id, detachedness; one node a line.
		sink.put(`${SYNTHETIC_TYPE},0,${ROOT_ID},0,${roots.length},0,0`);
		for (let o = 0; o < n; o++) {
			let edges = 0;
			for (let e = firstChild[o]!, end = firstChild[o + 1]!; e < end; e++) {
				if (childTargets[e]! < UNRESOLVED_BIT) {
					edges++;
				}
			}

			let size = objectSize[o]!;
			if (size > MAX_FIELD) {
				size = MAX_FIELD;
				oversize++;
			}

			sink.put(`,\n${OBJECT_TYPE},${objectType[o]! + 1},${nodeIdOf(o)},${size},${edges},0,0`);
		}

		// type, name_or_index, to_node (the target's first field in "nodes"); one edge a line.
		sink.put('],\n"edges":[');
		let separator = '';
		for (let i = 0; i < roots.length; i++) {
			sink.put(`${separator}${ELEMENT_EDGE},${i},${(roots[i]! + 1) * NODE_FIELD_COUNT}`);
			separator = ',\n';
		}

		for (let o = 0; o < n; o++) {
			let index = 0;
			for (let e = firstChild[o]!, end = firstChild[o + 1]!; e < end; e++) {
				const target = childTargets[e]!;
				if (target < UNRESOLVED_BIT) {
					sink.put(`${separator}${ELEMENT_EDGE},${index++},${(target + 1) * NODE_FIELD_COUNT}`);
					separator = ',\n';
				}
			}
		}

		sink.put('],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[');
		sink.put(JSON.stringify(ROOT_NAME));
		for (const name of store.typeNames) {
			sink.put(',\n' + JSON.stringify(name));
		}

		sink.put(']}\n');
		sink.flush();
		const bytes = fstatSync(fd).size;
		closeSync(fd);
		renameSync(partial, file);
		return {
			nodes: n + 1,
			edges: edgeCount,
			rootEdges: roots.length,
			unresolvedLeftOut: childTargets.length - resolvedEdges,
			oversize,
			bytes,
		};
	} catch (error) {
		try {
			closeSync(fd);
		} catch {}

		rmSync(partial, {force: true});
		throw error;
	}
}

/** Objects whose retained sizes the bench compares: the largest, then some spread over the dump. */
export function sampleOrdinals(dominators: Dominators, count: number): number[] {
	const n = dominators.objectCount;
	if (n === 0 || count <= 0) {
		return [];
	}

	const retained = dominators.retainedSize;
	const largest = Math.max(1, Math.floor(count / 2));
	// The `largest` biggest retained sizes, by a small sorted list (count is small).
	const top: number[] = [];
	for (let o = 0; o < n; o++) {
		const size = retained[o]!;
		if (top.length < largest || size > retained[top.at(-1)!]!) {
			let at = top.length;
			while (at > 0 && retained[top[at - 1]!]! < size) {
				at--;
			}

			top.splice(at, 0, o);
			if (top.length > largest) {
				top.pop();
			}
		}
	}

	const chosen = new Set(top);
	const spread = count - top.length;
	for (let i = 0; i < spread; i++) {
		chosen.add(Math.floor(((i + 0.5) * n) / spread));
	}

	return [...chosen].sort((a, b) => a - b);
}

export type ConvertFigures = SnapshotResult & {
	readonly dump: string;
	readonly snapshot: string;
	readonly objects: number;
	readonly msLoad: number;
	readonly msDominators: number;
	readonly msWrite: number;
	/** Our retained size of the synthetic root: every object's size. */
	readonly totalSize: number;
	readonly parentless: number;
	readonly representatives: number;
	/** Our retained sizes of sampled objects, by ordinal (memlab's node index is ordinal + 1). */
	readonly samples: ReadonlyArray<{readonly ordinal: number; readonly retained: number}>;
};

/** Load a dump as `top` does (no index), compute our dominators, write the snapshot. */
export async function convertDump(dump: string, snapshot: string, samples = 40): Promise<ConvertFigures> {
	const started = performance.now();
	const {store} = await loadDump(dump, {collapse: true, index: false});
	const loaded = performance.now();
	const dominators = computeDominators(store);
	const dominated = performance.now();
	const result = writeHeapSnapshot(store, rootChildren(store, dominators), snapshot);
	const written = performance.now();
	return {
		...result,
		dump,
		snapshot,
		objects: store.objectCount,
		msLoad: Math.round(loaded - started),
		msDominators: Math.round(dominated - loaded),
		msWrite: Math.round(written - dominated),
		totalSize: dominators.totalSize,
		parentless: dominators.parentlessCount,
		representatives: dominators.representatives.length,
		samples: sampleOrdinals(dominators, samples).map(ordinal => ({ordinal, retained: dominators.retainedSize[ordinal]!})),
	};
}

async function main(argv: string[]): Promise<number> {
	tuneForLoading();
	const {values, positionals} = parseArgs({
		args: argv,
		options: {samples: {type: 'string', default: '40'}},
		allowPositionals: true,
		strict: true,
	});
	if (positionals.length !== 2) {
		process.stderr.write('Usage: node dist/bench/heapsnapshot.js DUMP OUT [--samples N]\n');
		return 2;
	}

	const figures = await convertDump(positionals[0]!, positionals[1]!, Number(values.samples));
	process.stdout.write(JSON.stringify(figures) + '\n');
	return 0;
}

runIfMain(import.meta.url, 'heapsnapshot', main);
