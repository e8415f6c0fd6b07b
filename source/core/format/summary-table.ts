/**
 * meliae's summary table, byte for byte:
 *
 *   Total 40335 objects, 125 types, Total size = 6.5MiB (6768944 bytes)
 *    Index   Count   %      Size   % Cum     Max Kind
 *        0    1245   3   1792824  26  26   98584 dict
 *
 * (row format '%6d%8d%4d%10d%4d%4d%8d %s', percentages truncated).
 */

import type {Summary} from '../analyses/summary.js';
import {escapeControls} from './escape.js';
import {formatFixed1, formatInt, padLeft} from './python.js';

export const SUMMARY_HEADER = ' Index   Count   %      Size   % Cum     Max Kind';

export function summaryTitle(summary: Summary): string {
	return `Total ${summary.totalCount} objects, ${summary.types.length} types, Total size = ${formatFixed1(summary.totalSize / 1024 / 1024)}MiB (${summary.totalSize} bytes)`;
}

/** Python's float division by zero raises; meliae never met an empty dump. Show 0. */
function percent(part: number, total: number): string {
	return total === 0 ? '0' : formatInt(part * 100 / total);
}

export function summaryRows(summary: Summary, limit = 20): string[] {
	const rows: string[] = [];
	let cumulative = 0;
	const count = Math.min(limit, summary.types.length);
	for (let i = 0; i < count; i++) {
		const type = summary.types[i]!;
		cumulative += type.size;
		rows.push(padLeft(String(i), 6)
			+ padLeft(String(type.count), 8)
			+ padLeft(percent(type.count, summary.totalCount), 4)
			+ padLeft(String(type.size), 10)
			+ padLeft(percent(type.size, summary.totalSize), 4)
			+ padLeft(percent(cumulative, summary.totalSize), 4)
			+ padLeft(String(type.maxSize), 8)
			+ ' ' + escapeControls(type.type));
	}

	return rows;
}

export function formatSummary(summary: Summary, limit = 20): string {
	return [summaryTitle(summary), SUMMARY_HEADER, ...summaryRows(summary, limit)].join('\n');
}
