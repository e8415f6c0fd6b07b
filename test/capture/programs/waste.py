"""Known waste and known retention, measured inside the process; dumps
itself twice (argv[1], then argv[2] after a list grew) and prints the
record as JSON.

argv: OUT1 OUT2 PYTHON_DIR
"""
import gc
import json
import sys

sys.path.insert(0, sys.argv[3])
import meliae_dump  # noqa: E402

getsizeof = sys.getsizeof
PARTS = ['dup', 'licated-', 'value-', str(6 * 7)]


def built(k):
    """The same value every time, a new object every time."""
    return ''.join(PARTS)


DUPLICATES = [built(k) for k in range(1000)]
assert len(set(map(id, DUPLICATES))) == 1000

# Longer than the 100 characters a dump keeps: equal, but not provably so.
LONG = [''.join(['long-', 'x' * 150, str(k % 2)]) for k in range(50)]


class EmptyHolder:
    def __init__(self):
        self.cache = {}


EMPTY_HOLDERS = [EmptyHolder() for _ in range(500)]


class Point:
    def __init__(self, k):
        self.x = k * 1000003
        self.y = -k * 1000003
        self.label = 'point'


class SlottedPoint:
    __slots__ = ('x', 'y', 'label')

    def __init__(self):
        self.x = self.y = self.label = None


POINTS = [Point(k) for k in range(2000)]
# A real dict for every instance, so sys.getsizeof can measure it.
POINT_DICTS = [getsizeof(vars(p)) for p in POINTS]

OVERSIZED_LIST = [None] * 1000
del OVERSIZED_LIST[600:]  # len 600; CPython keeps the array (600 >= 1000 / 2)
OVERSIZED_DICT = {k: k for k in range(5000)}
for k in range(4997):
    del OVERSIZED_DICT[k]
FRESH_DICT = dict(OVERSIZED_DICT)


class SetOwner:
    def __init__(self):
        self.members = {'member-%d' % k for k in range(200)}


SET_OWNER = SetOwner()

GROWING = []
GROWING.extend(object() for _ in range(100))
STEADY = [object() for _ in range(100)]  # changes, but its len does not

gc.collect()
first = meliae_dump.dump_all_objects(sys.argv[1])['objects']
lens = [len(GROWING)]
GROWING.extend(object() for _ in range(250))
STEADY[:50] = [object() for _ in range(50)]
lens.append(len(GROWING))
gc.collect()

record = {
    'version': list(sys.version_info[:2]),
    'duplicates': {
        'value': DUPLICATES[0],
        'count': len(DUPLICATES),
        'size': sum(map(getsizeof, DUPLICATES)),
        'one': getsizeof(DUPLICATES[0]),
        'holder': id(DUPLICATES),
    },
    'long': {'prefix': LONG[0][:100], 'count': len(LONG)},
    'empty': {
        'count': len(EMPTY_HOLDERS),
        'size': sum(getsizeof(h.cache) for h in EMPTY_HOLDERS),
        'attribute': 'cache',
    },
    'points': {
        'count': len(POINTS),
        'instance_size': sum(map(getsizeof, POINTS)),
        'dict_size': sum(POINT_DICTS),
        'attributes': sum(len(vars(p)) for p in POINTS),
        'slotted_size': getsizeof(SlottedPoint()),
    },
    'oversized_list': {
        'address': id(OVERSIZED_LIST),
        'len': len(OVERSIZED_LIST),
        'size': getsizeof(OVERSIZED_LIST),
        'exact': getsizeof(OVERSIZED_LIST[:]),
    },
    'oversized_dict': {
        'address': id(OVERSIZED_DICT),
        'len': len(OVERSIZED_DICT),
        'size': getsizeof(OVERSIZED_DICT),
        'fresh': getsizeof(FRESH_DICT),
        'fresh_address': id(FRESH_DICT),
    },
    'set_owner': {
        'address': id(SET_OWNER),
        'set': id(SET_OWNER.members),
        'set_size': getsizeof(SET_OWNER.members),
        'members': len(SET_OWNER.members),
        'members_size': sum(map(getsizeof, SET_OWNER.members)),
    },
    'growing': {'address': id(GROWING), 'lens': lens, 'steady': id(STEADY)},
}
record['objects'] = [first, meliae_dump.dump_all_objects(sys.argv[2])['objects']]
print(json.dumps(record))
