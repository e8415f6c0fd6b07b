/**
 * Search in a list of objects (an object list, a reference list, a path),
 * as `/` and `n`/`N` do in less: by address (decimal or 0x-hex, exact), or
 * by a case-insensitive piece of the value or name (and, in lists that mix
 * types, of the type name). Values stay raw bytes in the store; for plain
 * ASCII needles the bytes are scanned directly and only values holding an
 * escape are decoded, so a miss over 2 million objects stays in the tens
 * of milliseconds.
 *
 * A store reading its values from an index file (values left on disk)
 * is searched without reading its value arena whole: the values are taken
 * a run at a time (the objects whose values start in one 64 KiB stretch of
 * the arena, read block by block from the file and checked), and each run's
 * answers are kept as one bit per object, so a list in any order reads
 * each stretch once per needle and memory grows by a bit per object, not
 * by the arena.
 */

import {parseAddress} from '../../core/format/address.js';
import {FLAG_VALUE_STRING, FLAG_VALUE_TOKEN} from '../../core/graph/layout.js';
import {UNRESOLVED_BIT, type GraphStore} from '../../core/graph/store.js';

const BACKSLASH = 0x5c;

export type Matcher = (target: number) => boolean;

/** The stretch of the value arena whose values a search on a store reading values from disk decides together. */
const VALUE_RUN = 64 * 1024;

/** The first ordinal whose value starts at or after `position` (valueOffset ascends). */
function firstStartingAt(valueOffset: Uint32Array, n: number, position: number): number {
	let lo = 0;
	let hi = n;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (valueOffset[mid]! < position) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}

	return lo;
}

/** A predicate over list entries (ordinals, or unresolved targets) for a needle. */
export function makeMatcher(store: GraphStore, needle: string, matchTypeNames: boolean): Matcher {
	const address = parseAddress(needle);
	const lower = needle.toLowerCase();
	const typeMatches = new Uint8Array(store.typeNames.length);
	if (matchTypeNames) {
		store.typeNames.forEach((name, id) => {
			typeMatches[id] = name.toLowerCase().includes(lower) ? 1 : 0;
		});
	}

	// eslint-disable-next-line no-control-regex
	const plainAscii = /^[\x20-\x7e]*$/.test(lower) && !lower.includes('\\') && !lower.includes('"');
	const needleBytes = Uint8Array.from(lower, char => char.charCodeAt(0));
	const {valueOffset, objectFlags, objectType, objectAddress} = store;
	/** Whether the value's raw bytes, valueBytes[start, end), match. */
	const bytesMatch = (ordinal: number, valueBytes: Uint8Array, start: number, end: number): boolean => {
		if (plainAscii) {
			const m = needleBytes.length;
			let escaped = false;
			for (let i = start; i < end; i++) {
				if (valueBytes[i] === BACKSLASH) {
					escaped = true;
				}

				if (i + m > end) {
					continue;
				}

				let k = 0;
				for (; k < m; k++) {
					const b = valueBytes[i + k]!;
					const c = needleBytes[k]!;
					if (b !== c && !(b >= 0x41 && b <= 0x5a && (b | 0x20) === c)) {
						break;
					}
				}

				if (k === m) {
					return true;
				}
			}

			// Without an escape the raw bytes are the text (non-ASCII is
			// always escaped or multi-byte, and the needle is ASCII).
			if (!escaped) {
				return false;
			}
		}

		return (store.value(ordinal) ?? '').toLowerCase().includes(lower);
	};

	const hasValue = (ordinal: number): boolean => (objectFlags[ordinal]! & (FLAG_VALUE_STRING | FLAG_VALUE_TOKEN)) !== 0 && lower !== '';
	let valueMatches: (ordinal: number) => boolean;
	if (store.isLoaded('valueBytes')) {
		const {valueBytes} = store;
		valueMatches = ordinal => hasValue(ordinal) && bytesMatch(ordinal, valueBytes, valueOffset[ordinal]!, valueOffset[ordinal + 1]!);
	} else {
		const n = store.objectCount;
		const runs = Math.ceil(valueOffset[n]! / VALUE_RUN) + 1;
		const runDone = new Uint8Array(runs);
		const matched = new Uint8Array(n);
		const scanRun = (run: number): void => {
			// The objects whose values start in this stretch (valueOffset ascends with the ordinal), read at once.
			const first = firstStartingAt(valueOffset, n, run * VALUE_RUN);
			const last = firstStartingAt(valueOffset, n, (run + 1) * VALUE_RUN);
			const base = valueOffset[first]!;
			const bytes = store.valueBytesIn(base, valueOffset[last]!);
			for (let ordinal = first; ordinal < last; ordinal++) {
				if (hasValue(ordinal)) {
					matched[ordinal] = bytesMatch(ordinal, bytes, valueOffset[ordinal]! - base, valueOffset[ordinal + 1]! - base) ? 1 : 0;
				}
			}

			runDone[run] = 1;
		};

		valueMatches = ordinal => {
			if (!hasValue(ordinal)) {
				return false;
			}

			const run = Math.floor(valueOffset[ordinal]! / VALUE_RUN);
			if (runDone[run] === 0) {
				scanRun(run);
			}

			return matched[ordinal] === 1;
		};
	}

	return target => {
		if (target >= UNRESOLVED_BIT) {
			return address !== undefined && store.targetAddress(target) === address;
		}

		if (address !== undefined && objectAddress[target] === address) {
			return true;
		}

		if (matchTypeNames && typeMatches[objectType[target]!] === 1) {
			return true;
		}

		return valueMatches(target);
	};
}

export type SearchResult = {index: number; wrapped: boolean} | undefined;

/** Entries checked between two looks at the clock. */
const SLICE = 2048;

/**
 * Looking for the next entry after `from` (or before, with direction -1)
 * that matches, wrapping around the end of the list once; `from` itself is
 * tried last. Resumable, for lists too long to scan within a key press.
 */
export class SearchJob {
	private step_ = 1;
	private readonly start: number;
	done = false;
	result: SearchResult;

	constructor(
		private readonly list: Uint32Array,
		from: number,
		private readonly direction: 1 | -1,
		private readonly matches: Matcher,
	) {
		this.start = list.length === 0 ? 0 : Math.min(Math.max(from, 0), list.length - 1);
		this.done = list.length === 0;
	}

	/** Share of the list looked at, 0..1. */
	get fraction(): number {
		return this.list.length === 0 ? 1 : Math.min(1, (this.step_ - 1) / this.list.length);
	}

	step(deadline: number): boolean {
		const {list, direction, matches, start} = this;
		const total = list.length;
		while (!this.done) {
			const last = Math.min(total, this.step_ + SLICE - 1);
			for (let step = this.step_; step <= last; step++) {
				const raw = start + direction * step;
				const index = ((raw % total) + total) % total;
				if (matches(list[index]!)) {
					this.result = {index, wrapped: direction === 1 ? raw >= total : raw < 0};
					this.done = true;
					return true;
				}
			}

			this.step_ = last + 1;
			if (this.step_ > total) {
				this.done = true;
			} else if (performance.now() >= deadline) {
				return false;
			}
		}

		return true;
	}
}

/** The same search, all at once. */
export function findInList(list: Uint32Array, from: number, direction: 1 | -1, matches: Matcher): SearchResult {
	const job = new SearchJob(list, from, direction, matches);
	job.step(Number.POSITIVE_INFINITY);
	return job.result;
}
