/** `--max-disk` sizes: `500M`, `2G`, `1.5GiB`, `1048576` (bytes). Powers of 1024. */

const UNITS: Readonly<Record<string, number>> = {
	'': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
};

/** Bytes, or undefined when `text` is not a size above 0. */
export function parseSize(text: string): number | undefined {
	const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
	if (match === null) {
		return undefined;
	}

	const unit = UNITS[match[2]!.toLowerCase()];
	if (unit === undefined) {
		return undefined;
	}

	const bytes = Math.floor(Number(match[1]) * unit);
	return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}
