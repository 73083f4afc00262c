"""Who is writing: the factory (and its persistence), the fixture or the test body, and the first
frame of the user's own code. Found by walking the stack at the moment of a write."""

import inspect
import os

# factory_boy methods that have the factory class in a local named `cls`
_FACTORY_FUNCS = frozenset(("_create", "_save", "create", "_generate", "generate", "__call__", "create_batch", "_create_batch"))
_SKIP_DIRS = frozenset(("site-packages", "dist-packages", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox"))
_OWN_DIR = os.path.dirname(os.path.abspath(__file__))


def _is_factory(obj):
    return isinstance(obj, type) and hasattr(obj, "_meta") and hasattr(obj, "_create") and hasattr(obj._meta, "model")


def _defsite(obj):
    """(absolute file, 0-based line) of a class or function, or None."""
    try:
        target = getattr(obj, "__wrapped__", obj)
        file = inspect.getsourcefile(target)
        _, line = inspect.getsourcelines(target)
        return os.path.abspath(file), max(line - 1, 0)
    except Exception:
        return None


class Attribution:
    def __init__(self, rootdir):
        self.rootdir = os.path.abspath(rootdir) if rootdir else None
        self.fixtures = {}  # code object -> {"name", "scope", "file", "line"}
        self.tests = {}  # code object -> nodeid
        self._factories = {}  # class -> factory description
        self._user = {}  # filename -> bool

    def register_fixture(self, fixturedef):
        func = getattr(fixturedef, "func", None)
        func = getattr(func, "__wrapped__", func)
        code = getattr(func, "__code__", None)
        if code is None or code in self.fixtures:
            return
        info = {"name": fixturedef.argname, "scope": str(getattr(fixturedef, "scope", "function"))}
        site = _defsite(func)
        if site:
            info["file"], info["line"] = site
        self.fixtures[code] = info

    def register_test(self, item):
        func = getattr(item, "function", None)
        func = getattr(func, "__wrapped__", func)
        code = getattr(func, "__code__", None)
        if code is not None:
            self.tests[code] = item.nodeid

    def is_user_file(self, filename):
        known = self._user.get(filename)
        if known is None:
            if filename.startswith("<"):  # <string>, <frozen ...>: generated code, never the user's file
                self._user[filename] = False
                return False
            path = os.path.abspath(filename)
            parts = set(path.split(os.sep))
            known = bool(self.rootdir) and path.startswith(self.rootdir + os.sep) and not (parts & _SKIP_DIRS) and not path.startswith(_OWN_DIR)
            self._user[filename] = known
        return known

    def factory(self, cls):
        desc = self._factories.get(cls)
        if desc is None:
            meta = cls._meta
            desc = {"name": cls.__name__, "model": getattr(getattr(meta, "model", None), "__name__", None)}
            persistence = getattr(meta, "sqlalchemy_session_persistence", None)
            if persistence:
                desc["persistence"] = persistence
            site = _defsite(cls)
            if site:
                desc["file"], desc["line"] = site
            # a _create/_save of the user's own (not factory_boy's) decides what happens to the row
            for klass in cls.__mro__:
                for name in ("_create", "_save"):
                    method = klass.__dict__.get(name)
                    func = getattr(method, "__func__", method)
                    code = getattr(func, "__code__", None)
                    if code is not None and self.is_user_file(code.co_filename):
                        desc.setdefault("override", {"method": name, "owner": klass.__name__, "file": os.path.abspath(code.co_filename), "line": code.co_firstlineno - 1, "commits": _commits(func)})
            self._factories[cls] = desc
        return desc

    def describe(self, frame, current):
        """{"by": ..., "frame": ..., "key": ...} for a write made with `frame` on the stack."""
        factory = fixture = test = user = None
        f = frame
        depth = 0
        while f is not None and depth < 200:
            code = f.f_code
            if user is None and self.is_user_file(code.co_filename):
                user = {"file": os.path.abspath(code.co_filename), "line": f.f_lineno - 1, "function": code.co_name}
            if factory is None and code.co_name in _FACTORY_FUNCS:
                cls = f.f_locals.get("cls")
                if _is_factory(cls):
                    factory = self.factory(cls)
            if fixture is None:
                fixture = self.fixtures.get(code)
            if test is None and code in self.tests:
                test = self.tests[code]
            f = f.f_back
            depth += 1
        by = {}
        if factory:
            by["factory"] = factory
        if fixture:
            by["fixture"] = fixture
        if test:
            by["test"] = test
        by["kind"] = "factory" if factory else "fixture" if fixture else "test" if test else "other"
        key = (factory["name"] if factory else None, fixture["name"] if fixture else None, test, user["file"] if user else None, user["line"] if user else None)
        return {"by": by, "frame": user, "key": key}


def _commits(func):
    """Whether a _create/_save override calls .commit() (read from its source)."""
    try:
        return ".commit()" in inspect.getsource(func)
    except Exception:
        return None
