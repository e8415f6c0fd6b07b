/**
 * Decoding of the string bodies found in dump lines. The graph store keeps
 * values as the raw bytes between the quotes (escapes and all) and decodes
 * them only when something is shown, so loading never builds JS strings for
 * millions of values.
 *
 * Accepted beyond JSON: meliae's `\'` escape, lone surrogates from `\uXXXX`
 * (kept as lone UTF-16 code units; display code escapes them) and invalid
 * UTF-8 (replaced by U+FFFD).
 */

const utf8 = new TextDecoder('utf-8', {fatal: false});
const BACKSLASH = 0x5c;

function hexValue(code: number): number {
	if (code >= 0x30 && code <= 0x39) {
		return code - 0x30;
	}

	const lower = code | 0x20;
	if (lower >= 0x61 && lower <= 0x66) {
		return lower - 0x61 + 10;
	}

	return -1;
}

/** Decode bytes [start, end) of `bytes` as the body of a JSON (or meliae) string. */
export function decodeJsonStringBytes(bytes: Uint8Array, start: number, end: number): string {
	let hasEscape = false;
	for (let i = start; i < end; i++) {
		if (bytes[i] === BACKSLASH) {
			hasEscape = true;
			break;
		}
	}

	if (!hasEscape) {
		return utf8.decode(bytes.subarray(start, end));
	}

	let result = '';
	let runStart = start;
	let i = start;
	while (i < end) {
		if (bytes[i] !== BACKSLASH) {
			i++;
			continue;
		}

		if (i > runStart) {
			result += utf8.decode(bytes.subarray(runStart, i));
		}

		if (i + 1 >= end) {
			// A trailing lone backslash: keep it as text.
			result += '\\';
			i++;
			runStart = i;
			continue;
		}

		const escape = bytes[i + 1]!;
		i += 2;
		switch (escape) {
			case 0x22: { result += '"'; break; }
			case 0x27: { result += '\''; break; }
			case BACKSLASH: { result += '\\'; break; }
			case 0x2f: { result += '/'; break; }
			case 0x62: { result += '\b'; break; }
			case 0x66: { result += '\f'; break; }
			case 0x6e: { result += '\n'; break; }
			case 0x72: { result += '\r'; break; }
			case 0x74: { result += '\t'; break; }
			case 0x75: {
				let code = 0;
				let valid = i + 4 <= end;
				for (let k = 0; valid && k < 4; k++) {
					const digit = hexValue(bytes[i + k]!);
					if (digit < 0) {
						valid = false;
					} else {
						code = (code << 4) | digit;
					}
				}

				if (valid) {
					result += String.fromCharCode(code);
					i += 4;
				} else {
					result += '\\u';
				}

				break;
			}

			case 0x78: {
				// `\xNN`, written by some Python-side tools; not JSON.
				const high = i + 2 <= end ? hexValue(bytes[i]!) : -1;
				const low = high >= 0 ? hexValue(bytes[i + 1]!) : -1;
				if (low >= 0) {
					result += String.fromCharCode((high << 4) | low);
					i += 2;
				} else {
					result += '\\x';
				}

				break;
			}

			default: {
				// Unknown escape: keep both characters, as meliae's regex loader did.
				result += '\\' + String.fromCharCode(escape);
			}
		}

		runStart = i;
	}

	if (runStart < end) {
		result += utf8.decode(bytes.subarray(runStart, end));
	}

	return result;
}

/**
 * meliae escaped type and module names byte by byte, so a UTF-8 name such as
 * `Café` arrives as `Caf\u00c3\u00a9`. When every code unit is below 0x100,
 * one is at least 0x80, and the bytes form valid UTF-8, return the repaired
 * text; otherwise the input unchanged.
 */
export function repairMojibake(text: string): string {
	let high = false;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code > 0xff) {
			return text;
		}

		if (code >= 0x80) {
			high = true;
		}
	}

	if (!high) {
		return text;
	}

	const bytes = new Uint8Array(text.length);
	for (let i = 0; i < text.length; i++) {
		bytes[i] = text.charCodeAt(i);
	}

	try {
		return new TextDecoder('utf-8', {fatal: true}).decode(bytes);
	} catch {
		return text;
	}
}

const encoder = new TextEncoder();

/** Encode a JS string as the body of a JSON string (the inverse of decodeJsonStringBytes). */
export function encodeJsonStringBody(text: string): Uint8Array {
	const quoted = JSON.stringify(text);
	return encoder.encode(quoted.slice(1, -1));
}
