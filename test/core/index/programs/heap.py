"""A small service-like heap: instances with a __dict__ (collapsed by the
loader), slotted instances with a slot unset (the slot-names table), dicts,
lists, strings with escapes, big ints, bytes. Dumps itself to argv[1] and
prints the number of objects the dumper wrote.

argv: OUT PYTHON_DIR COUNT
"""
import sys

sys.path.insert(0, sys.argv[2])
import meliae_dump  # noqa: E402


class Session:
    def __init__(self, k):
        self.user = 'user-%d\u00e9\u4e2d' % k
        self.items = [k, k * 10**20, b'raw\x00%d' % k]
        self.meta = {'k': k, 'tag': 'tag\n"%d"' % k}


class Point:
    __slots__ = ('x', 'y', 'z')

    def __init__(self, k):
        self.x = k
        if k % 2:
            self.y = [k]


COUNT = int(sys.argv[3])
keep = {
    'sessions': [Session(k) for k in range(COUNT)],
    'points': [Point(k) for k in range(COUNT)],
    'cache': {('key', k): 'value-%d' % k for k in range(COUNT)},
}
result = meliae_dump.dump_all_objects(sys.argv[1])
print(result if isinstance(result, int) else 0)
