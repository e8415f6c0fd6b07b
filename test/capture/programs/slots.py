"""Slotted instances of every shape; dumps itself to argv[1] and prints, for
each held value, its holder, the attribute name and the value's address,
and each class's slot names in the order gc.get_referents lists them.

argv: OUT PYTHON_DIR
"""
import dataclasses
import gc
import json
import sys

sys.path.insert(0, sys.argv[2])
import meliae_dump  # noqa: E402


class Base:
    __slots__ = ('zeta', 'alpha')


class Child(Base):
    __slots__ = ('__hidden', 'middle')

    def fill(self, tag):
        self.zeta = ['zeta', tag]
        self.alpha = ['alpha', tag]
        self.__hidden = ['hidden', tag]
        self.middle = ['middle', tag]
        return self


class WithDict:
    __slots__ = ('pinned', '__dict__')


KINDS = [Base, Child, WithDict]
if sys.version_info >= (3, 10):
    @dataclasses.dataclass(slots=True)
    class Record:
        first: list
        second: list
    KINDS.append(Record)

HELD = []
facts = []


def hold(obj, *names):
    HELD.append(obj)
    slots = ['_%s__%s' % (cls.__name__, n[2:]) if n.startswith('__') else n
             for cls in type(obj).__mro__ for n in cls.__dict__.get('__slots__', ()) if n != '__dict__']
    complete = all(hasattr(obj, n) for n in slots)
    for name in names:
        value = getattr(obj, name)
        facts.append({'holder': id(obj), 'type': type(obj).__name__, 'name': name, 'target': id(value),
                      'complete': complete})
    return obj


def order_of(obj, names):
    """The slot names in the order the collector lists their values."""
    by_id = {id(getattr(obj, name)): name for name in names}
    return [by_id[id(x)] for x in gc.get_referents(obj) if id(x) in by_id]


full = Child().fill('full')
hold(full, 'zeta', 'alpha', '_Child__hidden', 'middle')
partial = Child()
partial.middle = ['middle', 'partial']
partial.alpha = ['alpha', 'partial']
hold(partial, 'middle', 'alpha')  # zeta and __hidden unset
base = Base()
base.zeta = ['zeta', 'base']
hold(base, 'zeta')
with_dict = WithDict()
with_dict.pinned = ['pinned']
with_dict.loose = ['loose']
hold(with_dict, 'pinned')  # 'loose' lives in its __dict__
classes = {
    'Child': {'address': id(Child), 'order': order_of(full, ['zeta', 'alpha', '_Child__hidden', 'middle'])},
    'Base': {'address': id(Base), 'order': order_of(Child().fill('order'), ['zeta', 'alpha'])},
    'WithDict': {'address': id(WithDict), 'order': ['pinned']},
}
if sys.version_info >= (3, 10):
    rec = hold(Record(['first'], ['second']), 'first', 'second')
    classes['Record'] = {'address': id(type(rec)), 'order': order_of(rec, ['first', 'second'])}
full = partial = base = with_dict = rec = None
result = meliae_dump.dump_all_objects(sys.argv[1])
print(json.dumps({'facts': facts, 'classes': classes, 'objects': result['objects']}))
