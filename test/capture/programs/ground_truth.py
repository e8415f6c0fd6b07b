"""A known population: dumps itself to argv[1] and prints the truth as JSON.

argv: OUT PYTHON_DIR
"""
import json
import os
import sys

sys.path.insert(0, sys.argv[2])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gt_cache  # noqa: E402
import meliae_dump  # noqa: E402

CACHED = 1234
LOOSE = 77
GADGETS = 55

for k in range(CACHED):
    gt_cache.remember('key-%d' % k, gt_cache.Widget(k))
loose = [gt_cache.Widget(-k) for k in range(LOOSE)]
gadgets = {gt_cache.Gadget(k) for k in range(GADGETS)}
first_key = next(iter(gt_cache.CACHE))
result = meliae_dump.dump_all_objects(sys.argv[1])
print(json.dumps({
    'counts': {'Widget': CACHED + LOOSE, 'Gadget': GADGETS},
    'cache_len': len(gt_cache.CACHE),
    'module': id(gt_cache),
    'module_dict': id(vars(gt_cache)),
    'cache_key': id('CACHE'),
    'cache': id(gt_cache.CACHE),
    'first_key': id(first_key),
    'first_widget': id(gt_cache.CACHE[first_key]),
    'widget_type': id(gt_cache.Widget),
    'widget_attrs': ['ident', 'label', 'payload'],
    'objects': result['objects'],
}))
