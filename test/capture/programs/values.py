"""Objects with awkward values; dumps itself to argv[1], prints their ids as JSON.

argv: OUT PYTHON_DIR [nogc]
"""
import collections
import gc
import json
import sys

sys.path.insert(0, sys.argv[2])
import meliae_dump  # noqa: E402


class Plain:
    def __init__(self, tag):
        self.name = 'plain-' + tag
        self.count = 12345678901 + len(tag)
        self.items = [1.5, tag]


class Slotted:
    __slots__ = ('a', 'b')

    def __init__(self):
        self.a = 'slot-a-' + str(id(self))
        self.b = [self]


class Café:
    """A class whose name is not ASCII."""


class BadSize:
    def __sizeof__(self):
        raise RuntimeError('no size for you')


def unique(text):
    # Built at run time: a new object, not a shared constant.
    return ''.join([text[:1], text[1:]])


K = {}
K['quotes'] = unique('say "hi" and \\ back\\slash \'single\'')
K['newline'] = unique('line one\nline two\r\n\ttabbed\x00nul\x7fdel')
K['ansi'] = unique('\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b')
K['cjk'] = unique('東京都 渋谷区 – “quoted”')
K['emoji'] = unique('snake 🐍 and family 👨‍👩‍👧 ok')
K['surrogate'] = unique('lone \udc80 and \ud83d high')
K['long'] = unique('x' * 90 + '0123456789abcdefghij' + 'tail' * 10)
K['bytes'] = bytes([0, 255, 34, 92, 10])
K['bigint'] = 2 ** 200 + 7
K['negbig'] = -(3 ** 150)
K['hugeint'] = 10 ** 5000 + 1
K['int'] = int('1234567')
K['float'] = float('1.25')
K['none'] = None
K['true'] = True
K['false'] = False
cycle = []
cycle.append(cycle)
K['cycle'] = cycle
shared = unique('shared by three hundred lists')
K['shared'] = shared
K['parents'] = [[shared] for _ in range(300)]
K['plain'] = Plain('a')
materialized = Plain('b')
materialized.__dict__  # now a real dict
K['materialized'] = materialized
K['slotted'] = Slotted()
K['cafe'] = Café()
K['cafe_type'] = Café
K['badsize'] = BadSize()
K['strdict'] = {unique('alpha'): unique('A'), unique('beta'): [unique('B')]}
K['intdict'] = {1001: unique('one'), 1002: unique('two')}
K['ordered'] = collections.OrderedDict([(unique('first'), 1.0), (unique('second'), 2.0)])
K['frame'] = sys._getframe()
K['function'] = unique
K['module'] = meliae_dump

if len(sys.argv) > 3 and sys.argv[3] == 'nogc':
    gc.disable()
result = meliae_dump.dump_all_objects(sys.argv[1])
print(json.dumps({
    'ids': {k: id(v) for k, v in K.items()},
    'attr_ids': {k: id(v) for k, v in vars(K['plain']).items()},
    'materialized_dict': id(vars(materialized)),
    'slot_ids': [id(K['slotted'].a), id(K['slotted'].b)],
    'types': {'Plain': id(Plain), 'Slotted': id(Slotted), 'Cafe': id(Café)},
    'strdict_ids': [id(x) for kv in K['strdict'].items() for x in kv],
    'intdict_ids': [id(x) for kv in K['intdict'].items() for x in kv],
    'ordered_ids': [id(x) for kv in K['ordered'].items() for x in kv],
    'badsize_basicsize': BadSize.__basicsize__,
    'gc_enabled_after': gc.isenabled(),
    'result': result,
    'layout': meliae_dump.LAYOUT,
    'version': list(sys.version_info[:2]),
    'stdout_type': id(type(sys.stdout)),
}))
