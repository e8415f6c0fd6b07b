/**
 * Builds a GraphStore from parsed blocks as they arrive, in file order:
 * the columns grow, addresses go into the (shared) hash at once, so that
 * indexing overlaps with parsing in the worker threads; then the blocks'
 * references, resolved against the complete hash, are placed. Duplicate
 * addresses are dropped at the end (the first occurrence wins, as in
 * meliae).
 */

import {chunkLineOf, type ChunkHead} from '../dump/parse-chunk.js';
import type {ResolvedChunk} from '../dump/parser-pool.js';
import {AddressIndex} from './address-index.js';
import {AddressTable} from './address-table.js';
import {NameTable} from './name-table.js';
import {MAX_OBJECTS, NO_OBJECT, UNRESOLVED_BIT, UNRESOLVED_MASK} from './layout.js';
import {GraphStore} from './store.js';

export type BuildResult = {
	store: GraphStore;
	/** Lines whose address was already taken by an earlier line. */
	duplicateCount: number;
	/** 1-based line of the first duplicate, or 0. */
	firstDuplicateLine: number;
};

export class TooManyObjectsError extends Error {}

function grown<T extends Float64Array | Uint32Array | Uint8Array>(array: T, capacity: number, shared = false): T {
	const Constructor = array.constructor as {new (buffer: ArrayBufferLike): T; new (length: number): T; BYTES_PER_ELEMENT: number};
	const next = shared
		? new Constructor(new SharedArrayBuffer(capacity * Constructor.BYTES_PER_ELEMENT))
		: new Constructor(capacity);
	next.set(array);
	return next;
}

export class StoreBuilder {
	/** Rows accepted so far, duplicates included. */
	count = 0;
	edgeCount = 0;
	private capacity: number;
	/** In shared memory: worker threads read it while resolving. */
	objectAddress: Float64Array;
	private objectType: Uint32Array;
	private objectSize: Float64Array;
	private objectLength: Uint32Array;
	private objectFlags: Uint8Array;
	private valueOffset: Uint32Array;
	private valueBytes: Uint8Array;
	private valueLength = 0;
	private firstChild: Uint32Array;
	private childTargets: Uint32Array | undefined;
	private readonly edgeBase = new Map<number, number>();
	private readonly blockEdges = new Map<number, number>();
	private readonly types = new NameTable();
	readonly index: AddressIndex;
	private keep: Uint8Array | undefined;
	duplicateCount = 0;
	firstDuplicateLine = 0;
	private readonly unresolved = new AddressTable();
	/** Resolved blocks not yet numbered (an earlier block is still being resolved), and the next block to number. */
	private readonly resolvedAhead = new Map<number, Float64Array>();
	private nextPlaced = 0;

	/**
	 * @param expectedObjects how many objects the dump probably holds: the
	 *   hash is sized for it, the columns with room to spare (pages never
	 *   touched cost nothing; growing the columns later costs a copy)
	 */
	constructor(expectedObjects: number) {
		this.capacity = Math.max(1024, Math.ceil(expectedObjects * 1.3));
		this.objectAddress = new Float64Array(new SharedArrayBuffer(this.capacity * 8));
		this.objectType = new Uint32Array(this.capacity);
		this.objectSize = new Float64Array(this.capacity);
		this.objectLength = new Uint32Array(this.capacity);
		this.objectFlags = new Uint8Array(this.capacity);
		this.valueOffset = new Uint32Array(this.capacity + 1);
		this.firstChild = new Uint32Array(this.capacity + 1);
		this.valueBytes = new Uint8Array(Math.max(4096, this.capacity * 12));
		this.index = new AddressIndex(this.objectAddress, Math.max(1024, expectedObjects), {shared: true, slotKeys: true});
	}

	private reserve(count: number): void {
		if (count > MAX_OBJECTS) {
			throw new TooManyObjectsError(`more objects than one store holds (${MAX_OBJECTS})`);
		}

		if (count <= this.capacity) {
			return;
		}

		const capacity = Math.max(count, Math.ceil(this.capacity * 1.5));
		this.objectAddress = grown(this.objectAddress.subarray(0, this.count), capacity, true);
		this.objectType = grown(this.objectType.subarray(0, this.count), capacity);
		this.objectSize = grown(this.objectSize.subarray(0, this.count), capacity);
		this.objectLength = grown(this.objectLength.subarray(0, this.count), capacity);
		this.objectFlags = grown(this.objectFlags.subarray(0, this.count), capacity);
		this.valueOffset = grown(this.valueOffset.subarray(0, this.count + 1), capacity + 1);
		this.firstChild = grown(this.firstChild.subarray(0, this.count + 1), capacity + 1);
		if (this.keep !== undefined) {
			const keep = new Uint8Array(capacity).fill(1);
			keep.set(this.keep.subarray(0, this.count));
			this.keep = keep;
		}

		this.capacity = capacity;
		this.index.setKeys(this.objectAddress);
	}

	/** Take block `id` (blocks must come in file order); `firstLine` is its first line's number. */
	accept(id: number, head: ChunkHead, firstLine: number): void {
		const n = head.objectCount;
		const base = this.count;
		this.reserve(base + n);
		this.index.reserve(base + n);
		const typeMap = new Uint32Array(head.typeNames.length);
		for (const [local, name] of head.typeNames.entries()) {
			typeMap[local] = this.types.idOf(name);
		}

		this.objectAddress.set(head.address, base);
		const index = this.index;
		for (let i = 0; i < n; i++) {
			if (index.insert(base + i) !== NO_OBJECT) {
				if (this.keep === undefined) {
					this.keep = new Uint8Array(this.capacity).fill(1);
				}

				this.keep[base + i] = 0;
				if (this.duplicateCount === 0) {
					this.firstDuplicateLine = firstLine - 1 + chunkLineOf(head, i);
				}

				this.duplicateCount++;
			}
		}

		const objectType = this.objectType;
		const ids = head.typeId;
		for (let i = 0; i < n; i++) {
			objectType[base + i] = typeMap[ids[i]!]!;
		}

		this.objectSize.set(head.size, base);
		this.objectLength.set(head.length, base);
		this.objectFlags.set(head.flags, base);
		const valueStart = this.valueLength;
		const valueEnd = valueStart + head.valueBytes.length;
		if (valueEnd >= 2 ** 32) {
			throw new TooManyObjectsError('the dump has more than 4 GiB of values');
		}

		if (valueEnd > this.valueBytes.length) {
			this.valueBytes = grown(this.valueBytes.subarray(0, valueStart), Math.max(valueEnd, Math.ceil(this.valueBytes.length * 1.5)));
		}

		this.valueBytes.set(head.valueBytes, valueStart);
		this.valueLength = valueEnd;
		const valueOffset = this.valueOffset;
		const firstChild = this.firstChild;
		const edgeStart = this.edgeCount;
		for (let i = 1; i <= n; i++) {
			valueOffset[base + i] = valueStart + head.valueOffset[i]!;
			firstChild[base + i] = edgeStart + head.childOffset[i]!;
		}

		this.edgeBase.set(id, edgeStart);
		this.blockEdges.set(id, head.edgeCount);
		this.edgeCount += head.edgeCount;
		if (this.edgeCount >= 2 ** 32) {
			throw new TooManyObjectsError('the dump has more than 4G references');
		}

		this.count += n;
	}

	/** Where resolved references go (shared memory): allocated once every block is in. */
	targets(): Uint32Array {
		this.childTargets ??= new Uint32Array(new SharedArrayBuffer(Math.max(4, this.edgeCount * 4)), 0, this.edgeCount);
		return this.childTargets;
	}

	/** Where block `id`'s references start in targets(). */
	edgeBaseOf(id: number): number {
		const base = this.edgeBase.get(id);
		if (base === undefined) {
			throw new Error(`references of an unknown block ${id}`);
		}

		return base;
	}

	/**
	 * Block `id`'s references are in place; its unresolved ones carry
	 * indexes into `unresolved`, to be made global. Blocks may come in any
	 * order (threads finish when they finish): they are numbered in block
	 * order, so that the unresolved addresses get the same numbers whatever
	 * thread resolved what.
	 */
	place(chunk: ResolvedChunk): void {
		this.resolvedAhead.set(chunk.id, chunk.unresolved);
		for (let next = this.resolvedAhead.get(this.nextPlaced); next !== undefined; next = this.resolvedAhead.get(this.nextPlaced)) {
			this.resolvedAhead.delete(this.nextPlaced);
			this.number(this.nextPlaced, next);
			this.nextPlaced++;
		}
	}

	private number(id: number, unresolved: Float64Array): void {
		if (unresolved.length === 0) {
			return;
		}

		const global = new Uint32Array(unresolved.length);
		const table = this.unresolved;
		table.reserve(unresolved.length);
		for (let k = 0; k < unresolved.length; k++) {
			global[k] = table.idOf(unresolved[k]!);
		}

		const targets = this.targets();
		const base = this.edgeBaseOf(id);
		const end = base + (this.blockEdges.get(id) ?? 0);
		for (let e = base; e < end; e++) {
			const target = targets[e]!;
			if (target >= UNRESOLVED_BIT) {
				targets[e] = UNRESOLVED_BIT | global[target & UNRESOLVED_MASK]!;
			}
		}
	}

	/** The store (parents are built on first use). The builder must not be used afterwards. */
	finish(): BuildResult {
		if (this.resolvedAhead.size > 0 || this.nextPlaced !== this.edgeBase.size) {
			throw new Error(`references of ${this.edgeBase.size - this.nextPlaced} blocks were not placed`);
		}

		// References are resolved: lookups by address are rare from here on.
		this.index.dropSlotKeys();
		let n = this.count;
		let objectAddress = this.objectAddress.subarray(0, n);
		let objectType = this.objectType.subarray(0, n);
		let objectSize = this.objectSize.subarray(0, n);
		let objectLength = this.objectLength.subarray(0, n);
		let objectFlags = this.objectFlags.subarray(0, n);
		let valueOffset = this.valueOffset.subarray(0, n + 1);
		let valueBytes = this.valueBytes.subarray(0, this.valueLength);
		let firstChild = this.firstChild.subarray(0, n + 1);
		let childTargets = this.targets();
		if (this.keep !== undefined) {
			// Drop duplicate rows, in place; keep the first occurrence's ordinal numbering.
			const keep = this.keep;
			const newOrdinal = new Uint32Array(n);
			let out = 0;
			let edgeOut = 0;
			let valueOut = 0;
			for (let i = 0; i < n; i++) {
				newOrdinal[i] = out;
				if (keep[i] === 1) {
					out++;
				}
			}

			out = 0;
			for (let i = 0; i < n; i++) {
				const vStart = valueOffset[i]!;
				const vEnd = valueOffset[i + 1]!;
				const eStart = firstChild[i]!;
				const eEnd = firstChild[i + 1]!;
				if (keep[i] === 0) {
					continue;
				}

				objectAddress[out] = objectAddress[i]!;
				objectType[out] = objectType[i]!;
				objectSize[out] = objectSize[i]!;
				objectLength[out] = objectLength[i]!;
				objectFlags[out] = objectFlags[i]!;
				valueBytes.copyWithin(valueOut, vStart, vEnd);
				valueOut += vEnd - vStart;
				for (let e = eStart; e < eEnd; e++) {
					const target = childTargets[e]!;
					childTargets[edgeOut++] = target >= UNRESOLVED_BIT ? target : newOrdinal[target]!;
				}

				out++;
				valueOffset[out] = valueOut;
				firstChild[out] = edgeOut;
			}

			const removed = new Uint8Array(n);
			for (let i = 0; i < n; i++) {
				removed[i] = keep[i] === 1 ? 0 : 1;
			}

			n = out;
			objectAddress = objectAddress.subarray(0, n);
			objectType = objectType.subarray(0, n);
			objectSize = objectSize.subarray(0, n);
			objectLength = objectLength.subarray(0, n);
			objectFlags = objectFlags.subarray(0, n);
			valueOffset = valueOffset.subarray(0, n + 1);
			valueBytes = valueBytes.subarray(0, valueOut);
			firstChild = firstChild.subarray(0, n + 1);
			childTargets = childTargets.subarray(0, edgeOut);
			this.index.remap(newOrdinal, removed, objectAddress);
		}

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
			unresolvedAddress: this.unresolved.addresses(),
			typeNames: this.types.names,
		}, this.index);
		return {store, duplicateCount: this.duplicateCount, firstDuplicateLine: this.firstDuplicateLine};
	}
}
