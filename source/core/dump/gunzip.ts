/**
 * gzip, member by member: the header and trailer are read here, the deflate
 * data inflated by zlib (raw inflate, on libuv's thread pool). Doing the
 * framing here, rather than with zlib's gunzip stream, keeps everything
 * inflated before a problem: zlib's stream drops the output of the write
 * in which it meets bytes after the last member, or a trailer that does not
 * match, and a dump's last lines would be lost with them.
 *
 * - Concatenated members are one stream, as gzip reads them.
 * - Zero bytes after the last member are padding, as in gzip.
 * - Anything else after the last member, a trailer whose CRC or length
 *   does not match, damaged deflate data or an early end: `onDamage` is
 *   called with the reason and iteration ends after what came before.
 * - No wait depends on an event that may never come: each ends when the
 *   inflater ends, fails or closes.
 */

import {crc32, createInflateRaw} from 'node:zlib';

const ID1 = 0x1f;
const ID2 = 0x8b;
const DEFLATE = 8;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
/** Inflated bytes held before the inflater is paused. */
const MAX_QUEUED = 8 * 1024 * 1024;

export type GzipDamage = {reason: string; error?: unknown};

/** The header's length; 'more' when it is incomplete; 'bad' when these are not gzip header bytes. */
function headerLength(bytes: Uint8Array): number | 'more' | 'bad' {
	if (bytes.length < 10) {
		return bytes.length >= 1 && bytes[0] !== ID1 || bytes.length >= 2 && bytes[1] !== ID2 ? 'bad' : 'more';
	}

	if (bytes[0] !== ID1 || bytes[1] !== ID2 || bytes[2] !== DEFLATE || (bytes[3]! & 0xe0) !== 0) {
		return 'bad';
	}

	const flags = bytes[3]!;
	let p = 10;
	if ((flags & FEXTRA) !== 0) {
		if (bytes.length < p + 2) {
			return 'more';
		}

		p += 2 + (bytes[p]! | (bytes[p + 1]! << 8));
	}

	for (const flag of [FNAME, FCOMMENT]) {
		if ((flags & flag) !== 0) {
			const end = bytes.indexOf(0, p);
			if (end < 0) {
				// A name longer than any file name is not a header.
				return bytes.length - p > 65_536 ? 'bad' : 'more';
			}

			p = end + 1;
		}
	}

	if ((flags & FHCRC) !== 0) {
		p += 2;
	}

	return bytes.length < p ? 'more' : p;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
	if (a.length === 0) {
		return b;
	}

	const joined = new Uint8Array(a.length + b.length);
	joined.set(a);
	joined.set(b, a.length);
	return joined;
}

const allZero = (bytes: Uint8Array): boolean => bytes.every(b => b === 0);

export async function * gunzipMembers(raw: AsyncIterator<Uint8Array>, onDamage: (damage: GzipDamage) => void): AsyncGenerator<Uint8Array> {
	let input: Uint8Array = new Uint8Array(0);
	let eof = false;
	const more = async (): Promise<boolean> => {
		if (eof) {
			return false;
		}

		const next = await raw.next();
		if (next.done) {
			eof = true;
			return false;
		}

		input = concat(input, next.value);
		return true;
	};

	for (let member = 0; ; member++) {
		if (member > 0) {
			// After a member: the end, another member, zero padding, or junk.
			if (input.length === 0 && !await more()) {
				return;
			}

			if (input[0] === 0) {
				while (allZero(input) && await more()) {
					input = input.subarray(input.length - 1);
				}

				if (allZero(input)) {
					return;
				}

				onDamage({reason: 'bytes that are not gzip data follow the gzip stream; they were ignored'});
				return;
			}
		}

		let header = headerLength(input);
		while (header === 'more' && await more()) {
			header = headerLength(input);
		}

		if (header === 'more') {
			onDamage({reason: 'the gzip data ends early (truncated file?)'});
			return;
		}

		if (header === 'bad') {
			onDamage({reason: member === 0 ? 'not gzip data' : 'bytes that are not gzip data follow the gzip stream; they were ignored'});
			return;
		}

		input = input.subarray(header);
		const body = yield * inflateMember(input, raw, () => {
			eof = true;
		});
		if (body.failure !== undefined) {
			const message = body.failure instanceof Error ? body.failure.message : String(body.failure);
			onDamage(/unexpected end/.test(message)
				? {reason: 'the gzip data ends early (truncated file?)', error: body.failure}
				: {reason: `the gzip data is damaged (${message})`, error: body.failure});
			return;
		}

		input = body.rest;
		eof ||= body.eof;
		while (input.length < 8 && await more()) {
			// The trailer: CRC-32 and length of this member.
		}

		if (input.length < 8) {
			onDamage({reason: 'the gzip data ends early (truncated file?)'});
			return;
		}

		const view = new DataView(input.buffer, input.byteOffset, 8);
		if (view.getUint32(0, true) !== body.crc || view.getUint32(4, true) !== body.size % 2 ** 32) {
			onDamage({reason: 'the gzip checksum or length does not match: the data is damaged'});
			return;
		}

		input = input.subarray(8);
	}
}

type MemberEnd = {failure: unknown; rest: Uint8Array; eof: boolean; crc: number; size: number};

/**
 * Inflate one member's deflate data, starting with `first` and continuing
 * with `raw`; returns the bytes after it (unconsumed input).
 */
async function * inflateMember(first: Uint8Array, raw: AsyncIterator<Uint8Array>, onEof: () => void): AsyncGenerator<Uint8Array, MemberEnd> {
	const inflater = createInflateRaw({chunkSize: 1024 * 1024});
	const queue: Uint8Array[] = [];
	let queued = 0;
	let crc = 0;
	let size = 0;
	let failure: unknown;
	let finished = false;
	let wake: (() => void) | undefined;
	const poke = (): void => {
		const resume = wake;
		wake = undefined;
		resume?.();
	};

	const done = new Promise<void>(resolve => {
		const finish = (): void => {
			finished = true;
			poke();
			resolve();
		};

		inflater.once('end', finish);
		inflater.once('close', finish);
		inflater.once('error', error => {
			failure ??= error;
			finish();
		});
	});
	inflater.on('data', (piece: Uint8Array) => {
		crc = crc32(piece, crc);
		size += piece.length;
		queue.push(piece);
		queued += piece.length;
		if (queued >= MAX_QUEUED) {
			inflater.pause();
		}

		poke();
	});
	// Input written, with its offset, until the inflater has consumed it.
	const fed: Array<{start: number; bytes: Uint8Array}> = [];
	let fedBytes = 0;
	let eof = false;
	const prune = (): void => {
		while (fed.length > 0 && fed[0]!.start + fed[0]!.bytes.length <= inflater.bytesWritten && !finished) {
			fed.shift();
		}
	};

	const feed = (async () => {
		let next: Uint8Array | undefined = first;
		while (!finished) {
			if (next === undefined) {
				const piece = await raw.next();
				if (piece.done) {
					eof = true;
					onEof();
					if (!finished) {
						inflater.end();
					}

					return;
				}

				next = piece.value;
			}

			fed.push({start: fedBytes, bytes: next});
			fedBytes += next.length;
			if (finished) {
				return;
			}

			const ok = inflater.write(next, prune);
			next = undefined;
			if (!ok) {
				await Promise.race([
					new Promise<void>(resolve => {
						inflater.once('drain', resolve);
					}),
					done,
				]);
			}
		}
	})().catch((error: unknown) => {
		failure ??= error;
		inflater.destroy();
	});
	try {
		for (;;) {
			const piece = queue.shift();
			if (piece !== undefined) {
				queued -= piece.length;
				if (queued < MAX_QUEUED && inflater.isPaused()) {
					inflater.resume();
				}

				yield piece;
				continue;
			}

			if (finished) {
				break;
			}

			await new Promise<void>(resolve => {
				wake = resolve;
			});
		}
	} finally {
		if (!finished) {
			// Left early (the caller stopped): stop the inflater.
			inflater.destroy();
		}

		await feed;
	}

	if (failure !== undefined) {
		return {failure, rest: new Uint8Array(0), eof, crc, size};
	}

	// What the inflater did not consume follows the deflate data.
	const consumed = inflater.bytesWritten;
	let rest: Uint8Array = new Uint8Array(0);
	for (const {start, bytes} of fed) {
		const end = start + bytes.length;
		if (end > consumed) {
			rest = concat(rest, bytes.subarray(Math.max(0, consumed - start)));
		}
	}

	inflater.destroy();
	return {failure: undefined, rest, eof, crc: crc >>> 0, size};
}
