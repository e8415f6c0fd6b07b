/**
 * The benchmark driver (`npm run bench`).
 *
 * Generates synthetic dumps (cached in bench-data/, regenerated when missing
 * or when the generator's version changes), loads each one several times in a
 * fresh child process (`dist/bench/load-one.js`), runs the Python baseline
 * once per size, and prints medians next to the targets. Figures only: the
 * targets are printed, never enforced.
 *
 * Usage: npm run bench -- [--sizes 1e6,5e6] [--runs 3] [--skip-python]
 *          [--only load|plain|gzip|python|generate] [--json] [--seed 1]
 *          [--data-dir DIR] [--regenerate]
 */

import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {generateDump, type GenerateResult, GENERATOR_VERSION, isMainModule, parseCount} from './generate.js';
import type {LoadFigures} from './load-one.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/bench/run.js → the repository root. */
const repoRoot = resolve(here, '..', '..');
const loadOneScript = join(here, 'load-one.js');
const pythonScript = join(repoRoot, 'bench', 'python_baseline.py');

/** Targets printed next to the figures (not enforced). */
export const TARGETS = {
	summaryMs5M: 2800,
	totalMs5M: 4000,
	summaryMs1M: 600,
	rssBytesPerObject5M: 110,
	gzipRatio: 1.3,
	scaling5Mover1M: 5.5,
} as const;

type Variant = 'plain' | 'gzip';

type Selection = {
	/** Make sure both dumps of each size exist (the only work when nothing else is selected). */
	generate: boolean;
	plain: boolean;
	gzip: boolean;
	python: boolean;
};

export type PythonFigures = {
	readonly file: string;
	readonly objects: number;
	readonly refs: number;
	readonly msLoad: number;
	readonly msParents: number;
	readonly msSummary: number;
	readonly msTotal: number;
	readonly maxRssBytes: number;
};

type Meta = GenerateResult & {
	readonly generatorVersion: number;
	readonly seed: number;
	readonly gzip: boolean;
};

type Medians = {
	readonly runs: number;
	readonly failures: number;
	readonly bytes: number;
	readonly fileBytes: number;
	readonly objects: number;
	readonly msToSummary: number;
	readonly msTotal: number;
	readonly maxRssBytes: number;
	readonly phases: Readonly<Record<string, number>>;
};

type Row = {
	readonly objects: number;
	readonly variant: Variant;
	readonly file: string;
	readonly runs: LoadFigures[];
	readonly errors: string[];
	medians?: Medians;
};

// ---------------------------------------------------------------- helpers

export function median(values: readonly number[]): number {
	if (values.length === 0) {
		return Number.NaN;
	}

	const sorted = [...values].sort((a, b) => a - b);
	const middle = sorted.length >> 1;
	return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function sizeLabel(objects: number): string {
	if (objects % 1_000_000 === 0) {
		return `${objects / 1_000_000}M`;
	}

	if (objects % 1000 === 0) {
		return `${objects / 1000}k`;
	}

	return String(objects);
}

export function parseSelection(only: string | undefined, skipPython: boolean): Selection {
	if (only === undefined) {
		return {generate: false, plain: true, gzip: true, python: !skipPython};
	}

	const selection: Selection = {generate: false, plain: false, gzip: false, python: false};
	for (const part of only.split(',').map(word => word.trim()).filter(Boolean)) {
		switch (part) {
			case 'load': {
				selection.plain = true;
				selection.gzip = true;
				break;
			}

			case 'plain':
			case 'gzip':
			case 'python': {
				selection[part] = true;
				break;
			}

			case 'generate': {
				selection.generate = true;
				break;
			}

			default: {
				throw new RangeError(`--only: unknown part "${part}" (load, plain, gzip, python, generate)`);
			}
		}
	}

	if (skipPython) {
		selection.python = false;
	}

	return selection;
}

function dumpPath(dataDir: string, objects: number, seed: number, variant: Variant): string {
	return join(dataDir, `synthetic-${sizeLabel(objects)}-seed${seed}.json${variant === 'gzip' ? '.gz' : ''}`);
}

function readMeta(file: string): Meta | undefined {
	try {
		return JSON.parse(readFileSync(file + '.meta.json', 'utf8')) as Meta;
	} catch {
		return undefined;
	}
}

/** Generate the dump unless a cached copy from this generator version is there. */
async function ensureDump(file: string, objects: number, seed: number, variant: Variant, force: boolean): Promise<Meta> {
	const meta = readMeta(file);
	if (
		!force && meta !== undefined && existsSync(file) && meta.generatorVersion === GENERATOR_VERSION
		&& meta.objects === objects && meta.seed === seed && meta.gzip === (variant === 'gzip')
		&& statSync(file).size === meta.fileBytes
	) {
		return meta;
	}

	log(`generating ${sizeLabel(objects)} objects (${variant}) → ${file}`);
	const result = await generateDump({objects, seed, out: file, gzip: variant === 'gzip'});
	const fresh: Meta = {...result, generatorVersion: GENERATOR_VERSION, seed, gzip: variant === 'gzip'};
	writeFileSync(file + '.meta.json', JSON.stringify(fresh, undefined, '\t') + '\n');
	log(`  ${mb(result.bytes)} MB of text, ${mb(result.fileBytes)} MB on disk, ${result.refs} refs, `
		+ `${(result.bytes / 1e6 / (result.ms / 1000)).toFixed(1)} MB/s`);
	return fresh;
}

/** Run a command; resolve with its stdout's last non-empty line parsed as JSON. */
async function runJson<T>(command: string, args: readonly string[]): Promise<T> {
	return new Promise((resolvePromise, reject) => {
		const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'inherit']});
		let out = '';
		child.stdout.setEncoding('utf8');
		child.stdout.on('data', (chunk: string) => {
			out += chunk;
		});
		child.on('error', reject);
		child.on('close', code => {
			const last = out.trimEnd().split('\n').at(-1) ?? '';
			if (code !== 0) {
				reject(new Error(`${command} ${args.join(' ')} exited with ${code}`));
				return;
			}

			try {
				resolvePromise(JSON.parse(last) as T);
			} catch {
				reject(new Error(`${command} ${args.join(' ')}: no JSON figures in its output`));
			}
		});
	});
}

function summarizeRuns(runs: readonly LoadFigures[], failures: number): Medians {
	const phaseNames = [...new Set(runs.flatMap(run => run.phases.map(phase => phase.name)))];
	const phases: Record<string, number> = {};
	for (const name of phaseNames) {
		phases[name] = median(runs.map(run => run.phases.filter(phase => phase.name === name).reduce((sum, phase) => sum + phase.ms, 0)));
	}

	return {
		runs: runs.length,
		failures,
		bytes: runs[0]?.bytes ?? Number.NaN,
		fileBytes: runs[0]?.fileBytes ?? Number.NaN,
		objects: runs[0]?.objects ?? Number.NaN,
		msToSummary: median(runs.map(run => run.msToSummary)),
		msTotal: median(runs.map(run => run.msTotal)),
		maxRssBytes: median(runs.map(run => run.maxRssBytes)),
		phases,
	};
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');

function log(message: string): void {
	process.stderr.write(message + '\n');
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
	const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map(row => row[i]!.length)));
	const line = (cells: readonly string[]): string => cells
		.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
		.join('  ');
	return [line(header), ...rows.map(row => line(row))].join('\n');
}

function verdict(value: number, limit: number): string {
	if (!Number.isFinite(value)) {
		return 'not measured';
	}

	return value <= limit ? 'ok' : 'over';
}

/** The loads table, the phases, and any errors. */
function formatLoads(rows: readonly Row[]): string[] {
	const out: string[] = [];
	const cells = rows.filter(row => row.medians !== undefined && row.medians.runs > 0).map(row => {
		const m = row.medians!;
		return [
			`${sizeLabel(row.objects)} ${row.variant}`,
			mb(m.fileBytes),
			(m.bytes / 1e6 / (m.msToSummary / 1000)).toFixed(0),
			`${(m.objects / (m.msToSummary / 1000) / 1e6).toFixed(2)}M`,
			seconds(m.msToSummary),
			seconds(m.msTotal),
			mb(m.maxRssBytes),
			(m.maxRssBytes / m.objects).toFixed(0),
			`${m.runs}${m.failures > 0 ? ` (${m.failures} failed)` : ''}`,
		];
	});
	out.push(table(
		['dump', 'file MB', 'load MB/s', 'objects/s', 'summary s', 'total s', 'peak RSS MB', 'RSS B/obj', 'runs'],
		cells,
	));
	out.push('');
	out.push('Phases (median ms):');
	for (const row of rows) {
		if (row.medians === undefined || row.medians.runs === 0) {
			continue;
		}

		const phases = Object.entries(row.medians.phases).map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ');
		out.push(`  ${`${sizeLabel(row.objects)} ${row.variant}`.padEnd(10)} ${phases}`);
	}

	for (const row of rows) {
		for (const error of row.errors) {
			out.push(`  ${sizeLabel(row.objects)} ${row.variant}: ${error}`);
		}
	}

	return out;
}

// ---------------------------------------------------------------- report

type Report = {
	readonly environment: Record<string, unknown>;
	readonly dumps: Meta[];
	readonly rows: Row[];
	readonly python: Array<{objects: number; figures?: PythonFigures; error?: string}>;
};

function find(rows: readonly Row[], objects: number, variant: Variant): Medians | undefined {
	return rows.find(row => row.objects === objects && row.variant === variant)?.medians;
}

export function formatReport(report: Report, sizes: readonly number[]): string {
	const out: string[] = [];
	const env = report.environment;
	out.push(`meliae-tui load benchmark: ${String(env.node)}, ${String(env.cpus)}× ${String(env.cpu)}, `
		+ `${String(env.memoryGb)} GB RAM, load average ${String(env.loadAverage)} at start`);
	out.push('');
	out.push(table(
		['dump', 'objects', 'text MB', 'file MB', 'refs', 'refs/obj', 'B/line', 'generated MB/s'],
		report.dumps.map(meta => [
			`${sizeLabel(meta.objects)} ${meta.gzip ? 'gzip' : 'plain'}`,
			String(meta.objects),
			mb(meta.bytes),
			mb(meta.fileBytes),
			String(meta.refs),
			(meta.refs / meta.objects).toFixed(2),
			(meta.bytes / meta.objects).toFixed(1),
			(meta.bytes / 1e6 / (meta.ms / 1000)).toFixed(0),
		]),
	));
	if (report.rows.length === 0 && report.python.length === 0) {
		return out.join('\n');
	}

	if (report.rows.length > 0) {
		out.push('', ...formatLoads(report.rows));
	}

	// Targets.
	const small = sizes.includes(1_000_000) ? 1_000_000 : Math.min(...sizes);
	const large = sizes.includes(5_000_000) ? 5_000_000 : Math.max(...sizes);
	const plainLarge = find(report.rows, large, 'plain');
	const plainSmall = find(report.rows, small, 'plain');
	const gzipLarge = find(report.rows, large, 'gzip');
	const targetRows: string[][] = [];
	const target = (what: string, value: number, shown: string, limit: string, limitValue: number): void => {
		targetRows.push([what, Number.isFinite(value) ? shown : '–', limit, verdict(value, limitValue)]);
	};

	const L = sizeLabel(large);
	const S = sizeLabel(small);
	const summaryLarge = plainLarge?.msToSummary ?? Number.NaN;
	const totalLarge = plainLarge?.msTotal ?? Number.NaN;
	target(`${L} time to summary`, summaryLarge, `${seconds(summaryLarge)} s`, `≤ ${seconds(TARGETS.summaryMs5M)} s`, TARGETS.summaryMs5M);
	target(`${L} with parents + collapse`, totalLarge, `${seconds(totalLarge)} s`, `≤ ${seconds(TARGETS.totalMs5M)} s`, TARGETS.totalMs5M);
	const summarySmall = plainSmall?.msToSummary ?? Number.NaN;
	target(`${S} time to summary`, summarySmall, `${seconds(summarySmall)} s`, `≤ ${seconds(TARGETS.summaryMs1M)} s`, TARGETS.summaryMs1M);
	const rssPerObject = plainLarge === undefined ? Number.NaN : plainLarge.maxRssBytes / plainLarge.objects;
	target(`${L} peak RSS per object`, rssPerObject, `${rssPerObject.toFixed(0)} B`, `≤ ${TARGETS.rssBytesPerObject5M} B`, TARGETS.rssBytesPerObject5M);
	const gzipRatio = gzipLarge === undefined || plainLarge === undefined ? Number.NaN : gzipLarge.msTotal / plainLarge.msTotal;
	target(`${L} gzip / plain (total time)`, gzipRatio, ratio(gzipRatio), `≤ ${TARGETS.gzipRatio}×`, TARGETS.gzipRatio);
	const timeScaling = plainLarge === undefined || plainSmall === undefined || large === small ? Number.NaN : plainLarge.msTotal / plainSmall.msTotal;
	target(`${L} / ${S} total time`, timeScaling, ratio(timeScaling), `≤ ${TARGETS.scaling5Mover1M}×`, TARGETS.scaling5Mover1M);
	const rssScaling = plainLarge === undefined || plainSmall === undefined || large === small ? Number.NaN : plainLarge.maxRssBytes / plainSmall.maxRssBytes;
	target(`${L} / ${S} peak RSS`, rssScaling, ratio(rssScaling), `≤ ${TARGETS.scaling5Mover1M}×`, TARGETS.scaling5Mover1M);
	if (report.rows.length > 0) {
		out.push('');
		out.push('Targets (printed, not enforced):');
		out.push(table(['figure', 'measured', 'target', ''], targetRows).split('\n').map(line => `  ${line}`).join('\n'));
	}

	// Python baseline.
	const pythonRows = report.python.map(({objects, figures, error}) => {
		const ours = find(report.rows, objects, 'plain');
		if (figures === undefined) {
			return [sizeLabel(objects), error ?? 'not run', '', '', '', '', '', ''];
		}

		return [
			sizeLabel(objects),
			seconds(figures.msTotal),
			`${seconds(figures.msLoad)} + ${seconds(figures.msParents)} + ${seconds(figures.msSummary)}`,
			mb(figures.maxRssBytes),
			ours === undefined ? '–' : seconds(ours.msTotal),
			ours === undefined ? '–' : mb(ours.maxRssBytes),
			ours === undefined ? '–' : ratio(figures.msTotal / ours.msTotal),
			ours === undefined ? '–' : ratio(figures.maxRssBytes / ours.maxRssBytes),
		];
	});
	if (pythonRows.length > 0) {
		out.push('');
		out.push('Python baseline (json.loads per line, a dict per object, parents, summary), run once:');
		out.push(table(
			['dump', 'python s', 'load + parents + summary', 'python RSS MB', 'ours s', 'ours RSS MB', 'speedup', 'memory ratio'],
			pythonRows,
		).split('\n').map(line => `  ${line}`).join('\n'));
	}

	return out.join('\n');
}

// ---------------------------------------------------------------- main

const USAGE = `Usage: npm run bench -- [options]
  --sizes LIST     object counts, comma-separated (default 1e6,5e6)
  --runs N         loads per dump; medians are reported (default 3)
  --skip-python    do not run the Python baseline
  --only PARTS     load (plain and gzip), plain, gzip, python, generate; comma-separated
  --json           print the raw figures as JSON instead of tables
  --seed N         generator seed (default 1)
  --data-dir DIR   where dumps are cached (default bench-data/)
  --regenerate     regenerate the dumps even if cached`;

async function main(argv: string[]): Promise<number> {
	const {values} = parseArgs({
		args: argv,
		options: {
			sizes: {type: 'string', default: '1e6,5e6'},
			runs: {type: 'string', default: '3'},
			'skip-python': {type: 'boolean', default: false},
			only: {type: 'string'},
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

	const sizes = values.sizes.split(',').map(part => parseCount(part));
	const runs = parseCount(values.runs);
	const seed = parseCount(values.seed);
	const selection = parseSelection(values.only, values['skip-python']);
	const dataDir = resolve(values['data-dir'] ?? join(repoRoot, 'bench-data'));
	mkdirSync(dataDir, {recursive: true});

	const report: Report = {
		environment: {
			node: process.version,
			cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
			cpus: os.cpus().length,
			memoryGb: Math.round(os.totalmem() / 2 ** 30),
			loadAverage: os.loadavg()[0]!.toFixed(2),
			sizes,
			runs,
			seed,
			generatorVersion: GENERATOR_VERSION,
		},
		dumps: [],
		rows: [],
		python: [],
	};

	const variants: Variant[] = [];
	if (selection.plain || selection.python || selection.generate) {
		variants.push('plain');
	}

	if (selection.gzip || selection.generate) {
		variants.push('gzip');
	}

	for (const objects of sizes) {
		for (const variant of variants) {
			const file = dumpPath(dataDir, objects, seed, variant);
			report.dumps.push(await ensureDump(file, objects, seed, variant, values.regenerate));
			if (!selection[variant]) {
				continue;
			}

			const row: Row = {objects, variant, file, runs: [], errors: []};
			report.rows.push(row);
			for (let i = 0; i < runs; i++) {
				log(`load ${sizeLabel(objects)} ${variant}: run ${i + 1}/${runs}`);
				try {
					row.runs.push(await runJson<LoadFigures>(process.execPath, [loadOneScript, file]));
				} catch (error) {
					row.errors.push(error instanceof Error ? error.message : String(error));
				}
			}

			row.medians = summarizeRuns(row.runs, row.errors.length);
		}

		if (selection.python) {
			const file = dumpPath(dataDir, objects, seed, 'plain');
			log(`python baseline ${sizeLabel(objects)} (one run; slow)`);
			try {
				report.python.push({objects, figures: await runJson<PythonFigures>('python3', [pythonScript, file, '--quiet'])});
			} catch (error) {
				report.python.push({objects, error: error instanceof Error ? error.message : String(error)});
			}
		}
	}

	if (values.json) {
		process.stdout.write(JSON.stringify(report, undefined, '\t') + '\n');
	} else {
		process.stdout.write(formatReport(report, sizes) + '\n');
	}

	return report.rows.some(row => row.errors.length > 0) ? 1 : 0;
}

if (isMainModule(import.meta.url)) {
	main(process.argv.slice(2)).then(
		code => {
			process.exitCode = code;
		},
		(error: unknown) => {
			process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
			process.exitCode = 2;
		},
	);
}
