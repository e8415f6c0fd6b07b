/**
 * Worker-thread entry: parses blocks of whole lines sent by the loader and
 * sends the columns back (their buffers transferred, not copied).
 */

import {parentPort} from 'node:worker_threads';
import {parseChunk, type ParsedChunk} from './parse-chunk.js';

export type ParseRequest = {
	id: number;
	bytes: Uint8Array;
	end: number;
	strict: boolean;
};

export type ParseResponse =
	| {id: number; chunk: ParsedChunk}
	| {id: number; error: string};

export function transferListOf(chunk: ParsedChunk): ArrayBuffer[] {
	return [
		chunk.address.buffer,
		chunk.typeId.buffer,
		chunk.size.buffer,
		chunk.length.buffer,
		chunk.flags.buffer,
		chunk.valueOffset.buffer,
		chunk.valueBytes.buffer,
		chunk.childOffset.buffer,
		chunk.childAddress.buffer,
	] as ArrayBuffer[];
}

if (parentPort !== null) {
	const port = parentPort;
	port.on('message', (request: ParseRequest) => {
		let response: ParseResponse;
		try {
			const chunk = parseChunk(request.bytes, request.end, {strict: request.strict});
			response = {id: request.id, chunk};
			port.postMessage(response, transferListOf(chunk));
		} catch (error) {
			response = {id: request.id, error: error instanceof Error ? error.message : String(error)};
			port.postMessage(response);
		}
	});
}
