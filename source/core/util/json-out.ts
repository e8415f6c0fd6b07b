/**
 * JSON output that can carry integers beyond 2^53 exactly: wrap their
 * digits in RawNumber and they are written bare.
 */

export class RawNumber {
	constructor(readonly digits: string) {}
}

const MARK = '\u0000raw\u0000';

/**
 * What JSON.stringify leaves raw but a terminal must not get: DEL, C1
 * controls (tab, newline and return outside strings are JSON's own white
 * space; inside strings JSON.stringify escapes them), format characters (bidi overrides...), separators, private use
 * and unassigned code points. They can only stand inside strings.
 */
const UNSAFE_IN_JSON = /[^\P{Cc}\t\n\r]|[\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

/**
 * Like JSON.stringify, but RawNumber values are written as bare numbers and
 * every character unsafe for a terminal is written as a \uXXXX escape
 * (still the same JSON value).
 */
export function stringifyJson(value: unknown, indent?: number): string {
	let text = JSON.stringify(value, (_key, item: unknown) => item instanceof RawNumber ? MARK + item.digits + MARK : item, indent);
	if (text.includes('\\u0000raw\\u0000')) {
		text = text.replaceAll(/"\\u0000raw\\u0000(-?[\d.eE+-]+)\\u0000raw\\u0000"/g, '$1');
	}

	return text.replaceAll(UNSAFE_IN_JSON, char => {
		let escaped = '';
		for (let i = 0; i < char.length; i++) {
			escaped += '\\u' + char.charCodeAt(i).toString(16).padStart(4, '0');
		}

		return escaped;
	});
}

/** A value token from the store as JSON: a number when exact, else RawNumber, else the text. */
export function tokenToJson(token: string): number | RawNumber | string {
	if (/^-?\d+$/.test(token)) {
		const value = Number(token);
		return Number.isSafeInteger(value) ? value : new RawNumber(token);
	}

	if (/^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/.test(token)) {
		return new RawNumber(token);
	}

	return token;
}
