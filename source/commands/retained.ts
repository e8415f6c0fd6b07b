/**
 * `meliae-tui retained DUMP ADDRESS [--depth N] [--limit N] [--json]`: what
 * an object keeps alive: its dominator subtree (the objects it dominates,
 * largest retained size first, `--depth` levels, `--limit` per object) and
 * its retained set grouped by type.
 */

import {dominatedBy, dominatedCount, largestOf} from '../core/analyses/dominator-tree.js';
import {retainedSetByType} from '../core/analyses/retained-set.js';
import {edgeName} from '../core/analyses/paths.js';
import type {Dominators} from '../core/analyses/dominators.js';
import {displayFormatted, escapeControls} from '../core/format/escape.js';
import {padLeft} from '../core/format/python.js';
import {reprObject} from '../core/format/repr.js';
import {humanBytes} from '../core/format/size.js';
import type {GraphStore} from '../core/graph/store.js';
import {stringifyJson} from '../core/util/json-out.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_OK} from './context.js';
import {addressArgument, CommandExit, loadForCommand, objectAt, requireInput, withExit} from './load-for-command.js';
import {limitFlag} from './summarize.js';
import {dominatorsForCommand} from './top.js';

const USAGE = 'meliae-tui retained DUMP ADDRESS [--depth N] [--limit N] [--json]';
/** Characters of a value shown in a repr. */
const SHOWN_VALUE_CHARS = 40;

export function depthFlag(ctx: CommandContext): number {
	const depth = ctx.flags['depth'];
	if (depth === undefined) {
		return 1;
	}

	if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 0) {
		ctx.stderr.write('meliae-tui: --depth must be a whole number, 0 or more\n');
		throw new CommandExit(EXIT_BAD_INPUT);
	}

	return depth;
}

/** The name of the reference from a dominator to an object it dominates, when it refers to it directly. */
function dominatedEdge(store: GraphStore, dominator: number, ordinal: number): string | null {
	return edgeName(store, dominator, ordinal)?.text ?? null;
}

type Node = {
	address: number;
	type: string;
	edge: string | null;
	size: number;
	retained_size: number;
	children?: Node[];
	more?: number;
};

/** The `limit` objects `ordinal` immediately dominates that retain the most, largest first. */
function dominatedByRetained(dominators: Dominators, ordinal: number, limit: number): Uint32Array {
	const list = dominatedBy(dominators, ordinal);
	return largestOf(list, dominators.retainedSize, Math.min(limit, list.length));
}

function subtreeJson(store: GraphStore, dominators: Dominators, ordinal: number, depth: number, limit: number): Pick<Node, 'children' | 'more'> {
	if (depth === 0) {
		return {};
	}

	const shown = dominatedByRetained(dominators, ordinal, limit);
	return {
		children: Array.from(shown, child => ({
			address: store.objectAddress[child]!,
			type: store.typeName(child),
			edge: dominatedEdge(store, ordinal, child),
			size: store.objectSize[child]!,
			retained_size: dominators.retainedSize[child]!,
			...subtreeJson(store, dominators, child, depth - 1, limit),
		})),
		more: dominatedCount(dominators, ordinal) - shown.length,
	};
}

function subtreeLines(store: GraphStore, dominators: Dominators, ordinal: number, depth: number, limit: number, indent: string, lines: string[]): void {
	if (depth === 0) {
		return;
	}

	const shown = dominatedByRetained(dominators, ordinal, limit);
	const count = dominatedCount(dominators, ordinal);
	const total = dominators.totalSize;
	for (const child of shown) {
		const edge = dominatedEdge(store, ordinal, child);
		const share = total === 0 ? 0 : Math.floor(dominators.retainedSize[child]! * 100 / total);
		lines.push(padLeft(humanBytes(dominators.retainedSize[child]!), 11) + padLeft(String(share), 4) + `  ${indent}${edge === null ? '' : displayFormatted(edge) + ' '}${reprObject(store, child, {maxValueChars: SHOWN_VALUE_CHARS})}`);
		subtreeLines(store, dominators, child, depth - 1, limit, indent + '  ', lines);
	}

	if (count > shown.length) {
		lines.push(`${' '.repeat(17)}${indent}(${count - shown.length} more)`);
	}
}

export const main: Command = async ctx => withExit(async () => {
	requireInput(ctx, 2, USAGE);
	const address = addressArgument(ctx, 1);
	const depth = depthFlag(ctx);
	const limit = limitFlag(ctx, 20);
	const result = await loadForCommand(ctx, ctx.input[0]!);
	const {store} = result;
	const ordinal = objectAt(ctx, result, address);
	const dominators = await dominatorsForCommand(ctx, store);
	const byType = retainedSetByType(store, dominators, ordinal).types;
	if (ctx.flags['json'] === true) {
		ctx.stdout.write(stringifyJson({
			file: result.file,
			address,
			type: store.typeName(ordinal),
			size: store.objectSize[ordinal],
			retained_size: dominators.retainedSize[ordinal],
			total_size: dominators.totalSize,
			depth,
			...subtreeJson(store, dominators, ordinal, depth, limit),
			by_type: byType.slice(0, limit).map(entry => ({type: entry.type, count: entry.count, size: entry.size})),
			by_type_count: byType.length,
		}) + '\n');
		return EXIT_OK;
	}

	const retained = dominators.retainedSize[ordinal]!;
	const objects = byType.reduce((sum, entry) => sum + entry.count, 0);
	const lines = [
		`${reprObject(store, ordinal, {maxValueChars: SHOWN_VALUE_CHARS})} retains ${humanBytes(retained)} (${retained} bytes, ${objects} objects with itself).`,
		`What it keeps alive (dominator tree, ${depth} level${depth === 1 ? '' : 's'}, largest first):`,
		'   Retained   %  Object',
	];
	subtreeLines(store, dominators, ordinal, depth, limit, '', lines);
	lines.push('', 'Retained set by type:', '       Size   Count  Type');
	for (const entry of byType.slice(0, limit)) {
		lines.push(padLeft(humanBytes(entry.size), 11) + padLeft(String(entry.count), 8) + `  ${escapeControls(entry.type)}`);
	}

	if (byType.length > limit) {
		lines.push(`(${byType.length - limit} more types)`);
	}

	ctx.stdout.write(lines.join('\n') + '\n');
	return EXIT_OK;
});
