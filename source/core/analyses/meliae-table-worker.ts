/**
 * Worker-thread entry: makes meliae's object table (objectTable) for the
 * hashes it is sent, and sends the table back (transferred, not copied).
 */

import {parentPort} from 'node:worker_threads';
import {objectTable} from './meliae-order.js';

if (parentPort !== null) {
	const port = parentPort;
	port.on('message', (hashes: Uint32Array) => {
		const table = objectTable(hashes);
		port.postMessage(table, [table.buffer as ArrayBuffer]);
	});
}
