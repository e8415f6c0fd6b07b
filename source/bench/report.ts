/**
 * The bench's figures and how they are printed: every figure of issue 9
 * beside its target, the reference loader beside ours, the growth from one
 * size to the next. Targets are printed, never enforced.
 */

import type {LoadFigures} from './load-one.js';
import {MEMLAB_TARGET_RATIO, memlabDetails, memlabLine, memlabRatio, type MemlabReport} from './memlab.js';
import type {ReferenceFigures} from './reference.js';
import type {KeyFigures as UiKeyFigures} from './ui-keys.js';

/** Targets of the persisted index and the faster first load (issue 9), on the 5M dump and on the real one. */
export const TARGETS = {
	firstSummaryMs: 3500,
	firstRetainedMs: 5000,
	firstPeakBytesPerObject: 100,
	reopenSummaryMs: 500,
	reopenRetainedMs: 800,
	explorerFirstFrameMs: 600,
	reopenPeakBytesPerObject: 50,
	commandWallMs: 800,
	indexOverText: 0.8,
	indexWriteCost: 0.15,
	diffMs: 2000,
	gzipRatio: 1.3,
	keyP99Ms: 16,
	/** 20M over 5M, first open and reopen. */
	scaling20Mover5M: 4.5,
} as const;

/** Targets of the previous bench, still printed. */
export const PREVIOUS_TARGETS = {
	summaryMs5M: 2800,
	totalMs5M: 4000,
	summaryMs1M: 600,
	rssBytesPerObject5M: 110,
	scaling5Mover1M: 5.5,
} as const;

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

export type DumpInfo = {
	readonly label: string;
	readonly kind: 'synthetic' | 'real';
	readonly objects: number;
	readonly refs?: number;
	readonly textBytes: number;
	readonly fileBytes: number;
	readonly gzipBytes?: number;
	/** Generated MB/s (synthetic), or what the real heap holds. */
	readonly note: string;
};

/** What index-bench.js --json prints, as far as the bench uses it (fields may be missing). */
export type IndexBenchJson = {
	readonly textBytes?: number;
	readonly indexBytes?: number;
	readonly firstLoad?: {readonly msTotal?: number};
	readonly firstLoadWritingIndex?: {readonly msTotal?: number; readonly msWriting?: number};
	readonly reopen?: {readonly msToSummary?: number; readonly msTotal?: number; readonly maxRssBytes?: number};
	readonly wallMs?: Readonly<Record<string, {readonly indexed?: number; readonly parsed?: number}>>;
};

/** What ui-keys.js --json prints: its figures and the store's object count. */
export type KeyFigures = UiKeyFigures & {readonly objects: number};

export type SubjectReport = {
	readonly label: string;
	readonly kind: 'synthetic' | 'real';
	/** Objects in the dump. */
	readonly objects: number;
	readonly file: string;
	/** First open as the command line does it: parse, write the index, retained sizes. */
	readonly firstOpen: LoadFigures[];
	readonly gzip: LoadFigures[];
	readonly reference: ReferenceFigures[];
	readonly reopen: LoadFigures[];
	/** Milliseconds from process start to the explorer's first frame, reopening. */
	readonly explorer: number[];
	commands?: IndexBenchJson;
	readonly diff: Array<{readonly wallMs: number; readonly maxRssBytes: number}>;
	keys?: KeyFigures;
	python?: PythonFigures;
	/** memlab on the same graph (`memlab` part). */
	memlab?: MemlabReport;
	/** Failures, one line each ("reopen: ..."). */
	readonly errors: string[];
	/** Parts skipped and why. */
	readonly notes: string[];
};

export type Report = {
	readonly environment: Record<string, unknown>;
	readonly dumps: DumpInfo[];
	readonly subjects: SubjectReport[];
	readonly notes: string[];
};

// ---------------------------------------------------------------- numbers

export function median(values: readonly number[]): number {
	const finite = values.filter(value => Number.isFinite(value));
	if (finite.length === 0) {
		return Number.NaN;
	}

	const sorted = [...finite].sort((a, b) => a - b);
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

const med = <T>(items: readonly T[], pick: (item: T) => number | undefined): number => median(items.map(item => pick(item) ?? Number.NaN));
const mb = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 1e6).toFixed(1) : '–');
const seconds = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '–');
const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
const perObject = (bytes: number, objects: number): string => (Number.isFinite(bytes) && objects > 0 ? `${(bytes / objects).toFixed(0)} B` : '–');

export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = ''): string {
	const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map(row => (row[i] ?? '').length)));
	const line = (cells: readonly string[]): string => indent + cells
		.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
		.join('  ')
		.trimEnd();
	return [line(header), ...rows.map(row => line(row))].join('\n');
}

function verdict(value: number, limit: number): string {
	if (!Number.isFinite(value)) {
		return '';
	}

	return value <= limit ? 'ok' : 'over';
}

// ---------------------------------------------------------------- figures of one subject

export type SubjectFigures = {
	readonly firstSummaryMs: number;
	readonly firstTotalMs: number;
	readonly firstRetainedMs: number;
	readonly firstPeakBytes: number;
	readonly gzipTotalMs: number;
	readonly gzipRetainedMs: number;
	readonly gzipPeakBytes: number;
	readonly reopenSummaryMs: number;
	readonly reopenRetainedMs: number;
	readonly reopenPeakBytes: number;
	readonly explorerMs: number;
	readonly referenceSummaryMs: number;
	readonly referenceRetainedMs: number;
	readonly referencePeakBytes: number;
	readonly wallMs: Readonly<Record<string, number>>;
	readonly indexOverText: number;
	readonly indexWriteCost: number;
	readonly diffMs: number;
	readonly diffPeakBytes: number;
	readonly gzipRatio: number;
	readonly keyP99Ms: number;
};

export function figuresOf(subject: SubjectReport): SubjectFigures {
	const commands = subject.commands;
	const wallMs: Record<string, number> = {};
	for (const [name, wall] of Object.entries(commands?.wallMs ?? {})) {
		wallMs[name] = wall.indexed ?? Number.NaN;
	}

	const firstTotalMs = med(subject.firstOpen, run => run.msTotal);
	const gzipTotalMs = med(subject.gzip, run => run.msTotal);
	const plainLoad = commands?.firstLoad?.msTotal ?? Number.NaN;
	const writingLoad = commands?.firstLoadWritingIndex?.msTotal ?? Number.NaN;
	return {
		firstSummaryMs: med(subject.firstOpen, run => run.msToSummary),
		firstTotalMs,
		firstRetainedMs: med(subject.firstOpen, run => run.msToRetained),
		firstPeakBytes: med(subject.firstOpen, run => run.maxRssBytes),
		gzipTotalMs,
		gzipRetainedMs: med(subject.gzip, run => run.msToRetained),
		gzipPeakBytes: med(subject.gzip, run => run.maxRssBytes),
		reopenSummaryMs: med(subject.reopen, run => run.msToSummary),
		reopenRetainedMs: med(subject.reopen, run => run.msToRetained),
		reopenPeakBytes: med(subject.reopen, run => run.maxRssBytes),
		explorerMs: median(subject.explorer),
		referenceSummaryMs: med(subject.reference, run => run.msToSummary),
		referenceRetainedMs: med(subject.reference, run => run.msToRetained),
		referencePeakBytes: med(subject.reference, run => run.maxRssBytes),
		wallMs,
		indexOverText: (commands?.indexBytes ?? Number.NaN) / (commands?.textBytes ?? Number.NaN),
		indexWriteCost: writingLoad / plainLoad - 1,
		diffMs: med(subject.diff, run => run.wallMs),
		diffPeakBytes: med(subject.diff, run => run.maxRssBytes),
		gzipRatio: gzipTotalMs / firstTotalMs,
		keyP99Ms: typeof subject.keys?.keyP99Ms === 'number' ? subject.keys.keyP99Ms : Number.NaN,
	};
}

// ---------------------------------------------------------------- the printout

function loadRow(label: string, runs: readonly LoadFigures[], failures: number): string[] {
	const bytes = runs[0]?.bytes ?? Number.NaN;
	const objects = runs[0]?.objects ?? Number.NaN;
	const summary = med(runs, run => run.msToSummary);
	const peak = med(runs, run => run.maxRssBytes);
	return [
		label,
		mb(runs[0]?.fileBytes ?? Number.NaN),
		Number.isFinite(summary) ? (bytes / 1e6 / (summary / 1000)).toFixed(0) : '–',
		seconds(summary),
		seconds(med(runs, run => run.msTotal)),
		seconds(med(runs, run => run.msToRetained)),
		mb(peak),
		perObject(peak, objects),
		`${runs.length}${failures > 0 ? ` (${failures} failed)` : ''}`,
	];
}

function phaseLine(label: string, runs: readonly LoadFigures[]): string | undefined {
	if (runs.length === 0) {
		return undefined;
	}

	const names = [...new Set(runs.flatMap(run => run.phases.map(phase => phase.name)))];
	const parts = names.map(name => `${name} ${median(runs.map(run => run.phases.filter(phase => phase.name === name).reduce((sum, phase) => sum + phase.ms, 0))).toFixed(0)}`);
	return `  ${label.padEnd(14)} ${parts.join(', ')}`;
}

/** The subject the targets are about: the 5M synthetic dump, else the largest. */
export function mainSynthetic(subjects: readonly SubjectReport[]): SubjectReport | undefined {
	const synthetic = subjects.filter(subject => subject.kind === 'synthetic');
	return synthetic.find(subject => subject.objects === 5_000_000)
		?? synthetic.reduce<SubjectReport | undefined>((a, b) => (a === undefined || b.objects > a.objects ? b : a), undefined);
}

export function formatReport(report: Report): string {
	const out: string[] = [];
	const env = report.environment;
	out.push(`meliae-tui benchmark: ${String(env.node)}, ${String(env.cpus)}× ${String(env.cpu)}, ${String(env.memoryGb)} GB RAM; `
		+ `load average ${String(env.loadAverageStart)} at start, ${String(env.loadAverageEnd ?? '–')} at the end; ${String(env.runs)} runs of each load`);
	for (const note of report.notes) {
		out.push(`note: ${note}`);
	}

	out.push('');
	out.push(table(
		['dump', 'objects', 'text MB', 'gzip MB', 'refs/obj', 'B/line', ''],
		report.dumps.map(dump => [
			dump.label,
			String(dump.objects),
			mb(dump.textBytes),
			mb(dump.gzipBytes ?? Number.NaN),
			dump.refs === undefined ? '–' : (dump.refs / dump.objects).toFixed(2),
			(dump.textBytes / dump.objects).toFixed(1),
			dump.note,
		]),
	));

	const subjects = report.subjects;
	// First open.
	const loadRows: string[][] = [];
	const phases: string[] = [];
	for (const subject of subjects) {
		const failures = (prefix: string): number => subject.errors.filter(error => error.startsWith(prefix)).length;
		if (subject.firstOpen.length > 0 || failures('first open') > 0) {
			loadRows.push(loadRow(`${subject.label} plain`, subject.firstOpen, failures('first open')));
			const line = phaseLine(`${subject.label} plain`, subject.firstOpen);
			if (line !== undefined) {
				phases.push(line);
			}
		}

		if (subject.gzip.length > 0 || failures('gzip') > 0) {
			loadRows.push(loadRow(`${subject.label} gzip`, subject.gzip, failures('gzip')));
			const line = phaseLine(`${subject.label} gzip`, subject.gzip);
			if (line !== undefined) {
				phases.push(line);
			}
		}
	}

	if (loadRows.length > 0) {
		out.push('', 'First open, as the command line does it (parse, write the index, then retained sizes), medians:');
		out.push(table(['dump', 'file MB', 'load MB/s', 'summary', 'parents too', 'retained', 'peak RSS MB', 'per object', 'runs'], loadRows, '  '));
		out.push('  phases (median ms):', ...phases);
	}

	// Reference loader.
	const referenceRows = subjects.filter(subject => subject.reference.length > 0).map(subject => {
		const f = figuresOf(subject);
		return [
			subject.label,
			seconds(f.firstSummaryMs), seconds(f.referenceSummaryMs),
			seconds(f.firstRetainedMs), seconds(f.referenceRetainedMs),
			mb(f.firstPeakBytes), mb(f.referencePeakBytes),
			times(f.firstRetainedMs / f.referenceRetainedMs),
		];
	});
	if (referenceRows.length > 0) {
		out.push('', 'Beside the reference loader (single thread, keeps no values, no collapse), run alternately with ours:');
		out.push(table(['dump', 'ours: summary', 'reference', 'ours: retained', 'reference', 'ours: peak MB', 'reference', 'ours / reference (retained)'], referenceRows, '  '));
	}

	// memlab on the same graph.
	const memlabLines = subjects.filter(subject => subject.memlab !== undefined && subject.memlab.runs.length > 0).flatMap(subject => [
		`  ${subject.label}: ${memlabLine(subject.memlab, figuresOf(subject).firstRetainedMs, med(subject.firstOpen, run => run.cpuMs))!}`,
		...memlabDetails(subject.label, subject.memlab!).map(line => `  ${line}`),
	]);
	if (memlabLines.length > 0) {
		out.push('', 'memlab on the same graph (a V8 heap snapshot of the dump; its heap loader, then its dominators and retained sizes; run alternately with our first open), medians:');
		out.push(...memlabLines);
	}

	// Reopen.
	const reopenRows = subjects.filter(subject => subject.reopen.length > 0 || subject.explorer.length > 0).map(subject => {
		const f = figuresOf(subject);
		return [
			subject.label, seconds(f.reopenSummaryMs), seconds(f.reopenRetainedMs), seconds(f.explorerMs),
			mb(f.reopenPeakBytes), perObject(f.reopenPeakBytes, subject.objects), String(Math.max(subject.reopen.length, subject.explorer.length)),
		];
	});
	if (reopenRows.length > 0) {
		out.push('', 'Reopen from the index, medians:');
		out.push(table(['dump', 'summary', 'retained', 'explorer first frame', 'peak RSS MB', 'per object', 'runs'], reopenRows, '  '));
	}

	// Commands.
	const commandRows = subjects.filter(subject => subject.commands?.wallMs !== undefined).map(subject => {
		const walls = subject.commands!.wallMs!;
		return [subject.label, ...['summarize', 'show', 'path', 'top'].map(name => `${seconds(walls[name]?.indexed ?? Number.NaN)} / ${seconds(walls[name]?.parsed ?? Number.NaN)}`)];
	});
	if (commandRows.length > 0) {
		out.push('', 'Commands, wall clock with process start, indexed / --no-index (index-bench.js):');
		out.push(table(['dump', 'summarize', 'show', 'path', 'top'], commandRows, '  '));
	}

	// Diff and keys.
	const diffRows = subjects.filter(subject => subject.diff.length > 0 || subject.keys !== undefined).map(subject => {
		const f = figuresOf(subject);
		const keys = subject.keys;
		return [
			subject.label, seconds(f.diffMs), mb(f.diffPeakBytes),
			keys === undefined || !Number.isFinite(keys.keyP50Ms) ? '–' : `${keys.keyP50Ms.toFixed(1)} ms`,
			keys === undefined || !Number.isFinite(keys.keyP99Ms) ? '–' : `${keys.keyP99Ms.toFixed(1)} ms (${keys.worstView})`,
		];
	});
	if (diffRows.length > 0) {
		out.push('', '`diff` of two indexed dumps (wall clock, process start included), and key presses in the explorer (ui-keys.js, worst view):');
		out.push(table(['dump', 'diff', 'diff peak MB', 'key p50', 'key p99'], diffRows, '  '));
	}

	// Every figure beside its target.
	const main = mainSynthetic(subjects);
	const columns = [main, ...subjects.filter(subject => subject.kind === 'real')].filter((subject): subject is SubjectReport => subject !== undefined);
	if (columns.length > 0) {
		const all = columns.map(subject => figuresOf(subject));
		const rows: string[][] = [];
		const row = (what: string, target: string, limit: number, pick: (f: SubjectFigures, s: SubjectReport) => number, show: (value: number) => string): void => {
			rows.push([what, target, ...all.map((f, i) => {
				const value = pick(f, columns[i]!);
				return Number.isFinite(value) ? `${show(value)} ${verdict(value, limit)}` : 'not measured';
			})]);
		};

		const s = (value: number): string => seconds(value);
		const b = (value: number): string => `${value.toFixed(0)} B`;
		row('first open: to summary', `≤ ${s(TARGETS.firstSummaryMs)}`, TARGETS.firstSummaryMs, f => f.firstSummaryMs, s);
		row('first open: to retained sizes', `≤ ${s(TARGETS.firstRetainedMs)}`, TARGETS.firstRetainedMs, f => f.firstRetainedMs, s);
		rows.push(['  memlab on the same graph / ours', `≥ ${MEMLAB_TARGET_RATIO}×`, ...columns.map((subject, i) => {
			const ratio = memlabRatio(subject.memlab, all[i]!.firstRetainedMs);
			return Number.isFinite(ratio) ? `${times(ratio)} ${ratio >= MEMLAB_TARGET_RATIO ? 'ok' : 'under'}` : 'not measured';
		})]);
		row('first open: peak per object', `≤ ${TARGETS.firstPeakBytesPerObject} B`, TARGETS.firstPeakBytesPerObject, (f, subject) => f.firstPeakBytes / subject.objects, b);
		row('reopen: to summary', `≤ ${s(TARGETS.reopenSummaryMs)}`, TARGETS.reopenSummaryMs, f => f.reopenSummaryMs, s);
		row('reopen: to retained sizes', `≤ ${s(TARGETS.reopenRetainedMs)}`, TARGETS.reopenRetainedMs, f => f.reopenRetainedMs, s);
		row('reopen: explorer first frame', `≤ ${s(TARGETS.explorerFirstFrameMs)}`, TARGETS.explorerFirstFrameMs, f => f.explorerMs, s);
		row('reopen: peak per object', `≤ ${TARGETS.reopenPeakBytesPerObject} B`, TARGETS.reopenPeakBytesPerObject, (f, subject) => f.reopenPeakBytes / subject.objects, b);
		for (const name of ['show', 'path', 'top']) {
			row(`\`${name}\` on an indexed dump`, `≤ ${s(TARGETS.commandWallMs)}`, TARGETS.commandWallMs, f => f.wallMs[name] ?? Number.NaN, s);
		}

		row('index size / dump text', `≤ ${TARGETS.indexOverText}×`, TARGETS.indexOverText, f => f.indexOverText, times);
		row('writing the index adds', `≤ ${TARGETS.indexWriteCost * 100}%`, TARGETS.indexWriteCost, f => f.indexWriteCost, value => `${(value * 100).toFixed(0)}%`);
		row('`diff` of two indexed dumps', `≤ ${s(TARGETS.diffMs)}`, TARGETS.diffMs, f => f.diffMs, s);
		row('gzip / plain (parse to parents)', `≤ ${TARGETS.gzipRatio}×`, TARGETS.gzipRatio, f => f.gzipRatio, times);
		row('key press p99 (worst view)', `< ${TARGETS.keyP99Ms} ms`, TARGETS.keyP99Ms - 1e-9, f => f.keyP99Ms, value => `${value.toFixed(1)} ms`);
		out.push('', 'Every figure beside its target (printed, not enforced):');
		out.push(table(['figure', 'target', ...columns.map(subject => subject.label)], rows, '  '));
	}

	// Growth from one size to the next.
	const synthetic = subjects.filter(subject => subject.kind === 'synthetic').sort((a, b) => a.objects - b.objects);
	const growthRows: string[][] = [];
	for (let i = 1; i < synthetic.length; i++) {
		const small = synthetic[i - 1]!;
		const large = synthetic[i]!;
		const a = figuresOf(small);
		const b = figuresOf(large);
		const limit = small.objects === 5_000_000 && large.objects === 20_000_000
			? TARGETS.scaling20Mover5M
			: (small.objects === 1_000_000 && large.objects === 5_000_000 ? PREVIOUS_TARGETS.scaling5Mover1M : Number.NaN);
		const cell = (ratio: number): string => (Number.isFinite(ratio) ? `${times(ratio)}${Number.isFinite(limit) ? ` ${verdict(ratio, limit)}` : ''}` : '–');
		growthRows.push([
			`${large.label} / ${small.label}`,
			times(large.objects / small.objects),
			cell(b.firstRetainedMs / a.firstRetainedMs),
			cell(b.firstSummaryMs / a.firstSummaryMs),
			times(b.firstPeakBytes / a.firstPeakBytes),
			cell(b.reopenRetainedMs / a.reopenRetainedMs),
			times(b.reopenPeakBytes / a.reopenPeakBytes),
			times(b.diffMs / a.diffMs),
			Number.isFinite(limit) ? `≤ ${limit}×` : '',
		]);
	}

	if (growthRows.length > 0) {
		out.push('', 'Growth from one size to the next (time ratios beside the target where there is one):');
		out.push(table(['sizes', 'objects', 'first open (retained)', '(summary)', 'first open peak', 'reopen (retained)', 'reopen peak', 'diff', 'target'], growthRows, '  '));
	}

	// The previous bench's load targets.
	const previous: string[][] = [];
	const five = synthetic.find(subject => subject.objects === 5_000_000);
	const one = synthetic.find(subject => subject.objects === 1_000_000);
	if (five !== undefined && five.firstOpen.length > 0) {
		const f = figuresOf(five);
		previous.push(['5M time to summary', seconds(f.firstSummaryMs), `≤ ${seconds(PREVIOUS_TARGETS.summaryMs5M)}`, verdict(f.firstSummaryMs, PREVIOUS_TARGETS.summaryMs5M)]);
		previous.push(['5M with parents + collapse', seconds(f.firstTotalMs), `≤ ${seconds(PREVIOUS_TARGETS.totalMs5M)}`, verdict(f.firstTotalMs, PREVIOUS_TARGETS.totalMs5M)]);
		const perObjectBytes = f.firstPeakBytes / five.objects;
		previous.push(['5M peak RSS per object (retained sizes included)', `${perObjectBytes.toFixed(0)} B`, `≤ ${PREVIOUS_TARGETS.rssBytesPerObject5M} B`, verdict(perObjectBytes, PREVIOUS_TARGETS.rssBytesPerObject5M)]);
	}

	if (one !== undefined && one.firstOpen.length > 0) {
		const f = figuresOf(one);
		previous.push(['1M time to summary', seconds(f.firstSummaryMs), `≤ ${seconds(PREVIOUS_TARGETS.summaryMs1M)}`, verdict(f.firstSummaryMs, PREVIOUS_TARGETS.summaryMs1M)]);
	}

	if (previous.length > 0) {
		out.push('', 'Targets of the previous bench:');
		out.push(table(['figure', 'measured', 'target', ''], previous, '  '));
	}

	// Python baseline.
	const pythonRows = subjects.filter(subject => subject.python !== undefined).map(subject => {
		const figures = subject.python!;
		const f = figuresOf(subject);
		return [
			subject.label,
			seconds(figures.msTotal),
			`${seconds(figures.msLoad)} + ${seconds(figures.msParents)} + ${seconds(figures.msSummary)}`,
			mb(figures.maxRssBytes),
			seconds(f.firstTotalMs),
			mb(f.firstPeakBytes),
			times(figures.msTotal / f.firstTotalMs),
			times(figures.maxRssBytes / f.firstPeakBytes),
		];
	});
	if (pythonRows.length > 0) {
		out.push('', 'Python baseline (json.loads per line, a dict per object, parents, summary), run once:');
		out.push(table(['dump', 'python', 'load + parents + summary', 'python RSS MB', 'ours', 'ours RSS MB', 'speedup', 'memory ratio'], pythonRows, '  '));
	}

	const problems = subjects.flatMap(subject => [
		...subject.notes.map(note => `  ${subject.label}: ${note}`),
		...subject.errors.map(error => `  ${subject.label}: ${error}`),
	]);
	if (problems.length > 0) {
		out.push('', 'Skipped and failed:', ...problems);
	}

	return out.join('\n');
}
