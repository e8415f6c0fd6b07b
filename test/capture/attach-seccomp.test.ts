/**
 * When a seccomp filter refuses ptrace (a container's default profile on an
 * old kernel, a hardened service), the error says that seccomp refused it
 * and what to do, instead of a bare "Operation not permitted".
 */

import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {cliPath, NODE_FLAGS} from '../helpers/cli.js';
import {attachBlocker, interpreters, Live, programsDir, run, scratchDir} from './python.js';

const python = interpreters()[0];
const live: Live[] = [];

afterEach(() => {
	for (const item of live.splice(0)) {
		item.kill();
	}
});

// Our own helper, run by the trusted system python3: a seccomp filter whose
// only rule makes ptrace (x86-64 syscall 101) fail with EPERM, then exec.
const UNDER_SECCOMP = String.raw`
import ctypes, os, struct, sys
rules = [(0x20, 0, 0, 4), (0x15, 0, 3, 0xc000003e), (0x20, 0, 0, 0), (0x15, 0, 1, 101),
         (0x06, 0, 0, 0x00050000 | 1), (0x06, 0, 0, 0x7fff0000)]
code = b''.join(struct.pack('<HBBI', *rule) for rule in rules)
buf = ctypes.create_string_buffer(code, len(code))
prog = struct.pack('<HxxxxxxQ', len(rules), ctypes.addressof(buf))
pbuf = ctypes.create_string_buffer(prog, len(prog))
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.addressof(pbuf), 0, 0) != 0:
    sys.exit('cannot install the filter: ' + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[1], sys.argv[1:])
`;

describe.skipIf(python === undefined || process.platform !== 'linux' || process.arch !== 'x64')('attach under a seccomp filter', () => {
	it('names seccomp as what refused ptrace', async context => {
		const target = new Live(python!.exe, [join(programsDir, 'attach_target.py'), 'seccomp']);
		live.push(target);
		await target.waitFor(p => p.stdout.includes('ready\n'), 'ready', 30_000);
		const blocker = await attachBlocker(python!.exe, target.pid);
		if (blocker !== undefined) {
			context.skip(`attach is not possible here: ${blocker}`);
			return;
		}

		const out = join(scratchDir('meliae-attach-seccomp-'), 'd.json.gz');
		const result = await run('/usr/bin/python3', ['-I', '-S', '-c', UNDER_SECCOMP, process.execPath, ...NODE_FLAGS, cliPath, 'attach', String(target.pid), '--out', out], {timeoutMs: 60_000});
		expect(result.stderr).toMatch(new RegExp(`^meliae-tui: cannot dump process ${target.pid}: ptrace\\(PTRACE_SEIZE, ${target.pid}\\) failed: Operation not permitted \\(ptrace request 0x4206\\); seccomp: this process runs under a seccomp filter \\(Seccomp: 2 in /proc/self/status\\), which may refuse ptrace: run from the host, or start the container with --security-opt seccomp=unconfined`));
		expect(result.code).toBe(3);
		// Not refused without the filter.
		expect((await run(process.execPath, [...NODE_FLAGS, cliPath, 'attach', String(target.pid), '--out', out], {timeoutMs: 60_000})).code).toBe(0);
	}, 120_000);
});
