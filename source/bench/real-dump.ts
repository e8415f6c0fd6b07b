/**
 * The real application dump: bench/real_heap.py builds a service-like heap
 * and dumps it with python/meliae_dump.py. The packages it uses beyond the
 * standard library (Django, SQLAlchemy, pandas, pydantic) are installed
 * with pip into a virtual environment in the data directory; without one
 * (--no-venv, or when the environment or pip fails) the heap is built from
 * the standard library only, and the bench says so.
 *
 * The dump is made once and cached, with `DUMP.bench.json` beside it (the
 * dumper writes its own `DUMP.meta.json`), keyed by REAL_HEAP_VERSION, the
 * object count asked for, the seed and whether packages were wanted.
 */

import {createReadStream, createWriteStream, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import {createGzip} from 'node:zlib';
import {lastJson, runChild} from './child.js';

/** Bump whenever bench/real_heap.py builds a different heap. */
export const REAL_HEAP_VERSION = 1;

export const REAL_PACKAGES = ['django', 'sqlalchemy', 'pandas', 'pydantic'] as const;

export type RealDumpMeta = {
	readonly version: number;
	readonly requestedObjects: number;
	readonly seed: number;
	readonly wantedPackages: boolean;
	readonly file: string;
	readonly objects: number;
	readonly bytes: number;
	readonly batches: number;
	/** Package → version, or null when it was not importable. */
	readonly packages: Readonly<Record<string, string | null>>;
	readonly python: string;
	readonly secondsBuild: number;
	readonly secondsDump: number;
	/** Why the heap has the standard library only, when it has. */
	readonly stdlibOnly?: string;
};

export type RealDumpOptions = {
	readonly repoRoot: string;
	readonly dataDir: string;
	readonly objects: number;
	readonly seed: number;
	readonly venv: boolean;
	readonly regenerate: boolean;
	readonly log: (line: string) => void;
};

function readBenchMeta(file: string): RealDumpMeta | undefined {
	try {
		return JSON.parse(readFileSync(file + '.bench.json', 'utf8')) as RealDumpMeta;
	} catch {
		return undefined;
	}
}

/** A Python with the packages where pip could install them, or the system's python3 and why. */
async function pythonFor(options: RealDumpOptions): Promise<{python: string; stdlibOnly?: string}> {
	if (!options.venv) {
		return {python: 'python3', stdlibOnly: '--no-venv'};
	}

	const venv = join(options.dataDir, 'venv');
	const python = join(venv, 'bin', 'python');
	const done = join(venv, '.bench-packages.json');
	if (existsSync(python) && existsSync(done)) {
		return {python};
	}

	options.log(`creating a virtual environment in ${venv} for the real heap's packages (${REAL_PACKAGES.join(', ')})`);
	const created = await runChild('python3', ['-m', 'venv', venv], {showStderr: true});
	if (created.code !== 0) {
		return {python: 'python3', stdlibOnly: 'could not create a virtual environment'};
	}

	const pipArgs = ['-m', 'pip', 'install', '--disable-pip-version-check', '--retries', '1', '--timeout', '30', '-q'];
	const installed: Record<string, boolean> = {};
	const all = await runChild(python, [...pipArgs, ...REAL_PACKAGES], {showStderr: true, timeoutMs: 20 * 60_000});
	if (all.code === 0) {
		for (const name of REAL_PACKAGES) {
			installed[name] = true;
		}
	} else {
		// One package pip cannot find must not cost the others.
		for (const name of REAL_PACKAGES) {
			// eslint-disable-next-line no-await-in-loop
			installed[name] = (await runChild(python, [...pipArgs, name], {showStderr: true, timeoutMs: 10 * 60_000})).code === 0;
		}
	}

	writeFileSync(done, JSON.stringify(installed) + '\n');
	if (!Object.values(installed).some(Boolean)) {
		return {python, stdlibOnly: 'pip installed none of the packages'};
	}

	return {python};
}

/** Make the real dump unless a cached one matches. */
export async function ensureRealDump(options: RealDumpOptions, label: string): Promise<RealDumpMeta> {
	const file = join(options.dataDir, `real-heap-${label}-seed${options.seed}.json`);
	const meta = readBenchMeta(file);
	if (
		!options.regenerate && meta !== undefined && existsSync(file) && meta.version === REAL_HEAP_VERSION
		&& meta.requestedObjects === options.objects && meta.seed === options.seed && meta.wantedPackages === options.venv
		&& statSync(file).size === meta.bytes
	) {
		return meta;
	}

	const {python, stdlibOnly} = await pythonFor(options);
	for (const suffix of ['', '.meta.json', '.bench.json', '.alloc.json.gz', '.gz', '.for-reference.json']) {
		rmSync(file + suffix, {force: true});
	}

	options.log(`making the real application dump (${label} objects) → ${file}`);
	const result = await runChild(python, [join(options.repoRoot, 'bench', 'real_heap.py'), file, '--objects', String(options.objects), '--seed', String(options.seed)], {
		showStderr: true,
		timeoutMs: 60 * 60_000,
	});
	const figures = lastJson<Omit<RealDumpMeta, 'version' | 'requestedObjects' | 'seed' | 'wantedPackages' | 'stdlibOnly'>>('bench/real_heap.py', result);
	const missing = Object.entries(figures.packages).filter(([, version]) => version === null).map(([name]) => name);
	const fresh: RealDumpMeta = {
		...figures,
		file,
		version: REAL_HEAP_VERSION,
		requestedObjects: options.objects,
		seed: options.seed,
		wantedPackages: options.venv,
		...(stdlibOnly === undefined
			? (missing.length === REAL_PACKAGES.length ? {stdlibOnly: 'none of the packages is importable'} : {})
			: {stdlibOnly}),
	};
	writeFileSync(file + '.bench.json', JSON.stringify(fresh, undefined, '\t') + '\n');
	return fresh;
}

/** The gzip copy of a dump (`FILE.gz`), made when missing or older than the dump. */
export async function ensureGzipCopy(file: string, log: (line: string) => void): Promise<string> {
	const out = file + '.gz';
	if (existsSync(out) && statSync(out).mtimeMs >= statSync(file).mtimeMs && statSync(out).size > 0) {
		return out;
	}

	log(`compressing ${file}`);
	const partial = out + '.partial';
	await pipeline(createReadStream(file), createGzip({level: 6}), createWriteStream(partial));
	rmSync(out, {force: true});
	// Rename, so that an interrupted copy is never taken for a whole one.
	renameSync(partial, out);
	return out;
}
