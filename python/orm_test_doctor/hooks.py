"""Where the tracer (provenance.py) hears of statements and transactions: each dialect's own
DBAPI-calling methods (do_execute, do_commit, do_savepoint, ...), wrapped on the dialect instance
when its first statement runs after the tracer started.

Why not SQLAlchemy's ConnectionEvents: one listener on Engine turns on the `_has_events` path of
every Connection (a joined dispatch; before/after_execute, begin and engine_connect events for
every statement and connection): 200 K instructions a test of the polluter bench on SQLAlchemy 2.0
(four statements), where these hooks cost 150 K. DialectEvents are looked at only next to the
cursor call; ours only finds dialects not yet wrapped (engines made at import time too: the
listener is on the Dialect class). A statement that a user's own do_execute listener runs itself
(returning True) never reaches the dialect's method, so it is not traced."""

import sys

# each execute method, and where its context is among the arguments after cursor and statement
_EXECUTE = (("do_execute", 1), ("do_executemany", 1), ("do_execute_no_params", 0))
_CONNECTION_CALLERS = frozenset(("_commit_impl", "_rollback_impl"))
_MISSING = object()


class DialectHooks:
    def __init__(self, tracer):
        self.t = tracer
        self.wrapped = {}  # id(dialect) -> (dialect, [(name, what the instance had, our wrapper)])
        self.installed = False

    def install(self):
        from sqlalchemy import event
        from sqlalchemy.engine.interfaces import Dialect

        self.installed = True  # before: a failure halfway leaves listeners uninstall must remove
        for name, _ in _EXECUTE:
            event.listen(Dialect, name, self._discover)

    def uninstall(self):
        from sqlalchemy import event
        from sqlalchemy.engine.interfaces import Dialect

        for name, _ in _EXECUTE if self.installed else ():
            try:
                event.remove(Dialect, name, self._discover)
            except Exception:
                pass
        self.installed = False
        for dialect, replaced in self.wrapped.values():
            for name, before, wrapper in replaced:
                if dialect.__dict__.get(name) is not wrapper:
                    continue  # wrapped again since (another tracer, the user): theirs now
                if before is _MISSING:
                    del dialect.__dict__[name]  # the class's method again
                else:
                    dialect.__dict__[name] = before  # an instance override made before ours
        self.wrapped = {}

    def _discover(self, cursor, statement, *rest):
        """A DialectEvents listener: it never handles the statement (returns None), it wraps the
        methods of a dialect seen for the first time, which SQLAlchemy then calls for this very
        statement (it looks them up after its listeners ran)."""
        context = rest[-1] if rest else None
        dialect = getattr(context, "dialect", None)
        t = self.t
        if dialect is None or id(dialect) in self.wrapped or not t.enabled or t._busy:
            return None
        try:
            self.wrap(dialect)
            if statement[:10].upper() == "SAVEPOINT ":
                # its do_savepoint ran before this wrap: what it would have been told
                t._savepoint(context.root_connection, statement[10:].strip())
        except Exception as exc:  # never break the user's run
            t.fail(exc)
        return None

    def wrap(self, dialect):
        t = self.t
        replaced = []
        self.wrapped[id(dialect)] = (dialect, replaced)

        def put(name, wrapper):
            replaced.append((name, dialect.__dict__.get(name, _MISSING), wrapper))
            setattr(dialect, name, wrapper)

        for name, at in _EXECUTE:
            put(name, _execute_wrapper(t, getattr(dialect, name), at))
        # commit, rollback, release and rollback-to once done; a savepoint before it is sent
        # (pysqlite: whether a transaction was open decides if it is the outermost one)
        for name, handler, first, named in (
            ("do_commit", t._commit, False, False),
            ("do_rollback", t._rollback, False, False),
            ("do_savepoint", t._savepoint, True, True),
            ("do_release_savepoint", t._release_savepoint, False, True),
            ("do_rollback_to_savepoint", t._rollback_savepoint, False, True),
        ):
            put(name, _tx_wrapper(t, getattr(dialect, name), handler, first, named))


def _execute_wrapper(t, call, at):
    """do_execute and do_executemany (cursor, statement, parameters, context=None): the context
    is rest[1]; do_execute_no_params (cursor, statement, context=None): rest[0]."""

    def wrapper(cursor, statement, *rest, **kwargs):
        __tracebackhide__ = True  # not in the user's tracebacks (pytest hides such frames)
        context = rest[at] if len(rest) > at else kwargs.get("context")
        if context is None or not t.enabled or t._busy:
            return call(cursor, statement, *rest, **kwargs)
        t.before(statement, context)
        try:
            result = call(cursor, statement, *rest, **kwargs)
        except BaseException as exc:
            t.failed(context, exc)
            raise
        t.after(cursor, context)
        return result

    return wrapper


def _tx_wrapper(t, call, handler, first, named):
    """do_commit/do_rollback(connection) and the savepoint ones (connection, name)."""

    def wrapper(*args, **kwargs):
        __tracebackhide__ = True
        if not t.enabled or t._busy:
            return call(*args, **kwargs)
        if first:
            _safely(t, handler, named, args, kwargs, None)
            return call(*args, **kwargs)
        result = call(*args, **kwargs)
        # a Connection's own commit or rollback counts as one; the pool's reset on return
        # and a first connect's rollback settle the rows all the same
        _safely(t, handler, named, args, kwargs, None if named else sys._getframe(1).f_code.co_name in _CONNECTION_CALLERS)
        return result

    return wrapper


def _safely(t, handler, named, args, kwargs, counted):
    try:
        conn = args[0] if args else kwargs.get("connection", kwargs.get("dbapi_connection"))
        if named:
            handler(conn, args[1] if len(args) > 1 else kwargs.get("name"))
        else:
            handler(conn, counted)
    except Exception as exc:  # never break the user's run
        t.fail(exc)
