/**
 * The explorer's object view names where the object was allocated (first
 * frame, the file's last component), escaped, within 80 columns.
 */

import {writeFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';
import {cleanup} from 'ink-testing-library';
import {afterEach, expect, test} from 'vitest';
import {ALLOC_SUFFIX} from '../../../source/core/alloc/sidecar.js';
import {loadDump} from '../../../source/core/dump/load.js';
import {dumpText, writeDump} from '../../helpers/dump-lines.js';
import {expectFrameFits, KEY, renderApp} from '../../ui/render-app.js';

const SIZE = {columns: 80, rows: 24};

afterEach(() => {
	cleanup();
});

test('the object view shows "allocated at FILE:LINE in FUNCTION", escaped', async () => {
	const file = writeDump(dumpText([
		{address: 1000, type: 'list', size: 88, len: 2, refs: [2000, 3000]},
		{address: 2000, type: 'Request', size: 48, refs: []},
		{address: 3000, type: 'str', size: 60, len: 3, value: 'abc', refs: []},
	]));
	writeFileSync(file + ALLOC_SUFFIX, gzipSync(Buffer.from([
		'{"format": "meliae-tui-alloc", "version": 1, "frames": 2, "objects": [',
		'[2000, 0]',
		',[3000, 1]',
		'],',
		'"tracebacks": [',
		'[{"file": "/srv/app/app.py", "line": 42, "function": "handle_request"}, {"file": "/srv/app/app.py", "line": 9, "function": "main"}]',
		String.raw`,[{"file": "/srv/evil.py", "line": 7, "function": "f\u001b]0;pwned\u0007"}]`,
		']}',
		'',
	].join('\n'))));
	const {store} = await loadDump(file, {workers: 0});
	const app = renderApp({store, size: SIZE});
	await app.press(':');
	await app.press('2000');
	let frame = await app.press(KEY.enter);
	expectFrameFits(frame, SIZE);
	expect(frame.split('\n').slice(1, 4).join('\n')).toContain('allocated at app.py:42 in handle_request');
	await app.press(KEY.backspace);
	await app.press(':');
	await app.press('3000');
	frame = await app.press(KEY.enter);
	expectFrameFits(frame, SIZE);
	const line = frame.split('\n').find(text => text.includes('allocated at'))!;
	expect(line).toContain(String.raw`allocated at evil.py:7 in f\x1b]0;pwned\x07`);
	expect(line).not.toContain('\u001B');
});
