/**
 * `meliae-tui show DUMP ADDRESS [--json] [--limit N]`: one object in
 * meliae's repr form, with its value, retained size and dominator,
 * children, parents (with how each holds it) and, for dicts and collapsed
 * instances, its refs_as_dict view.
 */

import {allocatedAt, allocSitesOf, frameText, framesJson} from '../core/alloc/sites.js';
import {dictLayout, VALUES_ONLY_NOTE} from '../core/analyses/dict-layout.js';
import {dictEntryCount, type RefValue, refsAsDict} from '../core/analyses/objects.js';
import {edgeName} from '../core/analyses/paths.js';
import {walkReachable} from '../core/analyses/reachable.js';
import {hexAddress} from '../core/format/address.js';
import {escapeControls} from '../core/format/escape.js';
import {formatRefValue} from '../core/format/ref-value.js';
import {reprObject, reprTarget, reprValue} from '../core/format/repr.js';
import {meliaeSize} from '../core/format/size.js';
import {FLAG_COLLAPSED, NO_OBJECT} from '../core/graph/layout.js';
import type {GraphStore} from '../core/graph/store.js';
import {savedDominanceOf} from '../core/index/persisted.js';
import {type RawNumber, stringifyJson, tokenToJson} from '../core/util/json-out.js';
import {type Command, EXIT_OK} from './context.js';
import {addressArgument, loadForCommand, objectAt, requireInput, withExit} from './load-for-command.js';
import {limitFlag} from './summarize.js';
import {dominatorsForCommand} from './top.js';

const USAGE = 'meliae-tui show DUMP ADDRESS [--json] [--limit N]';
/** The value line shows this many characters at most (a hostile dump's value may be 1 MiB). */
const SHOWN_VALUE_CHARS = 4096;

/** Whether refs_as_dict makes sense for this object. */
export function isDictLike(store: GraphStore, ordinal: number): boolean {
	const type = store.typeName(ordinal);
	return type === 'dict' || (store.objectFlags[ordinal]! & FLAG_COLLAPSED) !== 0;
}

/** One side of a refs_as_dict entry as JSON: a scalar's value, else the object's address. */
function refJson(store: GraphStore, item: RefValue): string | number | boolean | RawNumber | null {
	switch (item.kind) {
		case 'value': {
			return item.token ? tokenToJson(item.text) : item.text;
		}

		case 'none': {
			return null;
		}

		case 'bool': {
			return item.value;
		}

		case 'missing': {
			return store.targetAddress(item.target);
		}

		case 'no-key': {
			return null;
		}

		case 'object': {
			return store.objectAddress[item.target]!;
		}
	}
}

/** A JSON object key: a key's text (a str key as itself, an int as its digits), else the object's address. */
function keyJson(store: GraphStore, item: RefValue): string {
	const value = refJson(store, item);
	return typeof value === 'object' && value !== null ? value.digits : String(value);
}

/**
 * refs_as_dict as a JSON object, `{"key": value or address}`. Built without
 * a prototype, so a key such as `__proto__` is an ordinary key.
 */
export function refsAsDictJson(store: GraphStore, ordinal: number): Record<string, unknown> {
	const result = Object.create(null) as Record<string, unknown>;
	for (const entry of refsAsDict(store, ordinal)) {
		result[keyJson(store, entry.key)] = refJson(store, entry.value);
	}

	return result;
}

/**
 * `refs_as_dict`, or for a dict whose refs hold only its values (the dump
 * has no keys: see dict-layout) `dict_values`, never a made-up mapping.
 */
function dictJson(store: GraphStore, ordinal: number): Record<string, unknown> {
	if (dictLayout(store, ordinal) === 'values') {
		return {dict_values: refsAsDict(store, ordinal).map(entry => refJson(store, entry.value))};
	}

	return {refs_as_dict: refsAsDictJson(store, ordinal)};
}

/** `allocated_at` when the dump has allocation sites: the frames, or null for an object without one. */
function allocatedAtJson(store: GraphStore, ordinal: number): Record<string, unknown> {
	if (allocSitesOf(store) === undefined) {
		return {};
	}

	const frames = allocatedAt(store, ordinal);
	return {allocated_at: frames === undefined ? null : framesJson(frames)};
}

/** One object's immediate dominator (NO_OBJECT for none) and retained size. */
export type Dominance = {idom: number; retainedSize: number};

export function showJson(store: GraphStore, ordinal: number, totalSize: number, dominance?: Dominance): Record<string, unknown> {
	const kind = store.valueKind(ordinal);
	const value = store.value(ordinal);
	const children: unknown[] = [];
	for (let e = store.firstChild[ordinal]!; e < store.firstChild[ordinal + 1]!; e++) {
		children.push(store.targetAddress(store.childTargets[e]!));
	}

	const parents = Array.from(store.parentsOf(ordinal), parent => store.objectAddress[parent]!);

	return {
		address: store.objectAddress[ordinal],
		type: store.typeName(ordinal),
		size: store.objectSize[ordinal],
		len: store.length(ordinal) ?? null,
		value: kind === 'string' ? value : (kind === 'token' ? tokenToJson(value!) : null),
		name: kind === 'name' ? value : null,
		children,
		parents,
		total_size: totalSize,
		...(dominance === undefined ? {} : {
			retained_size: dominance.retainedSize,
			dominator: dominance.idom === NO_OBJECT ? null : store.objectAddress[dominance.idom],
		}),
		...(isDictLike(store, ordinal) ? dictJson(store, ordinal) : {}),
		...allocatedAtJson(store, ordinal),
	};
}

export function showText(store: GraphStore, ordinal: number, totalSize: number, reached: number, limit: number, dominance?: Dominance): string {
	const lines: string[] = [];
	const address = store.objectAddress[ordinal]!;
	lines.push(reprObject(store, ordinal, {totalSize}));
	lines.push(`address  ${address} (${hexAddress(address)})`);
	lines.push(`type     ${escapeControls(store.typeName(ordinal))}`);
	lines.push(`size     ${store.objectSize[ordinal]} bytes; reachable ${meliaeSize(totalSize)} (${totalSize} bytes in ${reached} objects)`);
	if (dominance !== undefined) {
		const retained = dominance.retainedSize;
		const {idom} = dominance;
		lines.push(`retained ${meliaeSize(retained)} (${retained} bytes): freed with this object`);
		lines.push(`dominator ${idom === NO_OBJECT ? 'none: held from the roots directly, or from several' : reprObject(store, idom)}`);
	}

	const length = store.length(ordinal);
	if (length !== undefined) {
		lines.push(`len      ${length}`);
	}

	const kind = store.valueKind(ordinal);
	if (kind !== 'none') {
		const characters = store.value(ordinal)!.length;
		const cut = characters > SHOWN_VALUE_CHARS ? ` (${characters} characters; --json has them all)` : '';
		lines.push(`${kind === 'name' ? 'name ' : 'value'}    ${reprValue(store, ordinal, SHOWN_VALUE_CHARS)!}${cut}`);
	}

	if (allocSitesOf(store) !== undefined) {
		const frames = allocatedAt(store, ordinal);
		if (frames === undefined) {
			lines.push('allocated at: unknown (no tracemalloc traceback)');
		} else {
			lines.push(`allocated at ${escapeControls(frameText(frames[0]!))}`);
			for (const frame of frames.slice(1)) {
				lines.push(`  called from ${escapeControls(frameText(frame))}`);
			}
		}
	}

	const more = (total: number): void => {
		if (total > limit) {
			lines.push(`  ... ${total - limit} more`);
		}
	};

	const childCount = store.childCount(ordinal);
	lines.push(`children (${childCount}):`);
	const firstChild = store.firstChild[ordinal]!;
	for (let k = 0; k < Math.min(childCount, limit); k++) {
		lines.push(`  ${reprTarget(store, store.childTargets[firstChild + k]!)}`);
	}

	more(childCount);
	const parents = store.parentsOf(ordinal);
	const parentCount = parents.length;
	lines.push(`parents (${parentCount}):`);
	for (let k = 0; k < Math.min(parentCount, limit); k++) {
		// How the parent holds it, as the explorer says it: ['key'], .attribute, [index].
		const parent = parents[k]!;
		const label = edgeName(store, parent, ordinal)?.text;
		lines.push(`  ${label === undefined ? '' : `${label} in `}${reprObject(store, parent)}`);
	}

	more(parentCount);
	if (isDictLike(store, ordinal)) {
		const entries = refsAsDict(store, ordinal, limit + 1);
		const total = dictEntryCount(store, ordinal);
		const valuesOnly = dictLayout(store, ordinal) === 'values';
		lines.push(valuesOnly ? `dict values (${total}; ${VALUES_ONLY_NOTE}):` : `as dict (${total} entries):`);
		for (const entry of entries.slice(0, limit)) {
			lines.push(valuesOnly ? `  ${formatRefValue(store, entry.value)}` : `  ${formatRefValue(store, entry.key)}: ${formatRefValue(store, entry.value)}`);
		}

		more(total);
	}

	return lines.join('\n');
}

export const main: Command = async ctx => withExit(async () => {
	requireInput(ctx, 2, USAGE);
	const address = addressArgument(ctx, 1);

	const limit = limitFlag(ctx, 100);
	const result = await loadForCommand(ctx, ctx.input[0]!);
	const {store} = result;
	const ordinal = objectAt(ctx, result, address);

	const reach = walkReachable(store, ordinal);
	// Saved with the dump's index: this object's alone, not the whole dominators.
	let dominance = savedDominanceOf(store, ordinal);
	if (dominance === undefined) {
		const dominators = await dominatorsForCommand(ctx, store);
		dominance = {idom: dominators.idom[ordinal]!, retainedSize: dominators.retainedSize[ordinal]!};
	}

	if (ctx.flags['json'] === true) {
		ctx.stdout.write(stringifyJson(showJson(store, ordinal, reach.totalSize, dominance)) + '\n');
	} else {
		ctx.stdout.write(showText(store, ordinal, reach.totalSize, reach.order.length, limit, dominance) + '\n');
	}

	return EXIT_OK;
});
