/**
 * The reference loader: a small single-threaded loader kept outside the
 * repository, run side by side with ours. It is looked up at
 * MELIAE_TUI_REFERENCE_LOADER, else at ../shared/bench/reference-loader.mjs
 * beside the repository; the bench skips it when it is in neither place.
 *
 * It prints one line per phase (`  parse    1234 ms`); the time to summary
 * is the sum of its phases up to and including `summary` (it builds parents
 * before the summary), the time to retained sizes the sum of all of them.
 */

import {once} from 'node:events';
import {createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync} from 'node:fs';
import {isAbsolute, join, resolve} from 'node:path';
import {errorLine, runChild} from './child.js';

export const REFERENCE_ENV = 'MELIAE_TUI_REFERENCE_LOADER';

export type ReferenceLookup =
	| {readonly found: true; readonly path: string}
	| {readonly found: false; readonly message: string};

/** Where the reference loader is, or why it is not used. */
export function findReferenceLoader(repoRoot: string, env: NodeJS.ProcessEnv = process.env): ReferenceLookup {
	const fromEnv = env[REFERENCE_ENV];
	const candidate = fromEnv !== undefined && fromEnv !== ''
		? (isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv))
		: join(repoRoot, '..', 'shared', 'bench', 'reference-loader.mjs');
	try {
		if (existsSync(candidate) && statSync(candidate).isFile()) {
			return {found: true, path: candidate};
		}
	} catch {}

	return {found: false, message: 'reference loader not found; skipped'};
}

export type ReferenceFigures = {
	readonly msToSummary: number;
	readonly msToRetained: number;
	readonly wallMs: number;
	readonly maxRssBytes: number;
	readonly phases: Readonly<Record<string, number>>;
};

/** Phase lines of the reference loader's output, in order. */
export function parseReferenceOutput(stdout: string): {phases: Record<string, number>; msToSummary: number; msToRetained: number} {
	const phases: Record<string, number> = {};
	let msToSummary = Number.NaN;
	let total = 0;
	for (const line of stdout.split('\n')) {
		const match = /^ {2}(\w+)\s+(\d+(?:\.\d+)?) ms$/.exec(line);
		if (match === null) {
			continue;
		}

		const ms = Number(match[2]);
		phases[match[1]!] = ms;
		total += ms;
		if (match[1] === 'summary') {
			msToSummary = total;
		}
	}

	return {phases, msToSummary, msToRetained: Object.keys(phases).length === 0 ? Number.NaN : total};
}

export async function runReference(loader: string, dump: string): Promise<ReferenceFigures> {
	const result = await runChild(process.execPath, [loader, dump], {peakRss: true, timeoutMs: 30 * 60_000});
	if (result.code !== 0) {
		throw new Error(`reference loader exited with ${result.code ?? result.signal}${errorLine(result.stderr)}`);
	}

	const parsed = parseReferenceOutput(result.stdout);
	if (!Number.isFinite(parsed.msToRetained)) {
		throw new Error('reference loader: no phase times in its output');
	}

	return {...parsed, wallMs: result.wallMs, maxRssBytes: result.maxRssBytes};
}

/** The key the reference loader cannot read (a list of strings: `__slots__` names of a type). */
const SLOTS_KEY = /, "slots": \[[^\]\n]*\]/g;

/**
 * The dump as the reference loader can read it: the dump itself, or, when
 * it has `"slots"` lists (dumps of real heaps do), a copy without them,
 * `FILE.for-reference.json`, made once and kept while newer than the dump.
 * The copy has the same objects and references.
 */
export async function referenceInput(file: string): Promise<{path: string; stripped: boolean}> {
	const copy = file + '.for-reference.json';
	if (existsSync(copy) && statSync(copy).mtimeMs >= statSync(file).mtimeMs) {
		return {path: copy, stripped: true};
	}

	const partial = copy + '.partial';
	const out = createWriteStream(partial);
	let rest = '';
	let found = false;
	const write = async (text: string): Promise<void> => {
		if (!out.write(text)) {
			await once(out, 'drain');
		}
	};

	for await (const chunk of createReadStream(file, {encoding: 'utf8', highWaterMark: 1 << 22})) {
		const text = rest + (chunk as string);
		const end = text.lastIndexOf('\n') + 1;
		rest = text.slice(end);
		const whole = text.slice(0, end);
		const replaced = whole.replace(SLOTS_KEY, '');
		found ||= replaced.length !== whole.length;
		await write(replaced);
	}

	await write(rest.replace(SLOTS_KEY, ''));
	out.end();
	await once(out, 'close');
	if (!found) {
		rmSync(partial, {force: true});
		return {path: file, stripped: false};
	}

	renameSync(partial, copy);
	return {path: copy, stripped: true};
}
