/**
 * Byte sources for the loader: a plain file read straight into block
 * buffers, or any stream (gzip, stdin) gathered into blocks. Compression is
 * detected from the magic bytes, not the name; gunzip runs on libuv's thread
 * pool, beside the parser.
 */

import {createReadStream, type ReadStream} from 'node:fs';
import {open, stat} from 'node:fs/promises';
import type {Readable} from 'node:stream';
import {createGunzip} from 'node:zlib';
import {BufferRecycler} from '../util/recycler.js';

export class DumpError extends Error {
	constructor(
		readonly file: string,
		readonly reason: string,
		readonly line?: number,
	) {
		super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
		this.name = 'DumpError';
	}
}

/** A block of whole lines: bytes [0, end) of `bytes` end at a line boundary (or the end of input). */
export type Block = {bytes: Uint8Array; end: number};

export type ReadProgress = {
	/** Bytes consumed from the file (compressed bytes for gzip). */
	bytesRead: number;
	/** The file's size, when known. */
	bytesTotal: number | undefined;
};

export type DumpSource = {
	readonly compressed: boolean;
	readonly bytesTotal: number | undefined;
	/** The dump text's size when known or guessed (from a gzip trailer), to size the store. */
	textBytesHint: number | undefined;
	/** Set when a gzip stream ended early; what came before it was delivered. */
	truncated: boolean;
	bytesRead: number;
	blocks(): AsyncGenerator<Block>;
	close(): Promise<void>;
};

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const LF = 0x0a;
export const DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;

function describeStart(bytes: Uint8Array): string | undefined {
	let i = 0;
	// Skip a UTF-8 byte order mark and white space.
	if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
		i = 3;
	}

	while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) {
		i++;
	}

	if (i >= bytes.length) {
		return undefined;
	}

	const c = bytes[i];
	if (c === 0x7b || c === 0x5b) {
		return undefined;
	}

	const head = [...bytes.subarray(i, i + 4)].map(b => b.toString(16).padStart(2, '0')).join(' ');
	const known = knownFormat(bytes.subarray(i));
	return known === undefined
		? `not a meliae dump: it does not start with "{" or "[" (first bytes ${head})`
		: `not a meliae dump: it looks like ${known}`;
}

function knownFormat(bytes: Uint8Array): string | undefined {
	const text = String.fromCharCode(...bytes.subarray(0, 8));
	if (text.startsWith('\x89PNG')) {
		return 'a PNG image';
	}

	if (text.startsWith('\xff\xd8\xff')) {
		return 'a JPEG image';
	}

	if (text.startsWith('GIF8')) {
		return 'a GIF image';
	}

	if (text.startsWith('%PDF')) {
		return 'a PDF document';
	}

	if (text.startsWith('PK\x03\x04')) {
		return 'a zip archive';
	}

	if (text.startsWith('\x7fELF')) {
		return 'an executable (ELF)';
	}

	if (text.startsWith('BZh')) {
		return 'a bzip2 file (decompress it first, or pipe it: bzcat FILE | meliae-tui summarize -)';
	}

	if (text.startsWith('\xfd7zXZ')) {
		return 'an xz file (decompress it first, or pipe it: xzcat FILE | meliae-tui summarize -)';
	}

	if (text.startsWith('\x28\xb5\x2f\xfd')) {
		return 'a zstd file (decompress it first, or pipe it: zstdcat FILE | meliae-tui summarize -)';
	}

	return undefined;
}

function systemReason(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	switch (code) {
		case 'ENOENT': { return 'no such file'; }
		case 'EACCES':
		case 'EPERM': { return 'permission denied'; }
		case 'EISDIR': { return 'is a directory, not a dump file'; }
		case 'ELOOP': { return 'too many levels of symbolic links'; }
		case 'ENAMETOOLONG': { return 'file name too long'; }
		case 'EMFILE':
		case 'ENFILE': { return 'too many open files'; }
		case 'EIO': { return 'input/output error while reading'; }
		default: { return error instanceof Error ? error.message : String(error); }
	}
}

function concatPieces(pieces: readonly Uint8Array[], total: number, recycler: BufferRecycler): Uint8Array {
	const joined = new Uint8Array(recycler.take(total), 0, total);
	let offset = 0;
	for (const piece of pieces) {
		joined.set(piece, offset);
		offset += piece.length;
	}

	return joined;
}

/** Splits a stream of arbitrary byte pieces into blocks of whole lines. */
/**
 * The uncompressed size a gzip file's trailer records (ISIZE: the last
 * member's size modulo 2^32), lifted by multiples of 2^32 to at least twice
 * the compressed size (dumps compress 5 to 10 times). A hint only.
 */
async function gzipSizeHint(handle: Awaited<ReturnType<typeof open>>, size: number): Promise<number | undefined> {
	if (size < 18) {
		return undefined;
	}

	const trailer = new Uint8Array(4);
	try {
		await handle.read(trailer, 0, 4, size - 4);
	} catch {
		return undefined;
	}

	let isize = (trailer[0]! | (trailer[1]! << 8) | (trailer[2]! << 16) | (trailer[3]! << 24)) >>> 0;
	while (isize < size * 2) {
		isize += 2 ** 32;
	}

	return isize;
}

async function * linesFromPieces(pieces: AsyncIterable<Uint8Array>, blockSize: number, recycler: BufferRecycler): AsyncGenerator<Block> {
	let pending: Uint8Array[] = [];
	let pendingBytes = 0;
	const flush = (all: boolean): Block | undefined => {
		if (pendingBytes === 0) {
			return undefined;
		}

		// Always a buffer of our own: blocks may be transferred to worker
		// threads, which detaches them, and stream pieces belong to the stream.
		const joined = concatPieces(pending, pendingBytes, recycler);
		pending = [];
		pendingBytes = 0;
		if (all) {
			return {bytes: joined, end: joined.length};
		}

		const cut = joined.lastIndexOf(LF);
		if (cut < 0) {
			pending = [joined];
			pendingBytes = joined.length;
			return undefined;
		}

		if (cut + 1 < joined.length) {
			const tail = joined.slice(cut + 1);
			// (Uint8Array.prototype.slice copies; the block goes its own way.)
			pending = [tail];
			pendingBytes = tail.length;
		}

		return {bytes: joined, end: cut + 1};
	};

	for await (const piece of pieces) {
		pending.push(piece);
		pendingBytes += piece.length;
		if (pendingBytes >= blockSize) {
			const block = flush(false);
			if (block !== undefined) {
				yield block;
			}
		}
	}

	const last = flush(true);
	if (last !== undefined) {
		yield last;
	}
}

/**
 * Open a dump: a path, or "-" for `stdin`. Throws DumpError for anything
 * that is not a readable dump (missing, a directory, empty, binary...).
 */
export async function openDump(
	file: string,
	options: {stdin?: Readable; blockSize?: number; recycler?: BufferRecycler} = {},
): Promise<DumpSource> {
	const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
	const recycler = options.recycler ?? new BufferRecycler();
	if (file === '-') {
		const stdin = options.stdin ?? process.stdin;
		return openStream('standard input', stdin, undefined, blockSize, false, recycler, async () => {
			// Standard input stays open for the caller.
		});
	}

	let info;
	try {
		info = await stat(file);
	} catch (error) {
		throw new DumpError(file, systemReason(error));
	}

	if (info.isDirectory()) {
		throw new DumpError(file, 'is a directory, not a dump file');
	}

	if (info.isFile() && info.size === 0) {
		throw new DumpError(file, 'is empty (0 bytes): not a meliae dump');
	}

	let handle;
	try {
		handle = await open(file, 'r');
	} catch (error) {
		throw new DumpError(file, systemReason(error));
	}

	const head = new Uint8Array(4096);
	let headLength: number;
	try {
		({bytesRead: headLength} = await handle.read(head, 0, head.length, 0));
	} catch (error) {
		await handle.close();
		throw new DumpError(file, systemReason(error));
	}

	if (headLength === 0) {
		await handle.close();
		throw new DumpError(file, 'is empty: not a meliae dump');
	}

	const size = info.isFile() ? info.size : undefined;
	const gzip = head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
	if (gzip || !info.isFile()) {
		const hint = gzip && size !== undefined ? await gzipSizeHint(handle, size) : undefined;
		await handle.close();
		const stream = createReadStream(file, {highWaterMark: 1024 * 1024});
		const opened = openStream(file, stream, size, blockSize, gzip, recycler, async () => {
			stream.destroy();
		});
		opened.textBytesHint = hint;
		return opened;
	}

	const problem = describeStart(head.subarray(0, headLength));
	if (problem !== undefined) {
		await handle.close();
		throw new DumpError(file, problem);
	}

	return openPlainFile(file, handle, size!, blockSize, recycler);
}

function openPlainFile(
	file: string,
	handle: Awaited<ReturnType<typeof open>>,
	size: number,
	blockSize: number,
	recycler: BufferRecycler,
): DumpSource {
	const source: DumpSource = {
		compressed: false,
		bytesTotal: size,
		textBytesHint: size,
		truncated: false,
		bytesRead: 0,
		async * blocks() {
			let carry: Uint8Array | undefined;
			let position = 0;
			for (;;) {
				const carried = carry?.length ?? 0;
				let buffer = new Uint8Array(recycler.take(Math.max(blockSize, carried * 2)));
				let capacity = buffer.length;
				if (carry !== undefined) {
					buffer.set(carry);
				}

				let filled = carried;
				let eof = false;
				// Fill the block; a block with no newline yet grows until one arrives.
				for (;;) {
					let bytesRead: number;
					try {
						({bytesRead} = await handle.read(buffer, filled, capacity - filled, position));
					} catch (error) {
						throw new DumpError(file, systemReason(error));
					}

					position += bytesRead;
					source.bytesRead = position;
					filled += bytesRead;
					if (bytesRead === 0) {
						eof = true;
						break;
					}

					if (filled < capacity) {
						continue;
					}

					if (buffer.lastIndexOf(LF, filled - 1) >= 0) {
						break;
					}

					const bigger = new Uint8Array(recycler.take(capacity * 2));
					bigger.set(buffer.subarray(0, filled));
					recycler.give(buffer.buffer);
					buffer = bigger;
					capacity = buffer.length;
				}

				if (eof) {
					if (filled > 0) {
						yield {bytes: buffer, end: filled};
					}

					return;
				}

				const cut = buffer.lastIndexOf(LF, filled - 1);
				carry = cut + 1 < filled ? buffer.slice(cut + 1, filled) : undefined;
				yield {bytes: buffer, end: cut + 1};
			}
		},
		async close() {
			await handle.close();
		},
	};
	return source;
}

function openStream(
	file: string,
	stream: Readable | ReadStream,
	size: number | undefined,
	blockSize: number,
	compressed: boolean,
	recycler: BufferRecycler,
	close: () => Promise<void>,
): DumpSource {
	const source: DumpSource = {
		compressed,
		bytesTotal: size,
		textBytesHint: compressed ? undefined : size,
		truncated: false,
		bytesRead: 0,
		async * blocks() {
			const iterator = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
			let first: IteratorResult<Uint8Array>;
			try {
				first = await iterator.next();
			} catch (error) {
				throw new DumpError(file, systemReason(error));
			}

			if (first.done || first.value.length === 0) {
				throw new DumpError(file, 'is empty: not a meliae dump');
			}

			source.bytesRead += first.value.length;
			const gzip = first.value[0] === GZIP_MAGIC_0 && first.value[1] === GZIP_MAGIC_1;
			(source as {compressed: boolean}).compressed = gzip;
			const raw = async function * () {
				yield first.value;
				for (;;) {
					let next: IteratorResult<Uint8Array>;
					try {
						next = await iterator.next();
					} catch (error) {
						throw new DumpError(file, systemReason(error));
					}

					if (next.done) {
						return;
					}

					source.bytesRead += next.value.length;
					yield next.value;
				}
			};

			if (!gzip) {
				const problem = describeStart(first.value.subarray(0, 4096));
				if (problem !== undefined) {
					throw new DumpError(file, problem);
				}

				yield * linesFromPieces(raw(), blockSize, recycler);
				return;
			}

			const gunzip = createGunzip({chunkSize: 1024 * 1024});
			const feed = (async () => {
				try {
					for await (const piece of raw()) {
						if (!gunzip.write(piece)) {
							await new Promise<void>(resolve => {
								gunzip.once('drain', resolve);
							});
						}
					}

					gunzip.end();
				} catch (error) {
					gunzip.destroy(error as Error);
				}
			})();
			let checkedStart = false;
			const inflated = async function * () {
				try {
					for await (const piece of gunzip as AsyncIterable<Uint8Array>) {
						if (!checkedStart) {
							checkedStart = true;
							const problem = describeStart(piece.subarray(0, 4096));
							if (problem !== undefined) {
								throw new DumpError(file, `${problem} (after gunzip)`);
							}
						}

						yield piece;
					}
				} catch (error) {
					if (error instanceof DumpError) {
						throw error;
					}

					const code = (error as NodeJS.ErrnoException).code;
					if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
						// A truncated or corrupt gzip: keep what was decompressed.
						if (!checkedStart) {
							throw new DumpError(file, `gzip data is damaged before any dump line (${(error as Error).message})`);
						}

						source.truncated = true;
						return;
					}

					throw new DumpError(file, systemReason(error));
				}

				if (!checkedStart) {
					throw new DumpError(file, 'is empty after gunzip: not a meliae dump');
				}
			};

			try {
				yield * linesFromPieces(inflated(), blockSize, recycler);
			} finally {
				gunzip.destroy();
				await feed;
			}
		},
		close,
	};
	return source;
}
