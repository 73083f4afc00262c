"""When the provenance tracer (provenance.py) runs, and what it is told about tests and phases.

The tracer starts only once SQLAlchemy is imported: a suite without it pays neither the import
(~0.3 s) nor any per-test work. SQLAlchemy already imported at pytest_configure (a conftest)
starts it at once; otherwise a sys.meta_path finder starts it right after `import sqlalchemy`
finishes, wherever that happens (a test module at collection, a fixture body mid-test). Its
listeners are class-level, so engines made before it started are traced all the same."""

import os
import sys

from . import TRACE_ENV

_tracer = [None]  # provenance.Tracer in every process that runs tests (xdist workers too)
_current = [None, None]  # the item and phase running now (a tracer started mid-phase needs them)
_rootdir = [None]  # None: no tracer wanted (tracing off, or it could not start)
_watch = [None]


def tracer():
    return _tracer[0]


def configure(rootdir):
    """pytest_configure of a process that runs tests with the plugin enabled."""
    _current[0] = _current[1] = None
    if os.environ.get(TRACE_ENV, "1") == "0" or _tracer[0] is not None:
        return
    _rootdir[0] = rootdir
    if "sqlalchemy" in sys.modules:
        _start()
    elif _watch[0] is None:
        _watch[0] = _ImportWatch("sqlalchemy", _start)
        sys.meta_path.insert(0, _watch[0])


def unconfigure():
    watch, _watch[0] = _watch[0], None
    if watch is not None:
        watch.remove()
    t, _tracer[0] = _tracer[0], None
    _current[0] = _current[1] = _rootdir[0] = None
    if t is not None:
        t.uninstall()


def _start():
    if _tracer[0] is not None or _rootdir[0] is None:
        return
    try:
        from .provenance import Tracer

        t = Tracer(_rootdir[0])
    except Exception as exc:  # the run goes on untraced
        _rootdir[0] = None
        sys.stderr.write("orm_test_doctor: tracing unavailable: %r\n" % (exc,))
        return
    try:
        t.install()
    except Exception as exc:
        t.fail(exc)
    _tracer[0] = t
    item, when = _current
    if item is not None and when is not None and t.enabled:
        # imported inside a phase: what the phase hooks would have told it so far
        try:
            for defs in getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}).values():
                for fixturedef in defs:
                    t.site.register_fixture(fixturedef)
            t.site.register_test(item)
            t.start(item.nodeid, when)
        except Exception as exc:
            t.fail(exc)


def phase(item, when):
    """A test phase begins (tryfirst: before the fixtures and the test body run)."""
    _current[0] = item
    _current[1] = when
    t = _tracer[0]
    if t is None:
        if _rootdir[0] is not None and "sqlalchemy" in sys.modules:
            _start()  # imported where the finder could not see it (an old-style loader)
        return
    if t.enabled:
        try:
            if when == "setup":
                t.site.register_test(item)
            t.start(item.nodeid, when)
        except Exception as exc:  # never break the user's run
            t.fail(exc)


def fixture(fixturedef):
    t = _tracer[0]
    if t is not None and t.enabled:
        try:
            t.site.register_fixture(fixturedef)
        except Exception as exc:
            t.fail(exc)


def phase_done():
    """The phase's report is being made: nothing of the test runs any more."""
    _current[1] = None
    t = _tracer[0]
    if t is not None:
        t.stop()


def summary():
    """After teardown: the test's provenance (None when nothing is traced)."""
    _current[0] = None
    t = _tracer[0]
    if t is None:
        return None
    try:
        t.check_survivors()
        return t.summary()
    except Exception as exc:
        t.fail(exc)
        return {"warning": t.warning}


class _ImportWatch:
    """A sys.meta_path finder that calls `callback` once module `name` has been executed. It finds
    nothing itself: it asks the finders after it and wraps the found loader's exec_module."""

    def __init__(self, name, callback):
        self.name = name
        self.callback = callback

    def remove(self):
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        self.remove()  # once: the finders below find it from now on
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec  # an old-style loader: the next phase starts the tracer instead
        callback = self.callback

        def exec_and_notify(module):
            exec_module(module)
            if getattr(module, "__name__", None) != fullname:
                return  # a loader shared with other modules (a zip archive): not ours yet
            try:
                del loader.exec_module  # back to the loader's own method
            except AttributeError:
                pass
            try:
                callback()
            except Exception as exc:
                sys.stderr.write("orm_test_doctor: tracing unavailable: %r\n" % (exc,))

        try:
            loader.exec_module = exec_and_notify  # this module's own loader instance
        except Exception:
            pass
        return spec
