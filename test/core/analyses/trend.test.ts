import {utimesSync, writeFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {typeTotals} from '../../../source/core/analyses/diff.js';
import {describeDumpFile, naturalCompare, readMeta, sortDumpFiles, trendOf} from '../../../source/core/analyses/trend.js';
import {environmentTakesUtf8, sparkline} from '../../../source/core/format/sparkline.js';
import {type DumpObject, loadObjects, writeDump} from '../../helpers/dump-lines.js';

const objects = (counts: Record<string, number>, size = 10): DumpObject[] => {
	const result: DumpObject[] = [];
	let address = 1;
	for (const [type, count] of Object.entries(counts)) {
		for (let i = 0; i < count; i++) {
			result.push({address: address++, type, size});
		}
	}

	return result;
};

describe('trendOf', () => {
	it('aligns types by name and flags the ones that grow at every step', async () => {
		const series = [
			typeTotals(await loadObjects(objects({dict: 2, list: 3, tuple: 1}))),
			typeTotals(await loadObjects(objects({list: 3, dict: 4, set: 1}))),
			typeTotals(await loadObjects(objects({dict: 5, list: 4, set: 1}))),
		];
		const rows = Object.fromEntries(trendOf(series).map(row => [row.type, row]));
		expect(rows['dict']).toMatchObject({counts: [2, 4, 5], sizes: [20, 40, 50], growing: true, countGrowth: 3, sizeGrowth: 30});
		// A flat step: not growing at every step.
		expect(rows['list']).toMatchObject({counts: [3, 3, 4], growing: false});
		expect(rows['set']).toMatchObject({counts: [0, 1, 1], growing: false});
		expect(rows['tuple']).toMatchObject({counts: [1, 0, 0], growing: false, countGrowth: -1});
		expect(trendOf(series).map(row => row.type)).toEqual(['dict', 'list', 'set', 'tuple']);
	});

	it('counts a growing size with a steady count as growth', async () => {
		const store = (size: number): DumpObject[] => [{address: 1, type: 'list', size}];
		const series = [typeTotals(await loadObjects(store(100))), typeTotals(await loadObjects(store(200)))];
		expect(trendOf(series)[0]).toMatchObject({type: 'list', growing: true});
		expect(trendOf(series.slice(0, 1))[0]).toMatchObject({growing: false});
	});
});

describe('dump files', () => {
	it('reads the dumper\'s sidecar', () => {
		const file = writeDump('{"address": 1, "type": "int", "size": 28, "value": 1, "refs": []}\n');
		expect(readMeta(file)).toBeUndefined();
		writeFileSync(`${file}.meta.json`, JSON.stringify({pid: 42, argv: ['app.py', 7], python_version: '3.12.1', time: '2024-05-01T12:00:00+0000', rss_bytes: 1_048_576, peak_rss_bytes: 2_097_152, objects: 1, dump_seconds: 0.5}));
		expect(readMeta(file)).toEqual({pid: 42, argv: ['app.py'], pythonVersion: '3.12.1', time: '2024-05-01T12:00:00+0000', rssBytes: 1_048_576, peakRssBytes: 2_097_152, objects: 1, seconds: 0.5});
		writeFileSync(`${file}.meta.json`, '[not json');
		expect(readMeta(file)).toBeUndefined();
		expect(readMeta('-')).toBeUndefined();
	});

	it('sorts by dump time, modification time or name', () => {
		const make = (name: string, mtime: number, time?: string) => {
			const file = writeDump('{"address": 1, "type": "int", "size": 28, "value": 1, "refs": []}\n', {name});
			utimesSync(file, mtime, mtime);
			if (time !== undefined) {
				writeFileSync(`${file}.meta.json`, JSON.stringify({time}));
			}

			return describeDumpFile(file);
		};

		const files = [
			make('sorted-b-10.json', 3000, '2024-05-01T12:00:00+0000'),
			make('sorted-b-2.json', 1000, '2024-05-01T14:00:00+0000'),
			make('sorted-a-1.json', 2000),
		];
		const names = (by: 'time' | 'mtime' | 'name'): string[] => sortDumpFiles(files, by).map(file => file.file.replace(/.*\//, ''));
		expect(names('mtime')).toEqual(['sorted-b-2.json', 'sorted-a-1.json', 'sorted-b-10.json']);
		expect(names('name')).toEqual(['sorted-a-1.json', 'sorted-b-2.json', 'sorted-b-10.json']);
		// No recorded time: the modification time (2000 s) stands in.
		expect(names('time')).toEqual(['sorted-a-1.json', 'sorted-b-10.json', 'sorted-b-2.json']);
	});

	it('compares names with numbers as numbers', () => {
		expect(['d10', 'd9', 'd1', 'd', 'c100'].sort(naturalCompare)).toEqual(['c100', 'd', 'd1', 'd9', 'd10']);
		expect(naturalCompare('x01', 'x1')).toBeGreaterThan(0);
	});
});

describe('sparkline', () => {
	it('scales between the minimum and the maximum', () => {
		expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
		expect(sparkline([10, 10, 10])).toBe('▁▁▁');
		expect(sparkline([0, 100], {ascii: true})).toBe('_#');
		expect(sparkline([])).toBe('');
	});

	it('uses blocks only where the locale is UTF-8', () => {
		expect(environmentTakesUtf8({LANG: 'en_US.UTF-8', TERM: 'xterm-256color'})).toBe(true);
		expect(environmentTakesUtf8({LC_ALL: 'C', LANG: 'en_US.UTF-8'})).toBe(false);
		expect(environmentTakesUtf8({LC_CTYPE: 'de_DE.utf8'})).toBe(true);
		expect(environmentTakesUtf8({})).toBe(false);
		expect(environmentTakesUtf8({LANG: 'C.UTF-8', TERM: 'dumb'})).toBe(false);
	});
});
