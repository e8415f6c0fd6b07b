/**
 * `meliae-tui waste DUMP... [--keep-order] [--limit N] [--json]`: memory a program
 * wastes without leaking, in the newest dump: duplicate strings, empty and
 * nearly empty containers, per-instance dicts (what `__slots__` would
 * save), oversized lists and dicts; given older dumps (oldest first, the
 * rule of common/dump-order.ts), the containers whose `len` grew at every
 * dump, with their path from a root. Each finding says how many bytes it
 * costs and what would save them. The rules are in core/waste/.
 */

import {findPath} from '../core/analyses/paths.js';
import {displayFormatted, escapeControls} from '../core/format/escape.js';
import {padLeft} from '../core/format/python.js';
import {reprObject, reprValue} from '../core/format/repr.js';
import {humanBytes} from '../core/format/size.js';
import type {GraphStore} from '../core/graph/store.js';
import {stringifyJson} from '../core/util/json-out.js';
import {orderDumps} from '../common/dump-order.js';
import {DUMP_VALUE_CHARS} from '../core/waste/duplicates.js';
import {NEARLY_EMPTY} from '../core/waste/empty-containers.js';
import {type LengthView, lengthView} from '../core/waste/growing.js';
import {ownerTypeName} from '../core/waste/holders.js';
import {SLOT_BYTES, SLOTTED_HEADER} from '../core/waste/instance-dicts.js';
import {DICT_RATIO} from '../core/waste/oversized.js';
import {inspectWaste, type WasteReport} from '../core/waste/waste.js';
import {type Command, EXIT_OK} from './context.js';
import {loadForCommand, requireInput, withExit} from './load-for-command.js';
import {pathJson, pathLines} from './path.js';
import {limitFlag} from './summarize.js';
import {dumpArguments} from './trend.js';

const USAGE = 'meliae-tui waste DUMP... [--keep-order] [--limit N] [--json]';
/** Characters of a duplicated value shown in text. */
const SHOWN_VALUE_CHARS = 60;

function typeOrNull(store: GraphStore, typeId: number): string | null {
	return ownerTypeName(store, typeId);
}

export function wasteJson(store: GraphStore, report: WasteReport, limit: number): Record<string, unknown> {
	const {duplicates, empty, instanceDicts, oversized, growing} = report;
	return {
		duplicate_strings: duplicates.top.map(entry => ({
			value: store.value(entry.ordinal),
			type: store.typeNames[entry.typeId],
			count: entry.count,
			size: entry.size,
			wasted: entry.wasted,
			example: store.objectAddress[entry.ordinal],
			holders: entry.holders.map(holder => ({owner: typeOrNull(store, holder.ownerTypeId), edge: holder.edge, count: holder.count, size: holder.size})),
		})),
		duplicate_strings_total: {values: duplicates.duplicatedValues, wasted: duplicates.wasted, not_compared: duplicates.notCompared},
		empty_containers: empty.groups.slice(0, limit).map(group => ({
			type: store.typeNames[group.typeId],
			len: group.length,
			owner: typeOrNull(store, group.ownerTypeId),
			edge: group.edge,
			count: group.count,
			size: group.size,
		})),
		empty_containers_total: {count: empty.count, size: empty.size},
		instance_dicts: instanceDicts.slice(0, limit).map(entry => ({
			type: store.typeNames[entry.typeId],
			count: entry.count,
			instance_size: entry.instanceSize,
			dict_size: entry.dictSize,
			attributes: entry.attributes,
			slotted_size: entry.slottedSize,
			slots_saving: entry.slotsSaving,
		})),
		oversized: oversized.top.map(entry => ({
			address: store.objectAddress[entry.ordinal],
			type: store.typeName(entry.ordinal),
			len: entry.length,
			size: entry.size,
			needed: entry.needed,
			wasted: entry.wasted,
		})),
		oversized_total: oversized.byType.map(entry => ({type: store.typeNames[entry.typeId], count: entry.count, wasted: entry.wasted})),
		// Empty with one dump (growth needs older dumps): `dumps` says how many were read.
		growing_collections: growing === undefined
			? []
			: growing.top.map(entry => {
				const path = findPath(store, entry.ordinal);
				return {
					address: store.objectAddress[entry.ordinal],
					type: store.typeName(entry.ordinal),
					lens: entry.lengths,
					size: store.objectSize[entry.ordinal],
					path: path === undefined ? null : pathJson(store, path),
				};
			}),
	};
}

function row(bytes: number, count: number, rest: string): string {
	return padLeft(humanBytes(bytes), 11) + padLeft(String(count), 8) + '  ' + rest;
}

function holderText(store: GraphStore, ownerTypeId: number, edge: string | null): string {
	const owner = typeOrNull(store, ownerTypeId);
	if (owner === null) {
		return '(nothing in the dump refers to it)';
	}

	// Edge names come escaped from the core; displayFormatted keeps them ASCII in an ASCII locale.
	return escapeControls(owner) + (edge === null ? '' : ` ${displayFormatted(edge)}`);
}

/** One line per kind: its total and its top finding (the report's waste section). */
export function wasteHeadlines(store: GraphStore, report: WasteReport): string[] {
	const {duplicates, empty, instanceDicts, oversized} = report;
	const lines: string[] = [];
	const duplicate = duplicates.top[0];
	lines.push(`duplicate strings: ${humanBytes(duplicates.wasted)} in copies of ${duplicates.duplicatedValues} values`
		+ (duplicate === undefined ? '' : `; most: ${reprValue(store, duplicate.ordinal, 40) ?? ''} x${duplicate.count} (${humanBytes(duplicate.wasted)})`
			+ (duplicate.holders[0] === undefined ? '' : ` in ${holderText(store, duplicate.holders[0].ownerTypeId, duplicate.holders[0].edge)}`)));
	const group = empty.groups[0];
	lines.push(`empty containers: ${humanBytes(empty.size)} in ${empty.count} dicts, lists and sets of 0 or 1 entries`
		+ (group === undefined ? '' : `; most: ${group.count} ${escapeControls(store.typeNames[group.typeId]!)} len ${group.length} in ${holderText(store, group.ownerTypeId, group.edge)} (${humanBytes(group.size)})`));
	const dicts = instanceDicts[0];
	lines.push(dicts === undefined || dicts.slotsSaving <= 0
		? 'per-instance dicts: none that __slots__ would shrink'
		: `per-instance dicts: __slots__ would save ${humanBytes(dicts.slotsSaving)} on ${dicts.count} ${escapeControls(store.typeNames[dicts.typeId]!)} instances`);
	const big = oversized.top[0];
	const wasted = oversized.byType.reduce((sum, entry) => sum + entry.wasted, 0);
	lines.push(`oversized containers: ${humanBytes(wasted)} unused`
		+ (big === undefined ? '' : `; most: ${reprObject(store, big.ordinal, {maxValueChars: 40})} len ${big.length} (${humanBytes(big.wasted)})`));
	return lines;
}

/** The findings as text, `limit` rows per kind. */
export function wasteLines(store: GraphStore, report: WasteReport, limit: number): string[] {
	const {duplicates, empty, instanceDicts, oversized, growing} = report;
	const lines: string[] = [];
	lines.push(
		`Duplicate strings: ${humanBytes(duplicates.wasted)} in the copies (beyond the first) of ${duplicates.duplicatedValues} values.`,
		`  Only values of at most ${DUMP_VALUE_CHARS} characters (all a dump keeps) are compared`
			+ (duplicates.notCompared > 0 ? `;\n  ${duplicates.notCompared} longer strings were not.` : '.'),
		'  Fix: keep one copy (sys.intern, or a dict of canonical values).',
		'     Wasted  Copies  Value, then who holds the copies',
	);
	for (const entry of duplicates.top.slice(0, limit)) {
		lines.push(row(entry.wasted, entry.count, reprValue(store, entry.ordinal, SHOWN_VALUE_CHARS) ?? ''));
		for (const holder of entry.holders) {
			lines.push(`${' '.repeat(21)}${holder.count} in ${holderText(store, holder.ownerTypeId, holder.edge)}`);
		}
	}

	lines.push(
		'',
		`Empty and nearly empty containers: ${humanBytes(empty.size)} in ${empty.count} dicts, lists`,
		`  and sets with 0 to ${NEARLY_EMPTY} entries.`,
		'  Fix: create the container when its first entry arrives (None until then).',
		'       Size   Count  Container, held by',
	);
	for (const group of empty.groups.slice(0, limit)) {
		lines.push(row(group.size, group.count, `${escapeControls(store.typeNames[group.typeId]!)} len ${group.length}, in ${holderText(store, group.ownerTypeId, group.edge)}`));
	}

	const saving = instanceDicts.reduce((sum, entry) => sum + Math.max(0, entry.slotsSaving), 0);
	lines.push(
		'',
		`Per-instance dicts: __slots__ would save ${humanBytes(saving)} in ${instanceDicts.length} classes.`,
		'  Saving = instances + their __dict__s - instances x (32 + 8 x attributes)'.replace('32', String(SLOTTED_HEADER)).replace('8 x', `${SLOT_BYTES} x`),
		'  (CPython 3, 64 bits: object and collector headers, a pointer per slot).',
		'  Fix: __slots__ on the class (a dataclass: slots=True).',
		'     Saving  Instances  Class (its dicts now)',
	);
	for (const entry of instanceDicts.filter(entry => entry.slotsSaving > 0).slice(0, limit)) {
		lines.push(padLeft(humanBytes(entry.slotsSaving), 11) + padLeft(String(entry.count), 11) + `  ${escapeControls(store.typeNames[entry.typeId]!)} (${humanBytes(entry.dictSize)})`);
	}

	const oversizedWaste = oversized.byType.reduce((sum, entry) => sum + entry.wasted, 0);
	const oversizedCount = oversized.byType.reduce((sum, entry) => sum + entry.count, 0);
	lines.push(
		'',
		`Oversized containers: ${humanBytes(oversizedWaste)} unused in ${oversizedCount} lists and dicts.`,
		`  A list needs ${oversized.listHeader} + 8 x len bytes; listed with more than len/2 + 8 slots unused.`,
		'  A dict needs what the smallest dict of its len in this dump takes;',
		`  listed at ${DICT_RATIO} times that or more.`,
		'  Fix: copy it once it has shrunk (list(x), dict(x)).',
		'     Wasted     Len  Object',
	);
	for (const entry of oversized.top.slice(0, limit)) {
		lines.push(row(entry.wasted, entry.length, reprObject(store, entry.ordinal, {maxValueChars: SHOWN_VALUE_CHARS})));
	}

	if (growing !== undefined) {
		lines.push(
			'',
			`Growing collections: ${growing.count} containers (same address and type)`,
			'  whose len grew at every dump.',
			'  Fix: bound them (an eviction rule, maxlen), or stop what adds to them.',
		);
		for (const entry of growing.top.slice(0, limit)) {
			const path = findPath(store, entry.ordinal);
			if (path === undefined) {
				lines.push(`  len ${entry.lengths.join(' -> ')}: ${reprObject(store, entry.ordinal, {maxValueChars: SHOWN_VALUE_CHARS})}`);
			} else {
				lines.push(`  len ${entry.lengths.join(' -> ')}, from a root:`, ...pathLines(store, path, '    '));
			}
		}
	}

	return lines;
}

export const main: Command = async ctx => withExit(async () => {
	requireInput(ctx, 1, USAGE);
	const limit = limitFlag(ctx, 10);
	const {dumps, warning} = orderDumps(dumpArguments(ctx.input), ctx.flags['keepOrder'] === true);
	if (warning !== undefined) {
		ctx.stderr.write(`meliae-tui: ${warning}\n`);
	}

	// Older dumps: only their types and lengths by address are kept.
	const older: LengthView[] = [];
	for (const dump of dumps.slice(0, -1)) {
		// eslint-disable-next-line no-await-in-loop
		const {store} = await loadForCommand(ctx, dump.file, {keepThreads: true});
		older.push(lengthView(store));
	}

	const result = await loadForCommand(ctx, dumps.at(-1)!.file);
	const {store} = result;
	const report = inspectWaste(store, limit, older);
	if (ctx.flags['json'] === true) {
		ctx.stdout.write(stringifyJson({
			file: result.file,
			files: dumps.map(dump => dump.file),
			dumps: dumps.length,
			total_count: store.objectCount,
			...wasteJson(store, report, limit),
		}) + '\n');
		return EXIT_OK;
	}

	const lines = [
		`Waste in ${escapeControls(result.file)} (${store.objectCount} objects)${older.length > 0 ? `, growth over ${dumps.length} dumps` : ''}:`,
		'',
		...wasteLines(store, report, limit),
	];
	ctx.stdout.write(lines.join('\n') + '\n');
	return EXIT_OK;
});
