/**
 * The benchmark driver (`npm run bench`).
 *
 * On synthetic dumps of each size (cached in bench-data/, regenerated when
 * missing or when the generator's version changes) and on a real
 * application dump made at bench time (bench/real_heap.py, cached likewise),
 * it measures, each load in a fresh child process:
 *
 * - the first open, as the command line does it (parse, write the index,
 *   then retained sizes), plain and gzip, alternating with the reference
 *   loader when it is there;
 * - the reopen from the index (to summary, to retained sizes, peak), and the
 *   explorer's first frame in a real terminal (tmux);
 * - `summarize`/`show`/`path`/`top` wall clock, the index's size and the cost
 *   of writing it (dist/bench/index-bench.js --json);
 * - `diff` of two indexed dumps, and key-press latency in the explorer
 *   (dist/bench/ui-keys.js), on the big dumps;
 * - memlab on the same graph (a V8 heap snapshot made from the dump), alternating
 *   with our first open;
 * - the Python baseline;
 *
 * and prints every figure beside its target (never enforced).
 *
 * Usage: npm run bench -- [--sizes 1e6,5e6] [--runs 3] [--only PARTS]
 *          [--skip-python] [--skip-real] [--no-venv] [--real-objects 2M]
 *          [--json] [--seed 1] [--data-dir DIR] [--regenerate]
 */

import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {errorLine, lastJson, runChild} from './child.js';
import {bytesNeeded, type DiskPlan, diskShortage} from './disk.js';
import {explorerFirstFrame, hasTmux} from './first-frame.js';
import {ensureMemlab, type MemlabLookup, MemlabSubject, SNAPSHOT_BYTES_PER_OBJECT} from './memlab.js';
import {generateDump, type GenerateResult, GENERATOR_VERSION, isMainModule, parseCount} from './generate.js';
import type {LoadFigures} from './load-one.js';
import {ensureGzipCopy, ensureRealDump, type RealDumpMeta} from './real-dump.js';
import {findReferenceLoader, referenceInput, runReference} from './reference.js';
import {
	type DumpInfo, formatReport, type IndexBenchJson, type KeyFigures, type PythonFigures, type Report, sizeLabel, type SubjectReport,
} from './report.js';
import {NODE_FLAGS} from '../core/util/tuning.js';

export {median, sizeLabel} from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/bench/run.js → the repository root. */
const repoRoot = resolve(here, '..', '..');
const loadOneScript = join(here, 'load-one.js');
const indexBenchScript = join(here, 'index-bench.js');
const uiKeysScript = join(here, 'ui-keys.js');
const cliScript = join(here, '..', 'cli.js');
const pythonScript = join(repoRoot, 'bench', 'python_baseline.py');

export const PARTS = ['generate', 'plain', 'gzip', 'reference', 'reopen', 'explorer', 'commands', 'diff', 'keys', 'python', 'memlab'] as const;
export type Part = typeof PARTS[number];

export type Selection = {
	readonly parts: ReadonlySet<Part>;
	readonly synthetic: boolean;
	readonly real: boolean;
};

/**
 * `--only`: parts (load = plain and gzip; `all` = every part) and dumps
 * (`synthetic`, `real`). No part named: every part; no dump named: both.
 */
export function parseSelection(only: string | undefined, options: {skipPython?: boolean; skipReal?: boolean} = {}): Selection {
	const parts = new Set<Part>();
	let synthetic = false;
	let real = false;
	for (const word of (only ?? '').split(',').map(part => part.trim()).filter(Boolean)) {
		if (word === 'load') {
			parts.add('plain');
			parts.add('gzip');
		} else if (word === 'all') {
			for (const part of PARTS) {
				parts.add(part);
			}
		} else if (word === 'synthetic') {
			synthetic = true;
		} else if (word === 'real') {
			real = true;
		} else if ((PARTS as readonly string[]).includes(word)) {
			parts.add(word as Part);
		} else {
			throw new RangeError(`--only: unknown part "${word}" (${['load', ...PARTS, 'all', 'synthetic', 'real'].join(', ')})`);
		}
	}

	if (parts.size === 0) {
		for (const part of PARTS) {
			if (part !== 'generate') {
				parts.add(part);
			}
		}
	}

	if (!synthetic && !real) {
		synthetic = true;
		real = true;
	}

	if (options.skipPython === true) {
		parts.delete('python');
	}

	return {parts, synthetic, real: real && options.skipReal !== true};
}

/** Sizes that get `diff` and the key presses: 5M and more, or the largest when none is. */
export function bigSizes(sizes: readonly number[]): number[] {
	const big = sizes.filter(objects => objects >= 5_000_000);
	return big.length > 0 ? big : (sizes.length > 0 ? [Math.max(...sizes)] : []);
}

// ---------------------------------------------------------------- synthetic dumps

type Meta = GenerateResult & {
	readonly generatorVersion: number;
	readonly seed: number;
	readonly gzip: boolean;
};

type Variant = 'plain' | 'gzip';

function dumpPath(dataDir: string, objects: number, seed: number, variant: Variant): string {
	return join(dataDir, `synthetic-${sizeLabel(objects)}-seed${seed}.json${variant === 'gzip' ? '.gz' : ''}`);
}

function cachedMeta(file: string, objects: number, seed: number, variant: Variant): Meta | undefined {
	let meta: Meta;
	try {
		meta = JSON.parse(readFileSync(file + '.meta.json', 'utf8')) as Meta;
	} catch {
		return undefined;
	}

	const ok = existsSync(file) && meta.generatorVersion === GENERATOR_VERSION && meta.objects === objects
		&& meta.seed === seed && meta.gzip === (variant === 'gzip') && statSync(file).size === meta.fileBytes;
	return ok ? meta : undefined;
}

/** Generate the dump unless a cached copy from this generator version is there. */
async function ensureDump(file: string, objects: number, seed: number, variant: Variant, force: boolean): Promise<Meta> {
	const meta = force ? undefined : cachedMeta(file, objects, seed, variant);
	if (meta !== undefined) {
		return meta;
	}

	log(`generating ${sizeLabel(objects)} objects (${variant}, seed ${seed}) → ${file}`);
	rmSync(file + '.meta.json', {force: true});
	const result = await generateDump({objects, seed, out: file, gzip: variant === 'gzip'});
	const fresh: Meta = {...result, generatorVersion: GENERATOR_VERSION, seed, gzip: variant === 'gzip'};
	writeFileSync(file + '.meta.json', JSON.stringify(fresh, undefined, '\t') + '\n');
	log(`  ${mb(result.bytes)} MB of text, ${mb(result.fileBytes)} MB on disk, ${result.refs} refs, `
		+ `${(result.bytes / 1e6 / (result.ms / 1000)).toFixed(1)} MB/s`);
	return fresh;
}

// ---------------------------------------------------------------- measuring

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

function log(message: string): void {
	process.stderr.write(message + '\n');
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

type Context = {
	readonly runs: number;
	readonly keyRounds: number;
	readonly dataDir: string;
	/** Where the kept indexes of the bench's dumps are (`--index-dir`). */
	readonly indexDir: string;
	readonly parts: ReadonlySet<Part>;
	readonly referenceLoader: string | undefined;
	/** memlab, installed in the data directory (`memlab` part). */
	readonly memlab: MemlabLookup | undefined;
	readonly tmux: boolean;
};

async function loadOne(file: string, args: readonly string[]): Promise<LoadFigures> {
	const result = await runChild(process.execPath, [...NODE_FLAGS, loadOneScript, file, ...args], {timeoutMs: 60 * 60_000});
	return lastJson<LoadFigures>('load-one', result);
}

/** A first open as the command line does it: a fresh index written (then deleted), retained sizes. */
async function firstOpen(ctx: Context, file: string): Promise<LoadFigures> {
	const scratch = mkdtempSync(join(ctx.dataDir, 'first-open-'));
	try {
		const figures = await loadOne(file, ['--index', '--index-dir', scratch, '--retained']);
		if (figures.index?.read !== false) {
			throw new Error('the first open wrote no index');
		}

		return figures;
	} finally {
		rmSync(scratch, {recursive: true, force: true});
	}
}

/** Make sure the dump has its index (and the analyses saved with it, as `meliae-tui index` leaves them) in the bench's index directory. */
async function ensureIndexed(ctx: Context, file: string): Promise<void> {
	const figures = await loadOne(file, ['--index', '--index-dir', ctx.indexDir, '--retained']);
	if (figures.index === undefined) {
		throw new Error(`${file}: no index was read or written`);
	}
}

type Subject = {
	readonly label: string;
	readonly kind: 'synthetic' | 'real';
	readonly objects: number;
	readonly plain: string;
	readonly gzip?: string;
	/** A second dump of the same shape, for `diff`. */
	readonly second?: string;
	readonly big: boolean;
};

async function attempt<T>(subject: SubjectReport, what: string, body: () => Promise<T>): Promise<T | undefined> {
	try {
		return await body();
	} catch (error) {
		const message = `${what}: ${errorText(error)}`;
		log(`  ${subject.label}: ${message}`);
		subject.errors.push(message);
		return undefined;
	}
}

async function measure(ctx: Context, subject: Subject): Promise<SubjectReport> {
	const report: SubjectReport = {
		label: subject.label, kind: subject.kind, objects: subject.objects, file: subject.plain,
		firstOpen: [], gzip: [], reference: [], reopen: [], explorer: [], diff: [], errors: [], notes: [],
	};
	const {parts, runs} = ctx;
	const say = (what: string): void => {
		log(`${subject.label}: ${what}`);
	};

	// First open, alternating with the reference loader: ours, reference, ours, reference...
	const reference = parts.has('reference') ? ctx.referenceLoader : undefined;
	if (parts.has('reference') && reference === undefined) {
		report.notes.push('reference loader not found; skipped');
	}

	// The reference loader reads no "slots" lists (real dumps have them): it gets a copy without.
	let referenceDump = subject.plain;
	if (reference !== undefined && subject.kind === 'real') {
		const input = await attempt(report, 'reference loader', async () => referenceInput(subject.plain));
		if (input?.stripped === true) {
			referenceDump = input.path;
			report.notes.push('the reference loader reads a copy without the "slots" lists of types, which it cannot parse');
		}
	}

	// memlab on the same graph: the dump converted once, then memlab alternately with ours (its ratio needs ours).
	const memlab = parts.has('memlab') && ctx.memlab?.found === true
		? await attempt(report, 'memlab', async () => {
			say('converting to a V8 heap snapshot for memlab');
			return MemlabSubject.start(ctx.memlab as MemlabLookup & {found: true}, subject.plain);
		})
		: undefined;
	if (memlab !== undefined) {
		report.memlab = memlab.report;
	}

	if (parts.has('plain') || reference !== undefined || memlab !== undefined) {
		for (let run = 0; run < runs; run++) {
			if (parts.has('plain') || memlab !== undefined) {
				say(`first open, run ${run + 1}/${runs}`);
				// eslint-disable-next-line no-await-in-loop
				const figures = await attempt(report, 'first open', async () => firstOpen(ctx, subject.plain));
				if (figures !== undefined) {
					report.firstOpen.push(figures);
				}
			}

			if (reference !== undefined) {
				say(`reference loader, run ${run + 1}/${runs}`);
				// eslint-disable-next-line no-await-in-loop
				const figures = await attempt(report, 'reference loader', async () => runReference(reference, referenceDump));
				if (figures !== undefined) {
					report.reference.push(figures);
				}
			}

			if (memlab !== undefined) {
				say(`memlab, run ${run + 1}/${runs}`);
				// eslint-disable-next-line no-await-in-loop
				await attempt(report, 'memlab', async () => memlab.run());
			}
		}
	}

	memlab?.finish();

	if (parts.has('gzip') && subject.gzip !== undefined) {
		for (let run = 0; run < runs; run++) {
			say(`first open of the gzip copy, run ${run + 1}/${runs}`);
			// eslint-disable-next-line no-await-in-loop
			const figures = await attempt(report, 'gzip', async () => firstOpen(ctx, subject.gzip!));
			if (figures !== undefined) {
				report.gzip.push(figures);
			}
		}
	}

	const needsIndex = parts.has('reopen') || parts.has('explorer') || parts.has('keys') || (parts.has('diff') && subject.big);
	const indexed = needsIndex && (await attempt(report, 'index', async () => {
		say('indexing');
		await ensureIndexed(ctx, subject.plain);
		return true;
	})) === true;
	if (indexed && parts.has('reopen')) {
		for (let run = 0; run < runs; run++) {
			say(`reopen, run ${run + 1}/${runs}`);
			// eslint-disable-next-line no-await-in-loop
			const figures = await attempt(report, 'reopen', async () => {
				const read = await loadOne(subject.plain, ['--index', '--index-dir', ctx.indexDir, '--retained', '--no-parents']);
				if (read.index?.read !== true) {
					throw new Error('the reopen did not read the index');
				}

				return read;
			});
			if (figures !== undefined) {
				report.reopen.push(figures);
			}
		}
	}

	if (indexed && parts.has('explorer')) {
		if (ctx.tmux) {
			for (let run = 0; run < runs; run++) {
				say(`explorer's first frame, run ${run + 1}/${runs}`);
				// eslint-disable-next-line no-await-in-loop
				const ms = await attempt(report, 'explorer', async () => explorerFirstFrame(cliScript, [subject.plain, '--index-dir', ctx.indexDir]));
				if (ms !== undefined) {
					report.explorer.push(ms);
				}
			}
		} else {
			report.notes.push('tmux is not installed: the explorer\'s first frame is not measured');
		}
	}

	if (parts.has('commands')) {
		say('commands and index figures (index-bench.js)');
		report.commands = await attempt(report, 'index-bench', async () =>
			lastJson<IndexBenchJson>('index-bench', await runChild(process.execPath, [...NODE_FLAGS, indexBenchScript, subject.plain, '--runs', String(runs), '--json'], {showStderr: true, timeoutMs: 2 * 60 * 60_000})));
	}

	if (parts.has('diff') && subject.big) {
		if (subject.second === undefined) {
			report.notes.push('no second dump: `diff` is not measured');
		} else if (indexed && (await attempt(report, 'diff', async () => {
			say('indexing the second dump');
			await ensureIndexed(ctx, subject.second!);
			return true;
		})) === true) {
			for (let run = 0; run < runs; run++) {
				say(`diff, run ${run + 1}/${runs}`);
				// eslint-disable-next-line no-await-in-loop
				const figures = await attempt(report, 'diff', async () => {
					const result = await runChild(process.execPath, [...NODE_FLAGS, cliScript, 'diff', subject.plain, subject.second!, '--index-dir', ctx.indexDir], {peakRss: true, timeoutMs: 60 * 60_000});
					if (result.code !== 0) {
						throw new Error(`meliae-tui diff exited with ${result.code ?? result.signal}${errorLine(result.stderr)}`);
					}

					return {wallMs: result.wallMs, maxRssBytes: result.maxRssBytes};
				});
				if (figures !== undefined) {
					report.diff.push(figures);
				}
			}
		}
	}

	if (indexed && parts.has('keys') && subject.big) {
		say('key presses in the explorer (ui-keys.js)');
		report.keys = await attempt(report, 'keys', async () =>
			lastJson<KeyFigures>('ui-keys', await runChild(process.execPath, [...NODE_FLAGS, uiKeysScript, '--dump', subject.plain, '--index-dir', ctx.indexDir, '--rounds', String(ctx.keyRounds), '--json'], {timeoutMs: 60 * 60_000})));
	}

	if (parts.has('python') && subject.kind === 'synthetic') {
		say('Python baseline (one run; slow)');
		report.python = await attempt(report, 'python', async () =>
			lastJson<PythonFigures>('python baseline', await runChild('python3', [pythonScript, subject.plain, '--quiet'], {timeoutMs: 2 * 60 * 60_000})));
	}

	return report;
}

// ---------------------------------------------------------------- main

const USAGE = `Usage: npm run bench -- [options]
  --sizes LIST        synthetic dumps' object counts, comma-separated (default 1e6,5e6; 20M is about 2.7 GB)
  --runs N            loads of each kind per dump; medians are reported (default 3)
  --only PARTS        comma-separated: load (plain and gzip), plain, gzip, reference, reopen, explorer,
                      commands, diff, keys, python, memlab (with our first open), generate (only make the dumps), all;
                      and which dumps: synthetic, real (default: every part but generate, both dumps)
  --skip-python       do not run the Python baseline
  --skip-real         do not make or measure the real application dump
  --no-venv           build the real heap from the standard library only (no pip)
  --real-objects N    objects in the real application dump (default 2M)
  --key-rounds N      rounds of key presses in ui-keys.js (default 20)
  --json              print the raw figures as JSON instead of tables
  --seed N            generator seed (default 1; the second dump of a size for diff uses N+1)
  --data-dir DIR      where dumps and their indexes are kept (default bench-data/)
  --regenerate        make the dumps again even if cached`;

async function main(argv: string[]): Promise<number> {
	const {values} = parseArgs({
		args: argv,
		options: {
			sizes: {type: 'string', default: '1e6,5e6'},
			runs: {type: 'string', default: '3'},
			only: {type: 'string'},
			'skip-python': {type: 'boolean', default: false},
			'skip-real': {type: 'boolean', default: false},
			'no-venv': {type: 'boolean', default: false},
			'real-objects': {type: 'string', default: '2M'},
			'key-rounds': {type: 'string', default: '20'},
			json: {type: 'boolean', default: false},
			seed: {type: 'string', default: '1'},
			'data-dir': {type: 'string'},
			regenerate: {type: 'boolean', default: false},
			help: {type: 'boolean', default: false},
		},
		strict: true,
	});
	if (values.help) {
		process.stdout.write(USAGE + '\n');
		return 0;
	}

	const selection = parseSelection(values.only, {skipPython: values['skip-python'], skipReal: values['skip-real']});
	const sizes = selection.synthetic ? values.sizes.split(',').map(part => parseCount(part)) : [];
	const runs = Math.max(1, parseCount(values.runs));
	const seed = parseCount(values.seed);
	const realObjects = parseCount(values['real-objects']);
	const {parts} = selection;
	const dataDir = resolve(values['data-dir'] ?? join(repoRoot, 'bench-data'));
	mkdirSync(dataDir, {recursive: true});
	const big = new Set(bigSizes(sizes));
	const wantsDiff = (objects: number): boolean => parts.has('diff') && big.has(objects);
	const indexing = ['plain', 'gzip', 'reopen', 'explorer', 'commands', 'diff', 'keys'].some(part => parts.has(part as Part));

	// Room for what this run writes.
	const plan: DiskPlan = {
		newPlain: sizes.filter(objects => values.regenerate || cachedMeta(dumpPath(dataDir, objects, seed, 'plain'), objects, seed, 'plain') === undefined),
		newGzip: sizes.filter(objects => (parts.has('gzip') || parts.has('generate'))
			&& (values.regenerate || cachedMeta(dumpPath(dataDir, objects, seed, 'gzip'), objects, seed, 'gzip') === undefined)),
		newSecond: sizes.filter(objects => (wantsDiff(objects) || parts.has('generate'))
			&& (values.regenerate || cachedMeta(dumpPath(dataDir, objects, seed + 1, 'plain'), objects, seed + 1, 'plain') === undefined)),
		indexed: indexing ? [...sizes, ...(selection.real ? [realObjects] : [])] : [],
	};
	const memlabBytes = parts.has('memlab') ? (Math.max(0, ...sizes, selection.real ? realObjects : 0) * SNAPSHOT_BYTES_PER_OBJECT) + 100e6 : 0;
	const shortage = diskShortage(dataDir, bytesNeeded(plan) + (selection.real ? realObjects * 350 : 0) + memlabBytes);
	if (shortage !== undefined) {
		process.stderr.write(`bench: ${shortage}\n`);
		return 2;
	}

	const lookup = findReferenceLoader(repoRoot);
	const notes: string[] = [];
	if (parts.has('reference') && !lookup.found) {
		notes.push(lookup.message);
		log(lookup.message);
	}

	const memlabLookup = parts.has('memlab') ? await ensureMemlab(join(dataDir, 'memlab'), log) : undefined;
	if (memlabLookup?.found === false) {
		notes.push(memlabLookup.message);
		log(memlabLookup.message);
	}

	const tmux = hasTmux();
	const ctx: Context = {
		runs,
		keyRounds: Math.max(1, parseCount(values['key-rounds'])),
		dataDir,
		indexDir: join(dataDir, 'index'),
		parts,
		referenceLoader: lookup.found ? lookup.path : undefined,
		memlab: memlabLookup,
		tmux,
	};
	mkdirSync(ctx.indexDir, {recursive: true});
	const report: Report = {
		environment: {
			node: process.version,
			cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
			cpus: os.cpus().length,
			memoryGb: Math.round(os.totalmem() / 2 ** 30),
			loadAverageStart: os.loadavg().map(value => value.toFixed(2)).join(' '),
			sizes,
			runs,
			seed,
			generatorVersion: GENERATOR_VERSION,
			referenceLoader: ctx.referenceLoader ?? null,
		},
		dumps: [],
		subjects: [],
		notes,
	};
	log(`load average at start: ${String(report.environment.loadAverageStart)}`);
	const measuring = [...parts].some(part => part !== 'generate');

	for (const objects of sizes) {
		const label = sizeLabel(objects);
		const plain = dumpPath(dataDir, objects, seed, 'plain');
		const meta = await ensureDump(plain, objects, seed, 'plain', values.regenerate);
		const gzipFile = parts.has('gzip') || parts.has('generate') ? dumpPath(dataDir, objects, seed, 'gzip') : undefined;
		const gzipMeta = gzipFile === undefined ? undefined : await ensureDump(gzipFile, objects, seed, 'gzip', values.regenerate);
		const second = wantsDiff(objects) || parts.has('generate') ? dumpPath(dataDir, objects, seed + 1, 'plain') : undefined;
		if (second !== undefined) {
			await ensureDump(second, objects, seed + 1, 'plain', values.regenerate);
		}

		report.dumps.push({
			label, kind: 'synthetic', objects, refs: meta.refs, textBytes: meta.bytes, fileBytes: meta.fileBytes, gzipBytes: gzipMeta?.fileBytes,
			note: `generated at ${(meta.bytes / 1e6 / (meta.ms / 1000)).toFixed(0)} MB/s`,
		});
		if (measuring) {
			report.subjects.push(await measure(ctx, {label, kind: 'synthetic', objects, plain, gzip: gzipFile, second, big: big.has(objects)}));
		}
	}

	if (selection.real) {
		const realOptions = {repoRoot, dataDir, objects: realObjects, seed, venv: !values['no-venv'], regenerate: values.regenerate, log};
		const label = sizeLabel(realObjects);
		let real: RealDumpMeta | undefined;
		try {
			real = await ensureRealDump(realOptions, label);
		} catch (error) {
			notes.push(`the real application dump could not be made: ${errorText(error)}`);
			log(`bench: the real application dump could not be made: ${errorText(error)}`);
		}

		if (real !== undefined) {
			const packages = Object.entries(real.packages).map(([name, version]) => (version === null ? `no ${name}` : `${name} ${version}`)).join(', ');
			if (real.stdlibOnly !== undefined) {
				notes.push(`the real heap holds the standard library only (${real.stdlibOnly})`);
			}

			const gzipFile = parts.has('gzip') || parts.has('generate') ? await ensureGzipCopy(real.file, log) : undefined;
			let second: string | undefined;
			if (parts.has('diff') || parts.has('generate')) {
				try {
					second = (await ensureRealDump({...realOptions, seed: seed + 1}, label)).file;
				} catch (error) {
					notes.push(`the second real dump could not be made: ${errorText(error)}`);
				}
			}

			const dump: DumpInfo = {
				label: `real ${(real.objects / 1e6).toFixed(2)}M`,
				kind: 'real',
				objects: real.objects,
				textBytes: real.bytes,
				fileBytes: real.bytes,
				gzipBytes: gzipFile === undefined ? undefined : statSync(gzipFile).size,
				note: `Python ${real.python}; ${packages}`,
			};
			report.dumps.push(dump);
			if (measuring) {
				report.subjects.push(await measure(ctx, {label: dump.label, kind: 'real', objects: real.objects, plain: real.file, gzip: gzipFile, second, big: true}));
			}
		}
	}

	report.environment.loadAverageEnd = os.loadavg().map(value => value.toFixed(2)).join(' ');
	if (values.json) {
		process.stdout.write(JSON.stringify(report, undefined, '\t') + '\n');
	} else {
		process.stdout.write(formatReport(report) + '\n');
	}

	// Non-zero only when a load failed; never on time.
	return report.subjects.some(subject => subject.errors.length > 0) ? 1 : 0;
}

if (isMainModule(import.meta.url)) {
	main(process.argv.slice(2)).then(
		code => {
			process.exitCode = code;
		},
		(error: unknown) => {
			process.stderr.write(`bench: ${errorText(error)}\n${USAGE}\n`);
			process.exitCode = 2;
		},
	);
}
