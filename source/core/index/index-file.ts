/**
 * The index file: a loaded store saved so that a later load reads its
 * columns back instead of parsing the dump.
 *
 * Layout (little-endian):
 *
 *     0  8 bytes  magic "MTUIINDX"
 *     8  u32      format version (INDEX_VERSION)
 *    12  u32      0x01020304 (byte order)
 *    16  u32      length of the header (JSON, UTF-8)
 *    20  u32      CRC-32 of the header
 *    24  header   the dump's identity, the load's counts and problems, the
 *                 type names, the slot-names table, and the sections:
 *                 name, offset, byte length and CRC-32 of each
 *        sections each typed array's bytes, 8-aligned
 *
 * Opening checks the magic, version, byte order, the header's checksum
 * and shape, each section's bounds and element size, every column's length
 * against the counts, the dump's identity, and reads the small sections
 * (checksums and ranges; among them the summary's per-type totals, so a
 * reopen summarizes without reading a column); any failure there is an
 * IndexProblem and the caller parses the dump instead. The columns themselves are read when
 * first used, each checked then (checksum, and against the others' lengths:
 * every CSR offset within its edge array and ascending, every target and
 * type id within its table), and values one 64 KiB block at a time, each
 * block by its own checksum (see index-source.ts); one object's parents
 * likewise, by the checksums of their blocks (`NAME.blockCrc`).
 *
 * Writing goes to a new file (O_EXCL, mode 0600) in the target's
 * directory, is synced, then renamed over the target: a reader sees the
 * old index, the new one, or none, never a part. An existing file at the
 * target that is not an index is never replaced.
 */

import {randomBytes} from 'node:crypto';
import {
	close, closeSync, constants, fstatSync, fsync, fsyncSync, lstatSync, open, openSync, readdirSync, readSync, renameSync, unlinkSync, write, writeSync,
} from 'node:fs';
import {endianness} from 'node:os';
import {dirname, join} from 'node:path';
import {crc32} from 'node:zlib';
import {foldedObjectsOf, meliaeTypeRank, recordFoldedObjects, recordMeliaeTypeRank} from '../analyses/meliae-order.js';
import {isTraverseOrderDump, markValuesOnlyOwners, recordTraverseOrder, valuesOnlyOwnersOf} from '../analyses/dict-layout.js';
import type {LoadProblems} from '../dump/load.js';
import {setSlotNames, slotNamesOf} from '../graph/slot-names.js';
import {foldedDicts, recordFoldedDicts} from '../waste/folded-dicts.js';
import {GraphStore} from '../graph/store.js';
import {recordTypeTotals, TYPE_TOTAL_FIELDS, typeTotalsOf} from '../analyses/summary.js';
import {type DumpIdentity, sameIdentity} from './identity.js';
import {type ColumnLengths, IndexColumnSource, openIndex, VALUE_BLOCK} from './index-source.js';

export const INDEX_MAGIC = 'MTUIINDX';
/** Bump on any change to the layout or to what the columns mean. */
export const INDEX_VERSION = 4;
export const BYTE_ORDER_MARK = 0x01_02_03_04;
export const FIXED_BYTES = 24;
/** A header bigger than this is not ours (type names and slot lists are small). */
export const MAX_HEADER_BYTES = 256 * 1024 * 1024;
/** Reads, writes and checksums go in pieces of this size. */
const PIECE = 64 * 1024 * 1024;

/** The index is unusable: damaged, another version, or for another state of the dump. */
export class IndexProblem extends Error {
	constructor(message: string, readonly kind: 'damaged' | 'version' | 'stale' | 'foreign') {
		super(message);
		this.name = 'IndexProblem';
	}
}

/** What a load produced besides the store, saved with it. */
export type IndexedFacts = {
	problems: LoadProblems;
	lines: number;
	textBytes: number;
	compressed: boolean;
};

export type ArrayKind = 'f64' | 'u32' | 'u8';
export type AnyArray = Float64Array | Uint32Array | Uint8Array;

const SECTIONS = [
	['objectAddress', 'f64'],
	['objectType', 'u32'],
	['objectSize', 'f64'],
	['objectLength', 'u32'],
	['objectFlags', 'u8'],
	['valueOffset', 'u32'],
	['valueBytes', 'u8'],
	['firstChild', 'u32'],
	['childTargets', 'u32'],
	['unresolvedAddress', 'f64'],
	['firstParent', 'u32'],
	['parentSources', 'u32'],
	['valuesOnlyOwners', 'u32'],
	['foldedAddress', 'f64'],
	['foldedKeptBefore', 'u32'],
	['foldedDictOwner', 'u32'],
	['foldedDictSize', 'f64'],
	['foldedDictLength', 'u32'],
	['addressSlots', 'u32'],
	['typeRank', 'u32'],
	['valueBlockCrc', 'u32'],
	['typeTotals', 'f64'],
	['firstParent.blockCrc', 'u32'],
	['parentSources.blockCrc', 'u32'],
] as const satisfies ReadonlyArray<readonly [string, ArrayKind]>;

type SectionName = typeof SECTIONS[number][0];
const OPTIONAL: ReadonlySet<SectionName> = new Set([
	'firstParent', 'parentSources', 'valuesOnlyOwners', 'foldedAddress', 'foldedKeptBefore',
	'foldedDictOwner', 'foldedDictSize', 'foldedDictLength', 'addressSlots', 'typeRank',
	'firstParent.blockCrc', 'parentSources.blockCrc',
]);
/** Read when first used (see index-source.ts); the others, small, when the index is opened. */
const LAZY: ReadonlySet<SectionName> = new Set([
	'objectAddress', 'objectType', 'objectSize', 'objectLength', 'objectFlags', 'valueOffset', 'valueBytes',
	'firstChild', 'childTargets', 'unresolvedAddress', 'firstParent', 'parentSources', 'addressSlots', 'valueBlockCrc',
	'firstParent.blockCrc', 'parentSources.blockCrc',
]);

export const elementBytes = (kind: ArrayKind): number => kind === 'f64' ? 8 : (kind === 'u32' ? 4 : 1);

export type SectionEntry = {name: string; offset: number; bytes: number; crc: number};

type Header = {
	identity: DumpIdentity;
	/** References to addresses not in the dump (checked when the references are read). */
	unresolvedReferenceCount: number;
	facts: IndexedFacts;
	objectCount: number;
	typeNames: string[];
	slotNames: Array<[number, string[]]>;
	/** Whether its dicts follow CPython 3's traverse order (see dict-layout); computed when absent. */
	traverseOrder?: boolean;
	sections: SectionEntry[];
	fileBytes: number;
};

export function bytesOf(array: AnyArray): Uint8Array {
	return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function checksum(bytes: Uint8Array): number {
	let value = 0;
	for (let start = 0; start < bytes.length; start += PIECE) {
		value = crc32(bytes.subarray(start, Math.min(bytes.length, start + PIECE)), value);
	}

	return value >>> 0;
}

export const align8 = (n: number): number => Math.ceil(n / 8) * 8;

export function writeFully(fd: number, bytes: Uint8Array, position: number): void {
	let done = 0;
	while (done < bytes.length) {
		done += writeSync(fd, bytes, done, Math.min(PIECE, bytes.length - done), position + done);
	}
}

export function readFully(fd: number, bytes: Uint8Array, position: number, onRead?: (bytes: number) => void): void {
	let done = 0;
	while (done < bytes.length) {
		const got = readSync(fd, bytes, done, Math.min(PIECE, bytes.length - done), position + done);
		if (got === 0) {
			throw new IndexProblem('the file ends early (truncated)', 'damaged');
		}

		done += got;
		onRead?.(got);
	}
}

/** Whether `path` is absent, or a regular file that begins with our magic (so ours to replace). */
export function replaceable(path: string, magic = INDEX_MAGIC): boolean {
	let stat;
	try {
		stat = lstatSync(path);
	} catch {
		return true;
	}

	if (!stat.isFile()) {
		return false;
	}

	let fd: number | undefined;
	try {
		fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
		const head = Buffer.alloc(magic.length);
		const got = readSync(fd, head, 0, head.length, 0);
		// A file cut short at our name is a leftover: ours to replace if it starts like one.
		return head.toString('latin1', 0, got) === magic.slice(0, got);
	} catch {
		return false;
	} finally {
		if (fd !== undefined) {
			closeSync(fd);
		}
	}
}

/** The size of a checksummed block of a section read in slices (parents, dominators, retained sizes). */
export const SLICE_BLOCK = 64 * 1024;

/** A CRC-32 per `block` bytes. */
export function blockChecksums(bytes: Uint8Array, block = VALUE_BLOCK): Uint32Array {
	const crcs = new Uint32Array(Math.ceil(bytes.length / block));
	for (let b = 0; b < crcs.length; b++) {
		crcs[b] = checksum(bytes.subarray(b * block, Math.min(bytes.length, (b + 1) * block)));
	}

	return crcs;
}

function columnsOf(store: GraphStore): Partial<Record<SectionName, AnyArray>> {
	const folded = foldedObjectsOf(store);
	const dicts = foldedDicts(store);
	return {
		objectAddress: store.objectAddress,
		objectType: store.objectType,
		objectSize: store.objectSize,
		objectLength: store.objectLength,
		objectFlags: store.objectFlags,
		valueOffset: store.valueOffset,
		valueBytes: store.valueBytes,
		firstChild: store.firstChild,
		childTargets: store.childTargets,
		unresolvedAddress: store.unresolvedAddress,
		// The address hash, as is: rebuilding it is most of a reopen's time.
		addressSlots: store.addressIndex.slots,
		// meliae's order of types in a summary: costs a pass over every
		// address the first time a summary is made; computed here once.
		typeRank: meliaeTypeRank(store),
		// Values are read one by one from the file: each block is checked on its own.
		valueBlockCrc: blockChecksums(store.valueBytes),
		// The summary's per-type totals: a reopen shows it without reading a column.
		typeTotals: typeTotalsOf(store),
		// Parents are read one object's at a time (show): each block is checked on its own.
		...(store.hasParents
			? {
				firstParent: store.firstParent,
				parentSources: store.parentSources,
				'firstParent.blockCrc': blockChecksums(bytesOf(store.firstParent), SLICE_BLOCK),
				'parentSources.blockCrc': blockChecksums(bytesOf(store.parentSources), SLICE_BLOCK),
			}
			: {}),
		...(valuesOnlyOwnersOf(store) === undefined ? {} : {valuesOnlyOwners: valuesOnlyOwnersOf(store)}),
		...(folded === undefined ? {} : {foldedAddress: folded.address, foldedKeptBefore: folded.keptBefore}),
		// Each folded instance dict's owner, size and len (the waste inspections read them).
		...(dicts === undefined ? {} : {foldedDictOwner: dicts.owner, foldedDictSize: dicts.size, foldedDictLength: dicts.length}),
	};
}

/** How a companion file is tied to one index: its size and its header's checksum (which covers every section's). */
export type IndexBinding = {indexBytes: number; headerCrc: number};

/** Temporary files of writers that died: older than this and with no live process of their PID. */
const STALE_MS = 10 * 60 * 1000;
const TEMPORARY = /\.mtui-index(?:\.analyses)?\.(\d+)\.[\da-f]{12}\.tmp$/;

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: it exists, owned by someone else.
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Remove, from `directory`, the temporary index files that writers killed
 * mid-write left: only ours (our uid, regular files, our name pattern),
 * of a PID that is not running, and not touched for STALE_MS.
 */
export function removeStaleTemporaries(directory: string, now = Date.now()): number {
	let names: string[];
	try {
		names = readdirSync(directory);
	} catch {
		return 0;
	}

	let removed = 0;
	const uid = process.getuid?.();
	for (const name of names) {
		const match = TEMPORARY.exec(name);
		if (match === null || Number(match[1]) === process.pid || alive(Number(match[1]))) {
			continue;
		}

		const path = join(directory, name);
		try {
			const stat = lstatSync(path);
			if (!stat.isFile() || (uid !== undefined && stat.uid !== uid) || now - stat.mtimeMs < STALE_MS) {
				continue;
			}

			unlinkSync(path);
			removed++;
		} catch {}
	}

	return removed;
}

type SectionHeader = {sections: SectionEntry[]; fileBytes: number};

/** A section file laid out and its temporary file created, nothing written yet. */
type PreparedFile = {
	temporary: string;
	fd: number;
	fixed: Buffer;
	headerBytes: Buffer;
	headerCrc: number;
	fileBytes: number;
	/** What to write where: the fixed part, the header, each section, the last section's padding. */
	pieces: Array<{bytes: Uint8Array; position: number}>;
};

/**
 * The synchronous part of a write: check the target is ours to replace,
 * remove stale temporaries, checksum every array, lay the file out, and
 * create the temporary file (O_EXCL, 0600).
 */
function prepareSectionFile(target: string, magic: string, version: number, header: SectionHeader, arrays: ReadonlyArray<readonly [string, AnyArray]>): PreparedFile {
	if (!replaceable(target, magic)) {
		throw new IndexProblem(`${target} exists and is not an index file; not replacing it`, 'foreign');
	}

	removeStaleTemporaries(dirname(target));
	header.sections = arrays.map(([name, array]) => ({name, offset: 0, bytes: array.byteLength, crc: checksum(bytesOf(array))}));
	// Offsets depend on the header's length, which depends on the offsets'
	// digits: lay out until it settles (twice at most in practice).
	let headerBytes = Buffer.alloc(0);
	for (let round = 0; round < 4; round++) {
		let offset = align8(FIXED_BYTES + headerBytes.length);
		for (const section of header.sections) {
			section.offset = offset;
			offset = align8(offset + section.bytes);
		}

		header.fileBytes = offset;
		const next = Buffer.from(JSON.stringify(header), 'utf8');
		if (next.length === headerBytes.length) {
			headerBytes = next;
			break;
		}

		headerBytes = next;
	}

	const headerCrc = checksum(headerBytes);
	const fixed = Buffer.alloc(FIXED_BYTES);
	fixed.write(magic, 0, 'latin1');
	fixed.writeUInt32LE(version, 8);
	fixed.writeUInt32LE(BYTE_ORDER_MARK, 12);
	fixed.writeUInt32LE(headerBytes.length, 16);
	fixed.writeUInt32LE(headerCrc, 20);
	const pieces = [{bytes: fixed as Uint8Array, position: 0}, {bytes: headerBytes as Uint8Array, position: FIXED_BYTES}];
	let end = FIXED_BYTES + headerBytes.length;
	for (const [index, section] of header.sections.entries()) {
		pieces.push({bytes: bytesOf(arrays[index]![1]), position: section.offset});
		end = section.offset + section.bytes;
	}

	if (end < header.fileBytes) {
		pieces.push({bytes: new Uint8Array(header.fileBytes - end), position: end});
	}

	const temporary = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
	// O_EXCL: never write through a file or link someone put at this name.
	const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
	return {temporary, fd, fixed, headerBytes, headerCrc, fileBytes: header.fileBytes, pieces};
}

/** Close and remove a temporary that is not renamed into place (errors ignored: it may be gone). */
function abandon(prepared: PreparedFile): void {
	try {
		closeSync(prepared.fd);
	} catch {}

	try {
		unlinkSync(prepared.temporary);
	} catch {}
}

/** Sync the directory, so that the rename itself survives a crash (best effort). */
function syncDirectory(target: string): void {
	try {
		const directory = openSync(dirname(target), 'r');
		try {
			fsyncSync(directory);
		} finally {
			closeSync(directory);
		}
	} catch {}
}

/**
 * Write a file of sections: the fixed part (magic, version, byte order,
 * header length and CRC), the JSON header, then each array 8-aligned.
 * Written to a new temporary file (O_EXCL, 0600), synced, then renamed
 * over `target`; no partial file is left. The header's `sections` (one
 * entry per array, in order) and `fileBytes` are filled in here.
 */
export function writeSectionFile(target: string, magic: string, version: number, header: SectionHeader, arrays: ReadonlyArray<readonly [string, AnyArray]>): {bytes: number; headerCrc: number} {
	const prepared = prepareSectionFile(target, magic, version, header, arrays);
	const {fd, temporary} = prepared;
	let renamed = false;
	try {
		for (const piece of prepared.pieces) {
			writeFully(fd, piece.bytes, piece.position);
		}

		fsyncSync(fd);
		closeSync(fd);
		if (!replaceable(target, magic)) {
			throw new IndexProblem(`${target} exists and is not an index file; not replacing it`, 'foreign');
		}

		renameSync(temporary, target);
		renamed = true;
	} finally {
		if (!renamed) {
			abandon(prepared);
		}
	}

	syncDirectory(target);
	return {bytes: prepared.fileBytes, headerCrc: prepared.headerCrc};
}

/** `bytes` written at `position` by an I/O thread (the rest again, should it write less). */
async function writeAsync(fd: number, bytes: Uint8Array, position: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const from = (done: number): void => {
			if (done >= bytes.length) {
				resolve();
				return;
			}

			write(fd, bytes, done, bytes.length - done, position + done, (error, written) => {
				if (error === null) {
					from(done + written);
				} else {
					reject(error);
				}
			});
		};

		from(0);
	});
}

/** What an asynchronous write leaves: the file's size and its header's checksum. */
export type WrittenSectionFile = {
	bytes: number;
	headerCrc: number;
};

/** A section file being written by the I/O threads (see startSectionFileWrite). */
export type SectionFileWrite = {
	/** The temporary file, open read-only; the caller owns it (it stays readable whatever becomes of the names). */
	readFd: number;
	/** Each section's place in the file (the header's table, laid out). */
	sections: readonly SectionEntry[];
	/** True once the sections named `first` are all written (false when one could not be); never rejects. */
	firstWritten: Promise<boolean>;
	/** Settles once the file is synced and renamed into place (and the directory synced); rejects as writeSectionFile throws, leaving no file. */
	done: Promise<WrittenSectionFile>;
};

/**
 * writeSectionFile with the copying, the sync, the rename and the
 * directory sync done by the I/O threads. The checksums, the layout and
 * the temporary's creation happen here, and every write is queued here
 * too (the sections named in `first` ahead of the others), so they proceed
 * while this thread works on, even without returning to the event loop.
 * The arrays must not change until `done` settles. Throws (here) as
 * writeSectionFile does when the file cannot be begun.
 */
export function startSectionFileWrite(
	target: string, magic: string, version: number, header: SectionHeader, arrays: ReadonlyArray<readonly [string, AnyArray]>, first: ReadonlySet<string> = new Set(),
): SectionFileWrite {
	const prepared = prepareSectionFile(target, magic, version, header, arrays);
	let readFd: number;
	try {
		readFd = openSync(prepared.temporary, constants.O_RDONLY | constants.O_NOFOLLOW);
	} catch (error) {
		abandon(prepared);
		throw error;
	}

	// pieces: the fixed part, the header, then one per array in order, then
	// padding. No closure here may hold `arrays` or a piece: the callbacks
	// below live until the file is written, and each array must be free to
	// go once its own writes are done.
	const early: Array<Promise<void>> = [];
	const rest: Array<Promise<void>> = [];
	for (let round = 0; round < 2; round++) {
		for (const [index, piece] of prepared.pieces.entries()) {
			const isEarly = index >= 2 && index - 2 < arrays.length && first.has(arrays[index - 2]![0]);
			if (isEarly !== (round === 0)) {
				continue;
			}

			for (let start = 0; start < piece.bytes.length; start += PIECE) {
				(isEarly ? early : rest).push(writeAsync(prepared.fd, piece.bytes.subarray(start, Math.min(piece.bytes.length, start + PIECE)), piece.position + start));
			}
		}
	}

	prepared.pieces = [];
	return {readFd, sections: header.sections, ...settleWrites(target, magic, prepared, early, rest)};
}

/** The promises of a write begun (a function of its own: its callbacks hold nothing else). */
function settleWrites(target: string, magic: string, prepared: PreparedFile, early: Array<Promise<void>>, rest: Array<Promise<void>>): {firstWritten: Promise<boolean>; done: Promise<WrittenSectionFile>} {
	const firstWritten = Promise.allSettled(early).then(results => results.every(result => result.status === 'fulfilled'));
	const done = finishSectionFile(target, magic, prepared, [...early, ...rest]);
	// Settled by whoever waits for it; never an unhandled rejection meanwhile.
	done.catch(() => undefined);
	return {firstWritten, done};
}

/** Wait for every write, then sync, check the target, rename, sync the directory; on failure remove the temporary. */
async function finishSectionFile(target: string, magic: string, prepared: PreparedFile, writes: Array<Promise<void>>): Promise<WrittenSectionFile> {
	const {fd, temporary} = prepared;
	let renamed = false;
	try {
		// Settled together: no write is still running when a failed file is closed and removed.
		const results = await Promise.allSettled(writes);
		const failed = results.find(result => result.status === 'rejected');
		if (failed !== undefined) {
			throw failed.reason;
		}

		await fsyncAsync(fd);
		if (!replaceable(target, magic)) {
			throw new IndexProblem(`${target} exists and is not an index file; not replacing it`, 'foreign');
		}

		renameSync(temporary, target);
		renamed = true;
		closeSync(fd);
	} finally {
		if (!renamed) {
			abandon(prepared);
		}
	}

	await new Promise<void>(resolve => {
		// The rename itself survives a crash once the directory is synced.
		open(dirname(target), 'r', (error, directory) => {
			if (error !== null) {
				resolve();
				return;
			}

			fsync(directory, () => {
				close(directory, () => {
					resolve();
				});
			});
		});
	});
	return {bytes: prepared.fileBytes, headerCrc: prepared.headerCrc};
}

async function fsyncAsync(fd: number): Promise<void> {
	return new Promise((resolve, reject) => {
		fsync(fd, error => {
			if (error === null) {
				resolve();
			} else {
				reject(error);
			}
		});
	});
}

/** The header and the arrays of `store`'s index (the arrays are the store's own: they must not change while written). */
function indexContents(identity: DumpIdentity, store: GraphStore, facts: IndexedFacts): {header: Header; arrays: Array<[string, AnyArray]>} {
	const columns = columnsOf(store);
	const slotNames: Array<[number, string[]]> = [...(slotNamesOf(store) ?? new Map<number, readonly string[]>())]
		.map(([address, names]) => [address, [...names]]);
	const header: Header = {
		identity,
		unresolvedReferenceCount: store.unresolvedReferenceCount,
		facts,
		objectCount: store.objectCount,
		typeNames: [...store.typeNames],
		slotNames,
		traverseOrder: isTraverseOrderDump(store),
		sections: [],
		fileBytes: 0,
	};
	const arrays: Array<[string, AnyArray]> = [];
	for (const [name] of SECTIONS) {
		const array = columns[name];
		if (array !== undefined) {
			arrays.push([name, array]);
		}
	}

	return {header, arrays};
}

/**
 * Save `store` as the index at `target`. Throws IndexProblem('foreign')
 * when a file that is not an index is in the way, and the file system's
 * errors (read-only, no space, ...) as they come; no partial file is left.
 * Returns the index's size in bytes and what binds companions to it.
 */
export function writeIndexFile(target: string, identity: DumpIdentity, store: GraphStore, facts: IndexedFacts): IndexBinding {
	const {header, arrays} = indexContents(identity, store, facts);
	const {bytes, headerCrc} = writeSectionFile(target, INDEX_MAGIC, INDEX_VERSION, header, arrays);
	return {indexBytes: bytes, headerCrc};
}

/** An index being written by the I/O threads (see startIndexWrite). */
export type IndexWrite = {
	/** Whether the index holds the parents (they may be built while it is written: not then). */
	parentsWritten: boolean;
	/**
	 * The file being written as a column source: once `firstWritten` is
	 * true, the values and the address hash can be read from it (checked).
	 * It stays open on the file written, whatever becomes of its name.
	 */
	source: IndexColumnSource;
	/** True once the values (with their checksums) and the address hash are written. */
	firstWritten: Promise<boolean>;
	/** Settles once the index is in place; rejects as writeIndexFile throws. */
	done: Promise<IndexBinding>;
};

/** The sections written first, so that the store can leave them to the file early. */
const WRITTEN_FIRST: ReadonlySet<string> = new Set(['valueBytes', 'valueBlockCrc', 'addressSlots']);

/**
 * writeIndexFile by the I/O threads: the checksums and the layout are made,
 * and every write queued (the values and the address hash first), before
 * this returns; the store's arrays must not change until `done` settles
 * (building parents or dominators makes new arrays: that is fine). Throws
 * (here) as writeIndexFile does when the file cannot be begun.
 */
export function startIndexWrite(target: string, identity: DumpIdentity, store: GraphStore, facts: IndexedFacts): IndexWrite {
	const {header, arrays} = indexContents(identity, store, facts);
	const lengths: ColumnLengths = {
		objects: store.objectCount,
		types: header.typeNames.length,
		edges: 0,
		unresolved: 0,
		valueBytes: 0,
		parentEdges: 0,
		unresolvedReferences: header.unresolvedReferenceCount,
	};
	let parentsWritten = false;
	for (const [name, array] of arrays) {
		parentsWritten ||= name === 'firstParent';
		if (name === 'childTargets') {
			lengths.edges = array.length;
		} else if (name === 'unresolvedAddress') {
			lengths.unresolved = array.length;
		} else if (name === 'valueBytes') {
			lengths.valueBytes = array.length;
		} else if (name === 'parentSources') {
			lengths.parentEdges = array.length;
		}
	}

	const write = startSectionFileWrite(target, INDEX_MAGIC, INDEX_VERSION, header, arrays, WRITTEN_FIRST);
	const entries = new Map(write.sections.map(section => [section.name, section]));
	// Read while the rest is written: its size and time are taken once it is whole (see sealed()).
	const source = IndexColumnSource.writing(target, write.readFd, entries, new Map<string, ArrayKind>(SECTIONS), lengths);
	return {parentsWritten, source, firstWritten: write.firstWritten, done: sealWhenDone(source, write.done)};
}

/** The binding once the file is written, the source sealed then (a function of its own: its callbacks hold nothing else). */
function sealWhenDone(source: IndexColumnSource, done: Promise<WrittenSectionFile>): Promise<IndexBinding> {
	const sealed = done.then(({bytes, headerCrc}) => {
		source.sealed();
		return {indexBytes: bytes, headerCrc};
	});
	sealed.catch(() => undefined);
	return sealed;
}

export function damaged(message: string): IndexProblem {
	return new IndexProblem(message, 'damaged');
}

export function isCount(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The header's shape, checked field by field: it came from a file. */
function checkHeader(value: unknown): Header {
	const header = value as Header;
	if (typeof value !== 'object' || value === null || !isCount(header.objectCount) || !isCount(header.fileBytes)
		|| !isCount(header.unresolvedReferenceCount)
		|| !Array.isArray(header.typeNames) || !header.typeNames.every(name => typeof name === 'string')
		|| !Array.isArray(header.slotNames) || !Array.isArray(header.sections)
		|| !(header.traverseOrder === undefined || typeof header.traverseOrder === 'boolean')
		|| typeof header.identity !== 'object' || header.identity === null
		|| typeof header.facts !== 'object' || header.facts === null
		|| typeof header.facts.problems !== 'object' || header.facts.problems === null
		|| !isCount(header.facts.lines) || !isCount(header.facts.textBytes) || typeof header.facts.compressed !== 'boolean') {
		throw damaged('its header is malformed');
	}

	const problems = header.facts.problems;
	if (!isCount(problems.malformedLines) || !Array.isArray(problems.malformed)
		|| problems.malformed.length > problems.malformedLines || (problems.malformedLines > 0 && problems.malformed.length === 0)
		|| !problems.malformed.every(p => typeof p === 'object' && p !== null && isCount(p.line) && typeof p.message === 'string')
		|| !isCount(problems.duplicateAddresses) || !isCount(problems.firstDuplicateLine)
		|| !isCount(problems.unresolvedReferences) || typeof problems.truncatedGzip !== 'boolean'
		|| !(problems.gzipDamage === undefined || typeof problems.gzipDamage === 'string')
		|| !isCount(problems.cutStrings) || !isCount(problems.firstCutLine) || !isCount(problems.longestCutString)
		|| !isCount(problems.collapsedDicts)) {
		throw damaged('its record of the load\'s problems is malformed');
	}

	for (const entry of header.slotNames) {
		if (!Array.isArray(entry) || typeof entry[0] !== 'number' || !Array.isArray(entry[1]) || !entry[1].every(name => typeof name === 'string')) {
			throw damaged('its slot-names table is malformed');
		}
	}

	for (const section of header.sections) {
		if (typeof section !== 'object' || section === null || typeof section.name !== 'string'
			|| !isCount(section.offset) || !isCount(section.bytes) || !isCount(section.crc)) {
			throw damaged('its section table is malformed');
		}
	}

	return header;
}

/** A CSR offsets array: starts at 0, never decreases, ends at `edges`. */
export function checkOffsets(name: string, offsets: Uint32Array, edges: number): void {
	if (offsets[0] !== 0 || offsets.at(-1) !== edges) {
		throw damaged(`${name} does not span its edge array`);
	}

	for (let i = 1; i < offsets.length; i++) {
		if (offsets[i]! < offsets[i - 1]!) {
			throw damaged(`${name} goes backwards at ${i}`);
		}
	}
}

/**
 * The per-type totals (see typeTotalsOf): one row per type; counts whole
 * and adding up to the objects; sizes finite; the largest at most the
 * total and at least its share (total / count); an address for each type
 * present.
 */
function checkTypeTotals(totals: Float64Array, n: number, typeCount: number): void {
	if (totals.length !== typeCount * TYPE_TOTAL_FIELDS) {
		throw damaged(`typeTotals has ${totals.length} entries where ${typeCount * TYPE_TOTAL_FIELDS} are expected`);
	}

	let objects = 0;
	for (let t = 0; t < typeCount; t++) {
		const at = t * TYPE_TOTAL_FIELDS;
		const count = totals[at]!;
		const size = totals[at + 1]!;
		const largest = totals[at + 2]!;
		const address = totals[at + 3]!;
		const sane = count === 0
			? size === 0 && largest === -1
			: Number.isSafeInteger(count) && count > 0 && Number.isFinite(size) && size >= 0
				&& Number.isFinite(largest) && largest >= 0 && largest <= size && size <= largest * count
				&& Number.isSafeInteger(address) && address >= 0;
		if (!sane) {
			throw damaged(`its summary of type ${t} is impossible`);
		}

		objects += count;
	}

	if (objects !== n) {
		throw damaged(`its summary counts ${objects} objects where it has ${n}`);
	}
}

// Small loops of one kind each (they run once, at open: kept monomorphic so they optimize at once).

function allBelow(values: Uint32Array, limit: number): boolean {
	for (let i = 0; i < values.length; i++) {
		if (values[i]! >= limit) {
			return false;
		}
	}

	return true;
}

function allSizes(values: Float64Array): boolean {
	for (let i = 0; i < values.length; i++) {
		const value = values[i]!;
		if (!(value >= 0) || value === Number.POSITIVE_INFINITY) {
			return false;
		}
	}

	return true;
}

function ascendingTo(values: Uint32Array, limit: number): boolean {
	let previous = 0;
	for (let i = 0; i < values.length; i++) {
		const value = values[i]!;
		if (value > limit || value < previous) {
			return false;
		}

		previous = value;
	}

	return true;
}

/** The small sections read when the index is opened, against the counts. */
function checkSmallSections(columns: Record<SectionName, AnyArray | undefined>, n: number, typeCount: number): void {
	const expect = (name: SectionName, length: number): void => {
		if (columns[name] !== undefined && columns[name].length !== length) {
			throw damaged(`${name} has ${columns[name].length} entries where ${length} are expected`);
		}
	};

	if (columns.valuesOnlyOwners !== undefined && columns.valuesOnlyOwners.length > (n >>> 5) + 1) {
		throw damaged('its values-only dict record is longer than the object table');
	}

	checkTypeTotals(columns.typeTotals as Float64Array, n, typeCount);
	if (columns.typeRank !== undefined) {
		expect('typeRank', typeCount);
		for (const rank of columns.typeRank) {
			if (rank >= typeCount && rank !== 0xff_ff_ff_ff) {
				throw damaged('its type order is out of range');
			}
		}
	}

	if ((columns.foldedAddress === undefined) !== (columns.foldedKeptBefore === undefined)) {
		throw damaged('it has half of the folded-object record');
	}

	const dictColumns = [columns.foldedDictOwner, columns.foldedDictSize, columns.foldedDictLength];
	if (dictColumns.some(column => column === undefined) && dictColumns.some(column => column !== undefined)) {
		throw damaged('it has part of the folded-dict record');
	}

	if (columns.foldedDictOwner !== undefined) {
		expect('foldedDictSize', columns.foldedDictOwner.length);
		expect('foldedDictLength', columns.foldedDictOwner.length);
		if (!allBelow(columns.foldedDictOwner as Uint32Array, n)) {
			throw damaged('its folded-dict record names an object outside the table');
		}

		if (!allSizes(columns.foldedDictSize as Float64Array)) {
			throw damaged('its folded-dict record has a size that is not a size');
		}
	}

	if (columns.foldedAddress !== undefined) {
		const keptBefore = columns.foldedKeptBefore as Uint32Array;
		expect('foldedKeptBefore', columns.foldedAddress.length);
		if (!ascendingTo(keptBefore, n)) {
			throw damaged('its folded-object record is out of order');
		}
	}
}

export type IndexRead = IndexedFacts & {store: GraphStore; bytes: number; binding: IndexBinding};

export type OpenedSections = {
	/** The JSON header, parsed but not checked beyond its `sections`. */
	header: unknown;
	headerLength: number;
	headerCrc: number;
	fileBytes: number;
	entries: Map<string, SectionEntry>;
};

/**
 * Read and check the fixed part and the header of a section file open on
 * `fd`: magic, version, byte order, header checksum, and every section
 * known, once, within the file and aligned. Throws IndexProblem.
 */
export function openSections(fd: number, magic: string, version: number, known: ReadonlyMap<string, ArrayKind>): OpenedSections {
	const stat = fstatSync(fd);
	if (!stat.isFile()) {
		throw new IndexProblem('not a regular file', 'foreign');
	}

	const fileBytes = stat.size;
	const fixed = Buffer.alloc(FIXED_BYTES);
	readFully(fd, fixed, 0);
	if (fixed.toString('latin1', 0, magic.length) !== magic) {
		throw new IndexProblem('not an index file', 'foreign');
	}

	const found = fixed.readUInt32LE(8);
	if (found !== version) {
		throw new IndexProblem(`format ${found}; this version reads format ${version}`, 'version');
	}

	if (fixed.readUInt32LE(12) !== BYTE_ORDER_MARK) {
		throw damaged('its byte-order mark is wrong');
	}

	const headerLength = fixed.readUInt32LE(16);
	if (headerLength > MAX_HEADER_BYTES || FIXED_BYTES + headerLength > fileBytes) {
		throw damaged('its header runs past the end of the file (truncated)');
	}

	const headerBytes = Buffer.alloc(headerLength);
	readFully(fd, headerBytes, FIXED_BYTES);
	const headerCrc = checksum(headerBytes);
	if (headerCrc !== fixed.readUInt32LE(20)) {
		throw damaged('its header checksum does not match');
	}

	let header: unknown;
	try {
		header = JSON.parse(headerBytes.toString('utf8'));
	} catch {
		throw damaged('its header is not readable');
	}

	const sections = (header as {sections?: unknown} | null)?.sections;
	if (!Array.isArray(sections)) {
		throw damaged('its section table is malformed');
	}

	const entries = new Map<string, SectionEntry>();
	for (const section of sections as SectionEntry[]) {
		if (typeof section !== 'object' || section === null || typeof section.name !== 'string'
			|| !isCount(section.offset) || !isCount(section.bytes) || !isCount(section.crc)) {
			throw damaged('its section table is malformed');
		}

		const kind = known.get(section.name);
		if (kind === undefined || entries.has(section.name)) {
			throw damaged(`unknown or repeated section ${JSON.stringify(section.name).slice(0, 40)}`);
		}

		if (section.offset < FIXED_BYTES + headerLength || section.offset + section.bytes > fileBytes
			|| section.bytes % elementBytes(kind) !== 0 || section.offset % 8 !== 0) {
			throw damaged(`section ${section.name} lies outside the file`);
		}

		entries.set(section.name, section);
	}

	return {header, headerLength, headerCrc, fileBytes, entries};
}

/** One section's array, its checksum checked. */
export function readSection(fd: number, entry: SectionEntry, kind: ArrayKind, onRead?: (bytes: number) => void): AnyArray {
	const length = entry.bytes / elementBytes(kind);
	const array = kind === 'f64' ? new Float64Array(length) : (kind === 'u32' ? new Uint32Array(length) : new Uint8Array(length));
	const bytes = bytesOf(array);
	readFully(fd, bytes, entry.offset, onRead);
	if (checksum(bytes) !== entry.crc) {
		throw damaged(`section ${entry.name} fails its checksum`);
	}

	return array;
}

/**
 * Read the index at `path` for the dump `identity` names. Throws
 * IndexProblem when it cannot be used (and the file system's errors, such
 * as ENOENT, as they come).
 */
export function readIndexFile(path: string, identity: DumpIdentity, onRead?: (bytesRead: number, bytesTotal: number) => void): IndexRead {
	if (endianness() !== 'LE') {
		throw new IndexProblem('index files are little-endian', 'version');
	}

	const fd = openIndex(path);
	let kept = false;
	try {
		const stat = fstatSync(fd);
		if (!stat.isFile()) {
			throw new IndexProblem('not a regular file', 'foreign');
		}

		const kinds = new Map<string, ArrayKind>(SECTIONS);
		const opened = openSections(fd, INDEX_MAGIC, INDEX_VERSION, kinds);
		const {fileBytes, headerLength, entries} = opened;
		const header = checkHeader(opened.header);
		if (header.fileBytes !== fileBytes) {
			throw damaged(`it is ${fileBytes} bytes where its header says ${header.fileBytes} (truncated or extended)`);
		}

		if (!sameIdentity(header.identity, identity)) {
			throw new IndexProblem('the dump changed since it was indexed', 'stale');
		}

		for (const [name] of SECTIONS) {
			if (!OPTIONAL.has(name) && !entries.has(name)) {
				throw damaged(`section ${name} is missing`);
			}
		}

		if (entries.has('firstParent') !== entries.has('parentSources')) {
			throw damaged('it has half of the parents');
		}

		const n = header.objectCount;
		const count = (name: SectionName): number => (entries.get(name)?.bytes ?? 0) / elementBytes(kinds.get(name)!);
		// Every column's length, known from the section table before any is read.
		const lengths: ColumnLengths = {
			objects: n,
			types: header.typeNames.length,
			edges: count('childTargets'),
			unresolved: count('unresolvedAddress'),
			valueBytes: count('valueBytes'),
			parentEdges: count('parentSources'),
			unresolvedReferences: header.unresolvedReferenceCount,
		};
		for (const [name, length] of [
			['objectAddress', n], ['objectType', n], ['objectSize', n], ['objectLength', n], ['objectFlags', n],
			['valueOffset', n + 1], ['firstChild', n + 1], ['firstParent', n + 1],
		] as const) {
			if (entries.has(name) && count(name) !== length) {
				throw damaged(`${name} has ${count(name)} entries where ${length} are expected`);
			}
		}

		if (lengths.unresolvedReferences > lengths.edges) {
			throw damaged('it counts more unresolved references than references');
		}

		let bytesRead = FIXED_BYTES + headerLength;
		const columns = {} as Record<SectionName, AnyArray | undefined>;
		for (const [name, kind] of SECTIONS) {
			const entry = entries.get(name);
			if (entry === undefined || LAZY.has(name)) {
				continue;
			}

			const array = readSection(fd, entry, kind, got => {
				bytesRead += got;
				onRead?.(bytesRead, fileBytes);
			});
			columns[name] = array;
		}

		checkSmallSections(columns, n, header.typeNames.length);
		const source = new IndexColumnSource(path, fd, stat, entries, kinds, lengths);
		kept = true;
		const store = new GraphStore({
			objectCount: n,
			typeNames: header.typeNames,
			unresolvedReferenceCount: header.unresolvedReferenceCount,
			source,
		});
		setSlotNames(store, new Map(header.slotNames));
		if (columns.valuesOnlyOwners !== undefined) {
			markValuesOnlyOwners(store, columns.valuesOnlyOwners as Uint32Array);
		}

		if (columns.foldedAddress !== undefined) {
			recordFoldedObjects(store, {address: columns.foldedAddress as Float64Array, keptBefore: columns.foldedKeptBefore as Uint32Array});
		}

		if (header.traverseOrder !== undefined) {
			recordTraverseOrder(store, header.traverseOrder);
		}

		if (columns.typeRank !== undefined) {
			recordMeliaeTypeRank(store, columns.typeRank as Uint32Array);
		}

		recordTypeTotals(store, columns.typeTotals as Float64Array);

		if (columns.foldedDictOwner !== undefined) {
			recordFoldedDicts(store, {
				owner: columns.foldedDictOwner as Uint32Array,
				size: columns.foldedDictSize as Float64Array,
				length: columns.foldedDictLength as Uint32Array,
			});
		}

		const {facts} = header;
		return {
			store,
			problems: {...facts.problems, gzipDamage: facts.problems.gzipDamage ?? undefined},
			lines: facts.lines,
			textBytes: facts.textBytes,
			compressed: facts.compressed,
			bytes: fileBytes,
			binding: {indexBytes: fileBytes, headerCrc: opened.headerCrc},
		};
	} finally {
		if (!kept) {
			closeSync(fd);
		}
	}
}
