/**
 * `attach` from the host to a Python process in a container (built with
 * unshare: its own mount and PID namespaces, a tmpfs root with /usr bound
 * in, a private /tmp, chroot, a non-root uid; optionally a user namespace),
 * given the host's pid. The dump arrives at --out (0600) with exact counts
 * of the objects the target holds, nothing is left in the container's
 * filesystem, and the target answers afterwards.
 */

import {chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {cliPath, NODE_FLAGS} from '../helpers/cli.js';
import {Container, type ContainerOptions, containerSkipReason, USERNS_BASE} from './container.js';
import {checkDump, interpreters, Live, readDumpText, repoRoot, scratchDir, typeCounts} from './python.js';

const skipReason = containerSkipReason();
const systemPython = '/usr/bin/python3';
const running: Array<Container | Live> = [];
const outDirs: string[] = [];

afterEach(async () => {
	for (const item of running.splice(0)) {
		if (item instanceof Container) {
			// eslint-disable-next-line no-await-in-loop
			await item.dispose();
		} else {
			item.kill();
		}
	}

	for (const dir of outDirs.splice(0)) {
		rmSync(dir, {recursive: true, force: true});
	}
});

async function contained(options: ContainerOptions): Promise<Container> {
	const container = new Container(options);
	running.push(container);
	await container.ready();
	return container;
}

function attach(pid: number, out: string, ...extra: string[]): Live {
	const live = new Live(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(pid), '--out', out, ...extra]);
	running.push(live);
	return live;
}

type Meta = {
	pid: number;
	objects: number;
	attach: {host_pid: number; nspid: number[]; pid_in_container: number; root_differs: boolean; written: string; namespaces: Record<string, {inode: number; differs: boolean}>};
};

/** The dump at `out`: 0600, exact counts of what the target holds, a sidecar that says where it came from. */
function expectDump(container: Container, out: string, count: number, fromHost = true): Meta {
	expect(statSync(out).mode & 0o777).toBe(0o600);
	expect(statSync(`${out}.meta.json`).mode & 0o777).toBe(0o600);
	const dump = checkDump(readDumpText(out));
	const types = typeCounts(dump);
	expect(types.get('ContainerMarker')).toBe(count);
	expect(dump.lines.filter(line => typeof line.value === 'string' && /^container item \d+$/.test(line.value)).length).toBe(count);
	const meta = JSON.parse(readFileSync(`${out}.meta.json`, 'utf8')) as Meta;
	expect(meta.objects).toBe(dump.lines.length);
	expect(meta.pid).toBe(container.innerPid);
	expect(meta.attach.namespaces['net']?.differs).toBe(false);
	if (fromHost) {
		expect(meta.attach.host_pid).toBe(container.hostPid);
		expect(meta.attach.nspid).toEqual([container.hostPid, container.innerPid]);
		expect(meta.attach.pid_in_container).toBe(container.innerPid);
		expect(meta.attach.root_differs).toBe(true);
		expect(meta.attach.namespaces['mnt']).toEqual({inode: statSync(`/proc/${container.hostPid}/ns/mnt`).ino, differs: true});
		expect(meta.attach.namespaces['pid']?.differs).toBe(true);
	} else {
		// Seen from inside: its own pid, nothing differs.
		expect(meta.attach.host_pid).toBe(container.innerPid);
		expect(meta.attach.nspid).toEqual([container.innerPid]);
		expect(meta.attach.root_differs).toBe(false);
		expect(Object.values(meta.attach.namespaces).every(ns => !ns.differs)).toBe(true);
	}

	return meta;
}

function byPath(a: string, b: string): number {
	return a < b ? -1 : (a > b ? 1 : 0);
}

/** A host directory only root may write: the target could never write --out there itself. */
function hostOutDir(): string {
	const dir = scratchDir('meliae-ctr-out-');
	outDirs.push(dir);
	return dir;
}

const pythons = [
	...(existsSync(systemPython) ? [{label: 'Debian /usr/bin/python3', exe: systemPython}] : []),
	// (an interpreter under /tmp would be hidden by the container's private /tmp)
	...interpreters().filter(python => !python.exe.startsWith('/usr/') && !python.exe.startsWith('/tmp/')).map(python => ({label: python.label, exe: python.exe})),
];

describe.skipIf(skipReason !== undefined)(`attach to a contained process from the host${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
	for (const python of pythons) {
		it(`${python.label}: streamed to --out through the target's /tmp, exact counts, nothing left inside`, async () => {
			const container = await contained({python: python.exe, args: ['2000']});
			expect(container.innerUid).toBe(1000);
			expect(container.hostPid).not.toBe(container.innerPid);
			const before = container.tree();
			const out = join(hostOutDir(), 'd.json.gz');
			const run = attach(container.hostPid, out);
			const {code} = await run.exited;
			expect(run.stderr).toMatch(new RegExp(`^meliae-tui: dumped process ${container.hostPid} \\(Python [\\d.]+, pid ${container.innerPid} in its namespace\\) via ptrace: [\\d,]+ objects; .*; streamed through /tmp/meliae-attach-[a-z2-7]+ in the target\\n(meliae-tui: note: no allocation sites.*\\n)?$`));
			expect(code).toBe(0);
			expect(run.stdout).toBe(`${out}\n`);
			const meta = expectDump(container, out, 2000);
			expect(meta.attach.written).toBe('pipe in tmp');
			expect(container.tree()).toEqual(before);
			await container.ping();
		}, 120_000);
	}

	it('--stage file: written in the target\'s /tmp under a random name, copied to --out, removed', async () => {
		const container = await contained({python: systemPython, args: ['1500']});
		const before = container.tree();
		const out = join(hostOutDir(), 'd.json');
		const run = attach(container.hostPid, out, '--stage', 'file');
		const {code} = await run.exited;
		expect(run.stderr).toMatch(/; copied through \/tmp\/meliae-attach-[a-z2-7]+ in the target\n(meliae-tui: note: no allocation sites.*\n)?$/);
		expect(code).toBe(0);
		expect(expectDump(container, out, 1500).attach.written).toBe('file in tmp');
		expect(container.tree()).toEqual(before);
		await container.ping();
	}, 120_000);

	it('a read-only /tmp: says so and uses the working directory', async () => {
		const container = await contained({python: systemPython, args: ['1000'], readOnlyTmp: true});
		const before = container.tree();
		const out = join(hostOutDir(), 'd.json.gz');
		const run = attach(container.hostPid, out);
		const {code} = await run.exited;
		expect(run.stderr).toMatch(/^meliae-tui: the target's \/tmp is read-only; tried the next place\nmeliae-tui: dumped process \d+ .*; streamed through \.\/meliae-attach-[a-z2-7]+ in the target\n(meliae-tui: note: no allocation sites.*\n)?$/);
		expect(code).toBe(0);
		expect(expectDump(container, out, 1000).attach.written).toBe('pipe in cwd');
		expect(container.tree()).toEqual(before);
		await container.ping();
	}, 120_000);

	it('a full /tmp: a file does not fit there (it says so and uses the working directory); the pipe needs no room', async () => {
		const container = await contained({python: systemPython, args: ['1000'], tmpSize: '64k'});
		const before = container.tree();
		const dir = hostOutDir();
		const file = attach(container.hostPid, join(dir, 'f.json.gz'), '--stage', 'file');
		expect((await file.exited).code).toBe(0);
		expect(file.stderr).toMatch(/^meliae-tui: the target's \/tmp has 0\.1 MiB free, and the dump may need [\d.]+ MiB; tried the next place\nmeliae-tui: dumped process .*; copied through \.\/meliae-attach-[a-z2-7]+ in the target\n(meliae-tui: note: no allocation sites.*\n)?$/);
		expectDump(container, join(dir, 'f.json.gz'), 1000);
		const pipe = attach(container.hostPid, join(dir, 'p.json.gz'));
		expect((await pipe.exited).code).toBe(0);
		expect(pipe.stderr).toMatch(/; streamed through \/tmp\/meliae-attach-[a-z2-7]+ in the target\n(meliae-tui: note: no allocation sites.*\n)?$/);
		expectDump(container, join(dir, 'p.json.gz'), 1000);
		expect(container.tree()).toEqual(before);
		await container.ping();
	}, 120_000);

	it('a file that fills the target\'s /tmp during the dump: removed, and the next place is tried', async () => {
		// 300k distinct ints: the plain dump is about twice the memory they take,
		// so it passes the free-space estimate (the process's RSS) and then fails.
		const container = await contained({python: systemPython, args: ['500', '300000'], tmpSize: '1m'});
		const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${container.hostPid}/status`, 'utf8'))![1]) * 1024;
		const before = container.tree();
		// Room for the estimate, not for the dump: remount the container's /tmp with that size.
		const size = Math.ceil((rss * 1.1) / 4096) * 4096;
		const remount = new Live('nsenter', ['-t', String(container.hostPid), '-m', '-r', 'mount', '-o', `remount,size=${size}`, '/tmp']);
		expect((await remount.exited).code).toBe(0);
		const out = join(hostOutDir(), 'd.json');
		const run = attach(container.hostPid, out, '--stage', 'file');
		const {code} = await run.exited;
		expect(run.stderr).toMatch(/^meliae-tui: a file in the target's \/tmp failed: OSError: \[Errno 28\] No space left on device; tried the next place\nmeliae-tui: dumped process .*; copied through \.\/meliae-attach-[a-z2-7]+ in the target\n(meliae-tui: note: no allocation sites.*\n)?$/);
		expect(code).toBe(0);
		expectDump(container, out, 500);
		expect(container.tree()).toEqual(before);
		await container.ping();
	}, 120_000);

	it('a /tmp that is an absolute symlink (to a host directory, seen from the host) is never followed', async () => {
		const hostDir = scratchDir('meliae-ctr-bait-');
		outDirs.push(hostDir);
		chmodSync(hostDir, 0o1777);
		const container = await contained({python: systemPython, args: ['700'], tmpLink: hostDir});
		const before = container.tree();
		for (const stage of ['pipe', 'file']) {
			const out = join(hostOutDir(), 'd.json.gz');
			const run = attach(container.hostPid, out, '--stage', stage);
			// eslint-disable-next-line no-await-in-loop
			const {code} = await run.exited;
			expect(run.stderr).toMatch(/^meliae-tui: the target's \/tmp is a symlink: not followed; tried the next place\nmeliae-tui: dumped process .*(streamed|copied) through \.\/meliae-attach-[a-z2-7]+ in the target\n(meliae-tui: note: no allocation sites.*\n)?$/);
			expect(code).toBe(0);
			expectDump(container, out, 700);
			expect(readdirSync(hostDir)).toEqual([]);
		}

		expect(container.tree()).toEqual(before);
		await container.ping();
	}, 120_000);

	it('--method gdb streams through the target\'s /tmp too', async () => {
		const container = await contained({python: systemPython, args: ['600']});
		const before = container.tree();
		const out = join(hostOutDir(), 'd.json.gz');
		const run = attach(container.hostPid, out, '--method', 'gdb');
		const {code} = await run.exited;
		expect(run.stderr).toMatch(/ via gdb: .*; streamed through \/tmp\/meliae-attach-[a-z2-7]+ in the target\n(meliae-tui: note: no allocation sites.*\n)?$/);
		expect(code).toBe(0);
		expectDump(container, out, 600);
		expect(container.tree()).toEqual(before);
		await container.ping();
	}, 120_000);

	it('a target in its own user namespace (uid 1000 inside is another uid outside)', async () => {
		const container = await contained({python: systemPython, args: ['1200'], userNamespace: true});
		expect(readFileSync(`/proc/${container.hostPid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${USERNS_BASE + 1000}\\s`, 'm'));
		const before = container.tree();
		const out = join(hostOutDir(), 'd.json.gz');
		const run = attach(container.hostPid, out);
		const {code} = await run.exited;
		expect(run.stderr).toMatch(/; streamed through \/tmp\/meliae-attach-[a-z2-7]+ in the target\n(meliae-tui: note: no allocation sites.*\n)?$/);
		expect(code).toBe(0);
		const meta = expectDump(container, out, 1200);
		expect(meta.attach.namespaces['user']?.differs).toBe(true);
		const file = join(hostOutDir(), 'f.json.gz');
		const copied = attach(container.hostPid, file, '--stage', 'file');
		expect((await copied.exited).code).toBe(0);
		expectDump(container, file, 1200);
		expect(container.tree()).toEqual(before);
		await container.ping();
	}, 120_000);

	it('inside the same container, with the container\'s pid: the target writes --out itself', async () => {
		const container = await contained({python: systemPython, args: ['800'], repo: repoRoot});
		const before = container.tree();
		const run = container.exec(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(container.innerPid), '--out', '/tmp/inside.json.gz']);
		running.push(run);
		const {code} = await run.exited;
		expect(run.stderr).toMatch(new RegExp(`^meliae-tui: dumped process ${container.innerPid} \\(Python [\\d.]+\\) via ptrace: [\\d,]+ objects; main thread stopped [\\d.]+ ms, [\\d.]+ s in all\\n(meliae-tui: note: no allocation sites.*\\n)?$`));
		expect(code).toBe(0);
		const out = `${container.root}/tmp/inside.json.gz`;
		// Written by the target (uid 1000 inside), not copied.
		expect(statSync(out).uid).toBe(1000);
		const meta = expectDump(container, out, 800, false);
		expect(meta.attach.written).toBe('direct');
		expect(container.tree().sort(byPath)).toEqual([...before, '/tmp/inside.json.gz', '/tmp/inside.json.gz.meta.json'].sort(byPath));
		await container.ping();
	}, 120_000);

	it('meliae-tui run inside a container works as outside: a signal writes a dump into --dir', async () => {
		const container = await contained({python: systemPython, args: ['900'], repo: repoRoot, runDir: '/home/app/dumps'});
		const dumps = `${container.root}/home/app/dumps`;
		process.kill(container.hostPid, 'SIGUSR2');
		await container.live.waitFor(live => /dump written: \/home\/app\/dumps\/meliae-\d+-[\d-]+\.json\.gz/.test(live.stderr), 'the dump from the hook', 60_000);
		const [name] = readdirSync(dumps).filter(entry => entry.endsWith('.json.gz'));
		expect(name).toMatch(new RegExp(`^meliae-${container.innerPid}-`));
		const dump = checkDump(readDumpText(join(dumps, name!)));
		expect(typeCounts(dump).get('ContainerMarker')).toBe(900);
		expect(dump.lines.filter(line => typeof line.value === 'string' && /^container item \d+$/.test(line.value)).length).toBe(900);
		expect(statSync(join(dumps, name!)).mode & 0o777).toBe(0o600);
		await container.ping();
	}, 120_000);

	it('a target killed during the dump: says so, nothing left inside or outside', async () => {
		const container = await contained({python: systemPython, args: ['300000']});
		const before = container.tree();
		const dir = hostOutDir();
		const out = join(dir, 'd.json.gz');
		const run = attach(container.hostPid, out);
		const deadline = Date.now() + 60_000;
		while (!(existsSync(out) && statSync(out).size > 0) && Date.now() < deadline) {
			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 10);
			});
		}

		process.kill(container.hostPid, 'SIGKILL');
		const {code} = await run.exited;
		expect(run.stderr).toMatch(new RegExp(`^meliae-tui: cannot dump process ${container.hostPid}: process ${container.hostPid} exited during the dump; removed d\\.json\\.gz, d\\.json\\.gz\\.meta\\.json\\n$`));
		expect(code).toBe(3);
		expect(readdirSync(dir)).toEqual([]);
		// Seen through the container's init, which is still there (once it has reaped the target).
		const reaped = Date.now() + 10_000;
		while (existsSync(`/proc/${container.hostPid}`) && Date.now() < reaped) {
			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 20);
			});
		}

		expect(existsSync(`/proc/${container.hostPid}`)).toBe(false);
		expect(container.tree()).toEqual(before);
	}, 120_000);

	it('the attacher killed (SIGKILL) while the target streams: the target, which does not ignore SIGPIPE, lives on', async () => {
		const container = await contained({python: systemPython, args: ['300000', '0', 'sigpipe-default']});
		const out = join(hostOutDir(), 'd.json.gz');
		const run = attach(container.hostPid, out);
		const deadline = Date.now() + 60_000;
		while (!(existsSync(out) && statSync(out).size > 0) && Date.now() < deadline) {
			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 10);
			});
		}

		// The python attacher (which holds the FIFOs' read ends), then meliae-tui.
		const attacher = readdirSync('/proc').filter(entry => /^\d+$/.test(entry)).find(entry => {
			try {
				return new RegExp(`^PPid:\\s+${run.pid}$`, 'm').test(readFileSync(`/proc/${entry}/status`, 'utf8'));
			} catch {
				return false;
			}
		});
		expect(attacher).toBeDefined();
		process.kill(Number(attacher), 'SIGKILL');
		run.child.kill('SIGKILL');
		await run.exited;
		// The injected thread gets EPIPE, ends the dump and unmaps its area.
		const restored = Date.now() + 10_000;
		const rwx = () => readFileSync(`/proc/${container.hostPid}/maps`, 'utf8').split('\n').filter(line => line.split(/\s+/)[1] === 'rwxp');
		while (rwx().length > 0 && Date.now() < restored) {
			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 20);
			});
		}

		expect(rwx()).toEqual([]);
		await container.ping();
	}, 120_000);

	for (const stage of ['pipe', 'file']) {
		it(`interrupted during the dump (${stage}): 130, nothing left inside or outside`, async () => {
			const container = await contained({python: systemPython, args: ['300000']});
			const before = container.tree();
			const dir = hostOutDir();
			const out = join(dir, 'd.json.gz');
			const run = attach(container.hostPid, out, '--stage', stage);
			// The dump has started once bytes arrive (pipe) or its file exists in the target.
			const deadline = Date.now() + 60_000;
			const started = () => stage === 'pipe'
				? existsSync(out) && statSync(out).size > 0
				: container.tree().some(entry => /^\/tmp\/meliae-attach-[a-z2-7]+\/dump\.json\.gz$/.test(entry));
			while (!started() && Date.now() < deadline) {
				// eslint-disable-next-line no-await-in-loop
				await new Promise(resolve => {
					setTimeout(resolve, 10);
				});
			}

			expect(started()).toBe(true);
			run.child.kill('SIGINT');
			const {code} = await run.exited;
			expect(run.stderr).toMatch(/^meliae-tui: attach to process \d+ interrupted: cancelled: the injected thread exited and unmapped its area(; removed d\.json\.gz, d\.json\.gz\.meta\.json)?\n$/);
			expect(code).toBe(130);
			expect(readdirSync(dir)).toEqual([]);
			expect(container.tree()).toEqual(before);
			await container.ping();
		}, 120_000);
	}
});
