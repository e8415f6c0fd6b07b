/**
 * Writes real meliae dump lines for tests, in meliae's canonical key order,
 * and loads them through the real loader.
 */

import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {type LoadOptions, type LoadResult, loadDump} from '../../source/core/dump/load.js';
import {makeScratchDir, onScratchRemoved} from './scratch.js';
import type {GraphStore} from '../../source/core/graph/store.js';

export type DumpObject = {
	address: number;
	type: string;
	size: number;
	name?: string;
	len?: number;
	/** A string is written as a JSON string; a number or bigint bare. */
	value?: string | number | bigint;
	refs?: readonly number[];
};

/** One line exactly as meliae writes it. */
export function meliaeLine(object: DumpObject): string {
	let line = `{"address": ${object.address}, "type": ${JSON.stringify(object.type)}, "size": ${object.size}`;
	if (object.name !== undefined) {
		line += `, "name": ${JSON.stringify(object.name)}`;
	}

	if (object.len !== undefined) {
		line += `, "len": ${object.len}`;
	}

	if (object.value !== undefined) {
		line += `, "value": ${typeof object.value === 'string' ? JSON.stringify(object.value) : String(object.value)}`;
	}

	line += `, "refs": [${(object.refs ?? []).join(', ')}]}`;
	return line;
}

export function dumpText(objects: readonly DumpObject[]): string {
	return objects.map(object => meliaeLine(object)).join('\n') + '\n';
}

let directory: string | undefined;
onScratchRemoved(() => {
	directory = undefined;
});

/** A fresh temporary directory for this test file (removed after its tests). */
export function tempDir(): string {
	directory ??= makeScratchDir('meliae-tui-test-');
	return directory;
}

let counter = 0;

/** Write text (or bytes) to a new temporary file; gzip it when asked. */
export function writeDump(content: string | Uint8Array, options: {gzip?: boolean; name?: string} = {}): string {
	const file = join(tempDir(), options.name ?? `dump-${process.pid}-${counter++}.json${options.gzip ? '.gz' : ''}`);
	const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
	writeFileSync(file, options.gzip ? gzipSync(bytes) : bytes);
	return file;
}

/** Load raw lines (as given, joined with newlines) through the real loader. */
export async function loadLines(lines: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
	return loadDump(writeDump(lines.join('\n') + '\n'), {workers: 0, ...options});
}

export async function loadObjects(objects: readonly DumpObject[], options: LoadOptions = {}): Promise<GraphStore> {
	return (await loadDump(writeDump(dumpText(objects)), {workers: 0, ...options})).store;
}

/** Children of the object at `address`, as addresses. */
export function childrenOf(store: GraphStore, address: number): number[] {
	const ordinal = store.indexOf(address);
	const result: number[] = [];
	for (let e = store.firstChild[ordinal]!; e < store.firstChild[ordinal + 1]!; e++) {
		result.push(store.targetAddress(store.childTargets[e]!));
	}

	return result;
}

/** Parents of the object at `address`, as sorted addresses. */
export function parentsOf(store: GraphStore, address: number): number[] {
	const ordinal = store.indexOf(address);
	const result: number[] = [];
	for (let e = store.firstParent[ordinal]!; e < store.firstParent[ordinal + 1]!; e++) {
		result.push(store.objectAddress[store.parentSources[e]!]!);
	}

	return result.sort((a, b) => a - b);
}
