// Filling in what a database message leaves out (PostgreSQL names a constraint but not its
// table; SQLite names columns but not the index) from resolvers: the database file itself,
// or (later) the index of the project's SQLAlchemy models.
import type { DbFailure, DbKind, Dialect } from "./model";

export interface ConstraintQuery {
  kind: DbKind;
  dialect?: Dialect;
  constraint?: string;
  table?: string;
  columns: readonly string[];
  statementTable?: string;
}

export interface ConstraintInfo {
  constraint?: string;
  table: string;
  columns: string[];
  referencedTable?: string;
  referencedColumns?: string[];
}

export interface ConstraintResolver {
  resolve(q: ConstraintQuery): Promise<ConstraintInfo | undefined> | ConstraintInfo | undefined;
}

/** A copy of `db` with missing constraint/table/columns filled by the first resolver that knows. */
export async function resolveConstraint(db: DbFailure, resolvers: readonly ConstraintResolver[]): Promise<DbFailure> {
  const out: DbFailure = { ...db, columns: [...db.columns] };
  if (db.original) out.original = await resolveConstraint(db.original, resolvers);
  const complete = out.constraint !== undefined && out.table !== undefined && out.columns.length > 0;
  if (complete || !["unique", "not-null", "foreign-key", "check"].includes(out.kind)) return out;
  const q: ConstraintQuery = { kind: out.kind, columns: out.columns };
  if (out.dialect) q.dialect = out.dialect;
  if (out.constraint !== undefined) q.constraint = out.constraint;
  if (out.table !== undefined) q.table = out.table;
  if (out.statementTable !== undefined) q.statementTable = out.statementTable;
  for (const r of resolvers) {
    let info: ConstraintInfo | undefined;
    try {
      info = await r.resolve(q);
    } catch {
      info = undefined;
    }
    if (!info) continue;
    if (out.constraint === undefined && info.constraint !== undefined) out.constraint = info.constraint;
    if (out.table === undefined) out.table = info.table;
    if (out.columns.length === 0) out.columns = [...info.columns];
    if (out.referencedTable === undefined && info.referencedTable !== undefined) out.referencedTable = info.referencedTable;
    if (out.referencedColumns === undefined && info.referencedColumns !== undefined) out.referencedColumns = [...info.referencedColumns];
    break;
  }
  return out;
}
