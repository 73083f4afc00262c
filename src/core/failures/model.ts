// The normalized failure model. Plain JSON-able data so it can be stored, sent between
// processes and extended by the cause-tracing engine without classes or methods.
import type { ChainLink, Frame, Phase } from "../protocol";

export type { ChainLink, Frame, Phase };

export type DbKind =
  | "unique"
  | "not-null"
  | "foreign-key"
  | "check"
  | "pending-rollback"
  | "locked"
  | "deadlock"
  | "other";

export type Dialect = "sqlite" | "postgresql" | "mysql";

export interface DbFailure {
  kind: DbKind;
  dialect?: Dialect;
  /** SQLAlchemy's driver names: pysqlite, aiosqlite, psycopg2, psycopg, asyncpg, pg8000, pymysql, mysqldb, asyncmy, ... */
  driver?: string;
  /** The wrapper type, e.g. "sqlalchemy.exc.IntegrityError"; absent for raw driver errors. */
  errorType?: string;
  /** The driver's exception type, e.g. "sqlite3.IntegrityError", "asyncpg.exceptions.UniqueViolationError". */
  driverErrorType?: string;
  /** The driver's message without DETAIL lines. */
  message: string;
  /** PostgreSQL DETAIL text (after "DETAIL:  "). */
  detail?: string;
  constraint?: string;
  /** The table the constraint belongs to. */
  table?: string;
  columns: string[];
  /** Conflicting values as text; values[i] belongs to columns[i] when the lengths match. A MySQL
   *  duplicate entry is one value, the key's parts joined with "-". */
  values?: string[];
  /** Foreign keys: the parent side. */
  referencedTable?: string;
  referencedColumns?: string[];
  statement?: string;
  /** Table named by the INSERT / UPDATE / DELETE statement. */
  statementTable?: string;
  /** Parameters as text, as SQLAlchemy printed them (repr). */
  parameters?: string;
  /** Parameters as JSON: tuples become arrays, None null, unknown objects their repr string. */
  params?: unknown;
  parametersHidden?: boolean;
  /** SQLAlchemy error code: gkpj, 7s2a, 8s2b, e3q8, ... */
  code?: string;
  sqlstate?: string;
  errno?: number;
  /** For follow-on errors (PendingRollbackError): the original error. */
  original?: DbFailure;
  /** Parsed from text that was cut (summary line with "...", capped buffer). */
  truncated?: boolean;
}

export type FailureSource = "plugin" | "text" | "summary" | "junit";

export interface Failure {
  nodeid: string;
  /** True when the nodeid was derived (no summary line or verbose line named it). */
  nodeidGuessed?: boolean;
  phase: Phase;
  /** Exception chain, outermost (the one raised into pytest) first. */
  chain: ChainLink[];
  /** Frames of the outermost exception, innermost last; 0-based lines. */
  frames: Frame[];
  /** The innermost frame in the user's own code. */
  userFrame?: Frame;
  db?: DbFailure;
  sessionId?: string;
  worker?: string;
  source: FailureSource;
  truncated?: boolean;
  /** The report text this was read from, capped. */
  text?: string;
}
