/**
 * Text tables for comparing dumps: `diff` (per type, old against new) and
 * `trend` (per type over a series). Type names pass through escapeControls.
 */

import type {DumpDiff, TypeTotals} from '../analyses/diff.js';
import type {TrendType} from '../analyses/trend.js';
import type {TypeSummary} from '../analyses/summary.js';
import {escapeControls} from './escape.js';
import {glyphs} from './glyphs.js';
import {padLeft} from './python.js';
import {humanBytes} from './size.js';
import {sparkline} from './sparkline.js';
import {summaryTitle} from './summary-table.js';

/** +12, -3, 0. */
export function signed(value: number): string {
	return value > 0 ? `+${value}` : String(value);
}

/** +1.5 MiB, -512 B, 0 B. */
export function signedBytes(value: number): string {
	return value > 0 ? `+${humanBytes(value)}` : (value < 0 ? `-${humanBytes(-value)}` : humanBytes(0));
}

/** The header line of `summarize` for per-type totals. */
export function totalsTitle(totals: TypeTotals): string {
	let types = 0;
	for (const count of totals.counts) {
		if (count > 0) {
			types++;
		}
	}

	return summaryTitle({totalCount: totals.totalCount, totalSize: totals.totalSize, types: new Array<TypeSummary>(types)});
}

/** The diff table's titles; `Δ` is `d` in ASCII mode (see glyphs.ts). */
export function diffTitles(): string {
	const {delta} = glyphs();
	return `      Old       New    ${delta}count    Old size    New size       ${delta}size       New     Freed Kind`;
}

/** One row per type, largest size growth first; `final` adds the count in a third dump. */
export function diffRows(diff: DumpDiff, limit: number, final?: TypeTotals): string[] {
	const finalCount = new Map<string, number>();
	if (final !== undefined) {
		for (const [id, name] of final.typeNames.entries()) {
			finalCount.set(name, final.counts[id]!);
		}
	}

	return diff.types.slice(0, limit).map(row => padLeft(String(row.oldCount), 9)
		+ padLeft(String(row.newCount), 10)
		+ padLeft(signed(row.countDelta), 10)
		+ padLeft(humanBytes(row.oldSize), 12)
		+ padLeft(humanBytes(row.newSize), 12)
		+ padLeft(signedBytes(row.sizeDelta), 12)
		+ padLeft(String(row.newObjects), 10)
		+ padLeft(String(row.freedObjects), 10)
		+ (final === undefined ? '' : padLeft(String(finalCount.get(row.type) ?? 0), 10))
		+ ' ' + escapeControls(row.type));
}

export function diffHeader(final: boolean): string {
	const titles = diffTitles();
	return final ? titles.replace(' Kind', '     Final Kind') : titles;
}

export type TrendTableOptions = {
	limit: number;
	ascii: boolean;
};

/** The sparkline column shows the sizes of the last (at most) 24 dumps. */
export const TREND_POINTS = 24;

export function trendHeader(dumps: number): string {
	const {delta} = glyphs();
	return `    First      Last    ${delta}/dump   Size first   Size last  ${delta}size/dump  Grows  ` + 'Trend'.padEnd(Math.max(5, Math.min(dumps, TREND_POINTS))) + ' Kind';
}

/** Rows of the trend table: counts first and last, growth per step, sizes, a sparkline of sizes. */
export function trendRows(types: readonly TrendType[], options: TrendTableOptions): string[] {
	return types.slice(0, options.limit).map(row => {
		const steps = Math.max(1, row.counts.length - 1);
		const perStep = (value: number): string => {
			const rounded = Math.round((value / steps) * 10) / 10;
			return rounded > 0 ? `+${rounded}` : String(rounded);
		};

		const spark = sparkline(row.sizes.slice(-TREND_POINTS), {ascii: options.ascii});
		return padLeft(String(row.counts[0]), 9)
			+ padLeft(String(row.counts.at(-1)), 10)
			+ padLeft(perStep(row.countGrowth), 10)
			+ padLeft(humanBytes(row.sizes[0]!), 13)
			+ padLeft(humanBytes(row.sizes.at(-1)!), 12)
			+ padLeft(signedBytes(Math.round(row.sizeGrowth / steps)), 12)
			+ (row.growing ? '    yes' : '       ')
			+ '  ' + spark.padEnd(Math.max(5, spark.length))
			+ ' ' + escapeControls(row.type);
	});
}
