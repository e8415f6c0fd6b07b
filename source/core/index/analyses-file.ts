/**
 * The analyses file: what analyses computed on an indexed store (the
 * parents, the dominators and retained sizes), saved beside the index as
 * `INDEX.analyses` so that later loads read them instead of computing.
 *
 * It is a file of its own rather than sections added to the index: adding
 * to the index would mean rewriting it whole (about half the dump's size)
 * for 12 bytes per object, or appending to a file other processes are
 * reading. The companion is small, written the same way as the index (a new
 * file, O_EXCL, mode 0600, synced, renamed over the old one: readers see the
 * old file, the new one or none; two writers both succeed and the last
 * rename wins with a whole file), and it is bound to one index by that
 * index's size and header checksum (which covers every section's checksum)
 * and to the dump's identity: a companion of an older index, of another
 * dump state or of other loader options is never used.
 *
 * Layout: as the index (see index-file.ts), magic "MTUIANLS"; the header
 * holds the binding, the dump's identity, the object and type counts, the
 * dominators' totals, and the sections. Groups are all or nothing: the
 * parents (firstParent, parentSources) and the dominators (idom,
 * retainedSize, representatives, typeRetainedSize, typeRetainedCount).
 *
 * Reading checks, before anything is used: the fixed part, the header's
 * and each section's CRC-32 and bounds, the binding, then the values:
 * parents as the index's (CSR offsets ascending and spanning, sources in
 * the table); every idom an ordinal other than itself or the root marker,
 * with no cycle; every retained size finite, at least the object's own
 * size, at most its dominator's retained size and the total; the
 * representatives ascending and in the table; the per-type sums finite.
 */

import {closeSync, constants, openSync, readSync} from 'node:fs';
import type {Dominators} from '../analyses/dominators.js';
import {NO_OBJECT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {type DumpIdentity, sameIdentity} from './identity.js';
import {
	type AnyArray, type ArrayKind, bytesOf, checkOffsets, checksum, damaged, elementBytes, type IndexBinding, IndexProblem, isCount,
	openSections, readSection, type SectionEntry, writeSectionFile,
} from './index-file.js';

export const ANALYSES_MAGIC = 'MTUIANLS';
/** Bump on any change to the layout or to what the sections mean. */
export const ANALYSES_VERSION = 2;
export const ANALYSES_SUFFIX = '.analyses';

const PARENTS = [['firstParent', 'u32'], ['parentSources', 'u32']] as const;
const DOMINATORS = [
	['idom', 'u32'], ['retainedSize', 'f64'], ['representatives', 'u32'], ['typeRetainedSize', 'f64'], ['typeRetainedCount', 'f64'],
] as const;
/** Sections a command reads a slice of (one object's parents, its dominator): each has a checksum per block. */
const SLICED = ['firstParent', 'parentSources', 'idom', 'retainedSize'] as const;
export type SlicedSection = typeof SLICED[number];
/** The size of a checksummed block of a sliced section. */
export const SLICE_BLOCK = 64 * 1024;
const blockCrcName = (name: string): string => `${name}.blockCrc`;
const KNOWN = new Map<string, ArrayKind>([...PARENTS, ...DOMINATORS, ...SLICED.map(name => [blockCrcName(name), 'u32'] as const)]);

type AnalysesHeader = {
	binding: IndexBinding;
	identity: DumpIdentity;
	objectCount: number;
	typeCount: number;
	/** Present with the dominators. */
	totalSize?: number;
	parentlessCount?: number;
	sections: Array<{name: string; offset: number; bytes: number; crc: number}>;
	fileBytes: number;
};

export type SavedParents = {firstParent: Uint32Array; parentSources: Uint32Array};

export type AnalysesContent = {
	parents?: SavedParents;
	dominators?: Dominators;
};

/** The companion of the index at `indexPath`. */
export function analysesPath(indexPath: string): string {
	return `${indexPath}${ANALYSES_SUFFIX}`;
}

/**
 * Save `content` as the companion of the index `binding` names. Throws as
 * writeSectionFile does. Returns the file's size.
 */
export function writeAnalysesFile(target: string, binding: IndexBinding, identity: DumpIdentity, store: GraphStore, content: AnalysesContent): number {
	const arrays: Array<[string, AnyArray]> = [];
	const header: AnalysesHeader = {
		binding, identity, objectCount: store.objectCount, typeCount: store.typeCount, sections: [], fileBytes: 0,
	};
	if (content.parents !== undefined) {
		arrays.push(['firstParent', content.parents.firstParent], ['parentSources', content.parents.parentSources]);
	}

	const d = content.dominators;
	if (d !== undefined) {
		header.totalSize = d.totalSize;
		header.parentlessCount = d.parentlessCount;
		arrays.push(
			['idom', d.idom], ['retainedSize', d.retainedSize], ['representatives', d.representatives],
			['typeRetainedSize', d.typeRetainedSize], ['typeRetainedCount', d.typeRetainedCount],
		);
	}

	for (const [name, array] of [...arrays]) {
		if ((SLICED as readonly string[]).includes(name)) {
			arrays.push([blockCrcName(name), blockChecksums(bytesOf(array))]);
		}
	}

	return writeSectionFile(target, ANALYSES_MAGIC, ANALYSES_VERSION, header, arrays).bytes;
}

function blockChecksums(bytes: Uint8Array): Uint32Array {
	const crcs = new Uint32Array(Math.ceil(bytes.length / SLICE_BLOCK));
	for (let b = 0; b < crcs.length; b++) {
		crcs[b] = checksum(bytes.subarray(b * SLICE_BLOCK, Math.min(bytes.length, (b + 1) * SLICE_BLOCK)));
	}

	return crcs;
}

/** The saved parents, checked against the store's size. */
function checkParents(firstParent: Uint32Array, parentSources: Uint32Array, n: number): void {
	if (firstParent.length !== n + 1) {
		throw damaged(`firstParent has ${firstParent.length} entries where ${n + 1} are expected`);
	}

	checkOffsets('firstParent', firstParent, parentSources.length);
	for (let e = 0; e < parentSources.length; e++) {
		if (parentSources[e]! >= n) {
			throw damaged(`parent ${e} points outside the object table`);
		}
	}
}

/** The saved dominators, checked against the store: nothing out of range, no cycle, sizes that add up. */
function checkDominators(store: GraphStore, d: Dominators): void {
	const n = store.objectCount;
	const {idom, retainedSize, representatives, typeRetainedSize, typeRetainedCount} = d;
	if (idom.length !== n || retainedSize.length !== n) {
		throw damaged('its dominators do not have one entry per object');
	}

	if (typeRetainedSize.length !== store.typeCount || typeRetainedCount.length !== store.typeCount) {
		throw damaged('its per-type retained sizes do not have one entry per type');
	}

	if (!Number.isFinite(d.totalSize) || d.totalSize < 0 || !isCount(d.parentlessCount) || d.parentlessCount > n) {
		throw damaged('its dominator totals are not sizes');
	}

	// An object's retained size is its own plus its dominated objects': at
	// least its own, and at most its dominator's minus the dominator's own.
	// Along a cycle of dominators that would make every size 0, so only
	// objects of size 0 can be on one; those chains are walked below.
	const size = store.objectSize;
	let zeroSized = 0;
	for (let i = 0; i < n; i++) {
		const parent = idom[i]!;
		if (parent !== NO_OBJECT && (parent >= n || parent === i)) {
			throw damaged(`the dominator of object ${i} is outside the object table`);
		}

		const retained = retainedSize[i]!;
		if (!Number.isFinite(retained) || retained < size[i]! || retained > d.totalSize
			|| (parent !== NO_OBJECT && retainedSize[parent]! - size[parent]! < retained)) {
			throw damaged(`the retained size of object ${i} is impossible`);
		}

		zeroSized += size[i] === 0 ? 1 : 0;
	}

	if (zeroSized > 0) {
		// 0 unseen, 1 on the current chain, 2 known to end at the root or at an object with a size.
		const state = new Uint8Array(n);
		const chain: number[] = [];
		for (let start = 0; start < n; start++) {
			chain.length = 0;
			let current = start;
			while (current !== NO_OBJECT && size[current] === 0 && state[current] === 0) {
				state[current] = 1;
				chain.push(current);
				current = idom[current]!;
			}

			if (current !== NO_OBJECT && state[current] === 1) {
				throw damaged(`the dominators of object ${current} form a cycle`);
			}

			for (const k of chain) {
				state[k] = 2;
			}
		}
	}

	for (let k = 0; k < representatives.length; k++) {
		if (representatives[k]! >= n || (k > 0 && representatives[k]! <= representatives[k - 1]!)) {
			throw damaged('its representatives are out of order or outside the object table');
		}
	}

	for (let t = 0; t < typeRetainedSize.length; t++) {
		const bytes = typeRetainedSize[t]!;
		const count = typeRetainedCount[t]!;
		if (!Number.isFinite(bytes) || bytes < 0 || bytes > d.totalSize || !Number.isSafeInteger(count) || count < 0 || count > n) {
			throw damaged('its per-type retained sizes are not sizes');
		}
	}
}

export type AnalysesGroup = 'parents' | 'dominators';

/**
 * Open the companion on `fd` and check its header and binding: undefined
 * when it belongs to another index; throws IndexProblem when damaged.
 */
function openBound(fd: number, binding: IndexBinding, identity: DumpIdentity, store: GraphStore): ReturnType<typeof openSections> | undefined {
	const opened = openSections(fd, ANALYSES_MAGIC, ANALYSES_VERSION, KNOWN);
	const header = opened.header as AnalysesHeader;
	if (typeof header !== 'object' || header === null || typeof header.binding !== 'object' || header.binding === null
		|| typeof header.identity !== 'object' || header.identity === null
		|| !isCount(header.objectCount) || !isCount(header.typeCount) || header.fileBytes !== opened.fileBytes) {
		throw damaged(`its header is malformed, or it is ${opened.fileBytes} bytes where its header says otherwise`);
	}

	if (header.binding.indexBytes !== binding.indexBytes || header.binding.headerCrc !== binding.headerCrc
		|| !sameIdentity(header.identity, identity)) {
		return undefined;
	}

	if (header.objectCount !== store.objectCount || header.typeCount !== store.typeCount) {
		throw damaged('it counts other objects than its index');
	}

	return opened;
}

const openSlices = new FinalizationRegistry<number>(fd => {
	try {
		closeSync(fd);
	} catch {}
});

/**
 * Slices of the companion's parents and dominators, for a command that
 * needs one object's (show): each 64 KiB block read is checked by its own
 * checksum, a few kept. Every slice is also checked against the store
 * (parents: offsets ascending within the sources, sources in the table;
 * a dominator within the table, a retained size within the totals): a
 * damaged block or value throws IndexProblem. The file stays open while
 * this object lives, so a companion replaced meanwhile is not mixed in.
 */
export class AnalysesSlices {
	private readonly blocks = new Map<string, Uint8Array>();
	private readonly blockCrcs = new Map<string, Uint32Array>();

	private constructor(
		private readonly fd: number,
		private readonly entries: ReadonlyMap<string, SectionEntry>,
		private readonly store: GraphStore,
		/** The dominators' total size, when saved. */
		readonly totalSize: number | undefined,
	) {
		openSlices.register(this, fd);
	}

	/** Open the companion at `path`: undefined when it is not there or belongs to another index; throws IndexProblem when damaged. */
	static open(path: string, binding: IndexBinding, identity: DumpIdentity, store: GraphStore): AnalysesSlices | undefined {
		let fd: number;
		try {
			fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code === 'ENOENT' || code === 'ENOTDIR') {
				return undefined;
			}

			throw error;
		}

		try {
			const opened = openBound(fd, binding, identity, store);
			if (opened === undefined) {
				closeSync(fd);
				return undefined;
			}

			const header = opened.header as AnalysesHeader;
			return new AnalysesSlices(fd, opened.entries, store, typeof header.totalSize === 'number' ? header.totalSize : undefined);
		} catch (error) {
			closeSync(fd);
			throw error;
		}
	}

	/** Whether the companion holds this group (with its block checksums). */
	has(group: AnalysesGroup): boolean {
		const names = group === 'parents' ? ['firstParent', 'parentSources'] : ['idom', 'retainedSize'];
		return names.every(name => this.entries.has(name) && this.entries.has(blockCrcName(name)));
	}

	/** One object's parents (ordinals of its referrers, ascending), checked. */
	parentsOf(ordinal: number): Uint32Array {
		const offsets = this.read('firstParent', ordinal, ordinal + 2) as Uint32Array;
		const sourcesBytes = this.entries.get('parentSources')!.bytes;
		const start = offsets[0]!;
		const end = offsets[1]!;
		if (end < start || end * 4 > sourcesBytes) {
			throw damaged(`the parents of object ${ordinal} lie outside its parents`);
		}

		const parents = this.read('parentSources', start, end) as Uint32Array;
		for (let k = 0; k < parents.length; k++) {
			if (parents[k]! >= this.store.objectCount) {
				throw damaged(`a parent of object ${ordinal} is outside the object table`);
			}
		}

		return parents;
	}

	/** One object's saved immediate dominator (NO_OBJECT for none) and retained size, checked. */
	dominanceOf(ordinal: number): {idom: number; retainedSize: number} {
		const idom = (this.read('idom', ordinal, ordinal + 1) as Uint32Array)[0]!;
		const retainedSize = (this.read('retainedSize', ordinal, ordinal + 1) as Float64Array)[0]!;
		const n = this.store.objectCount;
		if (idom !== NO_OBJECT && (idom >= n || idom === ordinal)) {
			throw damaged(`the dominator of object ${ordinal} is outside the object table`);
		}

		if (this.totalSize === undefined || !Number.isFinite(this.totalSize) || !Number.isFinite(retainedSize)
			|| retainedSize < this.store.objectSize[ordinal]! || retainedSize > this.totalSize) {
			throw damaged(`the retained size of object ${ordinal} is impossible`);
		}

		return {idom, retainedSize};
	}

	/** Elements [start, end) of a sliced section, each block it touches checked. */
	private read(name: SlicedSection, start: number, end: number): AnyArray {
		const entry = this.entries.get(name);
		if (entry === undefined) {
			throw damaged(`it has no ${name}`);
		}

		const kind = KNOWN.get(name)!;
		const size = elementBytes(kind);
		const from = start * size;
		const to = end * size;
		if (to > entry.bytes) {
			throw damaged(`a slice of ${name} lies outside it`);
		}

		const out = kind === 'f64' ? new Float64Array(end - start) : new Uint32Array(end - start);
		const bytes = bytesOf(out);
		for (let b = Math.floor(from / SLICE_BLOCK); b * SLICE_BLOCK < to; b++) {
			const block = this.block(name, entry, b);
			const lo = Math.max(from, b * SLICE_BLOCK);
			const hi = Math.min(to, (b + 1) * SLICE_BLOCK);
			bytes.set(block.subarray(lo - (b * SLICE_BLOCK), hi - (b * SLICE_BLOCK)), lo - from);
		}

		return out;
	}

	private block(name: SlicedSection, entry: SectionEntry, index: number): Uint8Array {
		const key = `${name}:${index}`;
		const cached = this.blocks.get(key);
		if (cached !== undefined) {
			return cached;
		}

		let crcs = this.blockCrcs.get(name);
		if (crcs === undefined) {
			const crcEntry = this.entries.get(blockCrcName(name));
			if (crcEntry === undefined) {
				throw damaged(`it has no checksums for the blocks of ${name}`);
			}

			crcs = readSection(this.fd, crcEntry, 'u32') as Uint32Array;
			if (crcs.length !== Math.ceil(entry.bytes / SLICE_BLOCK)) {
				throw damaged(`its block checksums do not cover ${name}`);
			}

			this.blockCrcs.set(name, crcs);
		}

		const length = Math.min(SLICE_BLOCK, entry.bytes - (index * SLICE_BLOCK));
		const block = new Uint8Array(length);
		let done = 0;
		while (done < length) {
			const got = readSync(this.fd, block, done, length - done, entry.offset + (index * SLICE_BLOCK) + done);
			if (got === 0) {
				throw damaged('the file ends early (truncated)');
			}

			done += got;
		}

		if (checksum(block) !== crcs[index]) {
			throw damaged(`block ${index} of ${name} fails its checksum`);
		}

		this.blocks.set(key, block);
		if (this.blocks.size > 64) {
			this.blocks.delete(this.blocks.keys().next().value!);
		}

		return block;
	}
}

/**
 * Read one group from the companion at `path`, if it is there and bound to
 * the index `binding` names. Undefined when the file has no such group or
 * belongs to another index (an older one: it will be replaced); throws
 * IndexProblem when it is damaged, and the file system's errors (ENOENT,
 * ...) as they come.
 */
export function readAnalysesGroup(path: string, binding: IndexBinding, identity: DumpIdentity, store: GraphStore, group: 'parents'): SavedParents | undefined;
export function readAnalysesGroup(path: string, binding: IndexBinding, identity: DumpIdentity, store: GraphStore, group: 'dominators'): Dominators | undefined;
export function readAnalysesGroup(path: string, binding: IndexBinding, identity: DumpIdentity, store: GraphStore, group: AnalysesGroup): SavedParents | Dominators | undefined {
	const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
	try {
		const opened = openBound(fd, binding, identity, store);
		if (opened === undefined) {
			return undefined;
		}

		const header = opened.header as AnalysesHeader;

		const names = group === 'parents' ? PARENTS : DOMINATORS;
		const present = names.filter(([name]) => opened.entries.has(name)).length;
		if (present === 0) {
			return undefined;
		}

		if (present !== names.length) {
			throw damaged(`it has part of the ${group}`);
		}

		const arrays = new Map<string, AnyArray>();
		for (const [name, kind] of names) {
			arrays.set(name, readSection(fd, opened.entries.get(name)!, kind));
		}

		if (group === 'parents') {
			const parents = {firstParent: arrays.get('firstParent') as Uint32Array, parentSources: arrays.get('parentSources') as Uint32Array};
			checkParents(parents.firstParent, parents.parentSources, store.objectCount);
			return parents;
		}

		if (typeof header.totalSize !== 'number' || typeof header.parentlessCount !== 'number') {
			throw damaged('its dominator totals are missing');
		}

		const dominators: Dominators = {
			objectCount: store.objectCount,
			idom: arrays.get('idom') as Uint32Array,
			retainedSize: arrays.get('retainedSize') as Float64Array,
			totalSize: header.totalSize,
			parentlessCount: header.parentlessCount,
			representatives: arrays.get('representatives') as Uint32Array,
			typeRetainedSize: arrays.get('typeRetainedSize') as Float64Array,
			typeRetainedCount: arrays.get('typeRetainedCount') as Float64Array,
		};
		checkDominators(store, dominators);
		return dominators;
	} finally {
		closeSync(fd);
	}
}

export {IndexProblem};
