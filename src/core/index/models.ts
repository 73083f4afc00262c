// SQLAlchemy models and tables: declarative classes (1.4 declarative_base + Column, 2.0
// DeclarativeBase + Mapped/mapped_column, mixins, __abstract__ bases) and imperative Table(...).
import { kwarg, literal, valueText, type ClassFact, type FileFacts, type Value, type DefSite } from "./facts";
import { keyNames, type Dialect, type KeyKind, type Names } from "./naming";
import { isExternal, type Resolved, type Resolver } from "./resolve";

export interface ColumnInfo {
  name: string; // database column name
  attr: string; // Python attribute ("" for imperative tables)
  file: string;
  line: number;
  end: number;
  type?: string;
  primaryKey: boolean;
  unique: boolean;
  index: boolean;
  nullable: boolean;
  foreignKey?: string; // "users.id"
  default?: string; // default= or insert_default=, or an Identity()/Sequence()/Computed() argument
  serverDefault?: string;
  autoincrement?: boolean | string;
  declaredIn: string; // class qname (mixins show here) or table variable
}

export interface KeyInfo {
  kind: KeyKind;
  columns: string[];
  explicitName?: string;
  names: Names; // per dialect, as the database reports it
  file: string;
  line: number;
  end: number;
  referred?: string; // foreign keys: "users.id"
  text?: string; // check constraints: the SQL text
}

export interface TableInfo {
  name: string;
  file: string;
  line: number;
  end: number;
  imperative: boolean;
  models: string[]; // qnames of the mapped classes
  columns: ColumnInfo[];
  keys: KeyInfo[]; // primary, unique, unique_index, index, foreign_key, check
  namingConvention?: Record<string, string>;
}

export interface ModelInfo extends DefSite {
  name: string;
  qname: string;
  table?: string;
  base?: string; // qname of the declarative base
  columns: ColumnInfo[];
}

export interface Schema {
  models: ModelInfo[];
  tables: Map<string, TableInfo>;
}

/** Unique keys (what an IntegrityError on duplicates can name). */
export function uniqueKeys(t: TableInfo): KeyInfo[] {
  return t.keys.filter((k) => k.kind === "primary" || k.kind === "unique" || k.kind === "unique_index");
}

type ClassRef = Extract<Resolved, { kind: "class" }>;

interface Ctx {
  resolver: Resolver;
  declarative: Map<ClassFact, string | null>; // class → base qname (null: not declarative)
}

export function buildSchema(resolver: Resolver): Schema {
  const ctx: Ctx = { resolver, declarative: new Map() };
  const models: ModelInfo[] = [];
  const tables = new Map<string, TableInfo>();
  const pending: Array<{ model: ModelInfo; cls: ClassRef; own: boolean }> = [];
  for (const file of resolver.files.values()) {
    for (const cls of file.classes) {
      const ref: ClassRef = { kind: "class", file, cls, qname: `${file.module}.${cls.name}` };
      const base = declarativeBase(ctx, ref);
      if (!base || isAbstract(cls) || base === ref.qname) continue;
      const chain = resolver.ancestors(file, cls);
      const tableOwner = chain.find((r): r is ClassRef => r.kind === "class" && !isAbstract(r.cls) && tableName(r.cls) !== undefined);
      if (!tableOwner && !cls.attrs.some((a) => a.name === "__table__")) continue;
      const model: ModelInfo = { name: cls.name, qname: ref.qname, file: file.path, line: cls.line, defLine: cls.defLine, end: cls.end, base, columns: [] };
      const tn = tableOwner ? tableName(tableOwner.cls) : undefined;
      if (tn !== undefined) model.table = tn;
      models.push(model);
      pending.push({ model, cls: ref, own: tableOwner?.cls === cls });
    }
    for (const v of file.vars) {
      const t = imperativeTable(ctx, file, v.value, v.name, v.line, v.end);
      if (t) mergeTable(tables, t);
    }
  }
  for (const { model, cls, own } of pending) {
    const table = tableFor(ctx, model, cls);
    model.columns = table.columns;
    if (!own) {
      // single-table inheritance: the subclass adds its columns to the parent's table
      const existing = tables.get(table.name);
      if (existing) {
        for (const c of table.columns) if (!existing.columns.some((e) => e.name === c.name)) existing.columns.push(c);
        existing.models.push(model.qname);
        continue;
      }
    }
    mergeTable(tables, table);
  }
  for (const t of tables.values()) nameKeys(t);
  return { models, tables };
}

function mergeTable(tables: Map<string, TableInfo>, t: TableInfo): void {
  const existing = tables.get(t.name);
  if (!existing) {
    tables.set(t.name, t);
    return;
  }
  existing.models.push(...t.models);
  for (const c of t.columns) if (!existing.columns.some((e) => e.name === c.name)) existing.columns.push(c);
  existing.keys.push(...t.keys);
}

function isAbstract(cls: ClassFact): boolean {
  return cls.attrs.some((a) => a.name === "__abstract__" && literal(a.value) === true);
}

function tableName(cls: ClassFact): string | undefined {
  const a = cls.attrs.find((x) => x.name === "__tablename__");
  const v = a ? literal(a.value) : undefined;
  if (typeof v === "string") return v;
  const t = cls.attrs.find((x) => x.name === "__table__");
  if (t && t.value.k === "call") {
    const name = literal(t.value.args[0]);
    if (typeof name === "string") return name;
  }
  return undefined;
}

/** The qname of the declarative base a class maps through, or undefined. */
function declarativeBase(ctx: Ctx, ref: ClassRef): string | undefined {
  const cached = ctx.declarative.get(ref.cls);
  if (cached !== undefined) return cached ?? undefined;
  ctx.declarative.set(ref.cls, null); // cycle guard
  let found: string | undefined;
  if (ref.cls.decorators.some((d) => /(^|\.)as_declarative$/.test(callee(d)))) found = ref.qname;
  for (const r of ctx.resolver.ancestors(ref.file, ref.cls)) {
    if (found) break;
    if (r.kind === "external" && isExternal(r, "sqlalchemy", "DeclarativeBase", "DeclarativeBaseNoMeta")) found = ref.qname;
    else if (r.kind === "external" && /\.Model$/.test(r.qname) && r.qname.split(".").length > 1 && !r.qname.startsWith("sqlalchemy")) {
      found = r.qname; // Flask-SQLAlchemy style `db.Model`
    } else if (r.kind === "var" && isBaseFactoryCall(ctx, r.file, r.v.value)) found = r.qname;
    else if (r.kind === "class" && r.cls !== ref.cls) {
      const b = declarativeBase(ctx, r);
      if (b) found = b;
    }
  }
  ctx.declarative.set(ref.cls, found ?? null);
  return found;
}

function callee(v: Value): string {
  if (v.k === "call") return v.q || (v.fn.k === "attr" ? v.fn.a : "");
  return v.k === "name" ? v.q : "";
}

function isBaseFactoryCall(ctx: Ctx, file: FileFacts, v: Value): boolean {
  if (v.k !== "call") return false;
  if (v.fn.k === "attr" && v.fn.a === "generate_base") return true;
  if (v.fn.k === "name" && v.fn.q.endsWith(".generate_base")) return true;
  return isExternal(ctx.resolver.value(v.fn, file.path), "sqlalchemy", "declarative_base");
}

function tableFor(ctx: Ctx, model: ModelInfo, ref: ClassRef): TableInfo {
  const table: TableInfo = {
    name: model.table ?? "",
    file: model.file,
    line: model.line,
    end: model.end,
    imperative: false,
    models: [model.qname],
    columns: [],
    keys: [],
  };
  const conv = baseConvention(ctx, ref);
  if (conv) table.namingConvention = conv;
  const tableAttr = ref.cls.attrs.find((a) => a.name === "__table__");
  if (tableAttr) {
    const t = imperativeTable(ctx, ref.file, tableAttr.value, ref.qname, tableAttr.line, tableAttr.end);
    if (t) return { ...t, models: [model.qname] };
  }
  // base-most first so subclasses override; skip ancestors mapped to their own table
  const chain = ctx.resolver.ancestors(ref.file, ref.cls).filter((r): r is ClassRef => r.kind === "class");
  const byAttr = new Map<string, ColumnInfo>();
  const attrToColumn = new Map<string, string>();
  for (const r of [...chain].reverse()) {
    const mapped = r.cls !== ref.cls && !isAbstract(r.cls) && tableName(r.cls) !== undefined;
    if (mapped && model.table !== undefined && tableName(r.cls) !== model.table) continue;
    for (const a of r.cls.attrs) {
      const col = columnFromValue(ctx, r.file, a.value, a.name, a.annotation, r.qname, a.line, a.end);
      if (col) byAttr.set(a.name, col);
    }
    for (const a of r.cls.bare) {
      if (!a.annotation || !/^(\w+\.)?Mapped\[/.test(a.annotation) || /\b(List|list|Set|set)\[/.test(a.annotation)) continue;
      const col = columnFromValue(ctx, r.file, { k: "none" }, a.name, a.annotation, r.qname, a.line, a.end, true);
      if (col) byAttr.set(a.name, col);
    }
  }
  for (const [attr, col] of byAttr) {
    table.columns.push(col);
    attrToColumn.set(attr, col.name);
  }
  const args = chain.map((r) => r.cls.attrs.find((a) => a.name === "__table_args__")).find((a) => a !== undefined);
  if (args) {
    const file = chain.find((r) => r.cls.attrs.includes(args))?.file.path ?? model.file;
    const items = args.value.k === "seq" ? args.value.items : [args.value];
    for (const item of items) {
      const key = constraintFromValue(ctx, file, item, (n) => attrToColumn.get(n) ?? n);
      if (key) table.keys.push(key);
    }
  }
  addColumnKeys(table);
  return table;
}

function columnFromValue(
  ctx: Ctx,
  file: FileFacts,
  v: Value,
  attr: string,
  annotation: string | undefined,
  declaredIn: string,
  line: number,
  end: number,
  bareMapped = false,
): ColumnInfo | undefined {
  let call: Extract<Value, { k: "call" }> | undefined;
  if (v.k === "call") {
    const r = ctx.resolver.value(v.fn, file.path);
    const last = r?.kind === "external" ? r.qname.split(".").pop() : undefined;
    if (last !== "Column" && last !== "mapped_column") return undefined;
    call = v;
  } else if (!bareMapped) return undefined;
  const mapped = annotation !== undefined && /^(\w+\.)?Mapped\[/.test(annotation);
  const first = call ? literal(call.args[0]) : undefined;
  const nameKw = call ? literal(kwarg(call, "name")) : undefined;
  const name = typeof first === "string" ? first : typeof nameKw === "string" ? nameKw : attr;
  const flag = (k: string): boolean | undefined => {
    const x = call ? literal(kwarg(call, k)) : undefined;
    return typeof x === "boolean" ? x : undefined;
  };
  const primaryKey = flag("primary_key") ?? false;
  const optional = mapped && /Optional\[|\|\s*None|None\s*\|/.test(annotation ?? "");
  const col: ColumnInfo = {
    name,
    attr,
    file: file.path,
    line,
    end,
    primaryKey,
    unique: flag("unique") ?? false,
    index: flag("index") ?? false,
    nullable: flag("nullable") ?? (primaryKey ? false : mapped ? optional : true),
    declaredIn,
  };
  for (const a of call?.args ?? []) {
    if (a.k === "call" && /(^|\.)ForeignKey$/.test(a.q)) {
      const target = literal(a.args[0]);
      if (typeof target === "string") col.foreignKey = target;
      else if (a.args[0]) col.foreignKey = valueText(a.args[0]);
    } else if (a.k === "call" && /(^|\.)(Identity|Sequence|Computed)$/.test(a.q)) col.default = valueText(a);
    else if (a.k !== "str" && col.type === undefined) col.type = valueText(a);
  }
  if (col.type === undefined && mapped && annotation) col.type = annotation.replace(/^(\w+\.)?Mapped\[(.*)\]$/, "$2");
  const def = call ? (kwarg(call, "default") ?? kwarg(call, "insert_default")) : undefined;
  if (def) col.default = valueText(def);
  const auto = call ? literal(kwarg(call, "autoincrement")) : undefined;
  if (typeof auto === "boolean" || typeof auto === "string") col.autoincrement = auto;
  const sdef = call ? kwarg(call, "server_default") : undefined;
  if (sdef) col.serverDefault = valueText(sdef);
  return col;
}

function constraintFromValue(ctx: Ctx, file: string, v: Value, colName: (n: string) => string): KeyInfo | undefined {
  if (v.k !== "call") return undefined;
  const r = ctx.resolver.value(v.fn, file);
  const last = r?.kind === "external" ? r.qname.split(".").pop() : v.q.split(".").pop();
  const cols = (items: Value[]): string[] =>
    items.map((a) => (a.k === "str" ? a.v : a.k === "name" ? colName(a.t.split(".").pop() ?? a.t) : valueText(a)));
  const explicit = literal(kwarg(v, "name"));
  const base = { names: {}, file, line: v.line, end: v.end };
  const named = (k: KeyInfo): KeyInfo => {
    if (typeof explicit === "string") k.explicitName = explicit;
    return k;
  };
  switch (last) {
    case "UniqueConstraint":
      return named({ kind: "unique", columns: cols(v.args), ...base });
    case "PrimaryKeyConstraint":
      return named({ kind: "primary", columns: cols(v.args), ...base });
    case "Index": {
      const name = literal(v.args[0]);
      const key: KeyInfo = { kind: literal(kwarg(v, "unique")) === true ? "unique_index" : "index", columns: cols(v.args.slice(1)), ...base };
      if (typeof name === "string") key.explicitName = name;
      return key;
    }
    case "CheckConstraint": {
      const text = literal(v.args[0]);
      const key = named({ kind: "check", columns: [], ...base });
      if (typeof text === "string") key.text = text;
      return key;
    }
    case "ForeignKeyConstraint": {
      const local = v.args[0]?.k === "seq" ? cols(v.args[0].items) : [];
      const remote = v.args[1]?.k === "seq" ? cols(v.args[1].items) : [];
      const key = named({ kind: "foreign_key", columns: local, ...base });
      if (remote[0]) key.referred = remote[0];
      return key;
    }
    default:
      return undefined;
  }
}

/** Keys implied by column flags: primary key, unique=True, index=True, ForeignKey. */
function addColumnKeys(table: TableInfo): void {
  const pk = table.columns.filter((c) => c.primaryKey);
  const at = (c: ColumnInfo) => ({ names: {}, file: c.file, line: c.line, end: c.end });
  if (pk.length > 0 && !table.keys.some((k) => k.kind === "primary")) {
    const first = pk[0];
    if (first) table.keys.push({ kind: "primary", columns: pk.map((c) => c.name), ...at(first) });
  }
  for (const c of table.columns) {
    // unique + index makes one unique Index (ix_...); unique alone a UniqueConstraint
    if (c.unique && c.index) table.keys.push({ kind: "unique_index", columns: [c.name], ...at(c) });
    else if (c.unique) table.keys.push({ kind: "unique", columns: [c.name], ...at(c) });
    else if (c.index) table.keys.push({ kind: "index", columns: [c.name], ...at(c) });
    if (c.foreignKey) table.keys.push({ kind: "foreign_key", columns: [c.name], referred: c.foreignKey, ...at(c) });
  }
}

function nameKeys(table: TableInfo): void {
  let fk = 0;
  for (const k of table.keys) {
    const spec = { kind: k.kind, table: table.name, columns: k.columns } as Parameters<typeof keyNames>[0];
    if (k.explicitName !== undefined) spec.explicit = k.explicitName;
    if (k.kind === "foreign_key") {
      spec.ordinal = ++fk;
      const ref = k.referred?.split(".")[0];
      if (ref) spec.referredTable = ref;
    }
    k.names = keyNames(spec, table.namingConvention);
  }
}

function imperativeTable(ctx: Ctx, file: FileFacts, v: Value, owner: string, line: number, end: number): TableInfo | undefined {
  if (v.k !== "call") return undefined;
  if (!isExternal(ctx.resolver.value(v.fn, file.path), "sqlalchemy", "Table")) return undefined;
  const name = literal(v.args[0]);
  if (typeof name !== "string") return undefined;
  const table: TableInfo = { name, file: file.path, line, end, imperative: true, models: [], columns: [], keys: [] };
  const conv = metadataConvention(ctx, file, v.args[1]);
  if (conv) table.namingConvention = conv;
  for (const a of v.args.slice(2)) {
    const col = columnFromValue(ctx, file, a, "", undefined, owner, a.k === "call" ? a.line : line, a.k === "call" ? a.end : end);
    if (col) table.columns.push(col);
    else {
      const key = constraintFromValue(ctx, file.path, a, (n) => n);
      if (key) table.keys.push(key);
    }
  }
  addColumnKeys(table);
  return table;
}

/** naming_convention of the MetaData a declarative base uses, when written simply. */
function baseConvention(ctx: Ctx, ref: ClassRef): Record<string, string> | undefined {
  for (const r of ctx.resolver.ancestors(ref.file, ref.cls)) {
    if (r.kind === "class") {
      const md = r.cls.attrs.find((a) => a.name === "metadata");
      if (md) return metadataConvention(ctx, r.file, md.value);
    } else if (r.kind === "var" && r.v.value.k === "call") {
      const md = kwarg(r.v.value, "metadata");
      if (md) return metadataConvention(ctx, r.file, md);
    }
  }
  return undefined;
}

function metadataConvention(ctx: Ctx, file: FileFacts, v: Value | undefined, depth = 0): Record<string, string> | undefined {
  if (!v || depth > 4) return undefined;
  if (v.k === "name") {
    const r = ctx.resolver.resolve(v.q, file.path);
    return r.kind === "var" ? metadataConvention(ctx, r.file, r.v.value, depth + 1) : undefined;
  }
  if (v.k === "call" && v.fn.k === "attr" && v.fn.a === "MetaData") return undefined;
  if (v.k !== "call") return undefined;
  let conv = kwarg(v, "naming_convention");
  if (conv?.k === "name") {
    const r = ctx.resolver.resolve(conv.q, file.path);
    conv = r.kind === "var" ? r.v.value : undefined;
  }
  if (!conv) {
    const md = kwarg(v, "metadata"); // registry(metadata=MetaData(...))
    return md ? metadataConvention(ctx, file, md, depth + 1) : undefined;
  }
  if (conv.k !== "dict") return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of conv.items) {
    if (k.k === "str" && val.k === "str") out[k.v] = val.v;
    else if (k.k === "name" && val.k === "str") {
      // keys may be classes: {UniqueConstraint: "..."}
      const key = ({ UniqueConstraint: "uq", Index: "ix", PrimaryKeyConstraint: "pk", ForeignKeyConstraint: "fk", CheckConstraint: "ck" } as Record<string, string>)[k.t.split(".").pop() ?? ""];
      if (key) out[key] = val.v;
    }
  }
  return out;
}

/** Finds the key a database error names. Names compare case-insensitively (unquoted folding). */
export function resolveConstraint(schema: Schema, dialect: Dialect, name: string): { table: string; columns: string[]; key: KeyInfo } | undefined {
  const want = name.toLowerCase();
  // MySQL 8 reports "for key 'users.email'": table-qualified
  const dot = want.lastIndexOf(".");
  const inTable = dot > 0 ? want.slice(0, dot) : undefined;
  const short = dot > 0 ? want.slice(dot + 1) : want;
  for (const t of schema.tables.values()) {
    if (inTable !== undefined && t.name.toLowerCase() !== inTable && !t.name.toLowerCase().endsWith("." + inTable)) continue;
    for (const k of t.keys) {
      const n = k.names[dialect];
      if (n !== undefined && (n.toLowerCase() === want || n.toLowerCase() === short)) return { table: t.name, columns: k.columns, key: k };
    }
  }
  return undefined;
}
