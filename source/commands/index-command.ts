/**
 * `meliae-tui index DUMP...`: parse each dump and write its index now (with
 * the parents, whatever the dump's size), so that later commands and the
 * explorer open it without parsing. Prints where each index went and its
 * size; a dump that could not be indexed is named on stderr and makes the
 * exit code 3.
 */

import {statSync} from 'node:fs';
import {escapeControls} from '../core/format/escape.js';
import {humanBytes} from '../core/format/size.js';
import {type Command, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK} from './context.js';
import {savedAnalysesBytes} from '../core/index/persisted.js';
import {loadForCommand, withExit} from './load-for-command.js';
import {dominatorsForCommand} from './top.js';

function isRegularFile(file: string): boolean {
	try {
		return statSync(file).isFile();
	} catch {
		return false;
	}
}

export const main: Command = async ctx => withExit(async () => {
	let code = EXIT_OK;
	for (const file of ctx.input) {
		const shown = escapeControls(file === '-' ? 'standard input' : file);
		if (file === '-') {
			ctx.stderr.write('meliae-tui: standard input cannot be indexed (only files can)\n');
			code = Math.max(code, EXIT_BAD_INPUT);
			continue;
		}

		// eslint-disable-next-line no-await-in-loop
		const result = await loadForCommand(ctx, file, {parents: true, index: true, rewriteIndex: true, indexMinBytes: 0});
		let analyses = '';
		if (ctx.flags['analyses'] !== false) {
			// Computed (and saved with the index) now, so that show, top,
			// retained, report and the explorer read them; while the index
			// is written, which saving them waits for.
			// eslint-disable-next-line no-await-in-loop
			await dominatorsForCommand(ctx, result.store);
			const saved = savedAnalysesBytes(result.store);
			analyses = saved === undefined ? ', retained sizes not saved' : `, retained sizes ${humanBytes(saved)}`;
		}

		// eslint-disable-next-line no-await-in-loop
		const index = await result.indexWritten;
		if (index === undefined) {
			const why = isRegularFile(file) ? 'not indexed (see the note above)' : 'not a regular file (pipes and devices are not indexed)';
			ctx.stderr.write(`meliae-tui: ${shown}: ${why}\n`);
			code = Math.max(code, EXIT_FAILED);
			continue;
		}

		const {path, bytes} = index;
		const ratio = result.textBytes > 0 ? ` (${(bytes / result.textBytes).toFixed(2)}x the dump's text)` : '';
		ctx.stdout.write(`${shown}: ${escapeControls(path)} ${humanBytes(bytes)}${ratio}, ${result.store.objectCount} objects${analyses}\n`);
	}

	return code;
});
