/**
 * One rule for every command that takes several dumps (the explorer, diff,
 * trend, report): oldest first, as a shell glob of timestamped names sorts.
 * Where every dump carries a time (the dumper's sidecar, else the file's
 * modification time) and the order given disagrees with it, the time order
 * is used and a warning says so; `--keep-order` keeps the order given.
 *
 * Times are compared in whole seconds (the sidecar's resolution): files
 * copied or checked out together differ by less and keep the order given.
 */

import {describeDumpFile, type DumpFile} from '../core/analyses/trend.js';
import {escapeControls} from '../core/format/escape.js';

export type OrderedDumps = {
	/** Oldest first. */
	readonly dumps: readonly DumpFile[];
	/** One line (without the `meliae-tui: ` prefix) when the order given was changed. */
	readonly warning: string | undefined;
};

type Timed = {readonly dump: DumpFile; readonly seconds: number; readonly source: 'dump time' | 'file time'};

/** The dump's time in whole seconds: the sidecar's, else the file's; undefined for standard input. */
function timeOf(dump: DumpFile): Timed | undefined {
	if (dump.meta?.time !== undefined) {
		const parsed = Date.parse(dump.meta.time);
		if (!Number.isNaN(parsed)) {
			return {dump, seconds: Math.floor(parsed / 1000), source: 'dump time'};
		}
	}

	if (dump.file !== '-' && dump.mtimeMs > 0) {
		return {dump, seconds: Math.floor(dump.mtimeMs / 1000), source: 'file time'};
	}

	return undefined;
}

function shownTime(timed: Timed): string {
	return timed.dump.meta?.time ?? new Date(timed.seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** Order `files` oldest first by the rule above. */
export function orderDumps(files: readonly string[], keepOrder = false): OrderedDumps {
	const dumps = files.map(file => describeDumpFile(file));
	if (keepOrder || dumps.length < 2) {
		return {dumps, warning: undefined};
	}

	const timed: Timed[] = [];
	for (const dump of dumps) {
		const time = timeOf(dump);
		if (time === undefined) {
			// Standard input, or a file we cannot stat (its load will say why).
			return {dumps, warning: undefined};
		}

		timed.push(time);
	}

	// A stable sort: dumps of the same second keep the order given.
	const sorted = timed.map((time, index) => ({time, index})).sort((a, b) => (a.time.seconds - b.time.seconds) || (a.index - b.index));
	if (sorted.every((item, index) => item.index === index)) {
		return {dumps, warning: undefined};
	}

	// Name the first dump given before an older one.
	const late = timed.findIndex((time, index) => timed.slice(index + 1).some(other => other.seconds < time.seconds));
	const older = timed.slice(late + 1).reduce((best, time) => time.seconds < best.seconds ? time : best);
	const name = (time: Timed): string => `${escapeControls(time.dump.file)} (${escapeControls(shownTime(time))}, ${time.source})`;
	const warning = `warning: ${name(timed[late]!)} was given before the older ${name(older)}; `
		+ 'taking the dumps oldest first by their times (--keep-order keeps the order given)';
	return {dumps: sorted.map(item => item.time.dump), warning};
}
