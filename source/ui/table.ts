/**
 * A compact table for fixed-width terminals: right-aligned numeric columns
 * glued together as meliae prints them (`%6d%8d%4d...`), one flexible text
 * column last, no rules between rows. When the terminal is too narrow the
 * least important columns are dropped rather than wrapping anything.
 */

import {padStartToWidth, padToWidth, textWidth} from './text.js';

export type Column = {
	readonly key: string;
	readonly title: string;
	/** Width including the padding before the value (meliae's %6d is 6). */
	readonly width: number;
	/** Higher is kept longer when space runs out. */
	readonly priority: number;
};

export type TableLayout = {
	readonly columns: readonly Column[];
	/** Width of the last (text) column. */
	readonly flexWidth: number;
};

/** Columns that fit in `width` with at least `minFlex` left for the text column (plus its leading space). */
export function fitColumns(columns: readonly Column[], width: number, minFlex: number): TableLayout {
	const kept = [...columns];
	const used = (): number => kept.reduce((sum, column) => sum + column.width, 0);
	while (kept.length > 0 && width - used() - 1 < minFlex) {
		let lowest = 0;
		for (let k = 1; k < kept.length; k++) {
			if (kept[k]!.priority < kept[lowest]!.priority) {
				lowest = k;
			}
		}

		kept.splice(lowest, 1);
	}

	return {columns: kept, flexWidth: Math.max(0, width - used() - 1)};
}

/** One row: cells by column key (already terminal-safe), and the text column. */
export function formatRow(table: TableLayout, cells: Readonly<Record<string, string>>, text: string): string {
	let line = '';
	for (const column of table.columns) {
		const cell = cells[column.key] ?? '';
		// A value wider than its column pushes the rest right, as in meliae.
		line += textWidth(cell) >= column.width ? cell : padStartToWidth(cell, column.width);
	}

	return line + ' ' + padToWidth(text, table.flexWidth);
}

export type TableHeader = {
	readonly text: string;
	/** Columns [start, end) of the sorted column's title, to underline; undefined when none. */
	readonly sorted: readonly [number, number] | undefined;
};

/** The header line; the sorted column's title is written `[Size]` (text, not only a style). */
export function formatHeader(table: TableLayout, flexTitle: string, sortedKey?: string): TableHeader {
	let text = '';
	let sorted: [number, number] | undefined;
	for (const column of table.columns) {
		const title = column.key === sortedKey ? `[${column.title}]` : column.title;
		const cell = padStartToWidth(title, column.width);
		if (column.key === sortedKey) {
			const end = text.length + cell.length;
			sorted = [end - title.length, end];
		}

		text += cell;
	}

	return {text: text + ' ' + padToWidth(flexTitle, table.flexWidth), sorted};
}
