"""A target for the container tests. Reads commands on stdin.

argv: TOKEN COUNT [INTS [sigpipe-default]]
Holds COUNT instances of ContainerMarker and COUNT strings
`container item N`, and INTS distinct ints in a list (they make a plain
dump about twice as big as the memory they take). `sigpipe-default`
restores SIGPIPE's default action (death), as some embedding programs
leave it. Prints
`ready PID UID` (its pid and uid as it sees them). Commands: `ping`
answers `pong`; `stop` exits.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from command_loop import serve  # noqa: E402 (found by path, above)


class ContainerMarker:
    def __init__(self, k):
        self.k = k


COUNT = int(sys.argv[2])
MARKERS = [ContainerMarker(k) for k in range(COUNT)]
ITEMS = ['container item %d' % k for k in range(COUNT)]
INTS = list(range(10 ** 9, 10 ** 9 + (int(sys.argv[3]) if len(sys.argv) > 3 else 0)))

if 'sigpipe-default' in sys.argv[4:]:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)

print('ready %d %d' % (os.getpid(), os.getuid()), flush=True)
serve()
