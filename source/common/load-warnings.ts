/**
 * What loading skipped, cut or tolerated, one line each, in the same words
 * for the command line (on stderr) and the explorer (on its status line).
 */

import type {LoadResult} from '../core/dump/load.js';
import {escapeControls} from '../core/format/escape.js';

/**
 * One line per kind of problem, each starting with `file: ` (`file` is shown
 * as given). `damageFirst`: the gzip damage line leads (where only one line
 * shows, the damage is what matters most: the rest follows from it).
 */
export function loadProblemLines(result: LoadResult, file: string = escapeControls(result.file), damageFirst = false): string[] {
	const {problems} = result;
	const lines: string[] = [];
	let damage: string | undefined;
	if (problems.malformedLines > 0) {
		const first = problems.malformed.slice(0, 3).map(p => String(p.line)).join(', ');
		const plural = problems.malformedLines === 1 ? '' : 's';
		lines.push(`${file}: skipped ${problems.malformedLines} malformed line${plural} (first at line${problems.malformed.length > 1 ? 's' : ''} ${first}: ${escapeControls(problems.malformed[0]!.message)}); loaded ${result.store.objectCount} objects`);
	}

	if (problems.truncatedGzip) {
		const what = problems.gzipDamage ?? 'the gzip data ends early (truncated file?)';
		damage = `${file}: ${escapeControls(what)}; loaded the ${result.lines} lines before it`;
		lines.push(damage);
	}

	if (problems.cutStrings > 0) {
		const plural = problems.cutStrings === 1 ? ' was' : 's were';
		lines.push(`${file}: ${problems.cutStrings} string${plural} longer than 1 MiB and kept cut to 1 MiB (first at line ${problems.firstCutLine}; the longest was ${problems.longestCutString} bytes)`);
	}

	if (problems.duplicateAddresses > 0) {
		lines.push(`${file}: ${problems.duplicateAddresses} lines repeat an address already seen (first at line ${problems.firstDuplicateLine}); the first occurrence was kept`);
	}

	if (result.allocProblem !== undefined) {
		lines.push(`${file}: allocation sites not used: ${escapeControls(result.allocProblem)}`);
	}

	return damageFirst && damage !== undefined ? [damage, ...lines.filter(line => line !== damage)] : lines;
}

/** The command line's warnings: `warning: file: ...`, one line each. */
export function loadWarnings(result: LoadResult): string[] {
	return loadProblemLines(result).map(line => `warning: ${line}`);
}
