/**
 * A container without Docker, for the capture tests: new mount and PID
 * namespaces (and optionally a user namespace), a tmpfs root holding bind
 * mounts of /usr and of the interpreter's prefix, a private /tmp, chroot,
 * and a target running as a non-root uid. Needs root and util-linux's
 * `unshare`, `setpriv` and `chroot`.
 */

import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync, lstatSync, readdirSync, readFileSync, rmdirSync} from 'node:fs';
import path from 'node:path';
import {Live, programsDir, scratchDir} from './python.js';

/** Why containers cannot be built here, or undefined when they can. */
export function containerSkipReason(): string | undefined {
	if (process.platform !== 'linux') {
		return 'Linux only';
	}

	if (process.getuid?.() !== 0) {
		return 'needs root (unshare, mount and chroot)';
	}

	for (const tool of ['unshare', 'setpriv', 'chroot', 'mount']) {
		try {
			execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
		} catch {
			return `\`${tool}\` is missing`;
		}
	}

	try {
		execFileSync('unshare', ['--mount', '--pid', '--fork', 'true'], {stdio: 'ignore', timeout: 10_000});
	} catch {
		return '`unshare --mount --pid` is not permitted here';
	}

	return undefined;
}

// Run as the container's init: builds the root and runs the target in it.
const SCRIPT = String.raw`
set -e
R="$1"; shift
mount -t tmpfs -o size=64m,mode=755 meliae-ctr "$R"
mkdir -p "$R/usr" "$R/tmp" "$R/app" "$R/proc" "$R/home/app" "$R/dev"
touch "$R/dev/null"; mount --bind /dev/null "$R/dev/null"
mount --rbind /usr "$R/usr"
ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s usr/bin "$R/bin"
bind_in() {
  if [ -n "$CTR_PREFIX" ]; then mkdir -p "$R$CTR_PREFIX"; mount --rbind "$CTR_PREFIX" "$R$CTR_PREFIX"; fi
  if [ -n "$CTR_REPO" ]; then mkdir -p "$R$CTR_REPO"; mount --rbind "$CTR_REPO" "$R$CTR_REPO"; fi
}
if [ -n "$CTR_TMP_LINK" ]; then
  # Before /tmp becomes a link: nothing is ever created through it.
  bind_in
  rmdir "$R/tmp"; ln -s "$CTR_TMP_LINK" "$R/tmp"
else
  mount -t tmpfs -o "size=$CTR_TMP_SIZE,mode=1777" meliae-ctr-tmp "$R/tmp"
  # After the private /tmp: a repository or interpreter under /tmp stays visible.
  bind_in
fi
if [ "$CTR_TMP_RO" = 1 ]; then mount -o remount,ro "$R/tmp"; fi
cp "$CTR_PROGRAM" "$R/app/target.py"
cp "$(dirname "$CTR_PROGRAM")/command_loop.py" "$R/app/command_loop.py"
chown "$CTR_UID:$CTR_UID" "$R/home/app"
mount -t proc proc "$R/proc"
set +e
if [ -n "$CTR_RUN_DIR" ]; then
  # The target under meliae-tui run, as the container's user.
  chroot "$R" /usr/bin/env -C "$CTR_WORKDIR" /usr/bin/setpriv --reuid="$CTR_UID" --regid="$CTR_UID" --clear-groups /usr/bin/env HOME=/home/app PATH=/usr/bin "$CTR_NODE" "$CTR_REPO/dist/cli.js" run --dir "$CTR_RUN_DIR" -- "$CTR_PYTHON" /app/target.py "$@"
else
  chroot "$R" /usr/bin/env -C "$CTR_WORKDIR" /usr/bin/setpriv --reuid="$CTR_UID" --regid="$CTR_UID" --clear-groups "$CTR_PYTHON" /app/target.py "$@"
fi
echo "container exited"
# Keep the namespaces (and what the target left in them) until we are stopped.
while read -r line; do :; done
`;

// A user namespace mapping its uids 0..65535 to HOST_BASE..: the helper
// (our own code, run by the system python3) unshares it, has a child write
// the maps, becomes the namespace's root and runs the rest.
const USERNS = String.raw`
import ctypes, os, sys
base = int(sys.argv[1])
r, w = os.pipe()
parent = os.getpid()
child = os.fork()
if child == 0:
    os.close(w)
    os.read(r, 1)
    for name in ('uid_map', 'gid_map'):
        with open('/proc/%d/%s' % (parent, name), 'w') as f:
            f.write('0 %d 65536\n' % base)
    os._exit(0)
os.close(r)
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:
    sys.exit('unshare(CLONE_NEWUSER): ' + os.strerror(ctypes.get_errno()))
os.write(w, b'x')
if os.waitpid(child, 0)[1] != 0:
    sys.exit('could not write the uid map')
os.setresgid(0, 0, 0)
os.setresuid(0, 0, 0)
os.execvp(sys.argv[2], sys.argv[2:])
`;

export const USERNS_BASE = 100_000;

export type ContainerOptions = {
	/** The interpreter (a host path); its prefix is bind-mounted at the same path unless it is under /usr. */
	python: string;
	/** The program's arguments after the token. */
	args: readonly string[];
	/** tmpfs size of the private /tmp (mount's size= syntax). */
	tmpSize?: string;
	readOnlyTmp?: boolean;
	/** Make the container's /tmp this symlink instead (an absolute one names a host path when followed from the host). */
	tmpLink?: string;
	/** Also a user namespace (uid 0 inside is USERNS_BASE outside). */
	userNamespace?: boolean;
	/** The target's uid inside (default 1000). */
	uid?: number;
	/** The target's working directory inside (default /home/app, owned by its uid). */
	workdir?: string;
	/** Bind-mount this repository at the same path inside (for running meliae-tui in the container). */
	repo?: string;
	/** Start the target under `meliae-tui run --dir RUN_DIR` (needs repo, and node under /usr). */
	runDir?: string;
};

export class Container {
	readonly live: Live;
	readonly token = randomBytes(8).toString('hex');
	readonly rootDir: string;
	/** The target's pid as the host sees it. */
	hostPid = 0;
	/** Its pid and uid as it sees them. */
	innerPid = 0;
	innerUid = 0;
	/** The container's init (the target's parent), which keeps its filesystems alive. */
	initPid = 0;

	constructor(readonly options: ContainerOptions) {
		this.rootDir = scratchDir('meliae-ctr-');
		const program = path.join(programsDir, 'container_target.py');
		const exe = options.python;
		const prefix = exe.startsWith('/usr/') ? '' : path.dirname(path.dirname(exe));
		const env: NodeJS.ProcessEnv = {
			...process.env,
			CTR_PROGRAM: program,
			CTR_PYTHON: exe,
			CTR_PREFIX: prefix,
			CTR_TMP_SIZE: options.tmpSize ?? '16m',
			CTR_TMP_RO: options.readOnlyTmp ? '1' : '0',
			CTR_TMP_LINK: options.tmpLink ?? '',
			CTR_UID: String(options.uid ?? 1000),
			CTR_WORKDIR: options.workdir ?? '/home/app',
			CTR_REPO: options.repo ?? '',
			CTR_RUN_DIR: options.runDir ?? '',
			CTR_NODE: process.execPath,
		};
		delete env['NODE_EXTRA_CA_CERTS'];
		const inner = ['unshare', '--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', 'sh', '-c', SCRIPT, 'sh', this.rootDir, this.token, ...options.args];
		this.live = options.userNamespace
			? new Live('/usr/bin/python3', ['-I', '-S', '-c', USERNS, String(USERNS_BASE), ...inner], env)
			: new Live(inner[0]!, inner.slice(1), env);
	}

	/** Wait for the target to be ready and find its host pid. */
	async ready(timeoutMs = 60_000): Promise<void> {
		await this.live.waitFor(live => /^ready \d+ \d+$/m.test(live.stdout), 'the contained target', timeoutMs);
		const [, pid, uid] = /^ready (\d+) (\d+)$/m.exec(this.live.stdout)!;
		this.innerPid = Number(pid);
		this.innerUid = Number(uid);
		for (const entry of readdirSync('/proc')) {
			if (!/^\d+$/.test(entry)) {
				continue;
			}

			try {
				const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
				if (argv[1] === '/app/target.py' && argv[2] === this.token) {
					this.hostPid = Number(entry);
					break;
				}
			} catch {
				// gone meanwhile
			}
		}

		if (this.hostPid === 0) {
			throw new Error('the contained target is not visible from the host');
		}

		this.initPid = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${this.hostPid}/status`, 'utf8'))![1]);
	}

	/** The container's root as the host reaches it. */
	get root(): string {
		// Once the target is gone: through its init, which is not chrooted (the container's root is its mount point).
		return existsSync(`/proc/${this.hostPid}/root/app`) ? `/proc/${this.hostPid}/root` : `/proc/${this.initPid}/root${this.rootDir}`;
	}

	/** Every path in the container's own filesystems (/usr, /proc and the interpreter left out). */
	tree(): string[] {
		const skip = new Set(['/usr', '/proc']);
		const exe = this.options.python;
		if (!exe.startsWith('/usr/')) {
			skip.add(path.dirname(path.dirname(exe)));
		}

		if (this.options.repo !== undefined) {
			skip.add(path.resolve(this.options.repo));
		}

		const found: string[] = [];
		const walk = (relative: string) => {
			for (const name of readdirSync(this.root + relative).sort()) {
				const child = `${relative}/${name}`;
				if (skip.has(child)) {
					continue;
				}

				found.push(child);
				if (lstatSync(this.root + child).isDirectory()) {
					walk(child);
				}
			}
		};

		walk('');
		return found;
	}

	/** Run a command inside the container (its namespaces, root and working directory), as its root. */
	exec(command: string, args: readonly string[]): Live {
		// The host's certificate bundle is not in the container.
		const {NODE_EXTRA_CA_CERTS: _certs, ...env} = process.env;
		return new Live('nsenter', ['-t', String(this.hostPid), '-m', '-p', '-r', '-w', command, ...args], env);
	}

	async ping(): Promise<void> {
		const before = this.live.stdout.split('pong\n').length;
		await this.live.send('ping');
		await this.live.waitFor(live => live.stdout.split('pong\n').length > before, 'pong from the contained target');
	}

	/** Stop everything and remove the mount point (empty once the namespace is gone). */
	async dispose(): Promise<void> {
		this.live.kill();
		if (this.hostPid !== 0 && existsSync(`/proc/${this.hostPid}`)) {
			try {
				process.kill(this.hostPid, 'SIGKILL');
			} catch {
				// gone
			}
		}

		await this.live.exited;
		const deadline = Date.now() + 5000;
		while (Date.now() < deadline) {
			try {
				rmdirSync(this.rootDir);
				return;
			} catch {
				// still a mount point for a moment
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 50);
			});
		}
	}
}
