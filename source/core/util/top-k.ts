/**
 * The k ordinals with the largest `key`, without sorting them all: a
 * bounded min-heap (O(n log k)) fed one ordinal at a time. Ties go to the
 * lower ordinal, so the result is the same as a full sort's first k.
 */
export class TopK {
	private readonly heap: Uint32Array;
	private size = 0;

	constructor(private readonly key: Float64Array, k: number) {
		this.heap = new Uint32Array(Math.max(0, k));
	}

	/** "a ranks below b": a smaller key, or the same key and a higher ordinal. */
	private below(a: number, b: number): boolean {
		const {key} = this;
		return key[a]! < key[b]! || (key[a] === key[b] && a > b);
	}

	offer(ordinal: number): void {
		const {heap} = this;
		if (heap.length === 0) {
			return;
		}

		if (this.size < heap.length) {
			let i = this.size++;
			heap[i] = ordinal;
			while (i > 0) {
				const up = (i - 1) >> 1;
				if (!this.below(heap[i]!, heap[up]!)) {
					break;
				}

				heap[i] = heap[up]!;
				heap[up] = ordinal;
				i = up;
			}

			return;
		}

		if (!this.below(heap[0]!, ordinal)) {
			return;
		}

		heap[0] = ordinal;
		let i = 0;
		for (;;) {
			const left = 2 * i + 1;
			if (left >= this.size) {
				return;
			}

			const right = left + 1;
			const smallest = right < this.size && this.below(heap[right]!, heap[left]!) ? right : left;
			if (!this.below(heap[smallest]!, heap[i]!)) {
				return;
			}

			const swap = heap[i]!;
			heap[i] = heap[smallest]!;
			heap[smallest] = swap;
			i = smallest;
		}
	}

	/** What was kept, largest key first (ties: lower ordinal first). */
	result(): Uint32Array {
		const {key} = this;
		return this.heap.slice(0, this.size).sort((a, b) => (key[b]! - key[a]!) || (a - b));
	}
}
