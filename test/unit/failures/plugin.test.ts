// The plugin's structured data and the printed text give the same DbFailure; grouping; resolvers.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sqlite3 = require("sqlite3");
import type { ErrorData } from "../../../src/core/protocol";
import { parseDbError } from "../../../src/core/failures/dbMessage";
import { groupFailures } from "../../../src/core/failures/group";
import type { Failure } from "../../../src/core/failures/model";
import { fromPluginError } from "../../../src/core/failures/plugin";
import { resolveConstraint } from "../../../src/core/failures/resolve";
import { openSqliteResolver } from "../../../src/core/failures/sqliteResolver";

const SQL = "INSERT INTO users (email, name) VALUES (?, ?)";
const frames = [
  { file: "/p/tests/test_users.py", line: 9, function: "test_unique_email" },
  { file: "/p/tests/factories.py", line: 20, function: "create" },
  { file: "/venv/lib/python3.11/site-packages/factory/base.py", line: 500, function: "_create" },
  { file: "/venv/lib/python3.11/site-packages/sqlalchemy/orm/session.py", line: 4353, function: "flush" },
];

describe("failures: plugin data", () => {
  it("SQLite UNIQUE: same DbFailure as from the text", () => {
    const error: ErrorData = {
      chain: [{ type: "sqlalchemy.exc.IntegrityError", message: "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email" }],
      frames,
      db: {
        sqlalchemyType: "sqlalchemy.exc.IntegrityError", sqlalchemyCode: "gkpj", origType: "sqlite3.IntegrityError",
        origMessage: "UNIQUE constraint failed: users.email", origArgs: ["UNIQUE constraint failed: users.email"],
        statement: SQL, params: ["a@x", "b"], paramsRepr: "('a@x', 'b')", dialect: "sqlite", driver: "pysqlite", sessionId: "140",
      },
    };
    const f = fromPluginError("tests/test_users.py::test_unique_email", "call", error);
    const text = parseDbError("sqlalchemy.exc.IntegrityError", `(sqlite3.IntegrityError) UNIQUE constraint failed: users.email\n[SQL: ${SQL}]\n[parameters: ('a@x', 'b')]\n(Background on this error at: https://sqlalche.me/e/20/gkpj)`);
    assert.deepEqual(f.db, text);
    assert.deepEqual(f.db?.values, ["a@x"]);
    assert.equal(f.sessionId, "140");
    assert.deepEqual(f.userFrame, frames[1], "the factory in the project, not factory_boy or SQLAlchemy");
    const rooted = fromPluginError("x", "call", error, { projectRoot: "/elsewhere" });
    assert.equal(rooted.userFrame, undefined);
  });

  it("PostgreSQL with diag, MySQL with args: same as text", () => {
    const pg = fromPluginError("t", "call", { chain: [], frames: [], db: {
      sqlalchemyType: "sqlalchemy.exc.IntegrityError", sqlalchemyCode: "gkpj", origType: "psycopg2.errors.UniqueViolation",
      origMessage: 'duplicate key value violates unique constraint "uq_ab"\nDETAIL:  Key (a, b)=(1, x) already exists.\n',
      sqlstate: "23505", dialect: "postgresql", driver: "psycopg2", diag: { constraintName: "uq_ab", tableName: "t" },
    } });
    const pgText = parseDbError("sqlalchemy.exc.IntegrityError", '(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint "uq_ab"\nDETAIL:  Key (a, b)=(1, x) already exists.\n\n(Background on this error at: https://sqlalche.me/e/20/gkpj)');
    assert.deepEqual({ ...pg.db, table: undefined, sqlstate: undefined }, { ...pgText, table: undefined, sqlstate: undefined });
    assert.equal(pg.db?.table, "t", "diag adds the table the message leaves out");
    const my = fromPluginError("t", "call", { chain: [], frames: [], db: {
      sqlalchemyType: "sqlalchemy.exc.IntegrityError", origType: "pymysql.err.IntegrityError",
      origMessage: "(1062, \"Duplicate entry 'x' for key 'users.email'\")", origArgs: [1062, "Duplicate entry 'x' for key 'users.email'"],
      errno: 1062, dialect: "mysql", driver: "pymysql",
    } });
    assert.deepEqual(my.db, parseDbError("sqlalchemy.exc.IntegrityError", "(pymysql.err.IntegrityError) (1062, \"Duplicate entry 'x' for key 'users.email'\")"));
  });

  it("never throws on malformed data", () => {
    const bad = [null, {}, { chain: "x" }, { chain: [null, 1], frames: [{}], db: { origMessage: 5, original: {} } }];
    for (const b of bad) assert.doesNotThrow(() => fromPluginError("t", "call", b as unknown as ErrorData));
  });
});

function failure(nodeid: string, type: string, message: string, sessionId?: string): Failure {
  const f: Failure = { nodeid, phase: "call", chain: [{ type, message }], frames: [], source: "text" };
  const db = parseDbError(type, message);
  if (db) f.db = db;
  if (sessionId) f.sessionId = sessionId;
  return f;
}

const PRE = "This Session's transaction has been rolled back due to a previous exception during flush. To begin a new transaction with this Session, first issue Session.rollback(). Original exception was: ";

describe("failures: grouping", () => {
  it("puts PendingRollbackErrors under the earlier failure with the original message", () => {
    const cause = failure("t::a", "sqlalchemy.exc.IntegrityError", "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email");
    const other = failure("t::b", "AssertionError", "assert 1 == 2");
    const s1 = failure("t::c", "sqlalchemy.exc.PendingRollbackError", PRE + "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email");
    const s2 = failure("t::d", "sqlalchemy.exc.PendingRollbackError", PRE + "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email");
    const lone = failure("t::e", "sqlalchemy.exc.PendingRollbackError", PRE + "(sqlite3.IntegrityError) NOT NULL constraint failed: users.name");
    const groups = groupFailures([cause, other, s1, s2, lone]);
    assert.equal(groups.length, 3);
    assert.equal(groups[0]?.cause, cause);
    assert.deepEqual(groups[0]?.symptoms, [s1, s2]);
    assert.equal(groups[2]?.cause, undefined);
    assert.equal(groups[2]?.original?.kind, "not-null");
    assert.deepEqual(groups[2]?.symptoms, [lone]);
  });

  it("uses the session id when the plugin gave one", () => {
    const a = failure("t::a", "sqlalchemy.exc.IntegrityError", "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email", "1");
    const b = failure("t::b", "sqlalchemy.exc.IntegrityError", "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email", "2");
    const s = failure("t::c", "sqlalchemy.exc.PendingRollbackError", PRE + "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email", "1");
    const groups = groupFailures([a, b, s]);
    assert.deepEqual(groups[0]?.symptoms, [s]);
    assert.deepEqual(groups[1]?.symptoms, []);
  });
});

describe("failures: constraint resolution", () => {
  it("reads a SQLite file: index names, named constraints, foreign keys", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-resolve-"));
    const file = path.join(dir, "t.db");
    await new Promise<void>((resolve, reject) => {
      const db = new sqlite3.Database(file, (err) => {
        if (err) return reject(err);
        db.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, org TEXT, name TEXT,
                   CONSTRAINT uq_org_name UNIQUE (org, name), CONSTRAINT ck_email CHECK (length(email) > 3));
                 CREATE UNIQUE INDEX ix_users_email ON users (email);
                 CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));`,
          (e) => db.close(() => (e ? reject(e) : resolve())));
      });
    });
    const r = await openSqliteResolver(file);
    try {
      const uq = parseDbError("sqlalchemy.exc.IntegrityError", "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email");
      assert.ok(uq);
      assert.equal((await resolveConstraint(uq, [r])).constraint, "ix_users_email");
      const byName = await r.resolve({ kind: "unique", constraint: "uq_org_name", columns: [] });
      assert.deepEqual(byName, { constraint: "uq_org_name", table: "users", columns: ["org", "name"] });
      const ck = await resolveConstraint({ kind: "check", constraint: "ck_email", columns: [], message: "" }, [r]);
      assert.deepEqual([ck.table, ck.columns], ["users", ["email"]]);
      const fk = parseDbError("sqlalchemy.exc.IntegrityError", "(sqlite3.IntegrityError) FOREIGN KEY constraint failed\n[SQL: INSERT INTO posts (user_id) VALUES (?)]\n[parameters: (9,)]");
      assert.ok(fk);
      const fkr = await resolveConstraint(fk, [r]);
      assert.deepEqual([fkr.table, fkr.columns, fkr.referencedTable, fkr.referencedColumns], ["posts", ["user_id"], "users", ["id"]]);
      const pg = await resolveConstraint({ kind: "unique", dialect: "postgresql", constraint: "ix_users_email", columns: [], message: "" }, [r]);
      assert.equal(pg.table, undefined, "a SQLite file says nothing about PostgreSQL");
    } finally {
      await r.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ignores a resolver that throws", async () => {
    const out = await resolveConstraint({ kind: "unique", constraint: "x", columns: [], message: "" }, [
      { resolve: () => { throw new Error("boom"); } },
      { resolve: async () => ({ table: "t", columns: ["a"] }) },
    ]);
    assert.deepEqual([out.table, out.columns], ["t", ["a"]]);
  });
});
