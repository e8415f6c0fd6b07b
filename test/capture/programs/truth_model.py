"""Module side of truth_suite.py: classes of every kind, and functions whose
globals are this module's dict."""
import abc
import dataclasses
import enum

REGISTRY = {}


class Plain:
    """Attributes set in __init__: inline values on 3.11+."""

    def __init__(self, ident):
        self.ident = ident
        self.label = 'plain #%d' % ident
        self.payload = [ident, ident]


class Late:
    """Its __dict__ is made after the instance has aged, so the dict comes
    before its owner in the collector's list (and in the dump)."""


class Slotted:
    __slots__ = ('name', 'peer', 'blob')

    def __init__(self, name):
        self.name = name


class Node:
    def __init__(self, tag):
        self.tag = tag
        self.other = None


@dataclasses.dataclass
class Point:
    x: int
    y: int
    tag: str


class Color(enum.Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


class Shape(abc.ABC):
    @abc.abstractmethod
    def area(self):
        raise NotImplementedError


class Square(Shape):
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side * self.side


class Fresh:
    """Made between dumps: the diff and trend must see exactly these."""

    def __init__(self, n):
        self.n = n


class Marker:
    """Held at a known place; each one is distinct."""

    def __init__(self, where):
        self.where = where


def register(key, value):
    REGISTRY[key] = value
    return value


def lookup(key):
    return REGISTRY.get(key)
