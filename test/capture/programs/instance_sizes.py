"""Instance attribute storage, measured inside the process: for each
instance, the bytes the interpreter allocated to make it (tracemalloc)
beyond sys.getsizeof; dumps itself to argv[1] and prints the record.

argv: OUT PYTHON_DIR
"""
import gc
import json
import sys
import tracemalloc

sys.path.insert(0, sys.argv[2])
import meliae_dump  # noqa: E402

SHARED = ('shared value',)


class Three:
    def __init__(self):
        self.a = SHARED
        self.b = SHARED
        self.c = SHARED


class Seven:
    def __init__(self):
        self.a = self.b = self.c = self.d = self.e = self.f = self.g = SHARED


class Growing:
    """The first instances set fewer attributes than later ones."""

    def __init__(self, more):
        self.a = SHARED
        if more:
            self.b = SHARED


HELD = []


def measure(make, count):
    rows = []
    for k in range(count):
        before = tracemalloc.get_traced_memory()[0]
        o = make(k)
        after = tracemalloc.get_traced_memory()[0]
        HELD.append(o)
        rows.append([id(o), after - before - sys.getsizeof(o), k])
    return rows


HELD.append([None] * 1000)  # room, so HELD does not grow while measuring
HELD.clear()
gc.disable()
tracemalloc.start()
record = {
    'version': list(sys.version_info[:2]),
    'layout': meliae_dump.LAYOUT,
    'classes': {
        'Three': measure(lambda k: Three(), 60),
        'Seven': measure(lambda k: Seven(), 60),
        'Growing': measure(lambda k: Growing(k >= 10), 60),
    },
}
tracemalloc.stop()
gc.enable()
record['objects'] = meliae_dump.dump_all_objects(sys.argv[1])['objects']
print(json.dumps(record))
