/**
 * The k ordinals with the largest key, without sorting them all: a bounded
 * min-heap (O(n log k)) fed one ordinal at a time. Ties go to the lower
 * ordinal, so the result is the same as a full sort's first k. The keys
 * are either a column indexed by ordinal (given to the constructor) or
 * given with each ordinal (when they are streamed and never held whole).
 */
export class TopK {
	private readonly ordinals: Uint32Array;
	private readonly keys: Float64Array;
	private size = 0;

	constructor(private readonly key: Float64Array | undefined, k: number) {
		this.ordinals = new Uint32Array(Math.max(0, k));
		this.keys = new Float64Array(Math.max(0, k));
	}

	/** Entry i ranks below entry j: a smaller key, or the same key and a higher ordinal. */
	private below(i: number, j: number): boolean {
		const {keys, ordinals} = this;
		return keys[i]! < keys[j]! || (keys[i] === keys[j] && ordinals[i]! > ordinals[j]!);
	}

	private swap(i: number, j: number): void {
		const {keys, ordinals} = this;
		const key = keys[i]!;
		keys[i] = keys[j]!;
		keys[j] = key;
		const ordinal = ordinals[i]!;
		ordinals[i] = ordinals[j]!;
		ordinals[j] = ordinal;
	}

	offer(ordinal: number, key = this.key![ordinal]!): void {
		const {keys, ordinals} = this;
		if (ordinals.length === 0) {
			return;
		}

		if (this.size < ordinals.length) {
			let i = this.size++;
			keys[i] = key;
			ordinals[i] = ordinal;
			while (i > 0) {
				const up = (i - 1) >> 1;
				if (!this.below(i, up)) {
					break;
				}

				this.swap(i, up);
				i = up;
			}

			return;
		}

		// The smallest kept must rank below the new one for it to enter.
		if (!(keys[0]! < key || (keys[0] === key && ordinals[0]! > ordinal))) {
			return;
		}

		keys[0] = key;
		ordinals[0] = ordinal;
		let i = 0;
		for (;;) {
			const left = 2 * i + 1;
			if (left >= this.size) {
				return;
			}

			const right = left + 1;
			const smallest = right < this.size && this.below(right, left) ? right : left;
			if (!this.below(smallest, i)) {
				return;
			}

			this.swap(i, smallest);
			i = smallest;
		}
	}

	/** What was kept, largest key first (ties: lower ordinal first). */
	result(): Uint32Array {
		const {keys, ordinals} = this;
		const order = Array.from({length: this.size}, (_, i) => i)
			.sort((a, b) => (keys[b]! - keys[a]!) || (ordinals[a]! - ordinals[b]!));
		return Uint32Array.from(order, i => ordinals[i]!);
	}
}
