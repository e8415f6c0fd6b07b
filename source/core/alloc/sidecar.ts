/**
 * The allocation-site sidecar, `DUMP.alloc.json.gz`, written by the dumper
 * beside a dump when tracemalloc traced the process. One JSON document,
 * one item a line, so that it is read line by line with no object per
 * entry:
 *
 *     {"format": "meliae-tui-alloc", "version": 1, "frames": 1, "objects": [
 *     [140234567, 0]
 *     ,[140234631, 0]
 *     ],
 *     "tracebacks": [
 *     [{"file": "app.py", "line": 42, "function": "handle_request"}]
 *     ]}
 *
 * `objects` pairs an object's address with an index into `tracebacks`;
 * frames are most recent call first.
 */

import {readFile, stat} from 'node:fs/promises';
import {promisify} from 'node:util';
import {gunzip} from 'node:zlib';
import {NO_OBJECT} from '../graph/layout.js';
import type {GraphStore} from '../graph/store.js';
import {type AllocFrame, type AllocSites, NO_TRACEBACK} from './sites.js';

export const ALLOC_SUFFIX = '.alloc.json.gz';

const gunzipAsync = promisify(gunzip);

export function allocSidecarPath(dump: string): string {
	return dump + ALLOC_SUFFIX;
}

/** A sidecar that cannot be read: `file:line: message`. */
export class AllocSidecarError extends Error {
	constructor(readonly file: string, readonly line: number, detail: string) {
		super(`${file}${line > 0 ? `:${line}` : ''}: ${detail}`);
		this.name = 'AllocSidecarError';
	}
}

const NEWLINE = 0x0A;
const COMMA = 0x2C;
const OPEN = 0x5B;
const CLOSE = 0x5D;
const SPACE = 0x20;
const ZERO = 0x30;

/** Digits at `text[at...]` as a number and where they end; end = at when none. */
function readNumber(text: Uint8Array, at: number, end: number): {value: number; next: number} {
	let value = 0;
	let k = at;
	while (k < end) {
		const digit = text[k]! - ZERO;
		if (digit < 0 || digit > 9) {
			break;
		}

		value = (value * 10) + digit;
		k++;
	}

	return {value, next: k};
}

function parseFrames(text: string, file: string, line: number): AllocFrame[] {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw new AllocSidecarError(file, line, 'not a traceback (malformed JSON)');
	}

	if (!Array.isArray(parsed)) {
		throw new AllocSidecarError(file, line, 'a traceback must be a list of frames');
	}

	return parsed.map((frame: unknown) => {
		const record = frame as {file?: unknown; line?: unknown; function?: unknown} | null;
		if (typeof record !== 'object' || record === null || typeof record.file !== 'string' || typeof record.line !== 'number' || !Number.isInteger(record.line)) {
			throw new AllocSidecarError(file, line, 'a frame needs "file" (text) and "line" (a whole number)');
		}

		return typeof record.function === 'string'
			? {file: record.file, line: record.line, function: record.function}
			: {file: record.file, line: record.line};
	});
}

/**
 * Read the sidecar of a dump loaded into `store`: undefined when there is
 * none; an AllocSidecarError naming the file and line when it is damaged.
 * Addresses the store does not hold (an instance dict folded into its
 * instance) are skipped.
 */
export async function readAllocSidecar(dumpFile: string, store: GraphStore): Promise<AllocSites | undefined> {
	const file = allocSidecarPath(dumpFile);
	let compressed: Buffer;
	try {
		if (!(await stat(file)).isFile()) {
			return undefined;
		}

		compressed = await readFile(file);
	} catch (error) {
		const {code} = error as NodeJS.ErrnoException;
		if (code === 'ENOENT' || code === 'ENOTDIR') {
			return undefined;
		}

		throw new AllocSidecarError(file, 0, `cannot be read (${code ?? (error as Error).message})`);
	}

	let text: Buffer;
	try {
		text = await gunzipAsync(compressed);
	} catch (error) {
		throw new AllocSidecarError(file, 0, `not gzip data, or damaged (${(error as Error).message})`);
	}

	return parseAllocSidecar(text, file, store);
}

/** Parse the uncompressed sidecar `text` (see the module comment). */
export function parseAllocSidecar(text: Uint8Array, file: string, store: GraphStore): AllocSites {
	const objectTraceback = new Uint32Array(store.objectCount).fill(NO_TRACEBACK);
	const tracebacks: AllocFrame[][] = [];
	const decoder = new TextDecoder();
	let section: 'header' | 'objects' | 'between' | 'tracebacks' | 'end' = 'header';
	let frames = 0;
	let objects = 0;
	let maxId = -1;
	let maxIdLine = 0;
	let lineNumber = 0;
	let start = 0;
	const total = text.length;
	while (start < total) {
		let end = text.indexOf(NEWLINE, start);
		if (end < 0) {
			end = total;
		}

		lineNumber++;
		const lineStart = start;
		start = end + 1;
		if (end === lineStart) {
			continue;
		}

		switch (section) {
			case 'header': {
				const header = decoder.decode(text.subarray(lineStart, end));
				const match = /^\{"format": "meliae-tui-alloc", "version": 1, "frames": (\d+), "objects": \[$/.exec(header);
				if (match === null) {
					throw new AllocSidecarError(file, lineNumber, 'not an allocation-site file of this version');
				}

				frames = Number(match[1]);
				section = 'objects';
				break;
			}

			case 'objects': {
				let k = lineStart;
				if (text[k] === CLOSE) {
					section = 'between';
					break;
				}

				if (text[k] === COMMA && objects > 0) {
					k++;
				}

				if (text[k] !== OPEN) {
					throw new AllocSidecarError(file, lineNumber, 'expected [address, traceback]');
				}

				const address = readNumber(text, k + 1, end);
				k = address.next;
				if (k === lineStart || text[k] !== COMMA || text[k + 1] !== SPACE) {
					throw new AllocSidecarError(file, lineNumber, 'expected [address, traceback]');
				}

				const id = readNumber(text, k + 2, end);
				if (id.next === k + 2 || text[id.next] !== CLOSE || id.next + 1 !== end || !Number.isSafeInteger(address.value) || id.value >= NO_TRACEBACK) {
					throw new AllocSidecarError(file, lineNumber, 'expected [address, traceback]');
				}

				objects++;
				const ordinal = store.indexOf(address.value);
				if (ordinal !== NO_OBJECT) {
					objectTraceback[ordinal] = id.value;
					if (id.value > maxId) {
						maxId = id.value;
						maxIdLine = lineNumber;
					}
				}

				break;
			}

			case 'between': {
				if (decoder.decode(text.subarray(lineStart, end)) !== '"tracebacks": [') {
					throw new AllocSidecarError(file, lineNumber, 'expected "tracebacks": [');
				}

				section = 'tracebacks';
				break;
			}

			case 'tracebacks': {
				const line = decoder.decode(text.subarray(lineStart, end));
				if (line === ']}') {
					section = 'end';
					break;
				}

				tracebacks.push(parseFrames(tracebacks.length > 0 && line.startsWith(',') ? line.slice(1) : line, file, lineNumber));
				break;
			}

			case 'end': {
				throw new AllocSidecarError(file, lineNumber, 'text after the end');
			}
		}
	}

	if (section !== 'end') {
		throw new AllocSidecarError(file, lineNumber, 'ends early (truncated?)');
	}

	if (maxId >= tracebacks.length) {
		throw new AllocSidecarError(file, maxIdLine, `traceback ${maxId} is not in the list (${tracebacks.length} tracebacks)`);
	}

	let matched = 0;
	for (const id of objectTraceback) {
		if (id !== NO_TRACEBACK) {
			matched++;
		}
	}

	return {objectTraceback, tracebacks, objects: matched, frames, file};
}
