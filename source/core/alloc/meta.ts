/**
 * What a dump's `.meta.json` says about allocation sites: the dumper
 * records whether tracemalloc was tracing and whether it wrote the sidecar.
 */

import {readFileSync} from 'node:fs';

export const NO_TRACEMALLOC_NOTE = 'note: no allocation sites: the process was not tracing allocations (start it with meliae-tui run --tracemalloc, or PYTHONTRACEMALLOC=1)';
export const STAGED_NOTE = 'note: no allocation sites: the process traces allocations, but they are only written beside a dump the target writes in place (--stage direct)';

/** The note to print once after a dump, or undefined (sites written, or the meta cannot be read). */
export function allocationNote(dump: string): string | undefined {
	let meta: {tracemalloc?: {tracing?: unknown; sidecar?: unknown}};
	try {
		meta = JSON.parse(readFileSync(`${dump}.meta.json`, 'utf8')) as typeof meta;
	} catch {
		return undefined;
	}

	const tracemalloc = meta.tracemalloc;
	if (typeof tracemalloc !== 'object' || tracemalloc === null) {
		return undefined; // an older dumper
	}

	if (tracemalloc.tracing === false) {
		return NO_TRACEMALLOC_NOTE;
	}

	return typeof tracemalloc.sidecar === 'string' ? undefined : STAGED_NOTE;
}
