/**
 * Python's own text formats, reproduced exactly: `%.1f` (round half to
 * even on the binary value), `%d` of a float (truncation), and repr() of a
 * str (Python 3 rules, which also escape every non-printable character).
 */

import {asciiOutput} from './glyphs.js';

/** Python's '%.1f' % value. */
export function formatFixed1(value: number): string {
	// JS rounds exact ties away from zero; Python to even. A tie at one
	// decimal is exactly representable only when value * 4 is an odd integer.
	const quarter = value * 4;
	if (Number.isInteger(quarter) && Math.abs(quarter % 2) === 1) {
		const tenths = value * 10;
		const down = Math.floor(tenths);
		const even = down % 2 === 0 ? down : down + 1;
		return (even / 10).toFixed(1);
	}

	return value.toFixed(1);
}

/** Python's '%d' % float: truncation toward zero. */
export function formatInt(value: number): string {
	return String(Math.trunc(value));
}

/** Right-align in `width` characters, as '%6d' does (never cuts). */
export function padLeft(text: string, width: number): string {
	return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function escapeForRepr(code: number): string {
	if (code < 0x100) {
		return `\\x${code.toString(16).padStart(2, '0')}`;
	}

	if (code < 0x1_00_00) {
		return `\\u${code.toString(16).padStart(4, '0')}`;
	}

	return `\\U${code.toString(16).padStart(8, '0')}`;
}

/**
 * Python 3's repr() of a str. Lone surrogates come out as \udXXX, as in
 * Python. Where output is ASCII only (a non-UTF-8 locale, see glyphs.ts),
 * Python's ascii() instead: every non-ASCII character escaped.
 */
export function pythonRepr(text: string): string {
	const ascii = asciiOutput();
	const quote = text.includes('\'') && !text.includes('"') ? '"' : '\'';
	let result = quote;
	for (const char of text) {
		const code = char.codePointAt(0)!;
		switch (char) {
			case '\\': { result += '\\\\'; continue; }
			case '\n': { result += '\\n'; continue; }
			case '\r': { result += '\\r'; continue; }
			case '\t': { result += '\\t'; continue; }
			default: { break; }
		}

		if (char === quote) {
			result += '\\' + quote;
		} else if (code === 0x20) {
			result += char;
		} else if (code < 0x20 || code >= 0x7f && (ascii || code === 0x7f || NOT_PRINTABLE.test(char))) {
			result += escapeForRepr(code);
		} else {
			result += char;
		}
	}

	return result + quote;
}
