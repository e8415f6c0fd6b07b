/**
 * Every non-ASCII character meliae-tui itself prints, in one table, and the
 * one switch that chooses between them: UTF-8 glyphs, or ASCII stand-ins
 * where the locale's character set is not UTF-8 (`LANG=C`, `LC_ALL=POSIX`,
 * `LC_CTYPE=en_US.ISO-8859-1`...). The switch also decides how dump text is
 * shown (see escape.ts): in ASCII mode every non-ASCII character becomes an
 * escape, as Python's `ascii()` writes it (`\xe9`, `\u2026`, `\U0001f642`).
 *
 * The program decides once, at start, from its environment
 * (`setOutputCharset(charsetFromEnv(process.env))`); until then, and in
 * tests that do not set it, output is UTF-8.
 */

export type Charset = 'utf8' | 'ascii';

export type Glyphs = {
	readonly charset: Charset;
	/** End of cut text: `…` or `...`. */
	readonly ellipsis: string;
	/** Separator between facts on one line: `·` or `-`. */
	readonly dot: string;
	/** "Difference" in column titles: `Δ` or `d`. */
	readonly delta: string;
	/** "Is held by", between labels of a chain: `←` or `<-`. */
	readonly heldBy: string;
	/** Eight levels of a sparkline, lowest first. */
	readonly sparks: readonly string[];
};

export const UTF8_GLYPHS: Glyphs = {
	charset: 'utf8',
	ellipsis: '…',
	dot: '·',
	delta: 'Δ',
	heldBy: '←',
	sparks: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
};

export const ASCII_GLYPHS: Glyphs = {
	charset: 'ascii',
	ellipsis: '...',
	dot: '-',
	delta: 'd',
	heldBy: '<-',
	sparks: ['_', '.', ',', '-', '=', '+', '*', '#'],
};

let current: Glyphs = UTF8_GLYPHS;

/** The glyphs of the output charset in force. */
export function glyphs(): Glyphs {
	return current;
}

/** Whether output is limited to ASCII (non-UTF-8 locale). */
export function asciiOutput(): boolean {
	return current.charset === 'ascii';
}

/** Set the output charset; returns the one in force before (tests restore it). */
export function setOutputCharset(charset: Charset): Charset {
	const before = current.charset;
	current = charset === 'ascii' ? ASCII_GLYPHS : UTF8_GLYPHS;
	return before;
}

/**
 * The locale's character set, with POSIX precedence: the first of LC_ALL,
 * LC_CTYPE and LANG that is set and not empty decides. UTF-8 only when it
 * names UTF-8 (`en_US.UTF-8`, `C.utf8`); unset, `C` and `POSIX` are ASCII.
 */
export function charsetFromEnv(env: Readonly<Record<string, string | undefined>>): Charset {
	const locale = [env['LC_ALL'], env['LC_CTYPE'], env['LANG']].find(value => value !== undefined && value !== '');
	return locale !== undefined && /utf-?8/i.test(locale) ? 'utf8' : 'ascii';
}
