/**
 * Where blocks are parsed and references resolved: a pool of worker threads
 * running parse-worker.js, or the same work inline on this thread (small
 * files, or running from TypeScript sources where the worker file does not
 * exist). Both keep each block's raw child addresses until `resolve`.
 */

import {existsSync} from 'node:fs';
import {availableParallelism, loadavg} from 'node:os';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import {AddressIndex} from '../graph/address-index.js';
import type {BufferRecycler} from '../util/recycler.js';
import {type ChunkHead, parseChunk, splitHead} from './parse-chunk.js';
import {headBuffers, type WorkerRequest, type WorkerResponse} from './parse-worker.js';
import {resolveAddresses} from './resolve.js';
import {type CpuMark, othersBusy} from '../util/cpu-busy.js';

const workerUrl = new URL('parse-worker.js', import.meta.url);

/** Whether the compiled worker file exists (it does not when running from TypeScript sources). */
export function workersAvailable(): boolean {
	try {
		return existsSync(fileURLToPath(workerUrl));
	} catch {
		return false;
	}
}

/**
 * Parser threads for a big dump: one per idle core, at most 4; none when
 * fewer than two cores are idle (`busy`: cores' worth of other work, rounded).
 * On a 2-core machine busy with other work the threads wait for a core: the
 * 5M-object dump then loaded 10-20% faster on this thread alone, with
 * 15% less CPU and 27 MB less memory.
 */
export function defaultWorkerCount(cores = availableParallelism(), busy = loadavg()[0]!): number {
	const idle = Math.round(cores - busy);
	return idle < 2 ? 0 : Math.min(idle, 4);
}

/**
 * defaultWorkerCount by how busy the machine is now: the other processes'
 * CPU demand since `mark` (at least 40 ms before; see cpu-busy.ts), or the
 * 1-minute load average where the kernel does not say. The load average
 * lags by a minute: on an idle machine it still counted the command run
 * just before, and kept a load on one thread that two would have made
 * about 35% faster.
 */
export async function currentWorkerCount(mark: CpuMark | undefined, cores = availableParallelism()): Promise<number> {
	if (cores < 2) {
		return 0;
	}

	return defaultWorkerCount(cores, await othersBusy(mark) ?? loadavg()[0]!);
}

/** Block `id`'s references are in place; `unresolved` lists the addresses its UNRESOLVED_BIT | k targets name. */
let shared: ParserPool | undefined;

/**
 * The process's pool of `count` parser threads, kept between loads so that
 * later loads skip the threads' start and warm-up. Made only when `create`
 * is set; undefined when there is none or another load is using it (the
 * caller then makes a pool of its own).
 */
export function sharedParserPool(count: number, recycler: BufferRecycler, create: boolean): ParserPool | undefined {
	if (shared !== undefined && !shared.isBusy && (shared.size !== count || shared.isBroken)) {
		void shared.close();
		shared = undefined;
	}

	if (shared === undefined && create) {
		shared = new ParserPool(count, recycler);
	}

	return shared?.begin(recycler) ? shared : undefined;
}

/** Stop the kept parser threads (their memory goes with them). */
export async function releaseSharedParsers(): Promise<void> {
	const pool = shared;
	shared = undefined;
	await pool?.close();
}

export type ResolvedChunk = {id: number; unresolved: Float64Array};

export type ParseService = {
	/**
	 * Parse block `id`; the buffer may be transferred (unusable afterwards);
	 * once parsed it goes back to the recycler.
	 */
	parse(id: number, bytes: Uint8Array, end: number, strict: boolean, expectedObjects?: number): Promise<ChunkHead>;
	/** The head's columns have been copied: their buffers may be reused. */
	recycle(id: number, head: ChunkHead): void;
	/**
	 * Resolve the kept references of every block, against a complete hash
	 * (keys and slots in shared memory for workers), into `targets` (shared)
	 * at each block's base. Calls `onChunk` as each block is done, in any order.
	 */
	resolve(
		keys: Float64Array, slots: Uint32Array, count: number, slotKeys: Float64Array | undefined,
		targets: Uint32Array, baseOf: (id: number) => number,
		onChunk: (chunk: ResolvedChunk) => void,
		signal?: AbortSignal,
	): Promise<void>;
	close(): Promise<void>;
};

/** Everything on the calling thread. */
export class InlineParser implements ParseService {
	private readonly kept = new Map<number, Float64Array>();

	constructor(private readonly recycler: BufferRecycler) {}

	async parse(id: number, bytes: Uint8Array, end: number, strict: boolean, expectedObjects?: number): Promise<ChunkHead> {
		const {head, childAddress} = splitHead(parseChunk(bytes, end, {strict, expectedObjects, recycler: this.recycler}));
		this.kept.set(id, childAddress);
		this.recycler.give(bytes.buffer);
		return head;
	}

	recycle(_id: number, head: ChunkHead): void {
		for (const buffer of headBuffers(head)) {
			this.recycler.give(buffer);
		}
	}

	async resolve(
		keys: Float64Array, slots: Uint32Array, count: number, slotKeys: Float64Array | undefined,
		targets: Uint32Array, baseOf: (id: number) => number,
		onChunk: (chunk: ResolvedChunk) => void,
		signal?: AbortSignal,
	): Promise<void> {
		const index = AddressIndex.attach(keys, slots, count, slotKeys);
		for (const [id, addresses] of this.kept) {
			if (signal?.aborted) {
				return;
			}

			this.kept.delete(id);
			onChunk({id, unresolved: resolveAddresses(addresses, index, targets, baseOf(id))});
			// Let a progress display breathe between blocks.
			await new Promise<void>(resolve => {
				setImmediate(resolve);
			});
		}
	}

	async close(): Promise<void> {
		this.kept.clear();
	}
}

type Waiter = {resolve: (value: WorkerResponse) => void; reject: (error: Error) => void};

export class ParserPool implements ParseService {
	private readonly workers: Worker[] = [];
	/** Which worker holds each block's references. */
	private readonly owner = new Map<number, number>();
	private readonly parseWaiters = new Map<number, Waiter>();
	private resolveListener: ((response: WorkerResponse) => void) | undefined;
	private failure: Error | undefined;
	private closing = false;
	private next = 0;

	/** For the duration of one load: where returned block buffers go. */
	private recycler: BufferRecycler;
	private busy = false;
	/** Which load this is; answers to earlier loads are ignored. */
	private generation = 0;

	constructor(count: number, recycler: BufferRecycler) {
		this.recycler = recycler;
		for (let i = 0; i < count; i++) {
			const worker = new Worker(workerUrl);
			worker.on('message', (response: WorkerResponse) => {
				this.receive(response);
			});
			worker.on('error', error => {
				this.fail(error);
			});
			// A thread that dies without an error (killed, out of memory) must not leave the load waiting.
			worker.on('exit', code => {
				if (!this.closing) {
					this.fail(new Error(`a parser thread stopped unexpectedly (exit code ${code})`));
				}
			});
			this.workers.push(worker);
		}
	}

	get size(): number {
		return this.workers.length;
	}

	private receive(response: WorkerResponse): void {
		if (response.generation !== this.generation) {
			// An answer to a load that has ended.
			return;
		}

		if (response.kind === 'parsed') {
			const waiter = this.parseWaiters.get(response.id);
			this.parseWaiters.delete(response.id);
			waiter?.resolve(response);
			return;
		}

		if (response.kind === 'error' && this.parseWaiters.has(response.id)) {
			const waiter = this.parseWaiters.get(response.id)!;
			this.parseWaiters.delete(response.id);
			waiter.reject(new Error(response.message));
			return;
		}

		this.resolveListener?.(response);
	}

	private fail(error: Error): void {
		this.failure = error;
		for (const waiter of this.parseWaiters.values()) {
			waiter.reject(error);
		}

		this.parseWaiters.clear();
		this.resolveListener?.({kind: 'error', id: -1, generation: this.generation, message: error.message});
	}

	async parse(id: number, bytes: Uint8Array, end: number, strict: boolean, expectedObjects?: number): Promise<ChunkHead> {
		if (this.failure !== undefined) {
			throw this.failure;
		}

		const workerIndex = this.next;
		this.next = (this.next + 1) % this.workers.length;
		this.owner.set(id, workerIndex);
		const response = await new Promise<WorkerResponse>((resolve, reject) => {
			this.parseWaiters.set(id, {resolve, reject});
			const request: WorkerRequest = {kind: 'parse', id, generation: this.generation, bytes, end, strict, expectedObjects};
			const transferable = bytes.buffer instanceof ArrayBuffer;
			this.workers[workerIndex]!.postMessage(request, transferable ? [bytes.buffer as ArrayBuffer] : []);
		});
		if (response.kind !== 'parsed') {
			throw new Error('unexpected answer from a parser thread');
		}

		if (response.block !== undefined) {
			this.recycler.give(response.block);
		}

		return response.head;
	}

	recycle(id: number, head: ChunkHead): void {
		const workerIndex = this.owner.get(id);
		if (workerIndex === undefined) {
			return;
		}

		const buffers = headBuffers(head).filter(buffer => buffer instanceof ArrayBuffer && buffer.byteLength > 0);
		const request: WorkerRequest = {kind: 'recycle', buffers};
		this.workers[workerIndex]!.postMessage(request, buffers);
	}

	async resolve(
		keys: Float64Array, slots: Uint32Array, count: number, slotKeys: Float64Array | undefined,
		targets: Uint32Array, baseOf: (id: number) => number,
		onChunk: (chunk: ResolvedChunk) => void,
	): Promise<void> {
		const byWorker: number[][] = this.workers.map(() => []);
		for (const [id, workerIndex] of this.owner) {
			byWorker[workerIndex]!.push(id);
		}

		let remaining = this.owner.size;
		this.owner.clear();
		if (remaining === 0) {
			return;
		}

		await new Promise<void>((resolve, reject) => {
			this.resolveListener = response => {
				if (response.kind === 'resolved') {
					try {
						onChunk({id: response.id, unresolved: response.unresolved});
					} catch (error) {
						reject(error as Error);
						return;
					}

					remaining--;
					if (remaining === 0) {
						resolve();
					}
				} else if (response.kind === 'error') {
					reject(new Error(response.message));
				}
			};

			for (const [workerIndex, ids] of byWorker.entries()) {
				if (ids.length > 0) {
					const request: WorkerRequest = {kind: 'resolve', generation: this.generation, ids, bases: ids.map(id => baseOf(id)), keys, slots, count, slotKeys, targets};
					this.workers[workerIndex]!.postMessage(request);
				}
			}
		}).finally(() => {
			this.resolveListener = undefined;
		});
	}

	/**
	 * Start a load on a pool kept between loads: its threads keep their
	 * compiled code, so later loads skip the warm-up. False when another load
	 * is using it.
	 */
	get isBusy(): boolean {
		return this.busy;
	}

	get isBroken(): boolean {
		return this.failure !== undefined || this.closing;
	}

	begin(recycler: BufferRecycler): boolean {
		if (this.busy || this.failure !== undefined || this.workers.length === 0) {
			return false;
		}

		this.busy = true;
		this.generation++;
		this.recycler = recycler;
		this.next = 0;
		for (const worker of this.workers) {
			worker.ref();
		}

		return true;
	}

	/** End a load: the threads drop what they kept and stop holding the process open. */
	end(): void {
		this.owner.clear();
		this.parseWaiters.clear();
		for (const worker of this.workers) {
			worker.postMessage({kind: 'drop'} satisfies WorkerRequest);
			worker.unref();
		}

		this.busy = false;
	}

	async close(): Promise<void> {
		this.closing = true;
		await Promise.all(this.workers.map(async worker => worker.terminate()));
		this.workers.length = 0;
	}
}
