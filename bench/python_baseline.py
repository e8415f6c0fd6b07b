#!/usr/bin/env python3
"""What a Python user writes today to summarize a meliae dump without meliae.

Reads the dump line by line with json.loads into one dict per object, builds
an address -> object map, computes every object's parents, and prints
meliae's per-type summary (count, total size, top 20 types by size). Plain
Python 3 standard library; reads .gz files too.

The last line printed is one JSON object with the figures:
  {"file", "objects", "refs", "msLoad", "msParents", "msSummary", "msTotal",
   "maxRssBytes"}

Usage: python3 bench/python_baseline.py DUMP [--quiet]
"""

import gzip
import json
import resource
import sys
import time


def open_dump(path):
    with open(path, 'rb') as probe:
        magic = probe.read(2)
    if magic == b'\x1f\x8b':
        return gzip.open(path, 'rt', encoding='utf-8')
    return open(path, 'r', encoding='utf-8')


def load(path):
    """address -> object dict, as json.loads returns it."""
    objects = {}
    with open_dump(path) as lines:
        for line in lines:
            if not line.strip():
                continue
            obj = json.loads(line)
            objects[obj['address']] = obj
    return objects


def compute_parents(objects):
    """address -> list of the addresses that refer to it."""
    parents = {}
    for address, obj in objects.items():
        for ref in obj['refs']:
            if ref in objects:
                parents.setdefault(ref, []).append(address)
    return parents


def summarize(objects):
    """type -> [count, total size, max size], the way meliae's summarize() counts."""
    summary = {}
    for obj in objects.values():
        entry = summary.get(obj['type'])
        if entry is None:
            entry = summary[obj['type']] = [0, 0, 0]
        size = obj['size']
        entry[0] += 1
        entry[1] += size
        if size > entry[2]:
            entry[2] = size
    return summary


def format_summary(summary, limit=20):
    """meliae's summary table: sorted by (total size, count), largest first."""
    total_count = sum(entry[0] for entry in summary.values())
    total_size = sum(entry[1] for entry in summary.values())
    rows = sorted(summary.items(), key=lambda item: (item[1][1], item[1][0]), reverse=True)
    out = [
        'Total %d objects, %d types, Total size = %.1fMiB (%d bytes)'
        % (total_count, len(summary), total_size / 1024.0 / 1024.0, total_size),
        ' Index   Count   %      Size   % Cum     Max Kind',
    ]
    cumulative = 0
    for index, (type_name, (count, size, max_size)) in enumerate(rows[:limit]):
        cumulative += size
        out.append('%6d%8d%4d%10d%4d%4d%8d %s' % (
            index, count, count * 100.0 / total_count, size,
            size * 100.0 / total_size, cumulative * 100.0 / total_size,
            max_size, type_name))
    return '\n'.join(out)


def main(argv):
    paths = [arg for arg in argv if not arg.startswith('--')]
    if len(paths) != 1:
        sys.stderr.write(__doc__)
        return 2
    path = paths[0]
    quiet = '--quiet' in argv

    started = time.perf_counter()
    objects = load(path)
    loaded = time.perf_counter()
    parents = compute_parents(objects)
    parented = time.perf_counter()
    table = format_summary(summarize(objects))
    summarized = time.perf_counter()

    if not quiet:
        print(table)
    refs = sum(len(obj['refs']) for obj in objects.values())
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform != 'darwin':
        max_rss *= 1024
    print(json.dumps({
        'file': path,
        'objects': len(objects),
        'refs': refs,
        'withParents': len(parents),
        'msLoad': round((loaded - started) * 1000, 1),
        'msParents': round((parented - loaded) * 1000, 1),
        'msSummary': round((summarized - parented) * 1000, 1),
        'msTotal': round((summarized - started) * 1000, 1),
        'maxRssBytes': max_rss,
    }))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
