// ConstraintResolver backed by the project index (the SQLAlchemy models as written): fills
// what a database message leaves out — PostgreSQL and MySQL name a constraint but not always
// its table or columns; SQLite names columns but never the (unnamed) key.
import type { ProjectIndex } from "../index/project";
import type { KeyInfo, TableInfo } from "../index/models";
import type { ConstraintInfo, ConstraintQuery, ConstraintResolver } from "./resolve";
import type { Dialect } from "./model";

const DIALECTS: readonly Dialect[] = ["postgresql", "mysql", "sqlite"];

/** The index itself, or a getter (the index is replaced as the workspace is re-indexed). */
export type IndexSource = ProjectIndex | (() => ProjectIndex | undefined);

export function indexConstraintResolver(source: IndexSource): ConstraintResolver {
  const get = typeof source === "function" ? source : (): ProjectIndex => source;
  return {
    resolve(q: ConstraintQuery): ConstraintInfo | undefined {
      const index = get();
      return index ? lookupInIndex(index, q) : undefined;
    },
  };
}

export function lookupInIndex(index: ProjectIndex, q: ConstraintQuery): ConstraintInfo | undefined {
  const table = q.table ?? q.statementTable;
  if (q.constraint !== undefined && q.constraint !== "") return byName(index, q, table);
  if (!table) return undefined;
  const t = index.table(table) ?? findTable(index, table);
  if (!t) return undefined;
  if (q.kind === "unique" && q.columns.length > 0) {
    // SQLite: "UNIQUE constraint failed: t.a, t.b" — which key is that?
    const key = index.uniqueKeyFor(t.name, [...q.columns]) ?? sameColumns(t, q.columns);
    if (key) return info(t, key, nameOf(key, q.dialect));
    return undefined;
  }
  if (q.kind === "foreign-key") {
    // SQLite: "FOREIGN KEY constraint failed" names nothing; one FK on the table is the answer
    const fks = t.keys.filter((k) => k.kind === "foreign_key" && (q.columns.length === 0 || sameSet(k.columns, q.columns)));
    const only = fks.length === 1 ? fks[0] : undefined;
    if (only) return info(t, only, nameOf(only, q.dialect));
    return undefined;
  }
  if (q.kind === "not-null" && q.columns.length > 0) {
    // no constraint to name; confirm the table (and its spelling of the columns)
    const cols = q.columns.map((c) => t.columns.find((x) => x.name === c || x.name.toLowerCase() === c.toLowerCase())?.name);
    if (cols.every((c): c is string => c !== undefined)) return { table: t.name, columns: cols };
  }
  return undefined;
}

function byName(index: ProjectIndex, q: ConstraintQuery, table: string | undefined): ConstraintInfo | undefined {
  const name = q.constraint ?? "";
  const dialects = q.dialect ? [q.dialect] : DIALECTS;
  for (const d of dialects) {
    // MySQL names keys per table ("email" may exist on several): ask for table.name first
    const inTable = table && !name.includes(".") ? index.resolveConstraint(d, `${table}.${name}`) : undefined;
    // without a table, a name several tables use (MySQL's PRIMARY, a column-named key) is no answer
    if (!inTable && !name.includes(".") && tablesNaming(index, d, name) > 1) continue;
    const hit = inTable ?? index.resolveConstraint(d, name);
    if (!hit) continue;
    if (!kindMatches(q.kind, hit.key)) continue;
    const t = index.table(hit.table);
    return info(t, hit.key, name, hit.table);
  }
  return undefined;
}

function tablesNaming(index: ProjectIndex, dialect: Dialect, name: string): number {
  const low = name.toLowerCase();
  return index.tables().filter((t) => t.keys.some((k) => k.names[dialect]?.toLowerCase() === low)).length;
}

function kindMatches(kind: ConstraintQuery["kind"], key: KeyInfo): boolean {
  switch (kind) {
    case "unique":
      return key.kind === "unique" || key.kind === "unique_index" || key.kind === "primary";
    case "foreign-key":
      return key.kind === "foreign_key";
    case "check":
      return key.kind === "check";
    default:
      return true;
  }
}

function info(t: TableInfo | undefined, key: KeyInfo, constraint: string | undefined, tableName?: string): ConstraintInfo {
  const out: ConstraintInfo = { table: t?.name ?? tableName ?? "", columns: [...key.columns] };
  if (constraint !== undefined && constraint !== "") out.constraint = constraint;
  if (key.kind === "check" && out.columns.length === 0 && t && key.text) out.columns = checkColumns(t, key.text);
  if (key.kind === "foreign_key" && key.referred) {
    const dot = key.referred.lastIndexOf(".");
    if (dot > 0) {
      out.referencedTable = key.referred.slice(0, dot);
      out.referencedColumns = [key.referred.slice(dot + 1)];
    } else out.referencedTable = key.referred;
  }
  return out;
}

/** The name the database reports for a key; SQLite reports none for unnamed keys. */
function nameOf(key: KeyInfo, dialect: Dialect | undefined): string | undefined {
  if (dialect) return key.names[dialect] ?? key.explicitName;
  return key.explicitName;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => y.toLowerCase() === x.toLowerCase()));
}

function sameColumns(t: TableInfo, columns: readonly string[]): KeyInfo | undefined {
  return t.keys.find((k) => (k.kind === "unique" || k.kind === "unique_index" || k.kind === "primary") && sameSet(k.columns, columns));
}

function findTable(index: ProjectIndex, name: string): TableInfo | undefined {
  const low = name.toLowerCase();
  // schema-qualified names in the model ("app.users") vs bare ones in messages, and case folding
  return index.tables().find((t) => t.name.toLowerCase() === low || t.name.toLowerCase().endsWith("." + low));
}

/** Columns a CHECK expression mentions (as whole words). */
function checkColumns(t: TableInfo, text: string): string[] {
  return t.columns
    .map((c) => c.name)
    .filter((c) => new RegExp(`(^|[^\\w"\`])["\`]?${c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["\`]?($|[^\\w"\`])`).test(text));
}
