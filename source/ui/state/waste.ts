/**
 * The waste screen's rows: the core's inspectWaste result (the same one
 * the `waste` command prints) as one list, a header row per kind with its
 * total and the fix, then the kind's top findings, each with the bytes it
 * costs and what Enter opens. Texts are built here once; dump text in them
 * is escaped by the core's repr and escape functions, and cut to the
 * screen's width by the selector.
 */

import {escapeControls} from '../../core/format/escape.js';
import {reprValue} from '../../core/format/repr.js';
import {humanBytes} from '../../core/format/size.js';
import type {GraphStore} from '../../core/graph/store.js';
import type {LengthView} from '../../core/waste/growing.js';
import {ownerTypeName} from '../../core/waste/holders.js';
import {type Steps, stepUntil} from '../../core/waste/steps.js';
import {inspectWasteSteps, WASTE_PHASES, type WasteReport} from '../../core/waste/waste.js';
import type {Job} from './jobs.js';

/** Findings shown per kind. */
export const WASTE_ROWS_PER_KIND = 10;

export type WasteTarget =
	| {readonly kind: 'object'; readonly ordinal: number}
	| {readonly kind: 'type'; readonly typeId: number};

export type WasteRow = {
	readonly header: boolean;
	/** What the row costs (wasted or saveable bytes). */
	readonly bytes: number;
	readonly text: string;
	readonly target?: WasteTarget;
};

export type Waste = {
	readonly report: WasteReport;
	readonly rows: readonly WasteRow[];
};

function holder(store: GraphStore, ownerTypeId: number, edge: string | null): string {
	const owner = ownerTypeName(store, ownerTypeId);
	if (owner === null) {
		return '(no referrer)';
	}

	// Edge names come escaped from the core.
	return escapeControls(owner) + (edge === null ? '' : ` ${edge}`);
}

/**
 * The report as rows, `limit` findings per kind. A kind's row shows its
 * total (growing collections: the size now of those listed).
 */
export function wasteRows(store: GraphStore, report: WasteReport, limit = WASTE_ROWS_PER_KIND): WasteRow[] {
	const {duplicates, empty, instanceDicts, oversized} = report;
	const type = (typeId: number): string => escapeControls(store.typeNames[typeId] ?? '?');
	const rows: WasteRow[] = [{
		header: true,
		bytes: duplicates.wasted,
		text: `Duplicate strings: ${duplicates.duplicatedValues} values copied (fix: sys.intern, keep one copy)`,
	}];
	for (const entry of duplicates.top.slice(0, limit)) {
		const first = entry.holders[0];
		const value = reprValue(store, entry.ordinal, 40) ?? type(entry.typeId);
		rows.push({
			header: false,
			bytes: entry.wasted,
			text: `${value} x${entry.count}${first === undefined ? '' : ` in ${holder(store, first.ownerTypeId, first.edge)}`}`,
			target: {kind: 'object', ordinal: entry.ordinal},
		});
	}

	rows.push({
		header: true,
		bytes: empty.size,
		text: `Empty containers: ${empty.count} with 0 or 1 entries (fix: create on first entry)`,
	});
	for (const group of empty.groups.slice(0, limit)) {
		rows.push({
			header: false,
			bytes: group.size,
			text: `${group.count} ${type(group.typeId)} len ${group.length} in ${holder(store, group.ownerTypeId, group.edge)}`,
			target: group.ownerTypeId >= 0 ? {kind: 'type', typeId: group.ownerTypeId} : {kind: 'type', typeId: group.typeId},
		});
	}

	const saving = instanceDicts.filter(entry => entry.slotsSaving > 0);
	rows.push({
		header: true,
		bytes: saving.reduce((sum, entry) => sum + entry.slotsSaving, 0),
		text: `Per-instance dicts: ${saving.length} classes (fix: __slots__)`,
	});
	for (const entry of saving.slice(0, limit)) {
		rows.push({
			header: false,
			bytes: entry.slotsSaving,
			text: `${entry.count} ${type(entry.typeId)}, dicts ${humanBytes(entry.dictSize)}: __slots__ saves`,
			target: {kind: 'type', typeId: entry.typeId},
		});
	}

	rows.push({
		header: true,
		bytes: oversized.byType.reduce((sum, entry) => sum + entry.wasted, 0),
		text: `Oversized containers: ${oversized.byType.reduce((sum, entry) => sum + entry.count, 0)} (fix: build at final size, or copy)`,
	});
	for (const entry of oversized.top.slice(0, limit)) {
		rows.push({
			header: false,
			bytes: entry.wasted,
			text: `${type(store.objectType[entry.ordinal]!)} len ${entry.length}: ${humanBytes(entry.size)}, needs ${humanBytes(entry.needed)}`,
			target: {kind: 'object', ordinal: entry.ordinal},
		});
	}

	const {growing} = report;
	if (growing !== undefined) {
		const top = growing.top.slice(0, limit);
		rows.push({
			header: true,
			bytes: top.reduce((sum, entry) => sum + store.objectSize[entry.ordinal]!, 0),
			text: `Growing collections: ${growing.count} grew at every dump (fix: bound or clear them)`,
		});
		for (const entry of top) {
			rows.push({
				header: false,
				bytes: store.objectSize[entry.ordinal]!,
				text: `${type(store.objectType[entry.ordinal]!)} len ${entry.lengths.join(' > ')}`,
				target: {kind: 'object', ordinal: entry.ordinal},
			});
		}
	}

	return rows;
}

/**
 * inspectWaste in slices between key presses (its step form: the same
 * report), then the rows. `phase` says which inspection runs.
 */
export class WasteJob implements Job {
	result: Waste | undefined;
	/** The running inspection, as `empty containers (2/4)`. */
	phase = '';
	private readonly steps: Steps<WasteReport>;

	/** `older`: the older dumps' lengths, oldest first (none: no growing collections). */
	constructor(private readonly store: GraphStore, older: readonly LengthView[] = [], onPhase?: () => void) {
		const phases = older.length > 0 ? WASTE_PHASES.length : WASTE_PHASES.length - 1;
		this.steps = inspectWasteSteps(store, WASTE_ROWS_PER_KIND, older, phase => {
			this.phase = `${WASTE_PHASES[phase]!} (${phase + 1}/${phases})`;
			onPhase?.();
		});
	}

	step(deadline: number): boolean {
		const done = stepUntil(this.steps, deadline);
		if (done === undefined) {
			return false;
		}

		this.result = {report: done.value, rows: wasteRows(this.store, done.value)};
		return true;
	}
}
