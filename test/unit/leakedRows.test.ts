// The rows a SQLite test database kept: listed read-only (the file is not changed), purged only
// after a backup that holds them, migration bookkeeping kept; and a SQLite URL's file.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sqlite3 = require("sqlite3");
import { backupName, leakedRows, purgeLeakedRows, sqliteFileOf } from "../../src/core/leakedRows";

function makeDb(sql: string): Promise<string> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "otd-rows-")), "test.db");
  const db = new sqlite3.Database(file);
  return new Promise((resolve, reject) => db.exec(sql, (err) => db.close(() => (err ? reject(err) : resolve(file)))));
}

const SCHEMA = `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE);
  CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), title TEXT);
  CREATE TABLE empty (id INTEGER PRIMARY KEY);
  CREATE TABLE alembic_version (version_num TEXT);
  INSERT INTO users VALUES (1, 'alice@example.com'), (2, 'bob|x@example.com');
  INSERT INTO posts VALUES (1, 1, 'hello');
  INSERT INTO alembic_version VALUES ('abc123');`;

describe("leaked rows in a SQLite test database", () => {
  it("lists the tables that hold rows, with their first rows, and changes nothing", async () => {
    const file = await makeDb(SCHEMA);
    const before = fs.readFileSync(file);
    const rows = await leakedRows(file, 1);
    assert.deepEqual(rows.map((t) => [t.table, t.count, t.columns, t.rows]), [
      ["posts", 1, ["id", "user_id", "title"], [[1, 1, "hello"]]],
      ["users", 2, ["id", "email"], [[1, "alice@example.com"]]],
    ]);
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it("purges after a backup that still holds the rows; alembic_version stays", async () => {
    const file = await makeDb(SCHEMA);
    const at = new Date(Date.UTC(2026, 10, 30, 15, 12, 0));
    const done = await purgeLeakedRows(file, undefined, at);
    assert.equal(done.backup, `${file}.bak-20261130T151200`);
    assert.equal(backupName(file, at), done.backup);
    assert.deepEqual(done.deleted, { posts: 1, users: 2 });
    assert.deepEqual(await leakedRows(file), []);
    assert.deepEqual((await leakedRows(done.backup)).map((t) => [t.table, t.count]), [["posts", 1], ["users", 2]]);
    const kept = await new Promise<unknown[]>((resolve, reject) => {
      const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
      db.all("SELECT version_num FROM alembic_version", (err, r) => db.close(() => (err ? reject(err) : resolve(r))));
    });
    assert.deepEqual(kept, [{ version_num: "abc123" }]);
    // a second purge the same second never overwrites the first backup
    await assert.rejects(purgeLeakedRows(file, undefined, at), /EEXIST/);
  });

  it("purges only the tables asked for", async () => {
    const file = await makeDb(SCHEMA);
    assert.deepEqual((await purgeLeakedRows(file, ["posts"], new Date(Date.UTC(2026, 0, 1)))).deleted, { posts: 1 });
    assert.deepEqual((await leakedRows(file)).map((t) => t.table), ["users"]);
  });

  it("the file of a SQLite URL; none for memory", () => {
    assert.equal(sqliteFileOf("sqlite:////tmp/p/test.db", "/w"), "/tmp/p/test.db");
    assert.equal(sqliteFileOf("sqlite+pysqlite:///dev.db?timeout=5", "/w"), "/w/dev.db");
    assert.equal(sqliteFileOf("sqlite://", "/w"), undefined);
    assert.equal(sqliteFileOf("sqlite:///:memory:", "/w"), undefined);
    assert.equal(sqliteFileOf("postgresql://u@h/db", "/w"), undefined);
  });
});
