// What the failing SQL statement says: its table, its INSERT column list, and which parameter
// each column got, so SQLite's "UNIQUE constraint failed: users.email" can show the value.

export interface Slot {
  column: string;
  param?: number | string;
}

export interface StatementInfo {
  verb: "insert" | "update" | "delete" | "other";
  table?: string;
  /** INSERT columns, each with its placeholder in VALUES (undefined when not a placeholder). */
  insert?: Slot[];
}

const NAME = String.raw`(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|\[[^\]]+\]|[\w$]+)`;
const QNAME = `${NAME}(?:\\s*\\.\\s*${NAME})*`;
const INSERT_RE = new RegExp(String.raw`^\s*(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+|IGNORE\s+)?INTO\s+(${QNAME})\s*(?:\(([^)]*)\))?\s*VALUES\s*\(`, "i");
// INSERT ... SELECT / DEFAULT VALUES: the table without placeholders, e.g. SQLAlchemy 2.0's
// "insertmanyvalues" on PostgreSQL: INSERT INTO t (a, b) SELECT p0::VARCHAR, ... FROM (VALUES ...)
const INSERT_ANY_RE = new RegExp(String.raw`^\s*(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+|IGNORE\s+)?INTO\s+(${QNAME})(?=[\s(]|$)`, "i");
const UPDATE_RE = new RegExp(String.raw`^\s*UPDATE\s+(?:OR\s+\w+\s+)?(${QNAME})`, "i");
const DELETE_RE = new RegExp(String.raw`^\s*DELETE\s+FROM\s+(${QNAME})`, "i");

export function unquoteName(name: string): string {
  const n = name.trim();
  const f = n.charAt(0);
  const l = n.charAt(n.length - 1);
  if (n.length >= 2 && ((f === '"' && l === '"') || (f === "`" && l === "`") || (f === "[" && l === "]"))) {
    return n.slice(1, -1).replace(/""/g, '"');
  }
  return n;
}

/** The last part of a qualified name: main."users" → users. */
function lastPart(qname: string): string {
  const parts = qname.match(new RegExp(NAME, "g")) ?? [qname];
  return unquoteName(parts[parts.length - 1] ?? qname);
}

export function statementInfo(sql: string): StatementInfo {
  const head = sql.length > 100_000 ? sql.slice(0, 100_000) : sql;
  const ins = INSERT_RE.exec(head);
  if (ins) {
    const info: StatementInfo = { verb: "insert", table: lastPart(ins[1] ?? "") };
    const cols = ins[2];
    if (cols !== undefined) {
      const values = valuesGroup(head, ins[0].length);
      if (values) info.insert = mapPlaceholders(splitTop(cols).map(unquoteName), values);
    }
    return info;
  }
  const any = INSERT_ANY_RE.exec(head);
  if (any) return { verb: "insert", table: lastPart(any[1] ?? "") };
  const up = UPDATE_RE.exec(head);
  if (up) return { verb: "update", table: lastPart(up[1] ?? "") };
  const del = DELETE_RE.exec(head);
  if (del) return { verb: "delete", table: lastPart(del[1] ?? "") };
  return { verb: "other" };
}

/** Items of the first VALUES group; undefined when several groups (which row failed is unknown). */
function valuesGroup(sql: string, start: number): string[] | undefined {
  let depth = 1;
  let i = start;
  for (; i < sql.length && depth > 0; i++) {
    const c = sql.charAt(i);
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "'") i = sql.indexOf("'", i + 1) === -1 ? sql.length : sql.indexOf("'", i + 1);
  }
  if (depth !== 0) return undefined;
  if (/^\s*,\s*\(/.test(sql.slice(i, i + 20))) return undefined;
  return splitTop(sql.slice(start, i - 1));
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  let quote = "";
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"' || c === "`") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
      continue;
    }
    cur += c;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

function mapPlaceholders(columns: string[], values: string[]): Slot[] {
  let positional = 0;
  return columns.map((column, i) => {
    const v = (values[i] ?? "").trim();
    if (v === "?" || v === "%s") return { column, param: positional++ } as Slot;
    const dollar = /^\$(\d+)$/.exec(v);
    if (dollar) return { column, param: Number(dollar[1]) - 1 };
    const named = /^(?::(\w+)|%\((\w+)\)s)$/.exec(v);
    if (named) return { column, param: named[1] ?? named[2] ?? "" };
    const slot: Slot = { column };
    return slot;
  });
}

/** The parameter a placeholder refers to, from params as JSON (array, or object for named). */
export function paramFor(params: unknown, param: number | string | undefined): { found: boolean; value?: unknown } {
  if (param === undefined || params === null || typeof params !== "object") return { found: false };
  if (Array.isArray(params)) {
    if (typeof param !== "number" || param < 0 || param >= params.length) return { found: false };
    if (params.some((p) => Array.isArray(p) || (p !== null && typeof p === "object"))) return { found: false }; // executemany
    return { found: true, value: params[param] };
  }
  if (typeof param === "string" && Object.prototype.hasOwnProperty.call(params, param)) {
    return { found: true, value: (params as Record<string, unknown>)[param] };
  }
  return { found: false };
}
