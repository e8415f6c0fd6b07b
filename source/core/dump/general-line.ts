/**
 * The slow path for dump lines that the byte parser does not recognise (keys
 * in another order, extra keys, odd spacing): a small tolerant JSON reader
 * that keeps numbers as their source text (so integers beyond 2^53 survive)
 * and accepts meliae's `\'` escape. Only unusual lines come here.
 */

export type JsonToken =
	| {readonly kind: 'string'; readonly text: string}
	| {readonly kind: 'number'; readonly text: string}
	| {readonly kind: 'literal'; readonly text: 'true' | 'false' | 'null'}
	| {readonly kind: 'array'; readonly items: readonly JsonToken[]}
	| {readonly kind: 'object'; readonly entries: ReadonlyMap<string, JsonToken>};

export class LineSyntaxError extends Error {}

const MAX_DEPTH = 64;

class Reader {
	position = 0;

	constructor(private readonly text: string) {}

	fail(what: string): never {
		if (this.position >= this.text.length) {
			throw new LineSyntaxError(`line ends early (${what})`);
		}

		throw new LineSyntaxError(`expected ${what} at column ${this.position + 1}`);
	}

	skipSpace(): void {
		const text = this.text;
		while (this.position < text.length) {
			const c = text.charCodeAt(this.position);
			if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
				this.position++;
			} else {
				break;
			}
		}
	}

	value(depth: number): JsonToken {
		if (depth > MAX_DEPTH) {
			this.fail('less nesting');
		}

		this.skipSpace();
		const c = this.text[this.position];
		switch (c) {
			case '{': {
				return this.object(depth);
			}

			case '[': {
				return this.array(depth);
			}

			case '"': {
				return {kind: 'string', text: this.string()};
			}

			case 't':
			case 'f':
			case 'n': {
				for (const literal of ['true', 'false', 'null'] as const) {
					if (this.text.startsWith(literal, this.position)) {
						this.position += literal.length;
						return {kind: 'literal', text: literal};
					}
				}

				return this.fail('a value');
			}

			default: {
				return this.number();
			}
		}
	}

	number(): JsonToken {
		const match = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
		match.lastIndex = this.position;
		const found = match.exec(this.text);
		if (!found) {
			return this.fail('a value');
		}

		this.position = match.lastIndex;
		return {kind: 'number', text: found[0]};
	}

	string(): string {
		const text = this.text;
		let position = this.position + 1;
		let result = '';
		let runStart = position;
		while (position < text.length) {
			const c = text.charCodeAt(position);
			if (c === 0x22) {
				result += text.slice(runStart, position);
				this.position = position + 1;
				return result;
			}

			if (c !== 0x5c) {
				position++;
				continue;
			}

			result += text.slice(runStart, position);
			const escape = text[position + 1];
			position += 2;
			switch (escape) {
				case '"':
				case '\'':
				case '\\':
				case '/': {
					result += escape;
					break;
				}

				case 'b': { result += '\b'; break; }
				case 'f': { result += '\f'; break; }
				case 'n': { result += '\n'; break; }
				case 'r': { result += '\r'; break; }
				case 't': { result += '\t'; break; }
				case 'u': {
					const hex = text.slice(position, position + 4);
					if (/^[\da-fA-F]{4}$/.test(hex)) {
						result += String.fromCharCode(Number.parseInt(hex, 16));
						position += 4;
					} else {
						result += '\\u';
					}

					break;
				}

				case undefined: {
					this.position = position;
					this.fail('the end of a string');
					break;
				}

				default: {
					result += '\\' + escape;
				}
			}

			runStart = position;
		}

		this.position = position;
		return this.fail('the end of a string');
	}

	array(depth: number): JsonToken {
		this.position++;
		const items: JsonToken[] = [];
		this.skipSpace();
		if (this.text[this.position] === ']') {
			this.position++;
			return {kind: 'array', items};
		}

		for (;;) {
			items.push(this.value(depth + 1));
			this.skipSpace();
			const c = this.text[this.position];
			if (c === ',') {
				this.position++;
			} else if (c === ']') {
				this.position++;
				return {kind: 'array', items};
			} else {
				this.fail('"," or "]"');
			}
		}
	}

	object(depth: number): JsonToken {
		this.position++;
		const entries = new Map<string, JsonToken>();
		this.skipSpace();
		if (this.text[this.position] === '}') {
			this.position++;
			return {kind: 'object', entries};
		}

		for (;;) {
			this.skipSpace();
			if (this.text[this.position] !== '"') {
				this.fail('a key');
			}

			const key = this.string();
			this.skipSpace();
			if (this.text[this.position] !== ':') {
				this.fail('":"');
			}

			this.position++;
			const value = this.value(depth + 1);
			if (!entries.has(key)) {
				entries.set(key, value);
			}

			this.skipSpace();
			const c = this.text[this.position];
			if (c === ',') {
				this.position++;
			} else if (c === '}') {
				this.position++;
				return {kind: 'object', entries};
			} else {
				this.fail('"," or "}"');
			}
		}
	}
}

/** Parse one line holding one JSON object; throws LineSyntaxError. */
export function parseJsonLine(text: string): ReadonlyMap<string, JsonToken> {
	const reader = new Reader(text);
	reader.skipSpace();
	if (text[reader.position] !== '{') {
		reader.fail('"{"');
	}

	const token = reader.value(0);
	reader.skipSpace();
	if (reader.position !== text.length) {
		reader.fail('the end of the line');
	}

	if (token.kind !== 'object') {
		throw new LineSyntaxError('not a JSON object');
	}

	return token.entries;
}
