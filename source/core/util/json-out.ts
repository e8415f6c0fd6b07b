/**
 * JSON output that can carry integers beyond 2^53 exactly: wrap their
 * digits in RawNumber and they are written bare.
 */

export class RawNumber {
	constructor(readonly digits: string) {}
}

const MARK = '\u0000raw\u0000';

/** Like JSON.stringify, but RawNumber values are written as bare numbers. */
export function stringifyJson(value: unknown, indent?: number): string {
	const text = JSON.stringify(value, (_key, item: unknown) => item instanceof RawNumber ? MARK + item.digits + MARK : item, indent);
	return text.includes('\\u0000raw\\u0000')
		? text.replaceAll(/"\\u0000raw\\u0000(-?[\d.eE+-]+)\\u0000raw\\u0000"/g, '$1')
		: text;
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
