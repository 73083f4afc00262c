// The rows a SQLite test database kept after its tests: every test should leave it as it found
// it, so what is in it at rest leaked. Shown read-only; purged only on request, after the file
// (with its WAL) was copied to a timestamped backup under the write lock. Migration bookkeeping is never touched.
import * as fs from "node:fs";
import * as path from "node:path";
import sqlite3 = require("sqlite3");
import { classifyUrl } from "./index/urls";
import { openReadOnly, quoteName } from "./sqliteReadOnly";

export interface TableRows {
  table: string;
  count: number;
  columns: string[];
  rows: unknown[][]; // the first `limit`
}

const KEEP = /^(sqlite_|alembic_version$)/;

function all<T>(db: sqlite3.Database, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve) => db.close(() => resolve()));
}

async function tables(db: sqlite3.Database): Promise<string[]> {
  const rows = await all<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return rows.map((r) => r.name).filter((n) => !KEEP.test(n));
}

/** Tables that hold rows, with their first `limit` rows. */
export async function leakedRows(file: string, limit = 50): Promise<TableRows[]> {
  const db = await openReadOnly(file);
  try {
    const out: TableRows[] = [];
    for (const table of await tables(db)) {
      const [c] = await all<{ n: number }>(db, `SELECT COUNT(*) AS n FROM ${quoteName(table)}`);
      if (!c?.n) continue;
      const rows = await all<Record<string, unknown>>(db, `SELECT * FROM ${quoteName(table)} LIMIT ${Math.max(0, Math.floor(limit))}`);
      const columns = (await all<{ name: string }>(db, `PRAGMA table_info(${quoteName(table)})`)).map((r) => r.name);
      out.push({ table, count: c.n, columns, rows: rows.map((r) => columns.map((k) => r[k])) });
    }
    return out;
  } finally {
    await close(db);
  }
}

/** `test.db` → `test.db.bak-20261130T151200`: the file and its -wal/-shm, copied before any change. */
export function backupName(file: string, at: Date): string {
  return `${file}.bak-${at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "")}`;
}

/** Deletes every row of `only` (default: every table with rows) after a backup; returns both. */
export async function purgeLeakedRows(file: string, only?: readonly string[], at = new Date()): Promise<{ backup: string; deleted: Record<string, number> }> {
  const backup = backupName(file, at);
  if (fs.existsSync(backup)) throw Object.assign(new Error(`EEXIST: ${backup} exists already; nothing was changed`), { code: "EEXIST" });
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(file, sqlite3.OPEN_READWRITE, (err) => (err ? reject(err) : resolve(d)));
  });
  const run = (sql: string) => new Promise<number>((resolve, reject) => db.run(sql, function (err) {
    if (err) reject(err);
    else resolve(this.changes);
  }));
  const deleted: Record<string, number> = {};
  try {
    await run("PRAGMA foreign_keys = OFF");
    // the write lock first: no test can commit between the backup and the delete
    await run("BEGIN IMMEDIATE");
    try {
      for (const suffix of ["", "-wal"]) if (fs.existsSync(file + suffix)) fs.copyFileSync(file + suffix, backup + suffix, fs.constants.COPYFILE_EXCL);
      for (const table of await tables(db)) {
        if (only && !only.includes(table)) continue;
        const n = await run(`DELETE FROM ${quoteName(table)}`);
        if (n) deleted[table] = n;
      }
      await run("COMMIT");
    } catch (err) {
      await run("ROLLBACK").catch(() => undefined);
      throw err;
    }
  } finally {
    await close(db);
  }
  return { backup, deleted };
}

/** The database file of a SQLite URL (relative paths against the folder pytest runs in). */
export function sqliteFileOf(url: string, cwd: string): string | undefined {
  const u = classifyUrl(url.trim());
  return u.kind === "sqlite-file" && u.path && u.path !== ":memory:" ? path.resolve(cwd, u.path) : undefined;
}
