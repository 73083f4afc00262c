// Reads a database error into a DbFailure. Both sources meet in `buildDbFailure`: the plugin's
// structured DbErrorData and the text of an exception (type + message, as pytest prints it) are
// first brought to the same `DbParts`, so both give the same result.
import type { DbErrorData } from "../protocol";
import type { DbFailure, DbKind, Dialect } from "./model";
import { parsePyLiteral, valueText } from "./pyLiteral";
import { paramFor, statementInfo, unquoteName } from "./sql";

export interface DbParts {
  errorType?: string;
  code?: string;
  driverErrorType?: string;
  driverMessage: string;
  statement?: string;
  parameters?: string;
  params?: unknown;
  parametersHidden?: boolean;
  dialect?: string;
  driver?: string;
  sqlstate?: string;
  errno?: number;
  diag?: NonNullable<DbErrorData["diag"]>;
  original?: DbParts;
  followOn?: boolean;
  truncated?: boolean;
}

const MAX_MESSAGE = 1 << 20;

// Driver module (first part of the exception's module) → SQLAlchemy's dialect and driver name.
const DRIVERS: Record<string, [Dialect, string]> = {
  sqlite3: ["sqlite", "pysqlite"],
  pysqlite2: ["sqlite", "pysqlite"],
  aiosqlite: ["sqlite", "aiosqlite"],
  psycopg2: ["postgresql", "psycopg2"],
  psycopg2cffi: ["postgresql", "psycopg2cffi"],
  psycopg: ["postgresql", "psycopg"],
  asyncpg: ["postgresql", "asyncpg"],
  pg8000: ["postgresql", "pg8000"],
  pymysql: ["mysql", "pymysql"],
  MySQLdb: ["mysql", "mysqldb"],
  asyncmy: ["mysql", "asyncmy"],
  aiomysql: ["mysql", "aiomysql"],
  mysql: ["mysql", "mysqlconnector"],
  mariadb: ["mysql", "mariadbconnector"],
};

// SQLAlchemy's adapter module of each driver (sqlalchemy/dialects/<dialect>/<module>.py). Some
// drivers raise another one's exceptions (aiosqlite raises sqlite3's), so in text the exception
// type alone names the wrong one; a traceback frame in the adapter names the right one.
const ADAPTER_MODULES = new Set([...Object.values(DRIVERS).map(([, driver]) => driver), "pysqlcipher", "cymysql"]);

/** Sets `db.driver` (and its original's) from the deepest frame in a SQLAlchemy driver adapter of
 * the same dialect, when there is one: what the plugin reads from the engine, the text path reads
 * from the traceback. */
export function driverFromFrames(db: DbFailure, frames: readonly { file: string }[]): void {
  for (let i = frames.length - 1; i >= 0; i--) {
    const [, dir, driver] = /[\\/]sqlalchemy[\\/]dialects[\\/](\w+)[\\/](\w+)\.py$/.exec(frames[i]?.file ?? "") ?? [];
    if (driver === undefined || !ADAPTER_MODULES.has(driver)) continue;
    const dialect = normalizeDialect(dir);
    if (db.dialect !== undefined && db.dialect !== dialect) return;
    for (const d of [db, db.original]) if (d && (d.dialect === undefined || d.dialect === dialect)) d.driver = driver;
    return;
  }
}

const DRIVER_ALIASES: Record<string, string> = { sqlite3: "pysqlite", mysqlclient: "mysqldb", "mysql-connector": "mysqlconnector" };

export function normalizeDriver(driver: string | undefined): string | undefined {
  if (!driver) return undefined;
  const d = driver.trim();
  const known = DRIVERS[d];
  if (known) return known[1];
  const low = d.toLowerCase();
  return DRIVER_ALIASES[low] ?? low;
}

export function normalizeDialect(dialect: string | undefined): Dialect | undefined {
  const d = (dialect ?? "").toLowerCase();
  if (d === "sqlite") return "sqlite";
  if (d === "postgresql" || d === "postgres" || d === "pg") return "postgresql";
  if (d === "mysql" || d === "mariadb") return "mysql";
  return undefined;
}

/** Dialect and driver from a driver exception type or SQLAlchemy's adapter type. */
export function driverOf(type: string | undefined): { dialect?: Dialect; driver?: string } {
  if (!type) return {};
  const adapted = /(?:^|\.)dialects\.(\w+)\.(\w+)\./.exec(type);
  if (adapted) {
    const out: { dialect?: Dialect; driver?: string } = {};
    const dialect = normalizeDialect(adapted[1]);
    if (dialect) out.dialect = dialect;
    if (adapted[2]) out.driver = normalizeDriver(adapted[2]) ?? adapted[2];
    return out;
  }
  const root = type.split(".", 1)[0] ?? "";
  const known = Object.prototype.hasOwnProperty.call(DRIVERS, root) ? DRIVERS[root] : undefined;
  return known ? { dialect: known[0], driver: known[1] } : {};
}

function isDriverType(type: string): boolean {
  return driverOf(type).dialect !== undefined;
}

// ---- text → DbParts -------------------------------------------------------------------------

const CODE_RE = /\(Background on this error at: https?:\/\/sqlalche\.me\/e\/(?:[\w.]+\/)?(\w+)\)/g;
const ORIGINAL_MARK = "Original exception was: ";
/** SQLAlchemy's DBAPIError subclasses by their error code (lib/sqlalchemy/exc.py). */
const CODE_TYPES: Record<string, string> = {
  rvf5: "InterfaceError",
  "4xp6": "DatabaseError",
  "9h9h": "DataError",
  e3q8: "OperationalError",
  gkpj: "IntegrityError",
  "2j85": "InternalError",
  f405: "ProgrammingError",
  tw8g: "NotSupportedError",
};
/** SQLSTATE of psycopg2 / psycopg 3 (errors.X) and asyncpg (XError) exception classes, for text
 *  that names the class but not the code. */
const PG_SQLSTATES: Record<string, string> = {
  UniqueViolation: "23505",
  ForeignKeyViolation: "23503",
  NotNullViolation: "23502",
  CheckViolation: "23514",
  ExclusionViolation: "23P01",
  RestrictViolation: "23001",
  InFailedSqlTransaction: "25P02",
  DeadlockDetected: "40P01",
  SerializationFailure: "40001",
  LockNotAvailable: "55P03",
  QueryCanceled: "57014",
};

function pgSqlstate(type: string | undefined, dialect: Dialect | undefined): string | undefined {
  if (!type || dialect !== "postgresql") return undefined;
  const name = (type.split(".").pop() ?? "").replace(/Error$/, "");
  return Object.prototype.hasOwnProperty.call(PG_SQLSTATES, name) ? PG_SQLSTATES[name] : undefined;
}
const FOLLOW_ON_RE =
  /This Session's transaction has been rolled back|This (?:connection|transaction) is (?:on an )?inactive|Can't reconnect until invalid (?:savepoint |)transaction is rolled back|current transaction is aborted, commands ignored/;

/**
 * The DB failure in an exception's type and message, or undefined when it is not a database
 * error. `truncated`: the message was cut (a summary line ending in "...").
 */
export function parseDbError(type: string, message: string, truncated = false): DbFailure | undefined {
  try {
    const parts = partsFromText(type, message, truncated);
    return parts ? buildDbFailure(parts) : undefined;
  } catch {
    return undefined;
  }
}

export function partsFromText(type: string, message: string, truncated = false): DbParts | undefined {
  let msg = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) : message;
  if (msg.length < message.length) truncated = true;
  if (truncated && msg.endsWith("...")) msg = msg.slice(0, -3);
  const isSa = type.startsWith("sqlalchemy.") || type.startsWith("flask_sqlalchemy.");
  const followOn = FOLLOW_ON_RE.test(msg.slice(0, 4000)) || /PendingRollbackError$/.test(type);
  if (!isSa && !followOn) {
    if (isDriverType(type)) return { driverErrorType: type, driverMessage: msg.trim(), ...(truncated ? { truncated } : {}) };
    // A wrapper's text under an unknown type (e.g. a re-raise): "(sqlite3.IntegrityError) ..."
    const head = /^\(([\w.]+)\) /.exec(msg);
    if (!head || !isDriverType(head[1] ?? "")) return undefined;
  }
  const codes = [...msg.matchAll(CODE_RE)].map((m) => m[1] ?? "");
  const body = msg.replace(CODE_RE, "").trimEnd();
  const parts: DbParts = isSa ? { errorType: type, driverMessage: "" } : { driverMessage: "" };
  const code = codes[codes.length - 1];
  if (code) parts.code = code;
  if (truncated) parts.truncated = true;
  if (followOn) {
    parts.followOn = true;
    const at = body.indexOf(ORIGINAL_MARK);
    parts.driverMessage = (at >= 0 ? body.slice(0, at) : body).trim();
    if (at >= 0) {
      const original = wrapperParts(body.slice(at + ORIGINAL_MARK.length), {
        driverMessage: "",
        ...(codes.length > 1 && codes[codes.length - 2] ? { code: codes[codes.length - 2] ?? "" } : {}),
        ...(truncated ? { truncated } : {}),
      });
      // the original's wrapper type is not printed; its Background code names it
      const wrapper = original.code !== undefined ? CODE_TYPES[original.code] : undefined;
      if (wrapper && original.driverErrorType) original.errorType = "sqlalchemy.exc." + wrapper;
      parts.original = original;
    }
    return parts;
  }
  const out = wrapperParts(body, parts);
  if (!out.driverErrorType && !out.statement && !out.code && !isDriverType(type)) return undefined;
  return out;
}

/** "(detail)\n(driver.Type) message\n[SQL: ...]\n[parameters: ...]" → parts. */
function wrapperParts(text: string, parts: DbParts): DbParts {
  let head = text;
  // [SQL: ...] follows the driver message on a new line (1.3+) or after a space (1.2).
  const sqlAt = findSql(text);
  if (sqlAt >= 0) {
    head = text.slice(0, sqlAt);
    let rest = text.slice(sqlAt + 1 + "[SQL: ".length);
    let stmtEnd = -1;
    for (const marker of ["]\n[parameters: ", "] [parameters: ", "]\n[SQL parameters hidden", "] [SQL parameters hidden"]) {
      const i = rest.lastIndexOf(marker);
      if (i >= 0) {
        stmtEnd = i;
        const after = rest.slice(i + 2);
        if (after.startsWith("[SQL parameters hidden")) parts.parametersHidden = true;
        else {
          let p = after.slice("[parameters: ".length).trimEnd();
          if (p.endsWith("]")) p = p.slice(0, -1);
          else parts.truncated = true;
          parts.parameters = p;
          const parsed = parsePyLiteral(p);
          if (parsed !== undefined) parts.params = parsed;
        }
        break;
      }
    }
    if (stmtEnd < 0) {
      rest = rest.trimEnd();
      stmtEnd = rest.endsWith("]") ? rest.length - 1 : rest.length;
      if (!rest.endsWith("]")) parts.truncated = true;
    }
    let stmt = rest.slice(0, stmtEnd);
    // 1.2 printed the statement with repr(): '...'
    const q = /^u?'(.*)'$/s.exec(stmt) ?? /^u?"(.*)"$/s.exec(stmt);
    if (q && q[1] !== undefined) stmt = q[1].replace(/\\n/g, "\n").replace(/\\'/g, "'").replace(/\\\\/g, "\\");
    parts.statement = stmt;
  }
  // Skip SQLAlchemy's "(detail)" lines, e.g. "(raised as a result of Query-invoked autoflush ...)".
  const lines = head.split("\n");
  let i = 0;
  while (i < lines.length - 1 && /^\(.*\)\s*$/.test(lines[i] ?? "") && !/^\([\w.]+\) /.test(lines[i] ?? "")) i++;
  head = lines.slice(i).join("\n").trim();
  const typed = /^\(([\w.]+)\)\s?/.exec(head);
  if (typed) {
    parts.driverErrorType = typed[1] ?? "";
    head = head.slice(typed[0].length);
  }
  // asyncpg through SQLAlchemy's adapter: "<class 'asyncpg.exceptions.UniqueViolationError'>: msg"
  const cls = /^<class '([\w.]+)'>:\s?/.exec(head);
  if (cls) {
    const adapter = driverOf(parts.driverErrorType);
    if (adapter.driver && !parts.driver) parts.driver = adapter.driver;
    if (adapter.dialect && !parts.dialect) parts.dialect = adapter.dialect;
    parts.driverErrorType = cls[1] ?? "";
    head = head.slice(cls[0].length);
  }
  parts.driverMessage = head;
  return parts;
}

function findSql(text: string): number {
  const nl = text.indexOf("\n[SQL: ");
  if (nl >= 0) return nl;
  return text.indexOf(" [SQL: ");
}

// ---- plugin data → DbParts ------------------------------------------------------------------

export function partsFromPlugin(d: DbErrorData, depth = 0): DbParts {
  const parts: DbParts = { driverMessage: typeof d.origMessage === "string" ? d.origMessage : "" };
  if (d.sqlalchemyType) parts.errorType = d.sqlalchemyType;
  if (d.sqlalchemyCode) parts.code = d.sqlalchemyCode;
  if (d.origType) parts.driverErrorType = d.origType;
  if (typeof d.statement === "string") parts.statement = d.statement;
  if (d.params !== undefined) parts.params = d.params;
  if (typeof d.paramsRepr === "string") parts.parameters = d.paramsRepr;
  if (d.dialect) parts.dialect = d.dialect;
  if (d.driver) parts.driver = d.driver;
  if (d.sqlstate) parts.sqlstate = d.sqlstate;
  if (typeof d.errno === "number") parts.errno = d.errno;
  if (d.diag) parts.diag = d.diag;
  // asyncpg's adapter: str(orig) is "<class '...'>: msg"
  const cls = /^<class '([\w.]+)'>:\s?/.exec(parts.driverMessage);
  if (cls) {
    parts.driverErrorType = cls[1] ?? parts.driverErrorType ?? "";
    parts.driverMessage = parts.driverMessage.slice(cls[0].length);
  }
  if (Array.isArray(d.origArgs) && typeof d.origArgs[0] === "number" && typeof d.origArgs[1] === "string") {
    parts.errno ??= d.origArgs[0];
  }
  const type = d.sqlalchemyType ?? "";
  if (/PendingRollbackError$/.test(type) || d.original || FOLLOW_ON_RE.test(parts.driverMessage)) {
    parts.followOn = true;
  }
  if (d.original && depth < 4) parts.original = partsFromPlugin(d.original, depth + 1);
  return parts;
}

// ---- DbParts → DbFailure --------------------------------------------------------------------

export function buildDbFailure(p: DbParts, depth = 0): DbFailure {
  let message = p.driverMessage;
  let errno = p.errno;
  // MySQL drivers: str(orig) is the args tuple "(1062, \"Duplicate entry ...\")".
  const tuple = /^\((\d+),\s*['"]/.test(message) ? parsePyLiteral(message) : undefined;
  if (Array.isArray(tuple) && typeof tuple[0] === "number" && typeof tuple[1] === "string") {
    errno ??= tuple[0];
    message = tuple[1];
  } else if (/^\(\d+, ['"]/.test(message)) {
    // cut tuple text: keep what is there
    const m = /^\((\d+), ['"]/.exec(message);
    errno ??= Number(m?.[1]);
    message = message.slice(m?.[0].length ?? 0);
  }
  let detail: string | undefined;
  const detailAt = message.search(/\n\s*DETAIL:/);
  if (detailAt >= 0) {
    const m = /\n\s*DETAIL:\s*([^\n]*)/.exec(message.slice(detailAt));
    detail = m?.[1]?.trim();
    message = message.slice(0, detailAt);
  }
  const hintAt = message.search(/\n\s*(?:HINT|CONTEXT):/);
  if (hintAt >= 0) message = message.slice(0, hintAt);
  message = message.trim();

  const drv = driverOf(p.driverErrorType);
  const db: DbFailure = { kind: "other", message, columns: [] };
  const dialect = normalizeDialect(p.dialect) ?? drv.dialect;
  if (dialect) db.dialect = dialect;
  const driver = normalizeDriver(p.driver) ?? drv.driver;
  if (driver) db.driver = driver;
  if (p.errorType) db.errorType = p.errorType;
  if (p.driverErrorType) db.driverErrorType = p.driverErrorType;
  if (detail) db.detail = detail;
  if (p.code) db.code = p.code;
  const sqlstate = p.sqlstate || pgSqlstate(p.driverErrorType, drv.dialect);
  if (sqlstate) db.sqlstate = sqlstate;
  if (errno !== undefined && Number.isFinite(errno)) db.errno = errno;
  if (p.truncated) db.truncated = true;

  classify(db, message, detail, p.truncated === true);
  if (p.followOn) db.kind = "pending-rollback";
  else if (db.kind === "other") db.kind = kindFromType(p.driverErrorType, sqlstate, errno);

  if (p.diag) {
    if (db.constraint === undefined && p.diag.constraintName) db.constraint = p.diag.constraintName;
    if (db.table === undefined && p.diag.tableName) db.table = p.diag.tableName;
    if (db.columns.length === 0 && p.diag.columnName) db.columns = [p.diag.columnName];
  }

  if (p.statement !== undefined) {
    db.statement = p.statement;
    const info = statementInfo(p.statement);
    if (info.table) db.statementTable = info.table;
    const ownTable = info.verb === "insert" || info.verb === "update";
    if (!db.table && info.table && ownTable && ["unique", "not-null", "check", "foreign-key"].includes(db.kind)) {
      db.table = info.table;
    }
    if (p.params !== undefined) db.params = p.params;
    // SQLite names the columns but not the values: take them from the parameters.
    if (db.kind === "unique" && !db.values && db.columns.length > 0 && info.insert) {
      const values: string[] = [];
      for (const col of db.columns) {
        const slot = info.insert.find((s) => s.column === col || s.column.toLowerCase() === col.toLowerCase());
        const got = paramFor(p.params, slot?.param);
        if (!got.found) break;
        values.push(valueText(got.value));
      }
      if (values.length === db.columns.length) db.values = values;
    }
  } else if (p.params !== undefined) db.params = p.params;
  if (p.parameters !== undefined) db.parameters = p.parameters;
  if (p.parametersHidden) db.parametersHidden = true;
  if (p.original && depth < 4) {
    db.original = buildDbFailure(p.original, depth + 1);
    // A PendingRollbackError's own text names no driver: it is the original's connection.
    if (db.dialect === undefined && db.original.dialect !== undefined) db.dialect = db.original.dialect;
    if (db.driver === undefined && db.original.driver !== undefined) db.driver = db.original.driver;
  }
  return db;
}

function kindFromType(type: string | undefined, sqlstate: string | undefined, errno: number | undefined): DbKind {
  const t = type ?? "";
  if (/UniqueViolation/.test(t) || sqlstate === "23505" || errno === 1062) return "unique";
  if (/ForeignKeyViolation/.test(t) || sqlstate === "23503" || errno === 1452 || errno === 1451) return "foreign-key";
  if (/NotNullViolation/.test(t) || sqlstate === "23502" || errno === 1048) return "not-null";
  // MySQL 8: 3819 ER_CHECK_CONSTRAINT_VIOLATED; MariaDB: 4025 ER_CONSTRAINT_FAILED
  if (/CheckViolation/.test(t) || sqlstate === "23514" || errno === 3819 || errno === 4025) return "check";
  if (/DeadlockDetected/.test(t) || sqlstate === "40P01" || errno === 1213) return "deadlock";
  if (/LockNotAvailable/.test(t) || sqlstate === "55P03" || errno === 1205) return "locked";
  if (/InFailedSqlTransaction/.test(t) || sqlstate === "25P02") return "pending-rollback";
  return "other";
}

function splitList(s: string): string[] {
  return s.split(/,\s*/).map((x) => x.trim()).filter((x) => x !== "");
}

/** "t.a, t.b" (SQLite) → table t, columns a, b. Names may hold spaces. */
function tableColumns(db: DbFailure, list: string): void {
  for (const item of list.split(", ")) {
    const dot = item.indexOf(".");
    if (dot > 0) {
      db.table ??= item.slice(0, dot);
      db.columns.push(item.slice(dot + 1));
    } else if (item.trim()) db.columns.push(item.trim());
  }
}

function keyDetail(cols: string, vals: string): { columns: string[]; values: string[] } {
  const columns = splitList(cols);
  const values = vals.split(", ");
  return { columns, values: values.length === columns.length ? values : [vals] };
}

// Phrases a cut summary line may end inside: enough of the start tells the kind.
const PREFIX_KINDS: Array<[string, DbKind]> = [
  ["UNIQUE constraint failed", "unique"],
  ["NOT NULL constraint failed", "not-null"],
  ["FOREIGN KEY constraint failed", "foreign-key"],
  ["CHECK constraint failed", "check"],
  ["database is locked", "locked"],
  ["duplicate key value violates unique constraint", "unique"],
  ["null value in column", "not-null"],
  ["insert or update on table", "foreign-key"],
  ["update or delete on table", "foreign-key"],
  ["new row for relation", "check"],
  ["deadlock detected", "deadlock"],
  ["Duplicate entry", "unique"],
  ["Cannot add or update a child row", "foreign-key"],
  ["Cannot delete or update a parent row", "foreign-key"],
  ["Deadlock found", "deadlock"],
  ["CONSTRAINT `", "check"],
  ["Check constraint '", "check"],
  ["Lock wait timeout", "locked"],
];

function classify(db: DbFailure, message: string, detail: string | undefined, truncated: boolean): void {
  const line = message.split("\n", 1)[0] ?? "";
  let m: RegExpExecArray | null;
  const c0 = line.charCodeAt(0);
  // SQLite
  if (c0 >= 65 && c0 <= 90) {
    if ((m = /^UNIQUE constraint failed: (.+)$/.exec(line))) {
      db.kind = "unique";
      tableColumns(db, m[1] ?? "");
      return;
    }
    if ((m = /^NOT NULL constraint failed: (.+)$/.exec(line))) {
      db.kind = "not-null";
      tableColumns(db, m[1] ?? "");
      return;
    }
    if (/^FOREIGN KEY constraint failed/.test(line)) {
      db.kind = "foreign-key";
      return;
    }
    if ((m = /^CHECK constraint failed: (.+)$/.exec(line))) {
      db.kind = "check";
      db.constraint = (m[1] ?? "").trim();
      return;
    }
    // MySQL
    if ((m = /^Duplicate entry '(.*)' for key '(.+?)'/.exec(line))) {
      db.kind = "unique";
      db.values = [m[1] ?? ""];
      const key = m[2] ?? "";
      const dot = key.lastIndexOf(".");
      if (dot > 0) {
        db.table = key.slice(0, dot);
        db.constraint = key.slice(dot + 1);
      } else db.constraint = key;
      return;
    }
    if ((m = /^Cannot (?:add or update a child|delete or update a parent) row: a foreign key constraint fails \((.+?), CONSTRAINT [`"]?(.+?)[`"]? FOREIGN KEY \((.+?)\) REFERENCES (.+?) \((.+?)\)/.exec(line))) {
      db.kind = "foreign-key";
      const child = (m[1] ?? "").split(".");
      db.table = unquoteName(child[child.length - 1] ?? "");
      db.constraint = m[2] ?? "";
      db.columns = splitList(m[3] ?? "").map(unquoteName);
      const parent = (m[4] ?? "").split(".");
      db.referencedTable = unquoteName(parent[parent.length - 1] ?? "");
      db.referencedColumns = splitList(m[5] ?? "").map(unquoteName);
      return;
    }
    if (/^Cannot (?:add or update a child|delete or update a parent) row/.test(line)) {
      db.kind = "foreign-key";
      return;
    }
    if ((m = /^(?:Column|Field) '(.+?)' (?:cannot be null|doesn't have a default value)/.exec(line))) {
      db.kind = "not-null";
      db.columns = [m[1] ?? ""];
      return;
    }
    if ((m = /^Check constraint '(.+?)' is violated/.exec(line))) {
      db.kind = "check";
      db.constraint = m[1] ?? "";
      return;
    }
    // MariaDB (4025): CONSTRAINT `ck_name` failed for `db`.`table`
    if ((m = /^CONSTRAINT (`(?:[^`]|``)+`|\S+) failed for (.+?)\s*$/.exec(line))) {
      db.kind = "check";
      db.constraint = unquoteName(m[1] ?? "").replace(/``/g, "`");
      const parts = (m[2] ?? "").match(/`(?:[^`]|``)+`|[^.`]+/g) ?? [];
      const table = parts[parts.length - 1];
      if (table) db.table = unquoteName(table).replace(/``/g, "`");
      return;
    }
    if (/^Deadlock found when trying to get lock/.test(line)) {
      db.kind = "deadlock";
      return;
    }
    if (/^Lock wait timeout exceeded/.test(line)) {
      db.kind = "locked";
      return;
    }
  }
  if (/^database (?:table )?is locked/.test(line)) {
    db.kind = "locked";
    return;
  }
  // SQLite before 3.8.2
  if ((m = /^columns? (.+?) (?:is|are) not unique$/.exec(line))) {
    db.kind = "unique";
    db.columns = splitList(m[1] ?? "");
    return;
  }
  if ((m = /^([^.\s]+)\.(.+) may not be NULL$/.exec(line))) {
    db.kind = "not-null";
    db.table = m[1] ?? "";
    db.columns = [m[2] ?? ""];
    return;
  }
  // PostgreSQL
  if ((m = /duplicate key value violates unique constraint "(.+?)"/.exec(line))) {
    db.kind = "unique";
    db.constraint = m[1] ?? "";
    const d = detail ? /^Key \((.+?)\)=\((.*)\) already exists/.exec(detail) : null;
    if (d) {
      const kd = keyDetail(d[1] ?? "", d[2] ?? "");
      db.columns = kd.columns;
      db.values = kd.values;
    }
    return;
  }
  if ((m = /(insert or update|update or delete) on table "(.+?)" violates foreign key constraint "(.+?)"(?: on table "(.+?)")?/.exec(line))) {
    db.kind = "foreign-key";
    db.constraint = m[3] ?? "";
    const d = detail ? /^Key \((.+?)\)=\((.*)\) is (not present in|still referenced from) table "(.+?)"/.exec(detail) : null;
    if (m[1] === "insert or update") {
      db.table = m[2] ?? "";
      const kd = d ? keyDetail(d[1] ?? "", d[2] ?? "") : undefined;
      if (kd) {
        db.columns = kd.columns;
        db.values = kd.values;
      }
      if (d?.[4]) db.referencedTable = d[4];
    } else {
      // deleting a parent row: the constraint lives on the child table
      db.referencedTable = m[2] ?? "";
      if (m[4]) db.table = m[4];
      else if (d?.[4]) db.table = d[4];
      if (d) {
        const kd = keyDetail(d[1] ?? "", d[2] ?? "");
        db.referencedColumns = kd.columns;
        db.values = kd.values;
      }
    }
    return;
  }
  if ((m = /null value in column "(.+?)"(?: of relation "(.+?)")? violates not-null constraint/.exec(line))) {
    db.kind = "not-null";
    db.columns = [m[1] ?? ""];
    if (m[2]) db.table = m[2];
    return;
  }
  if ((m = /new row for relation "(.+?)" violates check constraint "(.+?)"/.exec(line))) {
    db.kind = "check";
    db.table = m[1] ?? "";
    db.constraint = m[2] ?? "";
    return;
  }
  if (/deadlock detected/.test(line)) {
    db.kind = "deadlock";
    return;
  }
  if (/could not obtain lock|canceling statement due to lock timeout/.test(line)) {
    db.kind = "locked";
    return;
  }
  if (truncated && line.length >= 3) {
    for (const [phrase, kind] of PREFIX_KINDS) {
      if (phrase.startsWith(line) || line.startsWith(phrase)) {
        db.kind = kind;
        return;
      }
    }
  }
}
