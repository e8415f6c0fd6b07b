/**
 * The byte parser: turns a block of whole dump lines into columns (one typed
 * array per field). It never builds a string per line on the fast path; only
 * type names (a few hundred distinct) become strings. Pure and synchronous,
 * so it runs the same on the main thread and in worker threads.
 */

import {
	FLAG_VALUE_IS_NAME, FLAG_VALUE_STRING, FLAG_VALUE_TOKEN, NO_LENGTH,
} from '../graph/layout.js';
import {
	decodeJsonStringBytes, encodeJsonStringBody, repairMojibake,
} from './json-string.js';
import type {BufferRecycler} from '../util/recycler.js';
import {type JsonToken, LineSyntaxError, parseJsonLine} from './general-line.js';
import {LongLineCutter, MAX_STRING_BYTES, PROBLEM_LINE_MARKER} from './long-line.js';

/** A malformed line, numbered from 1 within the block it was found in. */
export type LineProblem = {
	line: number;
	message: string;
};

export type ParsedChunk = {
	objectCount: number;
	/** Lines in the block, counting blank and skipped ones. */
	lineCount: number;
	bytes: number;
	address: Float64Array;
	/** Index into `typeNames` of this chunk. */
	typeId: Uint32Array;
	typeNames: string[];
	size: Float64Array;
	length: Uint32Array;
	flags: Uint8Array;
	/** objectCount + 1 offsets into valueBytes. */
	valueOffset: Uint32Array;
	valueBytes: Uint8Array;
	/** objectCount + 1 offsets into childAddress. */
	childOffset: Uint32Array;
	childAddress: Float64Array;
	/** The first problems (at most MAX_KEPT_PROBLEMS), then only counted. */
	problems: LineProblem[];
	problemCount: number;
	/**
	 * Pairs (object index, 1-based line) at each object that does not follow
	 * the previous object's line directly: enough to find any object's line.
	 */
	lineAnchors: number[];
	/** [address, names] of lines with a "slots" key (slow path; see graph/slot-names.ts). */
	slotNames?: Array<[number, string[]]>;
	/** Strings longer than MAX_STRING_BYTES, kept cut (see long-line.ts); 0 when none. */
	cutStrings: number;
	/** The real length of the longest cut string, and the 1-based line of the first. */
	longestCut: number;
	firstCutLine: number;
};

/** A parsed chunk without its raw child addresses (which may stay where they were parsed). */
export type ChunkHead = Omit<ParsedChunk, 'childAddress'> & {edgeCount: number};

export function splitHead(chunk: ParsedChunk): {head: ChunkHead; childAddress: Float64Array} {
	const {childAddress, ...rest} = chunk;
	return {head: {...rest, edgeCount: childAddress.length}, childAddress};
}

/** The 1-based line (within its chunk) of object `objectIndex`. */
export function chunkLineOf(chunk: Pick<ParsedChunk, 'lineAnchors'>, objectIndex: number): number {
	const anchors = chunk.lineAnchors;
	let low = 0;
	let high = (anchors.length >> 1) - 1;
	while (low < high) {
		const mid = (low + high + 1) >> 1;
		if (anchors[mid * 2]! <= objectIndex) {
			low = mid;
		} else {
			high = mid - 1;
		}
	}

	return anchors[low * 2 + 1]! + (objectIndex - anchors[low * 2]!);
}

export const MAX_KEPT_PROBLEMS = 100;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const ascii = (text: string): Uint8Array => Uint8Array.from(text, c => c.charCodeAt(0));
const ADDRESS_KEY = ascii('{"address": ');
const TYPE_KEY = ascii(', "type": "');
const SIZE_KEY = ascii(', "size": ');
const NAME_KEY = ascii(', "name": "');
const LEN_KEY = ascii(', "len": ');
const VALUE_KEY = ascii(', "value": ');
const REFS_KEY = ascii(', "refs": [');

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** Interns type names of one chunk by their raw bytes. */
class TypeTable {
	readonly names: string[] = [];
	private readonly raw: Uint8Array[] = [];
	private slots = new Int32Array(256).fill(-1);
	private slotHash = new Uint32Array(256);

	intern(bytes: Uint8Array, start: number, end: number, hash: number): number {
		let mask = this.slots.length - 1;
		let slot = hash & mask;
		for (;;) {
			const id = this.slots[slot]!;
			if (id < 0) {
				break;
			}

			if (this.slotHash[slot] === hash && this.sameBytes(this.raw[id]!, bytes, start, end)) {
				return id;
			}

			slot = (slot + 1) & mask;
		}

		const id = this.names.length;
		const raw = bytes.slice(start, end);
		this.raw.push(raw);
		this.names.push(repairMojibake(decodeJsonStringBytes(raw, 0, raw.length)));
		if ((id + 1) * 2 > this.slots.length) {
			this.rehash();
			mask = this.slots.length - 1;
			slot = hash & mask;
			while (this.slots[slot]! >= 0) {
				slot = (slot + 1) & mask;
			}
		}

		this.slots[slot] = id;
		this.slotHash[slot] = hash;
		return id;
	}

	/** Intern a decoded name (slow path). */
	internText(text: string): number {
		const body = encodeJsonStringBody(text);
		return this.intern(body, 0, body.length, hashBytes(body, 0, body.length));
	}

	private sameBytes(raw: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
		if (raw.length !== end - start) {
			return false;
		}

		for (let i = 0; i < raw.length; i++) {
			if (raw[i] !== bytes[start + i]) {
				return false;
			}
		}

		return true;
	}

	private rehash(): void {
		const oldSlots = this.slots;
		const oldHash = this.slotHash;
		this.slots = new Int32Array(oldSlots.length * 2).fill(-1);
		this.slotHash = new Uint32Array(oldSlots.length * 2);
		const mask = this.slots.length - 1;
		for (let s = 0; s < oldSlots.length; s++) {
			const id = oldSlots[s]!;
			if (id < 0) {
				continue;
			}

			let slot = oldHash[s]! & mask;
			while (this.slots[slot]! >= 0) {
				slot = (slot + 1) & mask;
			}

			this.slots[slot] = id;
			this.slotHash[slot] = oldHash[s]!;
		}
	}
}

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
	let hash = 0x81_1c_9d_c5;
	for (let i = start; i < end; i++) {
		hash = Math.imul(hash ^ bytes[i]!, 0x01_00_01_93);
	}

	return hash >>> 0;
}

export type ParseOptions = {
	/** Stop at the first malformed line (the problem is still recorded). */
	strict?: boolean;
	/** Expected number of objects, to size the columns. */
	expectedObjects?: number;
	/** Where the columns' buffers come from (recycled ones are not zeroed). */
	recycler?: BufferRecycler;
};

/**
 * The columns of one chunk. Writers fill the slot at `count` (and past
 * `valueLength` / `childLength`) and commit by advancing the counters, so a
 * line that turns out malformed is dropped by not committing it.
 */
class Columns {
	count = 0;
	capacity: number;
	address: Float64Array;
	typeId: Uint32Array;
	size: Float64Array;
	length: Uint32Array;
	flags: Uint8Array;
	valueOffset: Uint32Array;
	childOffset: Uint32Array;
	valueBytes: Uint8Array;
	valueLength = 0;
	childAddress: Float64Array;
	childLength = 0;

	constructor(capacity: number, valueCapacity: number, childCapacity: number, private readonly recycler?: BufferRecycler) {
		this.capacity = capacity;
		this.address = this.float64(capacity);
		this.typeId = this.uint32(capacity);
		this.size = this.float64(capacity);
		this.length = this.uint32(capacity);
		this.flags = this.uint8(capacity);
		this.valueOffset = this.uint32(capacity + 1);
		this.childOffset = this.uint32(capacity + 1);
		this.valueBytes = this.uint8(valueCapacity);
		this.childAddress = this.float64(childCapacity);
		this.valueOffset[0] = 0;
		this.childOffset[0] = 0;
	}

	private float64(length: number): Float64Array {
		return this.recycler === undefined ? new Float64Array(length) : new Float64Array(this.recycler.take(length * 8), 0, length);
	}

	private uint32(length: number): Uint32Array {
		return this.recycler === undefined ? new Uint32Array(length) : new Uint32Array(this.recycler.take(length * 4), 0, length);
	}

	private uint8(length: number): Uint8Array {
		return this.recycler === undefined ? new Uint8Array(length) : new Uint8Array(this.recycler.take(length), 0, length);
	}

	private grow<T extends Float64Array | Uint32Array | Uint8Array>(old: T, length: number, keep: number): T {
		const next = (old instanceof Float64Array ? this.float64(length) : (old instanceof Uint32Array ? this.uint32(length) : this.uint8(length))) as T;
		next.set(old.subarray(0, keep));
		this.recycler?.give(old.buffer);
		return next;
	}

	/** Room for one more object. */
	reserveObject(): void {
		if (this.count < this.capacity) {
			return;
		}

		const capacity = this.capacity * 2;
		const count = this.count;
		this.address = this.grow(this.address, capacity, count);
		this.typeId = this.grow(this.typeId, capacity, count);
		this.size = this.grow(this.size, capacity, count);
		this.length = this.grow(this.length, capacity, count);
		this.flags = this.grow(this.flags, capacity, count);
		this.valueOffset = this.grow(this.valueOffset, capacity + 1, count + 1);
		this.childOffset = this.grow(this.childOffset, capacity + 1, count + 1);
		this.capacity = capacity;
	}

	/** Room for `extra` more value bytes past valueLength. */
	reserveValue(extra: number): void {
		const needed = this.valueLength + extra;
		if (needed <= this.valueBytes.length) {
			return;
		}

		let capacity = this.valueBytes.length * 2;
		while (capacity < needed) {
			capacity *= 2;
		}

		this.valueBytes = this.grow(this.valueBytes, capacity, this.valueLength);
	}

	/** Room for `extra` more child addresses past childLength. */
	reserveChildren(extra: number): void {
		const needed = this.childLength + extra;
		if (needed <= this.childAddress.length) {
			return;
		}

		let capacity = this.childAddress.length * 2;
		while (capacity < needed) {
			capacity *= 2;
		}

		this.childAddress = this.grow(this.childAddress, capacity, this.childLength);
	}

	/** A bigger childAddress, keeping its first `keep` entries (those of the object being written too). */
	growChildren(keep: number): Float64Array {
		this.childAddress = this.grow(this.childAddress, this.childAddress.length * 2, keep);
		return this.childAddress;
	}

	/** Commit the object written at `count`, whose value ends at valueEnd and children at childEnd. */
	commit(valueEnd: number, childEnd: number): void {
		this.valueLength = valueEnd;
		this.childLength = childEnd;
		this.count++;
		this.valueOffset[this.count] = valueEnd;
		this.childOffset[this.count] = childEnd;
	}

	/** Take back the last object committed. */
	uncommit(): void {
		this.count--;
		this.valueLength = this.valueOffset[this.count]!;
		this.childLength = this.childOffset[this.count]!;
	}
}

/** A view of the first `length` elements: chunks are short-lived, so no copy. */
const exact = <T extends Float64Array | Uint32Array | Uint8Array>(array: T, length: number): T =>
	(array.length === length ? array : array.subarray(0, length)) as T;

/**
 * The fast path: canonical key order and meliae's spacing. Writes the
 * object at `columns.count` and commits it when the line is canonical;
 * returns the index just past the object's closing brace (where the line
 * ends: `end` or a newline), or -1 (having committed nothing) when the line
 * needs the slow path.
 *
 * `end` may be the end of the line or of the whole block: the line's end
 * is where the object closes, so the caller need not look for the newline
 * first. Nothing here reads past a newline (strings and tokens stop at
 * one), so an object is never taken across two lines.
 *
 * The digit loop is written out at each of its four uses on purpose: as a
 * helper returning its end position through shared state it made the
 * whole parse 35–45% slower (measured on the 1M benchmark dump).
 */
function parseCanonical(bytes: Uint8Array, start: number, end: number, columns: Columns, types: TypeTable): number {
	// {"address": 
	if (end - start < 40 || bytes[start + 2] !== 0x61 || !matchesAt(bytes, start, ADDRESS_KEY)) {
		return -1;
	}

	let p = start + ADDRESS_KEY.length;
	let number = 0;
	let digit = bytes[p]! - 0x30;
	if (digit < 0 || digit > 9) {
		return -1;
	}

	do {
		number = (number * 10) + digit;
		digit = bytes[++p]! - 0x30;
	} while (digit >= 0 && digit <= 9);

	const address = number;
	if (address > Number.MAX_SAFE_INTEGER) {
		// Not exact in a double: the slow path refuses the line.
		return -1;
	}

	// , "type": "
	if (bytes[p + 3] !== 0x74 || !matchesAt(bytes, p, TYPE_KEY)) {
		return -1;
	}

	p += TYPE_KEY.length;
	const typeStart = p;
	let hash = 0x81_1c_9d_c5;
	for (;;) {
		if (p >= end) {
			return -1;
		}

		const c = bytes[p]!;
		if (c === QUOTE) {
			break;
		}

		if (c === LF) {
			return -1;
		}

		if (c === BACKSLASH) {
			hash = Math.imul(hash ^ c, 0x01_00_01_93);
			p++;
			if (p >= end || bytes[p] === LF) {
				return -1;
			}
		}

		hash = Math.imul(hash ^ bytes[p]!, 0x01_00_01_93);
		p++;
	}

	const typeEnd = p;
	p++;
	// , "size": 
	if (bytes[p + 3] !== 0x73 || !matchesAt(bytes, p, SIZE_KEY)) {
		return -1;
	}

	p += SIZE_KEY.length;
	number = 0;
	digit = bytes[p]! - 0x30;
	if (digit < 0 || digit > 9) {
		return -1;
	}

	do {
		number = (number * 10) + digit;
		digit = bytes[++p]! - 0x30;
	} while (digit >= 0 && digit <= 9);

	const size = number;
	let length = NO_LENGTH;
	let flags = 0;
	const valueStart = columns.valueLength;
	let valueEnd = valueStart;

	// , "name": "...
	if (bytes[p + 3] === 0x6e) {
		if (!matchesAt(bytes, p, NAME_KEY)) {
			return -1;
		}

		p += NAME_KEY.length;
		const close = closingQuote(bytes, p, end);
		if (close < 0) {
			return -1;
		}

		columns.reserveValue(close - p);
		valueEnd = copyBytes(bytes, p, close, columns.valueBytes, valueEnd);
		p = close + 1;
		flags = FLAG_VALUE_STRING | FLAG_VALUE_IS_NAME;
	}

	// , "len": 
	if (bytes[p + 3] === 0x6c) {
		if (!matchesAt(bytes, p, LEN_KEY)) {
			return -1;
		}

		p += LEN_KEY.length;
		number = 0;
		digit = bytes[p]! - 0x30;
		if (digit < 0 || digit > 9) {
			return -1;
		}

		do {
			number = (number * 10) + digit;
			digit = bytes[++p]! - 0x30;
		} while (digit >= 0 && digit <= 9);

		length = number > 0xff_ff_ff_fe ? 0xff_ff_ff_fe : number;
	}

	// , "value": 
	if (bytes[p + 3] === 0x76) {
		if (!matchesAt(bytes, p, VALUE_KEY)) {
			return -1;
		}

		p += VALUE_KEY.length;
		// A value replaces a name: the store keeps one slot per object.
		valueEnd = valueStart;
		if (bytes[p] === QUOTE) {
			const close = closingQuote(bytes, p + 1, end);
			if (close < 0) {
				return -1;
			}

			columns.reserveValue(close - p - 1);
			valueEnd = copyBytes(bytes, p + 1, close, columns.valueBytes, valueEnd);
			p = close + 1;
			flags = FLAG_VALUE_STRING;
		} else {
			const tokenStart = p;
			while (p < end) {
				const c = bytes[p]!;
				if (c === COMMA || c === CLOSE_BRACE || c === SPACE || c === LF) {
					break;
				}

				p++;
			}

			if (p === tokenStart) {
				return -1;
			}

			flags = FLAG_VALUE_TOKEN;
			// "value": null means no value.
			if (p - tokenStart === 4 && bytes[tokenStart] === 0x6e && bytes[tokenStart + 1] === 0x75) {
				flags = 0;
			} else {
				columns.reserveValue(p - tokenStart);
				valueEnd = copyBytes(bytes, tokenStart, p, columns.valueBytes, valueEnd);
			}
		}
	}

	// , "refs": [
	if (bytes[p + 3] !== 0x72 || !matchesAt(bytes, p, REFS_KEY)) {
		return -1;
	}

	p += REFS_KEY.length;
	let childAddress = columns.childAddress;
	let childEnd = columns.childLength;
	if (bytes[p] === CLOSE_BRACKET) {
		p++;
	} else {
		for (;;) {
			while (bytes[p] === SPACE) {
				p++;
			}

			number = 0;
			digit = bytes[p]! - 0x30;
			if (digit < 0 || digit > 9) {
				return -1;
			}

			do {
				number = (number * 10) + digit;
				digit = bytes[++p]! - 0x30;
			} while (digit >= 0 && digit <= 9);

			if (number > Number.MAX_SAFE_INTEGER) {
				return -1;
			}

			if (childEnd === childAddress.length) {
				childAddress = columns.growChildren(childEnd);
			}

			childAddress[childEnd++] = number;
			const c = bytes[p];
			if (c === COMMA) {
				p++;
			} else if (c === CLOSE_BRACKET) {
				p++;
				break;
			} else if (c === SPACE) {
				while (bytes[p] === SPACE) {
					p++;
				}

				if (bytes[p] === CLOSE_BRACKET) {
					p++;
					break;
				}

				if (bytes[p] !== COMMA) {
					return -1;
				}

				p++;
			} else {
				return -1;
			}

			if (p >= end) {
				return -1;
			}
		}
	}

	// The object closes the line: at its end, or just before a newline.
	if (p >= end || bytes[p] !== CLOSE_BRACE || (p + 1 < end && bytes[p + 1] !== LF) || p + 1 - start < 40) {
		return -1;
	}

	const i = columns.count;
	columns.address[i] = address;
	columns.typeId[i] = types.intern(bytes, typeStart, typeEnd, hash >>> 0);
	columns.size[i] = size;
	columns.length[i] = length;
	columns.flags[i] = flags;
	columns.commit(valueEnd, childEnd);
	return p + 1;
}

/** The index of the quote closing a string body that starts at p (escapes skipped), or -1 (none before a newline or `end`). */
function closingQuote(bytes: Uint8Array, p: number, end: number): number {
	while (p < end) {
		const c = bytes[p]!;
		if (c === QUOTE) {
			return p;
		}

		if (c === LF) {
			return -1;
		}

		if (c === BACKSLASH) {
			p++;
			if (bytes[p] === LF) {
				return -1;
			}
		}

		p++;
	}

	return -1;
}

/** Copy bytes [start, end) of `from` to `to` at `at`; returns the index after them. */
function copyBytes(from: Uint8Array, start: number, end: number, to: Uint8Array, at: number): number {
	if (end - start > 32) {
		to.set(from.subarray(start, end), at);
		return at + end - start;
	}

	for (let i = start; i < end; i++) {
		to[at++] = from[i]!;
	}

	return at;
}

function matchesAt(bytes: Uint8Array, p: number, literal: Uint8Array): boolean {
	for (let k = 0; k < literal.length; k++) {
		if (bytes[p + k] !== literal[k]) {
			return false;
		}
	}

	return true;
}

const numberOf = (token: JsonToken | undefined, what: string): number => {
	if (token?.kind !== 'number' || token.text.startsWith('-') || /[.eE]/.test(token.text)) {
		throw new LineSyntaxError(`"${what}" is not a non-negative integer`);
	}

	const value = Number(token.text);
	if (value > Number.MAX_SAFE_INTEGER && (what === 'address' || what === 'refs')) {
		throw new LineSyntaxError(`${what === 'refs' ? 'a reference to ' : ''}address ${token.text.length > 24 ? token.text.slice(0, 20) + '...' : token.text} is 2^53 or more: such addresses are not supported (they cannot be told apart exactly); line refused`);
	}

	return value;
};

/** The slow path: any key order, extra keys, other spacing. Throws LineSyntaxError. */
function parseGeneral(bytes: Uint8Array, start: number, end: number, columns: Columns, types: TypeTable, slotNames: Array<[number, string[]]>): void {
	const text = utf8.decode(bytes.subarray(start, end));
	const entries = parseJsonLine(text);
	const addressToken = entries.get('address');
	if (addressToken === undefined) {
		throw new LineSyntaxError('no "address"');
	}

	const address = numberOf(addressToken, 'address');
	const typeToken = entries.get('type');
	if (typeToken?.kind !== 'string') {
		throw new LineSyntaxError('no "type" string');
	}

	const sizeToken = entries.get('size');
	const size = sizeToken === undefined ? 0 : numberOf(sizeToken, 'size');
	const lengthToken = entries.get('len');
	const length = lengthToken === undefined || lengthToken.kind === 'literal'
		? NO_LENGTH
		: Math.min(numberOf(lengthToken, 'len'), 0xff_ff_ff_fe);
	let flags = 0;
	let body: Uint8Array | undefined;
	const valueToken = entries.get('value');
	const nameToken = entries.get('name');
	if (valueToken !== undefined && !(valueToken.kind === 'literal' && valueToken.text === 'null')) {
		switch (valueToken.kind) {
			case 'string': {
				body = encodeJsonStringBody(valueToken.text);
				flags = FLAG_VALUE_STRING;
				break;
			}

			case 'number': {
				body = encoder.encode(valueToken.text);
				flags = FLAG_VALUE_TOKEN;
				break;
			}

			case 'literal': {
				body = encoder.encode(valueToken.text === 'true' ? 'True' : 'False');
				flags = FLAG_VALUE_STRING;
				break;
			}

			default: {
				throw new LineSyntaxError('"value" is neither a string nor a number');
			}
		}
	} else if (nameToken?.kind === 'string') {
		body = encodeJsonStringBody(nameToken.text);
		flags = FLAG_VALUE_STRING | FLAG_VALUE_IS_NAME;
	}

	const refs: number[] = [];
	const refsToken = entries.get('refs');
	if (refsToken !== undefined) {
		if (refsToken.kind !== 'array') {
			throw new LineSyntaxError('"refs" is not a list');
		}

		for (const item of refsToken.items) {
			refs.push(numberOf(item, 'refs'));
		}
	}

	const slotsToken = entries.get('slots');
	if (slotsToken?.kind === 'array' && slotsToken.items.every(item => item.kind === 'string')) {
		slotNames.push([address, slotsToken.items.map(item => (item as {text: string}).text)]);
	}

	const typeId = types.internText(typeToken.text);
	const i = columns.count;
	columns.address[i] = address;
	columns.typeId[i] = typeId;
	columns.size[i] = size;
	columns.length[i] = length;
	columns.flags[i] = flags;
	let valueEnd = columns.valueLength;
	if (body !== undefined) {
		columns.reserveValue(body.length);
		columns.valueBytes.set(body, valueEnd);
		valueEnd += body.length;
	}

	columns.reserveChildren(refs.length);
	let childEnd = columns.childLength;
	for (const ref of refs) {
		columns.childAddress[childEnd++] = ref;
	}

	columns.commit(valueEnd, childEnd);
}

/**
 * Parse the whole lines in bytes [0, end). The block must start at a line
 * start; a last line without a newline is parsed as a whole line.
 */
export function parseChunk(bytes: Uint8Array, end: number = bytes.length, options: ParseOptions = {}): ParsedChunk {
	if (!warm) {
		warm = true;
		warmUp();
	}

	return parseLines(bytes, end, options);
}

let warm = false;

/**
 * Run every path of the parser once on a small block, so the JIT has type
 * feedback for all branches (big and small numbers, names, values, the slow
 * path, junk) before the first real block: without it, V8 optimizes the
 * loop early and then deoptimizes on each branch it had not seen yet.
 */
function warmUp(): void {
	// Realistic magnitudes everywhere (15-digit addresses, sizes and lengths
	// beyond 2^31), so the JIT does not specialise on small integers and
	// deoptimize on the first real line.
	const lines: string[] = [];
	let seed = 7;
	const random = (limit: number): number => {
		seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
		return seed % limit;
	};

	for (let i = 0; i < 1200; i++) {
		const address = 140_000_000_000_000 + (random(1_000_000_000) * 16);
		const refs = Array.from({length: random(6)}, () => 140_000_000_000_000 + (random(1_000_000_000) * 16)).join(', ');
		const size = random(4) === 0 ? 2_147_483_648 + random(1_000_000_000) : 16 + random(5000);
		const length = random(3) === 0 ? 3_000_000_000 : random(100);
		switch (i % 5) {
			case 0: {
				lines.push(`{"address": ${address}, "type": "dict", "size": ${size}, "len": ${length}, "refs": [${refs}]}`);
				break;
			}

			case 1: {
				lines.push(`{"address": ${address}, "type": "str", "size": ${size}, "len": ${length}, "value": "a\\u00e9\\"${i}", "refs": []}`);
				break;
			}

			case 2: {
				lines.push(`{"address": ${address}, "type": "module", "size": ${size}, "name": "m${i % 7}", "refs": [${refs}]}`);
				break;
			}

			case 3: {
				lines.push(`{"address": ${address}, "type": "int", "size": 28, "value": ${i % 2 ? '-' : ''}${random(1_000_000_000) * 1_000_000}, "refs": []}`);
				break;
			}

			default: {
				lines.push(`{"address": ${address}, "type": "T${i % 11}", "size": ${size}, "refs": [ ${refs} ]}`);
			}
		}

		if (i % 100 === 0) {
			lines.push('', '[', ` {"refs": [], "address": ${i + 5}, "size": 1, "type": "odd"},\r`, ']', 'junk', '{"address": 1, "type": "x", "size": 1, "refs": [1');
		}
	}

	const encoded = new TextEncoder().encode(lines.join('\n').replaceAll('\\r', '\r'));
	// The same kind of array the readers make, so the JIT sees one map.
	const block = new Uint8Array(encoded.length);
	block.set(encoded);
	for (let round = 0; round < 4; round++) {
		parseLines(block, block.length, {});
	}
}

function parseLines(bytes: Uint8Array, end: number, options: ParseOptions): ParsedChunk {
	const expected = options.expectedObjects ?? Math.max(64, Math.ceil(end / 100));
	const columns = new Columns(expected, Math.max(1024, end >>> 3), Math.max(1024, expected * 3), options.recycler);
	const types = new TypeTable();
	const problems: LineProblem[] = [];
	let problemCount = 0;
	const lineAnchors: number[] = [];
	const slotNames: Array<[number, string[]]> = [];
	let lastObjectLine = -1;
	const strict = options.strict ?? false;

	const record = (line: number, message: string): void => {
		problemCount++;
		if (problems.length < MAX_KEPT_PROBLEMS) {
			problems.push({line, message});
		}
	};

	let line = 0;
	let lineStart = 0;
	let cutStrings = 0;
	let longestCut = 0;
	let firstCutLine = 0;
	const block = bytes;
	while (lineStart < end) {
		if (block[lineStart] === OPEN_BRACE) {
			// The common case, a canonical line: parsed without looking for
			// its end first (the object's closing brace is where it ends).
			columns.reserveObject();
			const objectEnd = parseCanonical(block, lineStart, end, columns, types);
			if (objectEnd >= 0 && objectEnd - lineStart <= MAX_STRING_BYTES) {
				line++;
				if (line !== lastObjectLine + 1) {
					lineAnchors.push(columns.count - 1, line);
				}

				lastObjectLine = line;
				lineStart = objectEnd + 1;
				continue;
			}

			if (objectEnd >= 0) {
				// Too long to keep whole (see below): taken back, and cut.
				columns.uncommit();
			}
		}

		let bytes = block;
		let lineEnd = bytes.indexOf(LF, lineStart);
		if (lineEnd < 0 || lineEnd >= end) {
			lineEnd = end;
		}

		line++;
		let s = lineStart;
		let e = lineEnd;
		lineStart = lineEnd + 1;
		if (e === s) {
			continue;
		}

		columns.reserveObject();
		if (e - s > MAX_STRING_BYTES) {
			// A line that may hold a string beyond the limit: parse a cut copy.
			const cutter = new LongLineCutter();
			cutter.push(bytes, s, e);
			const cut = cutter.finish();
			if (cutter.strings > 0 || cut[0] === PROBLEM_LINE_MARKER) {
				if (cutter.strings > 0) {
					if (cutStrings === 0) {
						firstCutLine = line;
					}

					cutStrings += cutter.strings;
					longestCut = Math.max(longestCut, cutter.longest);
				}

				bytes = cut;
				s = 0;
				e = cut.length;
			}
		}

		// The common case: a canonical line, nothing around it.
		if (bytes[s] === OPEN_BRACE && bytes[e - 1] === CLOSE_BRACE && parseCanonical(bytes, s, e, columns, types) >= 0) {
			if (line !== lastObjectLine + 1) {
				lineAnchors.push(columns.count - 1, line);
			}

			lastObjectLine = line;
			continue;
		}

		while (s < e && (bytes[s] === SPACE || bytes[s] === TAB || bytes[s] === CR)) {
			s++;
		}

		while (e > s && (bytes[e - 1] === SPACE || bytes[e - 1] === TAB || bytes[e - 1] === CR)) {
			e--;
		}

		// JSON-array wrapping: "[" and "]" lines, "," at line ends.
		if (e > s && bytes[e - 1] === COMMA) {
			e--;
			while (e > s && (bytes[e - 1] === SPACE || bytes[e - 1] === TAB)) {
				e--;
			}
		}

		if (s < e && bytes[s] === OPEN_BRACKET) {
			s++;
			while (s < e && (bytes[s] === SPACE || bytes[s] === TAB)) {
				s++;
			}
		}

		if (e > s && bytes[e - 1] === CLOSE_BRACKET && (e - s === 1 || bytes[e - 2] === CLOSE_BRACE || bytes[e - 2] === SPACE)) {
			e--;
			while (e > s && (bytes[e - 1] === SPACE || bytes[e - 1] === TAB)) {
				e--;
			}

			if (e > s && bytes[e - 1] === COMMA) {
				e--;
			}
		}

		if (s === e) {
			continue;
		}

		if (bytes[s] === PROBLEM_LINE_MARKER) {
			// An over-long line the reader could not keep (see long-line.ts).
			record(line, utf8.decode(bytes.subarray(s + 1, e)));
			if (strict) {
				break;
			}

			continue;
		}

		if (bytes[s] !== OPEN_BRACE) {
			record(line, describeJunk(bytes, s, e));
			if (strict) {
				break;
			}

			continue;
		}

		if (parseCanonical(bytes, s, e, columns, types) < 0) {
			try {
				parseGeneral(bytes, s, e, columns, types, slotNames);
			} catch (error) {
				if (!(error instanceof LineSyntaxError)) {
					throw error;
				}

				record(line, error.message);
				if (strict) {
					break;
				}

				continue;
			}
		}

		if (line !== lastObjectLine + 1) {
			lineAnchors.push(columns.count - 1, line);
		}

		lastObjectLine = line;
	}

	const count = columns.count;
	return {
		objectCount: count,
		lineCount: line,
		bytes: end,
		address: exact(columns.address, count),
		typeId: exact(columns.typeId, count),
		typeNames: types.names,
		size: exact(columns.size, count),
		length: exact(columns.length, count),
		flags: exact(columns.flags, count),
		valueOffset: exact(columns.valueOffset, count + 1),
		valueBytes: exact(columns.valueBytes, columns.valueLength),
		childOffset: exact(columns.childOffset, count + 1),
		childAddress: exact(columns.childAddress, columns.childLength),
		problems,
		problemCount,
		lineAnchors,
		...(slotNames.length > 0 ? {slotNames} : {}),
		cutStrings,
		longestCut,
		firstCutLine,
	};
}

function describeJunk(bytes: Uint8Array, start: number, end: number): string {
	const sample = latin1.decode(bytes.subarray(start, Math.min(end, start + 12)));
	const printable = /^[\x20-\x7e]*$/.test(sample);
	return printable
		? `not a JSON object (starts with ${JSON.stringify(sample)})`
		: 'not a JSON object (binary data)';
}
