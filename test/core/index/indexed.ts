/** What the index tests share: loads with their notes, copies of a dump, where an index and its sections are. */

import {copyFileSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'vitest';
import type {Dominators} from '../../../source/core/analyses/dominators.js';
import {type LoadOptions, type LoadResult, loadDump} from '../../../source/core/dump/load.js';
import {interpreters, pythonDir, run, scratchDir} from '../../capture/python.js';

export type Loaded = {result: LoadResult; notes: string[]};

/** loadDump with `options`, the notes it gives collected. */
export async function loadNoted(file: string, options: LoadOptions): Promise<Loaded> {
	const notes: string[] = [];
	const result = await loadDump(file, {onNote: note => notes.push(note), ...options});
	return {result, notes};
}

/** A copy of `original`, as heap.json in a new scratch directory (where its index goes). */
export function copyDump(original: string, prefix: string): string {
	const file = join(scratchDir(prefix), 'heap.json');
	copyFileSync(original, file);
	return file;
}

/** Where the index of `file` is written beside it. */
export const indexOf = (file: string): string => `${file}.mtui-index`;

/** Where section `name` of a section file (an index or its analyses) lies, from its header. */
export function sectionOf(path: string, name: string): {offset: number; bytes: number} {
	const bytes = readFileSync(path);
	const header = JSON.parse(bytes.toString('utf8', 24, 24 + bytes.readUInt32LE(16))) as {sections: Array<{name: string; offset: number; bytes: number}>};
	return header.sections.find(section => section.name === name)!;
}

/** The same immediate dominators, retained sizes and per-type figures. */
export function sameDominators(a: Dominators, b: Dominators): void {
	expect(Buffer.from(a.idom.buffer, a.idom.byteOffset, a.idom.byteLength).equals(Buffer.from(b.idom.buffer, b.idom.byteOffset, b.idom.byteLength))).toBe(true);
	expect([...a.retainedSize]).toEqual([...b.retainedSize]);
	expect([...a.representatives]).toEqual([...b.representatives]);
	expect([...a.typeRetainedSize]).toEqual([...b.typeRetainedSize]);
	expect([...a.typeRetainedCount]).toEqual([...b.typeRetainedCount]);
	expect([a.totalSize, a.parentlessCount]).toEqual([b.totalSize, b.parentlessCount]);
}

const programs = new URL('programs/', import.meta.url).pathname;

/** A dump of heap.py's heap (`objects` instances) made by a real Python: the dump, a cache directory beside it, and its load without an index. */
export async function pythonHeap(prefix: string, objects: number): Promise<{original: string; cacheHome: string; truth: LoadResult}> {
	const dir = scratchDir(prefix);
	const original = join(dir, 'heap.json');
	const made = await run(interpreters()[0]!.exe, [join(programs, 'heap.py'), original, pythonDir, String(objects)]);
	expect(made.stderr).toBe('');
	expect(made.code).toBe(0);
	return {original, cacheHome: join(dir, 'cache'), truth: await loadDump(original, {workers: 0})};
}
