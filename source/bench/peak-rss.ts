/**
 * Loaded with `node --import` in front of a program the bench does not own
 * (the reference loader, the command line): at exit, writes the process's
 * peak RSS on standard error as one line, `meliae-bench-peak-rss BYTES`,
 * which `runMeasured` (child.ts) takes out of the output.
 */

import {writeSync} from 'node:fs';

/** The same marker as child.ts's (this file must import nothing of the bench: it runs inside other programs). */
const PEAK_RSS_MARKER = 'meliae-bench-peak-rss';

process.on('exit', () => {
	try {
		writeSync(2, `\n${PEAK_RSS_MARKER} ${process.resourceUsage().maxRSS * 1024}\n`);
	} catch {}
});
