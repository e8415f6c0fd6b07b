/**
 * A small pool of worker threads running parse-worker.js. Blocks go out in
 * order, results come back in any order; the loader restores the order.
 */

import {existsSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import type {ParsedChunk} from './parse-chunk.js';
import type {ParseRequest, ParseResponse} from './parse-worker.js';

const workerUrl = new URL('parse-worker.js', import.meta.url);

/** Whether the compiled worker file exists (it does not when running from TypeScript sources). */
export function workersAvailable(): boolean {
	try {
		return existsSync(fileURLToPath(workerUrl));
	} catch {
		return false;
	}
}

export function defaultWorkerCount(): number {
	return Math.max(1, Math.min(availableParallelism(), 4));
}

export class ParserPool {
	private readonly workers: Worker[] = [];
	private readonly pending = new Map<number, {resolve: (chunk: ParsedChunk) => void; reject: (error: Error) => void}>();
	private nextId = 0;
	private nextWorker = 0;

	constructor(count: number) {
		for (let i = 0; i < count; i++) {
			const worker = new Worker(workerUrl);
			worker.on('message', (response: ParseResponse) => {
				const waiter = this.pending.get(response.id);
				if (waiter === undefined) {
					return;
				}

				this.pending.delete(response.id);
				if ('error' in response) {
					waiter.reject(new Error(response.error));
				} else {
					waiter.resolve(response.chunk);
				}
			});
			worker.on('error', error => {
				for (const waiter of this.pending.values()) {
					waiter.reject(error);
				}

				this.pending.clear();
			});
			this.workers.push(worker);
		}
	}

	get size(): number {
		return this.workers.length;
	}

	/** Parse bytes [0, end); the buffer is transferred to the worker and unusable afterwards. */
	async parse(bytes: Uint8Array, end: number, strict: boolean): Promise<ParsedChunk> {
		const id = this.nextId++;
		const worker = this.workers[this.nextWorker]!;
		this.nextWorker = (this.nextWorker + 1) % this.workers.length;
		return new Promise<ParsedChunk>((resolve, reject) => {
			this.pending.set(id, {resolve, reject});
			const request: ParseRequest = {id, bytes, end, strict};
			const transfer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
				? [bytes.buffer as ArrayBuffer]
				: [];
			worker.postMessage(request, transfer);
		});
	}

	async close(): Promise<void> {
		await Promise.all(this.workers.map(async worker => worker.terminate()));
		this.workers.length = 0;
	}
}
