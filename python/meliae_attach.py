#!/usr/bin/env python3
"""Dump a running Python 3 process that was not started with our hook.

    python3 meliae_attach.py PID [--out FILE.json.gz] [--method auto|ptrace|gdb|remote_exec]
    python3 meliae_attach.py PID --check      # only say what would stop an attach

The target process writes the dump itself, with meliae_dump.py from this
directory (its directory is put on the target's sys.path for the import and
taken off again). One line of JSON on stdout says what happened::

    {"ok": true, "method": "ptrace", "pid": 123, "out": "/abs/x.json.gz",
     "stopped_ms": 4.1, "total_ms": 850.2, "objects": 250000, ...}
    {"ok": false, "pid": 123, "reason": "ptrace_scope", "error": "..."}

Paths, in the order `auto` tries them:

remote_exec
    Python 3.14+ targets, when this script runs on 3.14+ too:
    ``sys.remote_exec(pid, script)``.
ptrace (x86-64 Linux)
    Seize and interrupt only the main thread, wait for a point where it holds
    no libc lock (in the interpreter, or blocked in a syscall that is not a
    memory-management one), save every register and the extended FPU state,
    make it run ``mmap`` (one single-stepped ``syscall`` instruction of libc)
    for a private RWX area, write a small start routine and the Python source
    there, make the main thread call ``pthread_create`` on that routine (with
    its stack in our area), restore every register and detach. The new
    thread takes the GIL with ``PyGILState_Ensure``, runs the dumper with
    ``PyRun_SimpleStringFlags``, releases the GIL, detaches itself and exits.
    Afterwards the area is unmapped by a second short stop of the main
    thread. Symbol addresses come from the ELF ``.dynsym`` of libc and of
    libpython or the python executable (stripped binaries are fine), read
    from the files the target has mapped.
gdb
    The classic ``call PyGILState_Ensure()`` / ``PyRun_SimpleString`` recipe,
    used only when the ptrace path is not available before touching the
    target (or with ``--method gdb``). gdb stops every thread for its whole
    session, and gdb 13 fails every inferior call on CPUs whose XSAVE area is
    bigger than it writes (AMX), after which the target may abort: that is
    why it is not the first choice.

The main thread is stopped for a few milliseconds twice; no Python code runs
in it. Exceptions in the dump are reported here, never printed by the target.
The target keeps ``meliae_dump`` out of ``sys.modules`` afterwards but keeps
``ctypes`` if the dumper imported it.
"""

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

MIN_VERSION = (3, 8)


class AttachError(Exception):
    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


# ---------------------------------------------------------------------------
# /proc and ELF

def read_maps(pid):
    """[(start, end, perms, offset, path)] of /proc/PID/maps."""
    out = []
    with open('/proc/%d/maps' % pid) as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) < 5:
                continue
            start, end = (int(x, 16) for x in parts[0].split('-'))
            path = parts[5].strip() if len(parts) > 5 else ''
            out.append((start, end, parts[1], int(parts[2], 16), path))
    return out


def open_mapped_file(pid, maps, path):
    """The file as the target mapped it: /proc/PID/map_files if allowed
    (right even if the file on disk was replaced), else through its root."""
    for start, end, _perms, _off, p in maps:
        if p == path:
            try:
                return open('/proc/%d/map_files/%x-%x' % (pid, start, end), 'rb')
            except OSError:
                break
    if path.endswith(' (deleted)'):
        raise AttachError('deleted_binary', '%s was replaced on disk since the process started' % path)
    try:
        return open('/proc/%d/root%s' % (pid, path), 'rb')
    except OSError:
        return open(path, 'rb')


def elf_dynamic_symbols(f, wanted):
    """{name: (st_value, st_size)} for `wanted` names in the file's .dynsym,
    preferring default-version definitions; and the lowest PT_LOAD vaddr."""
    f.seek(0)
    ident = f.read(64)
    if ident[:4] != b'\x7fELF' or ident[4] != 2 or ident[5] != 1:
        raise AttachError('unsupported', 'not a 64-bit little-endian ELF file')
    (e_phoff, e_shoff) = struct.unpack_from('<QQ', ident, 32)
    e_phentsize, e_phnum, e_shentsize, e_shnum = struct.unpack_from('<HHHH', ident, 54)
    f.seek(e_phoff)
    ph = f.read(e_phentsize * e_phnum)
    min_vaddr = None
    for k in range(e_phnum):
        p_type, _flags, _off, p_vaddr = struct.unpack_from('<IIQQ', ph, k * e_phentsize)
        if p_type == 1 and (min_vaddr is None or p_vaddr < min_vaddr):
            min_vaddr = p_vaddr
    f.seek(e_shoff)
    sh = f.read(e_shentsize * e_shnum)
    sections = [struct.unpack_from('<IIQQQQIIQQ', sh, k * e_shentsize) for k in range(e_shnum)]
    found = {}
    versym = None
    dynsym = None
    for s in sections:
        if s[1] == 0x6fffffff:  # SHT_GNU_versym
            versym = s
        elif s[1] == 11:  # SHT_DYNSYM
            dynsym = s
    if dynsym is None:
        return found, min_vaddr or 0
    _n, _t, _fl, _a, off, size, link, _i, _al, entsize = dynsym
    strtab = sections[link]
    f.seek(strtab[4])
    strings = f.read(strtab[5])
    f.seek(off)
    syms = f.read(size)
    versions = None
    if versym is not None:
        f.seek(versym[4])
        versions = f.read(versym[5])
    wanted_b = {w.encode(): w for w in wanted}
    for k in range(size // entsize):
        st_name, st_info, _other, st_shndx, st_value, st_size = struct.unpack_from('<IBBHQQ', syms, k * entsize)
        if st_shndx == 0 or not st_value:
            continue
        end = strings.index(b'\0', st_name)
        name = wanted_b.get(strings[st_name:end])
        if name is None:
            continue
        hidden = bool(versions and struct.unpack_from('<H', versions, 2 * k)[0] & 0x8000)
        if name not in found or (found[name][2] and not hidden):
            found[name] = (st_value, st_size, hidden)
    return {k: v[:2] for k, v in found.items()}, min_vaddr or 0


def load_bias(maps, path, min_vaddr):
    starts = [s for s, _e, _p, off, p in maps if p == path and off == 0]
    if not starts:
        starts = [s for s, _e, _p, _off, p in maps if p == path]
    return min(starts) - (min_vaddr & ~0xfff)


def proc_status(pid):
    d = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            k, _, v = line.partition(':')
            d[k] = v.strip()
    return d


def capabilities():
    try:
        return int(proc_status(os.getpid()).get('CapEff', '0'), 16)
    except OSError:
        return 0


CAP_SYS_PTRACE = 19


class Target:
    """What we know about the target before touching it."""

    def __init__(self, pid):
        self.pid = pid
        if not os.path.isdir('/proc/%d' % pid):
            raise AttachError('no_process', 'no process %d' % pid)
        try:
            self.maps = read_maps(pid)
            self.exe = os.readlink('/proc/%d/exe' % pid)
        except PermissionError:
            raise AttachError('permission', 'cannot read /proc/%d (another user\'s process?)' % pid) from None
        except FileNotFoundError:
            raise AttachError('no_process', 'process %d is gone' % pid) from None
        self.status = proc_status(pid)
        self.python_path = None  # the file holding the C API symbols
        self.libc_path = None
        self.symbols = {}  # name -> runtime address
        self.version = None
        self.ranges = {'libc': [], 'ld': []}
        for start, end, perms, _off, path in self.maps:
            base = os.path.basename(path)
            if re.match(r'libc(\.so\.6|-2\.\d+\.so)$', base):
                self.libc_path = path
                if 'x' in perms:
                    self.ranges['libc'].append((start, end))
            elif base.startswith('ld-linux') or re.match(r'ld-2\.\d+\.so$', base):
                if 'x' in perms:
                    self.ranges['ld'].append((start, end))
            if self.python_path is None and re.match(r'libpython3\.\d+', base):
                self.python_path = path
        self.mapped_paths = {p for *_r, p in self.maps}

    def resolve(self):
        """Find the C API and libc symbols; raise AttachError if not Python."""
        api = ['PyGILState_Ensure', 'PyGILState_Release', 'PyRun_SimpleStringFlags',
               'Py_IsInitialized', 'Py_Version']
        candidates = [p for p in (self.python_path, self.exe) if p and p in self.mapped_paths]
        if self.exe + ' (deleted)' in self.mapped_paths:
            candidates.append(self.exe + ' (deleted)')
        for path in candidates:
            try:
                with open_mapped_file(self.pid, self.maps, path) as f:
                    syms, min_vaddr = elf_dynamic_symbols(f, api)
            except (OSError, AttachError, struct.error, ValueError):
                continue
            if 'PyGILState_Ensure' in syms and 'PyRun_SimpleStringFlags' in syms:
                bias = load_bias(self.maps, path, min_vaddr)
                self.symbols.update({k: v[0] + bias for k, v in syms.items()})
                self.python_path = path
                break
        else:
            raise AttachError('not_python', 'process %d (%s) has no Python 3 C API mapped: not a Python process'
                              % (self.pid, self.exe))
        self.version = self._version()
        if self.version is not None and self.version < MIN_VERSION:
            raise AttachError('version', 'Python %d.%d is not supported (3.8 or later needed)' % self.version)
        if self.libc_path is None:
            raise AttachError('unsupported', 'no glibc mapped in process %d' % self.pid)
        with open_mapped_file(self.pid, self.maps, self.libc_path) as f:
            syms, min_vaddr = elf_dynamic_symbols(
                f, ['pthread_create', 'pthread_detach', 'pthread_self', 'syscall'])
        missing = {'pthread_create', 'pthread_detach', 'pthread_self', 'syscall'} - set(syms)
        if missing:
            raise AttachError('unsupported', 'libc lacks %s (glibc older than 2.34 keeps pthread in libpthread)'
                              % ', '.join(sorted(missing)))
        bias = load_bias(self.maps, self.libc_path, min_vaddr)
        self.symbols.update({k: v[0] + bias for k, v in syms.items()})
        self.symbol_sizes = {k: v[1] for k, v in syms.items()}

    def _version(self):
        addr = self.symbols.get('Py_Version')
        if addr:
            try:
                with open('/proc/%d/mem' % self.pid, 'rb') as mem:
                    hexversion = struct.unpack('<I', os.pread(mem.fileno(), 4, addr))[0]
                return (hexversion >> 24, (hexversion >> 16) & 0xff)
            except OSError:
                pass
        for path in (self.python_path, self.exe):
            m = re.search(r'python(\d)\.(\d+)', os.path.basename(path or ''))
            if m:
                return (int(m.group(1)), int(m.group(2)))
        return None


def ptrace_problems(pid, status):
    """One line per reason ptrace would be refused, or []."""
    problems = []
    has_cap = bool(capabilities() >> CAP_SYS_PTRACE & 1)
    try:
        with open('/proc/sys/kernel/yama/ptrace_scope') as f:
            scope = int(f.read().strip())
    except (OSError, ValueError):
        scope = None
    if scope == 3:
        problems.append('ptrace_scope: /proc/sys/kernel/yama/ptrace_scope is 3: ptrace is disabled until reboot')
    elif scope == 2 and not has_cap:
        problems.append('ptrace_scope: /proc/sys/kernel/yama/ptrace_scope is 2: only CAP_SYS_PTRACE (root) may attach')
    elif scope == 1 and not has_cap:
        problems.append('ptrace_scope: /proc/sys/kernel/yama/ptrace_scope is 1: only a parent may attach; '
                        'run as root or set it to 0')
    uids = status.get('Uid', '').split()
    if uids and not has_cap and any(int(u) != os.geteuid() for u in uids):
        problems.append('other_user: process %d runs as uid %s and we are uid %d without CAP_SYS_PTRACE'
                        % (pid, uids[0], os.geteuid()))
    if os.geteuid() == 0 and not has_cap:
        problems.append('no_capability: running as root without CAP_SYS_PTRACE (a container without '
                        '--cap-add=SYS_PTRACE?)')
    tracer = status.get('TracerPid', '0')
    if tracer != '0':
        problems.append('traced: process %d is already traced by pid %s' % (pid, tracer))
    return problems


def check(pid):
    """What is missing for each path, as {'ok': bool, 'lines': [...]}."""
    lines = []
    ok = True
    try:
        t = Target(pid)
        t.resolve()
        lines.append('python: %s, C API in %s' % ('%d.%d' % t.version if t.version else 'version unknown',
                                                   t.python_path))
    except AttachError as e:
        return {'ok': False, 'lines': ['%s: %s' % (e.reason, e)]}
    problems = ptrace_problems(pid, t.status)
    lines.extend(problems)
    if problems:
        ok = False
    import platform
    if platform.machine() not in ('x86_64', 'AMD64') or not sys.platform.startswith('linux'):
        lines.append('arch: the ptrace injector supports x86-64 Linux only (this is %s %s)'
                     % (sys.platform, platform.machine()))
    if not shutil.which('gdb'):
        lines.append('gdb: not installed (only needed for the gdb fallback)')
    if t.version and t.version >= (3, 14) and not hasattr(sys, 'remote_exec'):
        lines.append('remote_exec: target is 3.14+ but this script runs on %d.%d; using ptrace'
                     % sys.version_info[:2])
    return {'ok': ok, 'lines': lines, 'target': t}


# ---------------------------------------------------------------------------
# ptrace (x86-64 Linux)

PTRACE_PEEKDATA = 2
PTRACE_CONT = 7
PTRACE_SINGLESTEP = 9
PTRACE_GETREGS = 12
PTRACE_SETREGS = 13
PTRACE_GETFPREGS = 14
PTRACE_SETFPREGS = 15
PTRACE_DETACH = 17
PTRACE_GETREGSET = 0x4204
PTRACE_SETREGSET = 0x4205
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
PTRACE_EVENT_STOP = 128
NT_X86_XSTATE = 0x202
WALL = 0x40000000

# Syscalls during which glibc may hold the malloc arena lock.
UNSAFE_SYSCALLS = {9, 10, 11, 12, 25, 28}  # mmap mprotect munmap brk mremap madvise


class user_regs_struct(ctypes.Structure):
    _fields_ = [(name, ctypes.c_ulonglong) for name in (
        'r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx',
        'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base',
        'gs_base', 'ds', 'es', 'fs', 'gs')]


class iovec(ctypes.Structure):
    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]


_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        _libc.ptrace.restype = ctypes.c_long
    return _libc


def ptrace(request, tid, addr=0, data=0):
    ctypes.set_errno(0)
    r = libc().ptrace(request, tid, ctypes.c_void_p(addr), ctypes.c_void_p(data))
    if r == -1:
        e = ctypes.get_errno()
        if e:
            raise OSError(e, '%s (ptrace request %#x)' % (os.strerror(e), request))
    return r


U64 = (1 << 64) - 1


class Tracer:
    """One seized thread (the main thread) of the target."""

    def __init__(self, pid):
        self.pid = pid
        self.seized = False
        self.pending_signal = 0

    def seize(self):
        try:
            ptrace(PTRACE_SEIZE, self.pid)
        except OSError as e:
            raise AttachError('ptrace_denied', 'ptrace(PTRACE_SEIZE, %d) failed: %s' % (self.pid, e.strerror)) from None
        self.seized = True
        self.mem = os.open('/proc/%d/mem' % self.pid, os.O_RDWR)

    def wait(self, timeout=10.0):
        """Wait for the next stop; returns (signal, event)."""
        deadline = time.monotonic() + timeout
        delay = 0.0001
        while True:
            wpid, status = os.waitpid(self.pid, os.WNOHANG | WALL)
            if wpid:
                break
            if time.monotonic() > deadline:
                raise AttachError('timeout', 'the main thread did not stop within %.0f s' % timeout)
            time.sleep(delay)
            delay = min(delay * 2, 0.005)
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            self.seized = False
            raise AttachError('exited', 'process %d exited during the attach' % self.pid)
        return os.WSTOPSIG(status), status >> 16

    def interrupt(self):
        ptrace(PTRACE_INTERRUPT, self.pid)
        while True:
            sig, event = self.wait()
            if event == PTRACE_EVENT_STOP:
                return
            # A signal was about to be delivered: keep it for the detach
            # (which delivers it) and stop again.
            self.pending_signal = sig
            ptrace(PTRACE_CONT, self.pid)
            ptrace(PTRACE_INTERRUPT, self.pid)

    def get_regs(self):
        regs = user_regs_struct()
        ptrace(PTRACE_GETREGS, self.pid, 0, ctypes.addressof(regs))
        return regs

    def set_regs(self, regs):
        ptrace(PTRACE_SETREGS, self.pid, 0, ctypes.addressof(regs))

    def get_fpstate(self):
        """The full XSAVE area (x87, SSE, AVX, AVX-512, AMX...), sized by the kernel."""
        buf = ctypes.create_string_buffer(1 << 16)
        iov = iovec(ctypes.addressof(buf), len(buf))
        try:
            ptrace(PTRACE_GETREGSET, self.pid, NT_X86_XSTATE, ctypes.addressof(iov))
            return ('xstate', buf.raw[:iov.len])
        except OSError:
            fx = ctypes.create_string_buffer(512)
            ptrace(PTRACE_GETFPREGS, self.pid, 0, ctypes.addressof(fx))
            return ('fpregs', fx.raw)

    def set_fpstate(self, state):
        kind, raw = state
        buf = ctypes.create_string_buffer(raw, len(raw))
        if kind == 'xstate':
            iov = iovec(ctypes.addressof(buf), len(raw))
            ptrace(PTRACE_SETREGSET, self.pid, NT_X86_XSTATE, ctypes.addressof(iov))
        else:
            ptrace(PTRACE_SETFPREGS, self.pid, 0, ctypes.addressof(buf))

    def read(self, addr, n):
        return os.pread(self.mem, n, addr)

    def write(self, addr, data):
        if os.pwrite(self.mem, data, addr) != len(data):
            raise AttachError('write_failed', 'short write into process memory')

    def cont(self, sig=0):
        ptrace(PTRACE_CONT, self.pid, 0, sig)

    def detach(self):
        if self.seized:
            ptrace(PTRACE_DETACH, self.pid, 0, self.pending_signal)
            self.seized = False

    def close(self):
        if getattr(self, 'mem', None) is not None:
            os.close(self.mem)
            self.mem = None


def in_ranges(addr, ranges):
    return any(start <= addr < end for start, end in ranges)


def stop_at_safe_point(tracer, target, attempts=400):
    """Interrupt the main thread where it holds no libc lock; return its registers.

    Safe: running in the interpreter or an extension (not libc or ld.so), or
    blocked in a syscall other than mmap/munmap/brk/mprotect/mremap/madvise.
    """
    for attempt in range(attempts):
        tracer.interrupt()
        regs = tracer.get_regs()
        nr = regs.orig_rax if regs.orig_rax < (1 << 63) else -1
        if nr >= 0:
            if nr not in UNSAFE_SYSCALLS:
                return regs
        elif not (in_ranges(regs.rip, target.ranges['libc']) or in_ranges(regs.rip, target.ranges['ld'])):
            return regs
        tracer.cont()
        time.sleep(0.0005 if attempt < 50 else 0.005)
    raise AttachError('busy', 'the main thread never stopped outside libc (tried %d times)' % attempts)


def find_syscall_instruction(tracer, target):
    """Address of the `syscall` instruction inside libc's syscall() wrapper."""
    start = target.symbols['syscall']
    code = tracer.read(start, max(64, min(target.symbol_sizes.get('syscall', 64), 256)))
    k = code.find(b'\x0f\x05')
    if k < 0:
        raise AttachError('unsupported', 'no syscall instruction found in libc syscall()')
    return start + k


def run_syscall(tracer, saved, insn, nr, *args):
    """Single-step one syscall instruction in the stopped main thread."""
    regs = user_regs_struct.from_buffer_copy(saved)
    regs.rax = nr
    for name, value in zip(('rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'), args):
        setattr(regs, name, value & U64)
    regs.rip = insn
    regs.orig_rax = U64  # -1: keep the kernel from "restarting" an interrupted syscall here
    tracer.set_regs(regs)
    ptrace(PTRACE_SINGLESTEP, tracer.pid)
    while True:
        sig, event = tracer.wait()
        if sig == signal.SIGTRAP and not event:
            break
        if event == PTRACE_EVENT_STOP:
            ptrace(PTRACE_SINGLESTEP, tracer.pid)
            continue
        tracer.pending_signal = sig
        ptrace(PTRACE_SINGLESTEP, tracer.pid)
    result = tracer.get_regs().rax
    return result - (1 << 64) if result >= (1 << 63) else result


# Layout of the area we map in the target.
AREA_SIZE = 256 * 1024
OFF_CODE = 0
OFF_INT3 = 0x400
OFF_VARS = 0x500  # u32 tid, u32 gil state, i32 rc, u32 done, u64 pthread_t
OFF_STATUS = 0x800  # JSON status written by the injected Python code
STATUS_MAX = 0x800
OFF_SOURCE = 0x1000
SOURCE_MAX = 0x8000
OFF_STACK_TOP = AREA_SIZE - 64


def start_routine(area, symbols):
    """x86-64 code for `void *start(void *)` run by the new thread."""
    def movabs_rax(value):
        return b'\x48\xb8' + struct.pack('<Q', value)

    def rbx_disp(op, disp):
        return op + struct.pack('<i', disp)

    call_rax = b'\xff\xd0'
    code = bytearray()
    code += b'\x53'  # push rbx (aligns the stack for calls)
    code += b'\x48\xbb' + struct.pack('<Q', area + OFF_VARS)  # movabs rbx, vars
    code += b'\xb8' + struct.pack('<I', 186) + b'\x0f\x05'  # gettid
    code += rbx_disp(b'\x89\x83', 0)  # mov [rbx], eax
    code += movabs_rax(symbols['pthread_self']) + call_rax
    code += b'\x48\x89\xc7'  # mov rdi, rax
    code += movabs_rax(symbols['pthread_detach']) + call_rax
    code += movabs_rax(symbols['Py_IsInitialized']) + call_rax
    code += b'\x85\xc0'  # test eax, eax
    skip_at = len(code)
    code += b'\x0f\x84' + b'\0\0\0\0'  # jz done (patched)
    code += movabs_rax(symbols['PyGILState_Ensure']) + call_rax
    code += rbx_disp(b'\x89\x83', 4)  # mov [rbx+4], eax
    code += b'\x48\xbf' + struct.pack('<Q', area + OFF_SOURCE)  # movabs rdi, source
    code += b'\x31\xf6'  # xor esi, esi (flags = NULL)
    code += movabs_rax(symbols['PyRun_SimpleStringFlags']) + call_rax
    code += rbx_disp(b'\x89\x83', 8)  # mov [rbx+8], eax
    code += rbx_disp(b'\x8b\xbb', 4)  # mov edi, [rbx+4]
    code += movabs_rax(symbols['PyGILState_Release']) + call_rax
    done = len(code)
    code[skip_at + 2:skip_at + 6] = struct.pack('<i', done - (skip_at + 6))
    code += b'\xc7\x83' + struct.pack('<i', 12) + struct.pack('<I', 1)  # mov dword [rbx+12], 1
    code += b'\x31\xc0'  # xor eax, eax
    code += b'\x5b'  # pop rbx
    code += b'\xc3'  # ret
    assert len(code) < OFF_INT3
    return bytes(code)


# The part of the injected code that dumps: it leaves the result in _status
# and the target's sys.path and sys.modules as they were.
_INJECTED_DUMP = '''
import sys
_d = %(dir)s
_added = _d not in sys.path
_had = 'meliae_dump' in sys.modules
_status = {}
try:
    if _added:
        sys.path.insert(0, _d)
    import meliae_dump
    _r = meliae_dump.dump_all_objects(%(out)s)
    _status = {'ok': True, 'objects': _r['objects'], 'seconds': _r['seconds'],
               'python': sys.version.split()[0], 'layout': meliae_dump.LAYOUT}
except BaseException as _e:
    _status = {'ok': False, 'error': '%%s: %%s' %% (type(_e).__name__, _e)}
finally:
    if _added:
        try:
            sys.path.remove(_d)
        except ValueError:
            pass
    if not _had:
        sys.modules.pop('meliae_dump', None)
'''


def injected_source(out, status_addr):
    """Python run in the target (in a fresh namespace, errors caught)."""
    body = (_INJECTED_DUMP + '''
try:
    import ctypes, json
    _b = json.dumps(_status).encode()[:%(max)d - 1] + b'\\0'
    ctypes.memmove(%(addr)d, _b, len(_b))
except BaseException:
    pass
''') % {'dir': ascii(HERE), 'out': ascii(out), 'addr': status_addr, 'max': STATUS_MAX}
    # PyRun_SimpleString runs in __main__: evaluate one expression there,
    # binding no names.
    return ('exec(compile(%s, "<meliae-attach>", "exec"), {"__builtins__": __builtins__})\n'
            % ascii(body)).encode('ascii')


def attach_ptrace(target, out, timeout):
    """Inject the dump; return the result dict."""
    import platform
    if platform.machine() != 'x86_64' or not sys.platform.startswith('linux'):
        raise AttachError('unsupported', 'the ptrace injector supports x86-64 Linux only')
    problems = ptrace_problems(target.pid, target.status)
    if problems:
        reason, _, message = problems[0].partition(': ')
        raise AttachError(reason, message)
    t0 = time.monotonic()
    tracer = Tracer(target.pid)
    tracer.seize()
    touched = False
    area = None
    stopped = 0.0
    try:
        stop_t = time.monotonic()
        saved = stop_at_safe_point(tracer, target)
        fpstate = tracer.get_fpstate()
        try:
            insn = find_syscall_instruction(tracer, target)
            touched = True
            area = run_syscall(tracer, saved, insn, 9, 0, AREA_SIZE, 7, 0x22, -1, 0)
            if area < 0:
                raise AttachError('mmap_failed', 'mmap in the target failed: %s' % os.strerror(-area))
            source = injected_source(out, area + OFF_STATUS)
            if len(source) >= SOURCE_MAX:
                raise AttachError('path_too_long', 'output path too long')
            tracer.write(area + OFF_CODE, start_routine(area, target.symbols))
            tracer.write(area + OFF_INT3, b'\xcc')
            tracer.write(area + OFF_VARS, b'\0' * 32)
            tracer.write(area + OFF_STATUS, b'\0')
            tracer.write(area + OFF_SOURCE, source + b'\0')
            # Call pthread_create(&t, NULL, start, NULL) in the main thread,
            # on a stack inside our area, returning onto an int3.
            regs = user_regs_struct.from_buffer_copy(saved)
            regs.rip = target.symbols['pthread_create']
            regs.rdi = area + OFF_VARS + 16
            regs.rsi = 0
            regs.rdx = area + OFF_CODE
            regs.rcx = 0
            regs.rax = 0
            regs.orig_rax = U64
            regs.rsp = OFF_STACK_TOP + area - 8
            tracer.write(regs.rsp, struct.pack('<Q', area + OFF_INT3))
            tracer.set_regs(regs)
            tracer.cont()
            # pthread_create takes microseconds; it can only wait on a lock
            # another thread holds, which that thread releases.
            deadline = time.monotonic() + 60
            while True:
                try:
                    sig, event = tracer.wait(timeout=max(0.1, deadline - time.monotonic()))
                except AttachError as e:
                    if e.reason != 'timeout':
                        raise
                    # Stop it where it is so the registers can be restored.
                    ptrace(PTRACE_INTERRUPT, tracer.pid)
                    tracer.wait()
                    raise AttachError('timeout', 'pthread_create did not return in the target within 60 s') from None
                if sig == signal.SIGTRAP and not event and tracer.get_regs().rip == area + OFF_INT3 + 1:
                    break
                if event == PTRACE_EVENT_STOP:
                    tracer.cont()
                else:
                    tracer.cont(sig)  # a signal for the application: deliver it
            rc = tracer.get_regs().rax & 0xffffffff
        finally:
            tracer.set_regs(saved)
            tracer.set_fpstate(fpstate)
            tracer.detach()
            stopped = (time.monotonic() - stop_t) * 1000
        if rc != 0:
            raise AttachError('thread_failed', 'pthread_create in the target returned %d' % rc)
        result = wait_for_dump(tracer, target, area, out, timeout)
        result['stopped_ms'] = round(stopped, 2)
        cleanup_ms, cleanup = unmap_area(tracer, target, area)
        result['cleanup'] = cleanup
        result['stopped_ms'] = round(stopped + cleanup_ms, 2)
        result['total_ms'] = round((time.monotonic() - t0) * 1000, 1)
        return result
    except AttachError as e:
        e.touched = touched
        raise
    finally:
        try:
            tracer.detach()
        except OSError:
            pass
        tracer.close()


def wait_for_dump(tracer, target, area, out, timeout):
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            done = struct.unpack('<I', tracer.read(area + OFF_VARS + 12, 4))[0]
        except OSError:
            raise AttachError('exited', 'process %d exited during the dump' % target.pid) from None
        if done:
            break
        if time.monotonic() > deadline:
            raise AttachError('timeout', 'no dump after %.0f s (is the GIL held by C code that never '
                              'releases it?); the injected thread is still waiting' % timeout)
        time.sleep(delay)
        delay = min(delay * 1.5, 0.01)
    tid, _gil, rc, _done = struct.unpack('<IIiI', tracer.read(area + OFF_VARS, 16))
    raw = tracer.read(area + OFF_STATUS, STATUS_MAX).split(b'\0', 1)[0]
    try:
        status = json.loads(raw.decode('utf-8', 'replace')) if raw else {}
    except ValueError:
        status = {}
    if not status:
        status = {'ok': False, 'error': 'the injected code did not run (PyRun_SimpleString returned %d)' % rc
                  if rc else 'the interpreter is not initialized'}
    if not status.get('ok'):
        raise AttachError('dump_failed', 'the dump failed inside the target: %s' % status.get('error'))
    status.pop('ok', None)
    status['thread'] = tid
    return status


def unmap_area(tracer, target, area):
    """Remove our area once the injected thread has exited (a second short stop)."""
    tid = struct.unpack('<I', tracer.read(area + OFF_VARS, 4))[0]
    deadline = time.monotonic() + 5
    while tid and os.path.exists('/proc/%d/task/%d' % (target.pid, tid)):
        if time.monotonic() > deadline:
            return 0.0, 'left %d KiB mapped: the injected thread did not exit' % (AREA_SIZE // 1024)
        time.sleep(0.001)
    t = Tracer(target.pid)
    t.seize()
    start = time.monotonic()
    try:
        saved = stop_at_safe_point(t, target)
        try:
            insn = find_syscall_instruction(t, target)
            r = run_syscall(t, saved, insn, 11, area, AREA_SIZE)
        finally:
            t.set_regs(saved)
            t.detach()
        return (time.monotonic() - start) * 1000, 'unmapped' if r == 0 else 'munmap failed: %d' % r
    finally:
        try:
            t.detach()
        except OSError:
            pass
        t.close()


# ---------------------------------------------------------------------------
# gdb and remote_exec

def attach_gdb(target, out, timeout):
    gdb = shutil.which('gdb')
    if not gdb:
        raise AttachError('no_gdb', 'gdb is not installed')
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix='meliae-attach-') as tmp:
        status_path = os.path.join(tmp, 'status.json')
        os.chmod(tmp, 0o777)  # the target may run as another user
        source = injected_file_source(out, status_path)
        script = os.path.join(tmp, 'inject.py')
        with open(script, 'w') as f:
            f.write(source)
        os.chmod(script, 0o644)
        code = 'exec(open(%s).read(), {"__builtins__": __builtins__})' % ascii(script)
        c_string = code.replace('\\', '\\\\').replace('"', '\\"')
        cmd = [gdb, '-p', str(target.pid), '-batch', '-nx', '-q',
               '-ex', 'set confirm off',
               '-ex', 'call (int)PyGILState_Ensure()',
               '-ex', 'call (int)PyRun_SimpleString("%s")' % c_string,
               '-ex', 'call (void)PyGILState_Release($1)',
               '-ex', 'detach']
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                              universal_newlines=True)
        stopped = (time.monotonic() - t0) * 1000
        try:
            with open(status_path) as f:
                status = json.load(f)
        except (OSError, ValueError):
            tail = ' '.join(proc.stdout.strip().splitlines()[-2:])
            raise AttachError('gdb_failed', 'gdb could not run the dump: %s' % tail[:300]) from None
    if not status.pop('ok', False):
        raise AttachError('dump_failed', 'the dump failed inside the target: %s' % status.get('error'))
    status['stopped_ms'] = round(stopped, 1)
    status['total_ms'] = round(stopped, 1)
    return status


def injected_file_source(out, status_path):
    return (_INJECTED_DUMP + '''
import json, os
with open(%(status)s + '.tmp', 'w') as _f:
    json.dump(_status, _f)
os.rename(%(status)s + '.tmp', %(status)s)
''') % {'dir': ascii(HERE), 'out': ascii(out), 'status': ascii(status_path)}


def attach_remote_exec(target, out, timeout):
    if not hasattr(sys, 'remote_exec'):
        raise AttachError('unsupported', 'sys.remote_exec needs Python 3.14 here too')
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix='meliae-attach-') as tmp:
        os.chmod(tmp, 0o777)
        status_path = os.path.join(tmp, 'status.json')
        script = os.path.join(tmp, 'inject.py')
        with open(script, 'w') as f:
            f.write(injected_file_source(out, status_path))
        os.chmod(script, 0o644)
        sys.remote_exec(target.pid, script)
        deadline = time.monotonic() + timeout
        while not os.path.exists(status_path):
            if time.monotonic() > deadline:
                raise AttachError('timeout', 'the target did not run the script within %.0f s (it runs '
                                  'at the next bytecode boundary of the main thread)' % timeout)
            time.sleep(0.01)
        with open(status_path) as f:
            status = json.load(f)
    if not status.pop('ok', False):
        raise AttachError('dump_failed', 'the dump failed inside the target: %s' % status.get('error'))
    status['stopped_ms'] = 0.0
    status['total_ms'] = round((time.monotonic() - t0) * 1000, 1)
    return status


# ---------------------------------------------------------------------------

def default_out(pid):
    return os.path.abspath('meliae-%d-%s.json.gz' % (pid, time.strftime('%Y%m%d-%H%M%S')))


def attach(pid, out=None, method='auto', timeout=600.0):
    out = os.path.abspath(out) if out else default_out(pid)
    if os.path.lexists(out) or os.path.lexists(out + '.meta.json'):
        raise AttachError('exists', 'refusing to overwrite %s' % out)
    if not os.path.isdir(os.path.dirname(out)):
        raise AttachError('bad_out', 'directory %s does not exist' % os.path.dirname(out))
    target = Target(pid)
    target.resolve()
    if pid == os.getpid():
        raise AttachError('self', 'cannot attach to ourselves')
    order = {'auto': ['remote_exec', 'ptrace', 'gdb'], 'ptrace': ['ptrace'], 'gdb': ['gdb'],
             'remote_exec': ['remote_exec']}[method]
    if method == 'auto' and not (target.version and target.version >= (3, 14) and hasattr(sys, 'remote_exec')):
        order.remove('remote_exec')
    errors = []
    for how in order:
        fn = {'remote_exec': attach_remote_exec, 'ptrace': attach_ptrace, 'gdb': attach_gdb}[how]
        try:
            result = fn(target, out, timeout)
        except AttachError as e:
            errors.append(e)
            # Never fall back once the target was touched.
            if getattr(e, 'touched', False) or e.reason in ('dump_failed', 'exited', 'timeout'):
                break
            if how == 'ptrace' and e.reason in ('ptrace_scope', 'other_user', 'no_capability', 'ptrace_denied',
                                                'traced'):
                break  # gdb would be refused too
            continue
        result.update({'ok': True, 'method': how, 'pid': pid, 'out': out,
                       'python': result.get('python') or ('%d.%d' % target.version if target.version else None)})
        return result
    raise errors[0] if len(errors) == 1 else AttachError(
        errors[-1].reason, '; '.join('%s' % e for e in errors))


def main(argv=None):
    parser = argparse.ArgumentParser(description='Dump a running Python 3 process in meliae format.')
    parser.add_argument('pid', type=int)
    parser.add_argument('--out', help='dump file to create (default: ./meliae-PID-TIME.json.gz)')
    parser.add_argument('--method', choices=['auto', 'ptrace', 'gdb', 'remote_exec'], default='auto')
    parser.add_argument('--timeout', type=float, default=600.0, help='seconds to wait for the dump')
    parser.add_argument('--check', action='store_true', help='only report what would stop an attach')
    args = parser.parse_args(argv)
    if args.check:
        result = check(args.pid)
        result.pop('target', None)
        print(json.dumps(dict(result, pid=args.pid)))
        return 0 if result['ok'] else 1
    try:
        result = attach(args.pid, args.out, args.method, args.timeout)
    except AttachError as e:
        print(json.dumps({'ok': False, 'pid': args.pid, 'reason': e.reason, 'error': str(e)}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
