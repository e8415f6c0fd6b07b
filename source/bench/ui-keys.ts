/**
 * Key-press latency of the explorer on a large store: builds a store of N
 * objects (directly from typed arrays, or from a dump file with --dump),
 * renders <App/> at 80x24 into an in-memory terminal, presses keys on every
 * view and prints p50 / p99 of the time from key to finished frame, plus
 * one-off costs (opening the biggest type, an object with a million
 * parents). Figures only: nothing here fails on timing.
 *
 *   node dist/bench/ui-keys.js [--objects 5M] [--dump FILE [--index-dir DIR]] [--rounds 40] [--json] [--trace MS] [--computing-only]
 *
 * --index-dir: load the dump through its persisted index in DIR (written
 * there on the first load). --json: a last line of figures for the bench
 * driver, {firstFrameMs, keyP50Ms, keyP99Ms, worstView, objects}: the p50
 * and p99 are the highest over the views measured key by key. --trace MS:
 * for each key slower than MS, the background steps and garbage
 * collections between the key and its frame. --computing-only: only the
 * keys pressed while retained sizes are computed.
 */

import {spawn} from 'node:child_process';
import {EventEmitter, once} from 'node:events';
import {createServer, type AddressInfo, type Socket} from 'node:net';
import {readFileSync, realpathSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {PerformanceObserver, type PerformanceEntry} from 'node:perf_hooks';
import {parseArgs} from 'node:util';
import {loadDump} from '../core/dump/load.js';
import {FLAG_VALUE_STRING, FLAG_VALUE_TOKEN, NO_LENGTH, UNRESOLVED_BIT} from '../core/graph/layout.js';
import {GraphStore} from '../core/graph/store.js';
import {SLICE_MS} from '../ui/state/jobs.js';

// ------------------------------------------------------------------ synthetic store

export type SyntheticOptions = {
	readonly objects: number;
	readonly seed?: number;
	/** Objects of the biggest type ("dict"); default 40% of all. */
	readonly bigType?: number;
	/** Parents of the hub object (a module every early dict refers to); default 20% of all. */
	readonly hubParents?: number;
};

const TYPE_NAMES = [
	'dict', 'str', 'tuple', 'list', 'int', 'function', 'type', 'module', 'set', 'bytes', 'float', 'cell',
	'Session', 'Request', 'Node', 'weakref', 'method', 'frame', 'code', 'frozenset',
];

/**
 * A store shaped like a big service's dump, built straight into typed
 * arrays: ordinal 0 is a module (the hub) referred to by `hubParents`
 * dicts; ordinal 1 a list holding up to a million references; then dicts,
 * strs with values, ints with digits, tuples and the rest, each with a few
 * references to earlier objects, and some references to missing addresses.
 */
export function syntheticStore(options: SyntheticOptions): GraphStore {
	const n = Math.max(4, Math.floor(options.objects));
	let state = (options.seed ?? 1) >>> 0 || 1;
	const random = (): number => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 4_294_967_296;
	};

	const bigType = Math.min(n - 2, options.bigType ?? Math.floor(n * 0.4));
	const hubParents = Math.min(bigType, options.hubParents ?? Math.floor(n * 0.2));
	const objectAddress = new Float64Array(n);
	const objectType = new Uint32Array(n);
	const objectSize = new Float64Array(n);
	const objectLength = new Uint32Array(n).fill(NO_LENGTH);
	const objectFlags = new Uint8Array(n);
	const valueOffset = new Uint32Array(n + 1);
	const firstChild = new Uint32Array(n + 1);
	const encoder = new TextEncoder();
	const values: Uint8Array[] = [];
	let valueLength = 0;
	const listChildren = Math.min(1_000_000, n - 2);
	// Child counts first, for the CSR arrays.
	const childCount = new Uint8Array(n);
	for (let i = 2; i < n; i++) {
		childCount[i] = i < 2 + bigType ? 1 + Math.floor(random() * 6) + (i - 2 < hubParents ? 1 : 0) : Math.floor(random() * 4);
	}

	let edges = 1 + listChildren;
	for (let i = 2; i < n; i++) {
		edges += childCount[i]!;
	}

	const childTargets = new Uint32Array(edges);
	const unresolvedAddress = new Float64Array(64);
	for (let k = 0; k < unresolvedAddress.length; k++) {
		unresolvedAddress[k] = 0x7f_00_00_00_00_00 + k * 16;
	}

	let edge = 0;
	const otherTypes = TYPE_NAMES.length - 1;
	for (let i = 0; i < n; i++) {
		objectAddress[i] = 0x7f_10_00_00_00_00 + i * 16 + Math.floor(i / 4096) * 64;
		firstChild[i] = edge;
		if (i === 0) {
			objectType[i] = TYPE_NAMES.indexOf('module');
			objectSize[i] = 88;
			objectFlags[i] = FLAG_VALUE_STRING | 4;
			const bytes = encoder.encode('app.hub');
			values.push(bytes);
			valueLength += bytes.length;
			childTargets[edge++] = 1;
		} else if (i === 1) {
			objectType[i] = TYPE_NAMES.indexOf('list');
			objectSize[i] = 56 + 8 * listChildren;
			objectLength[i] = listChildren;
			for (let k = 0; k < listChildren; k++) {
				childTargets[edge++] = 2 + k;
			}
		} else {
			const type = i < 2 + bigType ? 0 : 1 + Math.floor(random() * otherTypes);
			objectType[i] = type;
			const name = TYPE_NAMES[type]!;
			objectSize[i] = name === 'dict' ? [232, 360, 640, 1184, 2272, 4704][Math.floor(random() * random() * 6)]! : 16 + Math.floor(random() * 48) * 8;
			if (name === 'str' || name === 'int') {
				const text = name === 'str' ? `value-${i.toString(36)}-${Math.floor(random() * 1e6)}` : String(Math.floor(random() * 1e9));
				const bytes = encoder.encode(text);
				values.push(bytes);
				valueLength += bytes.length;
				objectFlags[i] = name === 'str' ? FLAG_VALUE_STRING : FLAG_VALUE_TOKEN;
				objectLength[i] = name === 'str' ? text.length : NO_LENGTH;
			} else if (name === 'dict' || name === 'list' || name === 'tuple') {
				objectLength[i] = childCount[i]!;
			}

			const count = childCount[i]!;
			let k = 0;
			if (i - 2 < hubParents && type === 0) {
				childTargets[edge++] = 0;
				k++;
			}

			for (; k < count; k++) {
				childTargets[edge++] = random() < 0.002
					? (UNRESOLVED_BIT | Math.floor(random() * unresolvedAddress.length)) >>> 0
					: 2 + Math.floor(random() * (n - 2));
			}
		}

		valueOffset[i + 1] = valueLength;
	}

	firstChild[n] = edge;
	const valueBytes = new Uint8Array(valueLength);
	let offset = 0;
	for (const bytes of values) {
		valueBytes.set(bytes, offset);
		offset += bytes.length;
	}

	return new GraphStore({
		objectAddress, objectType, objectSize, objectLength, objectFlags, valueOffset, valueBytes,
		firstChild, childTargets: childTargets.subarray(0, edge), unresolvedAddress, typeNames: [...TYPE_NAMES],
	});
}

// ------------------------------------------------------------------ in-memory terminal

/**
 * The main thread's time on a core and time waiting for one (ms), from
 * Linux's schedstat: on a machine shared with other work, a key's wall time
 * is its main thread's CPU time plus its wait for a core. Zeros elsewhere.
 */
const schedstatFile = `/proc/self/task/${process.pid}/schedstat`;
function mainThreadTimes(): {cpuMs: number; waitMs: number} {
	try {
		const [cpu, wait] = readFileSync(schedstatFile, 'latin1').split(' ');
		return {cpuMs: Number(cpu) / 1e6, waitMs: Number(wait) / 1e6};
	} catch {
		return {cpuMs: 0, waitMs: 0};
	}
}

class FakeStdout extends EventEmitter {
	columns = 80;
	rows = 24;
	isTTY = false;
	frames = 0;
	last = '';
	/** performance.now() of the last write. */
	wroteAt = 0;
	/** The main thread's times at the last write. */
	wroteTimes = {cpuMs: 0, waitMs: 0};
	write = (data: string): boolean => {
		this.wroteAt = performance.now();
		this.wroteTimes = mainThreadTimes();
		this.frames++;
		this.last = data;
		return true;
	};
}

class FakeStdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write(data: string): void {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	}

	read = (): string | null => {
		const {data} = this;
		this.data = null;
		return data;
	};

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

const KEYS = {
	up: '\u001B[A', down: '\u001B[B', pageUp: '\u001B[5~', pageDown: '\u001B[6~',
	home: '\u001B[H', end: '\u001B[F', enter: '\r', escape: '\u001B', backspace: '\u007F', tab: '\t',
} as const;

function percentile(sorted: readonly number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function settle(): Promise<void> {
	await new Promise(resolve => {
		setImmediate(resolve);
	});
}

/**
 * Another process that types keys into a socket, as a terminal's keys
 * arrive: read by the event loop's poll, so a key that arrives while a
 * background slice runs waits for the rest of it (keys pressed from this
 * process always land between slices). It types each key after a random
 * pause of 0-10 ms, so keys land anywhere in a slice, and says when it
 * typed it (a monotonic clock both processes share).
 */
const TYPIST = `
const net = require('node:net');
const socket = net.connect(Number(process.argv[1]), '127.0.0.1');
let pending = '';
socket.on('data', data => {
	pending += data;
	for (let end = pending.indexOf('\\n'); end >= 0; end = pending.indexOf('\\n')) {
		const key = pending.slice(0, end);
		pending = pending.slice(end + 1);
		setTimeout(() => socket.write(process.hrtime.bigint() + ' ' + key + '\\n'), Math.random() * 10);
	}
});
socket.on('end', () => socket.end());
`;

type Typist = {
	/** Have the other process type `key`; resolves with when it typed it (performance.now()). */
	type(key: string): Promise<number>;
	close(): void;
};

async function startTypist(deliver: (key: string) => void): Promise<Typist> {
	const server = createServer();
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const child = spawn(process.execPath, ['-e', TYPIST, String((server.address() as AddressInfo).port)], {stdio: 'ignore'});
	const [socket] = await once(server, 'connection') as [Socket];
	// performance.now() = hrtime in ms - offset (both monotonic).
	const offset = (Number(process.hrtime.bigint()) / 1e6) - performance.now();
	let waiting: ((at: number) => void) | undefined;
	let pending = '';
	socket.on('data', (data: Buffer) => {
		pending += data.toString('latin1');
		for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
			const [ns, key] = pending.slice(0, end).split(' ') as [string, string];
			pending = pending.slice(end + 1);
			const typedAt = (Number(BigInt(ns)) / 1e6) - offset;
			deliver(key);
			const resolve = waiting;
			waiting = undefined;
			resolve?.(typedAt);
		}
	});
	return {
		async type(key) {
			const typed = new Promise<number>(resolve => {
				waiting = resolve;
			});
			socket.write(key + '\n');
			return typed;
		},
		close() {
			socket.end();
			server.close();
			child.kill();
		},
	};
}

export type KeyFigures = {
	/** Render of the first frame, in this process (the store already loaded). */
	readonly firstFrameMs: number;
	/** The highest p50 and p99 of the views measured key by key. */
	readonly keyP50Ms: number;
	readonly keyP99Ms: number;
	/** The view of the highest p99. */
	readonly worstView: string;
	/** Key presses that drew no expected frame. */
	readonly missing: number;
};

/**
 * The objects the bench visits: `hub`, one with many parents, and `fanOut`,
 * one whose dominator tree is paged. The synthetic store has them at
 * ordinals 0 and 1; in a dump, the object with the most parents and the one
 * with the most references.
 */
export function landmarks(store: GraphStore, synthetic: boolean): {hub: number; fanOut: number} {
	if (synthetic) {
		return {hub: 0, fanOut: 1};
	}

	let hub = 0;
	let fanOut = 0;
	for (let i = 1; i < store.objectCount; i++) {
		if (store.parentCount(i) > store.parentCount(hub)) {
			hub = i;
		}

		if (store.childCount(i) > store.childCount(fanOut)) {
			fanOut = i;
		}
	}

	return {hub, fanOut};
}

/** What ran around one slow key press: background steps, garbage collections, Ink's frames. */
type TraceEvent = {readonly at: number; readonly ms: number; readonly what: string};

export type BenchOptions = {
	/** Say what ran around each key slower than this (ms). */
	readonly traceOverMs?: number;
	/** Only the keys while retained sizes compute. */
	readonly computingOnly?: boolean;
};

export async function benchmark(store: GraphStore, rounds: number, log: (line: string) => void, visit = landmarks(store, true), options: BenchOptions = {}): Promise<KeyFigures> {
	const traceOverMs = options.traceOverMs ?? Number.POSITIVE_INFINITY;
	// Imported here so that NODE_ENV (set by main, as the CLI does) picks React's production build.
	const [{render}, {createElement}, {App}, {ExplorerModel}] = await Promise.all([
		import('ink'), import('react'), import('../app.js'), import('../ui/state/model.js'),
	]);
	const model = new ExplorerModel([{file: 'synthetic', store}]);
	const stdout = new FakeStdout();
	const stdin = new FakeStdin();
	/** Ink's own figure for each frame: layout and output, after React. */
	const inkRenderMs: number[] = [];
	const started = performance.now();
	const instance = render(createElement(App, {model, size: {columns: 80, rows: 24}, writeTerminal() {}}), {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
		onRender({renderTime}) {
			inkRenderMs.push(renderTime);
		},
	});
	const firstFrameMs = performance.now() - started;
	// --trace: keep the recent background steps and collections, to say what a slow key waited for.
	const events: TraceEvent[] = [];
	let observer: PerformanceObserver | undefined;
	if (Number.isFinite(traceOverMs)) {
		model.jobs.onStep = (kind, at, ms) => {
			events.push({at, ms, what: `step ${kind}`});
		};

		observer = new PerformanceObserver(list => {
			addCollections(list.getEntries());
		});
		observer.observe({entryTypes: ['gc']});
	}

	function addCollections(entries: readonly PerformanceEntry[]): void {
		for (const entry of entries) {
			const detail = (entry as PerformanceEntry & {detail?: {kind?: number}}).detail;
			events.push({at: entry.startTime, ms: entry.duration, what: `gc kind ${detail?.kind ?? '?'}`});
		}
	}

	const explain = (key: string, t0: number, frameAt: number): void => {
		if (observer !== undefined) {
			addCollections(observer.takeRecords());
		}

		const around = events.filter(event => event.at + event.ms >= t0 - 1 && event.at <= frameAt);
		const parts = around.map(event => `${event.what} ${event.ms.toFixed(1)} ms at ${(event.at - t0).toFixed(1)}`);
		log(`  slow key ${JSON.stringify(key)}: ${(frameAt - t0).toFixed(1)} ms (main thread cpu ${lastCpuMs.toFixed(1)}, waiting for a core ${lastWaitMs.toFixed(1)}); ${parts.length === 0 ? 'no step or gc in between' : parts.join(', ')}`);
		if (events.length > 10_000) {
			events.splice(0, events.length - 1000);
		}
	};

	log(`first frame (summary of ${store.typeNames.length} types): ${firstFrameMs.toFixed(1)} ms`);
	const views: Array<{view: string; p50: number; p99: number}> = [];

	/** The main thread's CPU time from the last key press to its frame, and its wait for a core meanwhile (ms). */
	let lastCpuMs = 0;
	let lastWaitMs = 0;
	let missing = 0;
	/**
	 * Press a key; the time until Ink has written the frame it causes (with
	 * `until`, the first frame showing that text: a background search, a
	 * path). Keys that change nothing draw nothing: after 2 s they count as
	 * "no frame".
	 */
	type Until = string | RegExp;
	const shows = (frame: string, until: Until): boolean => (typeof until === 'string' ? frame.includes(until) : until.test(frame));
	const press = async (key: string, until?: Until, limitMs = 120_000): Promise<number> => {
		const before = stdout.frames;
		const times0 = mainThreadTimes();
		const t0 = performance.now();
		stdin.write(key);
		const done = (): boolean => (until === undefined ? stdout.frames > before : stdout.frames > before && shows(stdout.last, until));
		const limit = until === undefined ? 2000 : limitMs;
		while (!done() && performance.now() - t0 < limit) {
			// eslint-disable-next-line no-await-in-loop
			await settle();
		}

		lastCpuMs = stdout.wroteTimes.cpuMs - times0.cpuMs;
		lastWaitMs = stdout.wroteTimes.waitMs - times0.waitMs;
		if (!done()) {
			missing++;
			log(`  (no frame${until === undefined ? '' : ` showing "${String(until)}"`} after ${JSON.stringify(key)})`);
			return Number.NaN;
		}

		const elapsed = stdout.wroteAt - t0;
		if (elapsed > traceOverMs) {
			explain(key, t0, stdout.wroteAt);
		}

		await settle();
		return elapsed;
	};

	const ms = (value: number): string => value.toFixed(2).padStart(7);
	const measure = async (view: string, keys: readonly string[]): Promise<void> => {
		const times: number[] = [];
		const cpus: number[] = [];
		const waits: number[] = [];
		for (let round = 0; round < rounds; round++) {
			for (const key of keys) {
				// eslint-disable-next-line no-await-in-loop
				const time = await press(key);
				if (!Number.isNaN(time)) {
					times.push(time);
					cpus.push(lastCpuMs);
					waits.push(lastWaitMs);
				}
			}
		}

		times.sort((a, b) => a - b);
		cpus.sort((a, b) => a - b);
		waits.sort((a, b) => a - b);
		if (times.length === 0) {
			log(`${view.padEnd(34)} no key drew a frame`);
			return;
		}

		views.push({view: view.trim(), p50: percentile(times, 0.5), p99: percentile(times, 0.99)});
		log(`${view.padEnd(34)} wall p50 ${ms(percentile(times, 0.5))} p99 ${ms(percentile(times, 0.99))} · cpu p50 ${ms(percentile(cpus, 0.5))} p99 ${ms(percentile(cpus, 0.99))} · wait p99 ${ms(percentile(waits, 0.99))} ms (${times.length} keys)`);
	};

	/** Keys typed by another process: the time from its typing to the frame (waiting for a running slice included). */
	const typist = await startTypist(key => {
		stdin.write(key);
	});
	const measureTyped = async (view: string, keys: readonly string[]): Promise<void> => {
		const times: number[] = [];
		for (let round = 0; round < rounds; round++) {
			for (const key of keys) {
				const before = stdout.frames;
				// eslint-disable-next-line no-await-in-loop
				const typedAt = await typist.type(key);
				const t0 = performance.now();
				while (stdout.frames === before && performance.now() - t0 < 2000) {
					// eslint-disable-next-line no-await-in-loop
					await settle();
				}

				if (stdout.frames === before) {
					missing++;
					continue;
				}

				times.push(stdout.wroteAt - typedAt);
				if (stdout.wroteAt - typedAt > traceOverMs) {
					lastCpuMs = Number.NaN;
					lastWaitMs = Number.NaN;
					explain(key, typedAt, stdout.wroteAt);
				}
			}
		}

		times.sort((a, b) => a - b);
		if (times.length > 0) {
			views.push({view: view.trim(), p50: percentile(times, 0.5), p99: percentile(times, 0.99)});
			log(`${view.padEnd(34)} wall p50 ${ms(percentile(times, 0.5))} p99 ${ms(percentile(times, 0.99))} ms, from the key's typing (${times.length} keys)`);
		}
	};

	/** Keys typed in a row; the time of the last one, until its frame shows `until`. */
	const once = async (what: string, keys: readonly string[], until: Until, limitMs?: number): Promise<number> => {
		for (const key of keys.slice(0, -1)) {
			// eslint-disable-next-line no-await-in-loop
			await press(key);
		}

		if (keys.length === 0) {
			// Nothing to press: the time until background work shows `until`.
			const t0 = performance.now();
			while (!shows(stdout.last, until) && performance.now() - t0 < 120_000) {
				// eslint-disable-next-line no-await-in-loop
				await settle();
			}

			const waited = performance.now() - t0;
			log(`${what.padEnd(34)} wall ${ms(waited)} ms more`);
			return waited;
		}

		const time = await press(keys.at(-1)!, until, limitMs);
		log(`${what.padEnd(34)} wall ${ms(time)} ms · cpu ${ms(lastCpuMs)} · wait ${ms(lastWaitMs)} ms`);
		return time;
	};

	// Keys while the dominator tree is computed in the background.
	await measure('summary, retained computing: j k', ['j', 'k']);
	await measureTyped('  the same, typed by another process', ['j', 'k']);
	if (options.computingOnly === true) {
		typist.close();
		instance.unmount();
		const view = views[0] ?? {view: '', p50: Number.NaN, p99: Number.NaN};
		return {firstFrameMs, keyP50Ms: view.p50, keyP99Ms: view.p99, worstView: view.view, missing};
	}

	const waitStarted = performance.now();
	while (model.retained.status === 'computing') {
		// eslint-disable-next-line no-await-in-loop
		await settle();
	}

	log(`retained sizes ready ${((performance.now() - started) / 1000).toFixed(1)} s after the first frame (background, ${((performance.now() - waitStarted) / 1000).toFixed(1)} s waited here)`);
	await press('j');
	await measure('summary: j k PgDn PgUp G g', ['j', 'k', KEYS.pageDown, KEYS.pageUp, 'G', 'g']);
	await measure('summary: s (next sort order)', ['s']);
	await press('g');
	await once('summary: filter "dic" typed', ['/', 'd', 'i', 'c'], 'Filter "dic"');
	await once('summary: clear filter (Esc)', [KEYS.escape], 'Total ');
	// The summary's first row: dict on the synthetic store; on a dump, whichever type leads.
	const objectList = /[\w.]+: [\d,]+ objects/;
	await once('open the first type (sort)', [KEYS.enter], objectList);
	await measure('object list: j k PgDn PgUp', ['j', 'k', KEYS.pageDown, KEYS.pageUp]);
	await measure('object list: G g (whole list)', ['G', 'g']);
	await once('object list: search miss (values)', ['/', 'zzzz', KEYS.enter], 'not found: zzzz');
	await once('back to the summary', [KEYS.backspace], '> Summary\n');
	await once('reopen it (cached)', [KEYS.enter], objectList);
	await once('object list: sort by retained', ['s'], 'largest retained size first');
	await once('object list: back to size order', ['s'], 'largest first (');
	await once('open an object', [KEYS.enter], ' at ');
	await once('path from a root (r)', ['r'], '> path');
	await press(KEYS.escape);
	await measure('object view: j k Tab Tab', ['j', 'k', KEYS.tab, KEYS.tab]);
	await press(KEYS.escape);
	await press(KEYS.escape);
	const hubParents = store.parentCount(visit.hub).toLocaleString('en-US');
	await once(`go to the hub (${hubParents} parents)`, [':', String(store.objectAddress[visit.hub]), KEYS.enter], `${store.typeNames[store.objectType[visit.hub]!]!} at`);
	await once('hub: show parents', ['p'], /parents \(/, 10_000);
	await measure('hub parents: j k PgDn PgUp', ['j', 'k', KEYS.pageDown, KEYS.pageUp]);
	await measure('hub parents: G g', ['G', 'g']);
	// What keeps memory alive: the dominator tree from the summary, the
	// retained set by type of the biggest retainer, a huge fan-out paged.
	await press(KEYS.escape);
	await once('dominator tree (R): first level', ['R'], 'all objects (');
	await once('retained set by type, whole heap', [], 'kept alive by the whole heap:');
	await once('biggest retainer: retained set', ['j'], 'by type (');
	await measure('dominator tree: j k PgDn PgUp', ['j', 'k', KEYS.pageDown, KEYS.pageUp]);
	// Expanding down the biggest retainers.
	await press('g');
	for (let depth = 1; depth <= 3; depth++) {
		// eslint-disable-next-line no-await-in-loop
		await press('j');
		// eslint-disable-next-line no-await-in-loop
		const time = await press('l');
		log(`${`expand level ${depth}`.padEnd(34)} wall ${ms(time)} ms · cpu ${ms(lastCpuMs)} · wait ${ms(lastWaitMs)} ms`);
	}

	await measure('expanded tree: j k l h', ['j', 'k', 'l', 'h']);
	// A big fan-out: the tree below the list that alone keeps most objects alive.
	await press(KEYS.escape);
	await once(`tree below the big ${store.typeNames[store.objectType[visit.fanOut]!]!} (R)`, [':', String(store.objectAddress[visit.fanOut]), KEYS.enter, 'R'], 'what it keeps alive');
	// In a dump, the object with the most references may keep few of them alive alone: no "N more" row then.
	if (Number.isNaN(await once('  to its "N more" row (G)', ['G'], 'more (Enter shows', 10_000))) {
		// Keys that move nothing draw nothing: each would wait 2 s for a frame.
		log('  (no "N more" row: the tree below it is small, no keys measured there)');
	} else {
		await once('  "N more": 100 more (Enter)', [KEYS.enter], '[Retained]');
		await once('  and to the next "N more" row (G)', ['G'], 'more (Enter shows');
		await measure('big fan-out: k j PgUp PgDn', ['k', 'j', KEYS.pageUp, KEYS.pageDown]);
	}

	await press(KEYS.escape);
	await press(KEYS.escape);
	await measure('summary: S (reverse)', ['S']);
	await measure('help: ? ?', ['?', '?']);
	if (missing > 0) {
		log(`${missing} key presses drew no expected frame (see above)`);
	}

	for (const [job, ms] of model.jobs.longestStepMs) {
		log(`background job "${job}": longest slice ${ms.toFixed(1)} ms (slices of ${SLICE_MS} ms)`);
	}

	typist.close();
	observer?.disconnect();
	inkRenderMs.sort((a, b) => a - b);
	log(`Ink layout+output per frame: p50 ${percentile(inkRenderMs, 0.5).toFixed(2)} ms, p99 ${percentile(inkRenderMs, 0.99).toFixed(2)} ms`);
	instance.unmount();
	const worst = views.reduce((a, b) => (b.p99 > a.p99 ? b : a), views[0] ?? {view: '', p50: Number.NaN, p99: Number.NaN});
	return {
		firstFrameMs,
		keyP50Ms: Math.max(...views.map(view => view.p50)),
		keyP99Ms: worst.p99,
		worstView: worst.view,
		missing,
	};
}

async function main(argv: string[]): Promise<number> {
	const {values} = parseArgs({
		args: argv,
		options: {
			objects: {type: 'string', default: '5000000'},
			dump: {type: 'string'},
			rounds: {type: 'string', default: '30'},
			'index-dir': {type: 'string'},
			json: {type: 'boolean', default: false},
			trace: {type: 'string'},
			'computing-only': {type: 'boolean', default: false},
		},
		strict: true,
	});
	const log = (line: string): void => {
		process.stdout.write(line + '\n');
	};

	process.env['NODE_ENV'] ??= 'production';

	const t0 = performance.now();
	let store: GraphStore;
	if (values.dump === undefined) {
		const objects = Number(values.objects.replace(/m$/i, 'e6').replace(/k$/i, 'e3'));
		store = syntheticStore({objects});
		log(`synthetic store: ${store.objectCount.toLocaleString('en-US')} objects, ${store.edgeCount.toLocaleString('en-US')} references, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
	} else {
		const indexDir = values['index-dir'];
		store = (await loadDump(values.dump, indexDir === undefined ? {} : {index: true, indexDir})).store;
		log(`${values.dump}: ${store.objectCount.toLocaleString('en-US')} objects, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
	}

	const traceOverMs = values.trace === undefined ? Number.POSITIVE_INFINITY : Number(values.trace);
	const figures = await benchmark(store, Number(values.rounds), log, landmarks(store, values.dump === undefined), {traceOverMs, computingOnly: values['computing-only']});
	if (values.json) {
		log(JSON.stringify({...figures, objects: store.objectCount}));
	}

	return 0;
}

function isMain(): boolean {
	const script = process.argv[1];
	try {
		return script !== undefined && realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
	} catch {
		return false;
	}
}

if (isMain()) {
	main(process.argv.slice(2)).then(
		code => {
			process.exitCode = code;
		},
		(error: unknown) => {
			process.stderr.write(`ui-keys: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
			process.exitCode = 2;
		},
	);
}
