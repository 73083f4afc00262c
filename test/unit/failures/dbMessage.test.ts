// One test per example in shared/notes/error-formats.md, plus the variants it mentions.
import * as assert from "node:assert/strict";
import { driverFromFrames, parseDbError } from "../../../src/core/failures/dbMessage";
import type { DbFailure } from "../../../src/core/failures/model";

const IE = "sqlalchemy.exc.IntegrityError";

function db(type: string, message: string, truncated = false): DbFailure {
  const d = parseDbError(type, message, truncated);
  assert.ok(d, "expected a DB failure");
  return d;
}

describe("failures: DB message parser — SQLite", () => {
  it("UNIQUE, single column, with SQL, parameters and code", () => {
    const d = db(IE, [
      "(sqlite3.IntegrityError) UNIQUE constraint failed: user.name",
      "[SQL: INSERT INTO user (name, email, salt, password, token, role, active, idp_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)]",
      "[parameters: ('admin', 'admin@example.com', 'x', 'y', None, 'admin', 1, None)]",
      "(Background on this error at: https://sqlalche.me/e/20/gkpj)",
    ].join("\n"));
    assert.equal(d.kind, "unique");
    assert.equal(d.dialect, "sqlite");
    assert.equal(d.driver, "pysqlite");
    assert.equal(d.errorType, IE);
    assert.equal(d.driverErrorType, "sqlite3.IntegrityError");
    assert.equal(d.table, "user");
    assert.deepEqual(d.columns, ["name"]);
    assert.deepEqual(d.values, ["admin"]);
    assert.equal(d.code, "gkpj");
    assert.equal(d.statementTable, "user");
    assert.match(d.statement ?? "", /^INSERT INTO user \(name/);
    assert.deepEqual(d.params, ["admin", "admin@example.com", "x", "y", null, "admin", 1, null]);
  });

  it("UNIQUE, composite", () => {
    const d = db(IE, "(sqlite3.IntegrityError) UNIQUE constraint failed: t.a, t.b\n[SQL: INSERT INTO t (b, a) VALUES (?, ?)]\n[parameters: (2, 'x')]");
    assert.equal(d.table, "t");
    assert.deepEqual(d.columns, ["a", "b"]);
    assert.deepEqual(d.values, ["x", "2"]);
  });

  it("NOT NULL with a space in the column name", () => {
    const d = db(IE, "(sqlite3.IntegrityError) NOT NULL constraint failed: players.Golden Balls");
    assert.equal(d.kind, "not-null");
    assert.equal(d.table, "players");
    assert.deepEqual(d.columns, ["Golden Balls"]);
  });

  it("FOREIGN KEY names no table: the INSERT's table is used", () => {
    const d = db(IE, "(sqlite3.IntegrityError) FOREIGN KEY constraint failed\n[SQL: INSERT INTO posts (user_id) VALUES (?)]\n[parameters: (999,)]");
    assert.equal(d.kind, "foreign-key");
    assert.equal(d.table, "posts");
    assert.deepEqual(d.columns, []);
    const del = db(IE, "(sqlite3.IntegrityError) FOREIGN KEY constraint failed\n[SQL: DELETE FROM users WHERE users.id = ?]\n[parameters: (1,)]");
    assert.equal(del.table, undefined, "a DELETE's table is the parent, not the constraint's");
    assert.equal(del.statementTable, "users");
  });

  it("CHECK", () => {
    const d = db(IE, "(sqlite3.IntegrityError) CHECK constraint failed: ck_score_positive");
    assert.equal(d.kind, "check");
    assert.equal(d.constraint, "ck_score_positive");
  });

  it("database is locked", () => {
    const d = db("sqlalchemy.exc.OperationalError", "(sqlite3.OperationalError) database is locked\n[SQL: INSERT INTO t VALUES (1)]\n(Background on this error at: https://sqlalche.me/e/14/e3q8)");
    assert.equal(d.kind, "locked");
    assert.equal(d.code, "e3q8");
  });

  it("raw sqlite3 error, no wrapper", () => {
    const d = db("sqlite3.IntegrityError", "UNIQUE constraint failed: users.email");
    assert.equal(d.kind, "unique");
    assert.equal(d.errorType, undefined);
    assert.equal(d.driverErrorType, "sqlite3.IntegrityError");
  });

  it("autoflush detail line before the head", () => {
    const d = db(IE, "(raised as a result of Query-invoked autoflush; consider using a session.no_autoflush block if this flush is occurring prematurely)\n(sqlite3.IntegrityError) UNIQUE constraint failed: users.email\n[SQL: INSERT INTO users (email) VALUES (?)]\n[parameters: ('a@x',)]");
    assert.equal(d.kind, "unique");
    assert.deepEqual(d.values, ["a@x"]);
  });
});

describe("failures: DB message parser — PostgreSQL", () => {
  it("psycopg UniqueViolation with DETAIL (two spaces)", () => {
    const d = db(IE, "(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint \"ix_dataset_harvest_record_id\"\nDETAIL:  Key (harvest_record_id)=(e8b2ef79-8dbe-4d2e-9fe8-dc6766c0b5ab) already exists.\n[SQL: INSERT INTO dataset (harvest_record_id) VALUES (%(harvest_record_id)s::UUID)]\n[parameters: {'harvest_record_id': 'e8b2ef79-8dbe-4d2e-9fe8-dc6766c0b5ab'}]");
    assert.equal(d.kind, "unique");
    assert.equal(d.dialect, "postgresql");
    assert.equal(d.driver, "psycopg");
    assert.equal(d.constraint, "ix_dataset_harvest_record_id");
    assert.deepEqual(d.columns, ["harvest_record_id"]);
    assert.deepEqual(d.values, ["e8b2ef79-8dbe-4d2e-9fe8-dc6766c0b5ab"]);
    assert.equal(d.table, "dataset");
    assert.equal(d.detail, "Key (harvest_record_id)=(e8b2ef79-8dbe-4d2e-9fe8-dc6766c0b5ab) already exists.");
    assert.equal(d.message, 'duplicate key value violates unique constraint "ix_dataset_harvest_record_id"');
  });

  it("composite key detail", () => {
    const d = db(IE, "(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint \"uq_ab\"\nDETAIL:  Key (a, b)=(1, x) already exists.");
    assert.deepEqual(d.columns, ["a", "b"]);
    assert.deepEqual(d.values, ["1", "x"]);
    assert.equal(d.driver, "psycopg2");
  });

  it("psycopg2 ForeignKeyViolation on delete of a referenced row", () => {
    const d = db(IE, "(psycopg2.errors.ForeignKeyViolation) update or delete on table \"osint_source\" violates foreign key constraint \"osint_source_group_osint_source_osint_source_id_fkey\" on table \"osint_source_group_osint_source\"\nDETAIL:  Key (id)=(677eb9c0-14a9-4f56-b05d-1afd57aa0978) is still referenced from table \"osint_source_group_osint_source\".");
    assert.equal(d.kind, "foreign-key");
    assert.equal(d.constraint, "osint_source_group_osint_source_osint_source_id_fkey");
    assert.equal(d.table, "osint_source_group_osint_source");
    assert.equal(d.referencedTable, "osint_source");
    assert.deepEqual(d.referencedColumns, ["id"]);
    assert.deepEqual(d.values, ["677eb9c0-14a9-4f56-b05d-1afd57aa0978"]);
  });

  it("ForeignKeyViolation on insert", () => {
    const d = db(IE, "(psycopg2.errors.ForeignKeyViolation) insert or update on table \"posts\" violates foreign key constraint \"posts_user_id_fkey\"\nDETAIL:  Key (user_id)=(999) is not present in table \"users\".");
    assert.equal(d.table, "posts");
    assert.deepEqual(d.columns, ["user_id"]);
    assert.deepEqual(d.values, ["999"]);
    assert.equal(d.referencedTable, "users");
  });

  it("psycopg2 NotNullViolation with and without `of relation`", () => {
    const d = db(IE, "(psycopg2.errors.NotNullViolation) null value in column \"state_id\" of relation \"states\" violates not-null constraint\nDETAIL:  Failing row contains (null, ...");
    assert.equal(d.kind, "not-null");
    assert.equal(d.table, "states");
    assert.deepEqual(d.columns, ["state_id"]);
    const old = db(IE, "(psycopg2.IntegrityError) null value in column \"state_id\" violates not-null constraint\nDETAIL:  Failing row contains (null).\n[SQL: INSERT INTO states (state_id) VALUES (%(state_id)s)]\n[parameters: {'state_id': None}]");
    assert.equal(old.kind, "not-null");
    assert.equal(old.table, "states", "from the INSERT");
    assert.deepEqual(old.columns, ["state_id"]);
  });

  it("CheckViolation", () => {
    const d = db(IE, "(psycopg2.errors.CheckViolation) new row for relation \"players\" violates check constraint \"ck_score\"\nDETAIL:  Failing row contains (1, -1).");
    assert.equal(d.kind, "check");
    assert.equal(d.table, "players");
    assert.equal(d.constraint, "ck_score");
  });

  it("asyncpg through SQLAlchemy's adapter", () => {
    const d = db(IE, "(sqlalchemy.dialects.postgresql.asyncpg.IntegrityError) <class 'asyncpg.exceptions.UniqueViolationError'>: duplicate key value violates unique constraint \"user_data_pkey\"\nDETAIL:  Key (id)=(1) already exists.");
    assert.equal(d.kind, "unique");
    assert.equal(d.driver, "asyncpg");
    assert.equal(d.dialect, "postgresql");
    assert.equal(d.driverErrorType, "asyncpg.exceptions.UniqueViolationError");
    assert.equal(d.constraint, "user_data_pkey");
    assert.deepEqual(d.values, ["1"]);
  });

  it("raw psycopg2 error without the SQLAlchemy wrapper", () => {
    const d = db("psycopg2.IntegrityError", "duplicate key value violates unique constraint \"users_user_pkey\"\nDETAIL:  Key (id)=(1) already exists.");
    assert.equal(d.kind, "unique");
    assert.equal(d.constraint, "users_user_pkey");
    assert.deepEqual(d.columns, ["id"]);
    assert.equal(d.errorType, undefined);
  });

  it("deadlock and aborted transaction", () => {
    assert.equal(db("sqlalchemy.exc.OperationalError", "(psycopg2.errors.DeadlockDetected) deadlock detected\nDETAIL:  Process 1 waits for ShareLock").kind, "deadlock");
    assert.equal(db("sqlalchemy.exc.InternalError", "(psycopg2.errors.InFailedSqlTransaction) current transaction is aborted, commands ignored until end of transaction block").kind, "pending-rollback");
  });
});

describe("failures: DB message parser — MySQL / MariaDB", () => {
  it("pymysql 1062 with the old key format", () => {
    const d = db(IE, "(pymysql.err.IntegrityError) (1062, \"Duplicate entry '237159-2017-02-07' for key 'PRIMARY'\")\n[SQL: INSERT INTO stats (id, day) VALUES (%(id)s, %(day)s)]");
    assert.equal(d.kind, "unique");
    assert.equal(d.dialect, "mysql");
    assert.equal(d.driver, "pymysql");
    assert.equal(d.errno, 1062);
    assert.equal(d.constraint, "PRIMARY");
    assert.deepEqual(d.values, ["237159-2017-02-07"]);
    assert.equal(d.table, "stats", "from the INSERT");
  });

  it("1062 with table.key (newer servers)", () => {
    const d = db(IE, "(pymysql.err.IntegrityError) (1062, \"Duplicate entry 'OTM-20260318063506' for key 'paletler.palet_no'\")");
    assert.equal(d.table, "paletler");
    assert.equal(d.constraint, "palet_no");
    assert.deepEqual(d.values, ["OTM-20260318063506"]);
  });

  it("1452 foreign key (mysqlclient)", () => {
    const d = db(IE, "(MySQLdb._exceptions.IntegrityError) (1452, 'Cannot add or update a child row: a foreign key constraint fails (`app`.`posts`, CONSTRAINT `posts_ibfk_1` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`))')");
    assert.equal(d.kind, "foreign-key");
    assert.equal(d.driver, "mysqldb");
    assert.equal(d.errno, 1452);
    assert.equal(d.table, "posts");
    assert.equal(d.constraint, "posts_ibfk_1");
    assert.deepEqual(d.columns, ["user_id"]);
    assert.equal(d.referencedTable, "users");
    assert.deepEqual(d.referencedColumns, ["id"]);
  });

  it("1048 NULL in a NOT NULL column (asyncmy)", () => {
    const d = db(IE, "(asyncmy.errors.IntegrityError) (1048, \"Column 'name' cannot be null\")");
    assert.equal(d.kind, "not-null");
    assert.equal(d.driver, "asyncmy");
    assert.deepEqual(d.columns, ["name"]);
  });

  it("1213 deadlock", () => {
    const d = db("sqlalchemy.exc.OperationalError", "(pymysql.err.OperationalError) (1213, 'Deadlock found when trying to get lock; try restarting transaction')");
    assert.equal(d.kind, "deadlock");
    assert.equal(d.errno, 1213);
  });
});

describe("failures: DB message parser — SQLAlchemy variants", () => {
  it("hidden parameters", () => {
    const d = db(IE, "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email\n[SQL: INSERT INTO users (email) VALUES (?)]\n[SQL parameters hidden due to hide_parameters=True]\n(Background on this error at: https://sqlalche.me/e/14/gkpj)");
    assert.equal(d.parametersHidden, true);
    assert.equal(d.parameters, undefined);
    assert.equal(d.statement, "INSERT INTO users (email) VALUES (?)");
    assert.equal(d.values, undefined);
    assert.equal(d.code, "gkpj");
  });

  it("SQLAlchemy 1.2: one line, repr-quoted SQL, old link", () => {
    const d = db(IE, "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email [SQL: 'INSERT INTO users (email, name) VALUES (?, ?)'] [parameters: ('a@x', 'n')] (Background on this error at: http://sqlalche.me/e/gkpj)");
    assert.equal(d.kind, "unique");
    assert.equal(d.message, "UNIQUE constraint failed: users.email");
    assert.equal(d.statement, "INSERT INTO users (email, name) VALUES (?, ?)");
    assert.deepEqual(d.values, ["a@x"]);
    assert.equal(d.code, "gkpj");
  });

  it("PendingRollbackError (Session, 7s2a) with both links on one line", () => {
    const d = db("sqlalchemy.exc.PendingRollbackError", "This Session's transaction has been rolled back due to a previous exception during flush. To begin a new transaction with this Session, first issue Session.rollback(). Original exception was: (sqlite3.IntegrityError) UNIQUE constraint failed: users.email\n[SQL: INSERT INTO users (email, name) VALUES (?, ?)]\n[parameters: ('dup@example.com', 'y')]\n(Background on this error at: https://sqlalche.me/e/14/gkpj) (Background on this error at: https://sqlalche.me/e/14/7s2a)");
    assert.equal(d.kind, "pending-rollback");
    assert.equal(d.code, "7s2a");
    const o = d.original;
    assert.ok(o);
    assert.equal(o.kind, "unique");
    assert.equal(o.code, "gkpj");
    assert.equal(o.table, "users");
    assert.deepEqual(o.columns, ["email"]);
    assert.deepEqual(o.values, ["dup@example.com"]);
    assert.equal(o.driverErrorType, "sqlite3.IntegrityError");
  });

  it("PendingRollbackError from the notes (no SQL)", () => {
    const d = db("sqlalchemy.exc.PendingRollbackError", "This Session's transaction has been rolled back due to a previous exception during flush. To begin a new transaction with this Session, first issue Session.rollback(). Original exception was: (sqlite3.IntegrityError) UNIQUE constraint failed: users.email");
    assert.equal(d.original?.kind, "unique");
    assert.equal(d.original?.table, "users");
  });

  it("PendingRollbackError (Connection, 8s2b)", () => {
    const d = db("sqlalchemy.exc.PendingRollbackError", "Can't reconnect until invalid transaction is rolled back.  Please rollback() fully before proceeding (Background on this error at: https://sqlalche.me/e/14/8s2b)");
    assert.equal(d.kind, "pending-rollback");
    assert.equal(d.code, "8s2b");
    assert.equal(d.original, undefined);
  });

  it("a cut summary message still gives the kind, marked truncated", () => {
    const d = db(IE, "(sqlite3.IntegrityError) UNIQUE constr...", true);
    assert.equal(d.kind, "unique");
    assert.equal(d.truncated, true);
  });

  it("the driver from a traceback frame in SQLAlchemy's adapter: aiosqlite raises sqlite3's exceptions", () => {
    const msg = "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email\n[SQL: INSERT INTO users (email) VALUES (?)]\n[parameters: ('a@x',)]";
    const frames = (...files: string[]): Array<{ file: string }> => files.map((file) => ({ file }));
    const lib = "/usr/lib/python3/dist-packages/sqlalchemy";
    const cases: Array<[string, Array<{ file: string }>, string]> = [
      ["the adapter's frame", frames("/p/services.py", `${lib}/engine/default.py`, `${lib}/dialects/sqlite/aiosqlite.py`, `${lib}/util/_concurrency_py3k.py`), "aiosqlite"],
      ["no adapter frame: from the exception type", frames("/p/services.py", `${lib}/engine/default.py`), "pysqlite"],
      ["the dialect's base module is no driver", frames(`${lib}/dialects/sqlite/base.py`), "pysqlite"],
      ["an adapter of another dialect is not this error's", frames(`${lib}/dialects/postgresql/asyncpg.py`), "pysqlite"],
      ["Windows paths", frames("C:\\py\\Lib\\site-packages\\sqlalchemy\\dialects\\sqlite\\aiosqlite.py"), "aiosqlite"],
    ];
    for (const [what, fs, want] of cases) {
      const d = db(IE, msg);
      driverFromFrames(d, fs);
      assert.equal(d.driver, want, what);
    }
  });

  it("non-DB errors give undefined", () => {
    assert.equal(parseDbError("AssertionError", "assert 1 == 2"), undefined);
    assert.equal(parseDbError("sqlalchemy.exc.ArgumentError", "Mapper has no column"), undefined);
  });
});
