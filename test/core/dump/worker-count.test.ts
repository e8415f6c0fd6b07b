/**
 * Parser threads only where cores are idle: on a machine busy with other
 * work they wait for a core and cost more than they save.
 */

import {describe, expect, it} from 'vitest';
import {defaultWorkerCount} from '../../../source/core/dump/parser-pool.js';

describe('defaultWorkerCount', () => {
	it('takes one thread per idle core, at most four', () => {
		expect(defaultWorkerCount(2, 0.1)).toBe(2);
		expect(defaultWorkerCount(4, 0)).toBe(4);
		expect(defaultWorkerCount(16, 2)).toBe(4);
		expect(defaultWorkerCount(8, 5)).toBe(3);
	});

	it('parses on the loading thread when fewer than two cores are idle', () => {
		expect(defaultWorkerCount(2, 0.8)).toBe(0);
		expect(defaultWorkerCount(2, 7.5)).toBe(0);
		expect(defaultWorkerCount(1, 0)).toBe(0);
		expect(defaultWorkerCount(4, 2.7)).toBe(0);
	});
});
