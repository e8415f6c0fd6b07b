import {describe, expect, test} from 'vitest';
import {loadNotes} from '../../source/ui/explorer.js';
import {loadLines, meliaeLine} from '../helpers/dump-lines.js';

describe('what loading skipped, for the status line', () => {
	test('malformed and repeated lines, briefly, file name without directories', async () => {
		const result = await loadLines([
			meliaeLine({address: 16, type: 'int', size: 28, value: 1}),
			'{"address": 32, "type": "str", "si',
			meliaeLine({address: 16, type: 'int', size: 28, value: 2}),
			'not json at all',
		]);
		const notes = loadNotes(result);
		const file = result.file.replace(/^.*\//, '');
		expect(notes).toEqual([
			`${file}: skipped 2 malformed lines, first at line 2`,
			`${file}: 1 repeated addresses (first at line 3); the first kept`,
		]);
	});

	test('a clean dump has nothing to say', async () => {
		expect(loadNotes(await loadLines([meliaeLine({address: 16, type: 'int', size: 28, value: 1})]))).toEqual([]);
	});
});
