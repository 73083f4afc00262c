"""What the tracer (provenance.py) learns after the fact: the row a unique violation collided
with, which of a test's rows survived its teardown (read on the side), and the test's summary."""

import json
import sys

from . import sidereads
from .engines import hashable, is_unique_violation, plain, unique_sets
from .sidereads import UNKNOWN


def _is_integrity_error(error):
    """PEP 249's IntegrityError of whichever driver (sqlite3, psycopg2, pymysql, asyncpg's adapter)."""
    return any(c.__name__ == "IntegrityError" for c in type(error).__mro__)


class AfterTest:
    def _failed(self, ctx, error):
        """A statement failed with the DBAPI's `error`: for a unique violation, the row it collided with."""
        if self.test is None or not _is_integrity_error(error) or not is_unique_violation(error):
            return  # NOT NULL, FOREIGN KEY, CHECK: no row to collide with
        table = self._dml_table(ctx)
        if table is None:
            return
        info = self._engine(ctx.root_connection)
        _, uniques, _ = unique_sets(table)
        seen = 0
        at = None  # where the failing statement came from (the victim's own call)
        for params in getattr(ctx, "compiled_parameters", None) or []:
            for joined, cols in uniques:
                if not all(params.get(c) is not None for c in cols):
                    continue
                values = [plain(params[c]) for c in cols]
                hit = self.index.get((info.id, table.name, joined, hashable(values)))
                conflict = {"engine": info.id, "table": str(table.name), "columns": list(cols), "values": values}
                if at is None:
                    at = self.site.describe(sys._getframe(1), self.current)
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
                        # gone for sure only if committed, or read on its own connection (memory):
                        # a shared session's uncommitted row is invisible to a side connection
                        if found is None and (record["state"] == "committed" or info.memory):
                            self._unindex(record)
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

