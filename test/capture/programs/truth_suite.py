"""The ground-truth suite's program: builds known objects, records what is
true about them inside this process, dumps itself three times (new objects
in between) and once more with dict refs as CPython's traverse gives them,
then prints the record as JSON.

argv: OUT_DIR PYTHON_DIR
"""
import gc
import json
import os
import sys
import weakref

out_dir = sys.argv[1]
sys.path.insert(0, sys.argv[2])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import meliae_dump  # noqa: E402
import truth_model as tm  # noqa: E402

LIST_INDEX = 1
TUPLE_INDEX = 2


def own_classes():
    return [tm.Plain, tm.Late, tm.Slotted, tm.Node, tm.Point, tm.Color, tm.Square, tm.Fresh, tm.Marker]


def census():
    """Count and sys.getsizeof sum of each own class's instances."""
    result = {}
    for cls in own_classes():
        found = list(tm.Color) if cls is tm.Color else [o for o in gc.get_objects() if type(o) is cls]
        result[cls.__name__] = {'count': len(found), 'size': sum(sys.getsizeof(o) for o in found)}
    return result


def with_dicts(instances):
    return sum(sys.getsizeof(o) + sys.getsizeof(o.__dict__) for o in instances)


def build():
    """Make the objects, held only from truth_model's REGISTRY (no frame or
    global of this program holds them when the dumps are taken), and return
    what is true about them."""
    plains = [tm.register('plain-%d' % k, tm.Plain(k)) for k in range(40)]
    materialised = plains[1].__dict__  # a dict made on demand, right away
    assert materialised['label'] == 'plain #1'
    materialised = None
    squares = [tm.Square(k) for k in range(7)]
    points = [tm.Point(k, -k, 'p%d' % k) for k in range(9)]
    slotted = [tm.Slotted('slot-%d' % k) for k in range(11)]
    for k, s in enumerate(slotted):
        s.peer = [k, 'peer']
        if k != 3:  # one instance leaves a slot unset
            s.blob = bytes(k + 1)

    # A dict made after its owner has aged: the owner sits in an older
    # generation, so gc.get_objects() lists the dict first.
    lates = [tm.Late() for k in range(13)]
    gc.collect()
    for k, late in enumerate(lates):
        late.__dict__['late_value'] = ['late', k]
        late.other = k

    # A cycle, held.
    left, right = tm.Node('left'), tm.Node('right')
    left.other, right.other = right, left
    tm.register('cycle', left)

    # Known places: an index of a 1000-item list, of a tuple, a dict key.
    in_list = tm.Marker('list')
    big_list = [None] * 1000
    big_list[LIST_INDEX] = in_list
    in_tuple = tm.Marker('tuple')
    small_tuple = tuple([None, 'a', in_tuple, 'b', None])
    in_dict = {'nested': 'dict'}
    holder_dict = {'first': 1, 'the-key': in_dict, 'last': 2}
    tm.register('list', big_list)
    tm.register('tuple', small_tuple)
    tm.register('holder', holder_dict)

    # A weak reference next to a strong one.
    weak_target = tm.Marker('weak')
    weak = weakref.ref(weak_target)
    tm.register('weak-target', weak_target)
    tm.register('weak', weak)

    for name, group in [('squares', squares), ('points', points), ('slotted', slotted), ('lates', lates)]:
        tm.register(name, group)

    # Known attributes of each kind of instance: holder, name, value.
    plain0 = plains[0]
    late0 = lates[0]
    slot0 = slotted[0]
    point0 = points[0]
    record = {
        'version': list(sys.version_info[:2]),
        'layout': meliae_dump.LAYOUT,
        'dumps': [],
        'module': id(tm),
        'module_collapsed_size': sys.getsizeof(tm) + sys.getsizeof(vars(tm)),
        'sys_module': id(sys),
        'sys_collapsed_size': sys.getsizeof(sys) + sys.getsizeof(vars(sys)),
        'registry': id(tm.REGISTRY),
        'list': {'holder': id(big_list), 'target': id(in_list), 'index': LIST_INDEX, 'len': len(big_list)},
        'tuple': {'holder': id(small_tuple), 'target': id(in_tuple), 'index': TUPLE_INDEX, 'len': len(small_tuple)},
        'dict': {'holder': id(holder_dict), 'target': id(in_dict), 'key': 'the-key'},
        'attributes': [
            {'kind': 'inline or dict', 'holder': id(plain0), 'name': 'payload', 'target': id(plain0.payload)},
            {'kind': 'materialised dict', 'holder': id(plains[1]), 'name': 'payload', 'target': id(plains[1].payload)},
            {'kind': 'late dict', 'holder': id(late0), 'name': 'late_value', 'target': id(late0.late_value)},
            {'kind': 'slot', 'holder': id(slot0), 'name': 'peer', 'target': id(slot0.peer)},
            {'kind': 'slot', 'holder': id(slot0), 'name': 'blob', 'target': id(slot0.blob)},
            {'kind': 'slot after an unset one', 'holder': id(slotted[3]), 'name': 'peer', 'target': id(slotted[3].peer)},
            {'kind': 'dataclass', 'holder': id(point0), 'name': 'tag', 'target': id(point0.tag)},
            {'kind': 'cycle', 'holder': id(left), 'name': 'other', 'target': id(right)},
        ],
        'late': {'owners': [id(o) for o in lates], 'dicts': [id(o.__dict__) for o in lates],
                 'collapsed_size': with_dicts(lates)},
        'weak': {'ref': id(weak), 'target': id(weak_target)},
        'fresh_made': [],
    }
    return record


def dump_all(record):
    fresh = tm.register('fresh', [])
    record['fresh_list'] = id(fresh)
    for step in range(3):
        if step:
            made = [tm.Fresh(step * 100 + k) for k in range(25 * step)]
            fresh.extend(made)
            record['fresh_made'].append([id(o) for o in made])
            made = None
        path = os.path.join(out_dir, 'truth-%d.json' % (step + 1))
        counts = census()
        result = meliae_dump.dump_all_objects(path)
        record['dumps'].append({'path': path, 'objects': result['objects'], 'census': counts})

    # Once more, dict refs as CPython's traverse lists them (only the values
    # of a dict whose keys are all strings), as meliae's scanner wrote them.
    values_dict = tm.register('values-dict', {'alpha': tm.Marker('alpha'), 'beta': tm.Marker('beta')})
    record['traverse'] = {
        'holder': id(values_dict), 'keys': list(values_dict), 'values': [id(v) for v in values_dict.values()],
        'values_only': [id(v) for v in gc.get_referents(values_dict)] == [id(v) for v in values_dict.values()],
    }
    values_dict = None
    meliae_dump._DICT_REFS = 'traverse'
    path = os.path.join(out_dir, 'truth-traverse.json')
    try:
        result = meliae_dump.dump_all_objects(path)
    finally:
        meliae_dump._DICT_REFS = 'pairs'
    record['traverse'].update(path=path, objects=result['objects'])


RECORD = build()
dump_all(RECORD)
print(json.dumps(RECORD))
