"""A service that leaks at a known line: every request appends a new
Request to a global list in handle_request.

Prints `site FILE LINE FUNCTION` (the leaking line, found in its own
source by the marker comment) and whether tracemalloc traces it, then
`ready`. Commands on stdin, one a line:
  leak N   handle N requests; prints `leaked ADDRESS ...` (the new Requests)
  stop     exit 0
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from command_loop import serve  # noqa: E402 (found by path, above)

LEAK = []


class Request:
    def __init__(self, n):
        self.n = n
        self.body = 'request body %d' % n


def handle_request(n):
    LEAK.append(Request(n))  # the leaking line


def leaking_line():
    with open(__file__, encoding='utf-8') as f:
        for number, text in enumerate(f, 1):
            if text.rstrip().endswith('# the leaking line') and 'LEAK.append' in text:
                return number
    raise RuntimeError('no leaking line')


def leak(count):
    start = len(LEAK)
    for k in range(int(count)):
        handle_request(start + k)
    print('leaked', ' '.join(str(id(r)) for r in LEAK[start:]), flush=True)


def main():
    import tracemalloc
    tracing = tracemalloc.is_tracing()
    print('site', __file__, leaking_line(), handle_request.__name__, flush=True)
    print('tracing', tracing, flush=True)
    print('ready', flush=True)
    serve({'leak': leak})


main()
