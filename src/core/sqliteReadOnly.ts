// A SQLite test database opened read-only, and its names quoted: the readers that look into it
// (its schema, one row) must never change it.
import sqlite3 = require("sqlite3");

export function openReadOnly(file: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const d = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  });
}

export function quoteName(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
