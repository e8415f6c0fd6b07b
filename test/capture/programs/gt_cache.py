"""Module side of ground_truth.py: module -> its dict -> CACHE -> Widget."""

CACHE = {}


class Widget:
    def __init__(self, ident):
        self.ident = ident
        self.label = 'widget #%d' % ident
        self.payload = [ident] * 3


class Gadget:
    __slots__ = ('serial',)

    def __init__(self, serial):
        self.serial = serial


def remember(key, widget):
    CACHE[key] = widget
