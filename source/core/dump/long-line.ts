/**
 * Lines longer than a block are not buffered whole: they stream through a
 * LongLineCutter, which keeps what the parser needs and cuts the rest. The
 * parser runs the same cutter over shorter lines of more than
 * MAX_STRING_BYTES, so the limit holds whatever the line's length.
 *
 * - Every JSON string longer than MAX_STRING_BYTES (a value, a name, a key)
 *   is cut there (never inside an escape or a UTF-8 sequence) and closed;
 *   its real length is counted.
 * - Runs of white space outside strings become one space (so a canonical
 *   line stays canonical for the fast path).
 * - A token other than a string (a number, a literal) longer than
 *   MAX_TOKEN_BYTES makes the line a problem line: the rest is dropped and
 *   the parser reports the message given here.
 *
 * What is kept grows with the line's structure only (a `refs` list of ten
 * million addresses is a real object and keeps its ten million items), never
 * with the length of one value.
 */

/** Strings are cut beyond this many bytes of JSON text. */
export const MAX_STRING_BYTES = 1024 * 1024;
/** A number or literal longer than this makes the line a problem line. */
const MAX_TOKEN_BYTES = MAX_STRING_BYTES;

/**
 * A line that starts with this byte carries a message (the rest of the
 * line) instead of an object; the parser records it as a malformed line. A
 * raw 0x01 is never part of a JSON line.
 */
export const PROBLEM_LINE_MARKER = 0x01;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;

const encoder = new TextEncoder();

export type CutReport = {
	/** Strings cut in this line. */
	strings: number;
	/** The real length (bytes of JSON text) of the longest one. */
	longest: number;
};

export class LongLineCutter {
	private out: Uint8Array = new Uint8Array(1 << 20);
	private length = 0;
	private inString = false;
	/** -1 just after a backslash; then how many hex digits of a \uXXXX are left. */
	private escape = 0;
	private stringBytes = 0;
	private cutting = false;
	private lastSpace = false;
	private tokenBytes = 0;
	private problem: string | undefined;
	private readonly start = new Uint8Array(24);
	private startLength = 0;
	strings = 0;
	longest = 0;

	push(bytes: Uint8Array, from: number, to: number): void {
		if (this.startLength < this.start.length) {
			const take = Math.min(this.start.length - this.startLength, to - from);
			this.start.set(bytes.subarray(from, from + take), this.startLength);
			this.startLength += take;
		}

		if (this.problem !== undefined) {
			return;
		}

		this.reserve(to - from);
		const out = this.out;
		let length = this.length;
		for (let i = from; i < to; i++) {
			const c = bytes[i]!;
			if (this.inString) {
				const escapeBefore = this.escape;
				if (escapeBefore !== 0) {
					// -1: the letter after a backslash; then the hex digits of \uXXXX.
					this.escape = escapeBefore === -1 ? (c === 0x75 ? 4 : 0) : escapeBefore - 1;
				} else if (c === BACKSLASH) {
					this.escape = -1;
				} else if (c === QUOTE) {
					this.inString = false;
					if (this.cutting) {
						this.cutting = false;
						this.strings++;
						this.longest = Math.max(this.longest, this.stringBytes);
					}

					out[length++] = c;
					continue;
				}

				// Cut only where a character starts: never inside an escape or a UTF-8 sequence.
				if (!this.cutting && this.stringBytes >= MAX_STRING_BYTES && escapeBefore === 0 && (c & 0xc0) !== 0x80) {
					this.cutting = true;
				}

				this.stringBytes++;
				if (!this.cutting) {
					out[length++] = c;
				}

				continue;
			}

			if (c === QUOTE) {
				this.inString = true;
				this.stringBytes = 0;
				this.tokenBytes = 0;
				this.lastSpace = false;
				out[length++] = c;
				continue;
			}

			if (c === SPACE || c === TAB || c === CR) {
				this.tokenBytes = 0;
				if (!this.lastSpace) {
					out[length++] = SPACE;
					this.lastSpace = true;
				}

				continue;
			}

			this.lastSpace = false;
			if (c === 0x2c || c === 0x3a || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d) {
				this.tokenBytes = 0;
			} else if (++this.tokenBytes > MAX_TOKEN_BYTES) {
				this.length = length;
				this.fail(c < 0x20 || c > 0x7e
					? 'not a JSON object (binary data in an over-long line)'
					: `a number or word longer than ${MAX_TOKEN_BYTES} bytes`);
				return;
			}

			out[length++] = c;
		}

		this.length = length;
	}

	private fail(message: string): void {
		this.problem = message;
		this.out = new Uint8Array(0);
		this.length = 0;
	}

	/** The line to parse, without its line end. */
	finish(): Uint8Array {
		if (this.problem === undefined && (this.startLength === 0 || this.start[0] !== 0x7b && this.start[0] !== SPACE && this.start[0] !== 0x5b)) {
			const sample = [...this.start.subarray(0, 12)].map(b => b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.').join('');
			this.fail(`not a JSON object (an over-long line starting ${JSON.stringify(sample)})`);
		}

		if (this.problem !== undefined) {
			const message = encoder.encode(this.problem);
			const line = new Uint8Array(message.length + 1);
			line[0] = PROBLEM_LINE_MARKER;
			line.set(message, 1);
			return line;
		}

		if (this.inString && this.cutting) {
			this.strings++;
			this.longest = Math.max(this.longest, this.stringBytes);
		}

		return this.out.subarray(0, this.length);
	}

	private reserve(more: number): void {
		if (this.length + more <= this.out.length) {
			return;
		}

		let capacity = this.out.length * 2;
		while (capacity < this.length + more) {
			capacity *= 2;
		}

		const grown = new Uint8Array(capacity);
		grown.set(this.out.subarray(0, this.length));
		this.out = grown;
	}
}
