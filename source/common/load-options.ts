/**
 * The loader options every dump reader takes from the command line
 * (`--no-collapse`, `--remove-expensive`, `--strict`, `--no-index`,
 * `--index-dir`), for the commands and
 * the explorer alike.
 */

import type {LoadOptions} from '../core/dump/load.js';

export function loadOptionsFrom(flags: Readonly<Record<string, unknown>>): LoadOptions {
	return {
		collapse: flags['collapse'] !== false,
		removeExpensive: flags['removeExpensive'] === true,
		strict: flags['strict'] === true,
		index: flags['index'] !== false,
		indexDir: typeof flags['indexDir'] === 'string' ? flags['indexDir'] : undefined,
	};
}
