"""Error data read off exception objects (never off their text): chain, frames, DB details.

Everything here is best effort and returns only JSON-able data; any failure yields less data,
never an exception into pytest.
"""

import os
import sys

from .jsonsafe import cut, is_plain, to_json

MAX_CHAIN = 20
MAX_FRAMES = 60
MAX_MESSAGE = 4000

# Frames inside these packages are pytest's machinery, not the user's code; nor are this
# plugin's own (the tracer's hooks.py sits between SQLAlchemy and the driver).
_HIDDEN_DIRS = tuple(
    os.path.dirname(getattr(sys.modules.get(name), "__file__", None) or "/nonexistent/x") + os.sep
    for name in ("_pytest", "pluggy")
) + (os.path.dirname(os.path.abspath(__file__)) + os.sep,)

_DRIVER_DIALECT = {
    "sqlite3": "sqlite",
    "pysqlite2": "sqlite",
    "psycopg2": "postgresql",
    "psycopg": "postgresql",
    "asyncpg": "postgresql",
    "pg8000": "postgresql",
    "pymysql": "mysql",
    "MySQLdb": "mysql",
    "mysql": "mysql",
    "asyncmy": "mysql",
    "mariadb": "mysql",
}


def qualname(obj_type):
    module = getattr(obj_type, "__module__", None)
    name = getattr(obj_type, "__qualname__", None) or obj_type.__name__
    return name if module in (None, "builtins") else "%s.%s" % (module, name)


def _message(exc):
    try:
        return cut(str(exc), MAX_MESSAGE)
    except Exception as err:
        return "<str() failed: %s>" % type(err).__name__


def chain_of(exc):
    """The raised exception first, then its __cause__ / __context__ links."""
    out, seen = [], set()
    while exc is not None and id(exc) not in seen and len(out) < MAX_CHAIN:
        seen.add(id(exc))
        out.append(exc)
        cause = exc.__cause__
        exc = cause if cause is not None else (None if exc.__suppress_context__ else exc.__context__)
    return out


def _tb_frames(tb):
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


def frames_of(exc):
    out = []
    for frame, lineno in _tb_frames(exc.__traceback__):
        filename = frame.f_code.co_filename
        # Generated code ("<string>", "<frozen ...>") has no file: keep its name as it is.
        if not filename.startswith("<"):
            filename = os.path.abspath(filename)
        if filename.startswith(_HIDDEN_DIRS):
            continue
        out.append({"file": filename, "line": max(lineno - 1, 0), "function": frame.f_code.co_name})
    return out[-MAX_FRAMES:]


def error_data(exc):
    links = chain_of(exc)
    data = {
        "chain": [{"type": qualname(type(e)), "message": _message(e)} for e in links],
        "frames": frames_of(exc),
    }
    db = _db_for_chain(links)
    if db:
        data["db"] = db
    return data


# --- database errors -------------------------------------------------------------------------


def _sa_exc():
    # Only look at SQLAlchemy when the tests imported it: never import it ourselves.
    return sys.modules.get("sqlalchemy.exc")


def _is_db_api_error(exc):
    module = (type(exc).__module__ or "").split(".")[0]
    return module in _DRIVER_DIALECT and isinstance(exc, Exception)


def _db_for_chain(links):
    sa = _sa_exc()
    if sa is not None:
        for i, exc in enumerate(links):
            if isinstance(exc, (sa.StatementError, sa.PendingRollbackError)):
                return db_data(exc, links[i + 1:])
    for exc in links:
        if _is_db_api_error(exc):
            return _orig_fields(exc, {})
    return None


def db_data(exc, later_links=(), depth=0):
    sa = _sa_exc()
    out = {"sqlalchemyType": qualname(type(exc))}
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        out["sqlalchemyCode"] = code
    if sa is not None and isinstance(exc, sa.StatementError):
        statement = getattr(exc, "statement", None)
        if isinstance(statement, str):
            out["statement"] = cut(statement, 10000)
        params = getattr(exc, "params", None)
        if params is not None:
            out["params"] = to_json(params)
            out["paramsRepr"] = cut(repr(params), 2000)
        orig = getattr(exc, "orig", None)
        if orig is not None:
            _orig_fields(orig, out)
    _engine_fields(exc, out)
    session = _session_of(exc)
    if session is not None:
        out["sessionId"] = str(id(session))
    if sa is not None and isinstance(exc, sa.PendingRollbackError) and depth == 0:
        original = _original_of(exc, later_links, session)
        if original is not None:
            out["original"] = db_data(original, (), depth + 1)
            if "sessionId" not in out and "sessionId" in out["original"]:
                out["sessionId"] = out["original"]["sessionId"]
    return out


def _orig_fields(orig, out):
    out["origType"] = qualname(type(orig))
    out["origMessage"] = _message(orig)
    args = getattr(orig, "args", None)
    if isinstance(args, tuple) and is_plain(args):
        out["origArgs"] = list(args)
    elif isinstance(args, tuple):
        out["origArgs"] = to_json(args)
    root = (type(orig).__module__ or "").split(".")[0]
    if root in _DRIVER_DIALECT:
        out.setdefault("dialect", _DRIVER_DIALECT[root])
    for attr in ("pgcode", "sqlstate"):
        value = getattr(orig, attr, None)
        if isinstance(value, str) and value:
            out["sqlstate"] = value
            break
    if out.get("dialect") == "mysql" and args and isinstance(args[0], int):
        out["errno"] = args[0]
    diag = _diag(getattr(orig, "diag", None))
    if diag:
        out["diag"] = diag
    return out


_DIAG_FIELDS = {
    "constraint_name": "constraintName",
    "table_name": "tableName",
    "column_name": "columnName",
    "schema_name": "schemaName",
    "message_primary": "messagePrimary",
    "message_detail": "messageDetail",
}


def _diag(diag):
    if diag is None:
        return None
    out = {}
    for attr, key in _DIAG_FIELDS.items():
        try:
            value = getattr(diag, attr, None)
        except Exception:
            continue
        if isinstance(value, str) and value:
            out[key] = value
    return out or None


def _frame_selves(exc):
    """`self` of each traceback frame, innermost first (where the error was raised)."""
    selves = []
    for frame, _ in _tb_frames(getattr(exc, "__traceback__", None)):
        try:
            selves.append(frame.f_locals.get("self"))
        except Exception:
            pass
    return [s for s in reversed(selves) if s is not None]


def _engine_fields(exc, out):
    """Dialect and driver names from a Connection or Engine seen in the traceback."""
    try:
        from sqlalchemy.engine import Connection, Engine  # imported already when we get here
    except Exception:
        return
    for obj in _frame_selves(exc):
        if isinstance(obj, (Connection, Engine)):
            dialect = getattr(obj, "dialect", None)
            if dialect is not None:
                out["dialect"] = str(getattr(dialect, "name", "")) or out.get("dialect", "")
                out["driver"] = str(getattr(dialect, "driver", ""))
            return


def _session_of(exc):
    """The Session whose code raised exc: a `self` in the traceback that is a Session or a
    SessionTransaction (-> its .session). Best effort: errors raised by a bare Connection
    have none."""
    orm = sys.modules.get("sqlalchemy.orm.session")
    if orm is None:
        return None
    for obj in _frame_selves(exc):
        if isinstance(obj, orm.Session):
            return obj
        if isinstance(obj, orm.SessionTransaction):
            return getattr(obj, "session", None)
    return None


def _original_of(exc, later_links, session):
    """What caused a PendingRollbackError: the chain first (raised while handling the
    original), else the SessionTransaction that raised it (`_rollback_exception`, 1.4 and
    2.0), else the session's transaction stack."""
    sa = _sa_exc()
    for link in later_links:
        if isinstance(link, sa.StatementError):
            return link
    orm = sys.modules.get("sqlalchemy.orm.session")
    if orm is None:
        return None
    for obj in _frame_selves(exc):
        if isinstance(obj, orm.SessionTransaction):
            found = _rollback_exception(obj)
            if found is not None:
                return found
    if session is not None:
        return _rollback_exception(getattr(session, "_transaction", None))
    return None


def _rollback_exception(trans):
    seen = 0
    while trans is not None and seen < 50:
        found = getattr(trans, "_rollback_exception", None)
        if isinstance(found, BaseException):
            return found
        trans = getattr(trans, "_parent", None)
        seen += 1
    return None
