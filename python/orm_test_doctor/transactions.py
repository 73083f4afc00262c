"""The tracer's transaction events (provenance.py): which open writes a commit made durable and
which a rollback undid, savepoints included (pysqlite's outermost SAVEPOINT with no BEGIN too)."""

import sys

from .engines import dbapi_of, raw_connection


class TransactionEvents:
    def _tx(self, name):
        if self.test is not None:
            self.test["tx"][name] = self.test["tx"].get(name, 0) + 1

    def _end(self, conn, event, state, counted):
        """The outermost transaction ended (`conn`: what the dialect's do_commit/do_rollback got):
        its open writes become `state`. `counted`: a Connection's own, not the pool's reset."""
        if self.unresolved:
            self._resolve_pks()
        if counted:
            self._tx(event)
        key = id(raw_connection(conn))
        for record in self.pending.pop(key, []):
            self._settle(record, state)
        self.savepoints.pop(key, None)

    def _commit(self, conn, counted=True):
        self._end(conn, "commit", "committed", counted)

    def _rollback(self, conn, counted=True):
        self._end(conn, "rollback", "rolledBack", counted)

    def _savepoint(self, conn, name):
        self._engine(conn)
        self._tx("savepoint")
        dbapi = dbapi_of(conn)
        # pysqlite's legacy transaction handling sends no BEGIN: a SAVEPOINT with no transaction
        # open is itself the outermost transaction, and releasing it commits.
        outermost = getattr(dbapi, "in_transaction", True) is False
        self.savepoints.setdefault(id(dbapi), []).append((name, len(self.pending.get(id(dbapi), [])), outermost))
        if outermost and self.test is not None and "outermostSavepoint" not in self.test["sites"]:
            site = self.site.describe(sys._getframe(1), self.current)
            self.test["sites"]["outermostSavepoint"] = {"by": site["by"], "frame": site["frame"]}

    def _pop_savepoint(self, conn, name):
        """The savepoint being released or rolled back, and any opened after it. 1.4 announces a
        new savepoint before naming it (name None), so an unnamed entry matches any name."""
        stack = self.savepoints.get(id(dbapi_of(conn)), [])
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
        pending = self.pending.get(id(dbapi_of(conn)), [])
        for record in pending[entry[1]:]:
            self._settle(record, "rolledBack")
        del pending[entry[1]:]

    def _release_savepoint(self, conn, name, context=None):
        self._tx("releaseSavepoint")
        entry = self._pop_savepoint(conn, name)
        if entry is not None and entry[2]:
            self._tx("durableRelease")
            for record in self.pending.pop(id(dbapi_of(conn)), []):
                self._settle(record, "committed")

    def _settle(self, record, state):
        if record["state"] != "open":
            return
        record["state"] = state
        record["group"][state] += 1
        if state == "rolledBack":
            self._unindex(record)

    def _unindex(self, record):
        """A row that is no longer there: it can collide with nothing."""
        index = self.index
        for k in record.get("indexed", ()):
            hit = index.get(k)
            if hit is not None and hit[0] is record:
                del index[k]
