// Which NOT NULL columns a factory's declarations (or a constructor call's keywords) leave
// without a value, and which NOT NULL foreign keys nothing points at a real row.
import type { ColumnInfo } from "../index/models";
import type { DriftContext, ModelSurface, RelationshipInfo } from "./surface";

export interface Provided {
  /** Names passed to the model; the text of a literal when the value is one. */
  names: Map<string, { constant?: string }>;
  /** Columns not to report (an unknown name was probably meant for them). */
  skip: Set<string>;
}

export interface Gap {
  kind: "missing-required-field" | "dangling-foreign-key";
  column: ColumnInfo;
  attr: string;
  constant?: string; // dangling: the literal the FK is set to
  table?: string; // dangling: the referred table
  relationship?: RelationshipInfo; // dangling: the relationship that could fill it
}

const INTEGER = /^(sa\.|sqlalchemy\.)?(Integer|BigInteger|SmallInteger|int)\b/;

export function requiredGaps(ctx: DriftContext, s: ModelSurface, p: Provided): Gap[] {
  const out: Gap[] = [];
  const names = new Map(p.names);
  for (const [name, value] of p.names) {
    const target = s.synonyms.get(name);
    if (target !== undefined && !names.has(target)) names.set(target, value);
  }
  // a hybrid's or property's setter may fill any column
  for (const name of names.keys()) if (s.setters.has(name)) return out;
  const setRels = s.relationships.filter((r) => !r.collection && names.has(r.attr));
  for (const c of s.columns) {
    const attr = c.attr || c.name;
    if (p.skip.has(attr) || s.filled.has(attr) || c.nullable || c.default !== undefined || c.serverDefault !== undefined) continue;
    if (c.foreignKey !== undefined) {
      const table = fkTable(ctx, c.foreignKey);
      if (table === undefined) continue; // cannot tell what it points at
      if (c.primaryKey && s.parentTables.has(table)) continue; // joined inheritance: copied from the parent row
      if (setRels.some((r) => r.targetTables === undefined || r.targetTables.includes(table))) continue;
      const given = names.get(attr);
      if (given && given.constant === undefined) continue; // SubFactory, SelfAttribute, LazyAttribute...: trusted
      const gap: Gap = { kind: "dangling-foreign-key", column: c, attr, table };
      if (given?.constant !== undefined) gap.constant = given.constant;
      const rel = s.relationships.find((r) => !r.collection && r.target && r.targetTables?.includes(table));
      if (rel) gap.relationship = rel;
      out.push(gap);
      continue;
    }
    if (names.has(attr)) continue;
    if (c.primaryKey && autoincrements(c, s)) continue;
    out.push({ kind: "missing-required-field", column: c, attr });
  }
  return out;
}

/** A lone integer primary key gets its value from the database. */
function autoincrements(c: ColumnInfo, s: ModelSurface): boolean {
  if (c.autoincrement === false) return false;
  const pks = s.columns.filter((x) => x.primaryKey && s.columnTable.get(x) === s.columnTable.get(c));
  if (pks.length > 1 && c.autoincrement !== true) return false;
  return c.type === undefined || INTEGER.test(c.type);
}

/** "users.id" → "users"; "User.id" → the User model's table; undefined when unknown. */
export function fkTable(ctx: DriftContext, fk: string): string | undefined {
  const dot = fk.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const head = fk.slice(0, dot);
  if (ctx.index.table(head)) return head;
  return ctx.modelNamed(head, ctx.models.get(head)?.file ?? "")?.table;
}
