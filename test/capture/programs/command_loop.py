"""The command loop of the test target programs: reads stdin a line at a
time until `stop` or its end, then prints `bye`. `ping` answers `pong`; a
line whose first word is a key of `handlers` calls that handler with the
line's other words; anything else is ignored.

The programs import it by their own directory's path (they may be copied
elsewhere with it, or run with -P), so it must stay beside them.
"""
import sys


def serve(handlers=None):
    handlers = handlers or {}
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == 'stop':
            break
        if words[0] == 'ping':
            print('pong', flush=True)
        elif words[0] in handlers:
            handlers[words[0]](*words[1:])
    print('bye', flush=True)
