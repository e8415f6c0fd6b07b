/**
 * Byte sources for the loader: a plain file read straight into block
 * buffers, or any stream (gzip, stdin) gathered into blocks. Compression is
 * detected from the magic bytes, not the name; gunzip runs on libuv's thread
 * pool, beside the parser.
 */

import {open, stat} from 'node:fs/promises';
import type {Readable} from 'node:stream';
import {BufferRecycler} from '../util/recycler.js';
import {type CutReport, LongLineCutter} from './long-line.js';
import {gunzipMembers} from './gunzip.js';

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

/**
 * A block of whole lines: bytes [0, end) of `bytes` end at a line boundary
 * (or the end of input). `cut`: the block is one over-long line whose
 * strings were cut.
 */
export type Block = {bytes: Uint8Array; end: number; cut?: CutReport};

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
	/** Set when a gzip stream ended early or was damaged; what came before it was delivered. */
	truncated: boolean;
	/** What was wrong with the gzip data, when `truncated`. */
	damage: string | undefined;
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
	if ((c === 0x7b || c === 0x5b) && !looksBinary(bytes)) {
		return undefined;
	}

	const head = [...bytes.subarray(i, i + 4)].map(b => b.toString(16).padStart(2, '0')).join(' ');
	const known = knownFormat(bytes.subarray(i));
	if (known === undefined && (c === 0x7b || c === 0x5b)) {
		return `not a meliae dump: binary data (first bytes ${head})`;
	}

	return known === undefined
		? `not a meliae dump: it does not start with "{" or "[" (first bytes ${head}); expected one JSON object per line`
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

/**
 * The uncompressed size a gzip file's trailer records (ISIZE: the last
 * member's size modulo 2^32), lifted by multiples of 2^32 to at least twice
 * the compressed size (dumps compress 5 to 10 times). A hint only, and a
 * trailer can lie: it is capped by what the compressed size can plausibly
 * hold (dumps compress far less than MAX_PLAUSIBLE_RATIO), and everything
 * sized from it grows when it proves too small.
 */
const MAX_PLAUSIBLE_RATIO = 20;

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

	return Math.min(isize, size * MAX_PLAUSIBLE_RATIO);
}

/** Reads up to `length` bytes into `buffer` at `offset`; 0 at the end of input. */
type Fill = (buffer: Uint8Array, offset: number, length: number) => Promise<number>;

const BOM_0 = 0xef;
const BOM_1 = 0xbb;
const BOM_2 = 0xbf;
const CR = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Rewrites bytes in place, as they arrive, into one object per line, for
 * the two other layouts a dump can come in: CR-only line ends (CR becomes
 * LF; a raw CR never appears inside a JSON string), and one JSON array of
 * objects on one line (the array's brackets become spaces and the commas
 * between its objects line ends; strings and nesting are followed).
 */
class LayoutFixer {
	private depth = 0;
	private inString = false;
	private escaped = false;
	private opened = false;

	constructor(readonly mode: 'cr' | 'array') {}

	apply(bytes: Uint8Array, from: number, to: number): void {
		if (this.mode === 'cr') {
			for (let i = bytes.indexOf(CR, from); i >= 0 && i < to; i = bytes.indexOf(CR, i + 1)) {
				bytes[i] = LF;
			}

			return;
		}

		for (let i = from; i < to; i++) {
			const c = bytes[i]!;
			if (this.inString) {
				if (this.escaped) {
					this.escaped = false;
				} else if (c === BACKSLASH) {
					this.escaped = true;
				} else if (c === QUOTE) {
					this.inString = false;
				}

				continue;
			}

			if (c === QUOTE) {
				this.inString = true;
			} else if (c === 0x7b || (c === 0x5b && this.opened)) {
				this.depth++;
			} else if (c === 0x5b) {
				// The outer array.
				this.opened = true;
				bytes[i] = 0x20;
			} else if (c === 0x7d || c === 0x5d) {
				if (this.depth === 0) {
					bytes[i] = c === 0x5d ? LF : c;
				} else {
					this.depth--;
				}
			} else if (c === COMMA && this.depth === 0) {
				bytes[i] = LF;
			}
		}
	}
}

/** The layout the first bytes show, when it is not one object per line. */
function layoutOf(head: Uint8Array): LayoutFixer | undefined {
	let i = 0;
	while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === BOM_0 || head[i] === BOM_1 || head[i] === BOM_2)) {
		i++;
	}

	if (head[i] === 0x5b) {
		// "[" then "{" on the same line: one array on one line.
		let j = i + 1;
		while (j < head.length && (head[j] === 0x20 || head[j] === 0x09)) {
			j++;
		}

		if (head[j] === 0x7b) {
			return new LayoutFixer('array');
		}
	}

	const cr = head.indexOf(CR);
	const lf = head.indexOf(LF);
	if (cr >= 0 && (lf < 0 || cr < lf) && head[cr + 1] !== LF && cr + 1 < head.length) {
		return new LayoutFixer('cr');
	}

	return undefined;
}

/** Whether the bytes hold more control characters than a damaged byte or two explains (dump text has none but tab and line ends). */
function looksBinary(bytes: Uint8Array): boolean {
	let controls = 0;
	for (const c of bytes) {
		if (c < 0x20 && c !== 0x09 && c !== LF && c !== CR) {
			controls++;
		}
	}

	// A flipped byte or two is damage, not another format.
	return controls > 4 && controls * 50 > bytes.length;
}

/**
 * Cuts the input into blocks of whole lines. Lines longer than a block go
 * through a LongLineCutter and come out alone in a block of their own, cut
 * (see long-line.ts). `fill` reads the next bytes.
 */
async function * blocksFrom(
	fill: Fill,
	blockSize: number,
	recycler: BufferRecycler,
	check: (head: Uint8Array) => void,
): AsyncGenerator<Block> {
	let carry: Uint8Array | undefined;
	let first = true;
	let fixer: LayoutFixer | undefined;
	let scratch: Uint8Array | undefined;
	for (;;) {
		const carried = carry?.length ?? 0;
		const buffer = new Uint8Array(recycler.take(Math.max(blockSize, carried + 4096)));
		const capacity = buffer.length;
		if (carry !== undefined) {
			buffer.set(carry);
		}

		let filled = carried;
		let eof = false;
		while (filled < capacity) {
			const count = await fill(buffer, filled, capacity - filled);
			if (count === 0) {
				eof = true;
				break;
			}

			if (first) {
				first = false;
				check(buffer.subarray(0, Math.min(count, 4096)));
				if (buffer[0] === BOM_0 && buffer[1] === BOM_1 && buffer[2] === BOM_2) {
					buffer.fill(0x20, 0, 3);
				}

				fixer = layoutOf(buffer.subarray(0, Math.min(count, 65_536)));
			}

			fixer?.apply(buffer, filled, filled + count);
			filled += count;
		}

		if (eof) {
			if (filled > 0) {
				yield {bytes: buffer, end: filled};
			}

			return;
		}

		const cut = buffer.lastIndexOf(LF, filled - 1);
		if (cut >= 0) {
			carry = cut + 1 < filled ? buffer.slice(cut + 1, filled) : undefined;
			yield {bytes: buffer, end: cut + 1};
			continue;
		}

		// A full block without a line end: one line longer than a block
		// (carry always starts at a line start). Stream the rest of it.
		const cutter = new LongLineCutter();
		cutter.push(buffer, 0, filled);
		recycler.give(buffer.buffer);
		scratch ??= new Uint8Array(1024 * 1024);
		carry = undefined;
		for (;;) {
			const count = await fill(scratch, 0, scratch.length);
			if (count === 0) {
				eof = true;
				break;
			}

			fixer?.apply(scratch, 0, count);
			const end = scratch.indexOf(LF);
			if (end < 0 || end >= count) {
				cutter.push(scratch, 0, count);
				continue;
			}

			cutter.push(scratch, 0, end);
			carry = end + 1 < count ? scratch.slice(end + 1, count) : undefined;
			break;
		}

		const line = cutter.finish();
		const block = new Uint8Array(recycler.take(line.length + 1));
		block.set(line);
		block[line.length] = LF;
		yield {bytes: block, end: line.length + 1, cut: cutter.strings > 0 ? {strings: cutter.strings, longest: cutter.longest} : undefined};
		if (eof) {
			return;
		}
	}
}

/**
 * Open a dump: a path, or "-" for `stdin`. Throws DumpError for anything
 * that is not a readable dump (missing, a directory, empty, binary...).
 * Named pipes and character devices are read as streams, like standard
 * input.
 */
export async function openDump(
	file: string,
	options: {stdin?: Readable; blockSize?: number; recycler?: BufferRecycler} = {},
): Promise<DumpSource> {
	const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
	const recycler = options.recycler ?? new BufferRecycler();
	if (file === '-') {
		const stdin = options.stdin ?? process.stdin;
		return openStream('standard input', stdin, undefined, undefined, blockSize, recycler, async () => {
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

	if (!info.isFile()) {
		// A named pipe, a character device, a socket: no seeking, no size.
		let stream: Readable;
		try {
			const handle = await open(file, 'r');
			stream = handle.createReadStream({highWaterMark: 1024 * 1024, autoClose: true});
		} catch (error) {
			throw new DumpError(file, systemReason(error));
		}

		return openStream(file, stream, undefined, undefined, blockSize, recycler, async () => {
			stream.destroy();
		});
	}

	if (info.size === 0) {
		throw new DumpError(file, 'is empty (0 bytes): not a meliae dump');
	}

	let handle;
	try {
		handle = await open(file, 'r');
	} catch (error) {
		throw new DumpError(file, systemReason(error));
	}

	const head = new Uint8Array(2);
	try {
		await handle.read(head, 0, 2, 0);
	} catch (error) {
		await handle.close();
		throw new DumpError(file, systemReason(error));
	}

	const size = info.size;
	if (head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
		const hint = await gzipSizeHint(handle, size);
		const stream = handle.createReadStream({start: 0, highWaterMark: 1024 * 1024, autoClose: true});
		return openStream(file, stream, size, hint, blockSize, recycler, async () => {
			stream.destroy();
		});
	}

	return openPlainFile(file, handle, size, blockSize, recycler);
}

function checkStart(file: string, suffix = ''): (head: Uint8Array) => void {
	return head => {
		const problem = describeStart(head);
		if (problem !== undefined) {
			throw new DumpError(file, `${problem}${suffix}`);
		}
	};
}

function openPlainFile(
	file: string,
	handle: Awaited<ReturnType<typeof open>>,
	size: number,
	blockSize: number,
	recycler: BufferRecycler,
): DumpSource {
	let position = 0;
	const fill: Fill = async (buffer, offset, length) => {
		let bytesRead: number;
		try {
			({bytesRead} = await handle.read(buffer, offset, length, position));
		} catch (error) {
			throw new DumpError(file, systemReason(error));
		}

		position += bytesRead;
		source.bytesRead = position;
		return bytesRead;
	};

	const source: DumpSource = {
		compressed: false,
		bytesTotal: size,
		textBytesHint: size,
		truncated: false,
		damage: undefined,
		bytesRead: 0,
		blocks: () => blocksFrom(fill, blockSize, recycler, checkStart(file)),
		async close() {
			await handle.close();
		},
	};
	return source;
}

/** Hands out a stream's pieces to `fill` calls of any size. */
function pieceFill(pieces: AsyncIterator<Uint8Array>): Fill {
	let piece: Uint8Array | undefined;
	let at = 0;
	return async (buffer, offset, length) => {
		while (piece === undefined || at >= piece.length) {
			const next = await pieces.next();
			if (next.done) {
				return 0;
			}

			piece = next.value;
			at = 0;
		}

		const count = Math.min(length, piece.length - at);
		buffer.set(piece.subarray(at, at + count), offset);
		at += count;
		return count;
	};
}

function openStream(
	file: string,
	stream: Readable,
	size: number | undefined,
	hint: number | undefined,
	blockSize: number,
	recycler: BufferRecycler,
	close: () => Promise<void>,
): DumpSource {
	const source: DumpSource = {
		compressed: false,
		bytesTotal: size,
		textBytesHint: hint,
		truncated: false,
		damage: undefined,
		bytesRead: 0,
		async * blocks() {
			const iterator = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
			const counted: AsyncIterator<Uint8Array> = {
				async next() {
					let next: IteratorResult<Uint8Array>;
					try {
						next = await iterator.next();
					} catch (error) {
						throw new DumpError(file, systemReason(error));
					}

					if (!next.done) {
						source.bytesRead += next.value.length;
					}

					return next;
				},
				async return() {
					return (await iterator.return?.()) ?? {done: true, value: undefined};
				},
			};
			const first = await counted.next();
			if (first.done || first.value.length === 0) {
				throw new DumpError(file, 'is empty: not a meliae dump');
			}

			let pending: Uint8Array | undefined = first.value;
			const replay: AsyncIterator<Uint8Array> = {
				async next() {
					if (pending !== undefined) {
						const value = pending;
						pending = undefined;
						return {done: false, value};
					}

					return counted.next();
				},
				return: async () => counted.return!(),
			};
			const gzip = first.value[0] === GZIP_MAGIC_0 && first.value[1] === GZIP_MAGIC_1;
			(source as {compressed: boolean}).compressed = gzip;
			if (!gzip) {
				if (source.textBytesHint === undefined && size !== undefined) {
					source.textBytesHint = size;
				}

				yield * blocksFrom(pieceFill(replay), blockSize, recycler, checkStart(file));
				return;
			}

			let delivered = 0;
			const inflated = gunzipMembers(replay, ({reason}) => {
				if (delivered === 0) {
					throw new DumpError(file, `${reason}, before any dump line`);
				}

				source.truncated = true;
				source.damage = reason;
			});
			const counting = (async function * () {
				for await (const piece of inflated) {
					delivered += piece.length;
					yield piece;
				}

				if (delivered === 0) {
					throw new DumpError(file, 'is empty after gunzip: not a meliae dump');
				}
			})();
			try {
				yield * blocksFrom(pieceFill(counting), blockSize, recycler, checkStart(file, ' (after gunzip)'));
			} finally {
				await counting.return(undefined);
			}
		},
		close,
	};
	return source;
}
