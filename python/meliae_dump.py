"""Write a meliae-format memory dump of the running Python 3 process.

meliae's scanner is a Python 2 C extension; this module is a pure-Python
replacement with the same entry points, for CPython 3.8 and later, with no
dependencies outside the standard library::

    import meliae_dump
    meliae_dump.dump_all_objects('/tmp/app.json.gz')

Output format
-------------
One JSON object per line, keys always in this order::

    {"address": 140478455628136, "type": "dict", "size": 1048, "len": 2, "refs": [1, 2, 3, 4]}

``address`` is ``id(obj)``; ``type`` the C-level ``tp_name`` of its type
(``str``, ``bytes``, ``int``, ``_io.TextIOWrapper``, ``Session``);
``size`` is ``sys.getsizeof(obj)``; ``name`` is present for modules,
functions, builtin functions and types; ``len`` for str, bytes, tuple,
list, set, frozenset and dict (dict subclasses too); ``value`` for str
(the first 100 characters), bool (``"True"``/``"False"``), frames (the
code name) and int (bare decimal digits, big ints included); ``refs`` lists
the addresses of ``gc.get_referents(obj)`` in order, with two changes:

* a ``dict`` (and a dict subclass) lists its keys and values as pairs,
  ``k1, v1, k2, v2, ...`` in iteration order, as meliae did on Python 2
  (``gc.get_referents`` leaves the keys out when they are all strings).
  A dict subclass lists its other referents first.
* On CPython 3.11 and later an instance of a class whose ``__dict__`` has
  not been materialized keeps its attribute values inline, and
  ``gc.get_referents`` returns the bare values. The dumper reads the
  attribute names from the class's shared-keys table (read-only, through
  ``ctypes``: the instance's ``__dict__`` is never created and nothing is
  allocated per instance) and writes the instance in meliae's Python 2
  shape: the instance refers to ``[..., D, type]`` where ``D`` is a
  stand-in ``dict`` line at the address of the instance's values array,
  sized as that array (memory ``sys.getsizeof(instance)`` does not count),
  whose refs are the ``name, value`` pairs. A loader that folds
  ``[dict, type]`` into the instance shows the attributes by name. When a
  dict has been materialized the real dict is written, in the same shape.
  The interpreter's layout is checked at import and every instance's
  values are compared with ``gc.get_referents``; where a check fails (an
  interpreter this module does not know) the instance refers to its bare
  values then its type, and the attribute names are lost. ``LAYOUT`` says
  which case applies ('names' or 'values'). The stand-in's size is what
  was allocated for that instance (exact on 3.13 but for one instance per
  class; on 3.11 and 3.12 exact once the class's capacity has settled,
  within 7 slots before: see python/README.md).
* A slotted instance's refs start with the values of its set slots in the
  order CPython visits them. A class with slots gets an extra key after
  ``refs`` on its line, ``"slots": [names]``: the names its instances' refs
  start with. An instance with an unset slot (which CPython skips) gets
  its own ``"slots"`` list, the names of its first refs (empty when they
  cannot be told). meliae's JSON loader ignores the key.

Every string is written with JSON ``\\uXXXX`` escapes for anything outside
printable ASCII (control characters, non-ASCII text, lone surrogates), so
the file is plain ASCII, always valid JSON and UTF-8, and a JSON parser
returns the exact text. Type names are decoded from their UTF-8 ``tp_name``
(meliae wrote raw bytes).

What is dumped
--------------
Every object ``gc.get_objects()`` returns and everything reachable from
those through ``gc.get_referents`` (strings, ints and other untracked
objects), each exactly once. Objects only reachable from C code or from the
stack of a running function are not seen, as with meliae. Objects frozen by
``gc.freeze()`` are found through their referrers. The dumper's own working
data (its seen set, stack, buffers and caches) are not in the dump.

Safety
------
* The collector is disabled during the walk and restored afterwards.
* Other threads keep running between bytecodes and while a buffer is
  written: an object they create or change meanwhile may be missing or
  written in its new state. The dump is exact when other threads are idle.
* ``sys.getsizeof`` calls a class's own ``__sizeof__``; if it raises, the
  object is written with its type's basic size.
* A path is created new with mode 0600 (``O_CREAT|O_EXCL|O_NOFOLLOW``): an
  existing file or a symlink is refused with ``FileExistsError``. A path
  ending in ``.gz`` is gzip-compressed. An open file object (text or
  binary) is accepted instead of a path.
* Beside a dump written to a path, ``PATH.meta.json`` records the pid, argv,
  Python version, time, RSS and peak RSS, gc counts, object count and dump
  duration (same creation rules).
* When tracemalloc traces the process, ``PATH.alloc.json.gz`` (same
  creation rules, removed with the dump on failure or cancellation) holds
  the allocation traceback of every dumped object that has one (see
  python/README.md); not for a dump staged through a directory (``dir_fd``)
  or a FIFO.

Cost
----
Measured with CPython 3.11.7 on x86-64 on a process holding 1.04 million
objects: about 620 000 objects/s to a plain file, 470 000 objects/s
gzip-compressed (compression runs in a helper thread), and a peak of 14 to
17 MB of extra memory per million objects (python/README.md has the method
and other versions). The walk keeps no seen-set entry for an object that
can only be reached once: gc-tracked objects come from the
``gc.get_objects()`` list itself, and an untracked object whose only owner
is the parent being walked is recognised by its reference count. A plain
set of every address costs about 80 MB per million objects.
"""

import errno
import gc
import os
import stat
import sys
import time
import zlib
from itertools import chain, filterfalse
from json.encoder import encode_basestring_ascii as _esc

__all__ = [
    'dump_all_objects',
    'dump_gc_objects',
    'dump_all_referenced',
    'get_recursive_size',
    'LAYOUT',
    'DumpCancelled',
]

__version__ = '1.0'

#: 'names' when instance attribute names are recovered on 3.11+ (or the
#: interpreter has no inline values), 'values' when they are lost.
LAYOUT = 'names' if sys.version_info < (3, 11) else 'values'

#: gzip level for `.gz` paths: 3 is about as fast as 1 on meliae lines and
#: 10% smaller.
GZIP_LEVEL = 3

_FLUSH_LINES = 8192

# How a dict's refs are written: 'pairs' (key, value, ... as meliae wrote on
# Python 2) or 'traverse' (what gc.get_referents gives, as a scanner that
# follows CPython's traverse functions writes: only the values of a dict
# whose keys are all strings on 3.11+). 'traverse' exists for tests of
# loaders against such dumps.
_DICT_REFS = 'pairs'
_STR_VALUE_CHARS = 100

# Type flags (Include/object.h).
_TPFLAGS_INLINE_VALUES = 1 << 2  # 3.13+
_TPFLAGS_MANAGED_DICT = 1 << 4  # 3.11+
_TPFLAGS_HEAPTYPE = 1 << 9
_TPFLAGS_DICT_SUBCLASS = 1 << 29
_TPFLAGS_TYPE_SUBCLASS = 1 << 31

# Attribute access that a metaclass cannot intercept.
_type_flags = type.__dict__['__flags__'].__get__
_type_mro = type.__dict__['__mro__'].__get__
_type_dict = type.__dict__['__dict__'].__get__
_type_basicsize = type.__dict__['__basicsize__'].__get__
_type_itemsize = type.__dict__['__itemsize__'].__get__
_type_name = type.__dict__['__name__'].__get__
_type_qualname = type.__dict__['__qualname__'].__get__
_type_module = type.__dict__['__module__'].__get__
_object_sizeof = object.__dict__['__sizeof__']
_dict_items = dict.items
_dict_len = dict.__len__

_FunctionType = type(lambda: None)
_BuiltinType = type(len)
_ModuleType = type(sys)
_FrameType = type(sys._getframe())


# ---------------------------------------------------------------------------
# Reading CPython structures (read-only, through ctypes)

def _fallback_tp_name(t):
    """`__module__.__qualname__`, as close to tp_name as Python can see."""
    try:
        qual = _type_qualname(t)
    except Exception:
        try:
            qual = _type_name(t)
        except Exception:
            return '?'
    if qual.__class__ is not str:
        return '?'
    try:
        mod = _type_module(t)
    except Exception:
        mod = None
    if mod.__class__ is str and mod != 'builtins':
        return mod + '.' + qual
    return qual


def _setup_ctypes():
    """Find how to read tp_name and instance attribute names; verify both."""
    global LAYOUT
    if sys.implementation.name != 'cpython':
        return _fallback_tp_name, None
    try:
        import ctypes
    except Exception:  # ctypes missing in some embedded builds
        return _fallback_tp_name, None
    c_char_p = ctypes.c_char_p
    # PyTypeObject starts with a PyVarObject header (PyObject, ob_size) and
    # then `const char *tp_name`: offset 24 on 64-bit default builds.
    tp_name_offset = object.__basicsize__ + ctypes.sizeof(ctypes.c_ssize_t)

    def raw_tp_name(t):
        return c_char_p.from_address(id(t) + tp_name_offset).value.decode('utf-8', 'replace')

    import collections
    known = [(int, 'int'), (str, 'str'), (type, 'type'), (dict, 'dict'),
             (type(None), 'NoneType'), (collections.OrderedDict, 'collections.OrderedDict'),
             (type(sys.implementation), 'types.SimpleNamespace'), (_FrameType, 'frame')]
    try:
        ok = all(raw_tp_name(t) == n for t, n in known)
    except Exception:
        ok = False
    if ok:
        def tp_name(t):
            try:
                return raw_tp_name(t)
            except Exception:  # a NULL or undecodable tp_name
                return _fallback_tp_name(t)
    else:
        tp_name = _fallback_tp_name
    if not ok or ctypes.sizeof(ctypes.c_void_p) != 8 or sys.version_info < (3, 11):
        return tp_name, None
    try:
        reader = _make_inline_reader(ctypes)
    except Exception:
        reader = None
    if reader is not None:
        LAYOUT = 'names'
    return tp_name, reader


def _make_inline_reader(ctypes):
    """Build `read(obj, type)` for instances with inline attribute values.

    It returns None when the instance has a materialized dict (3.11, 3.12) or
    no valid inline values, else `(values_address, values_size, pairs, mdict)`
    with `pairs` the `(name, value address)` of the set attributes in index
    order and `mdict` the materialized dict sharing the values (3.13+) or
    None. Returns None itself when this interpreter fails the checks.
    """
    u64 = ctypes.c_uint64
    u8 = ctypes.c_uint8
    py_object = ctypes.py_object
    cast = ctypes.cast
    string_at = ctypes.string_at
    version = sys.version_info[:2]

    # Reads must not create objects the heap keeps (ctypes caches an array
    # type per length), so arrays of pointers are read as bytes.
    def pointers(address, n):
        return memoryview(string_at(address, 8 * n)).cast('Q').tolist() if n else []

    def probe_class():
        class _Probe:
            def __init__(self):
                self.alpha = 10 ** 20
                self.beta = 'probe-' + str(id(self))
        return _Probe

    P = probe_class()
    n_words = type.__basicsize__ // 8
    words = (u64 * n_words).from_address(id(P))
    keys_offset = None
    for k in range(n_words - 3):
        # PyHeapTypeObject: ..., ht_name, ht_slots, ht_qualname, ht_cached_keys
        if words[k] == id(_type_name(P)) and words[k + 2] == id(_type_qualname(P)):
            keys_offset = (k + 3) * 8
            break
    if keys_offset is None:
        return None

    # PyDictKeysObject: refcnt; u8 log2_size, u8 log2_index_bytes, u8 kind,
    # u32 version; usable; nentries; indices[1 << log2_index_bytes]; then
    # (key, value) entries for unicode-keyed tables. `key_cache` belongs to
    # one dump (created after its snapshot).
    def shared_keys(t, key_cache):
        kaddr = u64.from_address(id(t) + keys_offset).value
        if not kaddr:
            return None, 0
        nentries = u64.from_address(kaddr + 24).value
        cached = key_cache.get(kaddr)
        if cached is None or len(cached[0]) < nentries:
            if u8.from_address(kaddr + 10).value != 2:  # DICT_KEYS_SPLIT
                return None, 0
            entries = kaddr + 32 + (1 << u8.from_address(kaddr + 9).value)
            names = []
            for ix in range(nentries):
                ka = u64.from_address(entries + 16 * ix).value
                names.append(cast(ka, py_object).value if ka else None)
            cached = key_cache[kaddr] = (names, u64.from_address(kaddr + 16).value)
        return cached

    if version < (3, 13):
        # 3.11 pre-header: [values*, dict*, gc head (2 words)] before the object.
        # 3.12: [weakrefs*, dict-or-values, gc head]; values are stored as
        # (pointer - 1), so an odd word means inline values.
        def read(obj, t, key_cache):
            if version == (3, 11):
                vaddr = u64.from_address(id(obj) - 32).value
            else:
                tagged = u64.from_address(id(obj) - 24).value
                vaddr = tagged + 1 if tagged & 1 else 0
            if not vaddr:
                return None
            names, usable = shared_keys(t, key_cache)
            if names is None:
                return None
            n = len(names)
            values = pointers(vaddr, n)
            pairs = [(names[ix], v) for ix, v in enumerate(values) if v]
            # new_values(cap) allocates a prefix of round8(cap + 2) bytes (the
            # insertion order; its last byte holds the prefix size) and then
            # cap pointers. cap is the class's capacity when the instance was
            # made, and that only shrinks as instances are made (by one each,
            # for the class's first ones), so it is at least today's
            # capacity; the prefix bounds it from above.
            prefix = u8.from_address(vaddr - 1).value
            cap = n + usable
            if prefix != ((cap + 2 + 7) // 8) * 8 and prefix & 7 == 0 and prefix >= cap + 2:
                cap = prefix - 2  # the most the prefix allows (at most 7 over)
            size = ((cap + 2 + 7) // 8) * 8 + 8 * cap
            return vaddr, size, pairs, None
    else:
        # 3.13+: values embedded right after the object (tp_basicsize): a
        # header (u8 capacity, size, embedded, valid), the pointers, then the
        # insertion order. The managed dict pointer is 3 words before the object.
        def read(obj, t, key_cache):
            if not (_type_flags(t) & _TPFLAGS_INLINE_VALUES):
                return None
            vaddr = id(obj) + _type_basicsize(t)
            if not u8.from_address(vaddr + 3).value:
                return None  # not valid: the dict owns the values
            capacity = u8.from_address(vaddr).value
            names, usable = shared_keys(t, key_cache)
            if names is None:
                return None
            values = pointers(vaddr + 8, capacity)
            pairs = []
            for ix, v in enumerate(values):
                if v:
                    if ix >= len(names) or names[ix] is None:
                        return None
                    pairs.append((names[ix], v))
            daddr = u64.from_address(id(obj) - 24).value
            mdict = cast(daddr, py_object).value if daddr else None
            # The object was allocated with room for the class's capacity at
            # that moment; while a class's first instances are made, each
            # then shrinks the capacity by one and records the shrunk value.
            # So an instance whose recorded capacity is above today's had one
            # more slot allocated.
            alloc = capacity + 1 if capacity > len(names) + usable else capacity
            size = 8 + 8 * alloc + ((alloc + 7) // 8) * 8
            return vaddr, size, pairs, mdict

    # Check on fresh instances: names and values must match what the
    # interpreter reports, and a materialized dict must be recognised.
    p = P()
    got = read(p, P, {})
    expect = [id(x) for x in gc.get_referents(p)[:-1]]
    if got is None or [k for k, _ in got[2]] != ['alpha', 'beta'] or [v for _, v in got[2]] != expect:
        return None
    q = P()
    q_dict = q.__dict__  # materialize
    got = read(q, P, {})
    if version < (3, 13):
        if got is not None:
            return None
    elif got is not None and got[3] is not q_dict:
        return None
    return read


_tp_name, _read_inline = _setup_ctypes()


def _make_slot_reader():
    """Build `slots_of(t)` for classes with `__slots__`, or return None.

    `slots_of(t)` is None for a type whose instances have no slots the
    collector visits, else `(names, words, low, span, full)`: the slot names
    in the order CPython's subtype_traverse visits them (the class's own, in
    its member order, then each base's up the chain of classes made by a
    class statement), their offsets in the instance (in words from `low`),
    the number of words that covers them, and how many refs an instance
    with every slot set has when nothing but its type follows the slots
    (the chain ends at `object`), else -1. Reads type structures through ctypes (read-only) and
    is checked at import against gc.get_referents.
    """
    if sys.implementation.name != 'cpython':
        return None
    try:
        import ctypes
    except Exception:
        return None
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    u64 = ctypes.c_uint64
    i32 = ctypes.c_int32
    c_char_p = ctypes.c_char_p
    T_OBJECT_EX = 16
    FLAGS_OFFSET = 168  # tp_flags in PyTypeObject (64-bit, 3.8 to 3.13)
    TRAVERSE_OFFSET = 184  # tp_traverse, right after tp_flags and tp_doc
    MEMBER_SIZE = 40  # PyMemberDef: name, type, offset, flags, doc

    class _Probe:
        __slots__ = ('b', 'a', 'c')

    class _Probe2(_Probe):
        __slots__ = ('z',)

    if u64.from_address(id(_Probe) + FLAGS_OFFSET).value != _type_flags(_Probe):
        return None
    subtype_traverse = u64.from_address(id(_Probe) + TRAVERSE_OFFSET).value
    if not subtype_traverse or u64.from_address(id(_Probe2) + TRAVERSE_OFFSET).value != subtype_traverse:
        return None

    def own_members(t):
        # Py_SIZE(type): how many PyMemberDef follow the heap type object.
        n = u64.from_address(id(t) + 16).value
        if not n or n > 10000:
            return []
        base = id(t) + _type_basicsize(type(t))
        found = []
        for k in range(n):
            m = base + MEMBER_SIZE * k
            if i32.from_address(m + 8).value == T_OBJECT_EX:
                raw = c_char_p.from_address(m).value
                if raw is None:
                    return None
                found.append((raw.decode('utf-8', 'replace'), u64.from_address(m + 16).value))
        return found

    def slots_of(t):
        names = []
        offsets = []
        b = t
        while b is not None and _type_flags(b) & _TPFLAGS_HEAPTYPE and \
                u64.from_address(id(b) + TRAVERSE_OFFSET).value == subtype_traverse:
            members = own_members(b)
            if members is None:
                return None
            for name, offset in members:
                names.append(name)
                offsets.append(offset)
            b = type.__dict__['__base__'].__get__(b)
        if not names:
            return None
        low = min(offsets)
        full = len(names) + 1 if b is object else -1
        return tuple(names), tuple((o - low) >> 3 for o in offsets), low, ((max(offsets) - low) >> 3) + 1, full

    # Check: the names and values must be what the collector reports.
    p = _Probe2()
    p.a, p.c, p.z = 'probe-a', 'probe-c', ['probe-z']
    info = slots_of(_Probe2)
    if info is None or info[0] != ('z', 'a', 'b', 'c'):
        return None
    got = _slot_values(p, info)
    if got != [('z', id(p.z)), ('a', id(p.a)), ('c', id(p.c))]:
        return None
    if [id(x) for x in gc.get_referents(p)[:3]] != [v for _, v in got]:
        return None
    return slots_of


def _slot_values(o, info):
    """`(name, address)` of the set slots of `o`, in traverse order."""
    names, words, low, span, _ = info
    values = memoryview(_string_at(id(o) + low, 8 * span)).cast('Q')
    return [(name, values[w]) for name, w in zip(names, words) if values[w]]


try:
    from ctypes import string_at as _string_at
    _slots_of = _make_slot_reader()
except Exception:
    _slots_of = None


# ---------------------------------------------------------------------------
# Output

def _create_exclusive(path, dir_fd=None):
    """Create `path` (relative to `dir_fd` when given) new with mode 0600;
    never follow a symlink or overwrite."""
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL
             | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0))
    try:
        return os.open(path, flags, 0o600, dir_fd=dir_fd)
    except FileExistsError:
        try:
            kind = 'a symlink' if stat.S_ISLNK(os.lstat(path, dir_fd=dir_fd).st_mode) else 'an existing file'
        except OSError:
            kind = 'an existing file'
        raise FileExistsError(
            'refusing to write %s: it is %s (dumps are never overwritten; choose a new name)'
            % (os.fsdecode(path), kind)) from None


def _open_fifo(path, dir_fd=None):
    """Open for writing a FIFO someone reads (the attacher, streaming the
    dump out of a container): never blocks on a FIFO without a reader
    (ENXIO), never follows a symlink, refuses anything but a FIFO."""
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0),
                 dir_fd=dir_fd)
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, 'not a FIFO: %s' % os.fsdecode(path))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _is_binary_file(f):
    import io
    if isinstance(f, io.TextIOBase):
        return False
    if isinstance(f, (io.RawIOBase, io.BufferedIOBase)):
        return True
    mode = getattr(f, 'mode', '')
    return isinstance(mode, str) and 'b' in mode


class _Sink:
    """Where the lines go: an fd we created (optionally gzip) or a file object.

    Created after the heap snapshot, so it is not in the dump. With gzip to
    an fd, compression and writing run in a bare `_thread` (zlib releases the
    GIL, so it overlaps the walk); that thread holds no heap objects and is
    not in threading.enumerate().
    """

    def __init__(self, fd=None, file=None, gzip=False, thread=True):
        self.fd = fd
        self.file_write = file.write if file is not None else None
        self.binary = True if file is None else _is_binary_file(file)
        self.comp = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31) if gzip else None
        self.threaded = gzip and fd is not None and thread
        self.error = None
        if self.threaded:
            import _thread
            self.queue = []
            self.queue_lock = _thread.allocate_lock()
            self.has_items = _thread.allocate_lock()
            self.has_items.acquire()
            self.finished = _thread.allocate_lock()
            self.finished.acquire()
            try:
                _thread.start_new_thread(self._compress_loop, ())
            except RuntimeError:  # no new threads (interpreter shutting down)
                self.threaded = False

    def _compress_loop(self):
        try:
            while True:
                self.has_items.acquire()
                with self.queue_lock:
                    items, self.queue = self.queue, []
                for data in items:
                    if data is None:
                        if self.error is None:
                            _write_all(self.fd, self.comp.flush())
                        return
                    if self.error is None:
                        _write_all(self.fd, self.comp.compress(data))
        except BaseException as e:
            self.error = e
        finally:
            self.finished.release()

    def _put(self, data):
        with self.queue_lock:
            self.queue.append(data)
            if len(self.queue) == 1:
                self.has_items.release()
        # Keep at most a few chunks waiting (bounded memory).
        while len(self.queue) > 3 and self.error is None:
            time.sleep(0.0002)

    def write(self, text):
        if not self.binary:
            self.file_write(text)
            return
        data = text.encode('ascii')
        if self.threaded:
            if self.error is not None:
                raise self.error
            self._put(data)
            return
        if self.comp is not None:
            data = self.comp.compress(data)
        self._emit(data)

    def _emit(self, data):
        if self.fd is not None:
            _write_all(self.fd, data)
        else:
            self.file_write(data)

    def close(self):
        """Flush everything; raises what the writer thread hit."""
        if self.threaded:
            self._put(None)
            self.finished.acquire()
            self.threaded = False
            if self.error is not None:
                raise self.error
        elif self.comp is not None:
            self._emit(self.comp.flush())

    def abandon(self):
        """Stop the writer thread after an error in the walk."""
        if self.threaded:
            self.error = self.error or RuntimeError('dump abandoned')
            self._put(None)
            self.finished.acquire()
            self.threaded = False


# ---------------------------------------------------------------------------
# The walk

def _int_digits(value):
    """Decimal digits of an exact int, beyond the str() digit limit too."""
    try:
        return str(value)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        pass
    negative = value < 0
    if negative:
        value = -value
    chunk = 10 ** 1000
    parts = []
    while value:
        value, rest = divmod(value, chunk)
        parts.append(rest)
    text = str(parts[-1]) + ''.join(['%01000d' % p for p in reversed(parts[:-1])])
    return '-' + text if negative else text


def _sizeof_fallback(o):
    """The size written when an object's __sizeof__ fails: its basic size."""
    try:
        return _type_basicsize(type(o))
    except Exception:
        return 0


def _is_fixed_size(t):
    """True when every instance of `t` has the same sys.getsizeof."""
    if _type_itemsize(t):
        return False
    for base in _type_mro(t) or ():  # None for a type not fully initialized
        d = _type_dict(base)
        if '__sizeof__' in d:
            return d['__sizeof__'] is _object_sizeof
    return False


def _module_name(m):
    try:
        name = vars(m).get('__name__')
    except Exception:
        return None
    return name if name.__class__ is str else None


# How objects of a type are written (see _classify).
(_K_VAR, _K_INT, _K_BOOL, _K_BYTES, _K_LEN, _K_DICT, _K_DICTSUB,
 _K_MODULE, _K_FUNC, _K_TYPE, _K_FRAME, _K_INLINE, _K_SLOTS) = range(13)


def _classify(t, o, fixed, kinds):
    """Record how objects of type `t` are written, in `fixed` (plain objects
    whose size never varies: the header text) or in `kinds`."""
    tj = _esc(_tp_name(t))
    flags = _type_flags(t)
    kind = None
    size = None
    slots = None
    if t is int:
        kind = _K_INT
    elif t is bool:
        kind = _K_BOOL
    elif t is dict:
        kind = _K_DICT
    elif t is tuple or t is list or t is set or t is frozenset:
        kind = _K_LEN
    elif t is bytes:
        kind = _K_BYTES
    elif flags & _TPFLAGS_DICT_SUBCLASS:
        kind = _K_DICTSUB
    elif t is _ModuleType:
        kind = _K_MODULE
    elif t is _FunctionType or t is _BuiltinType:
        kind = _K_FUNC
    elif flags & _TPFLAGS_TYPE_SUBCLASS:
        kind = _K_TYPE
    elif t is _FrameType:
        kind = _K_FRAME
    else:
        try:
            if _is_fixed_size(t):
                size = sys.getsizeof(o)
        except Exception:
            size = None
        if _slots_of is not None and flags & _TPFLAGS_HEAPTYPE:
            try:
                slots = _slots_of(t)
            except Exception:
                slots = None
        if (_read_inline is not None and flags & _TPFLAGS_MANAGED_DICT
                and flags & _TPFLAGS_HEAPTYPE):
            kind = _K_INLINE
        elif slots is not None:
            kind = _K_SLOTS
        elif size is not None:
            fixed[t] = ', "type": %s, "size": %d' % (tj, size)
            return
        else:
            kind = _K_VAR
    kinds[t] = (kind, tj, size, slots)


def _slots_tail(o, slots, refs):
    """The extra key of an instance line when its refs do not start with
    every slot of its class in order: `"slots"`, the names of its first
    refs (empty when they cannot be told). '' when the class's list holds."""
    try:
        got = _slot_values(o, slots)
    except Exception:
        return ', "slots": []'
    n = len(got)
    if n <= len(refs) and all(id(refs[k]) == got[k][1] for k in range(n)):
        if n == len(slots[0]):
            return ''
        return ', "slots": [%s]' % ', '.join(_esc(name) for name, _ in got)
    return ', "slots": []'


def _type_slots_tail(t):
    """The extra key of a type line: the slot names its instances' refs
    start with (see _slots_tail), or ''."""
    if _slots_of is None or not _type_flags(t) & _TPFLAGS_HEAPTYPE:
        return ''
    try:
        slots = _slots_of(t)
    except Exception:
        return ''
    if slots is None:
        return ''
    return ', "slots": [%s]' % ', '.join(_esc(name) for name in slots[0])


def _inline_refs(o, t, refs, got):
    """An instance with inline attribute values.

    Returns None if the memory read does not match gc.get_referents (the
    instance is then written with its bare values), else `(dict_line,
    instance_ref_text, follow)`: the stand-in dict's line (or None when a
    materialized dict is used), the instance's refs as text with the values
    replaced by that dict, and the objects the walk must follow.
    """
    vaddr, vsize, pairs, mdict = got
    ids = [*map(id, refs)]
    n = len(pairs)
    values = [v for _, v in pairs]
    tid = id(t)
    # subtype_traverse order: slots, inline values, the type, base contents.
    pos = len(ids) - 1 - n
    if not (pos >= 0 and ids[-1] == tid and ids[pos:-1] == values):
        for pos in range(len(ids) - n):
            if ids[pos + n] == tid and ids[pos:pos + n] == values:
                break
        else:
            return None
    if mdict is not None:
        # 3.13+: a materialized dict shares the inline values. The values are
        # followed through the dict only: they hold one reference for both.
        ids[pos:pos + n] = [id(mdict)]
        return None, ', '.join(map(str, ids)), refs[:pos] + [mdict] + refs[pos + n:]
    ids[pos:pos + n] = [vaddr]
    kv = []
    for k, v in pairs:
        kv.append(id(k))
        kv.append(v)
    line = '{"address": %d, "type": "dict", "size": %d, "len": %d, "refs": [%s]}\n' % (
        vaddr, vsize, n, ', '.join(map(str, kv)))
    return line, ', '.join(map(str, ids)), refs + [k for k, _ in pairs]


def _dict_subclass_refs(o, refs):
    """Referents of a dict subclass: its own ones, then the k/v pairs."""
    n = _dict_len(o)
    if not n:
        return refs
    kv = [*chain.from_iterable(_dict_items(o))]
    kv_ids = [*map(id, kv)]
    ids = [*map(id, refs)]
    # The dict's traverse comes last and visits values, or keys and values.
    if len(ids) >= 2 * n and ids[-2 * n:] == kv_ids:
        return refs[:-2 * n] + kv
    if len(ids) >= n and ids[-n:] == kv_ids[1::2]:
        return refs[:-n] + kv
    return refs


def _walk(roots, write, follow_tracked, skip_ids, alloc=None):
    """Write a line for every object reachable from `roots`.

    `follow_tracked` False: `roots` is the gc.get_objects() snapshot. Each of
    them is written once; their gc-tracked referents are not followed (they
    are in the snapshot), untracked ones are.
    `follow_tracked` True: roots may repeat or refer to each other, and every
    referent is followed and de-duplicated.

    Returns the number of lines written. `write(text)` gets batches of lines.
    `alloc(o, address)`, when given, is called once for every object written
    (stand-in dict lines excepted): the allocation-site sidecar.
    """
    get_referents = gc.get_referents
    is_tracked = gc.is_tracked
    getsizeof = sys.getsizeof
    getrefcount = sys.getrefcount
    esc = _esc
    from_iterable = chain.from_iterable
    dict_items = _dict_items
    read_inline = _read_inline
    str_type = str
    SINGLE = _SINGLE_OWNER_REFCOUNT
    MAXV = _STR_VALUE_CHARS
    FLUSH = _FLUSH_LINES
    K_INT, K_DICT, K_LEN, K_INLINE = _K_INT, _K_DICT, _K_LEN, _K_INLINE

    seen = set()
    stack = []
    pop = stack.pop
    push = stack.extend
    see = seen.add
    lines = []
    emit = lines.append
    fixed = {}  # type -> ', "type": "X", "size": N'
    kinds = {}  # type -> (kind, type as JSON, fixed size or None)
    key_cache = {}  # shared-keys address -> (attribute names, usable)
    count = 0
    dict_pairs = _DICT_REFS != 'traverse'
    alloc_last = 0  # an object classified on first sight goes round twice

    for o in roots:
        i = id(o)
        if i in skip_ids:
            continue
        if follow_tracked:
            if i in seen:
                continue
            see(i)
        fresh = True
        while True:
            if fresh:
                fresh = False
            else:
                if not stack:
                    break
                o = pop()
                i = id(o)
                if i in seen:
                    continue
                # Only one owner besides the walk: the parent just written,
                # so `o` cannot be reached again and needs no seen entry.
                if getrefcount(o) != SINGLE:
                    see(i)
            if len(lines) >= FLUSH:
                write(''.join(lines))
                lines.clear()
            if alloc is not None and i != alloc_last:
                alloc_last = i
                alloc(o, i)
            count += 1
            t = type(o)
            if t is str_type:
                n = len(o)
                emit(f'{{"address": {i}, "type": "str", "size": {getsizeof(o)}, "len": {n}, '
                     f'"value": {esc(o if n <= MAXV else o[:MAXV])}, "refs": []}}\n')
                continue
            h = fixed.get(t)
            if h is not None:
                refs = get_referents(o)
                if refs:
                    emit(f'{{"address": {i}{h}, "refs": [{", ".join(map(str, map(id, refs)))}]}}\n')
                    push(refs if follow_tracked else filterfalse(is_tracked, refs))
                    refs = None
                else:
                    emit(f'{{"address": {i}{h}, "refs": []}}\n')
                continue
            info = kinds.get(t)
            if info is None:
                _classify(t, o, fixed, kinds)
                info = kinds.get(t)
                if info is None:  # a plain fixed-size type: go round again
                    fresh = True
                    count -= 1
                    continue
            kind, tj, size, slots = info
            if kind == K_INT:
                try:
                    v = f'{o}'
                except ValueError:
                    v = _int_digits(o)
                emit(f'{{"address": {i}, "type": "int", "size": {getsizeof(o)}, "value": {v}, "refs": []}}\n')
                continue
            if kind == K_DICT:
                if o:
                    refs = [*from_iterable(dict_items(o))] if dict_pairs else get_referents(o)
                    emit(f'{{"address": {i}, "type": "dict", "size": {getsizeof(o)}, "len": {len(o)}, '
                         f'"refs": [{", ".join(map(str, map(id, refs)))}]}}\n')
                    push(refs if follow_tracked else filterfalse(is_tracked, refs))
                    refs = None
                else:
                    emit(f'{{"address": {i}, "type": "dict", "size": {getsizeof(o)}, "len": 0, "refs": []}}\n')
                continue
            refs = get_referents(o)
            extra = tail = ''
            # Each kind says what its line adds; the size is taken once, below.
            if kind == K_LEN:
                extra = f', "len": {len(o)}'
            elif kind == K_INLINE:
                if slots is not None:
                    tail = _slots_tail(o, slots, refs)
                got = read_inline(o, t, key_cache)
                if got is not None:
                    got = _inline_refs(o, t, refs, got)
                if got is not None:
                    line, ref_text, follow = got
                    got = refs = None
                    if size is None:
                        try:
                            size = getsizeof(o)
                        except Exception:
                            size = _sizeof_fallback(o)
                    emit(f'{{"address": {i}, "type": {tj}, "size": {size}, "refs": [{ref_text}]{tail}}}\n')
                    if line is not None:
                        emit(line)
                        count += 1
                    push(follow if follow_tracked else filterfalse(is_tracked, follow))
                    follow = None
                    continue
            elif kind == _K_SLOTS:
                # Every slot set: the refs are the slots in order, then the type.
                if len(refs) != slots[4]:
                    tail = _slots_tail(o, slots, refs)
            elif kind == _K_BYTES:
                extra = f', "len": {len(o)}'
            elif kind == _K_BOOL:
                extra = ', "value": "True"' if o else ', "value": "False"'
            elif kind == _K_DICTSUB:
                refs = _dict_subclass_refs(o, refs)
                extra = f', "len": {_dict_len(o)}'
            elif kind == _K_MODULE:
                name = _module_name(o)
                if name is not None:
                    extra = f', "name": {esc(name)}'
            elif kind == _K_FUNC:
                name = o.__name__
                if name.__class__ is str_type:
                    extra = f', "name": {esc(name)}'
            elif kind == _K_TYPE:
                extra = f', "name": {esc(_tp_name(o))}'
                tail = _type_slots_tail(o)
            elif kind == _K_FRAME:
                extra = f', "value": {esc(o.f_code.co_name)}'
            # Known already for a fixed-size class; else asked for (a class's own
            # __sizeof__ may fail).
            if size is None:
                try:
                    size = getsizeof(o)
                except Exception:
                    size = _sizeof_fallback(o)
            if refs:
                emit(f'{{"address": {i}, "type": {tj}, "size": {size}{extra}, '
                     f'"refs": [{", ".join(map(str, map(id, refs)))}]{tail}}}\n')
                push(refs if follow_tracked else filterfalse(is_tracked, refs))
                refs = None
            else:
                emit(f'{{"address": {i}, "type": {tj}, "size": {size}{extra}, "refs": []{tail}}}\n')
    if lines:
        write(''.join(lines))
    return count


def _calibrate_refcount():
    """What sys.getrefcount reports, in the walk's code shape, for an object
    whose only owner besides the walk is its parent (-1 disables the check)."""
    stack = []
    holder = ['calibrate-' + str(id(stack))]
    stack.extend(gc.get_referents(holder))
    o = stack.pop()
    single = sys.getrefcount(o)
    holder2 = [holder[0]]
    stack.extend(gc.get_referents(holder2))
    o = stack.pop()
    if sys.getrefcount(o) != single + 1:
        return -1
    return single


_SINGLE_OWNER_REFCOUNT = _calibrate_refcount()


# ---------------------------------------------------------------------------
# Process facts for the sidecar

def _proc_memory():
    """(rss, peak rss) in bytes, from /proc/self/status or getrusage."""
    rss = peak = None
    try:
        with open('/proc/self/status', 'rb') as f:
            for line in f:
                if line.startswith(b'VmRSS:'):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b'VmHWM:'):
                    peak = int(line.split()[1]) * 1024
    except OSError:
        pass
    if peak is None:
        try:
            import resource
            maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            peak = maxrss if sys.platform == 'darwin' else maxrss * 1024
        except Exception:
            pass
    return rss, peak


def _own_frames():
    """Frame objects of this module's running functions (3.8-3.10 track every
    running frame; they and their locals stay out of the dump)."""
    if sys.version_info >= (3, 11):
        return set()
    ids = set()
    f = sys._getframe(1)
    while f is not None and f.f_globals is globals():
        ids.add(id(f))
        f = f.f_back
    return ids


# ---------------------------------------------------------------------------
# Allocation sites (tracemalloc)

#: Suffix of the allocation-site sidecar written beside a dump.
ALLOC_SUFFIX = '.alloc.json.gz'
_ALLOC_FLUSH = 8192


def _tracemalloc_tracing():
    """`(get_object_traceback, frames)` when tracemalloc traces this process,
    else None. `_tracemalloc` is only imported when something asked for
    tracing (so a dump of a process without it gains no module)."""
    tm = sys.modules.get('_tracemalloc')
    if tm is None:
        if not (os.environ.get('PYTHONTRACEMALLOC') or 'tracemalloc' in getattr(sys, '_xoptions', {})):
            return None
        try:
            import _tracemalloc as tm
        except Exception:
            return None
    try:
        if not tm.is_tracing():
            return None
        get = tm._get_object_traceback
        frames = tm.get_traceback_limit()
    except Exception:
        return None
    if sys.version_info[:2] == (3, 11):
        get = _preheader_traceback(get) or get
    return get, frames


def _preheader_traceback(get):
    """On 3.11, tracemalloc looks an object up at its address less the gc
    header only, but an instance with a managed dict is allocated two words
    further back (its dict and values pointers): it never finds those. This
    returns a lookup that asks tracemalloc for that block by address
    (`_PyTraceMalloc_GetTraceback`, read-only), checked on a fresh instance;
    None when the check fails."""
    try:
        import ctypes
        lookup = ctypes.pythonapi._PyTraceMalloc_GetTraceback
        lookup.restype = ctypes.py_object
        lookup.argtypes = [ctypes.c_uint, ctypes.c_size_t]
    except Exception:
        return None
    flags = _type_flags
    managed = _TPFLAGS_MANAGED_DICT
    back = 4 * ctypes.sizeof(ctypes.c_void_p)  # gc head (2 words), dict and values pointers

    def get_traceback(o):
        tb = get(o)
        if tb is None and flags(type(o)) & managed:
            tb = lookup(0, id(o) - back)
        return tb

    class _Probe:
        def __init__(self):
            self.x = 1
    try:
        p = _Probe()
        tb = get_traceback(p)
        if type(tb) is not tuple or not tb or type(tb[0]) is not tuple:
            return None
    except Exception:
        return None
    return get_traceback


def _flat_lines(function):
    """A copy of `function` whose code reports one line everywhere, or
    `function` itself when this interpreter's line table is not known.

    tracemalloc finds the line of every allocation by scanning the line
    table of the running code from its start: in a function as long as the
    walk that scan costs more than the walk itself (28 000 objects: 7 s
    instead of 0.06 s on 3.11). The shortest valid table makes it 3 to 4
    times cheaper; the lines lost are the dumper's own."""
    try:
        code = function.__code__
        v = sys.version_info[:2]
        if v >= (3, 11):
            n = len(code.co_code) // 2
            table = bytearray()
            while n > 0:
                k = min(n, 8)
                table += bytes((0x80 | (13 << 3) | (k - 1), 0))  # no columns, same line
                n -= k
            code = code.replace(co_linetable=bytes(table))
        elif v == (3, 10):
            n = len(code.co_code)
            table = bytearray()
            while n > 0:
                k = min(n, 254)
                table += bytes((k, 0))
                n -= k
            code = code.replace(co_linetable=bytes(table))
        else:
            code = code.replace(co_lnotab=b'')
        return type(function)(code, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    except Exception:
        return function


def _no_trace(*_args):
    return None


def _prime_line_array(function, *args):
    """3.11 keeps a line-number array for code that ran under a trace
    function, and then finds any instruction's line at once: call
    `function(*args)` (a call that does nothing) with a trace function that
    traces nothing, so tracemalloc's look-ups in it cost no scan."""
    if sys.version_info[:2] != (3, 11):
        return
    old = sys.gettrace()
    try:
        sys.settrace(_no_trace)
        function(*args)
    except Exception:
        pass
    finally:
        sys.settrace(old)


def _alloc_recorder(get_traceback, write):
    """`(record, finish)`: `record(o, address)` looks up the object's
    traceback and writes `[address, traceback id]` lines through `write`;
    `finish(objects)` returns `(tracebacks, lines written)` after the last
    batch. Tracebacks are tuples of `(file, line)`, most recent call first,
    numbered in order of first sight."""
    ids = {}
    order = []
    lines = []
    emit = lines.append
    unknown = (('<unknown>', 0),)
    first = True
    written = 0

    def record(o, i):
        nonlocal first, written
        tb = get_traceback(o)
        if tb is None or tb == unknown:
            return
        k = ids.get(tb)
        if k is None:
            k = ids[tb] = len(order)
            order.append(tb)
        if first:
            first = False
            emit(f'[{i}, {k}]\n')
        else:
            emit(f',[{i}, {k}]\n')
        written += 1
        if len(lines) >= _ALLOC_FLUSH:
            write(''.join(lines))
            lines.clear()

    def finish():
        if lines:
            write(''.join(lines))
            lines.clear()
        ids.clear()
        return order, written

    return record, finish


def _function_names(tracebacks, objects):
    """`{(file, line): function name}` for the frames of `tracebacks`, from
    the code objects of the functions among `objects` (and the code nested
    in their constants): the innermost code whose lines hold the line."""
    wanted = {}
    for tb in tracebacks:
        for f, line in tb:
            wanted.setdefault(f, set()).add(line)
    found = {}
    if not wanted or objects is None:
        return found
    function_type = _FunctionType
    code_type = type(_function_names.__code__)
    seen = set()
    best = {}
    for o in objects:
        if type(o) is not function_type:
            continue
        try:
            stack = [o.__code__]
        except Exception:
            continue
        while stack:
            c = stack.pop()
            if id(c) in seen:
                continue
            seen.add(id(c))
            lines_wanted = wanted.get(c.co_filename)
            if lines_wanted is None:
                continue
            for const in c.co_consts:
                if type(const) is code_type:
                    stack.append(const)
            try:
                if hasattr(c, 'co_lines'):
                    lines = {line for _, _, line in c.co_lines() if line is not None}
                else:
                    import dis
                    lines = {line for _, line in dis.findlinestarts(c)}
            except Exception:
                continue
            name = getattr(c, 'co_qualname', c.co_name)
            for line in lines_wanted.intersection(lines):
                key = (c.co_filename, line)
                if best.get(key, -1) < c.co_firstlineno:
                    best[key] = c.co_firstlineno
                    found[key] = name
    return found


def _alloc_tail(tracebacks, names):
    """The end of the sidecar: the tracebacks, one a line."""
    parts = ['],\n"tracebacks": [\n']
    sep = ''
    for tb in tracebacks:
        frames = []
        for f, line in tb:
            name = names.get((f, line))
            text = '{"file": %s, "line": %d' % (_esc(f), line)
            if name is not None:
                text += ', "function": %s' % _esc(name)
            frames.append(text + '}')
        parts.append('%s[%s]\n' % (sep, ', '.join(frames)))
        sep = ','
    parts.append(']}\n')
    return ''.join(parts)


# ---------------------------------------------------------------------------
# Public API

class DumpCancelled(Exception):
    """`should_stop` returned true: the dump stopped and its files are gone."""


def _dump(target, roots, rooted, should_stop=None, dir_fd=None, fifo=False, meta_extra=None):
    """Open the output, snapshot, walk, close; return the statistics dict.

    `should_stop`: None, or a callable checked before the walk and at every
    batch of lines (a few thousand objects); when it returns true the dump
    stops, its partial file and sidecar are removed and DumpCancelled is
    raised.
    `dir_fd`: a path is relative to this directory. `fifo`: the path and
    its `.meta.json` are FIFOs a reader already holds open (they are opened,
    never created or removed). `meta_extra`: recorded in the sidecar as
    `attach`.
    """
    if should_stop is not None and should_stop():
        raise DumpCancelled('the dump was cancelled before it started')
    path = None
    fd = meta_fd = alloc_fd = None
    tracing = _tracemalloc_tracing()
    if isinstance(target, (str, bytes)) or hasattr(target, '__fspath__'):
        path = os.fspath(target)
        meta_path = path + (b'.meta.json' if isinstance(path, bytes) else '.meta.json')
        alloc_path = path + (os.fsencode(ALLOC_SUFFIX) if isinstance(path, bytes) else ALLOC_SUFFIX)
        opener = _open_fifo if fifo else _create_exclusive
        fd = opener(path, dir_fd)
        try:
            meta_fd = opener(meta_path, dir_fd)
        except BaseException:
            os.close(fd)
            if not fifo:
                os.unlink(path, dir_fd=dir_fd)
            raise
        # The allocation sites go beside a dump written in place (a dump
        # staged through the attacher's private directory carries none).
        if tracing is not None and not fifo and dir_fd is None:
            try:
                alloc_fd = _create_exclusive(alloc_path)
            except BaseException:
                os.close(fd)
                os.close(meta_fd)
                for p in (path, meta_path):
                    os.unlink(p)
                raise
        gz = (path.endswith(b'.gz') if isinstance(path, bytes) else path.endswith('.gz'))
        file = None
    elif hasattr(target, 'write'):
        file = target
        gz = False
    else:
        raise TypeError('expected a path or a file object, not %s' % type(target).__name__)

    rss_before, peak_before = _proc_memory()
    gc_counts = gc.get_count()
    started = time.time()
    t0 = time.perf_counter()
    was_enabled = gc.isenabled()
    gc.disable()
    sink = None
    ok = False
    try:
        follow_tracked = rooted
        if roots is None:
            roots = gc.get_objects()
            tracked = len(roots)
            # Frozen objects are not in gc.get_objects(): find them through
            # their referrers.
            if getattr(gc, 'get_freeze_count', lambda: 0)():
                follow_tracked = True
        else:
            tracked = None
        skip = _own_frames()
        # Under tracemalloc every raw allocation of the compressing thread
        # (which runs without the GIL) takes the GIL to be traced: the two
        # threads then wait on each other at every switch interval, 5 to 60
        # times slower than compressing here.
        sink = _Sink(fd=fd, file=file, gzip=gz, thread=tracing is None)
        write = sink.write
        if should_stop is not None:
            def write(text, _write=sink.write):
                if should_stop():
                    raise DumpCancelled('the dump was cancelled')
                _write(text)
        record = None
        if alloc_fd is not None:
            alloc_comp = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)

            def alloc_write(text):
                _write_all(alloc_fd, alloc_comp.compress(text.encode('ascii')))

            alloc_write('{"format": "meliae-tui-alloc", "version": 1, "frames": %d, "objects": [\n' % tracing[1])
            record, alloc_finish = _alloc_recorder(tracing[0], alloc_write)
            record = _flat_lines(record)
        walk = _walk
        if tracing is not None:
            walk = _flat_lines(_walk)
            _prime_line_array(walk, (), None, False, ())
            if record is not None:
                _prime_line_array(record, None, 0)
        count = walk(roots, write, follow_tracked, skip, record)
        walk = None
        if record is not None:
            tracebacks, alloc_objects = alloc_finish()
            alloc_write(_alloc_tail(tracebacks, _function_names(tracebacks, roots)))
            _write_all(alloc_fd, alloc_comp.flush())
            alloc_info = {'objects': alloc_objects, 'tracebacks': len(tracebacks)}
            tracebacks = record = None
        roots = None
        sink.close()
        ok = True
    finally:
        if was_enabled:
            gc.enable()
        if not ok and sink is not None:
            sink.abandon()
        if alloc_fd is not None:
            os.close(alloc_fd)
            if not ok:
                try:
                    os.unlink(alloc_path)
                except OSError:
                    pass
        if fd is not None:
            os.close(fd)
            if not ok:
                # Leave no partial dump behind: both files are ours (O_EXCL).
                os.close(meta_fd)
                for p in () if fifo else (path, meta_path):
                    try:
                        os.unlink(p, dir_fd=dir_fd)
                    except OSError:
                        pass
    seconds = time.perf_counter() - t0
    rss_after, peak_after = _proc_memory()
    stats = {
        'path': os.fsdecode(path) if path is not None else None,
        'objects': count,
        'gc_tracked': tracked,
        'seconds': round(seconds, 6),
    }
    if path is not None:
        import json
        meta = {
            'format': 'meliae',
            'dumper': 'meliae_dump %s' % __version__,
            'pid': os.getpid(),
            'argv': list(sys.argv),
            'executable': sys.executable,
            'python_version': sys.version.split()[0],
            'python_implementation': sys.implementation.name,
            'time': time.strftime('%Y-%m-%dT%H:%M:%S', time.localtime(started))
                    + time.strftime('%z', time.localtime(started)),
            'rss_bytes': rss_before,
            'peak_rss_bytes': peak_before,
            'rss_bytes_after': rss_after,
            'peak_rss_bytes_after': peak_after,
            'gc_counts': list(gc_counts),
            'gc_enabled': was_enabled,
            'gc_frozen': getattr(gc, 'get_freeze_count', lambda: 0)(),
            'objects': count,
            'gc_tracked_objects': tracked,
            'dump_seconds': round(seconds, 6),
            'attribute_names': LAYOUT,
            'compressed': bool(gz),
            'tracemalloc': {
                'tracing': tracing is not None,
                'frames': tracing[1] if tracing is not None else 0,
                'sidecar': os.fsdecode(os.path.basename(alloc_path)) if alloc_fd is not None else None,
                'objects': alloc_info['objects'] if alloc_fd is not None else 0,
                'tracebacks': alloc_info['tracebacks'] if alloc_fd is not None else 0,
            },
        }
        if meta_extra is not None:
            meta['attach'] = meta_extra
        try:
            # One key a line, each value by the default encoder: json's
            # indenting encoder is made of closures in reference cycles,
            # garbage that would show up in the next dump as new objects.
            text = '{\n%s\n}\n' % ',\n'.join(
                ' %s: %s' % (json.dumps(k), json.dumps(v)) for k, v in meta.items())
            _write_all(meta_fd, text.encode('utf-8'))
        finally:
            os.close(meta_fd)
    return stats


def dump_all_objects(path_or_file, should_stop=None, _dir_fd=None, _fifo=False, _meta_extra=None):
    """Dump every object the gc knows of and everything they refer to.

    `path_or_file`: a new file path (`.gz` compresses; existing files and
    symlinks are refused) or an open file object. Returns a dict with the
    path, the number of objects written and the seconds taken.
    `should_stop`: optional callable checked every few thousand objects;
    when it returns true the dump stops, removes its partial file and
    sidecar, and raises DumpCancelled.
    """
    return _dump(path_or_file, None, False, should_stop, _dir_fd, _fifo, _meta_extra)


def dump_gc_objects(path_or_file, objs=None):
    """Dump `objs` (default: gc.get_objects()) and everything they refer to,
    each object once."""
    if objs is None:
        return _dump(path_or_file, None, False)
    return _dump(path_or_file, list(objs), True)


def dump_all_referenced(outf, obj):
    """Dump `obj` and everything reachable from it, each once. `outf` is an
    open file (lines are appended) or a new path."""
    return _dump(outf, [obj], True)


def get_recursive_size(obj):
    """Return `(count, size)`: how many objects are reachable from `obj`
    (itself included) and the sum of their sizes, as they would be dumped."""
    totals = [0, 0]

    def count_lines(text):
        # Sizes are the third field of every line.
        for line in text.splitlines():
            totals[0] += 1
            totals[1] += int(line.split(', "size": ', 1)[1].split(',', 1)[0].split('}', 1)[0])

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _walk([obj], count_lines, True, _own_frames())
    finally:
        if was_enabled:
            gc.enable()
    return totals[0], totals[1]
