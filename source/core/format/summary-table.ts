/**
 * meliae's summary table, byte for byte:
 *
 *   Total 40335 objects, 125 types, Total size = 6.5MiB (6768944 bytes)
 *    Index   Count   %      Size   % Cum     Max Kind
 *        0    1245   3   1792824  26  26   98584 dict
 *
 * (row format '%6d%8d%4d%10d%4d%4d%8d %s', percentages truncated).
 *
 * A value as wide as meliae's fixed width or wider (a max of 10^7 bytes
 * fills `%8d` and reads as one number with the `Cum` before it; 10^8
 * overflows it and pushes the rest of the row under the wrong titles) gets
 * its column (and title) widened to the widest value plus one space, so the
 * columns stay aligned and apart. Tables whose values leave a space before
 * them, as every normal dump's do, are meliae's, byte for byte.
 */

import type {Summary} from '../analyses/summary.js';
import {escapeControls} from './escape.js';
import {formatFixed1, formatInt, padLeft} from './python.js';

export const SUMMARY_HEADER = ' Index   Count   %      Size   % Cum     Max Kind';

/** meliae's columns: title and `%Nd` width. */
export const SUMMARY_COLUMNS: ReadonlyArray<{readonly title: string; readonly width: number}> = [
	{title: 'Index', width: 6},
	{title: 'Count', width: 8},
	{title: '%', width: 4},
	{title: 'Size', width: 10},
	{title: '%', width: 4},
	{title: 'Cum', width: 4},
	{title: 'Max', width: 8},
];

/**
 * The width a column needs: meliae's when its widest value leaves a space
 * before it; else that value's width plus one space (the first column has
 * nothing before it: its values only have to fit).
 */
export function fittedWidth(base: number, widest: number, first = false): number {
	if (first) {
		return Math.max(base, widest);
	}

	return widest < base ? base : widest + 1;
}

function headerFor(widths: readonly number[]): string {
	return SUMMARY_COLUMNS.map((column, k) => padLeft(column.title, widths[k]!)).join('') + ' Kind';
}

export function summaryTitle(summary: Summary): string {
	return `Total ${summary.totalCount} objects, ${summary.types.length} types, Total size = ${formatFixed1(summary.totalSize / 1024 / 1024)}MiB (${summary.totalSize} bytes)`;
}

/** Python's float division by zero raises; meliae never met an empty dump. Show 0. */
function percent(part: number, total: number): string {
	return total === 0 ? '0' : formatInt(part * 100 / total);
}

/** The cells of the first `limit` rows, column by column (Kind escaped last). */
function summaryCells(summary: Summary, limit: number): string[][] {
	const rows: string[][] = [];
	let cumulative = 0;
	const count = Math.min(limit, summary.types.length);
	for (let i = 0; i < count; i++) {
		const type = summary.types[i]!;
		cumulative += type.size;
		rows.push([
			String(i),
			String(type.count),
			percent(type.count, summary.totalCount),
			String(type.size),
			percent(type.size, summary.totalSize),
			percent(cumulative, summary.totalSize),
			String(type.maxSize),
			escapeControls(type.type),
		]);
	}

	return rows;
}

function columnWidths(rows: readonly string[][]): number[] {
	return SUMMARY_COLUMNS.map((column, k) => {
		let widest = 0;
		for (const row of rows) {
			widest = Math.max(widest, row[k]!.length);
		}

		return fittedWidth(column.width, widest, k === 0);
	});
}

function formatRows(rows: readonly string[][], widths: readonly number[]): string[] {
	return rows.map(row => widths.map((width, k) => padLeft(row[k]!, width)).join('') + ' ' + row.at(-1)!);
}

export function summaryRows(summary: Summary, limit = 20): string[] {
	const rows = summaryCells(summary, limit);
	return formatRows(rows, columnWidths(rows));
}

/** The column titles for the rows `summaryRows(summary, limit)` prints. */
export function summaryHeader(summary: Summary, limit = 20): string {
	return headerFor(columnWidths(summaryCells(summary, limit)));
}

export function formatSummary(summary: Summary, limit = 20): string {
	const rows = summaryCells(summary, limit);
	const widths = columnWidths(rows);
	return [summaryTitle(summary), headerFor(widths), ...formatRows(rows, widths)].join('\n');
}
