/**
 * `meliae-tui path DUMP ADDRESS [--all N] [--skip-weak] [--skip-expensive]
 * [--json]`: why an object is alive: the shortest chain of references from
 * a root to it, root first, with the name of each reference (dict key,
 * attribute, index) where the dump tells it.
 */

import {findPaths, type PathOptions, type PathSearch, type ReferencePath} from '../core/analyses/paths.js';
import {reprObject} from '../core/format/repr.js';
import type {GraphStore} from '../core/graph/store.js';
import {stringifyJson} from '../core/util/json-out.js';
import {type Command, type CommandContext, EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_OK} from './context.js';
import {addressArgument, CommandExit, loadForCommand, objectAt, requireInput, withExit} from './load-for-command.js';

const USAGE = 'meliae-tui path DUMP ADDRESS [--all N] [--skip-weak] [--skip-expensive] [--json]';

export function allFlag(ctx: CommandContext): number {
	const all = ctx.flags['all'];
	if (all === undefined) {
		return 1;
	}

	if (typeof all !== 'number' || !Number.isInteger(all) || all < 1) {
		ctx.stderr.write('meliae-tui: --all must be a whole number, 1 or more\n');
		throw new CommandExit(EXIT_BAD_INPUT);
	}

	return all;
}

export function pathOptionsFrom(ctx: CommandContext): PathOptions {
	return {skipWeak: ctx.flags['skipWeak'] === true, skipExpensive: ctx.flags['skipExpensive'] === true};
}

export function pathJson(store: GraphStore, path: ReferencePath): Array<Record<string, unknown>> {
	return Array.from(path.ordinals, (ordinal, i) => ({
		address: store.objectAddress[ordinal],
		type: store.typeName(ordinal),
		edge: path.edges[i]?.text ?? null,
		size: store.objectSize[ordinal],
		name: store.valueKind(ordinal) === 'name' ? store.value(ordinal) : null,
	}));
}

const ROOT_DESCRIPTION = {
	'no-referrers': 'an object nothing in the dump references',
	'unreferenced-cycle': 'a cycle not reachable from any object in the dump (held from C, or garbage not yet collected)',
} as const;

/** The path as lines: the root's repr, then one line per reference: `  <edge> -> repr`. */
export function pathLines(store: GraphStore, path: ReferencePath, indent = ''): string[] {
	const lines = [`${indent}${reprObject(store, path.ordinals[0]!)}`];
	for (let i = 1; i < path.ordinals.length; i++) {
		const edge = path.edges[i];
		lines.push(`${indent}  ${edge === null || edge === undefined ? '' : edge.text + ' '}-> ${reprObject(store, path.ordinals[i]!)}`);
	}

	return lines;
}

export function describePath(path: ReferencePath): string {
	const steps = path.ordinals.length - 1;
	return `${steps} reference${steps === 1 ? '' : 's'} from ${ROOT_DESCRIPTION[path.rootKind]}`;
}

/** Search with the requested skips; without them when nothing is found, saying so on stderr. */
export function searchWithFallback(ctx: CommandContext, store: GraphStore, target: number, count: number, options: PathOptions): {search: PathSearch; skipped: boolean} {
	const search = findPaths(store, target, count, options);
	if (search.paths.length > 0 || (!options.skipWeak && !options.skipExpensive)) {
		return {search, skipped: options.skipWeak === true || options.skipExpensive === true};
	}

	ctx.stderr.write('meliae-tui: note: no path avoids the skipped references; showing paths through them\n');
	return {search: findPaths(store, target, count, {}), skipped: false};
}

export const main: Command = async ctx => withExit(async () => {
	requireInput(ctx, 2, USAGE);
	const address = addressArgument(ctx, 1);

	const count = allFlag(ctx);
	const options = pathOptionsFrom(ctx);
	const result = await loadForCommand(ctx, ctx.input[0]!);
	const {store} = result;
	const target = objectAt(ctx, result, address);

	const {search} = searchWithFallback(ctx, store, target, count, options);
	if (search.paths.length === 0) {
		ctx.stderr.write(`meliae-tui: no path to ${address} found\n`);
		return EXIT_NOT_FOUND;
	}

	if (ctx.flags['json'] === true) {
		ctx.stdout.write(stringifyJson({
			file: result.file,
			address,
			root: search.paths[0]!.rootKind,
			path: pathJson(store, search.paths[0]!),
			paths: search.paths.map(path => ({root: path.rootKind, path: pathJson(store, path)})),
		}) + '\n');
		return EXIT_OK;
	}

	const lines: string[] = [];
	for (const [i, path] of search.paths.entries()) {
		if (i > 0) {
			lines.push('');
		}

		const heading = search.paths.length > 1 || count > 1
			? `path ${i + 1} of ${search.paths.length}: ${describePath(path)}`
			: describePath(path);
		lines.push(heading + ':');
		// One line per step: a spread of a million arguments overflows the stack.
		for (const line of pathLines(store, path)) {
			lines.push(line);
		}
	}

	if (count > search.paths.length && count > 1) {
		lines.push('', `(${search.paths.length === 1 ? 'only one path' : `only ${search.paths.length} paths`} through different referrers)`);
	}

	ctx.stdout.write(lines.join('\n') + '\n');
	return EXIT_OK;
});
