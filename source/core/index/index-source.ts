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
import {escapeControls} from '../format/escape.js';
import {UNRESOLVED_BIT, UNRESOLVED_MASK} from '../graph/layout.js';
import type {ColumnSource, LazyColumn} from '../graph/store.js';
import {
	type AnyArray, type ArrayKind, checkOffsets, checksum, damaged, elementBytes, IndexProblem, readSection, type SectionEntry,
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

function checkTypes(types: Uint32Array, typeCount: number): void {
	for (let i = 0; i < types.length; i++) {
		if (types[i]! >= typeCount) {
			throw damaged(`object ${i} has a type id outside the type table`);
		}
	}
}

function checkSizes(sizes: Float64Array): void {
	for (let i = 0; i < sizes.length; i++) {
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
	private readonly opened: Opened;
	private readonly blocks = new Map<number, Uint8Array>();
	private blockCrc: Uint32Array | undefined;
	private failed: IndexReadError | undefined;

	/**
	 * @param fd the index, open; this source owns it from here (closed when
	 *   the source is collected)
	 */
	constructor(
		private readonly path: string,
		private readonly fd: number,
		stat: Stats,
		private readonly entries: ReadonlyMap<string, SectionEntry>,
		private readonly kinds: ReadonlyMap<string, ArrayKind>,
		private readonly lengths: ColumnLengths,
	) {
		this.opened = {size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, dev: stat.dev};
		openFiles.register(this, fd);
	}

	has(name: LazyColumn): boolean {
		return this.entries.has(name);
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
			if (named.ino === this.opened.ino && named.dev === this.opened.dev) {
				unlinkSync(this.path);
			}
		} catch {}

		return this.failed;
	}
}

/** Open `path` for reading an index (no links followed). */
export function openIndex(path: string): number {
	return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
}
