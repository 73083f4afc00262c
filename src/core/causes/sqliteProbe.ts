// Does a SQLite database file hold a row with these values? Opened read-only; a missing file,
// table or column is "cannot tell", never an error.
import * as fs from "node:fs";
import type sqlite3 = require("sqlite3");
import { openReadOnly, quoteName } from "../sqliteReadOnly";
import type { RowProbe } from "./saved";

export const sqliteRowProbe: RowProbe = async (file, table, columns, values) => {
  if (!fs.existsSync(file) || columns.length === 0) return undefined;
  let db: sqlite3.Database | undefined;
  try {
    db = await openReadOnly(file);
    const conn = db;
    const where = columns.map((c) => `${quoteName(c)} = ?`).join(" AND ");
    const row = await new Promise<unknown>((resolve, reject) => conn.get(`SELECT 1 FROM ${quoteName(table)} WHERE ${where} LIMIT 1`, [...values], (err, r) => (err ? reject(err) : resolve(r))));
    return row !== undefined;
  } catch {
    return undefined;
  } finally {
    const conn = db;
    if (conn) await new Promise<void>((resolve) => conn.close(() => resolve()));
  }
};
