// Does a SQLite database file hold a row with these values? Opened read-only; a missing file,
// table or column is "cannot tell", never an error.
import * as fs from "node:fs";
import sqlite3 = require("sqlite3");
import type { RowProbe } from "./saved";

function quote(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export const sqliteRowProbe: RowProbe = async (file, table, columns, values) => {
  if (!fs.existsSync(file) || columns.length === 0) return undefined;
  let db: sqlite3.Database | undefined;
  try {
    db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
    });
    const conn = db;
    const where = columns.map((c) => `${quote(c)} = ?`).join(" AND ");
    const row = await new Promise<unknown>((resolve, reject) => conn.get(`SELECT 1 FROM ${quote(table)} WHERE ${where} LIMIT 1`, [...values], (err, r) => (err ? reject(err) : resolve(r))));
    return row !== undefined;
  } catch {
    return undefined;
  } finally {
    const conn = db;
    if (conn) await new Promise<void>((resolve) => conn.close(() => resolve()));
  }
};
