/**
 * An append-only Uint32Array that doubles when full (stacks and queues of
 * ordinals in the analyses), so no JS array of numbers grows per element.
 */

export class Uint32Column {
	private data: Uint32Array;
	length = 0;

	constructor(initialCapacity = 1024) {
		this.data = new Uint32Array(Math.max(16, initialCapacity));
	}

	push(value: number): void {
		if (this.length === this.data.length) {
			const next = new Uint32Array(this.data.length * 2);
			next.set(this.data);
			this.data = next;
		}

		this.data[this.length++] = value;
	}

	/** A view of the filled part; valid until the next push. */
	view(): Uint32Array {
		return this.data.subarray(0, this.length);
	}

	/** An exact-length array; the column must not be used afterwards. */
	finish(): Uint32Array {
		const result = this.data.length === this.length ? this.data : this.data.slice(0, this.length);
		this.data = new Uint32Array(0);
		return result;
	}
}
