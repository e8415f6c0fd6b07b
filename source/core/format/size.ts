/** Human-readable sizes. */

import {formatFixed1} from './python.js';

/**
 * meliae's total-size suffix: divide by 1024 while above 800, one decimal,
 * B/K/M/G (as in `12.0Btot`, `1.0Ktot`, `10.5Mtot`).
 */
export function meliaeSize(bytes: number): string {
	let value = bytes;
	let order = 'B';
	for (const next of ['K', 'M', 'G']) {
		if (value > 800) {
			value /= 1024;
			order = next;
		}
	}

	return `${formatFixed1(value)}${order}`;
}

/** Bytes with a binary unit, for headers and tables: 512 B, 1.5 KiB, 23.4 MiB. */
export function humanBytes(bytes: number): string {
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes;
	let unit = 0;
	while (Math.abs(value) >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}

	if (unit === 0) {
		return `${value} B`;
	}

	return `${value.toFixed(Math.abs(value) >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** Compact size for narrow columns: 512, 1.5K, 23M, 1.2G (at most 5 characters). */
export function compactBytes(bytes: number): string {
	const units = ['', 'K', 'M', 'G', 'T', 'P'];
	let value = bytes;
	let unit = 0;
	while (Math.abs(value) >= 1000 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}

	if (unit === 0) {
		return String(Math.round(value));
	}

	const text = Math.abs(value) < 10 ? value.toFixed(1) : String(Math.round(value));
	return text + units[unit];
}
