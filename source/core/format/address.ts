/** Addresses as users type them: decimal (as meliae prints) or 0x-hex. */

export function parseAddress(text: string): number | undefined {
	const trimmed = text.trim().replaceAll('_', '');
	let value: number;
	if (/^0[xX][\da-fA-F]+$/.test(trimmed)) {
		value = Number.parseInt(trimmed.slice(2), 16);
	} else if (/^\d+$/.test(trimmed)) {
		value = Number(trimmed);
	} else {
		return undefined;
	}

	return Number.isSafeInteger(value) ? value : undefined;
}

export function hexAddress(address: number): string {
	return '0x' + address.toString(16);
}
