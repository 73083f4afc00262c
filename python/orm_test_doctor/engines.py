"""Engines, tables and row values as the tracer (provenance.py) records them: what an engine
is (dialect, pool, whether its database outlives the run), which columns of a table are unique,
and values made plain enough to compare, hash and send."""

import os

def dbapi_of(conn):
    """The DBAPI connection under a SQLAlchemy Connection (its .connection is the pool's proxy)."""
    return raw_connection(conn.connection)


def raw_connection(conn):
    """The DBAPI connection behind what a dialect's do_commit/do_rollback is given: the pool's
    proxy (from a Connection, or the pool's own reset on return), or a DBAPI connection itself."""
    raw = getattr(conn, "dbapi_connection", None)
    if raw is None and type(conn).__name__ == "_ConnectionFairy":
        raw = getattr(conn, "connection", None)  # SQLAlchemy 1.4 before .dbapi_connection
    return raw or conn


_UNIQUE_CACHE = {}


def unique_sets(table):
    """Column-name tuples that are unique in `table`: (primary key, [(names joined by ",", unique
    columns)] of its unique constraints and indexes, primary key names joined). Plain str names:
    SQLAlchemy's quoted_name does not cross xdist's execnet."""
    cached = _UNIQUE_CACHE.get(id(table))
    if cached is not None and cached[0] is table:
        return cached[1]
    result = _unique_sets(table)
    _UNIQUE_CACHE[id(table)] = (table, result)
    return result


def _unique_sets(table):
    from sqlalchemy import UniqueConstraint

    sets = []
    pk = tuple(str(c.name) for c in table.primary_key.columns)
    for cons in table.constraints:
        if isinstance(cons, UniqueConstraint) and cons.columns:
            sets.append(tuple(str(c.name) for c in cons.columns))
    for col in table.columns:
        if col.unique:
            sets.append((str(col.name),))
    for index in table.indexes:
        if index.unique:
            sets.append(tuple(str(c.name) for c in index.columns if hasattr(c, "name")))
    out = []
    for s in sets:
        if s and s not in out:
            out.append(s)
    return pk, [(",".join(s), s) for s in out], ",".join(pk)


class EngineInfo:
    def __init__(self, engine_id, engine):
        url = engine.url
        self.id = engine_id
        try:
            shown = url.render_as_string(hide_password=True)
        except Exception:
            shown = repr(url)
        database = url.database or ""
        self.memory = url.get_backend_name() == "sqlite" and (not database or database == ":memory:" or "mode=memory" in str(url))
        self.data = {
            "id": engine_id,
            "url": shown,
            "dialect": engine.dialect.name,
            "driver": engine.dialect.driver,
            "pool": type(engine.pool).__name__,
            # a file or a server keeps its rows after the process ends; an in-memory SQLite does not
            "persistent": not self.memory,
        }
        if url.get_backend_name() == "sqlite" and not self.memory:
            self.data["file"] = os.path.abspath(database)
        self.engine = engine
        self.last_dbapi = None  # in-memory SQLite: the one connection that holds the data
        self.reader = None
        self.reader_failures = 0
        self.baseline = {}  # table -> {"rows": n} at its first touch this run

    def follow_connection(self, conn):
        """What SQLite really opened: a custom `creator=` (or `connect_args`) can put a file behind a
        memory URL, or memory behind a file URL. SQLite's own list of databases says which."""
        try:
            cursor = dbapi_of(conn).cursor()
            try:
                cursor.execute("PRAGMA database_list")
                main = [row[2] for row in cursor.fetchall() if row[1] == "main"]
            finally:
                cursor.close()
        except Exception:
            return  # not a pysqlite-like connection: the URL is all we know
        if not main or bool(main[0]) != self.memory:
            return  # the URL says what SQLite opened: keep its path (SQLite's has symlinks resolved)
        file = main[0] or ""
        self.memory = not file
        self.data["persistent"] = bool(file)
        if file:
            self.data["file"] = os.path.abspath(file)
        else:
            self.data.pop("file", None)


def is_unique_violation(err):
    if err is None:
        return False
    if getattr(err, "pgcode", None) == "23505" or getattr(err, "sqlstate", None) == "23505":
        return True
    args = getattr(err, "args", ())
    if args and args[0] in (1062, 1586):  # MySQL / MariaDB duplicate entry
        return True
    text = str(err).lower()
    return "unique" in text or "duplicate" in text


def present(params, cols):
    """The plain values of `cols` in a row's parameters, or None when one of them is missing."""
    for c in cols:
        if params.get(c) is None:
            return None
    return [plain(params[c]) for c in cols]


def plain(value):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, str):
        return str(value)
    return repr(value)


def hashable(values):
    return tuple(map(repr, values))
