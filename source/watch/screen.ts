/**
 * The live text screen of `watch` in a terminal: pure, from the records of
 * the kept dumps to at most `height` lines of at most `width` columns.
 * Every text from a dump or the system goes through escapeControls.
 */

import {escapeControls, truncateToWidth} from '../core/format/escape.js';
import {humanBytes} from '../core/format/size.js';
import {sparkline} from '../core/format/sparkline.js';
import type {DumpRecord} from './analysis.js';

export type ScreenState = {
	/** `process 1234` or `python3 app.py (pid 1234)`. */
	readonly target: string;
	readonly dir: string;
	readonly everySeconds: number;
	/** Kept dumps, oldest first. */
	readonly records: readonly DumpRecord[];
	/** Dumps taken so far (more than the kept ones once older ones are deleted). */
	readonly taken: number;
	/** The latest one-line messages (a failed dump, the disk budget, ...), newest last. */
	readonly notes: readonly string[];
	/** What is happening now: `next dump in 42 s`, `dumping...`. */
	readonly status: string;
	readonly ascii: boolean;
};

const pad = (text: string, width: number): string => (text.length >= width ? text : ' '.repeat(width - text.length) + text);

function pauseText(ms: number | undefined): string {
	return ms === undefined ? '-' : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

export function screenLines(state: ScreenState, width: number, height: number): string[] {
	const lines: string[] = [];
	const {records} = state;
	lines.push(`meliae-tui watch: ${escapeControls(state.target)}, every ${state.everySeconds} s, ${state.taken} dump${state.taken === 1 ? '' : 's'} taken, last ${records.length} kept in ${escapeControls(state.dir)}`);
	lines.push(`${state.status}   keys: Enter/o explore the newest dump, q quit`);
	lines.push('');
	lines.push(' Time                      Objects        Size  Process RSS       Pause  File');
	// Room for the dumps: at most the kept ones, fewer on a short screen.
	const dumpRows = Math.max(1, Math.min(records.length, Math.floor((height - 8) / 3)));
	for (const record of records.slice(-dumpRows)) {
		lines.push(` ${escapeControls(record.time).padEnd(24)}${pad(String(record.objects), 9)}${pad(humanBytes(record.bytes), 12)}${pad(record.rss === undefined ? '-' : humanBytes(record.rss), 13)}${pad(pauseText(record.pauseMs), 12)}  ${escapeControls(record.file.split('/').at(-1) ?? '')}`);
	}

	if (records.length === 0) {
		lines.push(' (no dump yet)');
	}

	const last = records.at(-1);
	const room = height - lines.length - state.notes.length - 1;
	const body: string[] = [];
	if (last !== undefined) {
		body.push('');
		if (records.length < 2) {
			body.push('Growing types: from the second dump on');
		} else {
			body.push(last.growing.length === 0 ? 'Growing types: none grew at every step' : 'Growing types (grew at every step over the kept dumps):     counts      sizes');
			for (const row of last.growing) {
				body.push(`  ${truncateToWidth(escapeControls(row.type), 40).padEnd(40)} ${pad(`+${row.countGrowth}`, 9)} ${sparkline(row.counts, {ascii: state.ascii}).padEnd(10)} ${sparkline(row.sizes, {ascii: state.ascii})}`);
			}
		}

		body.push('');
		if (last.candidates === undefined) {
			body.push('Leak candidates: from the third dump on');
		} else if (last.candidates.length === 0) {
			body.push('Leak candidates: none (no object new in the dump before the last is still in the last)');
		} else {
			body.push(`Leak candidates: ${last.candidateTotal} objects new in the dump before the last and still in the last, by owner:`);
			for (const candidate of last.candidates) {
				body.push(`  ${candidate.count} ${escapeControls(candidate.type)} (${humanBytes(candidate.size)}) ${candidate.heldBy === '' ? 'held from several roots' : `held by ${candidate.heldBy}`}${candidate.allocatedAt === '' ? '' : `, allocated at ${escapeControls(candidate.allocatedAt)}`}`);
			}
		}
	}

	lines.push(...body.slice(0, Math.max(0, room)));
	for (const note of state.notes) {
		lines.push(escapeControls(note));
	}

	return lines.slice(0, height).map(line => truncateToWidth(line, width));
}
