/**
 * An index file as a store's column source: the file stays open, each
 * column is read whole on its first use (its CRC-32 and bounds checked
 * then), and a single value is read on demand from the value arena in
 * blocks, each block's CRC-32 checked on its first read, a few kept.
 *
 * The file descriptor is kept open for the store's life: an index replaced
 * by another process (a rename) does not change what this one reads, so a
 * store never mixes two states of a dump. An index changed in place (its
 * size or time differ from when it was opened) or damaged (a checksum or
 * bound fails) throws IndexReadError, and the file is removed so that the
 * next load parses the dump and writes a new one.
 */

import {closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync, unlinkSync} from 'node:fs';
import {crc32} from 'node:zlib';
import {escapeControls} from '../format/escape.js';
import {UNRESOLVED_BIT, UNRESOLVED_MASK} from '../graph/layout.js';
import type {ColumnSource, LazyColumn} from '../graph/store.js';
import {
	type AnyArray, type ArrayKind, bytesOf, checkOffsets, checksum, damaged, elementBytes, IndexProblem, readSection, type SectionEntry,
	SLICE_BLOCK,
} from './index-file.js';

/** The value arena's checksum blocks. */
export const VALUE_BLOCK = 64 * 1024;
/** Value blocks kept in memory (most recently used). */
const CACHED_BLOCKS = 64;
/** AddressIndex's mark for a removed entry. */
const TOMBSTONE = 0xff_ff_ff_ff;

/** An index that was usable when opened failed a check when a column or value was read from it. */
export class IndexReadError extends Error {
	constructor(readonly path: string, readonly reason: string) {
		super(`index ${escapeControls(path)}: ${reason}; it is removed, and the next run parses the dump again`);
		this.name = 'IndexReadError';
	}
}

/** What a column's check needs to know of the others: lengths from the header. */
export type ColumnLengths = {
	objects: number;
	types: number;
	edges: number;
	unresolved: number;
	valueBytes: number;
	parentEdges: number;
	unresolvedReferences: number;
};

/**
 * The address hash: a power-of-two table with an empty slot (so a probe
 * ends) holding every ordinal exactly once. Lookups compare the address
 * column, so a slot can never name the wrong object.
 */
function checkAddressSlots(slots: Uint32Array, n: number): void {
	if (slots.length < 16 || (slots.length & (slots.length - 1)) !== 0 || slots.length * 0.75 < n) {
		throw damaged('its address table has the wrong size');
	}

	const seen = new Uint32Array((n >>> 5) + 1);
	let count = 0;
	let empty = 0;
	for (let slot = 0; slot < slots.length; slot++) {
		const entry = slots[slot]!;
		if (entry === 0 || entry === TOMBSTONE) {
			empty += entry === 0 ? 1 : 0;
			continue;
		}

		const ordinal = entry - 1;
		const bit = 1 << (ordinal & 31);
		if (ordinal >= n || (seen[ordinal >>> 5]! & bit) !== 0) {
			throw damaged('its address table names an object twice or one outside the table');
		}

		seen[ordinal >>> 5]! |= bit;
		count++;
	}

	if (count !== n) {
		throw damaged('its address table misses objects');
	}

	if (empty === 0) {
		// A lookup of an absent address would probe for ever.
		throw damaged('its address table has no empty slot');
	}
}

// One small function per kind of check: each loop stays monomorphic and is optimized alone.

function checkTypes(types: Uint32Array, typeCount: number, from = 0, to = types.length): void {
	for (let i = from; i < to; i++) {
		if (types[i]! >= typeCount) {
			throw damaged(`object ${i} has a type id outside the type table`);
		}
	}
}

function checkSizes(sizes: Float64Array, from = 0, to = sizes.length): void {
	for (let i = from; i < to; i++) {
		const size = sizes[i]!;
		if (!(size >= 0) || size > Number.MAX_SAFE_INTEGER) {
			throw damaged(`object ${i} has an impossible size`);
		}
	}
}

/** Every reference within the object table or the unresolved table; returns how many are unresolved. */
function checkTargets(targets: Uint32Array, n: number, unresolvedCount: number): number {
	let unresolved = 0;
	for (let e = 0; e < targets.length; e++) {
		const target = targets[e]!;
		if (target < n) {
			continue;
		}

		if (target < UNRESOLVED_BIT || (target & UNRESOLVED_MASK) >= unresolvedCount) {
			throw damaged(`reference ${e} points outside the object table`);
		}

		unresolved++;
	}

	return unresolved;
}

function checkSources(sources: Uint32Array, n: number): void {
	for (let e = 0; e < sources.length; e++) {
		if (sources[e]! >= n) {
			throw damaged(`parent ${e} points outside the object table`);
		}
	}
}

/** One column against the lengths of the others: nothing may point outside what it indexes. */
export function checkColumn(name: LazyColumn, column: AnyArray, lengths: ColumnLengths): void {
	const n = lengths.objects;
	const expect = (length: number): void => {
		if (column.length !== length) {
			throw damaged(`${name} has ${column.length} entries where ${length} are expected`);
		}
	};

	switch (name) {
		case 'objectAddress':
		case 'objectLength':
		case 'objectFlags': {
			expect(n);
			break;
		}

		case 'objectType': {
			expect(n);
			checkTypes(column as Uint32Array, lengths.types);
			break;
		}

		case 'objectSize': {
			expect(n);
			checkSizes(column as Float64Array);
			break;
		}

		case 'valueOffset': {
			expect(n + 1);
			checkOffsets(name, column as Uint32Array, lengths.valueBytes);
			break;
		}

		case 'firstChild': {
			expect(n + 1);
			checkOffsets(name, column as Uint32Array, lengths.edges);
			break;
		}

		case 'firstParent': {
			expect(n + 1);
			checkOffsets(name, column as Uint32Array, lengths.parentEdges);
			break;
		}

		case 'childTargets': {
			expect(lengths.edges);
			if (checkTargets(column as Uint32Array, n, lengths.unresolved) !== lengths.unresolvedReferences) {
				throw damaged('its count of unresolved references does not match its references');
			}

			break;
		}

		case 'parentSources': {
			expect(lengths.parentEdges);
			checkSources(column as Uint32Array, n);
			break;
		}

		case 'addressSlots': {
			checkAddressSlots(column as Uint32Array, n);
			break;
		}

		case 'valueBytes':
		case 'unresolvedAddress': {
			break;
		}
	}
}

type Opened = {size: number; mtimeMs: number; ino: number; dev: number};

const openFiles = new FinalizationRegistry<number>(fd => {
	try {
		closeSync(fd);
	} catch {}
});

export class IndexColumnSource implements ColumnSource {
	/** Size and time when opened (undefined while this process still writes the file: see writing()). */
	private opened: Opened | undefined;
	private readonly file: {ino: number; dev: number};
	private readonly blocks = new Map<number, Uint8Array>();
	private blockCrc: Uint32Array | undefined;
	private failed: IndexReadError | undefined;

	/**
	 * @param fd the index, open; this source owns it from here (closed when
	 *   the source is collected)
	 * @param stat the file as opened; undefined while this process writes it
	 */
	constructor(
		private readonly path: string,
		private readonly fd: number,
		stat: Stats | undefined,
		private readonly entries: ReadonlyMap<string, SectionEntry>,
		private readonly kinds: ReadonlyMap<string, ArrayKind>,
		private readonly lengths: ColumnLengths,
	) {
		const now = stat ?? fstatSync(fd);
		this.file = {ino: now.ino, dev: now.dev};
		this.opened = stat === undefined ? undefined : {size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, dev: stat.dev};
		openFiles.register(this, fd, this);
	}

	private closed = false;

	/** Close the file now (nothing may be read from it after). */
	close(): void {
		if (!this.closed) {
			this.closed = true;
			openFiles.unregister(this);
			closeSync(this.fd);
		}
	}

	/**
	 * A source on an index this process is writing (the temporary, open
	 * read-only; `path` is where it will be renamed): the sections already
	 * written can be read (each checked as always); whether it is changed
	 * on disk is checked once it is whole and sealed() is called.
	 */
	static writing(path: string, fd: number, entries: ReadonlyMap<string, SectionEntry>, kinds: ReadonlyMap<string, ArrayKind>, lengths: ColumnLengths): IndexColumnSource {
		return new IndexColumnSource(path, fd, undefined, entries, kinds, lengths);
	}

	/** The file is whole: from now on it must stay as it is now. */
	sealed(): void {
		const stat = fstatSync(this.fd);
		this.opened = {size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, dev: stat.dev};
	}

	has(name: LazyColumn): boolean {
		return this.entries.has(name);
	}

	/** The sections read by checked slices (the parents). */
	private sliced: SlicedSections | undefined;

	/** One object's parents read by checked blocks, when the index holds them with block checksums; else undefined. */
	parentsOf(ordinal: number): Uint32Array | undefined {
		this.sliced ??= new SlicedSections(this.fd, this.entries, this.kinds, () => {
			this.checkUnchanged();
		});
		if (!this.sliced.has('firstParent') || !this.sliced.has('parentSources')) {
			return undefined;
		}

		return this.guard(() => parentsSlice(this.sliced!, ordinal, this.lengths.objects));
	}

	/**
	 * Read column `name` in steps of STEP_BYTES (for a program that must
	 * keep answering keys): its checksum is carried from piece to piece and
	 * compared at the end, then the whole column is checked as load() does.
	 */
	loadSteps(name: LazyColumn): ColumnLoad {
		const entry = this.entries.get(name);
		if (entry === undefined) {
			return {step: () => true, result: () => this.load(name)};
		}

		const kind = this.kinds.get(name)!;
		const column = newArray(kind, entry.bytes / elementBytes(kind));
		const bytes = bytesOf(column);
		let done = 0;
		let crc = 0;
		let checked = false;
		return {
			step: deadline => this.guard(() => {
				while (done < bytes.length) {
					const piece = bytes.subarray(done, Math.min(bytes.length, done + STEP_BYTES));
					this.checkUnchanged();
					readAt(this.fd, piece, entry.offset + done);
					crc = crc32(piece, crc);
					// Checks of one element at a time go piece by piece; the others at the end.
					const size = elementBytes(kind);
					if (name === 'objectSize') {
						checkSizes(column as Float64Array, done / size, (done + piece.length) / size);
					} else if (name === 'objectType') {
						checkTypes(column as Uint32Array, this.lengths.types, done / size, (done + piece.length) / size);
					}

					done += piece.length;
					if (performance.now() > deadline) {
						return false;
					}
				}

				if (!checked) {
					if ((crc >>> 0) !== entry.crc) {
						throw damaged(`section ${name} fails its checksum`);
					}

					if (name === 'objectSize' || name === 'objectType') {
						if (column.length !== this.lengths.objects) {
							throw damaged(`${name} has ${column.length} entries where ${this.lengths.objects} are expected`);
						}
					} else {
						checkColumn(name, column, this.lengths);
					}

					checked = true;
				}

				return true;
			}),
			result: () => {
				if (!checked) {
					throw new Error(`${name} is not read yet`);
				}

				return column;
			},
		};
	}

	lengthOf(name: LazyColumn): number {
		const entry = this.entries.get(name);
		return entry === undefined ? 0 : entry.bytes / elementBytes(this.kinds.get(name)!);
	}

	load(name: LazyColumn): Float64Array | Uint32Array | Uint8Array {
		const entry = this.entries.get(name);
		if (entry === undefined) {
			if (name === 'unresolvedAddress' || name === 'valueBytes') {
				return name === 'valueBytes' ? new Uint8Array(0) : new Float64Array(0);
			}

			throw this.fail(`it has no ${name}`);
		}

		return this.guard(() => {
			this.checkUnchanged();
			const column = readSection(this.fd, entry, this.kinds.get(name)!);
			checkColumn(name, column, this.lengths);
			return column;
		});
	}

	readValue(start: number, end: number): Uint8Array {
		if (end <= start) {
			return new Uint8Array(0);
		}

		return this.guard(() => {
			const entry = this.entries.get('valueBytes');
			if (entry === undefined || end > entry.bytes) {
				throw damaged('a value lies outside its value arena');
			}

			const first = Math.floor(start / VALUE_BLOCK);
			const last = Math.floor((end - 1) / VALUE_BLOCK);
			if (first === last) {
				const block = this.block(entry, first);
				return block.subarray(start - (first * VALUE_BLOCK), end - (first * VALUE_BLOCK));
			}

			const out = new Uint8Array(end - start);
			for (let b = first; b <= last; b++) {
				const block = this.block(entry, b);
				const from = Math.max(start, b * VALUE_BLOCK);
				const to = Math.min(end, (b + 1) * VALUE_BLOCK);
				out.set(block.subarray(from - (b * VALUE_BLOCK), to - (b * VALUE_BLOCK)), from - start);
			}

			return out;
		});
	}

	/** One block of the value arena, its checksum checked when it was read. */
	private block(entry: SectionEntry, index: number): Uint8Array {
		const cached = this.blocks.get(index);
		if (cached !== undefined) {
			// Most recently used last.
			this.blocks.delete(index);
			this.blocks.set(index, cached);
			return cached;
		}

		this.blockCrc ??= this.load('valueBlockCrc' as LazyColumn) as Uint32Array;
		const blockCount = Math.ceil(entry.bytes / VALUE_BLOCK);
		if (this.blockCrc.length !== blockCount || index >= blockCount) {
			throw damaged('its value checksums do not cover its values');
		}

		this.checkUnchanged();
		const length = Math.min(VALUE_BLOCK, entry.bytes - (index * VALUE_BLOCK));
		const block = new Uint8Array(length);
		let done = 0;
		while (done < length) {
			const got = readSync(this.fd, block, done, length - done, entry.offset + (index * VALUE_BLOCK) + done);
			if (got === 0) {
				throw damaged('the file ends early (truncated)');
			}

			done += got;
		}

		if (checksum(block) !== this.blockCrc[index]) {
			throw damaged(`value block ${index} fails its checksum`);
		}

		this.blocks.set(index, block);
		if (this.blocks.size > CACHED_BLOCKS) {
			this.blocks.delete(this.blocks.keys().next().value!);
		}

		return block;
	}

	/** The index must be as it was when opened: same file, size and time. */
	private checkUnchanged(): void {
		if (this.opened === undefined) {
			// Still being written by this process (or its write failed: then removed, and only this process has it open).
			return;
		}

		const now = fstatSync(this.fd);
		if (now.size !== this.opened.size || now.mtimeMs !== this.opened.mtimeMs) {
			throw damaged('it was changed on disk while in use');
		}
	}

	private guard<T>(read: () => T): T {
		if (this.failed !== undefined) {
			throw this.failed;
		}

		try {
			return read();
		} catch (error) {
			if (error instanceof IndexReadError) {
				throw error;
			}

			const reason = error instanceof IndexProblem ? error.message : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
			throw this.fail(reason);
		}
	}

	/** Remember the failure, and remove the index if the name still holds this file. */
	private fail(reason: string): IndexReadError {
		this.failed = new IndexReadError(this.path, reason);
		try {
			const named = statSync(this.path);
			if (named.ino === this.file.ino && named.dev === this.file.dev) {
				unlinkSync(this.path);
			}
		} catch {}

		return this.failed;
	}
}

/** The section holding a CRC-32 per SLICE_BLOCK bytes of section `name`. */
export const blockCrcName = (name: string): string => `${name}.blockCrc`;

function newArray(kind: ArrayKind, length: number): AnyArray {
	return kind === 'f64' ? new Float64Array(length) : (kind === 'u32' ? new Uint32Array(length) : new Uint8Array(length));
}

/** Read `bytes.length` bytes at `position`, all of them. */
function readAt(fd: number, bytes: Uint8Array, position: number): void {
	let done = 0;
	while (done < bytes.length) {
		const got = readSync(fd, bytes, done, bytes.length - done, position + done);
		if (got === 0) {
			throw damaged('the file ends early (truncated)');
		}

		done += got;
	}
}

/**
 * Sections of an open section file read a slice at a time: each block of
 * SLICE_BLOCK bytes is checked by its own CRC-32 (in the section
 * `NAME.blockCrc`) when it is read. A few blocks are kept for slices;
 * `readBlocks` streams, keeping none. Throws IndexProblem on damage.
 */
export class SlicedSections {
	private readonly blocks = new Map<string, Uint8Array>();
	private readonly crcs = new Map<string, Uint32Array>();

	/** @param beforeRead called before each read from the file (to check it is unchanged) */
	constructor(
		private readonly fd: number,
		private readonly entries: ReadonlyMap<string, SectionEntry>,
		private readonly kinds: ReadonlyMap<string, ArrayKind>,
		private readonly beforeRead?: () => void,
	) {}

	/** Whether section `name` is there with its block checksums. */
	has(name: string): boolean {
		return this.entries.has(name) && this.entries.has(blockCrcName(name));
	}

	/** Elements in section `name` (0 when absent). */
	length(name: string): number {
		const entry = this.entries.get(name);
		return entry === undefined ? 0 : entry.bytes / elementBytes(this.kinds.get(name)!);
	}

	/** Blocks in section `name`. */
	blockCount(name: string): number {
		return Math.ceil((this.entries.get(name)?.bytes ?? 0) / SLICE_BLOCK);
	}

	/** Elements [start, end) of section `name`, each block they touch checked. */
	read(name: string, start: number, end: number): AnyArray {
		const entry = this.entry(name);
		const kind = this.kinds.get(name)!;
		const size = elementBytes(kind);
		const from = start * size;
		const to = end * size;
		if (start < 0 || to < from || to > entry.bytes) {
			throw damaged(`a slice of ${name} lies outside it`);
		}

		const out = newArray(kind, end - start);
		const bytes = bytesOf(out);
		for (let b = Math.floor(from / SLICE_BLOCK); b * SLICE_BLOCK < to; b++) {
			const block = this.cachedBlock(name, entry, b);
			const lo = Math.max(from, b * SLICE_BLOCK);
			const hi = Math.min(to, (b + 1) * SLICE_BLOCK);
			bytes.set(block.subarray(lo - (b * SLICE_BLOCK), hi - (b * SLICE_BLOCK)), lo - from);
		}

		return out;
	}

	/**
	 * Blocks [first, first + count) of section `name` into `into` (at its
	 * start; it must hold them), each checked; returns the bytes read.
	 */
	readBlocks(name: string, first: number, count: number, into: Uint8Array): number {
		const entry = this.entry(name);
		const crcs = this.crcsOf(name, entry);
		const from = first * SLICE_BLOCK;
		const to = Math.min(entry.bytes, (first + count) * SLICE_BLOCK);
		if (first < 0 || to <= from || to - from > into.length) {
			throw damaged(`a slice of ${name} lies outside it`);
		}

		this.beforeRead?.();
		readAt(this.fd, into.subarray(0, to - from), entry.offset + from);
		for (let b = first; b * SLICE_BLOCK < to; b++) {
			const lo = (b * SLICE_BLOCK) - from;
			if (checksum(into.subarray(lo, Math.min(to - from, lo + SLICE_BLOCK))) !== crcs[b]) {
				throw damaged(`block ${b} of ${name} fails its checksum`);
			}
		}

		return to - from;
	}

	private entry(name: string): SectionEntry {
		const entry = this.entries.get(name);
		if (entry === undefined) {
			throw damaged(`it has no ${name}`);
		}

		return entry;
	}

	private crcsOf(name: string, entry: SectionEntry): Uint32Array {
		let crcs = this.crcs.get(name);
		if (crcs === undefined) {
			const crcEntry = this.entries.get(blockCrcName(name));
			if (crcEntry === undefined) {
				throw damaged(`it has no checksums for the blocks of ${name}`);
			}

			this.beforeRead?.();
			crcs = readSection(this.fd, crcEntry, 'u32') as Uint32Array;
			if (crcs.length !== Math.ceil(entry.bytes / SLICE_BLOCK)) {
				throw damaged(`its block checksums do not cover ${name}`);
			}

			this.crcs.set(name, crcs);
		}

		return crcs;
	}

	private cachedBlock(name: string, entry: SectionEntry, index: number): Uint8Array {
		const key = `${name}:${index}`;
		const cached = this.blocks.get(key);
		if (cached !== undefined) {
			return cached;
		}

		const block = new Uint8Array(Math.min(SLICE_BLOCK, entry.bytes - (index * SLICE_BLOCK)));
		this.readBlocks(name, index, 1, block);
		this.blocks.set(key, block);
		if (this.blocks.size > CACHED_BLOCKS) {
			this.blocks.delete(this.blocks.keys().next().value!);
		}

		return block;
	}
}

/**
 * One object's parents from CSR sections `firstParent` / `parentSources`
 * read by checked slices: offsets ascending within the sources, sources in
 * the object table.
 */
export function parentsSlice(sections: SlicedSections, ordinal: number, objectCount: number): Uint32Array {
	if (ordinal < 0 || ordinal >= objectCount) {
		throw damaged(`object ${ordinal} is outside the object table`);
	}

	const offsets = sections.read('firstParent', ordinal, ordinal + 2) as Uint32Array;
	const start = offsets[0]!;
	const end = offsets[1]!;
	if (end < start || end > sections.length('parentSources')) {
		throw damaged(`the parents of object ${ordinal} lie outside its parents`);
	}

	const parents = sections.read('parentSources', start, end) as Uint32Array;
	for (let k = 0; k < parents.length; k++) {
		if (parents[k]! >= objectCount) {
			throw damaged(`a parent of object ${ordinal} is outside the object table`);
		}
	}

	return parents;
}

/** A column read in steps: `step(deadline)` reads and checks pieces until the deadline; true once it is whole and checked. */
export type ColumnLoad = {
	step(deadline: number): boolean;
	result(): AnyArray;
};

/** Bytes of a column read (and checked) per unit of a stepped load. */
const STEP_BYTES = 128 * 1024;

/** Open `path` for reading an index (no links followed). */
export function openIndex(path: string): number {
	return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
}
