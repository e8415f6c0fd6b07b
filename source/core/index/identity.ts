/**
 * What an index is keyed by, and where it lives.
 *
 * Key: the dump's size and modification time (nanoseconds), a SHA-256 of
 * its first and last MiB, and the loader options that change the store.
 * The format version is checked separately (the file's fixed header).
 *
 * Place: beside the dump (`DUMP.mtui-index`), else in the cache directory
 * (`$XDG_CACHE_HOME/meliae-tui`, default `~/.cache/meliae-tui`) under a name
 * made from the dump's real path, or in the directory given by --index-dir.
 * Options that change the store are in the name too, so loads with and
 * without --no-collapse keep an index each instead of replacing each other.
 */

import {createHash} from 'node:crypto';
import {closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync} from 'node:fs';
import {homedir} from 'node:os';
import {basename, isAbsolute, join} from 'node:path';

export const INDEX_SUFFIX = '.mtui-index';

const MIB = 1024 * 1024;

export type IndexOptions = {
	collapse: boolean;
	removeExpensive: boolean;
};

export type DumpIdentity = {
	readonly size: number;
	/** Modification time in nanoseconds, as decimal text. */
	readonly mtimeNs: string;
	/** Hex SHA-256 of the size, the first and the last MiB. */
	readonly hash: string;
	readonly collapse: boolean;
	readonly removeExpensive: boolean;
};

function readAt(fd: number, length: number, position: number): Buffer {
	const buffer = Buffer.alloc(length);
	let done = 0;
	while (done < length) {
		const got = readSync(fd, buffer, done, length - done, position + done);
		if (got === 0) {
			break;
		}

		done += got;
	}

	return buffer.subarray(0, done);
}

/**
 * The identity of a regular file; undefined for standard input, pipes,
 * devices and anything that cannot be read (its load will say why).
 */
export function identifyDump(file: string, options: IndexOptions): DumpIdentity | undefined {
	if (file === '-') {
		return undefined;
	}

	let fd: number;
	try {
		// Nothing is read from a pipe or device (its bytes are the load's),
		// and opening one must not wait for a writer.
		if (!statSync(file).isFile()) {
			return undefined;
		}

		fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
	} catch {
		return undefined;
	}

	try {
		const stat = fstatSync(fd, {bigint: true});
		if (!stat.isFile()) {
			return undefined;
		}

		const size = Number(stat.size);
		const hash = createHash('sha256');
		hash.update(String(size));
		hash.update(readAt(fd, Math.min(MIB, size), 0));
		hash.update(readAt(fd, Math.min(MIB, size), Math.max(0, size - MIB)));
		return {
			size,
			mtimeNs: String(stat.mtimeNs),
			hash: hash.digest('hex'),
			collapse: options.collapse,
			removeExpensive: options.removeExpensive,
		};
	} catch {
		return undefined;
	} finally {
		closeSync(fd);
	}
}

/** Whether two identities name the same dump read the same way. */
export function sameIdentity(a: DumpIdentity, b: DumpIdentity): boolean {
	return a.size === b.size && a.mtimeNs === b.mtimeNs && a.hash === b.hash
		&& a.collapse === b.collapse && a.removeExpensive === b.removeExpensive;
}

/** Whether the dump's size and time still match (it was not modified while being read). */
export function unchangedSince(file: string, identity: DumpIdentity): boolean {
	try {
		const stat = statSync(file, {bigint: true});
		return Number(stat.size) === identity.size && String(stat.mtimeNs) === identity.mtimeNs;
	} catch {
		return false;
	}
}

/** `$XDG_CACHE_HOME/meliae-tui` (when absolute, as the spec asks), else `~/.cache/meliae-tui`. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
	const xdg = env['XDG_CACHE_HOME'];
	const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
	return join(base, 'meliae-tui');
}

function optionsPart(options: IndexOptions): string {
	return (options.collapse ? '' : '.no-collapse') + (options.removeExpensive ? '.remove-expensive' : '');
}

/** The index's name in a directory that is not the dump's own: the base name and a hash of the real path. */
function sharedName(file: string, options: IndexOptions): string {
	let real = file;
	try {
		real = realpathSync(file);
	} catch {}

	const digest = createHash('sha256').update(real).digest('hex').slice(0, 16);
	return `${basename(file)}-${digest}${optionsPart(options)}${INDEX_SUFFIX}`;
}

/**
 * Where the index of `file` may be, in the order to try: with an index
 * directory, only there; otherwise beside the dump, then the cache.
 */
export function indexCandidates(file: string, options: IndexOptions, indexDir?: string, env: NodeJS.ProcessEnv = process.env): string[] {
	if (indexDir !== undefined) {
		return [join(indexDir, sharedName(file, options))];
	}

	return [`${file}${optionsPart(options)}${INDEX_SUFFIX}`, join(cacheDirectory(env), sharedName(file, options))];
}
