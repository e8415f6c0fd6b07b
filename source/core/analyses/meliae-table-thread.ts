/**
 * meliae's object table made on a thread of its own: the loader starts it
 * before collapse (the table depends only on the addresses, in dump order,
 * of every object before collapse) and takes it after, so that on a
 * machine with an idle core replaying meliae's table costs no time on the
 * loading thread.
 */

import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';

const workerUrl = new URL('meliae-table-worker.js', import.meta.url);

export type ObjectTableJob = {
	/** The table, or undefined when the thread failed (make it on this thread then). */
	readonly table: Promise<Uint32Array | undefined>;
	/** Stop the thread if it is still working. */
	stop(): void;
};

/** Whether the compiled worker file exists (not when running from TypeScript sources). */
function available(): boolean {
	try {
		return existsSync(fileURLToPath(workerUrl));
	} catch {
		return false;
	}
}

/** Start making the table for `hashes` (transferred: unusable here afterwards), or undefined when no thread can. */
export function startObjectTable(hashes: Uint32Array): ObjectTableJob | undefined {
	if (!available()) {
		return undefined;
	}

	const worker = new Worker(workerUrl);
	// Never what keeps the process alive.
	worker.unref();
	let settled = false;
	let resolveTable: (value: Uint32Array | undefined) => void = () => undefined;
	const table = new Promise<Uint32Array | undefined>(resolve => {
		resolveTable = resolve;
	});
	const done = (value: Uint32Array | undefined): void => {
		if (!settled) {
			settled = true;
			resolveTable(value);
			void worker.terminate();
		}
	};

	worker.once('message', (value: unknown) => {
		done(value instanceof Uint32Array ? value : undefined);
	});
	worker.once('error', () => {
		done(undefined);
	});
	worker.once('exit', () => {
		done(undefined);
	});
	worker.postMessage(hashes, [hashes.buffer as ArrayBuffer]);
	return {
		table,
		stop() {
			done(undefined);
		},
	};
}
