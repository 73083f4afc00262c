"""Who is writing: the factory (and its persistence), the fixture or the test body, and the first
frame of the user's own code. Found by walking the stack at the moment of a write."""

import inspect
import linecache
import os
import sys

from . import tree

# factory_boy methods that have the factory class in a local named `cls`
_FACTORY_FUNCS = frozenset(("_create", "_save", "create", "_generate", "generate", "__call__", "create_batch", "_create_batch"))
_SKIP_DIRS = frozenset(("site-packages", "dist-packages", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox"))
_OWN_DIR = os.path.dirname(os.path.abspath(__file__))
_FACTORY_DIR = os.sep + "factory" + os.sep  # factory_boy's package folder


def _is_factory(obj):
    return isinstance(obj, type) and hasattr(obj, "_meta") and hasattr(obj, "_create") and hasattr(obj._meta, "model")


def _past_decorators(file, line):
    """1-based line of the `def`/`class` a decorated definition starting at `line` opens with
    (decorators may span lines: `@pytest.fixture(\n    scope="session")`)."""
    if not linecache.getline(file, line).lstrip().startswith("@"):
        return line  # not decorated (or a lambda): the line itself
    for n in range(line + 1, line + 200):  # blank lines may sit inside a long decorator
        text = linecache.getline(file, n).lstrip()
        if text.startswith(("def ", "def\t", "async def ", "class ", "class\t")):
            return n
    return line


def _defsite(obj):
    """(absolute file, 0-based line of its def/class line) of a class or function, or None."""
    try:
        target = getattr(obj, "__wrapped__", obj)
        code = getattr(target, "__code__", None)
        if code is not None:
            # a function's code knows its first line (its first decorator's): inspect would
            # tokenize the whole body to find where it ends, 2–3 ms a fixture
            file, line = code.co_filename, code.co_firstlineno
            if file.startswith("<") or not os.path.exists(file):
                return None  # exec'd or generated code, or a .pyc without its source
        else:
            file = inspect.getsourcefile(target)
            line = _class_line(file, target) if isinstance(target, type) else None
            if line is None:
                _, line = inspect.getsourcelines(target)
        return os.path.abspath(file), max(_past_decorators(file, line) - 1, 0)
    except Exception:
        return None


def _class_line(file, cls):
    """Where `cls` starts in `file`, from one parse of the file for all its classes: inspect parses
    the whole module again for every class it is asked about (Python < 3.13), 10 ms and more a
    factory in a long factories.py. None when the file's classes cannot be told (then inspect)."""
    first = cls.__dict__.get("__firstlineno__")  # Python 3.13+ (its own: a base's is inherited)
    if isinstance(first, int):
        return first
    if not file:
        return None
    found = tree.class_range(cls, file)
    return found[0] + 1 if found else None


class Attribution:
    def __init__(self, rootdir):
        self.rootdir = os.path.abspath(rootdir) if rootdir else None
        # Keyed by id(code), the code object kept in the value (so its id stays unique): hashing
        # a code object hashes its constants and names every time, a cost paid per frame walked.
        self.fixtures = {}  # id(code) -> (code, {"name", "scope", "file", "line"})
        self.tests = {}  # id(code) -> (code, nodeid)
        self._factories = {}  # class -> factory description
        self._user = {}  # filename -> absolute path if the user's own, else None
        self._codes = {}  # id(code) -> (code, user file, may hold a factory, fixture, test)
        # id(code) -> code of frames that are none of those (SQLAlchemy, pytest, the stdlib): most
        # of a stack, passed over with one set lookup each
        self._passed = {}

    def register_fixture(self, fixturedef):
        func = getattr(fixturedef, "func", None)
        func = getattr(func, "__wrapped__", func)
        code = getattr(func, "__code__", None)
        if code is None or id(code) in self.fixtures:
            return
        info = {"name": fixturedef.argname, "scope": str(getattr(fixturedef, "scope", "function"))}
        site = _defsite(func)
        if site:
            info["file"], info["line"] = site
        self.fixtures[id(code)] = (code, info)
        self._forget(code)  # classified before it was known as a fixture

    def register_test(self, item):
        func = getattr(item, "function", None)
        func = getattr(func, "__wrapped__", func)
        code = getattr(func, "__code__", None)
        if code is not None:
            self.tests[id(code)] = (code, item.nodeid)
            self._forget(code)

    def _forget(self, code):
        self._codes.pop(id(code), None)
        self._passed.pop(id(code), None)

    def is_user_file(self, filename):
        return self._user_path(filename) is not None

    def _user_path(self, filename):
        """The absolute path of a file of the user's own, else None."""
        try:
            return self._user[filename]
        except KeyError:
            pass
        path = None
        if not filename.startswith("<"):  # <string>, <frozen ...>: generated code, never the user's file
            path = os.path.abspath(filename)
            parts = set(path.split(os.sep))
            if not (bool(self.rootdir) and path.startswith(self.rootdir + os.sep) and not (parts & _SKIP_DIRS) and not path.startswith(_OWN_DIR)):
                path = None
        self._user[filename] = path
        return path

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
                        line = _past_decorators(code.co_filename, code.co_firstlineno) - 1
                        desc.setdefault("override", {"method": name, "owner": klass.__name__, "file": os.path.abspath(code.co_filename), "line": line, "commits": _commits(func)})
            self._factories[cls] = desc
        return desc

    def _classify(self, code):
        """(code, absolute file if the user's own else None, may hold a factory in `cls`?, fixture
        info, test nodeid) for a code object, or None when it is none of those: one lookup per
        frame, since the same few hundred code objects make up every stack of a run."""
        user = self._user_path(code.co_filename)
        # f_locals builds a dict: only for factory_boy's own methods and the user's overrides
        in_factory = code.co_name in _FACTORY_FUNCS and (user is not None or _FACTORY_DIR in code.co_filename)
        fixture = self.fixtures.get(id(code))
        test = self.tests.get(id(code))
        if user is None and not in_factory and fixture is None and test is None:
            self._passed[id(code)] = code
            return None
        kind = (code, user, in_factory, fixture[1] if fixture else None, test[1] if test else None)
        self._codes[id(code)] = kind
        return kind

    def describe(self, frame, current):
        """{"by": ..., "frame": ..., "key": ...} for a write made with `frame` on the stack."""
        factory = fixture = test = user = None
        codes = self._codes
        passed = self._passed
        f = frame
        depth = 0
        hopped = False
        while depth < 200:
            if f is None:
                # SQLAlchemy's asyncio runs the sync side in a greenlet of its own: the test or
                # fixture that awaited it is on the stack of the greenlet it came from
                if hopped:
                    break
                hopped = True
                f = _awaiting_frame()
                if f is None:
                    break
            code = f.f_code
            kind = None if id(code) in passed else codes.get(id(code)) or self._classify(code)
            if kind is None:
                f = f.f_back
                depth += 1
                continue
            if kind[1] is not None and user is None:
                user = {"file": kind[1], "line": f.f_lineno - 1, "function": code.co_name}
            if kind[2] and factory is None:
                cls = f.f_locals.get("cls")
                if _is_factory(cls):
                    factory = self.factory(cls)
            # fixtures of plugins (outside the project) count too
            fixture = kind[3]
            test = kind[4]
            if fixture is not None or test is not None:
                break  # above a fixture or test function is only pytest's machinery
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


def _awaiting_frame():
    """The frame a greenlet's parent switched from (SQLAlchemy's greenlet_spawn, in the coroutine
    that awaited this database call), or None outside such a greenlet. greenlet is never imported
    here: only code that already uses it can be in one."""
    greenlet = sys.modules.get("greenlet")
    if greenlet is None:
        return None
    try:
        parent = greenlet.getcurrent().parent
        return None if parent is None else parent.gr_frame
    except Exception:
        return None


def _commits(func):
    """Whether a _create/_save override calls .commit() (read from its source)."""
    try:
        return ".commit()" in inspect.getsource(func)
    except Exception:
        return None
