/**
 * Recycles big ArrayBuffers. Touching fresh memory is not free: every new
 * page is faulted in and zeroed by the kernel, and on virtual machines that
 * costs about as much as parsing the bytes that go in it (measured here:
 * 2.9 ns per byte, 400 MB in 1.2 s, in C as in JS). The loader reads and
 * parses block after block of the same sizes, so it hands buffers back and
 * forth instead of allocating new ones.
 */

/** Rounds up to a power of two, so buffers of nearby sizes share a bucket. */
function bucketOf(bytes: number): number {
	let size = 4096;
	while (size < bytes) {
		size *= 2;
	}

	return size;
}

export class BufferRecycler {
	private readonly free = new Map<number, ArrayBuffer[]>();
	private kept = 0;

	constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

	/** An ArrayBuffer of at least `bytes` bytes (contents undefined, not zeroed). */
	take(bytes: number): ArrayBuffer {
		const size = bucketOf(bytes);
		const list = this.free.get(size);
		const buffer = list?.pop();
		if (buffer !== undefined) {
			this.kept -= buffer.byteLength;
			return buffer;
		}

		return new ArrayBuffer(size);
	}

	/** Hand a buffer back for reuse (ignored when not a whole bucket or the recycler is full). */
	give(buffer: ArrayBufferLike): void {
		if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== bucketOf(buffer.byteLength)
			|| buffer.byteLength === 0 || this.kept + buffer.byteLength > this.maxBytes) {
			return;
		}

		let list = this.free.get(buffer.byteLength);
		if (list === undefined) {
			list = [];
			this.free.set(buffer.byteLength, list);
		}

		list.push(buffer);
		this.kept += buffer.byteLength;
	}

	clear(): void {
		this.free.clear();
		this.kept = 0;
	}
}
