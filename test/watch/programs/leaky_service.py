"""A service that leaks: a timer appends Leaked objects to a global list.

Every tick appends PER_TICK objects (argv[1], default 200) and records the
running total, with the time, as one line in argv[2] (the truth the tests
check the watch output against). Prints "ready PID" once it runs, and stops
by itself after argv[3] seconds (default 120).
"""

import os
import sys
import threading
import time

PER_TICK = int(sys.argv[1]) if len(sys.argv) > 1 else 200
RECORD = sys.argv[2] if len(sys.argv) > 2 else os.devnull
LIFETIME = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0


class Leaked:
    def __init__(self, n):
        self.n = n
        self.payload = 'payload %d' % n


LEAKED = []


def leak():
    start = len(LEAKED)
    LEAKED.extend(Leaked(start + i) for i in range(PER_TICK))
    with open(RECORD, 'a') as record:
        record.write('%f %d\n' % (time.time(), len(LEAKED)))


def main():
    leak()
    print('ready %d' % os.getpid(), flush=True)
    deadline = time.time() + LIFETIME
    while time.time() < deadline:
        time.sleep(0.2)
        leak()


if __name__ == '__main__':
    main()
