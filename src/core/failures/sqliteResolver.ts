// ConstraintResolver for a SQLite database file (the test database left on disk): reads the
// schema once, read-only, through node-sqlite3.
import { openReadOnly, quoteName } from "../sqliteReadOnly";
import type { ConstraintInfo, ConstraintQuery, ConstraintResolver } from "./resolve";

interface Index {
  name: string;
  table: string;
  unique: boolean;
  origin: string; // c (CREATE INDEX), u (UNIQUE constraint), pk
  columns: string[];
}

interface ForeignKey {
  table: string;
  from: string[];
  parent: string;
  to: string[];
}

interface Schema {
  indexes: Index[];
  foreignKeys: ForeignKey[];
  tables: Map<string, { sql: string; columns: string[] }>;
}

export interface SqliteConstraintResolver extends ConstraintResolver {
  close(): Promise<void>;
}

export async function openSqliteResolver(file: string): Promise<SqliteConstraintResolver> {
  const db = await openReadOnly(file);
  const all = <T>(sql: string): Promise<T[]> =>
    new Promise((resolve, reject) => db.all(sql, [], (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
  let schema: Promise<Schema> | undefined;

  async function load(): Promise<Schema> {
    const s: Schema = { indexes: [], foreignKeys: [], tables: new Map() };
    const tables = await all<{ name: string; sql: string | null }>("SELECT name, sql FROM sqlite_master WHERE type = 'table'");
    for (const t of tables) {
      const q = quoteName(t.name);
      const cols = await all<{ name: string }>(`PRAGMA table_info(${q})`);
      s.tables.set(t.name, { sql: t.sql ?? "", columns: cols.map((c) => c.name) });
      for (const ix of await all<{ name: string; unique: number; origin: string }>(`PRAGMA index_list(${q})`)) {
        const info = await all<{ name: string | null; seqno: number }>(`PRAGMA index_info(${quoteName(ix.name)})`);
        const columns = info.sort((a, b) => a.seqno - b.seqno).map((c) => c.name ?? "");
        s.indexes.push({ name: ix.name, table: t.name, unique: ix.unique === 1, origin: ix.origin, columns });
      }
      const fks = await all<{ id: number; table: string; from: string; to: string | null }>(`PRAGMA foreign_key_list(${q})`);
      const byId = new Map<number, ForeignKey>();
      for (const fk of fks) {
        const e = byId.get(fk.id) ?? { table: t.name, from: [], parent: fk.table, to: [] };
        e.from.push(fk.from);
        if (fk.to) e.to.push(fk.to);
        byId.set(fk.id, e);
      }
      s.foreignKeys.push(...byId.values());
    }
    return s;
  }

  return {
    async resolve(q: ConstraintQuery): Promise<ConstraintInfo | undefined> {
      if (q.dialect && q.dialect !== "sqlite") return undefined;
      schema ??= load();
      return lookup(await schema, q);
    },
    close: () => new Promise((resolve) => db.close(() => resolve())),
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => y.toLowerCase() === x.toLowerCase()));
}

export function lookup(s: Schema, q: ConstraintQuery): ConstraintInfo | undefined {
  if (q.constraint) {
    const ix = s.indexes.find((i) => i.name === q.constraint);
    if (ix) return { constraint: ix.name, table: ix.table, columns: ix.columns };
    // named table constraints: CONSTRAINT name UNIQUE (a, b) / CHECK (...) / FOREIGN KEY (a)
    for (const [table, t] of s.tables) {
      const re = new RegExp(`CONSTRAINT\\s+["\`\\[]?${escapeRe(q.constraint)}["\`\\]]?\\s+(UNIQUE|PRIMARY\\s+KEY|CHECK|FOREIGN\\s+KEY)\\s*\\(`, "i");
      const m = re.exec(t.sql);
      if (!m) continue;
      const body = balanced(t.sql, m.index + m[0].length);
      const kind = (m[1] ?? "").toUpperCase();
      const columns = kind === "CHECK"
        ? t.columns.filter((c) => new RegExp(`(^|[^\\w"])"?${escapeRe(c)}"?($|[^\\w"])`).test(body))
        : body.split(",").map((c) => c.trim().replace(/^["`[]|["`\]]$/g, ""));
      const info: ConstraintInfo = { constraint: q.constraint, table, columns };
      if (kind.startsWith("FOREIGN")) {
        const fk = s.foreignKeys.find((f) => f.table === table && sameSet(f.from, columns));
        if (fk) {
          info.referencedTable = fk.parent;
          info.referencedColumns = fk.to;
        }
      }
      return info;
    }
    return undefined;
  }
  const table = q.table ?? q.statementTable;
  if (!table) return undefined;
  if (q.kind === "unique" && q.columns.length > 0) {
    const ix = s.indexes.find((i) => i.table === table && i.unique && sameSet(i.columns, q.columns));
    if (ix) return { constraint: ix.name, table, columns: ix.columns };
  }
  if (q.kind === "foreign-key") {
    const fks = s.foreignKeys.filter((f) => f.table === table);
    const only = fks.length === 1 ? fks[0] : undefined;
    if (only) return { table, columns: only.from, referencedTable: only.parent, referencedColumns: only.to };
    if (fks.length > 1) return { table, columns: fks.flatMap((f) => f.from) };
  }
  return undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function balanced(s: string, from: number): string {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return s.slice(from, i);
  }
  return s.slice(from);
}
