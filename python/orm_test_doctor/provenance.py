"""Runtime provenance: who wrote which rows, inside which transaction, and whether they outlived
the test that wrote them. Summarized per test (never a raw event stream) and attached to the
test's teardown report, so it also travels from xdist workers to the controller.

Hears of statements and transactions from each dialect's own methods (hooks.py), every engine's,
including ones created at import time before pytest started. Any error inside the tracer switches
it off for the rest of the run and is reported once; it never changes a test's outcome."""

import os
import sys

from . import sidereads
from .aftertest import AfterTest
from .engines import EngineInfo, dbapi_of, hashable, plain, present, unique_sets
from .hooks import DialectHooks
from .sites import Attribution
from .transactions import TransactionEvents

MAX_KEYS = 20  # unique values kept per write group (enough to name a conflict, bounded)
MAX_CHECKS = 50  # rows looked up per test after teardown


class Tracer(TransactionEvents, AfterTest):
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
        # (engine id, table, cols, values) -> (write record, nodeid), the latest; a row rolled back
        # or gone after its test's teardown leaves it, so it holds what the database still may
        self.index = {}
        self.unresolved = []  # inserts whose primary key comes back by RETURNING
        self._last_context = None
        self._statement = None  # (context, EngineInfo, DML table) of the statement being executed
        self._busy = False
        # read once, not per test: xdist sets it before it makes the worker's config
        self._xdist_worker = bool(os.environ.get("PYTEST_XDIST_WORKER"))

    # --- lifecycle ----------------------------------------------------------------------------

    def install(self):
        self.hooks = DialectHooks(self)
        self.hooks.install()

    def uninstall(self):
        hooks = getattr(self, "hooks", None)
        if hooks is not None:
            hooks.uninstall()
        for info in self.engines.values():
            if info.reader is not None:
                try:
                    info.reader.dispose()
                except Exception:
                    pass

    # what the dialect hooks (hooks.py) call around each statement; never raising

    def before(self, statement, context):
        try:
            self._before_execute(context.root_connection, statement, context)
        except Exception as exc:
            self.fail(exc)

    def after(self, cursor, context):
        try:
            self._after_execute(context.root_connection, cursor, context)
        except Exception as exc:
            self.fail(exc)

    def failed(self, context, error):
        try:
            self._failed(context, error)
        except Exception as exc:
            self.fail(exc)

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
            site = self.site.describe(sys._getframe(1), self.current)
            info.data["firstUse"] = {"by": site["by"], "frame": site["frame"], "nodeid": self.current[0] if self.current else None}
            self.new_engines.append(info.data)
            if info.data["dialect"] == "sqlite":
                info.follow_connection(conn)
        if info.memory:
            info.last_dbapi = dbapi_of(conn)
        return info

    def _before_execute(self, conn, statement, context):
        info = self._engine(conn)
        if self.unresolved:
            self._resolve_pks()
        if self.test is None:
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

    def _after_execute(self, conn, cursor, context):
        if self.test is None:
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
        site = self.site.describe(sys._getframe(1), self.current)
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
        pending = self.pending.setdefault(id(dbapi_of(conn)), [])
        for i, params in enumerate(rows):
            group["count"] += 1
            key = {}
            for joined, cols in uniques:
                values = present(params, cols)
                if values is not None:
                    key[joined] = values
            if pk:
                pkv = present(params, pk)
                if pkv is None and generated is not None and lastrowid:
                    pkv = [plain(lastrowid)]
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
        index, hit = self.index, (record, test["nodeid"])
        engine, table = record["engine"].id, record["table"].name
        indexed = record.setdefault("indexed", [])  # what _unindex takes out again
        for cols, values in key.items():
            k = (engine, table, cols, hashable(values))
            index[k] = hit
            indexed.append(k)
        if "where" not in record and len(test["rows"]) < MAX_CHECKS:
            # the lookup after teardown: the row's first unique key, with the raw values (dates,
            # decimals) it was written with, or the plain ones (a lastrowid); only those columns
            # (a committed row stays indexed, its other values, blobs say, need not stay with it)
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
            if value is None or test is not self.test or record["state"] == "rolledBack":
                continue  # a rolled-back row is not indexed again
            record["key"][col] = [plain(value)]
            self._keep(record, {col: value}, record["key"])
