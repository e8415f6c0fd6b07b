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
 * Opening checks the fixed part, the header's CRC-32, the section table's
 * bounds and the binding. The parts are then read when used: the parents,
 * idom and retained sizes a 64 KiB block at a time (each block by its own
 * CRC-32, `NAME.blockCrc`), the small sections whole (by their section's
 * CRC-32); and every value used is checked: parents as the index's (CSR
 * offsets ascending and spanning, sources in the table); every idom an
 * ordinal other than itself or the root marker, with no cycle (when read
 * whole); every retained size finite, at least the object's own size, at
 * most its dominator's retained size and the total; the representatives
 * ascending and in the table; the per-type sums finite.
 */

import {closeSync, constants, openSync} from 'node:fs';
import type {Dominators} from '../analyses/dominators.js';
import {NO_OBJECT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {TopK} from '../util/top-k.js';
import {type DumpIdentity, sameIdentity} from './identity.js';
import {
	type AnyArray, type ArrayKind, blockChecksums, bytesOf, checkOffsets, damaged, type IndexBinding, IndexProblem, isCount,
	openSections, readSection, type SectionEntry, SLICE_BLOCK, writeSectionFile,
} from './index-file.js';
import {blockCrcName, parentsSlice, SlicedSections} from './index-source.js';

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
export {SLICE_BLOCK} from './index-file.js';
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
			arrays.push([blockCrcName(name), blockChecksums(bytesOf(array), SLICE_BLOCK)]);
		}
	}

	return writeSectionFile(target, ANALYSES_MAGIC, ANALYSES_VERSION, header, arrays).bytes;
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

/** Blocks read (and checked) per unit of work when the dominators are read whole. */
const BLOCKS_PER_UNIT = 2;

/**
 * The companion, open: one object's parents, dominator and retained size
 * read by checked slices (show), the largest retained sizes streamed (top),
 * or the dominators read whole in steps (the explorer, retained). Every
 * 64 KiB block read is checked by its own checksum, and every value
 * against the store and the totals: a damaged block or value throws
 * IndexProblem. The file stays open while this object lives, so a
 * companion replaced meanwhile is not mixed in.
 */
export class AnalysesSlices {
	private readonly sections: SlicedSections;

	private constructor(
		private readonly fd: number,
		private readonly entries: ReadonlyMap<string, SectionEntry>,
		private readonly store: GraphStore,
		/** The dominators' total size, when saved. */
		readonly totalSize: number | undefined,
		/** Objects with no parent, when the dominators are saved. */
		readonly parentlessCount: number | undefined,
	) {
		openSlices.register(this, fd, this);
		this.sections = new SlicedSections(fd, entries, KNOWN);
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
			const slices = new AnalysesSlices(
				fd, opened.entries, store,
				typeof header.totalSize === 'number' ? header.totalSize : undefined,
				typeof header.parentlessCount === 'number' ? header.parentlessCount : undefined,
			);
			const present = DOMINATORS.filter(([name]) => opened.entries.has(name)).length;
			if (present !== 0 && present !== DOMINATORS.length) {
				throw damaged('it has part of the dominators');
			}

			if (present !== 0 && (slices.totalSize === undefined || !Number.isFinite(slices.totalSize) || slices.totalSize < 0
				|| !isCount(slices.parentlessCount) || slices.parentlessCount > store.objectCount)) {
				throw damaged('its dominator totals are not sizes');
			}

			return slices;
		} catch (error) {
			closeSync(fd);
			throw error;
		}
	}

	/** Close the file now (else when this object is collected); nothing may be read after. */
	close(): void {
		openSlices.unregister(this);
		try {
			closeSync(this.fd);
		} catch {}
	}

	/** Whether the companion holds this group (with its block checksums). */
	has(group: AnalysesGroup): boolean {
		const names = group === 'parents' ? ['firstParent', 'parentSources'] : ['idom', 'retainedSize'];
		return names.every(name => this.sections.has(name));
	}

	/** How many cycles unreachable from any object the dominators count (the representatives), without reading them. */
	get representativeCount(): number {
		return this.sections.length('representatives');
	}

	/** One object's parents (ordinals of its referrers, ascending), checked. */
	parentsOf(ordinal: number): Uint32Array {
		return parentsSlice(this.sections, ordinal, this.store.objectCount);
	}

	/** One object's saved immediate dominator (NO_OBJECT for none) and retained size, checked. */
	dominanceOf(ordinal: number): {idom: number; retainedSize: number} {
		const n = this.store.objectCount;
		if (ordinal < 0 || ordinal >= n) {
			throw damaged(`object ${ordinal} is outside the object table`);
		}

		const idom = (this.sections.read('idom', ordinal, ordinal + 1) as Uint32Array)[0]!;
		const retainedSize = (this.sections.read('retainedSize', ordinal, ordinal + 1) as Float64Array)[0]!;
		if (idom !== NO_OBJECT && (idom >= n || idom === ordinal)) {
			throw damaged(`the dominator of object ${ordinal} is outside the object table`);
		}

		if (this.totalSize === undefined || !Number.isFinite(retainedSize)
			|| retainedSize < this.store.objectSize[ordinal]! || retainedSize > this.totalSize) {
			throw damaged(`the retained size of object ${ordinal} is impossible`);
		}

		return {idom, retainedSize};
	}

	/**
	 * One object's dominance as dominanceOf, and checked against its
	 * dominator's too (its retained size holds this one's and its own).
	 */
	checkedDominanceOf(ordinal: number): {idom: number; retainedSize: number} {
		const own = this.dominanceOf(ordinal);
		if (own.idom !== NO_OBJECT) {
			const parent = this.dominanceOf(own.idom);
			if (parent.retainedSize - this.store.objectSize[own.idom]! < own.retainedSize) {
				throw damaged(`the retained size of object ${ordinal} is impossible`);
			}
		}

		return own;
	}

	/**
	 * The `count` objects with the largest saved retained sizes, largest
	 * first (ties: lower ordinal first, as topRetainers), with their sizes:
	 * the retained sizes are streamed block by block (each checked, each
	 * value finite and within the total), never held whole; the objects
	 * returned are checked as checkedDominanceOf does.
	 */
	largestRetained(count: number): {ordinals: Uint32Array; retainedSizes: Float64Array} {
		const n = this.store.objectCount;
		const k = Math.max(0, Math.min(count, n));
		const heap = new TopK(undefined, k);
		const total = this.totalSize ?? 0;
		const buffer = new Float64Array((SLICE_BLOCK / 8) * BLOCKS_PER_UNIT * 4);
		const bytes = bytesOf(buffer);
		const blocks = this.sections.blockCount('retainedSize');
		if (this.sections.length('retainedSize') !== n) {
			throw damaged('its dominators do not have one entry per object');
		}

		let ordinal = 0;
		for (let b = 0; b < blocks && k > 0; b += BLOCKS_PER_UNIT * 4) {
			const got = this.sections.readBlocks('retainedSize', b, BLOCKS_PER_UNIT * 4, bytes) / 8;
			for (let j = 0; j < got; j++, ordinal++) {
				const size = buffer[j]!;
				if (!(size >= 0) || size > total) {
					throw damaged(`the retained size of object ${ordinal} is impossible`);
				}

				heap.offer(ordinal, size);
			}
		}

		const ordinals = heap.result();
		const retainedSizes = new Float64Array(ordinals.length);
		for (const [k2, shown] of ordinals.entries()) {
			retainedSizes[k2] = this.checkedDominanceOf(shown).retainedSize;
		}

		return {ordinals, retainedSizes};
	}

	/** The dominators read whole, in steps (see SavedDominatorsRead); undefined when none are saved. */
	readDominators(): SavedDominatorsRead | undefined {
		return this.has('dominators') ? new SavedDominatorsRead(this.fd, this.entries, this.sections, this.store, this.totalSize!, this.parentlessCount!) : undefined;
	}
}

/**
 * The saved dominators read whole, in steps of a few blocks: `step(deadline)`
 * works until the deadline (true when done), so the explorer reads them
 * between key presses. Checked as they come: each block by its checksum,
 * every dominator an object other than itself (or the root), every retained
 * size finite and within the total; then, with the objects' sizes (read in
 * steps too when on disk), every retained size at least the object's own and
 * at most its dominator's less the dominator's own, and no cycle of
 * dominators (only objects of size 0 can be on one: their chains are walked).
 * Throws IndexProblem on the first failure.
 */
export class SavedDominatorsRead {
	private phase = 0;
	private position = 0;
	private readonly idom: Uint32Array;
	private readonly retainedSize: Float64Array;
	private small: {representatives: Uint32Array; typeRetainedSize: Float64Array; typeRetainedCount: Float64Array} | undefined;
	private sizes: {step(deadline: number): boolean} | undefined;
	private state: Uint8Array | undefined;
	private zeroSized = 0;
	private done: Dominators | undefined;

	constructor(
		private readonly fd: number,
		private readonly entries: ReadonlyMap<string, SectionEntry>,
		private readonly sections: SlicedSections,
		private readonly store: GraphStore,
		private readonly totalSize: number,
		private readonly parentlessCount: number,
	) {
		const n = store.objectCount;
		if (sections.length('idom') !== n || sections.length('retainedSize') !== n) {
			throw damaged('its dominators do not have one entry per object');
		}

		if (sections.length('typeRetainedSize') !== store.typeCount || sections.length('typeRetainedCount') !== store.typeCount) {
			throw damaged('its per-type retained sizes do not have one entry per type');
		}

		this.idom = new Uint32Array(n);
		this.retainedSize = new Float64Array(n);
	}

	/** Share done, 0..1 (reading counts for most of it). */
	fraction(): number {
		const n = Math.max(1, this.store.objectCount);
		switch (this.phase) {
			case 0: {
				return 0.4 * this.position / n;
			}

			case 1: {
				return 0.4 + (0.4 * this.position / n);
			}

			default: {
				return Math.min(1, 0.8 + (0.2 * this.position / n));
			}
		}
	}

	/** Work until `deadline` (performance.now()); true when read and checked. Throws IndexProblem. */
	step(deadline = Number.POSITIVE_INFINITY): boolean {
		const n = this.store.objectCount;
		while (this.done === undefined) {
			switch (this.phase) {
				case 0:
				case 1: {
					// idom, then retainedSize: a few checked blocks at a time.
					const name = this.phase === 0 ? 'idom' : 'retainedSize';
					const array = this.phase === 0 ? this.idom : this.retainedSize;
					const per = SLICE_BLOCK / array.BYTES_PER_ELEMENT;
					const from = this.position;
					const bytes = bytesOf(array).subarray(from * array.BYTES_PER_ELEMENT);
					const got = from < n ? this.sections.readBlocks(name, from / per, BLOCKS_PER_UNIT, bytes) / array.BYTES_PER_ELEMENT : 0;
					if (this.phase === 0) {
						checkIdom(this.idom, from, from + got);
					} else {
						checkRetainedRange(this.retainedSize, from, from + got, this.totalSize);
					}

					this.position += got;
					if (this.position >= n) {
						this.phase++;
						this.position = 0;
					}

					break;
				}

				case 2: {
					// The small sections, whole; then the objects' sizes.
					const read = (name: string, kind: ArrayKind): AnyArray => readSection(this.fd, this.entries.get(name)!, kind);
					this.small = {
						representatives: read('representatives', 'u32') as Uint32Array,
						typeRetainedSize: read('typeRetainedSize', 'f64') as Float64Array,
						typeRetainedCount: read('typeRetainedCount', 'f64') as Float64Array,
					};
					checkSmall(this.small, n, this.totalSize);
					this.sizes = this.store.loadColumnSteps('objectSize');
					this.phase = 3;
					break;
				}

				case 3: {
					if (this.sizes!.step(deadline)) {
						this.phase = 4;
					}

					break;
				}

				case 4: {
					const end = Math.min(n, this.position + (1 << 14));
					this.zeroSized += checkAgainstSizes(this.idom, this.retainedSize, this.store.objectSize, this.position, end);
					this.position = end;
					if (end === n) {
						this.phase = this.zeroSized > 0 ? 5 : 6;
						this.position = 0;
						this.state = this.zeroSized > 0 ? new Uint8Array(n) : undefined;
					}

					break;
				}

				case 5: {
					const end = Math.min(n, this.position + (1 << 14));
					checkZeroSizedChains(this.idom, this.store.objectSize, this.state!, this.position, end);
					this.position = end;
					if (end === n) {
						this.phase = 6;
						this.state = undefined;
					}

					break;
				}

				default: {
					this.done = {
						objectCount: n,
						idom: this.idom,
						retainedSize: this.retainedSize,
						totalSize: this.totalSize,
						parentlessCount: this.parentlessCount,
						...this.small!,
					};
				}
			}

			if (this.done === undefined && performance.now() > deadline) {
				return false;
			}
		}

		return true;
	}

	result(): Dominators {
		if (this.done === undefined) {
			throw new Error('the saved dominators are not read yet');
		}

		return this.done;
	}
}

// One small function per check: each loop stays monomorphic and is optimized alone.

function checkIdom(idom: Uint32Array, from: number, to: number): void {
	const n = idom.length;
	for (let i = from; i < to; i++) {
		const parent = idom[i]!;
		if (parent !== NO_OBJECT && (parent >= n || parent === i)) {
			throw damaged(`the dominator of object ${i} is outside the object table`);
		}
	}
}

function checkRetainedRange(retainedSize: Float64Array, from: number, to: number, total: number): void {
	for (let i = from; i < to; i++) {
		const retained = retainedSize[i]!;
		if (!(retained >= 0) || retained > total) {
			throw damaged(`the retained size of object ${i} is impossible`);
		}
	}
}

/**
 * An object's retained size is its own plus its dominated objects': at
 * least its own, and at most its dominator's minus the dominator's own.
 * Along a cycle of dominators that would make every size 0, so only
 * objects of size 0 can be on one (see checkZeroSizedChains). Returns how
 * many objects of size 0 there are in [from, to).
 */
function checkAgainstSizes(idom: Uint32Array, retainedSize: Float64Array, size: Float64Array, from: number, to: number): number {
	let zeroSized = 0;
	for (let i = from; i < to; i++) {
		const parent = idom[i]!;
		const retained = retainedSize[i]!;
		if (retained < size[i]! || (parent !== NO_OBJECT && retainedSize[parent]! - size[parent]! < retained)) {
			throw damaged(`the retained size of object ${i} is impossible`);
		}

		zeroSized += size[i] === 0 ? 1 : 0;
	}

	return zeroSized;
}

/** Chains of dominators through objects of size 0 from [from, to) end: at the root or an object with a size. */
function checkZeroSizedChains(idom: Uint32Array, size: Float64Array, state: Uint8Array, from: number, to: number): void {
	// 0 unseen, 1 on the current chain, 2 known to end at the root or at an object with a size.
	const chain: number[] = [];
	for (let start = from; start < to; start++) {
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

function checkSmall(small: {representatives: Uint32Array; typeRetainedSize: Float64Array; typeRetainedCount: Float64Array}, n: number, total: number): void {
	const {representatives, typeRetainedSize, typeRetainedCount} = small;
	for (let k = 0; k < representatives.length; k++) {
		if (representatives[k]! >= n || (k > 0 && representatives[k]! <= representatives[k - 1]!)) {
			throw damaged('its representatives are out of order or outside the object table');
		}
	}

	for (let t = 0; t < typeRetainedSize.length; t++) {
		const bytes = typeRetainedSize[t]!;
		const count = typeRetainedCount[t]!;
		if (!Number.isFinite(bytes) || bytes < 0 || bytes > total || !Number.isSafeInteger(count) || count < 0 || count > n) {
			throw damaged('its per-type retained sizes are not sizes');
		}
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
	if (group === 'dominators') {
		const slices = AnalysesSlices.open(path, binding, identity, store);
		try {
			const read = slices?.readDominators();
			if (read === undefined) {
				return undefined;
			}

			read.step();
			return read.result();
		} finally {
			slices?.close();
		}
	}

	const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
	try {
		const opened = openBound(fd, binding, identity, store);
		if (opened === undefined) {
			return undefined;
		}

		const present = PARENTS.filter(([name]) => opened.entries.has(name)).length;
		if (present === 0) {
			return undefined;
		}

		if (present !== PARENTS.length) {
			throw damaged('it has part of the parents');
		}

		const firstParent = readSection(fd, opened.entries.get('firstParent')!, 'u32') as Uint32Array;
		const parentSources = readSection(fd, opened.entries.get('parentSources')!, 'u32') as Uint32Array;
		checkParents(firstParent, parentSources, store.objectCount);
		return {firstParent, parentSources};
	} finally {
		closeSync(fd);
	}
}

export {IndexProblem};
