/**
 * The byte parser: turns a block of whole dump lines into columns (one typed
 * array per field). It never builds a string per line on the fast path; only
 * type names (a few hundred distinct) become strings. Pure and synchronous,
 * so it runs the same on the main thread and in worker threads.
 */

import {
	FLAG_VALUE_IS_NAME, FLAG_VALUE_STRING, FLAG_VALUE_TOKEN, NO_LENGTH,
} from '../graph/layout.js';
import {Float64Column, Uint32Column, Uint8Column} from '../util/growable.js';
import {
	decodeJsonStringBytes, encodeJsonStringBody, repairMojibake,
} from './json-string.js';
import {type JsonToken, LineSyntaxError, parseJsonLine} from './general-line.js';

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
};

/** The 1-based line (within its chunk) of object `objectIndex`. */
export function chunkLineOf(chunk: ParsedChunk, objectIndex: number): number {
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
const MINUS = 0x2d;
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
};

/**
 * Parse the whole lines in bytes [0, end). The block must start at a line
 * start; a last line without a newline is parsed as a whole line.
 */
export function parseChunk(bytes: Uint8Array, end: number = bytes.length, options: ParseOptions = {}): ParsedChunk {
	const expected = options.expectedObjects ?? Math.max(64, Math.ceil(end / 120));
	const address = new Float64Column(expected);
	const typeIds = new Uint32Column(expected);
	const size = new Float64Column(expected);
	const lengths = new Uint32Column(expected);
	const flags = new Uint8Column(expected);
	const valueOffset = new Uint32Column(expected + 1);
	const valueBytes = new Uint8Column(Math.max(1024, end >>> 3));
	const childOffset = new Uint32Column(expected + 1);
	const childAddress = new Float64Column(expected * 3);
	const types = new TypeTable();
	const problems: LineProblem[] = [];
	let problemCount = 0;
	const lineAnchors: number[] = [];
	let lastObjectLine = -1;
	valueOffset.push(0);
	childOffset.push(0);

	// Fields of the line being parsed by the fast path.
	let fieldAddress = 0;
	let fieldType = 0;
	let fieldSize = 0;
	let fieldLength = NO_LENGTH;
	let fieldFlags = 0;

	const matches = (p: number, lineEnd: number, literal: Uint8Array): boolean => {
		if (p + literal.length > lineEnd) {
			return false;
		}

		for (let k = 0; k < literal.length; k++) {
			if (bytes[p + k] !== literal[k]) {
				return false;
			}
		}

		return true;
	};

	/** Scan a string body starting at p (after the opening quote); returns the closing quote's index or -1. */
	const scanString = (p: number, lineEnd: number): number => {
		while (p < lineEnd) {
			const c = bytes[p]!;
			if (c === QUOTE) {
				return p;
			}

			p += c === BACKSLASH ? 2 : 1;
		}

		return -1;
	};

	/** Parse an unsigned integer at p; returns the index after it, or -1 when none. */
	let parsedNumber = 0;
	const scanUint = (p: number, lineEnd: number): number => {
		let value = 0;
		const start = p;
		while (p < lineEnd) {
			const digit = bytes[p]! - 0x30;
			if (digit < 0 || digit > 9) {
				break;
			}

			value = (value * 10) + digit;
			p++;
		}

		parsedNumber = value;
		return p === start ? -1 : p;
	};

	/** The fast path: canonical key order, meliae's spacing. False means "try the slow path". */
	const parseFast = (start: number, lineEnd: number): boolean => {
		if (!matches(start, lineEnd, ADDRESS_KEY)) {
			return false;
		}

		let p = scanUint(start + ADDRESS_KEY.length, lineEnd);
		if (p < 0) {
			return false;
		}

		fieldAddress = parsedNumber;
		if (!matches(p, lineEnd, TYPE_KEY)) {
			return false;
		}

		p += TYPE_KEY.length;
		const typeStart = p;
		let hash = 0x81_1c_9d_c5;
		while (p < lineEnd) {
			const c = bytes[p]!;
			if (c === QUOTE) {
				break;
			}

			if (c === BACKSLASH) {
				hash = Math.imul(hash ^ c, 0x01_00_01_93);
				p++;
				if (p >= lineEnd) {
					return false;
				}
			}

			hash = Math.imul(hash ^ bytes[p]!, 0x01_00_01_93);
			p++;
		}

		if (p >= lineEnd) {
			return false;
		}

		const typeEnd = p;
		p++;
		if (!matches(p, lineEnd, SIZE_KEY)) {
			return false;
		}

		p = scanUint(p + SIZE_KEY.length, lineEnd);
		if (p < 0) {
			return false;
		}

		fieldSize = parsedNumber;
		fieldLength = NO_LENGTH;
		fieldFlags = 0;
		const valueMark = valueBytes.length;
		let valueWritten = false;

		if (matches(p, lineEnd, NAME_KEY)) {
			const nameStart = p + NAME_KEY.length;
			const close = scanString(nameStart, lineEnd);
			if (close < 0) {
				return false;
			}

			valueBytes.append(bytes, nameStart, close);
			valueWritten = true;
			fieldFlags = FLAG_VALUE_STRING | FLAG_VALUE_IS_NAME;
			p = close + 1;
		}

		if (matches(p, lineEnd, LEN_KEY)) {
			p = scanUint(p + LEN_KEY.length, lineEnd);
			if (p < 0) {
				valueBytes.length = valueMark;
				return false;
			}

			fieldLength = parsedNumber > 0xff_ff_ff_fe ? 0xff_ff_ff_fe : parsedNumber;
		}

		if (matches(p, lineEnd, VALUE_KEY)) {
			p += VALUE_KEY.length;
			// A value replaces a name: the store keeps one slot per object.
			valueBytes.length = valueMark;
			if (bytes[p] === QUOTE) {
				const close = scanString(p + 1, lineEnd);
				if (close < 0) {
					return false;
				}

				valueBytes.append(bytes, p + 1, close);
				fieldFlags = FLAG_VALUE_STRING;
				p = close + 1;
			} else {
				const tokenStart = p;
				if (bytes[p] === MINUS) {
					p++;
				}

				while (p < lineEnd) {
					const c = bytes[p]!;
					if (c === COMMA || c === CLOSE_BRACE || c === SPACE) {
						break;
					}

					p++;
				}

				if (p === tokenStart) {
					return false;
				}

				const isNull = p - tokenStart === 4 && bytes[tokenStart] === 0x6e;
				if (isNull) {
					fieldFlags = 0;
				} else {
					valueBytes.append(bytes, tokenStart, p);
					fieldFlags = FLAG_VALUE_TOKEN;
				}
			}

			valueWritten = fieldFlags !== 0;
		}

		if (!matches(p, lineEnd, REFS_KEY)) {
			valueBytes.length = valueMark;
			return false;
		}

		p += REFS_KEY.length;
		const edgeMark = childAddress.length;
		while (p < lineEnd && bytes[p] === SPACE) {
			p++;
		}

		if (bytes[p] === CLOSE_BRACKET) {
			p++;
		} else {
			for (;;) {
				p = scanUint(p, lineEnd);
				if (p < 0) {
					childAddress.length = edgeMark;
					valueBytes.length = valueMark;
					return false;
				}

				childAddress.push(parsedNumber);
				while (p < lineEnd && bytes[p] === SPACE) {
					p++;
				}

				const c = bytes[p];
				if (c === COMMA) {
					p++;
					while (p < lineEnd && bytes[p] === SPACE) {
						p++;
					}
				} else if (c === CLOSE_BRACKET) {
					p++;
					break;
				} else {
					childAddress.length = edgeMark;
					valueBytes.length = valueMark;
					return false;
				}
			}
		}

		if (p !== lineEnd - 1 || bytes[p] !== CLOSE_BRACE) {
			childAddress.length = edgeMark;
			valueBytes.length = valueMark;
			return false;
		}

		if (!valueWritten) {
			valueBytes.length = valueMark;
		}

		fieldType = types.intern(bytes, typeStart, typeEnd, hash >>> 0);
		return true;
	};

	const numberOf = (token: JsonToken | undefined, what: string): number => {
		if (token?.kind !== 'number' || token.text.startsWith('-') || /[.eE]/.test(token.text)) {
			throw new LineSyntaxError(`"${what}" is not a non-negative integer`);
		}

		return Number(token.text);
	};

	/** The slow path: any key order, extra keys, other spacing. Throws LineSyntaxError. */
	const parseGeneral = (start: number, lineEnd: number): void => {
		const text = utf8.decode(bytes.subarray(start, lineEnd));
		const entries = parseJsonLine(text);
		const addressToken = entries.get('address');
		if (addressToken === undefined) {
			throw new LineSyntaxError('no "address"');
		}

		fieldAddress = numberOf(addressToken, 'address');
		const typeToken = entries.get('type');
		if (typeToken?.kind !== 'string') {
			throw new LineSyntaxError('no "type" string');
		}

		fieldType = types.internText(typeToken.text);
		const sizeToken = entries.get('size');
		fieldSize = sizeToken === undefined ? 0 : numberOf(sizeToken, 'size');
		const lengthToken = entries.get('len');
		fieldLength = lengthToken === undefined || lengthToken.kind === 'literal'
			? NO_LENGTH
			: Math.min(numberOf(lengthToken, 'len'), 0xff_ff_ff_fe);
		fieldFlags = 0;
		const valueToken = entries.get('value');
		const nameToken = entries.get('name');
		if (valueToken !== undefined && !(valueToken.kind === 'literal' && valueToken.text === 'null')) {
			switch (valueToken.kind) {
				case 'string': {
					const body = encodeJsonStringBody(valueToken.text);
					valueBytes.append(body, 0, body.length);
					fieldFlags = FLAG_VALUE_STRING;
					break;
				}

				case 'number': {
					const body = encoder.encode(valueToken.text);
					valueBytes.append(body, 0, body.length);
					fieldFlags = FLAG_VALUE_TOKEN;
					break;
				}

				case 'literal': {
					const body = encoder.encode(valueToken.text === 'true' ? 'True' : 'False');
					valueBytes.append(body, 0, body.length);
					fieldFlags = FLAG_VALUE_STRING;
					break;
				}

				default: {
					throw new LineSyntaxError('"value" is neither a string nor a number');
				}
			}
		} else if (nameToken?.kind === 'string') {
			const body = encodeJsonStringBody(nameToken.text);
			valueBytes.append(body, 0, body.length);
			fieldFlags = FLAG_VALUE_STRING | FLAG_VALUE_IS_NAME;
		}

		const refsToken = entries.get('refs');
		if (refsToken !== undefined) {
			if (refsToken.kind !== 'array') {
				throw new LineSyntaxError('"refs" is not a list');
			}

			for (const item of refsToken.items) {
				childAddress.push(numberOf(item, 'refs'));
			}
		}
	};

	const record = (line: number, message: string): void => {
		problemCount++;
		if (problems.length < MAX_KEPT_PROBLEMS) {
			problems.push({line, message});
		}
	};

	let line = 0;
	let lineStart = 0;
	while (lineStart < end) {
		let lineEnd = bytes.indexOf(LF, lineStart);
		if (lineEnd < 0 || lineEnd >= end) {
			lineEnd = end;
		}

		line++;
		let s = lineStart;
		let e = lineEnd;
		lineStart = lineEnd + 1;
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

		if (bytes[s] !== OPEN_BRACE) {
			record(line, describeJunk(bytes, s, e));
			if (options.strict) {
				break;
			}

			continue;
		}

		if (!parseFast(s, e)) {
			const edgeMark = childAddress.length;
			const valueMark = valueBytes.length;
			try {
				parseGeneral(s, e);
			} catch (error) {
				childAddress.length = edgeMark;
				valueBytes.length = valueMark;
				if (!(error instanceof LineSyntaxError)) {
					throw error;
				}

				record(line, error.message);
				if (options.strict) {
					break;
				}

				continue;
			}
		}

		if (line !== lastObjectLine + 1) {
			lineAnchors.push(address.length, line);
		}

		lastObjectLine = line;

		address.push(fieldAddress);
		typeIds.push(fieldType);
		size.push(fieldSize);
		lengths.push(fieldLength);
		flags.push(fieldFlags);
		valueOffset.push(valueBytes.length);
		childOffset.push(childAddress.length);
	}

	return {
		objectCount: address.length,
		lineCount: line,
		bytes: end,
		address: address.finish(),
		typeId: typeIds.finish(),
		typeNames: types.names,
		size: size.finish(),
		length: lengths.finish(),
		flags: flags.finish(),
		valueOffset: valueOffset.finish(),
		valueBytes: valueBytes.finish(),
		childOffset: childOffset.finish(),
		childAddress: childAddress.finish(),
		problems,
		problemCount,
		lineAnchors,
	};
}

function describeJunk(bytes: Uint8Array, start: number, end: number): string {
	const sample = latin1.decode(bytes.subarray(start, Math.min(end, start + 12)));
	const printable = /^[\x20-\x7e]*$/.test(sample);
	return printable
		? `not a JSON object (starts with ${JSON.stringify(sample)})`
		: 'not a JSON object (binary data)';
}
