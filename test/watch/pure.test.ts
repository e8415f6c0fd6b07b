/** The pure parts of watch: sizes, growth streaks, rotation, the screen. */

import {describe, expect, it} from 'vitest';
import type {TypeTotals} from '../../source/core/analyses/diff.js';
import {trendOf} from '../../source/core/analyses/trend.js';
import {textWidth} from '../../source/core/format/escape.js';
import type {DumpRecord} from '../../source/watch/analysis.js';
import {GrowthTracker} from '../../source/watch/growth.js';
import {expectedDumpBytes, toDelete} from '../../source/watch/rotation.js';
import {screenLines} from '../../source/watch/screen.js';
import {parseSize} from '../../source/watch/size.js';

function totals(rows: Record<string, [number, number]>): TypeTotals {
	const typeNames = Object.keys(rows);
	const counts = Float64Array.from(typeNames.map(name => rows[name]![0]));
	const sizes = Float64Array.from(typeNames.map(name => rows[name]![1]));
	return {totalCount: counts.reduce((a, b) => a + b, 0), totalSize: sizes.reduce((a, b) => a + b, 0), typeNames, counts, sizes};
}

describe('parseSize', () => {
	it('reads bytes and binary units', () => {
		expect(parseSize('2G')).toBe(2 * 1024 ** 3);
		expect(parseSize('500m')).toBe(500 * 1024 ** 2);
		expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
		expect(parseSize('4096')).toBe(4096);
		expect(parseSize('10 KB')).toBe(10_240);
	});

	it('refuses what is not a size above 0', () => {
		for (const bad of ['', '0', 'G', '-1G', '2X', '1e9', '0.1']) {
			expect(parseSize(bad)).toBeUndefined();
		}
	});
});

describe('GrowthTracker', () => {
	it('counts the steps in a row that grew, and restarts when a step does not', () => {
		const tracker = new GrowthTracker();
		const series: Array<Record<string, [number, number]>> = [
			{Leak: [10, 100], list: [5, 500], Flat: [3, 30]},
			{Leak: [20, 200], list: [5, 580], Flat: [3, 30]},
			{Leak: [30, 300], list: [5, 660], Flat: [4, 40]},
			{Leak: [40, 400], list: [4, 620], Flat: [5, 50]},
		];
		for (const step of series) {
			tracker.add(totals(step));
		}

		expect(tracker.streakOf('Leak')).toEqual({steps: 3, firstCount: 10, firstSize: 100, count: 40, size: 400});
		expect(tracker.streakOf('list')!.steps).toBe(0);
		expect(tracker.streakOf('Flat')!.steps).toBe(2);
		expect(tracker.grownFor(3)?.type).toBe('Leak');
		expect(tracker.grownFor(4)).toBeUndefined();
		// The same rule as trend's "grew at every step".
		const growing = trendOf(series.map(step => totals(step))).filter(row => row.growing).map(row => row.type);
		expect(growing).toEqual(['Leak']);
	});

	it('prefers the leak candidates\' types, else the largest count growth', () => {
		const tracker = new GrowthTracker();
		tracker.add(totals({Leak: [10, 1000], str: [100, 1000], list: [1, 80]}));
		tracker.add(totals({Leak: [20, 2000], str: [200, 2000], list: [1, 160]}));
		expect(tracker.grownFor(1)?.type).toBe('str');
		expect(tracker.grownFor(1, ['Leak', 'str'])?.type).toBe('Leak');
		expect(tracker.grownFor(1, ['Absent'])?.type).toBe('str');
	});

	it('a type that appears grows from nothing; one that goes ends its streak', () => {
		const tracker = new GrowthTracker();
		tracker.add(totals({A: [1, 10]}));
		tracker.add(totals({A: [2, 20], B: [1, 10]}));
		expect(tracker.streakOf('B')).toEqual({steps: 1, firstCount: 0, firstSize: 0, count: 1, size: 10});
		tracker.add(totals({B: [2, 20]}));
		expect(tracker.streakOf('A')).toBeUndefined();
		expect(tracker.streakOf('B')!.steps).toBe(2);
	});
});

describe('rotation', () => {
	it('deletes the oldest beyond keep', () => {
		const made = [1, 2, 3, 4].map(n => ({file: `d${n}`, bytes: n}));
		expect(toDelete(made, 2).map(dump => dump.file)).toEqual(['d1', 'd2']);
		expect(toDelete(made, 5)).toEqual([]);
	});

	it('expects the next dump a quarter above the last, or from the RSS before the first', () => {
		expect(expectedDumpBytes(1000, 1 << 30)).toBe(1250);
		expect(expectedDumpBytes(undefined, 1600)).toBe(100);
		expect(expectedDumpBytes(undefined, undefined)).toBe(0);
	});
});

describe('screenLines', () => {
	const record = (n: number, type: string): DumpRecord => ({
		time: `2026-01-01T00:00:0${n}+0000`,
		file: `/d/meliae-1-${n}.json.gz`,
		bytes: 1000 * n,
		rss: 1 << 24,
		objects: 100 * n,
		totalSize: 5000 * n,
		pauseMs: 1.5,
		growing: Array.from({length: 30}, (_, i) => ({type: `${type}${i}`, counts: [1, 2, 3], sizes: [10, 20, 30], growing: true, countGrowth: 2, sizeGrowth: 20})),
		candidates: n < 3 ? undefined : Array.from({length: 30}, (_, i) => ({type, count: 50 + i, size: 4096, heldBy: 'list@0x10 ← module \'__main__\'@0x20', allocatedAt: `${type}.py:7 in make`, json: {}})),
		candidateTotal: 1000,
	});

	it('fits the terminal and escapes what comes from the dump', () => {
		const hostile = 'Evil\u001B[2J\u202E\u0007';
		const records = [1, 2, 3, 4, 5].map(n => record(n, hostile));
		for (const [width, height] of [[80, 24], [40, 10], [200, 60]] as const) {
			const lines = screenLines({target: 'process 1', dir: '/d', everySeconds: 1, records, taken: 9, notes: ['meliae-tui: dump failed: x\u001B]0;y'], status: 'next dump in 1 s', ascii: true}, width, height);
			expect(lines.length).toBeLessThanOrEqual(height);
			for (const line of lines) {
				expect(textWidth(line)).toBeLessThanOrEqual(width);
				// eslint-disable-next-line no-control-regex
				expect(line).not.toMatch(/[\u0000-\u001F\u007F\u202E]/);
			}
		}

		const lines = screenLines({target: 'process 1', dir: '/d', everySeconds: 1, records, taken: 9, notes: [], status: '', ascii: true}, 200, 60);
		expect(lines.some(line => line.startsWith('Leak candidates: 1000 objects'))).toBe(true);
		expect(lines.some(line => /^ {2}50 Evil.* held by list@0x10/.test(line))).toBe(true);
		expect(lines.filter(line => / meliae-1-\d\.json\.gz$/.test(line))).toHaveLength(5);
	});

	it('says what comes from the second and third dumps before they are taken', () => {
		const lines = screenLines({target: 'process 1', dir: '/d', everySeconds: 1, records: [record(1, 'T')], taken: 1, notes: [], status: '', ascii: true}, 80, 24);
		expect(lines).toContain('Growing types: from the second dump on');
		expect(lines).toContain('Leak candidates: from the third dump on');
	});
});
