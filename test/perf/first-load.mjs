// Times one first load (parse, index written to a fresh directory), the
// summary, and dominators with retained sizes, with the loader's phases.
// As the commands do, the index is written while the dominators compute
// (in slices), and the time to retained sizes includes waiting for it.
//   [DIST=dir] node test/perf/first-load.mjs DUMP [--no-index] [--workers N] [--no-dom]
// DIST: another build's dist/ (to compare two versions side by side).
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
const dist = process.env.DIST ?? new URL('../../dist', import.meta.url).pathname;
const {loadDump} = await import(`${dist}/core/dump/load.js`);
const {summarizeTypes} = await import(`${dist}/core/analyses/summary.js`);
const {computeDominatorsAsync} = await import(`${dist}/core/analyses/dominators.js`);
const {tuneForLoading} = await import(`${dist}/core/util/tuning.js`);

tuneForLoading?.();
const file = process.argv[2];
const args = process.argv.slice(3);
const workersAt = args.indexOf('--workers');
const useIndex = !args.includes('--no-index');
const dir = mkdtempSync(join(tmpdir(), 'fl-index-'));
const started = performance.now();
const phases = [];
let cpuMark = process.cpuUsage();
const cpuSince = () => { const u = process.cpuUsage(cpuMark); cpuMark = process.cpuUsage(); return Math.round((u.user + u.system) / 1000); };
let summaryMs;
const peakByPhase = {};
const result = await loadDump(file, {
	index: useIndex, indexDir: dir, indexMinBytes: 0, overlapIndexWrite: true,
	workers: workersAt >= 0 ? Number(args[workersAt + 1]) : undefined,
	onProgress(p) { const r = process.memoryUsage().rss; if (r > (peakByPhase[p.phase] ?? 0)) peakByPhase[p.phase] = r; },
	onPhase(phase, ms) { phases.push(`${phase} ${Math.round(ms)}/${cpuSince()}cpu/${Math.round(process.memoryUsage().rss / 1e6)}MB`); },
	onObjectsReady(store) { summarizeTypes(store); summaryMs = performance.now() - started; },
});
const loadedMs = performance.now() - started;
// Not read back from the index when it was left there (that would be 34 MB more at 5M).
const onDisk = result.store.isLoaded?.('addressSlots') === false;
console.log(`hash slots ${onDisk ? 'left to the index' : result.store.addressIndex.slots.length} for ${result.store.objectCount} objects (${result.lines} lines)`);
let domMs = 0;
if (!args.includes('--no-dom')) {
	const t = performance.now();
	cpuSince();
	await computeDominatorsAsync(result.store, {sliceMs: 50, onProgress() { const r = process.memoryUsage().rss; if (r > (peakByPhase.dominators ?? 0)) peakByPhase.dominators = r; }});
	domMs = performance.now() - t;
	phases.push(`dominators ${Math.round(domMs)}/${cpuSince()}cpu`);
}
// The index written (a build without the overlap wrote it before returning).
await result.indexWritten;
const total = performance.now() - started;
const cpu = process.cpuUsage();
const rss = process.resourceUsage().maxRSS * 1024;
rmSync(dir, {recursive: true, force: true});
if (process.env.PEAKS) console.log('rss by phase (MB):', Object.entries(peakByPhase).map(([k, v]) => `${k} ${Math.round(v / 1e6)}`).join(', '));
console.log(`ours: summary ${(summaryMs / 1000).toFixed(2)} s, loaded ${(loadedMs / 1000).toFixed(2)} s, retained ${(total / 1000).toFixed(2)} s (dom ${Math.round(domMs)} ms), peak ${(rss / 1e6).toFixed(0)} MB = ${(rss / result.lines).toFixed(0)} B/obj; cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; ${phases.join(', ')}`);
