"""Runtime provenance: who wrote which rows, inside which transaction, and whether they outlived
the test that wrote them. Summarized per test (never a raw event stream) and attached to the
test's teardown report, so it also travels from xdist workers to the controller.

Listens to SQLAlchemy's class-level events (every Engine and Session, including ones created at
import time before pytest started). Any error inside the tracer switches it off for the rest of
the run and is reported once; it never changes a test's outcome."""

import json
import os
import sys

from . import sidereads
from .sidereads import UNKNOWN
from .sites import Attribution

MAX_KEYS = 20  # unique values kept per write group (enough to name a conflict, bounded)
MAX_CHECKS = 50  # rows looked up per test after teardown


def _dbapi(conn):
    """The DBAPI connection under a SQLAlchemy Connection (1.4: .connection, 2.0: .dbapi_connection)."""
    fairy = conn.connection
    return getattr(fairy, "dbapi_connection", None) or getattr(fairy, "connection", None)


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
            cursor = _dbapi(conn).cursor()
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


class Tracer:
    def __init__(self, rootdir):
        self.enabled = True
        self.warning = None  # set once when the tracer failed and switched itself off
        self.rootdir = rootdir
        self.site = Attribution(rootdir)
        self.engines = {}  # id(engine) -> EngineInfo
        self.new_engines = []  # engines first seen since the last summary
        self.new_baselines = []  # tables first touched since the last summary, with their row counts
        self.current = None  # (nodeid, phase)
        self.test = None  # the per-test record being built
        self.pending = {}  # id(dbapi connection) -> [write records] in its open transaction
        self.savepoints = {}  # id(dbapi connection) -> [(name, index into pending, outermost)]
        self.index = {}  # (engine id, table, cols, values) -> write record (latest)
        self.unresolved = []  # inserts whose primary key comes back by RETURNING
        self._last_context = None
        self._statement = None  # (context, EngineInfo, DML table) of the statement being executed
        self._busy = False
        # read once, not per test: xdist sets it before it makes the worker's config
        self._xdist_worker = bool(os.environ.get("PYTEST_XDIST_WORKER"))

    # --- lifecycle ----------------------------------------------------------------------------

    def install(self):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self._listeners = []
        for name, fn in (
            ("before_cursor_execute", self._before_execute),
            ("after_cursor_execute", self._after_execute),
            ("handle_error", self._handle_error),
            ("commit", self._commit),
            ("rollback", self._rollback),
            ("savepoint", self._savepoint),
            ("rollback_savepoint", self._rollback_savepoint),
            ("release_savepoint", self._release_savepoint),
        ):
            guarded = self._guard(fn)
            event.listen(Engine, name, guarded)
            self._listeners.append((name, guarded))

    def uninstall(self):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        for name, fn in getattr(self, "_listeners", []):
            try:
                event.remove(Engine, name, fn)
            except Exception:
                pass
        for info in self.engines.values():
            if info.reader is not None:
                try:
                    info.reader.dispose()
                except Exception:
                    pass

    def _guard(self, fn):
        def guarded(*args, **kwargs):
            if not self.enabled or self._busy:
                return None
            try:
                fn(*args, **kwargs)
            except Exception as exc:  # never break the user's run
                self.fail(exc)
            return None

        return guarded

    def fail(self, exc):
        self.enabled = False
        if self.warning is None:
            self.warning = "tracing switched off after an internal error: %s: %s" % (type(exc).__name__, exc)

    def start(self, nodeid, phase):
        if self.test is None or self.test["nodeid"] != nodeid:
            self.test = {"nodeid": nodeid, "writes": {}, "reads": set(), "conflicts": [], "tx": {}, "rows": [], "sites": {}}
        self.current = (nodeid, phase)

    def stop(self):
        self.current = None

    # --- engine events ------------------------------------------------------------------------

    def _engine(self, conn):
        engine = conn.engine
        info = self.engines.get(id(engine))
        if info is None or info.engine is not engine:
            info = self.engines[id(engine)] = EngineInfo("e%d" % (len(self.engines) + 1), engine)
            # where the run first used it: the fixture or module that binds the tests to it
            site = self.site.describe(sys._getframe(3), self.current)
            info.data["firstUse"] = {"by": site["by"], "frame": site["frame"], "nodeid": self.current[0] if self.current else None}
            self.new_engines.append(info.data)
            if info.data["dialect"] == "sqlite":
                info.follow_connection(conn)
        if info.memory:
            info.last_dbapi = _dbapi(conn)
        return info

    def _before_execute(self, conn, cursor, statement, parameters, context, executemany):
        info = self._engine(conn)
        if self.unresolved:
            self._resolve_pks()
        if self.test is None or context is None:
            return
        table = self._dml_table(context)
        self._statement = (context, info, table)  # the same work for its after_cursor_execute
        if table is not None:
            tables = ((getattr(table, "schema", None), str(table.name)),)
        elif statement[:6].upper() == "SELECT":
            tables = sidereads.tables_read(statement, info.data["dialect"])
            reads = self.test["reads"]
            for _, name in tables:
                reads.add(name)
        else:
            return
        baseline = info.baseline
        for schema, name in tables:
            if name not in baseline:
                # first touch this run: what was there before (rows of an earlier run, say);
                # counted up to a cap, so a big table costs no full scan
                baseline[name] = found = self._count(info, name, schema)
                if found is not None:
                    self.new_baselines.append(dict(found, engine=info.id, table=name))

    def _dml_table(self, context):
        if not (getattr(context, "isinsert", False) or getattr(context, "isupdate", False) or getattr(context, "isdelete", False)):
            return None
        compiled = getattr(context, "compiled", None)
        stmt = getattr(compiled, "statement", None)
        table = getattr(stmt, "table", None)
        return table if hasattr(table, "columns") else None

    def _after_execute(self, conn, cursor, statement, parameters, context, executemany):
        if self.test is None or context is None:
            return
        seen, self._statement = self._statement, None
        if seen is not None and seen[0] is context:
            info, table = seen[1], seen[2]
        else:
            info, table = None, self._dml_table(context)
        if table is None:
            return
        op = "insert" if context.isinsert else "update" if context.isupdate else "delete"
        if context is self._last_context:
            return  # 2.0's insertmanyvalues: one statement sent in batches, its rows already seen
        self._last_context = context
        if info is None:
            info = self._engine(conn)
        rows = getattr(context, "compiled_parameters", None) or [{}]
        pk, uniques, pk_name = unique_sets(table)
        site = self.site.describe(sys._getframe(2), self.current)
        name = str(table.name)
        writes = self.test["writes"]
        group_key = (info.id, name, op, site["key"])
        group = writes.get(group_key)
        if group is None:
            group = writes[group_key] = {
                "engine": info.id,
                "table": name,
                "op": op,
                "phase": self.current[1] if self.current else None,
                "by": site["by"],
                "count": 0,
                "committed": 0,
                "rolledBack": 0,
                "keys": [],
            }
            if site["frame"]:
                group["frame"] = site["frame"]
        insert = op == "insert"
        # one generated primary key column: a lastrowid or RETURNING gives its value
        generated = pk[0] if insert and len(pk) == 1 else None
        lastrowid = getattr(cursor, "lastrowid", None) if insert and len(rows) == 1 else None
        pending = self.pending.setdefault(id(_dbapi(conn)), [])
        for i, params in enumerate(rows):
            group["count"] += 1
            key = {}
            for joined, cols in uniques:
                values = _present(params, cols)
                if values is not None:
                    key[joined] = values
            if pk:
                pkv = _present(params, pk)
                if pkv is None and generated is not None and lastrowid:
                    pkv = [_plain(lastrowid)]
                if pkv is not None and pk_name not in key:
                    key[pk_name] = pkv
            record = {"group": group, "key": key, "table": table, "engine": info, "state": "open"}
            if generated is not None and pkv is None:
                # RETURNING (PostgreSQL): the new id is known once the result is set up, after this
                # event; read at the next one
                self.unresolved.append((record, context, i, generated, self.test))
            self._keep(record, params, key)
            pending.append(record)

    def _keep(self, record, params, key):
        """Index an inserted row by its unique values (conflicts) and keep it for the survivors check."""
        if not key:
            return
        group = record["group"]
        keys = group["keys"]
        if len(keys) < MAX_KEYS and not any(k is key for k in keys):
            keys.append(key)
        if group["op"] != "insert":
            return
        test = self.test
        for cols, values in key.items():
            self.index[(record["engine"].id, record["table"].name, cols, _hashable(values))] = (record, test["nodeid"])
        if "where" not in record and len(test["rows"]) < MAX_CHECKS:
            # the raw values (dates, decimals) for the lookup, the plain ones (a lastrowid) else
            cols, plain = next(iter(key.items()))
            record["where"] = {c: params[c] if params.get(c) is not None else v for c, v in zip(cols.split(","), plain)}
            test["rows"].append(record)

    def _resolve_pks(self):
        """Primary keys a RETURNING clause gave back (1.4 and 2.0: inserted_primary_key_rows)."""
        pending, self.unresolved = self.unresolved, []
        for record, context, i, col, test in pending:
            try:
                value = context.inserted_primary_key_rows[i][0]
            except Exception:
                continue
            if value is None or test is not self.test:
                continue
            record["key"][col] = [_plain(value)]
            self._keep(record, {col: value}, record["key"])

    def _tx(self, name):
        if self.test is not None:
            self.test["tx"][name] = self.test["tx"].get(name, 0) + 1

    def _end(self, conn, event, state):
        """The outermost transaction ended: its open writes become `state`."""
        self._engine(conn)
        if self.unresolved:
            self._resolve_pks()
        self._tx(event)
        key = id(_dbapi(conn))
        for record in self.pending.pop(key, []):
            self._settle(record, state)
        self.savepoints.pop(key, None)

    def _commit(self, conn):
        self._end(conn, "commit", "committed")

    def _rollback(self, conn):
        self._end(conn, "rollback", "rolledBack")

    def _savepoint(self, conn, name):
        self._engine(conn)
        self._tx("savepoint")
        dbapi = _dbapi(conn)
        # pysqlite's legacy transaction handling sends no BEGIN: a SAVEPOINT with no transaction
        # open is itself the outermost transaction, and releasing it commits.
        outermost = getattr(dbapi, "in_transaction", True) is False
        self.savepoints.setdefault(id(dbapi), []).append((name, len(self.pending.get(id(dbapi), [])), outermost))
        if outermost and self.test is not None and "outermostSavepoint" not in self.test["sites"]:
            site = self.site.describe(sys._getframe(2), self.current)
            self.test["sites"]["outermostSavepoint"] = {"by": site["by"], "frame": site["frame"]}

    def _pop_savepoint(self, conn, name):
        """The savepoint being released or rolled back, and any opened after it. 1.4 announces a
        new savepoint before naming it (name None), so an unnamed entry matches any name."""
        stack = self.savepoints.get(id(_dbapi(conn)), [])
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] in (name, None) or name is None:
                entry = stack[i]
                del stack[i:]
                return entry
        return None

    def _rollback_savepoint(self, conn, name, context=None):
        self._tx("rollbackSavepoint")
        entry = self._pop_savepoint(conn, name)
        if entry is None:
            return
        pending = self.pending.get(id(_dbapi(conn)), [])
        for record in pending[entry[1]:]:
            self._settle(record, "rolledBack")
        del pending[entry[1]:]

    def _release_savepoint(self, conn, name, context=None):
        self._tx("releaseSavepoint")
        entry = self._pop_savepoint(conn, name)
        if entry is not None and entry[2]:
            self._tx("durableRelease")
            for record in self.pending.pop(id(_dbapi(conn)), []):
                self._settle(record, "committed")

    def _settle(self, record, state):
        if record["state"] != "open":
            return
        record["state"] = state
        record["group"][state] += 1

    def _handle_error(self, context):
        from sqlalchemy import exc as sa_exc

        if self.test is None or not isinstance(getattr(context, "sqlalchemy_exception", None), sa_exc.IntegrityError):
            return
        if not _is_unique_violation(getattr(context, "original_exception", None)):
            return  # NOT NULL, FOREIGN KEY, CHECK: no row to collide with
        ctx = context.execution_context
        table = self._dml_table(ctx) if ctx is not None else None
        if table is None:
            return
        info = self._engine(context.connection)
        _, uniques, _ = unique_sets(table)
        seen = 0
        at = None  # where the failing statement came from (the victim's own call)
        for params in getattr(ctx, "compiled_parameters", None) or []:
            for joined, cols in uniques:
                if not all(params.get(c) is not None for c in cols):
                    continue
                values = [_plain(params[c]) for c in cols]
                hit = self.index.get((info.id, table.name, joined, _hashable(values)))
                conflict = {"engine": info.id, "table": str(table.name), "columns": list(cols), "values": values}
                if at is None:
                    at = self.site.describe(sys._getframe(2), self.current)
                conflict["at"] = {"by": at["by"], "frame": at["frame"]}
                if hit is not None:
                    record, nodeid = hit
                    group = record["group"]
                    conflict["writer"] = {"nodeid": nodeid, "phase": group["phase"], "by": group["by"], "state": record["state"]}
                    if group.get("frame"):
                        conflict["writer"]["frame"] = group["frame"]
                    if record.get("survived") is not None:
                        conflict["writer"]["survived"] = record["survived"]
                else:
                    found = self._exists(info, table, {c: params[c] for c in cols})
                    if found is not None:
                        conflict["existing"] = found  # there, and not written by this run's tracer
                self.test["conflicts"].append(conflict)
                seen += 1
                if seen >= 5:
                    return

    # --- reads on the side --------------------------------------------------------------------

    def _read(self, info, table, where, what, conn=None, schema=None):
        self._busy = True  # our own statements are not the user's
        try:
            return sidereads.read(info, table, where, what, conn, schema)
        finally:
            self._busy = False

    def _count(self, info, name, schema):
        self._busy = True
        try:
            return sidereads.count(info, name, schema)
        finally:
            self._busy = False

    def _exists(self, info, table, where):
        row = self._read(info, table, where, "exists")
        return True if row is not None and row is not UNKNOWN else None

    def check_survivors(self):
        """After teardown: which rows this test inserted are still there for the next test."""
        if self.test is None or not self.enabled:
            return
        if self.unresolved:
            self._resolve_pks()
        by_engine = {}
        for record in self.test["rows"]:
            if record["state"] == "rolledBack":
                record["survived"] = False
            else:
                by_engine.setdefault(record["engine"], []).append(record)
        for info, records in by_engine.items():
            conn = None
            try:
                if not info.memory:
                    self._busy = True
                    try:
                        conn = sidereads.connect(info)
                    finally:
                        self._busy = False
                    if conn is None:
                        continue
                for record in records:
                    found = self._read(info, record["table"], record["where"], "exists", conn)
                    if found is not UNKNOWN:  # unknown stays unsaid
                        record["survived"] = found is not None
            except Exception:
                continue
            finally:
                if conn is not None:
                    self._busy = True
                    try:
                        conn.close()
                    except Exception:
                        pass
                    self._busy = False
        for record in self.test["rows"]:
            if "survived" in record:
                group = record["group"]
                group["checked"] = group.get("checked", 0) + 1
                group["survived"] = group.get("survived", 0) + (1 if record["survived"] else 0)

    def summary(self):
        """The test's provenance as plain JSON data; resets the per-test state."""
        test, self.test = self.test, None
        out = {}
        if test is not None:
            writes = []
            for group in test["writes"].values():
                g = dict(group)
                if not g["keys"]:
                    del g["keys"]
                writes.append(g)
            if writes:
                out["writes"] = writes
            if test["reads"]:
                out["reads"] = sorted(test["reads"])
            if test["conflicts"]:
                out["conflicts"] = test["conflicts"]
            if test["tx"]:
                out["tx"] = test["tx"]
            if test["sites"]:
                out["sites"] = test["sites"]
        if self.new_engines:
            out["engines"], self.new_engines = self.new_engines, []
        if self.new_baselines:
            out["baselines"], self.new_baselines = self.new_baselines, []
        if self.warning:
            out["warning"] = self.warning
        # xdist carries this to the controller with execnet, which refuses anything but plain
        # types (str subclasses such as quoted_name included): a JSON round trip there only
        if self._xdist_worker:
            return json.loads(json.dumps(out, default=repr))
        return out


def _is_unique_violation(err):
    if err is None:
        return False
    if getattr(err, "pgcode", None) == "23505" or getattr(err, "sqlstate", None) == "23505":
        return True
    args = getattr(err, "args", ())
    if args and args[0] in (1062, 1586):  # MySQL / MariaDB duplicate entry
        return True
    text = str(err).lower()
    return "unique" in text or "duplicate" in text


def _present(params, cols):
    """The plain values of `cols` in a row's parameters, or None when one of them is missing."""
    for c in cols:
        if params.get(c) is None:
            return None
    return [_plain(params[c]) for c in cols]


def _plain(value):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, str):
        return str(value)
    return repr(value)


def _hashable(values):
    return tuple(map(repr, values))

