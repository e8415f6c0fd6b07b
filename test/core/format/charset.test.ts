/**
 * Dump text on a terminal: backslashes escaped as Python's repr() escapes
 * them, non-ASCII escaped as Python's ascii() does in a non-UTF-8 locale
 * (both checked against a real Python 3), one charset switch for every
 * glyph, cutting by grapheme cluster.
 */

import {execFileSync, spawnSync} from 'node:child_process';
import {afterEach, describe, expect, it} from 'vitest';
import {displayFormatted, displayString, escapeControls, textWidth, truncateToWidth} from '../../../source/core/format/escape.js';
import {charsetFromEnv, glyphs, setOutputCharset} from '../../../source/core/format/glyphs.js';
import {diffHeader, trendHeader} from '../../../source/core/format/diff-table.js';
import {pythonRepr} from '../../../source/core/format/python.js';
import {sparkline} from '../../../source/core/format/sparkline.js';

const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;

/** Python's repr() and ascii() of each string, from a real interpreter. */
function python(strings: readonly string[]): Array<{repr: string; ascii: string}> {
	const program = 'import json, sys\nprint(json.dumps([{"repr": repr(s), "ascii": ascii(s)} for s in json.loads(sys.stdin.read())]))';
	return JSON.parse(execFileSync('python3', ['-c', program], {input: JSON.stringify(strings), encoding: 'utf8'})) as Array<{repr: string; ascii: string}>;
}

const EMOJI = '🙂👍🏽👨‍👩‍👧‍👦🇯🇵';
const SAMPLES = [
	'plain',
	'evil\\x1btype',
	'C:\\temp\\new',
	'\\',
	'real\u001Bescape',
	'café',
	'naïve “quotes” — dash…',
	'漢字かな',
	EMOJI,
	'it\'s',
	'both \' and "',
	'bidi\u202Eevil\u202C',
	'del\u007F c1\u0085',
	'\u{10FFFF}\u{E0067}',
	'zero\u200Bwidth',
];

afterEach(() => {
	setOutputCharset('utf8');
});

describe('the charset switch', () => {
	it('follows LC_ALL, then LC_CTYPE, then LANG; UTF-8 only when named', () => {
		expect(charsetFromEnv({LANG: 'en_US.UTF-8'})).toBe('utf8');
		expect(charsetFromEnv({LANG: 'C'})).toBe('ascii');
		expect(charsetFromEnv({})).toBe('ascii');
		expect(charsetFromEnv({LC_ALL: 'C', LANG: 'en_US.UTF-8'})).toBe('ascii');
		expect(charsetFromEnv({LC_ALL: '', LC_CTYPE: 'de_DE.utf8', LANG: 'C'})).toBe('utf8');
		expect(charsetFromEnv({LC_CTYPE: 'en_US.ISO-8859-1', LANG: 'en_US.UTF-8'})).toBe('ascii');
		expect(charsetFromEnv({LC_ALL: 'POSIX'})).toBe('ascii');
	});

	it('turns every glyph the tables print into ASCII', () => {
		setOutputCharset('ascii');
		const printed = [diffHeader(true), trendHeader(5), sparkline([1, 5, 9, 3]), glyphs().ellipsis, glyphs().dot, glyphs().heldBy, truncateToWidth('x'.repeat(20), 10)];
		for (const text of printed) {
			expect(text).toMatch(/^[\x20-\x7e]*$/);
		}

		expect(diffHeader(false)).toContain('dcount');
		expect(truncateToWidth('x'.repeat(20), 10)).toBe('xxxxxxx...');
		setOutputCharset('utf8');
		expect(diffHeader(false)).toContain('Δcount');
		expect(sparkline([1, 5, 9])).toBe('▁▅█');
		expect(truncateToWidth('x'.repeat(20), 10)).toBe('xxxxxxxxx…');
	});
});

describe.skipIf(!hasPython)('escaping as Python does', () => {
	it('doubles a backslash in dump text, as repr() does, so \\x1b written out never reads as an ESC', () => {
		const truth = python(SAMPLES);
		for (const [k, text] of SAMPLES.entries()) {
			if (!/[\\]/.test(text)) {
				continue;
			}

			// repr() without its quotes: these samples hold no quote or newline.
			expect(escapeControls(text), text).toBe(truth[k]!.repr.slice(1, -1));
			expect(displayString(text), text).toBe(truth[k]!.repr.slice(1, -1));
		}

		expect(escapeControls('evil\\x1btype')).not.toBe(escapeControls('evil\u001Btype'));
		expect(displayString('evil\\x1btype')).toBe('evil\\\\x1btype');
		expect(displayString('evil\u001Btype')).toBe('evil\\x1btype');
	});

	it('writes repr() in a UTF-8 locale and ascii() in any other', () => {
		const truth = python(SAMPLES);
		for (const [k, text] of SAMPLES.entries()) {
			expect(pythonRepr(text), text).toBe(truth[k]!.repr);
		}

		setOutputCharset('ascii');
		for (const [k, text] of SAMPLES.entries()) {
			expect(pythonRepr(text), text).toBe(truth[k]!.ascii);
			// Type names and other bare dump text: ascii() without its quotes.
			if (!/['"]/.test(text)) {
				expect(escapeControls(text), text).toBe(truth[k]!.ascii.slice(1, -1));
				expect(displayString(text), text).toBe(truth[k]!.ascii.slice(1, -1));
			}
		}
	});

	it('does not double a backslash twice: formatted text keeps its escapes', () => {
		const repr = pythonRepr('a\\x1b\u001B');
		expect(displayFormatted(repr)).toBe(repr);
		expect(displayFormatted(displayFormatted(repr))).toBe(repr);
		setOutputCharset('ascii');
		const ascii = pythonRepr('é\\');
		expect(displayFormatted(ascii)).toBe('\'\\xe9\\\\\'');
	});
});

describe('grapheme clusters', () => {
	it('keeps emoji sequences whole and escapes a joiner outside them', () => {
		expect(displayString(EMOJI)).toBe(EMOJI);
		expect(displayString('a\u200Db')).toBe('a\\u200db');
		expect(displayString('\u200D👍')).toBe('\\u200d👍');
	});

	it('measures a cluster by the wider of string-width and the per-code-point rule', () => {
		// tmux draws the skin-tone modifier as a cell of its own; a ZWJ
		// sequence as its first emoji; the flag as two one-column letters.
		expect(textWidth('🙂')).toBe(2);
		expect(textWidth('👍🏽')).toBe(4);
		expect(textWidth('👨‍👩‍👧‍👦')).toBe(2);
		expect(textWidth('🇯🇵')).toBe(2);
		expect(textWidth('❤️')).toBe(2);
		expect(textWidth(EMOJI)).toBe(10);
	});

	it('cuts between clusters, never inside one', () => {
		const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
		const text = EMOJI.repeat(10);
		const clusters = Array.from(segmenter.segment(text), ({segment}) => segment);
		for (let width = 1; width <= 40; width++) {
			for (const cut of [truncateToWidth(text, width), displayString(text, width)]) {
				expect(textWidth(cut), `${width}: ${cut}`).toBeLessThanOrEqual(width);
				expect(cut.endsWith('…'), cut).toBe(true);
				// What is kept is the first N clusters, whole.
				const body = cut.slice(0, -1);
				const kept = Array.from(segmenter.segment(body), ({segment}) => segment);
				expect(kept, `${width}`).toEqual(clusters.slice(0, kept.length));
				// And no more fit.
				expect(textWidth(body) + textWidth(clusters[kept.length]!) + 1, `${width}`).toBeGreaterThan(width);
			}
		}
	});
});
