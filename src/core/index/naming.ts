// Constraint names as the database will report them: explicit names, SQLAlchemy naming
// conventions, or the dialect's own deterministic defaults.

export type Dialect = "postgresql" | "mysql" | "sqlite";
export const DIALECTS: readonly Dialect[] = ["postgresql", "mysql", "sqlite"];

export type KeyKind = "primary" | "unique" | "unique_index" | "index" | "foreign_key" | "check";

export interface KeySpec {
  kind: KeyKind;
  table: string;
  columns: string[];
  explicit?: string; // name= given in code
  referredTable?: string;
  ordinal?: number; // 1-based position among the table's foreign keys (MySQL's _ibfk_<n>)
}

export type Names = Partial<Record<Dialect, string>>;

const CONVENTION_KEY: Record<KeyKind, string> = {
  primary: "pk",
  unique: "uq",
  unique_index: "ix",
  index: "ix",
  foreign_key: "fk",
  check: "ck",
};

/** SQLAlchemy's default MetaData convention covers indexes only. */
export const DEFAULT_CONVENTION: Record<string, string> = { ix: "ix_%(column_0_label)s" };

/** Applies a `naming_convention` template; undefined when it needs a token we cannot fill. */
export function applyConvention(template: string, spec: KeySpec): string | undefined {
  let missing = false;
  const cols = spec.columns;
  const out = template.replace(/%\((\w+)\)s/g, (_m, token: string) => {
    const v = conventionToken(token, spec, cols);
    if (v === undefined) missing = true;
    return v ?? "";
  });
  return missing ? undefined : out;
}

function conventionToken(token: string, spec: KeySpec, cols: string[]): string | undefined {
  switch (token) {
    case "table_name":
      return spec.table;
    case "constraint_name":
      return spec.explicit;
    case "referred_table_name":
      return spec.referredTable;
    case "column_0_name":
      return cols[0];
    case "column_0_label":
      return cols[0] === undefined ? undefined : `${spec.table}_${cols[0]}`;
    case "column_0N_name":
      return cols.join("");
    case "column_0_N_name":
      return cols.join("_");
    case "column_0N_label":
      return cols.map((c) => `${spec.table}_${c}`).join("");
    case "column_0_N_label":
      return cols.map((c) => `${spec.table}_${c}`).join("_");
    default:
      return undefined;
  }
}

/**
 * The name each dialect gives a key. With a convention (or an explicit name) the name is the
 * same everywhere; otherwise PostgreSQL and MySQL pick their own, SQLite reports none.
 */
export function keyNames(spec: KeySpec, convention: Record<string, string> | undefined): Names {
  const conv = convention ?? DEFAULT_CONVENTION;
  const template = conv[CONVENTION_KEY[spec.kind]];
  if (spec.explicit !== undefined) {
    const name = template && template.includes("%(constraint_name)s") ? applyConvention(template, spec) : spec.explicit;
    return name === undefined ? {} : same(name, spec.kind);
  }
  if (template) {
    const name = applyConvention(template, spec);
    if (name !== undefined) return same(name, spec.kind);
  }
  const t = spec.table;
  switch (spec.kind) {
    case "primary":
      return { postgresql: `${t}_pkey`, mysql: "PRIMARY" };
    case "unique":
      return { postgresql: `${t}_${spec.columns.join("_")}_key`, mysql: spec.columns[0] ?? "" };
    case "unique_index":
    case "index":
      return same(`ix_${t}_${spec.columns[0] ?? ""}`, spec.kind);
    case "foreign_key":
      return { postgresql: `${t}_${spec.columns.join("_")}_fkey`, mysql: `${t}_ibfk_${spec.ordinal ?? 1}` };
    case "check":
      return {};
  }
}

function same(name: string, kind: KeyKind): Names {
  // SQLite never reports a primary key's name; MySQL always calls it PRIMARY.
  if (kind === "primary") return { postgresql: name, mysql: "PRIMARY", sqlite: name };
  return { postgresql: name, mysql: name, sqlite: name };
}
