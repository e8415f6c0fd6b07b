"""Figures for python/README.md: what tracemalloc costs a service, and
what the allocation-site sidecar costs a dump.

    python3 [-X tracemalloc=N] alloc_bench.py service
        a request loop (dicts, strings, lists, instances; most freed, some
        kept): prints the seconds it took and the peak RSS.
    python3 [-X tracemalloc=N] alloc_bench.py dump DIR
        builds about a million objects, dumps them to DIR/bench.json.gz and
        prints the dump's seconds, objects and file sizes.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'python'))


def peak_rss():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    return 0


class Session:
    def __init__(self, n):
        self.n = n
        self.name = 'session %d' % n
        self.tags = [n, n + 1]


def handle(n, kept):
    request = {'id': n, 'path': '/items/%d' % n, 'headers': {'a': str(n), 'b': 'x' * (n % 50)}}
    body = [request['path'], request['headers']['a'], n * 3]
    if n % 20 == 0:
        kept.append(Session(n))
    return len(body)


def service():
    kept = []
    t0 = time.perf_counter()
    total = 0
    for n in range(600_000):
        total += handle(n, kept)
    seconds = time.perf_counter() - t0
    print('service seconds %.2f peak_rss_mb %.1f kept %d' % (seconds, peak_rss() / 2 ** 20, len(kept)))


def dump(directory):
    import meliae_dump
    data = [Session(n) for n in range(250_000)]  # 4 objects each, and their ints
    path = os.path.join(directory, 'bench.json.gz')
    r = meliae_dump.dump_all_objects(path)
    side = path + meliae_dump.ALLOC_SUFFIX
    print('dump seconds %.2f objects %d dump_mb %.1f sidecar_mb %s peak_rss_mb %.1f' % (
        r['seconds'], r['objects'], os.path.getsize(path) / 2 ** 20,
        '%.1f' % (os.path.getsize(side) / 2 ** 20) if os.path.exists(side) else '-', peak_rss() / 2 ** 20))
    del data


if __name__ == '__main__':
    if sys.argv[1] == 'service':
        service()
    else:
        dump(sys.argv[2])
