"""Reads on the side: what the next test would see in a table, looked up on a connection of our
own (files and servers) or on the one shared connection of an in-memory SQLite. They never wait
behind the user's locks, never write, never scan a big table, and say UNKNOWN rather than guess.

PostgreSQL: after a unique violation the victim's transaction is aborted, so the lookup has to be
on another connection; it is read committed and read-only, with a lock and a statement timeout.
MariaDB/MySQL: plain reads take no row locks, but metadata locks (LOCK TABLES, DDL) can block a
read, hence short lock_wait_timeout / innodb_lock_wait_timeout and a statement time limit."""

import os
import re

UNKNOWN = object()  # a side read that could not tell (locked, timed out, no file): no evidence
BASELINE_CAP = 1000  # rows counted at most at a table's first touch: "at least 1000" is enough
MAX_FAILURES = 3  # a server that timed out or refused this often is not asked again

# FROM/JOIN [schema.]table, with any of the dialects' identifier quotes
_TABLES_RE = re.compile(r'\b(?:FROM|JOIN)\s+[`"\[]?([A-Za-z_][\w$]*)[`"\]]?(?:\s*\.\s*[`"\[]?([A-Za-z_][\w$]*))?', re.I)
_CATALOGS = frozenset(("information_schema", "performance_schema", "pg_catalog", "mysql", "sys", "sqlite_master", "sqlite_schema", "sqlite_temp_master"))


def is_catalog(dialect, name):
    """System tables the dialect reads itself (has_table, reflection): no user rows there."""
    lowered = name.lower()
    return lowered in _CATALOGS or (dialect == "postgresql" and lowered.startswith("pg_"))


_READ_CACHE = {}  # (statement, dialect) -> tables: a suite sends the same few SELECTs again and again
_READ_CACHE_MAX = 4096


def tables_read(statement, dialect):
    """User tables a SELECT names: [(schema or None, table)], catalogs left out."""
    key = (statement, dialect)
    tables = _READ_CACHE.get(key)
    if tables is None:
        if len(_READ_CACHE) >= _READ_CACHE_MAX:
            _READ_CACHE.clear()
        tables = _READ_CACHE[key] = tuple(_tables_read(statement, dialect))
    return tables


def _tables_read(statement, dialect):
    out = []
    for first, second in _TABLES_RE.findall(statement):
        schema, name = (first, second) if second else (None, first)
        if is_catalog(dialect, name) or (schema and is_catalog(dialect, schema)):
            continue
        if (schema, name) not in out:
            out.append((schema, name))
    return out


def can_read(info):
    """False once a server stopped answering, or when the SQLite file is gone."""
    return info.reader_failures < MAX_FAILURES and not (info.data.get("file") and not os.path.exists(info.data["file"]))


# the sync drivers side reads can bound, per dialect, in the order tried for an async engine's
# database (asyncpg, psycopg's async mode, aiomysql, asyncmy): the same server, read another way
_SYNC_DRIVERS = {"postgresql": (("psycopg2", "psycopg2"), ("psycopg", "psycopg")), "mysql": (("pymysql", "pymysql"), ("mysqldb", "MySQLdb"))}


def _sync_url(dialect, url):
    """`url` with a sync driver we can bound for its dialect, or None. An async driver's query
    options are its own (asyncpg's ssl=require is libpq's sslmode=require), so on a switch only
    the connection's address and credentials are kept (and ssl, translated, on PostgreSQL)."""
    family = "mysql" if dialect.name in ("mysql", "mariadb") else dialect.name
    choices = _SYNC_DRIVERS.get(family, ())
    if dialect.driver in [name for name, _ in choices]:
        return url
    import importlib.util

    for name, module in choices:
        if importlib.util.find_spec(module) is None:
            continue
        query = {}
        ssl = url.query.get("ssl")
        if family == "postgresql" and isinstance(ssl, str) and ssl in ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"):
            query["sslmode"] = ssl
        elif family == "mysql" and isinstance(url.query.get("charset"), str):
            query["charset"] = url.query["charset"]
        return url.set(drivername="%s+%s" % (url.get_backend_name(), name), query=query)
    return None


def reader(info):
    """The engine for side reads (NullPool: no connection of ours stays open to block the user's
    DROP DATABASE). An async engine's database is read with a sync driver of its dialect when one
    is installed. Raises for drivers we cannot bound (unknown, or async with no sync driver)."""
    if info.reader is not None:
        return info.reader
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    dialect = info.engine.dialect
    url = info.engine.url
    kwargs = {"poolclass": NullPool}
    if dialect.name == "sqlite":
        # read-only, by absolute path: never creates a file, whatever the cwd is now
        url = "sqlite:///file:%s?mode=ro&uri=true" % info.data["file"]
        kwargs["connect_args"] = {"timeout": 1}
    else:
        url = _sync_url(dialect, url)
        if url is None:
            info.reader_failures = MAX_FAILURES
            raise RuntimeError("no side reads for %s+%s" % (dialect.name, dialect.driver))
    if dialect.name == "postgresql":
        options = "-c lock_timeout=200 -c statement_timeout=1000 -c default_transaction_read_only=on -c idle_in_transaction_session_timeout=5000"
        # connect_args replace the URL's own options (a search_path, say): keep them, ours after
        own = url.query.get("options")
        if isinstance(own, str) and own:
            options = own + " " + options
        kwargs["connect_args"] = {"connect_timeout": 2, "options": options}
        kwargs["isolation_level"] = "READ COMMITTED"
    elif dialect.name in ("mysql", "mariadb"):
        # one statement (init_command allows no more); the variable names differ per server
        mariadb = getattr(dialect, "is_mariadb", False)
        limits = "max_statement_time=1, tx_read_only=1" if mariadb else "max_execution_time=1000, transaction_read_only=1"
        init = "SET SESSION lock_wait_timeout=1, innodb_lock_wait_timeout=1, " + limits
        kwargs["connect_args"] = {"connect_timeout": 2, "read_timeout": 2, "write_timeout": 2, "init_command": init}
        kwargs["isolation_level"] = "READ COMMITTED"
    info.reader = create_engine(url, **kwargs)
    return info.reader


def _statement(table, where, what, schema=None):
    """`what` is "count" (rows, at most BASELINE_CAP + 1) or "exists" (a row matches `where`)."""
    from sqlalchemy import and_, column, func, literal_column, select, table as sa_table

    name = str(getattr(table, "name", table))
    schema = getattr(table, "schema", None) or schema
    cols = list(where)
    t = sa_table(name, *[column(c) for c in cols], **({"schema": str(schema)} if schema else {}))
    inner = select(literal_column("1")).select_from(t)
    if cols:
        inner = inner.where(and_(*[t.c[c] == where[c] for c in cols]))
    if what == "exists":
        return inner.limit(1)
    return select(func.count()).select_from(inner.limit(BASELINE_CAP + 1).subquery())


def _quote(name):
    return '"%s"' % str(name).replace('"', '""')


def _read_memory(info, table, where, what):
    """On an in-memory SQLite's one shared connection (a plain SELECT there starts no transaction)."""
    if info.last_dbapi is None:
        return None
    cols = list(where)
    sql = "SELECT 1 FROM %s" % _quote(getattr(table, "name", table))
    if cols:
        sql += " WHERE " + " AND ".join("%s = ?" % _quote(c) for c in cols)
    sql = sql + " LIMIT 1" if what == "exists" else "SELECT COUNT(*) FROM (%s LIMIT %d)" % (sql, BASELINE_CAP + 1)
    cur = info.last_dbapi.cursor()
    try:
        cur.execute(sql, [where[c] for c in cols])
        return cur.fetchone()
    finally:
        cur.close()


def read(info, table, where, what, conn=None, schema=None):
    """One row (a tuple) or None when there is none; UNKNOWN when it cannot tell."""
    if not can_read(info):
        return UNKNOWN
    try:
        if info.memory:
            return _read_memory(info, table, where, what)
        stmt = _statement(table, where, what, schema)
        if conn is not None:
            row = conn.execute(stmt).fetchone()
        else:
            with reader(info).connect() as c:
                row = c.execute(stmt).fetchone()
        return tuple(row) if row is not None else None
    except Exception as exc:
        # a missing table, a lock, a timeout: no evidence rather than a broken or slow run.
        # Only a server that did not answer in time (or at all) is not asked again.
        if not info.memory and _operational(exc):
            info.reader_failures += 1
        return UNKNOWN


def connect(info):
    """A connection for several reads in a row (survivors), or None."""
    if info.memory or not can_read(info):
        return None
    try:
        return reader(info).connect()
    except Exception:
        info.reader_failures += 1
        return None


def _operational(exc):
    from sqlalchemy import exc as sa_exc

    return not isinstance(exc, sa_exc.DBAPIError) or isinstance(exc, sa_exc.OperationalError)


def count(info, table, schema=None):
    """{"rows": n} (with "atLeast": true past the cap) or None."""
    row = read(info, table, {}, "count", schema=schema)
    if row is None or row is UNKNOWN:
        return None
    rows = int(row[0])
    return {"rows": BASELINE_CAP, "atLeast": True} if rows > BASELINE_CAP else {"rows": rows}
