/**
 * From parsed chunks (in file order) to a GraphStore: merge the columns,
 * drop duplicate addresses (the first occurrence wins, as in meliae), build
 * the address hash, resolve child addresses to ordinals, build parents.
 *
 * Memory: columns move from the chunks into the store one at a time, and
 * each chunk's raw child addresses are resolved straight into the store's
 * targets and then dropped, so the peak stays close to the size of the
 * chunks themselves.
 */

import {chunkLineOf, type ParsedChunk} from '../dump/parse-chunk.js';
import {AddressIndex} from './address-index.js';
import {MAX_OBJECTS, NO_OBJECT, UNRESOLVED_BIT} from './layout.js';
import {buildParents, GraphStore} from './store.js';

export type BuildPhase = 'merging' | 'resolving' | 'parents';

export type BuildResult = {
	store: GraphStore;
	/** Lines whose address was already taken by an earlier line. */
	duplicateCount: number;
	/** 1-based line of the first duplicate, or 0. */
	firstDuplicateLine: number;
};

export type BuildOptions = {
	onPhase?: (phase: BuildPhase) => void | Promise<void>;
	/** Global 1-based line number of each chunk's first line. */
	chunkFirstLine?: readonly number[];
};

export class TooManyObjectsError extends Error {}

const EMPTY_F64 = new Float64Array(0);
const EMPTY_U32 = new Uint32Array(0);
const EMPTY_U8 = new Uint8Array(0);

/**
 * Build the store. The chunks are consumed: their arrays are released as
 * they are copied (the objects in `chunks` are emptied).
 */
export async function buildStore(chunks: ParsedChunk[], options: BuildOptions = {}): Promise<BuildResult> {
	await options.onPhase?.('merging');
	let rawCount = 0;
	let rawEdges = 0;
	let valueBytesTotal = 0;
	for (const chunk of chunks) {
		rawCount += chunk.objectCount;
		rawEdges += chunk.childAddress.length;
		valueBytesTotal += chunk.valueBytes.length;
	}

	if (rawCount > MAX_OBJECTS) {
		throw new TooManyObjectsError(`${rawCount} objects is more than one store holds (${MAX_OBJECTS})`);
	}

	if (valueBytesTotal >= 2 ** 32 || rawEdges >= 2 ** 32) {
		throw new TooManyObjectsError('the dump has more than 4 GiB of values or 4G references');
	}

	// Global type table, by decoded name.
	const typeNames: string[] = [];
	const typeIds = new Map<string, number>();
	const chunkTypeMaps = chunks.map(chunk => {
		const map = new Uint32Array(chunk.typeNames.length);
		for (const [local, name] of chunk.typeNames.entries()) {
			let id = typeIds.get(name);
			if (id === undefined) {
				id = typeNames.length;
				typeNames.push(name);
				typeIds.set(name, id);
			}

			map[local] = id;
		}

		return map;
	});

	// Addresses first, so duplicates are known before anything else moves.
	let objectAddress = new Float64Array(rawCount);
	{
		let offset = 0;
		for (const chunk of chunks) {
			objectAddress.set(chunk.address, offset);
			offset += chunk.objectCount;
			chunk.address = EMPTY_F64;
		}
	}

	let index = new AddressIndex(objectAddress, rawCount);
	let keep: Uint8Array | undefined;
	let duplicateCount = 0;
	let firstDuplicateOrdinal = -1;
	for (let i = 0; i < rawCount; i++) {
		if (index.insert(i) !== NO_OBJECT) {
			keep ??= new Uint8Array(rawCount).fill(1);
			keep[i] = 0;
			duplicateCount++;
			if (firstDuplicateOrdinal < 0) {
				firstDuplicateOrdinal = i;
			}
		}
	}

	let firstDuplicateLine = 0;
	if (keep !== undefined) {
		let raw = 0;
		for (const [c, chunk] of chunks.entries()) {
			if (firstDuplicateOrdinal < raw + chunk.objectCount) {
				if (options.chunkFirstLine !== undefined) {
					firstDuplicateLine = options.chunkFirstLine[c]! - 1 + chunkLineOf(chunk, firstDuplicateOrdinal - raw);
				}

				break;
			}

			raw += chunk.objectCount;
		}

		let out = 0;
		for (let i = 0; i < rawCount; i++) {
			if (keep[i] === 1) {
				objectAddress[out++] = objectAddress[i]!;
			}
		}

		objectAddress = objectAddress.slice(0, out);
		index = new AddressIndex(objectAddress, out);
		for (let i = 0; i < out; i++) {
			index.insert(i);
		}
	}

	const count = rawCount - duplicateCount;
	const kept = keep;
	/** Copy one column from every chunk into `target`, skipping duplicates, releasing the chunk's copy. */
	const gather = <T extends Float64Array | Uint32Array | Uint8Array>(
		target: T,
		take: (chunk: ParsedChunk) => T,
		release: (chunk: ParsedChunk) => void,
	): T => {
		let out = 0;
		let raw = 0;
		for (const chunk of chunks) {
			const source = take(chunk);
			if (kept === undefined) {
				target.set(source, out);
				out += source.length;
			} else {
				for (let i = 0; i < source.length; i++, raw++) {
					if (kept[raw] === 1) {
						target[out++] = source[i]!;
					}
				}
			}

			release(chunk);
		}

		return target;
	};

	const objectType = new Uint32Array(count);
	{
		let out = 0;
		let raw = 0;
		for (const [c, chunk] of chunks.entries()) {
			const map = chunkTypeMaps[c]!;
			const source = chunk.typeId;
			for (let i = 0; i < source.length; i++, raw++) {
				if (kept === undefined || kept[raw] === 1) {
					objectType[out++] = map[source[i]!]!;
				}
			}

			chunk.typeId = EMPTY_U32;
		}
	}

	const objectSize = gather(new Float64Array(count), chunk => chunk.size, chunk => {
		chunk.size = EMPTY_F64;
	});
	const objectLength = gather(new Uint32Array(count), chunk => chunk.length, chunk => {
		chunk.length = EMPTY_U32;
	});
	const objectFlags = gather(new Uint8Array(count), chunk => chunk.flags, chunk => {
		chunk.flags = EMPTY_U8;
	});

	// Values: offsets shifted by the bytes of earlier chunks.
	let keptValueBytes = valueBytesTotal;
	let keptEdges = rawEdges;
	if (kept !== undefined) {
		keptValueBytes = 0;
		keptEdges = 0;
		let raw = 0;
		for (const chunk of chunks) {
			for (let i = 0; i < chunk.objectCount; i++, raw++) {
				if (kept[raw] === 1) {
					keptValueBytes += chunk.valueOffset[i + 1]! - chunk.valueOffset[i]!;
					keptEdges += chunk.childOffset[i + 1]! - chunk.childOffset[i]!;
				}
			}
		}
	}

	const valueOffset = new Uint32Array(count + 1);
	const valueBytes = new Uint8Array(keptValueBytes);
	{
		let out = 0;
		let raw = 0;
		let valueEnd = 0;
		for (const chunk of chunks) {
			const offsets = chunk.valueOffset;
			if (kept === undefined) {
				for (let i = 0; i < chunk.objectCount; i++) {
					valueOffset[out + i + 1] = valueEnd + offsets[i + 1]!;
				}

				valueBytes.set(chunk.valueBytes, valueEnd);
				valueEnd += chunk.valueBytes.length;
				out += chunk.objectCount;
			} else {
				for (let i = 0; i < chunk.objectCount; i++, raw++) {
					if (kept[raw] === 0) {
						continue;
					}

					const start = offsets[i]!;
					const end = offsets[i + 1]!;
					valueBytes.set(chunk.valueBytes.subarray(start, end), valueEnd);
					valueEnd += end - start;
					valueOffset[++out] = valueEnd;
				}
			}

			chunk.valueOffset = EMPTY_U32;
			chunk.valueBytes = EMPTY_U8;
		}
	}

	await options.onPhase?.('resolving');
	// Children: each chunk's raw addresses go straight to ordinals.
	const firstChild = new Uint32Array(count + 1);
	const childTargets = new Uint32Array(keptEdges);
	const unresolved = new Map<number, number>();
	const unresolvedList: number[] = [];
	{
		let out = 0;
		let raw = 0;
		let edgeEnd = 0;
		for (const chunk of chunks) {
			const offsets = chunk.childOffset;
			const addresses = chunk.childAddress;
			for (let i = 0; i < chunk.objectCount; i++, raw++) {
				const start = offsets[i]!;
				const end = offsets[i + 1]!;
				if (kept !== undefined && kept[raw] === 0) {
					continue;
				}

				for (let e = start; e < end; e++) {
					const address = addresses[e]!;
					const ordinal = index.get(address);
					if (ordinal !== NO_OBJECT) {
						childTargets[edgeEnd++] = ordinal;
						continue;
					}

					let k = unresolved.get(address);
					if (k === undefined) {
						k = unresolvedList.length;
						unresolved.set(address, k);
						unresolvedList.push(address);
					}

					childTargets[edgeEnd++] = UNRESOLVED_BIT | k;
				}

				firstChild[++out] = edgeEnd;
			}

			chunk.childOffset = EMPTY_U32;
			chunk.childAddress = EMPTY_F64;
		}
	}

	chunks.length = 0;
	await options.onPhase?.('parents');
	const {firstParent, parentSources} = buildParents(count, firstChild, childTargets);
	const store = new GraphStore({
		objectAddress,
		objectType,
		objectSize,
		objectLength,
		objectFlags,
		valueOffset,
		valueBytes,
		firstChild,
		childTargets,
		unresolvedAddress: Float64Array.from(unresolvedList),
		typeNames,
		firstParent,
		parentSources,
	}, index);
	return {store, duplicateCount, firstDuplicateLine};
}
