/**
 * Sparklines: one character per value, eight levels, scaled between the
 * series' minimum and maximum. Block characters where the terminal takes
 * UTF-8, an ASCII ramp elsewhere (both in glyphs.ts).
 */

import {ASCII_GLYPHS, charsetFromEnv, glyphs} from './glyphs.js';

/** `ascii: true` forces the ASCII ramp; otherwise the output charset's ramp. */
export function sparkline(values: readonly number[], options: {ascii?: boolean} = {}): string {
	const ramp = options.ascii ? ASCII_GLYPHS.sparks : glyphs().sparks;
	if (values.length === 0) {
		return '';
	}

	let min = Number.POSITIVE_INFINITY;
	let max = Number.NEGATIVE_INFINITY;
	for (const value of values) {
		min = Math.min(min, value);
		max = Math.max(max, value);
	}

	const span = max - min;
	return values.map(value => {
		if (span === 0) {
			return ramp[0]!;
		}

		const level = Math.round(((value - min) / span) * (ramp.length - 1));
		return ramp[Math.max(0, Math.min(ramp.length - 1, level))]!;
	}).join('');
}

/**
 * Whether the environment announces UTF-8: the first of LC_ALL, LC_CTYPE
 * and LANG that is set names UTF-8, and TERM is not "dumb" (or "linux",
 * whose console font lacks most block characters).
 */
export function environmentTakesUtf8(env: Readonly<Record<string, string | undefined>>): boolean {
	const term = env['TERM'];
	if (term === 'dumb' || term === 'linux') {
		return false;
	}

	return charsetFromEnv(env) === 'utf8';
}
