/**
 * What the hostile-input tests (the commands' corpus and the explorer in
 * tmux) make their inputs from: a small real-looking dump, seeded random
 * bytes, damaged and cut gzips of the demo's dumps, and a folder of their
 * own under the tests' temporary directory. Nothing big is committed.
 */

import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {gunzipSync, gzipSync} from 'node:zlib';
import {meliaeLine, tempDir} from '../helpers/dump-lines.js';
import {seededRandom} from '../helpers/random.js';

/** A small real-looking dump, line by line: a module holding a dict holding strings, and a list. */
export const smallLines: readonly string[] = [
	meliaeLine({address: 1000, type: 'module', size: 56, name: 'app', refs: [2000, 3100]}),
	meliaeLine({address: 2000, type: 'dict', size: 232, len: 2, refs: [3000, 3100]}),
	meliaeLine({address: 3000, type: 'str', size: 54, len: 5, value: 'hello'}),
	meliaeLine({address: 3100, type: 'list', size: 72, len: 1, refs: [3000]}),
];

/** The same dump as one text. */
export const smallDump = smallLines.join('\n') + '\n';

/** `count` bytes from a seeded generator: the same bytes every run. */
export function randomBytes(count: number, seed: number): Uint8Array {
	const random = seededRandom(seed);
	const bytes = new Uint8Array(count);
	for (let i = 0; i < count; i++) {
		bytes[i] = Math.floor(random() * 256);
	}

	return bytes;
}

/** The text of the demo's dump `n` (1 to 3). */
export function demoText(n: number): Uint8Array {
	return gunzipSync(readFileSync(new URL(`../../fixtures/demo/demo-${n}.json.gz`, import.meta.url)));
}

/** `text` gzipped, with 64 bytes in the middle of the stream flipped. */
export function damagedGzip(text: Uint8Array): Uint8Array {
	const bytes = gzipSync(text);
	for (let i = 0; i < 64; i++) {
		bytes[(bytes.length >> 1) + i] ^= 0x5a;
	}

	return bytes;
}

/** `text` gzipped and cut in half. */
export function truncatedGzip(text: Uint8Array): Uint8Array {
	const bytes = gzipSync(text);
	return bytes.subarray(0, bytes.length >> 1);
}

/** A folder `name` under the tests' temporary directory (made on first use), and a writer of files into it. */
export function inputFolder(name: string): {dir: () => string; write: (file: string, content: string | Uint8Array) => string} {
	const dir = (): string => {
		const path = join(tempDir(), name);
		mkdirSync(path, {recursive: true});
		return path;
	};

	return {
		dir,
		write(file, content) {
			const path = join(dir(), file);
			writeFileSync(path, content);
			return path;
		},
	};
}
