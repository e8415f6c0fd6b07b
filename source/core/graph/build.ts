/**
 * From parsed chunks (in file order) to a GraphStore: merge the columns,
 * drop duplicate addresses (the first occurrence wins, as in meliae), build
 * the address hash, resolve child addresses to ordinals, build parents.
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

export async function buildStore(chunks: readonly ParsedChunk[], options: BuildOptions = {}): Promise<BuildResult> {
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

	// Addresses first, so duplicates are known before anything else is copied.
	const rawAddress = new Float64Array(rawCount);
	{
		let offset = 0;
		for (const chunk of chunks) {
			rawAddress.set(chunk.address, offset);
			offset += chunk.objectCount;
		}
	}

	let index = new AddressIndex(rawAddress, rawCount);
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

	const count = rawCount - duplicateCount;
	let objectAddress = rawAddress;
	if (keep !== undefined) {
		objectAddress = new Float64Array(count);
		let out = 0;
		for (let i = 0; i < rawCount; i++) {
			if (keep[i] === 1) {
				objectAddress[out++] = rawAddress[i]!;
			}
		}

		index = new AddressIndex(objectAddress, count);
		for (let i = 0; i < count; i++) {
			index.insert(i);
		}
	}

	const objectType = new Uint32Array(count);
	const objectSize = new Float64Array(count);
	const objectLength = new Uint32Array(count);
	const objectFlags = new Uint8Array(count);
	const valueOffset = new Uint32Array(count + 1);
	const firstChild = new Uint32Array(count + 1);
	let keptValueBytes = valueBytesTotal;
	let keptEdges = rawEdges;
	if (keep !== undefined) {
		keptValueBytes = 0;
		keptEdges = 0;
		let raw = 0;
		for (const chunk of chunks) {
			for (let i = 0; i < chunk.objectCount; i++, raw++) {
				if (keep[raw] === 1) {
					keptValueBytes += chunk.valueOffset[i + 1]! - chunk.valueOffset[i]!;
					keptEdges += chunk.childOffset[i + 1]! - chunk.childOffset[i]!;
				}
			}
		}
	}

	const valueBytes = new Uint8Array(keptValueBytes);
	const childAddress = new Float64Array(keptEdges);
	let out = 0;
	let raw = 0;
	let valueEnd = 0;
	let edgeEnd = 0;
	let firstDuplicateLine = 0;
	for (const [c, chunk] of chunks.entries()) {
		const typeMap = chunkTypeMaps[c]!;
		if (keep === undefined) {
			// Fast path: whole columns copied at once.
			const n = chunk.objectCount;
			for (let i = 0; i < n; i++) {
				objectType[out + i] = typeMap[chunk.typeId[i]!]!;
				valueOffset[out + i + 1] = valueEnd + chunk.valueOffset[i + 1]!;
				firstChild[out + i + 1] = edgeEnd + chunk.childOffset[i + 1]!;
			}

			objectSize.set(chunk.size, out);
			objectLength.set(chunk.length, out);
			objectFlags.set(chunk.flags, out);
			valueBytes.set(chunk.valueBytes, valueEnd);
			childAddress.set(chunk.childAddress, edgeEnd);
			valueEnd += chunk.valueBytes.length;
			edgeEnd += chunk.childAddress.length;
			out += n;
			raw += n;
			continue;
		}

		for (let i = 0; i < chunk.objectCount; i++, raw++) {
			if (keep[raw] === 0) {
				if (raw === firstDuplicateOrdinal && options.chunkFirstLine !== undefined) {
					firstDuplicateLine = options.chunkFirstLine[c]! - 1 + chunkLineOf(chunk, i);
				}

				continue;
			}

			objectType[out] = typeMap[chunk.typeId[i]!]!;
			objectSize[out] = chunk.size[i]!;
			objectLength[out] = chunk.length[i]!;
			objectFlags[out] = chunk.flags[i]!;
			const vStart = chunk.valueOffset[i]!;
			const vEnd = chunk.valueOffset[i + 1]!;
			valueBytes.set(chunk.valueBytes.subarray(vStart, vEnd), valueEnd);
			valueEnd += vEnd - vStart;
			valueOffset[out + 1] = valueEnd;
			const eStart = chunk.childOffset[i]!;
			const eEnd = chunk.childOffset[i + 1]!;
			childAddress.set(chunk.childAddress.subarray(eStart, eEnd), edgeEnd);
			edgeEnd += eEnd - eStart;
			firstChild[out + 1] = edgeEnd;
			out++;
		}
	}

	await options.onPhase?.('resolving');
	const {childTargets, unresolvedAddress} = resolveTargets(childAddress, index);

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
		unresolvedAddress,
		typeNames,
		firstParent,
		parentSources,
	}, index);
	return {store, duplicateCount, firstDuplicateLine};
}

/** Child addresses → ordinals; unknown addresses get UNRESOLVED_BIT | k. */
export function resolveTargets(
	childAddress: Float64Array,
	index: AddressIndex,
): {childTargets: Uint32Array; unresolvedAddress: Float64Array} {
	const childTargets = new Uint32Array(childAddress.length);
	const unresolved = new Map<number, number>();
	const unresolvedList: number[] = [];
	for (let e = 0; e < childAddress.length; e++) {
		const address = childAddress[e]!;
		const ordinal = index.get(address);
		if (ordinal !== NO_OBJECT) {
			childTargets[e] = ordinal;
			continue;
		}

		let k = unresolved.get(address);
		if (k === undefined) {
			k = unresolvedList.length;
			unresolved.set(address, k);
			unresolvedList.push(address);
		}

		childTargets[e] = UNRESOLVED_BIT | k;
	}

	return {childTargets, unresolvedAddress: Float64Array.from(unresolvedList)};
}
