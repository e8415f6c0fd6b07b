/**
 * Worker-thread entry. Two jobs, in this order:
 * 1. parse blocks of whole lines and send back every column but the raw
 *    child addresses, which stay here (they are the biggest part);
 * 2. once the loader's address hash is complete (shared memory), resolve
 *    the kept child addresses to ordinals and send back 4-byte targets.
 * Buffers are transferred, never copied.
 */

import {parentPort} from 'node:worker_threads';
import {AddressIndex} from '../graph/address-index.js';
import {BufferRecycler} from '../util/recycler.js';
import {type ChunkHead, parseChunk, splitHead} from './parse-chunk.js';
import {resolveAddresses} from './resolve.js';

export type WorkerRequest =
	| {kind: 'parse'; id: number; generation: number; bytes: Uint8Array; end: number; strict: boolean; expectedObjects?: number}
	| {kind: 'recycle'; buffers: ArrayBuffer[]}
	| {kind: 'resolve'; generation: number; ids: number[]; bases: number[]; keys: Float64Array; slots: Uint32Array; count: number; slotKeys: Float64Array | undefined; targets: Uint32Array}
	| {kind: 'drop'};

export type WorkerResponse =
	/** `block` is the parsed block's buffer, handed back for reuse. */
	| {kind: 'parsed'; id: number; generation: number; head: ChunkHead; block: ArrayBuffer | undefined}
	| {kind: 'resolved'; id: number; generation: number; unresolved: Float64Array}
	| {kind: 'error'; id: number; generation: number; message: string};

/** Buffers of a chunk head, for the transfer list. */
export function headBuffers(head: ChunkHead): ArrayBuffer[] {
	return [
		head.address.buffer,
		head.typeId.buffer,
		head.size.buffer,
		head.length.buffer,
		head.flags.buffer,
		head.valueOffset.buffer,
		head.valueBytes.buffer,
		head.childOffset.buffer,
	] as ArrayBuffer[];
}

if (parentPort !== null) {
	const port = parentPort;
	const kept = new Map<number, Float64Array>();
	const recycler = new BufferRecycler();
	port.on('message', (request: WorkerRequest) => {
		if (request.kind === 'recycle') {
			for (const buffer of request.buffers) {
				recycler.give(buffer);
			}

			return;
		}

		if (request.kind === 'parse') {
			try {
				const chunk = parseChunk(request.bytes, request.end, {strict: request.strict, expectedObjects: request.expectedObjects, recycler});
				const {head, childAddress} = splitHead(chunk);
				kept.set(request.id, childAddress);
				const block = request.bytes.buffer instanceof ArrayBuffer ? request.bytes.buffer : undefined;
				const response: WorkerResponse = {kind: 'parsed', id: request.id, generation: request.generation, head, block};
				port.postMessage(response, block === undefined ? headBuffers(head) : [...headBuffers(head), block]);
			} catch (error) {
				port.postMessage({kind: 'error', id: request.id, generation: request.generation, message: error instanceof Error ? error.message : String(error)} satisfies WorkerResponse);
			}

			return;
		}

		if (request.kind === 'resolve') {
			const index = AddressIndex.attach(request.keys, request.slots, request.count, request.slotKeys);
			for (const [k, id] of request.ids.entries()) {
				const addresses = kept.get(id);
				kept.delete(id);
				if (addresses === undefined) {
					port.postMessage({kind: 'error', id, generation: request.generation, message: `no kept references for block ${id}`} satisfies WorkerResponse);
					continue;
				}

				// Straight into the store's shared target array.
				const unresolved = resolveAddresses(addresses, index, request.targets, request.bases[k]!);
				const response: WorkerResponse = {kind: 'resolved', id, generation: request.generation, unresolved};
				port.postMessage(response);
			}

			return;
		}

		kept.clear();
		recycler.clear();
	});
}
