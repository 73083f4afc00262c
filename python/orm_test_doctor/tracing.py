"""When the provenance tracer (provenance.py) runs, and what it is told about tests and phases.

The tracer starts only once SQLAlchemy is imported: a suite without it pays neither the import
(~0.3 s) nor any per-test work. SQLAlchemy already imported at pytest_configure (a conftest)
starts it at once; otherwise a sys.meta_path finder starts it right after `import sqlalchemy`
finishes, wherever that happens (a test module at collection, a fixture body mid-test). Its
listeners are class-level, so engines made before it started are traced all the same."""

import os
import sys

import pytest

from . import TRACE_ENV

_tracer = [None]  # provenance.Tracer in every process that runs tests (xdist workers too)
_config = [None]  # None: no tracer wanted (tracing off, or it could not start)
waiting = [False]  # wanted, SQLAlchemy not imported yet
_watch = [None]
_summary = [None, None]  # nodeid, provenance: made at its teardown, for its teardown report
_session = [None]


def configure(config):
    """pytest_configure of a process that runs tests with the plugin enabled."""
    if os.environ.get(TRACE_ENV, "1") == "0" or _tracer[0] is not None:
        return
    _config[0] = config
    waiting[0] = True
    if "sqlalchemy" in sys.modules:
        start()
    elif _watch[0] is None:
        _watch[0] = _ImportWatch("sqlalchemy", start)
        sys.meta_path.insert(0, _watch[0])


def sessionstart(session):
    _session[0] = session


def unconfigure(config):
    watch, _watch[0] = _watch[0], None
    if watch is not None:
        watch.remove()
    t, _tracer[0] = _tracer[0], None
    _config[0] = _summary[0] = _summary[1] = _session[0] = None
    waiting[0] = False
    if t is not None:
        try:
            config.pluginmanager.unregister(name=_HOOKS_NAME)
        except Exception:
            pass
        t.uninstall()


def start():
    config = _config[0]
    waiting[0] = False
    if _tracer[0] is not None or config is None:
        return
    try:
        from .provenance import Tracer

        t = Tracer(str(getattr(config, "rootpath", None) or config.rootdir))
    except Exception as exc:  # the run goes on untraced
        _config[0] = None
        sys.stderr.write("orm_test_doctor: tracing unavailable: %r\n" % (exc,))
        return
    try:
        t.install()
    except Exception as exc:
        t.fail(exc)
    _tracer[0] = t
    # hooks from now on (a hook being called goes on with the ones it had)
    try:
        config.pluginmanager.register(_Hooks(t), _HOOKS_NAME)
    except Exception as exc:
        t.fail(exc)
    if t.enabled:
        _catch_up(t, config)


def _catch_up(t, config):
    """Imported inside a test phase: what the phase hooks would have told the tracer so far."""
    current = os.environ.get("PYTEST_CURRENT_TEST")
    if not current:
        return
    nodeid, _, when = current.rpartition(" (")
    item = next((i for i in getattr(_session[0], "items", ()) if i.nodeid == nodeid), None)
    if item is None:
        return
    try:
        for defs in getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}).values():
            for fixturedef in defs:
                t.site.register_fixture(fixturedef)
        t.site.register_test(item)
        t.start(nodeid, when.rstrip(")"))
    except Exception as exc:
        t.fail(exc)


_HOOKS_NAME = "orm_test_doctor.tracing"


class _Hooks:
    """Registered once the tracer runs. Plain tryfirst hooks (wrappers cost more): the phase
    begins before the fixtures and the test body run, and ends when its report is made."""

    def __init__(self, tracer):
        self.t = tracer

    def _phase(self, item, when):
        t = self.t
        if t.enabled:
            try:
                if when == "setup":
                    t.site.register_test(item)
                t.start(item.nodeid, when)
            except Exception as exc:  # never break the user's run
                t.fail(exc)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        self._phase(item, "setup")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item):
        self._phase(item, "call")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item, nextitem):
        self._phase(item, "teardown")

    @pytest.hookimpl(tryfirst=True)
    def pytest_fixture_setup(self, fixturedef, request):
        t = self.t
        if t.enabled:
            try:
                t.site.register_fixture(fixturedef)
            except Exception as exc:
                t.fail(exc)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        t = self.t
        t.stop()
        if call.when != "teardown":
            return
        try:
            t.check_survivors()
            summary = t.summary()
        except Exception as exc:
            t.fail(exc)
            summary = {"warning": t.warning}
        _summary[0], _summary[1] = item.nodeid, summary


def take_summary(nodeid):
    """The provenance of a test whose teardown report is being made (None: nothing traced)."""
    if _summary[0] != nodeid:
        return None
    summary, _summary[0], _summary[1] = _summary[1], None, None
    return summary


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
            return spec  # an old-style loader: the next test starts the tracer instead (plugin.py)
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
