/** Dumps of test/capture/programs/waste.py and the truth it recorded, for the waste and retained tests. */

import {join} from 'node:path';
import {programsDir, pythonDir, run, scratchDir} from '../../capture/python.js';

export type WasteRecord = {
	version: [number, number];
	duplicates: {value: string; count: number; size: number; one: number; holder: number};
	long: {prefix: string; count: number};
	empty: {count: number; size: number; attribute: string};
	points: {count: number; instance_size: number; dict_size: number; attributes: number; slotted_size: number};
	oversized_list: {address: number; len: number; size: number; exact: number};
	oversized_dict: {address: number; len: number; size: number; fresh: number; fresh_address: number};
	set_owner: {address: number; set: number; set_size: number; members: number; members_size: number};
	growing: {address: number; lens: number[]; steady: number};
	objects: [number, number];
};

/** Run waste.py with `python`: two dumps (oldest first) and the record. */
export async function makeWasteDumps(python: string): Promise<{files: [string, string]; record: WasteRecord}> {
	const directory = scratchDir('meliae-waste-');
	const files: [string, string] = [join(directory, 'waste-1.json'), join(directory, 'waste-2.json')];
	const result = await run(python, [join(programsDir, 'waste.py'), ...files, pythonDir]);
	if (result.code !== 0 || result.stderr !== '') {
		throw new Error(`waste.py failed (${String(result.code)}): ${result.stderr}`);
	}

	return {files, record: JSON.parse(result.stdout) as WasteRecord};
}
