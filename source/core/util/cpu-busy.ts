/**
 * How busy the machine's cores are with other processes right now, for
 * choosing parser threads.
 *
 * The 1-minute load average lags: a command run right after another one
 * (or a benchmark's previous run) sees that earlier process's load for a
 * minute after it ended, and parsed on one thread on an idle machine.
 * /proc/stat counts every core's busy and idle time; over a short window,
 * the busy time less this process's own CPU time (all its threads) is the
 * other processes' demand, in cores.
 */

import {readFileSync} from 'node:fs';

/** Jiffies from /proc/stat's first line: busy and total, or undefined when it is not there. */
export type CpuTimes = {readonly busy: number; readonly total: number; readonly cores: number};

/** Parse /proc/stat's text: the "cpu" line's fields (user nice system idle iowait irq softirq steal ...) and the number of "cpuN" lines. */
export function cpuTimesOf(text: string): CpuTimes | undefined {
	const first = /^cpu +([\d ]+)/.exec(text);
	if (first === null) {
		return undefined;
	}

	const fields = first[1]!.trim().split(/ +/).map(Number);
	if (fields.length < 5 || fields.some(value => !Number.isFinite(value))) {
		return undefined;
	}

	// guest and guest_nice (fields 9 and 10) are already inside user and nice.
	const counted = fields.slice(0, 8);
	const total = counted.reduce((sum, value) => sum + value, 0);
	const idle = fields[3]! + fields[4]!;
	const cores = text.match(/^cpu\d+ /gm)?.length ?? 1;
	return {busy: total - idle, total, cores};
}

function readCpuTimes(): CpuTimes | undefined {
	try {
		return cpuTimesOf(readFileSync('/proc/stat', 'latin1'));
	} catch {
		return undefined;
	}
}

/** This process's CPU time, all threads, in microseconds. */
function ownMicros(): number {
	const usage = process.cpuUsage();
	return usage.user + usage.system;
}

/** The kernel's clock ticks per second in /proc/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * Other processes' demand for CPU, in cores, from `since` (a mark taken
 * earlier with markCpu) to now: the machine's busy time less this
 * process's, over the time elapsed. Waits until `minWindowMs` have passed
 * since the mark (the kernel counts in 10 ms ticks). Undefined where the
 * kernel does not say (not Linux).
 */
export async function othersBusy(since: CpuMark | undefined, minWindowMs = 40): Promise<number | undefined> {
	if (since?.times === undefined) {
		return undefined;
	}

	const waited = performance.now() - since.at;
	if (waited < minWindowMs) {
		await new Promise(resolve => {
			setTimeout(resolve, minWindowMs - waited);
		});
	}

	const now = readCpuTimes();
	if (now === undefined) {
		return undefined;
	}

	return busyCores(since, {times: now, own: ownMicros(), at: performance.now()});
}

/** A point to measure from: the machine's CPU times, this process's CPU time, the clock. */
export type CpuMark = {readonly times: CpuTimes | undefined; readonly own: number; readonly at: number};

export function markCpu(): CpuMark {
	return {times: readCpuTimes(), own: ownMicros(), at: performance.now()};
}

/** Other processes' demand in cores between two marks (pure: the arithmetic of othersBusy). */
export function busyCores(from: CpuMark, to: CpuMark): number | undefined {
	if (from.times === undefined || to.times === undefined) {
		return undefined;
	}

	const total = to.times.total - from.times.total;
	if (total <= 0) {
		return undefined;
	}

	const ownTicks = (to.own - from.own) * TICKS_PER_SECOND / 1e6;
	const others = Math.max(0, to.times.busy - from.times.busy - ownTicks);
	// Ticks of all cores over the window: their share busy elsewhere, in cores.
	return others / total * to.times.cores;
}
