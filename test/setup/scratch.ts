/** Run before every test file: its scratch directories are removed once its tests are done. */

import {afterAll} from 'vitest';
import {removeScratchDirs} from '../helpers/scratch.js';

afterAll(() => {
	removeScratchDirs();
});
