// The extension's own SQLite store (run history, failures, causes). Thin promise wrapper over
// node-sqlite3; the schema grows with later features through numbered migrations.
import sqlite3 = require("sqlite3");

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, root TEXT NOT NULL,
     passed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE results (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     nodeid TEXT NOT NULL, outcome TEXT NOT NULL, duration_ms REAL,
     PRIMARY KEY (run_id, nodeid));`,
  // The normalized failures of a result (JSON array of failures/model.ts Failure), so later
  // runs can be compared with earlier ones.
  `ALTER TABLE results ADD COLUMN failures TEXT;
   ALTER TABLE runs ADD COLUMN ended_at TEXT;`,
  // The causes of a failing result (JSON array of causes/model.ts Cause), the test whose error a
  // follow-on comes from, and the order the run reported its tests in (order dependence).
  `ALTER TABLE results ADD COLUMN causes TEXT;
   ALTER TABLE results ADD COLUMN root_of TEXT;
   ALTER TABLE results ADD COLUMN seq INTEGER;`,
  // A test's last results (flakiness, order dependence) without scanning every run's results.
  `CREATE INDEX results_by_test ON results(nodeid, run_id);
   CREATE INDEX runs_by_root ON runs(root, id);`,
];

const BUSY_MS = 2000;

/** SQLite said the file is not a database it can read (overwritten, truncated, garbage). */
export function isCorrupt(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT";
}

/** Another connection holds the lock past the busy timeout (another window, a backup tool). */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

export class Store {
  private constructor(private readonly db: sqlite3.Database) {}

  /** Opens (creating if needed) the store at `file`; ":memory:" for a throwaway one. */
  static async open(file: string): Promise<Store> {
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
    });
    const store = new Store(db);
    try {
      db.configure("busyTimeout", BUSY_MS); // another window writing: wait a little, then give up
      await store.exec("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;");
      await store.migrate();
      return store;
    } catch (err) {
      await store.close().catch(() => undefined); // never leak the handle of a failed open
      throw err;
    }
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  run(sql: string, params: unknown[] = []): Promise<{ lastID: number; changes: number }> {
    return new Promise((resolve, reject) =>
      this.db.run(sql, params, function (err) {
        if (err) reject(err);
        else resolve({ lastID: this.lastID, changes: this.changes });
      }),
    );
  }

  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }

  private async migrate(): Promise<void> {
    const [row] = await this.all<{ user_version: number }>("PRAGMA user_version");
    for (let v = row?.user_version ?? 0; v < MIGRATIONS.length; v++) {
      await this.exec(`BEGIN; ${MIGRATIONS[v]}; PRAGMA user_version = ${v + 1}; COMMIT;`);
    }
  }
}
