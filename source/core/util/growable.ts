/**
 * Append-only typed-array columns. They double when full and hand out an
 * exact-length copy (`finish`) or a view (`view`) at the end, so parsing never
 * creates one JS object per element.
 */

export class Float64Column {
	private data: Float64Array;
	length = 0;

	constructor(initialCapacity = 1024) {
		this.data = new Float64Array(Math.max(16, initialCapacity));
	}

	push(value: number): void {
		if (this.length === this.data.length) {
			this.grow(this.length + 1);
		}

		this.data[this.length++] = value;
	}

	grow(minCapacity: number): void {
		let capacity = this.data.length * 2;
		while (capacity < minCapacity) {
			capacity *= 2;
		}

		const next = new Float64Array(capacity);
		next.set(this.data.subarray(0, this.length));
		this.data = next;
	}

	/** A view of the filled part; valid until the next push. */
	view(): Float64Array {
		return this.data.subarray(0, this.length);
	}

	/** An exact-length array; the column must not be used afterwards. */
	finish(): Float64Array {
		const result = this.data.length === this.length ? this.data : this.data.slice(0, this.length);
		this.data = new Float64Array(0);
		return result;
	}
}

export class Uint32Column {
	private data: Uint32Array;
	length = 0;

	constructor(initialCapacity = 1024) {
		this.data = new Uint32Array(Math.max(16, initialCapacity));
	}

	push(value: number): void {
		if (this.length === this.data.length) {
			this.grow(this.length + 1);
		}

		this.data[this.length++] = value;
	}

	grow(minCapacity: number): void {
		let capacity = this.data.length * 2;
		while (capacity < minCapacity) {
			capacity *= 2;
		}

		const next = new Uint32Array(capacity);
		next.set(this.data.subarray(0, this.length));
		this.data = next;
	}

	view(): Uint32Array {
		return this.data.subarray(0, this.length);
	}

	finish(): Uint32Array {
		const result = this.data.length === this.length ? this.data : this.data.slice(0, this.length);
		this.data = new Uint32Array(0);
		return result;
	}
}

export class Uint8Column {
	private data: Uint8Array;
	length = 0;

	constructor(initialCapacity = 1024) {
		this.data = new Uint8Array(Math.max(16, initialCapacity));
	}

	push(value: number): void {
		if (this.length === this.data.length) {
			this.grow(this.length + 1);
		}

		this.data[this.length++] = value;
	}

	/** Append bytes [start, end) of `source`. */
	append(source: Uint8Array, start: number, end: number): void {
		const count = end - start;
		if (this.length + count > this.data.length) {
			this.grow(this.length + count);
		}

		if (count < 32) {
			const data = this.data;
			let out = this.length;
			for (let i = start; i < end; i++) {
				data[out++] = source[i]!;
			}
		} else {
			this.data.set(source.subarray(start, end), this.length);
		}

		this.length += count;
	}

	grow(minCapacity: number): void {
		let capacity = this.data.length * 2;
		while (capacity < minCapacity) {
			capacity *= 2;
		}

		const next = new Uint8Array(capacity);
		next.set(this.data.subarray(0, this.length));
		this.data = next;
	}

	view(): Uint8Array {
		return this.data.subarray(0, this.length);
	}

	finish(): Uint8Array {
		const result = this.data.length === this.length ? this.data : this.data.slice(0, this.length);
		this.data = new Uint8Array(0);
		return result;
	}
}

/** Concatenate typed arrays of one kind into one exact-length array. */
export function concatFloat64(parts: readonly Float64Array[]): Float64Array {
	let total = 0;
	for (const part of parts) {
		total += part.length;
	}

	const result = new Float64Array(total);
	let offset = 0;
	for (const part of parts) {
		result.set(part, offset);
		offset += part.length;
	}

	return result;
}

export function concatUint32(parts: readonly Uint32Array[]): Uint32Array {
	let total = 0;
	for (const part of parts) {
		total += part.length;
	}

	const result = new Uint32Array(total);
	let offset = 0;
	for (const part of parts) {
		result.set(part, offset);
		offset += part.length;
	}

	return result;
}

export function concatUint8(parts: readonly Uint8Array[]): Uint8Array {
	let total = 0;
	for (const part of parts) {
		total += part.length;
	}

	const result = new Uint8Array(total);
	let offset = 0;
	for (const part of parts) {
		result.set(part, offset);
		offset += part.length;
	}

	return result;
}
