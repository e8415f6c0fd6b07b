/**
 * The graph store: every object of a dump as one row across typed arrays
 * (struct of arrays, indexed by ordinal = position in file order after
 * duplicates and collapsed dicts are dropped), references in CSR form both
 * ways, an address hash, a type-name table and a byte arena for values.
 *
 * Nothing here creates a JS object per node or edge. Accessors that return
 * strings decode one value on demand, for display.
 */

import {decodeJsonStringBytes} from '../dump/json-string.js';
import {AddressIndex} from './address-index.js';
import {
	FLAG_VALUE_IS_NAME, FLAG_VALUE_STRING, FLAG_VALUE_TOKEN, NO_LENGTH, NO_OBJECT,
	UNRESOLVED_BIT, UNRESOLVED_MASK,
} from './layout.js';

export {NO_OBJECT, NO_LENGTH, UNRESOLVED_BIT} from './layout.js';

const latin1 = new TextDecoder('latin1');

export type StoreColumns = {
	objectAddress: Float64Array;
	objectType: Uint32Array;
	objectSize: Float64Array;
	objectLength: Uint32Array;
	objectFlags: Uint8Array;
	valueOffset: Uint32Array;
	valueBytes: Uint8Array;
	firstChild: Uint32Array;
	childTargets: Uint32Array;
	unresolvedAddress: Float64Array;
	typeNames: string[];
	/** Computed when absent. */
	firstParent?: Uint32Array;
	parentSources?: Uint32Array;
};

/** Columns a store can read from a source on first use. */
export const LAZY_COLUMNS = [
	'objectAddress', 'objectType', 'objectSize', 'objectLength', 'objectFlags', 'valueOffset', 'valueBytes',
	'firstChild', 'childTargets', 'unresolvedAddress', 'firstParent', 'parentSources',
] as const;
export type LazyColumn = typeof LAZY_COLUMNS[number] | 'addressSlots';

/**
 * Where a store's columns are when they are not in memory (an index file).
 * load() returns a column whole, checked (it throws when it cannot, and the
 * error says why); readValue() the bytes of valueBytes[start, end), checked.
 */
export type ColumnSource = {
	has(name: LazyColumn): boolean;
	load(name: LazyColumn): Float64Array | Uint32Array | Uint8Array;
	readValue(start: number, end: number): Uint8Array;
	/** A column's length (elements) without reading it. */
	lengthOf?(name: LazyColumn): number;
	/** A column read in steps (see GraphStore.loadColumnSteps). */
	loadSteps?(name: LazyColumn): {step(deadline: number): boolean; result(): Float64Array | Uint32Array | Uint8Array};
	/** One object's parents, read alone (checked); undefined when they cannot be read so. */
	parentsOf?(ordinal: number): Uint32Array | undefined;
};

export type SourcedColumns = {
	objectCount: number;
	typeNames: string[];
	unresolvedReferenceCount: number;
	source: ColumnSource;
};

/** Lookups by address answered by a scan before the address table is read. */
const SCANS_BEFORE_INDEX = 4;

/** Objects' parents read one by one (see parentsOf) before the whole parents are read. */
const SLICES_BEFORE_WHOLE = 4096;

/** Each store's column source (kept off the store, so that spreading a store copies arrays only). */
const sources = new WeakMap<GraphStore, ColumnSource>();

function isSourced(columns: StoreColumns | SourcedColumns): columns is SourcedColumns {
	return (columns as Partial<SourcedColumns>).source !== undefined;
}

function isLoaded(store: GraphStore, name: LazyColumn): boolean {
	const key = name === 'addressSlots' ? 'addressIndex' : name;
	const descriptor = Object.getOwnPropertyDescriptor(store, key);
	return descriptor === undefined ? false : descriptor.get === undefined;
}

function settle(store: GraphStore, key: string, value: unknown): void {
	Object.defineProperty(store, key, {value, writable: false, enumerable: true, configurable: false});
}

/** Each column (and the address index) as a getter that reads it once, then is replaced by the array. */
function defineLazyColumns(store: GraphStore, source: ColumnSource, only?: readonly LazyColumn[]): void {
	for (const name of LAZY_COLUMNS) {
		if (name === 'firstParent' || name === 'parentSources' || (only !== undefined && !only.includes(name))) {
			continue;
		}

		Object.defineProperty(store, name, {
			configurable: true,
			enumerable: true,
			get() {
				const column = source.load(name);
				settle(store, name, column);
				return column;
			},
		});
	}

	Object.defineProperty(store, 'addressIndex', {
		configurable: true,
		enumerable: true,
		get() {
			const addressIndex = source.has('addressSlots')
				? AddressIndex.attach(store.objectAddress, source.load('addressSlots') as Uint32Array, store.objectCount)
				: buildAddressIndex(store.objectAddress, store.objectCount);
			settle(store, 'addressIndex', addressIndex);
			return addressIndex;
		},
	});
}

/**
 * Let a store made in memory read its values and its address hash from
 * `source` (its index, just written) from now on, as a store read from the
 * index does: the arrays in memory are dropped (freed once nothing else
 * holds them). Every other column stays in memory.
 */
export function leaveToSource(store: GraphStore, source: ColumnSource): void {
	if (sources.has(store)) {
		return;
	}

	sources.set(store, source);
	defineLazyColumns(store, source, ['valueBytes']);
}

/** Undo leaveToSource: the values and the address hash are read back (checked) and kept in memory. */
export function takeBackFromSource(store: GraphStore): void {
	void store.valueBytes;
	void store.addressIndex;
}

function buildAddressIndex(objectAddress: Float64Array, count: number): AddressIndex {
	const addressIndex = new AddressIndex(objectAddress);
	for (let i = 0; i < count; i++) {
		addressIndex.insert(i);
	}

	return addressIndex;
}

export type ValueKind = 'none' | 'string' | 'token' | 'name';

export class GraphStore {
	readonly objectCount: number;
	// The columns are `declare`d: a store read from a column source (an
	// index file) defines each as a getter that reads it on first use and
	// then becomes the plain array (see defineLazyColumns).
	/** Address of each object (all dumps so far are below 2^53). */
	declare readonly objectAddress: Float64Array;
	/** Index into typeNames. */
	declare readonly objectType: Uint32Array;
	/** Bytes, as reported by the dump (after collapse, instance + its dict). */
	declare readonly objectSize: Float64Array;
	/** "len" or NO_LENGTH. */
	declare readonly objectLength: Uint32Array;
	declare readonly objectFlags: Uint8Array;
	/** objectCount + 1 offsets into valueBytes: the raw (still escaped) value or name. */
	declare readonly valueOffset: Uint32Array;
	/**
	 * Every value's bytes. From a column source this reads the whole arena:
	 * for one value use value() (or valueBytesOf()), which reads only it.
	 */
	declare readonly valueBytes: Uint8Array;
	/** objectCount + 1 offsets into childTargets. */
	declare readonly firstChild: Uint32Array;
	/** Ordinals, or UNRESOLVED_BIT | index into unresolvedAddress. In dump order, duplicates kept. */
	declare readonly childTargets: Uint32Array;
	/** Referenced addresses that no line of the dump describes. */
	declare readonly unresolvedAddress: Float64Array;
	private parents: {firstParent: Uint32Array; parentSources: Uint32Array} | undefined;
	/**
	 * A spare Uint32Array of at least objectCount elements, left by the step
	 * that made this store, for building parents without touching fresh
	 * memory. Dropped once used.
	 */
	scratch: Uint32Array | undefined;
	private parentsBuilder: ParentsBuilder | undefined;
	/**
	 * Where saved parents come from (an index's analyses file), asked once
	 * before building them; undefined from it means build.
	 */
	parentsSource: (() => {firstParent: Uint32Array; parentSources: Uint32Array} | undefined) | undefined;
	/**
	 * Reads one object's parents from where they are saved without reading
	 * them whole (an index's analyses file, block by block), while they are
	 * not in memory; undefined from it means read or build them whole.
	 */
	parentsReader: ((ordinal: number) => Uint32Array | undefined) | undefined;
	/** Slices read by parentsReader; past SLICES_BEFORE_WHOLE the whole parents are read instead. */
	private parentSlices = 0;
	/** Called once the parents were built here (not when they came from parentsSource). */
	onParentsBuilt: (() => void) | undefined;
	readonly typeNames: readonly string[];
	declare readonly addressIndex: AddressIndex;
	/** How many child references point at addresses not in the dump. */
	readonly unresolvedReferenceCount: number;

	constructor(columns: StoreColumns | SourcedColumns, addressIndex?: AddressIndex) {
		if (isSourced(columns)) {
			this.objectCount = columns.objectCount;
			this.typeNames = columns.typeNames;
			this.unresolvedReferenceCount = columns.unresolvedReferenceCount;
			sources.set(this, columns.source);
			defineLazyColumns(this, columns.source);
			if (columns.source.has('firstParent')) {
				this.parentsOnDisk = true;
				const {source} = columns;
				if (source.parentsOf !== undefined) {
					this.parentsReader = ordinal => source.parentsOf!(ordinal);
				}

				this.parentsSource = () => ({
					firstParent: columns.source.load('firstParent') as Uint32Array,
					parentSources: columns.source.load('parentSources') as Uint32Array,
				});
			}

			return;
		}

		this.objectCount = columns.objectAddress.length;
		this.objectAddress = columns.objectAddress;
		this.objectType = columns.objectType;
		this.objectSize = columns.objectSize;
		this.objectLength = columns.objectLength;
		this.objectFlags = columns.objectFlags;
		this.valueOffset = columns.valueOffset;
		this.valueBytes = columns.valueBytes;
		this.firstChild = columns.firstChild;
		this.childTargets = columns.childTargets;
		this.unresolvedAddress = columns.unresolvedAddress;
		this.typeNames = columns.typeNames;
		this.addressIndex = addressIndex ?? buildAddressIndex(this.objectAddress, this.objectCount);
		let unresolved = 0;
		const targets = this.childTargets;
		for (let e = 0; e < targets.length; e++) {
			if (targets[e]! >= UNRESOLVED_BIT) {
				unresolved++;
			}
		}

		this.unresolvedReferenceCount = unresolved;
		if (columns.firstParent !== undefined && columns.parentSources !== undefined) {
			this.parents = {firstParent: columns.firstParent, parentSources: columns.parentSources};
		}
	}

	/** objectCount + 1 offsets into parentSources (built on first use; see ensureParents). */
	get firstParent(): Uint32Array {
		return this.ensureParents().firstParent;
	}

	/** Ordinals of distinct referrers, ascending. */
	get parentSources(): Uint32Array {
		return this.ensureParents().parentSources;
	}

	/** Whether parents are built already (the loader builds them last), or can be read from the column source. */
	get hasParents(): boolean {
		return this.parents !== undefined || this.parentsOnDisk;
	}

	private parentsOnDisk = false;

	/** Build the parents CSR now if it is not built yet. */
	ensureParents(): {firstParent: Uint32Array; parentSources: Uint32Array} {
		this.buildParentsStep();
		return this.parents!;
	}

	/**
	 * Build the parents in steps: works until the clock passes `deadline`;
	 * true once they are built. For programs that must keep answering keys.
	 */
	buildParentsStep(deadline = Number.POSITIVE_INFINITY): boolean {
		if (this.parents !== undefined) {
			return true;
		}

		if (this.parentsBuilder === undefined && this.parentsSource !== undefined) {
			const source = this.parentsSource;
			this.parentsSource = undefined;
			const saved = source();
			if (saved !== undefined && saved.firstParent.length === this.objectCount + 1) {
				this.parents = saved;
				this.scratch = undefined;
				return true;
			}
		}

		this.parentsBuilder ??= new ParentsBuilder(this.objectCount, this.firstChild, this.childTargets, this.scratch);
		this.scratch = undefined;
		if (!this.parentsBuilder.step(deadline)) {
			return false;
		}

		this.parents = this.parentsBuilder.result();
		this.parentsBuilder = undefined;
		this.onParentsBuilt?.();
		return true;
	}

	/** How many references (the length of childTargets, not read for this when it is on disk). */
	get edgeCount(): number {
		const source = sources.get(this);
		if (source?.lengthOf !== undefined && !isLoaded(this, 'childTargets')) {
			return source.lengthOf('childTargets');
		}

		return this.childTargets.length;
	}

	get typeCount(): number {
		return this.typeNames.length;
	}

	/** Ordinal of the object at `address`, or NO_OBJECT. */
	indexOf(address: number): number {
		if (this.scans < SCANS_BEFORE_INDEX && !isLoaded(this, 'addressSlots') && sources.has(this)) {
			// A command that looks up one address: a scan of the addresses
			// costs less than reading and checking the address table.
			this.scans++;
			const ordinal = this.objectAddress.indexOf(address);
			return ordinal < 0 ? NO_OBJECT : ordinal;
		}

		return this.addressIndex.get(address);
	}

	private scans = 0;

	typeName(ordinal: number): string {
		return this.typeNames[this.objectType[ordinal]!]!;
	}

	/** The type id of a type name, or -1. */
	typeId(name: string): number {
		return this.typeNames.indexOf(name);
	}

	childCount(ordinal: number): number {
		return this.firstChild[ordinal + 1]! - this.firstChild[ordinal]!;
	}

	parentCount(ordinal: number): number {
		if (this.parents === undefined && this.parentsReader !== undefined) {
			const slice = this.parentSlice(ordinal);
			if (slice !== undefined) {
				return slice.length;
			}
		}

		return this.firstParent[ordinal + 1]! - this.firstParent[ordinal]!;
	}

	/**
	 * The ordinals of an object's distinct referrers, ascending. While the
	 * parents are not in memory and can be read by slices, this reads only
	 * this object's (a command that shows one object); after a few thousand
	 * such reads, or when a slice cannot be read, the whole parents.
	 */
	parentsOf(ordinal: number): Uint32Array {
		if (this.parents === undefined && this.parentsReader !== undefined) {
			const slice = this.parentSlice(ordinal);
			if (slice !== undefined) {
				return slice;
			}
		}

		const {firstParent, parentSources} = this.ensureParents();
		return parentSources.subarray(firstParent[ordinal]!, firstParent[ordinal + 1]!);
	}

	private parentSlice(ordinal: number): Uint32Array | undefined {
		if (this.parentSlices >= SLICES_BEFORE_WHOLE) {
			this.parentsReader = undefined;
			return undefined;
		}

		this.parentSlices++;
		const slice = this.parentsReader!(ordinal);
		if (slice === undefined) {
			this.parentsReader = undefined;
		}

		return slice;
	}

	/** Address of a child target (resolved or not). */
	targetAddress(target: number): number {
		return target >= UNRESOLVED_BIT
			? this.unresolvedAddress[target & UNRESOLVED_MASK]!
			: this.objectAddress[target]!;
	}

	length(ordinal: number): number | undefined {
		const length = this.objectLength[ordinal]!;
		return length === NO_LENGTH ? undefined : length;
	}

	valueKind(ordinal: number): ValueKind {
		const flags = this.objectFlags[ordinal]!;
		if ((flags & FLAG_VALUE_STRING) !== 0) {
			return (flags & FLAG_VALUE_IS_NAME) === 0 ? 'string' : 'name';
		}

		if ((flags & FLAG_VALUE_TOKEN) !== 0) {
			return 'token';
		}

		return 'none';
	}

	/**
	 * The value (or name) decoded to text: a str's text, an int's digits
	 * (exact, beyond 2^53 too), "True"/"False", a frame's code name, a
	 * module's name. Undefined when the object has none. Not escaped: pass
	 * it through displayString() before it reaches a terminal.
	 */
	value(ordinal: number): string | undefined {
		const flags = this.objectFlags[ordinal]!;
		if ((flags & (FLAG_VALUE_STRING | FLAG_VALUE_TOKEN)) === 0) {
			return undefined;
		}

		const bytes = this.valueBytesOf(ordinal);
		return (flags & FLAG_VALUE_STRING) === 0 ? latin1.decode(bytes) : decodeJsonStringBytes(bytes, 0, bytes.length);
	}

	/**
	 * The raw (still escaped) bytes of one object's value or name: a view
	 * on the arena when it is in memory, else read from the column source.
	 */
	valueBytesOf(ordinal: number): Uint8Array {
		const start = this.valueOffset[ordinal]!;
		const end = this.valueOffset[ordinal + 1]!;
		const source = sources.get(this);
		if (source !== undefined && !isLoaded(this, 'valueBytes')) {
			return source.readValue(start, end);
		}

		return this.valueBytes.subarray(start, end);
	}

	/**
	 * The raw bytes of the value arena from `start` to `end` (offsets as in
	 * valueOffset): a view when the arena is in memory, else read from the
	 * column source (block by block, checked), so that a scan over many
	 * values reads them a window at a time without the whole arena.
	 */
	valueBytesIn(start: number, end: number): Uint8Array {
		const source = sources.get(this);
		if (source !== undefined && !isLoaded(this, 'valueBytes')) {
			return source.readValue(start, end);
		}

		return this.valueBytes.subarray(start, end);
	}

	/**
	 * Read column `name` in steps (a program that must keep answering keys
	 * calls `step(deadline)` between them): true once it is in memory.
	 * Reads it whole at the first step when the source cannot do steps.
	 */
	loadColumnSteps(name: Exclude<LazyColumn, 'firstParent' | 'parentSources' | 'addressSlots'>): {step(deadline: number): boolean} {
		const source = sources.get(this);
		const load = isLoaded(this, name) ? undefined : source?.loadSteps?.(name);
		return {
			step: deadline => {
				if (isLoaded(this, name)) {
					return true;
				}

				if (load === undefined) {
					void this[name];
					return true;
				}

				if (!load.step(deadline)) {
					return false;
				}

				settle(this, name, load.result());
				return true;
			},
		};
	}

	/** Whether a column is in memory (always, unless the store reads columns from a source). */
	isLoaded(name: LazyColumn): boolean {
		return isLoaded(this, name);
	}

	/** Bytes held by the store's arrays (not counting the JS engine's own overhead). */
	get byteLength(): number {
		let bytes = (this.parents?.firstParent.byteLength ?? 0) + (this.parents?.parentSources.byteLength ?? 0);
		for (const name of LAZY_COLUMNS) {
			if (name !== 'firstParent' && name !== 'parentSources' && isLoaded(this, name)) {
				bytes += this[name].byteLength;
			}
		}

		return bytes + (isLoaded(this, 'addressSlots') ? this.addressIndex.byteLength : 0);
	}
}

/** Bytes of the value arena a ValueWindow reads at once. */
const VALUE_WINDOW = 1 << 20;

/**
 * Values read in ascending order, a window of the arena at a time (see
 * GraphStore.valueBytesIn): `load(ordinal)` makes `bytes[start, end)` that
 * object's raw value. For scans over many values of a store that keeps its
 * values on disk.
 */
export class ValueWindow {
	bytes: Uint8Array = new Uint8Array(0);
	start = 0;
	end = 0;
	private windowStart = 0;
	private readonly arenaEnd: number;

	constructor(private readonly store: GraphStore) {
		this.arenaEnd = store.valueOffset[store.objectCount]!;
		if (store.isLoaded('valueBytes')) {
			this.bytes = store.valueBytes;
		}
	}

	load(ordinal: number): void {
		const {valueOffset} = this.store;
		const start = valueOffset[ordinal]!;
		const end = valueOffset[ordinal + 1]!;
		if (start < this.windowStart || end > this.windowStart + this.bytes.length) {
			this.windowStart = start;
			this.bytes = this.store.valueBytesIn(start, Math.min(this.arenaEnd, Math.max(end, start + VALUE_WINDOW)));
		}

		this.start = start - this.windowStart;
		this.end = end - this.windowStart;
	}
}

/**
 * Parents in CSR form: count, prefix sum, fill. An object that references
 * the same child several times is one parent. Sources come out ascending.
 * Resumable: `step(deadline)` works until the clock passes `deadline`, so
 * an interactive program can build them between frames.
 */
export class ParentsBuilder {
	private phase = 0;
	private position = 0;
	private readonly firstParent: Uint32Array;
	private parentSources = new Uint32Array(0);
	private cursor: Uint32Array | undefined;
	private repeats = 0;
	/** Where the compaction of repeats has written up to. */
	private compacted = 0;

	/**
	 * @param scratch a spare array of at least objectCount elements for the
	 *   fill cursors (saves touching fresh memory)
	 */
	constructor(
		private readonly objectCount: number,
		private readonly firstChild: Uint32Array,
		private readonly childTargets: Uint32Array,
		private scratch?: Uint32Array,
	) {
		this.firstParent = new Uint32Array(objectCount + 1);
	}

	/** Work until done (true) or until performance.now() passes `deadline` (false). */
	step(deadline = Number.POSITIVE_INFINITY): boolean {
		const n = this.objectCount;
		const {firstParent, firstChild, childTargets} = this;
		const chunk = 1 << 14;
		while (this.phase < 4) {
			// One unit of work at least, then as many as the deadline allows.
			switch (this.phase) {
				case 0: {
					// Count every reference; a source repeating a child is rare and fixed below.
					const end = Math.min(childTargets.length, this.position + (chunk * 4));
					for (let e = this.position; e < end; e++) {
						const target = childTargets[e]!;
						if (target < UNRESOLVED_BIT) {
							firstParent[target + 1]!++;
						}
					}

					this.position = end;
					if (end === childTargets.length) {
						for (let i = 0; i < n; i++) {
							firstParent[i + 1]! += firstParent[i]!;
						}

						this.parentSources = new Uint32Array(firstParent[n]!);
						const scratch = this.scratch;
						this.scratch = undefined;
						this.cursor = scratch !== undefined && scratch.length >= n ? scratch.subarray(0, n) : new Uint32Array(n);
						this.cursor.set(firstParent.subarray(0, n));
						this.phase = 1;
						this.position = 0;
					}

					break;
				}

				case 1: {
					const cursor = this.cursor!;
					const parentSources = this.parentSources;
					const last = Math.min(n, this.position + chunk);
					for (let source = this.position; source < last; source++) {
						const end = firstChild[source + 1]!;
						for (let e = firstChild[source]!; e < end; e++) {
							const target = childTargets[e]!;
							if (target >= UNRESOLVED_BIT) {
								continue;
							}

							const at = cursor[target]!;
							// Sources arrive in ascending order: a repeat is the entry just written.
							if (at > firstParent[target]! && parentSources[at - 1] === source) {
								this.repeats++;
								continue;
							}

							parentSources[at] = source;
							cursor[target] = at + 1;
						}
					}

					this.position = last;
					if (last === n) {
						this.phase = this.repeats > 0 ? 2 : 4;
						this.position = 0;
					}

					break;
				}

				default: {
					// Close the gaps repeats left at the end of their ranges.
					const cursor = this.cursor!;
					const parentSources = this.parentSources;
					const last = Math.min(n, this.position + (chunk * 4));
					let out = this.compacted;
					for (let t = this.position; t < last; t++) {
						const start = firstParent[t]!;
						const end = cursor[t]!;
						firstParent[t] = out;
						for (let k = start; k < end; k++) {
							parentSources[out++] = parentSources[k]!;
						}
					}

					this.compacted = out;
					this.position = last;
					if (last === n) {
						firstParent[n] = out;
						this.parentSources = parentSources.subarray(0, out);
						this.phase = 4;
					}
				}
			}

			if (this.phase < 4 && performance.now() > deadline) {
				return false;
			}
		}

		this.cursor = undefined;
		return true;
	}

	get done(): boolean {
		return this.phase === 4;
	}

	result(): {firstParent: Uint32Array; parentSources: Uint32Array} {
		if (!this.done) {
			throw new Error('parents are not built yet');
		}

		return {firstParent: this.firstParent, parentSources: this.parentSources};
	}
}

export function buildParents(
	objectCount: number,
	firstChild: Uint32Array,
	childTargets: Uint32Array,
	scratch?: Uint32Array,
): {firstParent: Uint32Array; parentSources: Uint32Array} {
	const builder = new ParentsBuilder(objectCount, firstChild, childTargets, scratch);
	builder.step();
	return builder.result();
}
