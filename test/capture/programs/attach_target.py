"""A target for attach's failure-path tests. Reads commands on stdin.

argv: MARKER [OBJECTS [FSIZE [NPROC]]]
OBJECTS strings make the dump as big (and slow) as needed; FSIZE, when
given and not 0, is the process's RLIMIT_FSIZE in bytes (Python ignores
SIGXFSZ, so a write past it fails with EFBIG); NPROC its RLIMIT_NPROC (1
makes every new thread fail for a user without privileges). Commands: `hold SECONDS` holds the GIL
in C (libc sleep through ctypes.PyDLL, which does not release it) and says
`holding` before and `released` after; `hold-thread SECONDS` does the same
in a new thread (after half a second) while the main thread goes back to
reading stdin; `ping` answers
`pong`; `stop` exits.
"""
import ctypes
import os
import resource
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from command_loop import serve  # noqa: E402 (found by path, above)

MARKER = 'marker-' + sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
DATA = ['item %d of the target' % i for i in range(COUNT)]
if len(sys.argv) > 3 and int(sys.argv[3]):
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
if len(sys.argv) > 4:
    limit = int(sys.argv[4])
    resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))


def hold(seconds, delay=False):
    if delay:
        # Let the main thread get back to reading stdin (GIL
        # released) before this one takes the GIL for good.
        time.sleep(0.5)
    print('holding', flush=True)
    ctypes.PyDLL(None).sleep(int(seconds))
    print('released', flush=True)


print('ready', flush=True)
serve({
    'hold': hold,
    'hold-thread': lambda seconds: threading.Thread(target=hold, args=(seconds, True)).start(),
})
