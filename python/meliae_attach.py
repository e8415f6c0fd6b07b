#!/usr/bin/env python3
"""Dump a running Python 3 process that was not started with our hook.

    python3 -I -S meliae_attach.py PID [--out FILE.json.gz] [--method auto|ptrace|gdb|remote_exec]
                                       [--timeout SECONDS]
    python3 -I -S meliae_attach.py PID --check   # only say what would stop an attach

Run it only with an interpreter you trust (never the target's own: its
directory may hold a .pth or pyvenv.cfg its owner wrote), with -I -S.

The target process writes the dump itself. The dumper's source
(meliae_dump.py, read from this script's own directory) travels inside the
injection, compressed and base64-encoded, and is exec'd in the target into
a fresh module object that is never put in sys.modules: the target reads
none of our files. One line of JSON on stdout says what happened::

    {"ok": true, "method": "ptrace", "pid": 123, "out": "/abs/x.json.gz",
     "stopped_ms": 4.1, "total_ms": 850.2, "objects": 250000, ...}
    {"ok": false, "pid": 123, "reason": "timeout", "error": "..."}

Paths, in the order `auto` tries them:

remote_exec
    Python 3.14+ targets, when this script runs on 3.14+ too:
    ``sys.remote_exec(pid, script)``. The script is written by descriptor
    into a new directory owned by the target's uid, mode 0700, made under
    the target's /tmp through /proc/PID/root (no component may be a
    symlink), and removed afterwards. Not tested: no 3.14 was available.
ptrace (x86-64 Linux)
    Seize and interrupt only the main thread, wait for a point where it holds
    no libc lock, save every register and the extended FPU state, make it run
    ``mmap`` (one single-stepped ``syscall`` instruction of libc) for a
    private RWX area sized from the source, write a small start routine and
    the Python source there, make the main thread call ``pthread_create`` on
    that routine (with its stack in our area), restore every register and
    detach. The new thread takes the GIL, runs the source, releases the GIL,
    sets a `done` flag, waits (up to 5 s) for our acknowledgement, then
    restores its stack and jumps to libc's ``munmap`` of its own area, which
    returns straight into glibc's thread start code: the area is gone on
    every path, and no instruction of it runs after the unmap. Only when
    pthread_create fails do we unmap it ourselves (a second short stop).
    Symbols come from the ELF ``.dynsym`` of libc and of libpython or the
    python executable, read as data (bounds-checked, regular files only)
    from the files the target has mapped.
gdb
    The classic ``PyGILState_Ensure`` / ``PyRun_SimpleString`` calls, with
    the code inline in the call (no file) and the status read back from a
    buffer gdb allocates in the target, prints and frees; gdb runs with
    ``-nx``, auto-load and debuginfod off. Used only when the ptrace path is
    not available before touching the target (or with ``--method gdb``).

Cancellation: when the dump has not started after --timeout (default 30 s:
the injected code never got the GIL), or on SIGINT/SIGTERM, a `cancel` flag
in the area is set; the injected code checks it after taking the GIL and
every few thousand objects, and then exits without writing (removing what
it wrote). A target that exits during the dump is reported as such and its
partial files are removed.
"""

import argparse
import base64
import ctypes
import errno
import fcntl
import json
import os
import re
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import time
import zlib

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


# The target's files are data: never more than this is read from one.
ELF_READ_MAX = 64 << 20


class ElfFile:
    """A regular file opened for reading without blocking, every read
    bounds-checked against its size (a FIFO, a device or a truncated or
    hostile ELF file cannot hang us or make us read past its end)."""

    def __init__(self, path, nofollow=True):
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, 'O_CLOEXEC', 0)
        if nofollow:
            flags |= getattr(os, 'O_NOFOLLOW', 0)
        self.fd = os.open(path, flags)
        try:
            st = os.fstat(self.fd)
            if not stat.S_ISREG(st.st_mode):
                raise AttachError('bad_file', '%s is not a regular file' % path)
            self.size = st.st_size
        except BaseException:
            os.close(self.fd)
            raise

    def read(self, offset, n):
        if offset < 0 or n < 0 or n > ELF_READ_MAX or offset + n > self.size:
            raise AttachError('bad_elf', 'ELF offset %d size %d outside the file (%d bytes)'
                              % (offset, n, self.size))
        data = os.pread(self.fd, n, offset)
        if len(data) != n:
            raise AttachError('bad_elf', 'short read from ELF file')
        return data

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_mapped_file(pid, maps, path):
    """The file as the target mapped it: /proc/PID/map_files if allowed
    (right even if the file on disk was replaced), else through its root.
    Only ever parsed as data."""
    for start, end, _perms, _off, p in maps:
        if p == path:
            try:
                # A kernel "magic" link: it must be followed.
                return ElfFile('/proc/%d/map_files/%x-%x' % (pid, start, end), nofollow=False)
            except OSError:
                break
    if path.endswith(' (deleted)'):
        raise AttachError('deleted_binary', '%s was replaced on disk since the process started' % path)
    return ElfFile('/proc/%d/root%s' % (pid, path))


def elf_dynamic_symbols(f, wanted):
    """{name: (st_value, st_size)} for `wanted` names in the file's .dynsym,
    preferring default-version definitions; and the lowest PT_LOAD vaddr.
    `f` is an ElfFile: every offset and size is checked against its size."""
    ident = f.read(0, 64)
    if ident[:4] != b'\x7fELF' or ident[4] != 2 or ident[5] != 1:
        raise AttachError('unsupported', 'not a 64-bit little-endian ELF file')
    (e_phoff, e_shoff) = struct.unpack_from('<QQ', ident, 32)
    e_phentsize, e_phnum, e_shentsize, e_shnum = struct.unpack_from('<HHHH', ident, 54)
    if e_phentsize < 56 or e_shentsize < 64:
        raise AttachError('bad_elf', 'bad ELF header entry sizes')
    ph = f.read(e_phoff, e_phentsize * e_phnum)
    min_vaddr = None
    for k in range(e_phnum):
        p_type, _flags, _off, p_vaddr = struct.unpack_from('<IIQQ', ph, k * e_phentsize)
        if p_type == 1 and (min_vaddr is None or p_vaddr < min_vaddr):
            min_vaddr = p_vaddr
    sh = f.read(e_shoff, e_shentsize * e_shnum)
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
    if link >= len(sections) or entsize < 24:
        raise AttachError('bad_elf', 'bad .dynsym section header')
    strtab = sections[link]
    strings = f.read(strtab[4], strtab[5])
    syms = f.read(off, size)
    versions = None
    if versym is not None:
        versions = f.read(versym[4], versym[5])
    wanted_b = {w.encode(): w for w in wanted}
    for k in range(size // entsize):
        st_name, _info, _other, st_shndx, st_value, st_size = struct.unpack_from('<IBBHQQ', syms, k * entsize)
        if st_shndx == 0 or not st_value or st_name >= len(strings):
            continue
        end = strings.find(b'\0', st_name)
        if end < 0:
            continue
        name = wanted_b.get(strings[st_name:end])
        if name is None:
            continue
        hidden = bool(versions and 2 * k + 2 <= len(versions)
                      and struct.unpack_from('<H', versions, 2 * k)[0] & 0x8000)
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
            self.status = proc_status(pid)
            self.maps = read_maps(pid)
            self.exe = os.readlink('/proc/%d/exe' % pid)
        except PermissionError:
            uids = self.status.get('Uid', '').split() if hasattr(self, 'status') else []
            if uids and all(int(u) == os.geteuid() for u in uids):
                raise AttachError('not_dumpable', 'process %d is not dumpable (it called prctl(PR_SET_DUMPABLE, 0) '
                                  'or changed its credentials): attach as root or with CAP_SYS_PTRACE' % pid) from None
            raise AttachError('permission', 'cannot read /proc/%d (another user\'s process?)' % pid) from None
        except FileNotFoundError:
            raise AttachError('no_process', 'process %d is gone' % pid) from None
        try:
            self.uid = int(self.status.get('Uid', '').split()[1])
        except (IndexError, ValueError):
            self.uid = None
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
            if self.python_path is None and re.match(r'libpython[23]\.\d+', base):
                self.python_path = path
        self.mapped_paths = {p for *_r, p in self.maps}

    def resolve(self):
        """Find the C API and libc symbols; raise AttachError if not Python."""
        api = ['PyGILState_Ensure', 'PyGILState_Release', 'PyRun_SimpleStringFlags',
               'Py_IsInitialized', 'Py_Version', 'PyString_FromString']
        candidates = [p for p in (self.python_path, self.exe) if p and p in self.mapped_paths]
        if self.exe + ' (deleted)' in self.mapped_paths:
            candidates.append(self.exe + ' (deleted)')
        for path in candidates:
            try:
                with open_mapped_file(self.pid, self.maps, path) as f:
                    syms, min_vaddr = elf_dynamic_symbols(f, api)
            except AttachError as e:
                if e.reason == 'python2':
                    raise
                continue
            except (OSError, struct.error, ValueError):
                continue
            if 'PyGILState_Ensure' in syms and 'PyRun_SimpleStringFlags' in syms:
                if 'PyString_FromString' in syms:  # only Python 2 has it
                    raise AttachError('python2', 'process %d runs Python 2, which attach does not support; '
                                      "meliae's own scanner (meliae.scanner.dump_all_objects) writes the "
                                      'same format there' % self.pid)
                bias = load_bias(self.maps, path, min_vaddr)
                self.symbols.update({k: v[0] + bias for k, v in syms.items()})
                self.python_path = path
                break
        else:
            raise AttachError('not_python', 'process %d (%s) has no Python 3 C API mapped: not a Python process'
                              % (self.pid, self.exe))
        self.version = self._version()
        if self.version is not None and self.version[0] == 2:
            raise AttachError('python2', 'process %d runs Python 2, which attach does not support; '
                              "meliae's own scanner (meliae.scanner.dump_all_objects) writes the "
                              'same format there' % self.pid)
        if self.version is not None and self.version < MIN_VERSION:
            raise AttachError('version', 'Python %d.%d is not supported (3.8 or later needed)' % self.version)
        if self.libc_path is None:
            raise AttachError('unsupported', 'no glibc mapped in process %d' % self.pid)
        libc_api = ['pthread_create', 'pthread_detach', 'pthread_self', 'syscall', 'usleep', 'munmap']
        try:
            with open_mapped_file(self.pid, self.maps, self.libc_path) as f:
                syms, min_vaddr = elf_dynamic_symbols(f, libc_api)
        except (OSError, struct.error) as e:
            raise AttachError('unsupported', 'cannot read the symbols of %s: %s' % (self.libc_path, e)) from None
        missing = set(libc_api) - set(syms)
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
                    raw = os.pread(mem.fileno(), 4, addr)
                if len(raw) == 4:
                    hexversion = struct.unpack('<I', raw)[0]
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


def ptrace_denial_hints():
    """What may have refused a ptrace that failed with EPERM although the
    Yama, uid and capability checks passed: a seccomp filter or a Linux
    security module (AppArmor, SELinux) on our side."""
    hints = []
    try:
        mode = proc_status(os.getpid()).get('Seccomp', '0')
    except OSError:
        mode = '0'
    if mode != '0':
        hints.append('seccomp: this process runs under a seccomp filter (Seccomp: %s in /proc/self/status), '
                     'which may refuse ptrace: run from the host, or start the container with '
                     '--security-opt seccomp=unconfined (or a profile that allows ptrace)' % mode)
    for where in ('/proc/self/attr/apparmor/current', '/proc/self/attr/current'):
        try:
            with open(where) as f:
                label = f.read().strip('\0\n ')
        except OSError:
            continue
        if label and label != 'unconfined' and not label.startswith('unconfined'):
            hints.append('security module: this process is confined as %r (AppArmor or SELinux), which may '
                         'refuse ptrace: run from the host or unconfined' % label)
        break
    return hints


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
            hints = ptrace_denial_hints() if e.errno == errno.EPERM else []
            raise AttachError('seccomp' if hints and hints[0].startswith('seccomp') else 'ptrace_denied',
                              'ptrace(PTRACE_SEIZE, %d) failed: %s%s' % (
                                  self.pid, e.strerror, ''.join('; ' + h for h in hints))) from None
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
        if _interrupted:
            # Stopped with its own registers: the caller detaches cleanly.
            raise AttachError('interrupted', 'interrupted before anything was done to the target')
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


# ---------------------------------------------------------------------------
# What the target runs

# Set by SIGINT/SIGTERM; checked where stopping is safe.
_interrupted = []


def _on_signal(signum, _frame):
    _interrupted.append(signum)


STATUS_MAX = 0x800

# Run in the target in a fresh namespace (its globals are given by the
# wrapper below). The dumper's source travels inside the injection and is
# exec'd into a new module object that is never put in sys.modules, so the
# target reads none of our files and imports nothing from sys.path but the
# standard library. The result goes to a buffer (ptrace, gdb) or to a file
# in a private directory (remote_exec), never to the target's streams.
_BODY = r'''
import sys
_status = {}
try:
    import ctypes
    _cancel = ctypes.c_int.from_address(_cancel_address) if _cancel_address else None
    if _cancel is not None and _cancel.value:
        _status = {'ok': False, 'cancelled': True}
    else:
        if _cancel is not None:
            # The word after the cancel flag: the dump has started.
            ctypes.c_int.from_address(_cancel_address + 4).value = 1
        import base64, zlib
        _m = type(sys)('meliae_dump')
        try:
            exec(compile(zlib.decompress(base64.b64decode(_source)), '<meliae_dump>', 'exec'), _m.__dict__)
            _stop = (lambda: _cancel.value != 0) if _cancel is not None else None
            try:
                if _stage is None:
                    _r = _m.dump_all_objects(_out, should_stop=_stop, _meta_extra=_meta)
                else:
                    # A directory the attacher made for us: open it without
                    # following a symlink and check it is that one.
                    import os, signal
                    # Writing into a FIFO whose reader has gone raises SIGPIPE,
                    # which kills a process that did not ignore it (Python
                    # ignores it, an embedding program may not): blocked in
                    # this thread (and the writer thread it starts) while the
                    # dump runs, and a pending one is taken before unblocking.
                    _mask = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGPIPE]) if _stage['fifo'] else None
                    try:
                        _d = os.open(_stage['dir'], os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
                        try:
                            _st = os.fstat(_d)
                            if [_st.st_dev, _st.st_ino] != _stage['id']:
                                raise FileNotFoundError(2, 'not the directory the attacher made', _stage['dir'])
                            _r = _m.dump_all_objects(_stage['name'], should_stop=_stop, _dir_fd=_d,
                                                     _fifo=_stage['fifo'], _meta_extra=_meta)
                        finally:
                            os.close(_d)
                    finally:
                        if _mask is not None:
                            if signal.SIGPIPE not in _mask:
                                while signal.SIGPIPE in signal.sigpending():
                                    signal.sigtimedwait([signal.SIGPIPE], 0)
                            signal.pthread_sigmask(signal.SIG_SETMASK, _mask)
                _status = {'ok': True, 'objects': _r['objects'], 'seconds': _r['seconds'],
                           'python': sys.version.split()[0], 'layout': _m.LAYOUT}
            except _m.DumpCancelled:
                _status = {'ok': False, 'cancelled': True}
        finally:
            _m.__dict__.clear()
            del _m
except BaseException as _e:
    _status = {'ok': False, 'error': '%s: %s' % (type(_e).__name__, _e), 'errno': getattr(_e, 'errno', None)}
try:
    import json
    _b = json.dumps(_status).encode()[:_status_max - 1] + b'\0'
    if _status_address:
        ctypes.memmove(_status_address, _b, len(_b))
    elif _status_path:
        import os
        _fd = os.open(_status_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        try:
            os.write(_fd, _b[:-1])
        finally:
            os.close(_fd)
except BaseException:
    pass
'''

_dumper_b64 = None


def dumper_source_b64():
    """meliae_dump.py from this script's own directory, compressed, base64."""
    global _dumper_b64
    if _dumper_b64 is None:
        with open(os.path.join(HERE, 'meliae_dump.py'), 'rb') as f:
            source = f.read()
        _dumper_b64 = base64.b64encode(zlib.compress(source, 9)).decode('ascii')
    return _dumper_b64


def injected_code(sink, status_address='0', cancel_address=0, status_path=None):
    """One Python expression statement, binding no names where it runs (the
    target's __main__). Only letters, digits, `+/=`, spaces and punctuation
    without quotes other than `'` or backslashes: it goes into a C string
    unescaped. `status_address` is text so gdb can put a placeholder there.
    `sink` says where the dump goes (see DirectSink and Stage)."""
    def b64(data):
        return base64.b64encode(data).decode('ascii')

    def b64json(value):
        return "__import__('json').loads(__import__('base64').b64decode('%s'))" % b64(json.dumps(value).encode())

    path = "__import__('base64').b64decode('%s')" % b64(status_path.encode()) if status_path else 'None'
    return ("exec(compile(__import__('base64').b64decode('%s'), '<meliae-attach>', 'exec'), "
            "{'__builtins__': __builtins__, '_source': '%s', '_out': __import__('base64').b64decode('%s'), "
            "'_stage': %s, '_meta': %s, "
            "'_status_address': %s, '_cancel_address': %s, '_status_path': %s, '_status_max': %d})"
            % (b64(_BODY.encode()), dumper_source_b64(), b64(os.fsencode(sink.target_out)),
               b64json(sink.stage_args()), b64json(sink.meta), status_address,
               cancel_address, path, STATUS_MAX))


def parse_status(raw):
    raw = raw.split(b'\0', 1)[0][:STATUS_MAX]
    try:
        status = json.loads(raw.decode('utf-8', 'replace')) if raw else {}
    except ValueError:
        status = {}
    return status if isinstance(status, dict) else {}


def status_result(status, fallback):
    if not status:
        raise AttachError('dump_failed', fallback)
    if status.get('cancelled'):
        raise AttachError('cancelled', 'the dump was cancelled; it wrote nothing')
    if not status.get('ok'):
        e = AttachError('dump_failed', 'the dump failed inside the target: %s' % status.get('error'))
        e.errno = status.get('errno')
        raise e
    status.pop('ok', None)
    return status


def remove_partial(target, out):
    """Remove what a failed dump left at `out` (files the target created:
    regular files owned by its uid). Returns the names removed."""
    removed = []
    for p in (out, out + '.meta.json'):
        try:
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode) and (target.uid is None or st.st_uid == target.uid):
                os.unlink(p)
                removed.append(os.path.basename(p))
        except OSError:
            pass
    return removed


def process_gone(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
        return state in ('Z', 'X')
    except (OSError, IndexError):
        return True


# ---------------------------------------------------------------------------
# Where the dump goes: straight to --out, or through the target's own
# filesystem (a container's private root, or a directory its uid can write)

NS_NAMES = ('cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts')

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, 'O_CLOEXEC', 0)

# A dump that fails with one of these is retried in the next place.
PLACE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT, errno.EDQUOT,
                errno.ENXIO, errno.ENOTDIR, errno.ELOOP}


class PlaceError(Exception):
    """This place cannot take the dump (read-only, full, not writable)."""


def ns_inodes(pid):
    out = {}
    for name in NS_NAMES:
        try:
            out[name] = os.stat('/proc/%s/ns/%s' % (pid, name)).st_ino
        except OSError:
            pass
    return out


def namespace_facts(target):
    """The target's namespaces (inode numbers, and whether they differ from
    ours), its root, and its pid as its own namespaces see it (NSpid)."""
    theirs = ns_inodes(target.pid)
    ours = ns_inodes('self')
    try:
        r, me = os.stat('/proc/%d/root' % target.pid), os.stat('/')
        root_differs = (r.st_dev, r.st_ino) != (me.st_dev, me.st_ino)
    except OSError:
        root_differs = None
    nspid = [int(x) for x in target.status.get('NSpid', str(target.pid)).split() if x.isdigit()]
    return {'host_pid': target.pid,
            'nspid': nspid,
            'pid_in_container': nspid[-1] if nspid else None,
            'namespaces': {name: {'inode': ino, 'differs': ino != ours.get(name)} for name, ino in theirs.items()},
            'root_differs': root_differs}


def target_creds(status):
    """(fsuid, fsgid, set of gids) from /proc/PID/status."""
    def field(name, k):
        try:
            return int(status.get(name, '').split()[k])
        except (IndexError, ValueError):
            return None
    groups = {int(g) for g in status.get('Groups', '').split() if g.isdigit()}
    fsgid = field('Gid', 3)
    if fsgid is not None:
        groups.add(fsgid)
    return field('Uid', 3), fsgid, groups


def target_can_write(target, directory):
    """Whether the target, sharing our filesystem view, may create a file in
    `directory` (mode bits only: an ACL or an unsearchable parent shows up
    as a failed dump, and the next place is tried)."""
    fsuid, _fsgid, groups = target_creds(target.status)
    try:
        st = os.stat(directory)
    except OSError:
        return False
    if fsuid is None:
        return False
    if fsuid == 0:
        return True
    if st.st_uid == fsuid:
        return bool(st.st_mode & 0o200)
    if st.st_gid in groups:
        return bool(st.st_mode & 0o020)
    return bool(st.st_mode & 0o002)


def _mib(n):
    return '%.1f MiB' % (n / 1048576.0)


def estimated_dump_bytes(target, gz):
    """A rough upper bound of the dump's size from the target's RSS (a dump
    line is about as big as the object it describes; gzip saves ~90%)."""
    try:
        rss = int(proc_status(target.pid).get('VmRSS', '0 kB').split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        rss = 0
    return max(1 << 20, rss // 8 if gz else rss)


class target_fs_creds:
    """Run a block with the target's file-system uid and gid (setfsuid and
    setfsgid: this thread only, and without the capabilities that bypass
    file permissions). Needs root when they differ from ours."""

    def __init__(self, uid, gid):
        self.uid, self.gid = uid, gid
        self.switched = False

    def __enter__(self):
        if self.uid == os.geteuid() and (self.gid is None or self.gid == os.getegid()):
            return self
        if os.geteuid() != 0:
            raise PlaceError('making a directory as uid %d needs root' % self.uid)
        lib = libc()
        if self.gid is not None:
            lib.setfsgid(self.gid)
        lib.setfsuid(self.uid)
        self.switched = True
        if lib.setfsuid(-1) != self.uid:
            self.__exit__()
            raise PlaceError('cannot take uid %d for file operations' % self.uid)
        return self

    def __exit__(self, *exc):
        if self.switched:
            lib = libc()
            lib.setfsuid(os.geteuid())
            lib.setfsgid(os.getegid())
            self.switched = False


class HostOut:
    """--out and its sidecar, created by us (0600, O_EXCL|O_NOFOLLOW) when
    the target cannot write them itself."""

    def __init__(self, out):
        self.out = out
        self.fds = {}

    def create(self):
        if not self.fds:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, 'O_CLOEXEC', 0)
            for key, path in (('dump', self.out), ('meta', self.out + '.meta.json')):
                try:
                    self.fds[key] = os.open(path, flags, 0o600)
                except OSError as e:
                    self.remove()
                    raise AttachError('bad_out', 'cannot create %s: %s' % (path, e.strerror)) from None
        return self.fds

    def write(self, key, data):
        view = memoryview(data)
        while view:
            view = view[os.write(self.fds[key], view):]

    def close(self):
        for fd in self.fds.values():
            os.close(fd)
        self.fds = {}

    def remove(self):
        """Remove what we created (only if it is still the file we made)."""
        removed = []
        for key, path in (('dump', self.out), ('meta', self.out + '.meta.json')):
            fd = self.fds.pop(key, None)
            if fd is None:
                continue
            try:
                mine, now = os.fstat(fd), os.lstat(path)
                if (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino):
                    os.unlink(path)
                    removed.append(os.path.basename(path))
            except OSError:
                pass
            os.close(fd)
        return removed


class DirectSink:
    """The target writes --out itself (it sees our filesystem and may write
    there)."""

    kind = 'direct'

    def __init__(self, target, out, meta):
        self.target = target
        self.target_out = out
        self.out = out
        self.meta = meta

    def stage_args(self):
        return None

    def describe(self):
        return 'written by the target'

    def started(self):
        return os.path.lexists(self.out)

    def pump(self, seconds):
        time.sleep(seconds)

    def cancel(self):
        pass

    def discard(self):
        return remove_partial(self.target, self.out)

    def finish(self):
        pass

    def close(self):
        pass


class Stage:
    """A new directory in the target's filesystem (`/tmp`, else its working
    directory), reached through /proc/PID/root or /proc/PID/cwd without
    following any symlink, made by us (mode 0700, owned by the target's
    uid) under a random name. In it the target either writes into two FIFOs
    we created and hold open (`pipe`: nothing is stored in the target, the
    dump streams to --out), or creates the dump and its sidecar itself
    (`file`: 0600, O_EXCL|O_NOFOLLOW), which we then copy to --out, checking
    that each is a regular file owned by the target's uid. The directory and
    all it holds are removed on every path; we keep descriptors, so this
    works also after the target has exited."""

    def __init__(self, target, host_out, kind, where, meta):
        self.target = target
        self.host_out = host_out
        self.kind = kind  # 'pipe' or 'file'
        self.where = where  # 'tmp' or 'cwd'
        self.meta = meta
        self.gz = host_out.out.endswith('.gz')
        self.name = 'dump.json.gz' if self.gz else 'dump.json'
        self.target_out = self.name
        self.base = self.dir = None
        self.fifos = {}
        self.meta_data = bytearray()
        self.discarding = False
        self.bytes = 0
        self.dirname = 'meliae-attach-%s' % base64.b32encode(os.urandom(10)).decode('ascii').lower()
        self.fsuid, self.fsgid, _groups = target_creds(target.status)
        try:
            self._make()
        except BaseException:
            self.discard()
            raise

    def place(self):
        return "the target's /tmp" if self.where == 'tmp' else "the target's working directory"

    def describe(self):
        return '%s through %s/%s in the target' % ('streamed' if self.kind == 'pipe' else 'copied',
                                                  '/tmp' if self.where == 'tmp' else '.', self.dirname)

    def _open_base(self):
        pid = self.target.pid
        try:
            if self.where == 'tmp':
                # Only /proc/PID/root itself (a kernel link) is followed; a
                # symlink at /tmp is refused (an absolute one would resolve
                # against our root).
                root = os.open('/proc/%d/root' % pid, os.O_RDONLY | os.O_DIRECTORY | getattr(os, 'O_CLOEXEC', 0))
                try:
                    return os.open('tmp', DIR_FLAGS, dir_fd=root)
                except OSError as e:
                    if e.errno in (errno.ENOTDIR, errno.ELOOP):
                        try:
                            if stat.S_ISLNK(os.lstat('tmp', dir_fd=root).st_mode):
                                e.errno = errno.ELOOP
                        except OSError:
                            pass
                    raise
                finally:
                    os.close(root)
            return os.open('/proc/%d/cwd' % pid, os.O_RDONLY | os.O_DIRECTORY | getattr(os, 'O_CLOEXEC', 0))
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise PlaceError('%s is a symlink: not followed' % self.place()) from None
            raise PlaceError('cannot open %s: %s' % (self.place(), e.strerror)) from None

    def _make(self):
        self.base = self._open_base()
        vfs = os.fstatvfs(self.base)
        if vfs.f_flag & os.ST_RDONLY:
            raise PlaceError('%s is read-only' % self.place())
        if self.kind == 'file':
            free = vfs.f_bavail * vfs.f_frsize
            need = estimated_dump_bytes(self.target, self.gz)
            if free < need:
                raise PlaceError('%s has %s free, and the dump may need %s' % (self.place(), _mib(free), _mib(need)))
        if self.fsuid is None:
            raise PlaceError("the target's uid is unknown")
        # Made with the target's own file-system uid and gid: only where the
        # target could make it itself, owned by it from the start (and
        # representable in a filesystem of another user namespace).
        with target_fs_creds(self.fsuid, self.fsgid):
            try:
                os.mkdir(self.dirname, 0o700, dir_fd=self.base)
            except OSError as e:
                raise PlaceError('cannot make a directory in %s: %s' % (self.place(), e.strerror)) from None
            self.made = True
            self.dir = os.open(self.dirname, DIR_FLAGS, dir_fd=self.base)
            st = os.fstat(self.dir)
            if st.st_uid != self.fsuid:
                raise PlaceError('the directory made in %s is owned by uid %d, not %d'
                                 % (self.place(), st.st_uid, self.fsuid))
            self.dir_id = [st.st_dev, st.st_ino]
            if self.kind == 'pipe':
                # Each FIFO is opened read-write and non-blocking: the
                # target's open for writing never waits, and reading never
                # sees EOF before it writes. We read only what comes through.
                for key, name in (('dump', self.name), ('meta', self.name + '.meta.json')):
                    try:
                        os.mkfifo(name, 0o600, dir_fd=self.dir)
                        fd = os.open(name, os.O_RDWR | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, 'O_CLOEXEC', 0),
                                     dir_fd=self.dir)
                    except OSError as e:
                        raise PlaceError('cannot make a FIFO in %s: %s' % (self.place(), e.strerror)) from None
                    self.fifos[key] = fd
                    if not stat.S_ISFIFO(os.fstat(fd).st_mode):
                        raise PlaceError('not a FIFO')
                    try:
                        fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ: fewer wake-ups
                    except OSError:
                        pass
        if self.kind == 'pipe':
            self.host_out.create()

    def stage_args(self):
        return {'dir': ('/tmp/' if self.where == 'tmp' else '') + self.dirname, 'id': self.dir_id,
                'name': self.name, 'fifo': self.kind == 'pipe'}

    def started(self):
        if self.kind == 'pipe':
            return self.bytes > 0
        try:
            os.lstat(self.name, dir_fd=self.dir)
            return True
        except OSError:
            return False

    def pump(self, seconds):
        """Wait up to `seconds`, moving what the target wrote into the FIFOs."""
        if self.kind != 'pipe' or not self.fifos:
            time.sleep(seconds)
            return
        poller = select.poll()
        for fd in self.fifos.values():
            poller.register(fd, select.POLLIN)
        if poller.poll(max(0, int(seconds * 1000))):
            self.drain()

    def drain(self):
        for key, fd in self.fifos.items():
            while True:
                try:
                    data = os.read(fd, 1 << 20)
                except BlockingIOError:
                    break
                if not data:
                    break
                if self.discarding:
                    continue
                if key == 'dump':
                    self.bytes += len(data)
                    self.host_out.write('dump', data)
                elif len(self.meta_data) < STATUS_MAX * 512:
                    self.meta_data += data

    def cancel(self):
        """From now on what arrives is thrown away (the target must not block
        on a full pipe while it stops)."""
        self.discarding = True

    def finish(self):
        """The target reported success: move the dump to --out."""
        if self.kind == 'pipe':
            self.drain()  # the writer closed before it said it was done
            try:
                json.loads(bytes(self.meta_data).decode('utf-8'))
            except ValueError:
                raise AttachError('copy_failed', 'the sidecar that came through the pipe is not JSON') from None
            self.host_out.write('meta', bytes(self.meta_data))
        else:
            self.host_out.create()
            for key, name in (('dump', self.name), ('meta', self.name + '.meta.json')):
                self._copy(key, name)
        self.host_out.close()
        self.close()

    def _copy(self, key, name):
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, 'O_CLOEXEC', 0),
                         dir_fd=self.dir)
        except OSError as e:
            raise AttachError('copy_failed', 'cannot open the dump in the target: %s' % e.strerror) from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
                raise AttachError('copy_failed', '%s in the target is not a plain file' % name)
            if self.fsuid is not None and st.st_uid != self.fsuid:
                raise AttachError('copy_failed', '%s in the target is owned by uid %d, not the target\'s uid %d'
                                  % (name, st.st_uid, self.fsuid))
            while True:
                data = os.read(fd, 1 << 20)
                if not data:
                    break
                self.host_out.write(key, data)
        finally:
            os.close(fd)

    def discard(self):
        """Remove --out if we made it; see close()."""
        self.discarding = True
        removed = self.host_out.remove()
        self.close()
        return removed

    def close(self):
        """Remove the directory and everything in it (unlinkat never follows
        a symlink); close our descriptors."""
        for fd in self.fifos.values():
            os.close(fd)
        self.fifos = {}
        if self.dir is not None:
            try:
                names = os.listdir(self.dir)
            except OSError:
                names = []
            for name in names:
                try:
                    os.unlink(name, dir_fd=self.dir)
                except OSError:
                    pass
            os.close(self.dir)
            self.dir = None
        if self.base is not None:
            if getattr(self, 'made', False):
                try:
                    os.rmdir(self.dirname, dir_fd=self.base)
                except OSError:
                    pass
            os.close(self.base)
            self.base = None


# ---------------------------------------------------------------------------
# ptrace injection

# Layout of the area we map in the target.
OFF_CODE = 0
OFF_INT3 = 0x400
# u32 tid, u32 gil state, i32 rc, u32 done, u64 pthread_t, u32 ack, u32 cancel, u32 started, u32 countdown
OFF_VARS = 0x500
V_TID, V_RC, V_DONE, V_PTHREAD, V_ACK, V_CANCEL, V_STARTED, V_COUNT = 0, 8, 12, 16, 24, 28, 32, 36
OFF_STATUS = 0x800
OFF_SOURCE = 0x1000
STACK_SIZE = 64 * 1024  # the main thread's stack while it calls pthread_create
ACK_WAIT_MS = 5000  # how long the thread waits for us to read its status


def area_size(source_len):
    return ((OFF_SOURCE + source_len + 1 + 0xfff) & ~0xfff) + STACK_SIZE


def start_routine(area, size, symbols):
    """x86-64 code for `void *start(void *)` run by the new thread.

    It detaches itself, takes the GIL, runs the source, releases the GIL,
    sets `done`, waits (up to ACK_WAIT_MS) for `ack`, then restores its stack
    to the state at entry and jumps to munmap(area, size): munmap returns
    straight into glibc's thread start code with rax = 0 (a NULL result),
    and no instruction of the area runs after the unmap.
    """
    def movabs_rax(value):
        return b'\x48\xb8' + struct.pack('<Q', value)

    def rbx_disp(op, disp):
        return op + struct.pack('<i', disp)

    call_rax = b'\xff\xd0'
    code = bytearray()
    code += b'\x53'  # push rbx (aligns the stack for calls)
    code += b'\x48\xbb' + struct.pack('<Q', area + OFF_VARS)  # movabs rbx, vars
    code += b'\xb8' + struct.pack('<I', 186) + b'\x0f\x05'  # gettid
    code += rbx_disp(b'\x89\x83', V_TID)  # mov [rbx], eax
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
    code += rbx_disp(b'\x89\x83', V_RC)  # mov [rbx+8], eax
    code += rbx_disp(b'\x8b\xbb', 4)  # mov edi, [rbx+4]
    code += movabs_rax(symbols['PyGILState_Release']) + call_rax
    done = len(code)
    code[skip_at + 2:skip_at + 6] = struct.pack('<i', done - (skip_at + 6))
    code += b'\xc7\x83' + struct.pack('<i', V_DONE) + struct.pack('<I', 1)  # mov dword [rbx+12], 1
    code += b'\xc7\x83' + struct.pack('<i', V_COUNT) + struct.pack('<I', ACK_WAIT_MS)  # countdown
    loop = len(code)
    code += b'\x83\xbb' + struct.pack('<i', V_ACK) + b'\x00'  # cmp dword [rbx+ack], 0
    jne_at = len(code)
    code += b'\x0f\x85' + b'\0\0\0\0'  # jne out (patched)
    code += b'\xbf' + struct.pack('<I', 1000)  # mov edi, 1000
    code += movabs_rax(symbols['usleep']) + call_rax
    code += b'\x83\xab' + struct.pack('<i', V_COUNT) + b'\x01'  # sub dword [rbx+count], 1
    code += b'\x0f\x85' + struct.pack('<i', loop - (len(code) + 6))  # jnz loop
    out = len(code)
    code[jne_at + 2:jne_at + 6] = struct.pack('<i', out - (jne_at + 6))
    code += b'\x48\xbf' + struct.pack('<Q', area)  # movabs rdi, area
    code += b'\xbe' + struct.pack('<I', size)  # mov esi, size
    code += movabs_rax(symbols['munmap'])
    code += b'\x5b'  # pop rbx: the stack is as it was at entry
    code += b'\xff\xe0'  # jmp rax: munmap returns to our caller with rax = 0
    assert len(code) < OFF_INT3
    return bytes(code)


class Gone(Exception):
    pass


def read_exact(tracer, addr, n):
    try:
        data = tracer.read(addr, n)
    except OSError:
        raise Gone() from None
    if len(data) != n:
        raise Gone()
    return data


def read_u32(tracer, addr):
    return struct.unpack('<I', read_exact(tracer, addr, 4))[0]


def write_u32(tracer, addr, value):
    try:
        tracer.write(addr, struct.pack('<I', value))
        return True
    except (OSError, AttachError):
        return False


def area_mapped(pid, area):
    try:
        return any(start == area for start, *_rest in read_maps(pid))
    except OSError:
        return False


def wait_unmapped(pid, area, seconds):
    """True once the area is no longer mapped in the target (or it is gone)."""
    deadline = time.monotonic() + seconds
    while area_mapped(pid, area):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def attach_ptrace(target, sink, timeout):
    """Inject the dump; return the result dict."""
    import platform
    if platform.machine() != 'x86_64' or not sys.platform.startswith('linux'):
        raise AttachError('unsupported', 'the ptrace injector supports x86-64 Linux only')
    problems = ptrace_problems(target.pid, target.status)
    if problems:
        reason, _, message = problems[0].partition(': ')
        raise AttachError(reason, message)
    t0 = time.monotonic()
    # Addresses are written with a fixed width, so the size is known first.
    sizing = injected_code(sink, '0x%016x' % 0, 0x7fffffffffff).encode('ascii')
    size = area_size(len(sizing))
    tracer = Tracer(target.pid)
    tracer.seize()
    touched = False
    area = None
    thread = False
    stopped = 0.0
    try:
        stop_t = time.monotonic()
        saved = stop_at_safe_point(tracer, target)
        fpstate = tracer.get_fpstate()
        try:
            insn = find_syscall_instruction(tracer, target)
            touched = True
            mapped = run_syscall(tracer, saved, insn, 9, 0, size, 7, 0x22, -1, 0)
            if mapped < 0:
                raise AttachError('mmap_failed', 'mmap in the target failed: %s' % os.strerror(-mapped))
            area = mapped
            source = injected_code(sink, '0x%016x' % (area + OFF_STATUS), area + OFF_VARS + V_CANCEL).encode('ascii')
            assert len(source) == len(sizing)
            tracer.write(area + OFF_CODE, start_routine(area, size, target.symbols))
            tracer.write(area + OFF_INT3, b'\xcc')
            tracer.write(area + OFF_VARS, b'\0' * 64)
            tracer.write(area + OFF_STATUS, b'\0')
            tracer.write(area + OFF_SOURCE, source + b'\0')
            # Call pthread_create(&t, NULL, start, NULL) in the main thread,
            # on a stack at the end of our area, returning onto an int3.
            regs = user_regs_struct.from_buffer_copy(saved)
            regs.rip = target.symbols['pthread_create']
            regs.rdi = area + OFF_VARS + V_PTHREAD
            regs.rsi = 0
            regs.rdx = area + OFF_CODE
            regs.rcx = 0
            regs.rax = 0
            regs.orig_rax = U64
            regs.rsp = area + size - 64 - 8
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
            thread = rc == 0
        finally:
            if tracer.seized:
                try:
                    tracer.set_regs(saved)
                    tracer.set_fpstate(fpstate)
                    tracer.detach()
                except OSError:
                    pass
            stopped = (time.monotonic() - stop_t) * 1000
        if not thread:
            raise AttachError('thread_failed', 'pthread_create in the target failed: %s' % os.strerror(rc))
        result = wait_for_dump(tracer, target, area, sink, timeout)
        result['stopped_ms'] = round(stopped, 2)
        result['total_ms'] = round((time.monotonic() - t0) * 1000, 1)
        return result
    except AttachError as e:
        e.touched = touched
        if area is not None and not thread and not process_gone(target.pid):
            # No thread will unmap it: do it here, with a second short stop.
            _ms, cleanup = unmap_area(target, area, size)
            e.args = ('%s; %s' % (e, 'our area was unmapped' if cleanup == 'unmapped' else cleanup),)
        raise
    finally:
        try:
            tracer.detach()
        except OSError:
            pass
        tracer.close()


def wait_for_dump(tracer, target, area, sink, timeout):
    """Wait for the injected thread; on timeout (the dump has not started:
    no GIL) or interruption cancel it. A dump that has started runs to its end."""
    vars_ = area + OFF_VARS
    deadline = time.monotonic() + timeout
    delay = 0.001
    why = None
    try:
        while not read_u32(tracer, vars_ + V_DONE):
            if _interrupted:
                why = 'interrupted'
                break
            if time.monotonic() > deadline and not read_u32(tracer, vars_ + V_STARTED):
                why = 'timeout'
                break
            sink.pump(delay)
            delay = min(delay * 1.5, 0.01)
        if why is not None:
            # Tell the thread to stop (or never start) dumping; give it a
            # moment to remove what it wrote.
            write_u32(tracer, vars_ + V_CANCEL, 1)
            sink.cancel()
            grace = time.monotonic() + 2.0
            while not read_u32(tracer, vars_ + V_DONE) and time.monotonic() < grace:
                sink.pump(0.005)
            finished = read_u32(tracer, vars_ + V_DONE)
            # Let it unmap its area at once when it finishes.
            write_u32(tracer, vars_ + V_ACK, 1)
            removed = sink.discard()
            if finished:
                cleaned = 'the injected thread exited and unmapped its area' if wait_unmapped(
                    target.pid, area, 2.0) else 'the injected thread did not unmap its area'
            else:
                cleaned = ('the injected thread is still waiting for the GIL; it will exit without '
                           'writing anything and unmap its area when it gets it')
            if removed:
                cleaned += '; removed %s' % ', '.join(removed)
            if why == 'timeout':
                raise AttachError('timeout', 'no dump after %g s (is the GIL held by C code that never '
                                  'releases it?); cancelled: %s' % (timeout, cleaned))
            raise AttachError('interrupted', 'interrupted; cancelled: %s' % cleaned)
        tid, _gil, rc, _done = struct.unpack('<IIiI', read_exact(tracer, vars_, 16))
        raw = read_exact(tracer, area + OFF_STATUS, STATUS_MAX)
    except Gone:
        removed = sink.discard()
        raise AttachError('exited', 'process %d exited during the dump%s' % (
            target.pid, '; removed %s' % ', '.join(removed) if removed else '')) from None
    # We have the status: the thread may unmap its area now.
    write_u32(tracer, vars_ + V_ACK, 1)
    unmapped = wait_unmapped(target.pid, area, 2.0)
    status = parse_status(raw)
    try:
        result = status_result(status, 'the injected code did not run (PyRun_SimpleString returned %d)' % rc
                               if rc else 'the interpreter is not initialized')
    except AttachError:
        sink.discard()
        raise
    result['thread'] = tid
    result['cleanup'] = 'unmapped' if unmapped else 'the area was still mapped 2 s after the dump'
    return result


def unmap_area(target, area, size):
    """Remove our area when no thread will (a second short stop)."""
    t = Tracer(target.pid)
    try:
        t.seize()
    except AttachError as e:
        return 0.0, 'could not unmap the area: %s' % e
    start = time.monotonic()
    try:
        saved = stop_at_safe_point(t, target)
        try:
            insn = find_syscall_instruction(t, target)
            r = run_syscall(t, saved, insn, 11, area, size)
        finally:
            t.set_regs(saved)
            t.detach()
        return (time.monotonic() - start) * 1000, 'unmapped' if r == 0 else 'munmap failed: %d' % r
    except (OSError, AttachError) as e:
        return 0.0, 'could not unmap the area: %s' % e
    finally:
        try:
            t.detach()
        except OSError:
            pass
        t.close()


# ---------------------------------------------------------------------------
# gdb and remote_exec

def gdb_dump_started(pid, lines):
    """Whether the code gdb runs has started the dump (its flag, in the
    buffer gdb allocated, after the cancel flag)."""
    line = next((l for l in list(lines) if l.startswith('MELIAE-BUFFER ')), None)
    if line is None:
        return False
    try:
        fd = os.open('/proc/%d/mem' % pid, os.O_RDONLY)
        try:
            raw = os.pread(fd, 4, int(line.split()[1]) + STATUS_MAX + 4)
        finally:
            os.close(fd)
    except (OSError, ValueError):
        return False
    return len(raw) == 4 and struct.unpack('<I', raw)[0] != 0


def attach_gdb(target, sink, timeout):
    """gdb's inferior calls, with the code inline (no file anyone could
    change) and the status read back from a buffer gdb allocates in the
    target, prints and frees. The buffer also holds the cancel flag, which
    we set through /proc/PID/mem on timeout or interruption."""
    gdb = shutil.which('gdb')
    if not gdb:
        raise AttachError('no_gdb', 'gdb is not installed')
    t0 = time.monotonic()
    code = injected_code(sink, 'MELIAE_STATUS_ADDRESS', 'MELIAE_CANCEL_ADDRESS')
    assert '"' not in code and '\\' not in code and '%' not in code
    template = 'call (int) PyRun_SimpleString(\\"%s\\")' % code.replace(
        'MELIAE_STATUS_ADDRESS', '%lu').replace('MELIAE_CANCEL_ADDRESS', '%lu')
    size = STATUS_MAX + 8
    cmd = [gdb, '-nx', '-iex', 'set auto-load off', '-iex', 'set debuginfod enabled off',
           '-batch', '-q', '-p', str(target.pid),
           '-ex', 'set confirm off',
           '-ex', 'echo MELIAE-ATTACHED\\n',
           '-ex', 'set $meliae_buf = (char *) malloc(%d)' % size,
           '-ex', 'call (void *) memset($meliae_buf, 0, %d)' % size,
           '-ex', 'printf "MELIAE-BUFFER %lu\\n", (unsigned long) $meliae_buf',
           '-ex', 'set $meliae_gil = (int) PyGILState_Ensure()',
           '-ex', 'eval "%s", (unsigned long) $meliae_buf, (unsigned long) $meliae_buf + %d' % (template, STATUS_MAX),
           '-ex', 'call (void) PyGILState_Release($meliae_gil)',
           '-ex', 'printf "MELIAE-STATUS %s\\n", $meliae_buf',
           '-ex', 'call (void) free($meliae_buf)',
           '-ex', 'detach']
    # Its own session: a Ctrl-C at the terminal must not stop gdb in the
    # middle of an inferior call (the target would be left in a call frame).
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, start_new_session=True)
    lines = []
    import threading
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    # The timeout counts from gdb's first call in the target (attaching and
    # loading symbols take it a second or more); gdb gets 60 s to get there.
    attached_by = time.monotonic() + 60
    deadline = None
    why = None
    while proc.poll() is None:
        now = time.monotonic()
        if deadline is None and any(l.startswith('MELIAE-BUFFER ') for l in list(lines)):
            deadline = now + timeout
        if _interrupted:
            why = 'interrupted'
        elif deadline is None and now > attached_by:
            why = 'timeout'
        elif deadline is not None and now > deadline and not gdb_dump_started(target.pid, lines):
            why = 'timeout'
        if why:
            break
        sink.pump(0.01)
    if why:
        def seen(prefix):
            return next((l for l in list(lines) if l.startswith(prefix)), None)

        if seen('MELIAE-ATTACHED') is None and proc.poll() is None:
            # Still attaching: no call made in the target yet, so gdb can
            # be stopped (it detaches).
            proc.terminate()
            proc.wait()
        # Once gdb has started its calls it is never stopped (a call cut
        # short leaves the target in gdb's call frame): wait for the buffer
        # that holds the cancel flag (malloc and memset take microseconds).
        settle = time.monotonic() + 30.0
        while seen('MELIAE-BUFFER ') is None and proc.poll() is None and time.monotonic() < settle:
            sink.pump(0.01)
        line = seen('MELIAE-BUFFER ')
        buffer = int(line.split()[1]) if line else None
        if buffer is None and proc.poll() is not None:
            cleaned = 'gdb detached before running anything' if seen('MELIAE-ATTACHED') is None else 'gdb exited'
        elif buffer is None:
            cleaned = 'gdb did not get to its first call in the target within 30 s; it was left running'
        else:
            try:
                fd = os.open('/proc/%d/mem' % target.pid, os.O_RDWR)
                try:
                    os.pwrite(fd, struct.pack('<I', 1), buffer + STATUS_MAX)
                finally:
                    os.close(fd)
            except OSError:
                pass
            sink.cancel()
            # A cancelled dump (its file exists) stops within 8192
            # objects, but gdb's remaining calls and its detach take
            # seconds; a call still waiting for the GIL may take forever.
            wait_until = time.monotonic() + (15.0 if sink.started() else 2.0)
            while proc.poll() is None and time.monotonic() < wait_until:
                sink.pump(0.01)
            if proc.poll() is not None:
                cleaned = 'gdb detached'
            else:
                # Never kill gdb inside an inferior call: it finishes when
                # the target lets it, writes nothing and detaches.
                cleaned = ('gdb is still waiting for the GIL in the target; the dump is cancelled and '
                           'gdb detaches when it gets the GIL')
        removed = sink.discard()
        if removed:
            cleaned += '; removed %s' % ', '.join(removed)
        if why == 'timeout':
            raise AttachError('timeout', 'no dump after %g s (is the GIL held by C code that never releases '
                              'it?); cancelled: %s' % (timeout, cleaned))
        raise AttachError('interrupted', 'interrupted; cancelled: %s' % cleaned)
    reader.join(5)
    output = ''.join(lines)
    stopped = (time.monotonic() - t0) * 1000
    line = next((l for l in output.splitlines() if l.startswith('MELIAE-STATUS ')), None)
    if line is None:
        removed = sink.discard()
        if process_gone(target.pid):
            raise AttachError('exited', 'process %d exited during the dump%s' % (
                target.pid, '; removed %s' % ', '.join(removed) if removed else ''))
        tail = ' '.join(output.strip().splitlines()[-2:])
        raise AttachError('gdb_failed', 'gdb could not run the dump: %s' % tail[:300])
    try:
        status = status_result(parse_status(line[len('MELIAE-STATUS '):].encode()), 'gdb ran the dump but it '
                               'reported nothing')
    except AttachError:
        sink.discard()
        raise
    status['stopped_ms'] = round(stopped, 1)
    status['total_ms'] = round(stopped, 1)
    return status


def private_dir_in_target(target):
    """A new directory owned by the target's uid, mode 0700, under its /tmp
    as the target sees it; every component is checked (a real directory, no
    symlink) and opened relative to the previous one. Returns (fd of /tmp,
    name, path as the target sees it)."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, 'O_CLOEXEC', 0)
    root = os.open('/proc/%d/root' % target.pid, os.O_RDONLY | os.O_DIRECTORY | getattr(os, 'O_CLOEXEC', 0))
    try:
        tmp = os.open('tmp', flags, dir_fd=root)
    finally:
        os.close(root)
    name = 'meliae-attach-%s' % base64.b32encode(os.urandom(10)).decode('ascii').lower()
    fsuid, fsgid, _groups = target_creds(target.status)
    try:
        # With the target's file-system uid: a filesystem of another user
        # namespace cannot hold a file of a uid it does not map (EOVERFLOW).
        try:
            with target_fs_creds(fsuid if fsuid is not None else os.geteuid(), fsgid):
                os.mkdir(name, 0o700, dir_fd=tmp)
        except PlaceError as e:
            raise OSError(errno.EPERM, str(e)) from None
        d = os.open(name, flags, dir_fd=tmp)
        try:
            if target.uid is not None and os.geteuid() == 0:
                os.fchown(d, target.uid, -1)
            os.fchmod(d, 0o700)
        finally:
            os.close(d)
    except BaseException:
        try:
            os.rmdir(name, dir_fd=tmp)
        except OSError:
            pass
        os.close(tmp)
        raise
    return tmp, name, '/tmp/' + name


def attach_remote_exec(target, sink, timeout):
    """sys.remote_exec (3.14+; not tested here: no 3.14 on the test machine).
    The script lives in a private directory (see private_dir_in_target),
    written by descriptor, and is removed afterwards."""
    if not target.version or target.version < (3, 14):
        raise AttachError('version', 'the target is Python %s, not 3.14 or newer'
                          % ('%d.%d' % target.version if target.version else 'of an unknown version'))
    if not hasattr(sys, 'remote_exec'):
        raise AttachError('unsupported', 'sys.remote_exec needs Python 3.14 here too')
    t0 = time.monotonic()
    try:
        return _remote_exec(target, sink, timeout, t0)
    except OSError as e:
        raise AttachError('remote_exec_failed', 'sys.remote_exec: %s' % e) from None


def _remote_exec(target, sink, timeout, t0):
    tmp, name, seen = private_dir_in_target(target)
    d = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=tmp)
    try:
        fsuid, fsgid, _groups = target_creds(target.status)
        try:
            with target_fs_creds(fsuid if fsuid is not None else os.geteuid(), fsgid):
                fd = os.open('inject.py', os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=d)
        except PlaceError as e:
            raise OSError(errno.EPERM, str(e)) from None
        try:
            data = (injected_code(sink, '0', 0, seen + '/status.json') + '\n').encode('ascii')
            while data:
                data = data[os.write(fd, data):]
            if target.uid is not None and os.geteuid() == 0:
                os.fchown(fd, target.uid, -1)
        finally:
            os.close(fd)
        sys.remote_exec(target.pid, seen + '/inject.py')  # read by the target
        deadline = time.monotonic() + timeout
        while True:
            try:
                fd = os.open('status.json', os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=d)
                break
            except FileNotFoundError:
                pass
            if _interrupted or time.monotonic() > deadline:
                removed = sink.discard()
                raise AttachError('interrupted' if _interrupted else 'timeout',
                                  'the target did not run the script %s (it runs at the next bytecode '
                                  'boundary of the main thread)%s'
                                  % ('before the interruption' if _interrupted else 'within %g s' % timeout,
                                     '; removed %s' % ', '.join(removed) if removed else ''))
            sink.pump(0.01)
        sink.pump(0.01)  # written in one write() of under STATUS_MAX bytes
        try:
            raw = os.read(fd, STATUS_MAX) if stat.S_ISREG(os.fstat(fd).st_mode) else b''
        finally:
            os.close(fd)
    finally:
        for f in ('inject.py', 'status.json'):
            try:
                os.unlink(f, dir_fd=d)
            except OSError:
                pass
        os.close(d)
        try:
            os.rmdir(name, dir_fd=tmp)
        except OSError:
            pass
        os.close(tmp)
    status = status_result(parse_status(raw), 'the target wrote no status')
    status['stopped_ms'] = 0.0
    status['total_ms'] = round((time.monotonic() - t0) * 1000, 1)
    return status


# ---------------------------------------------------------------------------

def default_out(pid):
    return os.path.abspath('meliae-%d-%s.json.gz' % (pid, time.strftime('%Y%m%d-%H%M%S')))


def plan_places(target, out, stage, facts):
    """Where to try writing the dump, in order: ('direct',) when the target
    shares our filesystem view and may write --out's directory, then the
    target's /tmp and working directory, each as a pipe then as a file."""
    places = []
    same_view = (not facts['root_differs'] and not facts['namespaces'].get('mnt', {}).get('differs')
                 and not facts['namespaces'].get('user', {}).get('differs'))
    if stage in ('auto', 'direct') and same_view and target_can_write(target, os.path.dirname(out)):
        places.append(('direct', None))
    if stage == 'direct' and not places:
        raise AttachError('bad_out', 'the target cannot write %s itself (%s)' % (
            os.path.dirname(out), 'it has its own root or mount namespace' if not same_view
            else 'its uid may not write there'))
    for where in ('tmp', 'cwd'):
        for kind in ('pipe', 'file'):
            if stage in ('auto', kind):
                places.append((kind, where))
    return places


def run_methods(target, sink, method, timeout):
    order = {'auto': ['remote_exec', 'ptrace', 'gdb'], 'ptrace': ['ptrace'], 'gdb': ['gdb'],
             'remote_exec': ['remote_exec']}[method]
    if method == 'auto' and not (target.version and target.version >= (3, 14) and hasattr(sys, 'remote_exec')):
        order.remove('remote_exec')
    errors = []
    for how in order:
        fn = {'remote_exec': attach_remote_exec, 'ptrace': attach_ptrace, 'gdb': attach_gdb}[how]
        try:
            result = fn(target, sink, timeout)
        except AttachError as e:
            errors.append(e)
            # Never fall back once the target was touched.
            if getattr(e, 'touched', False) or e.reason in ('dump_failed', 'exited', 'timeout', 'interrupted',
                                                            'cancelled', 'version'):
                break
            if how == 'ptrace' and e.reason in ('ptrace_scope', 'other_user', 'no_capability', 'ptrace_denied',
                                                'traced', 'seccomp'):
                break  # gdb would be refused too
            continue
        result['method'] = how
        return result
    if len(errors) == 1:
        raise errors[0]
    e = AttachError(errors[-1].reason, '; '.join('%s' % e for e in errors))
    e.errno = getattr(errors[-1], 'errno', None)
    raise e


def attach(pid, out=None, method='auto', timeout=30.0, stage='auto'):
    out = os.path.abspath(out) if out else default_out(pid)
    if os.path.isdir(out):
        raise AttachError('bad_out', '%s is a directory: --out names the dump file to create' % out)
    if os.path.lexists(out) or os.path.lexists(out + '.meta.json'):
        raise AttachError('exists', 'refusing to overwrite %s' % out)
    if not os.path.isdir(os.path.dirname(out)):
        raise AttachError('bad_out', 'directory %s does not exist' % os.path.dirname(out))
    target = Target(pid)
    target.resolve()
    if pid == os.getpid():
        raise AttachError('self', 'cannot attach to ourselves')
    facts = namespace_facts(target)
    places = plan_places(target, out, stage, facts)
    host_out = HostOut(out)
    skipped = []
    for k, (kind, where) in enumerate(places):
        if _interrupted:
            raise AttachError('interrupted', 'interrupted before anything was done to the target')
        meta = dict(facts, written=kind if kind == 'direct' else '%s in %s' % (kind, where))
        try:
            sink = DirectSink(target, out, meta) if kind == 'direct' else Stage(target, host_out, kind, where, meta)
        except PlaceError as e:
            if not any(s_ == str(e) for s_ in skipped):
                skipped.append(str(e))
            continue
        except OSError as e:
            skipped.append('%s in %s: %s' % (kind, where, e))
            continue
        try:
            result = run_methods(target, sink, method, timeout)
            t_finish = time.monotonic()
            sink.finish()
            # Draining the pipe's last bytes, or copying the file.
            result['total_ms'] = round(result.get('total_ms', 0) + (time.monotonic() - t_finish) * 1000, 1)
        except AttachError as e:
            sink.discard()
            if (e.reason == 'dump_failed' and getattr(e, 'errno', None) in PLACE_ERRNOS
                    and k + 1 < len(places) and not process_gone(pid)):
                skipped.append('%s failed: %s' % (
                    'writing --out directly' if kind == 'direct' else 'a %s in the target\'s %s' % (
                        kind, '/tmp' if where == 'tmp' else 'working directory'), str(e).split(': ', 1)[-1]))
                continue
            if skipped:
                e.args = ('%s (after: %s)' % (e, '; '.join(skipped)),)
            raise
        except BaseException:
            sink.discard()
            raise
        result.update({'ok': True, 'pid': pid, 'out': out, 'written': sink.describe(),
                       'python': result.get('python') or ('%d.%d' % target.version if target.version else None)})
        if facts['nspid'] and facts['nspid'][-1] != pid:
            result['pid_in_container'] = facts['nspid'][-1]
        if skipped:
            result['skipped'] = skipped
        return result
    raise AttachError('no_place', 'nowhere the target can write the dump: %s' % '; '.join(skipped))


def main(argv=None):
    parser = argparse.ArgumentParser(description='Dump a running Python 3 process in meliae format.')
    parser.add_argument('pid', type=int)
    parser.add_argument('--out', help='dump file to create (default: ./meliae-PID-TIME.json.gz)')
    parser.add_argument('--method', choices=['auto', 'ptrace', 'gdb', 'remote_exec'], default='auto')
    parser.add_argument('--timeout', type=float, default=30.0,
                        help='seconds to wait for the dump to start (the injected code to get the GIL) '
                             'before cancelling it (default 30); a dump that has started runs to its end')
    parser.add_argument('--stage', choices=['auto', 'direct', 'pipe', 'file'], default='auto',
                        help='where the target writes: --out itself (direct), a FIFO in its /tmp or working '
                             'directory that we read (pipe), or a file there that we copy (file); auto tries '
                             'them in that order')
    parser.add_argument('--check', action='store_true', help='only report what would stop an attach')
    args = parser.parse_args(argv)
    if args.check:
        result = check(args.pid)
        result.pop('target', None)
        print(json.dumps(dict(result, pid=args.pid)))
        return 0 if result['ok'] else 1
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        result = attach(args.pid, args.out, args.method, args.timeout, args.stage)
    except AttachError as e:
        print(json.dumps({'ok': False, 'pid': args.pid, 'reason': e.reason, 'error': str(e)}), flush=True)
        return 130 if e.reason == 'interrupted' else 1
    if _interrupted:
        # Done before the interruption could stop it: keep no dump.
        removed = [p for p in (result['out'], result['out'] + '.meta.json') if os.path.isfile(p)]
        for p in removed:
            os.unlink(p)
        print(json.dumps({'ok': False, 'pid': args.pid, 'reason': 'interrupted',
                          'error': 'interrupted; the dump had finished and was removed'}), flush=True)
        return 130
    print(json.dumps(result), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
