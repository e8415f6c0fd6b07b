"""Dump this process's memory in meliae format when a signal arrives.

`meliae-tui run -- python app.py` puts this directory (and the one holding
meliae_dump.py) first on PYTHONPATH, so Python imports this file at startup
as `sitecustomize`. It installs a handler for the signal named by
MELIAE_DUMP_SIGNAL (default USR2) that writes

    $MELIAE_DUMP_DIR/meliae-<pid>-<YYYYmmdd-HHMMSS>.json.gz

(and its .meta.json sidecar); MELIAE_DUMP_DIR defaults to the directory the
process started in. The dump runs in the main thread, between two bytecodes,
like any Python signal handler; a signal that arrives during a dump is
ignored. Nothing is printed unless MELIAE_DUMP_VERBOSE=1 (then one line on
stderr per dump). Child processes that inherit the environment install the
handler too, and each dumps itself under its own pid.

The sitecustomize this file shadows (the next one on sys.path, such as
Debian's) is then run, so its behaviour is kept.
"""

import os
import signal
import sys
import time


def _import_dumper():
    """meliae_dump from sys.path, else from the directory above this one."""
    try:
        import meliae_dump
        return meliae_dump
    except ImportError:
        pass
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'meliae_dump.py')
    spec = importlib.util.spec_from_file_location('meliae_dump', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules['meliae_dump'] = module
    return module


def _install():
    name = os.environ.get('MELIAE_DUMP_SIGNAL', 'USR2').strip().upper()
    if name.isdigit():
        signum = int(name)
    else:
        signum = getattr(signal, name if name.startswith('SIG') else 'SIG' + name, None)
    if signum is None:
        sys.stderr.write('meliae hook: unknown signal %r in MELIAE_DUMP_SIGNAL; no dump handler\n' % name)
        return
    directory = os.path.abspath(os.environ.get('MELIAE_DUMP_DIR') or os.getcwd())
    verbose = os.environ.get('MELIAE_DUMP_VERBOSE') == '1'
    meliae_dump = _import_dumper()
    busy = []

    def dump_on_signal(signum, frame):
        if busy:
            return
        busy.append(True)
        try:
            stamp = time.strftime('%Y%m%d-%H%M%S')
            base = os.path.join(directory, 'meliae-%d-%s' % (os.getpid(), stamp))
            for k in range(100):
                path = base + ('-%d' % k if k else '') + '.json.gz'
                if not (os.path.lexists(path) or os.path.lexists(path + '.meta.json')
                        or os.path.lexists(path + '.alloc.json.gz')):
                    break
            try:
                result = meliae_dump.dump_all_objects(path)
            except Exception as e:
                sys.stderr.write('meliae hook: dump failed: %s: %s\n' % (type(e).__name__, e))
                return
            if verbose:
                sys.stderr.write('meliae hook: wrote %s (%d objects, %.2f s)\n'
                                 % (path, result['objects'], result['seconds']))
        finally:
            busy.pop()

    try:
        signal.signal(signum, dump_on_signal)
    except (ValueError, OSError) as e:  # not the main thread, or an uncatchable signal
        sys.stderr.write('meliae hook: cannot handle signal %s: %s\n' % (name, e))


def _run_shadowed_sitecustomize():
    """Run the next `sitecustomize` on sys.path after this directory."""
    here = os.path.dirname(os.path.abspath(__file__))
    entries = [os.path.abspath(p or os.curdir) for p in sys.path]
    if here not in entries:
        return
    later = sys.path[entries.index(here) + 1:]
    later = [p for p, full in zip(later, entries[entries.index(here) + 1:]) if full != here]
    import importlib.machinery
    import importlib.util
    spec = importlib.machinery.PathFinder.find_spec('sitecustomize', later)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    ours = sys.modules.get('sitecustomize')
    sys.modules['sitecustomize'] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules['sitecustomize'] = ours
        raise


try:
    _install()
except Exception as e:  # never stop the program from starting
    sys.stderr.write('meliae hook: not installed: %s: %s\n' % (type(e).__name__, e))
_run_shadowed_sitecustomize()
