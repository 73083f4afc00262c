// The message protocol between our pytest plugin (python/orm_test_doctor) and the runner.
// Transport: the runner listens on a local socket (Unix domain socket path, or "host:port" for
// TCP) given to pytest in env ORM_TEST_DOCTOR_SOCKET; the plugin connects once per process
// (controller only under xdist) and writes one JSON object per line (UTF-8, "\n"-terminated).
// Every message carries `v` (protocol version). A newer minor field is ignored by older readers;
// a breaking change bumps PROTOCOL_VERSION. Never parsed from stdout.

export const PROTOCOL_VERSION = 1;
export const SOCKET_ENV = "ORM_TEST_DOCTOR_SOCKET";

export type Phase = "setup" | "call" | "teardown";
export type Outcome = "passed" | "failed" | "skipped";

/** 0-based line numbers throughout, as VS Code wants them; paths absolute. */
export interface Frame {
  file: string;
  line: number;
  function: string;
}

/** One link of the exception chain (`__cause__` / `__context__`), outermost first. */
export interface ChainLink {
  type: string; // qualified name, e.g. "sqlalchemy.exc.IntegrityError"
  message: string;
}

/** What the plugin reads off a DBAPI / SQLAlchemy exception object itself (not its text). */
export interface DbErrorData {
  sqlalchemyType?: string; // "sqlalchemy.exc.IntegrityError", "sqlalchemy.exc.PendingRollbackError"
  sqlalchemyCode?: string; // exc.code: "gkpj", "7s2a", ...
  origType?: string; // type of exc.orig: "sqlite3.IntegrityError", "psycopg2.errors.UniqueViolation"
  origMessage?: string; // str(exc.orig)
  origArgs?: unknown[]; // exc.orig.args when JSON-able (MySQL: [1062, "Duplicate entry ..."])
  statement?: string; // exc.statement
  params?: unknown; // exc.params made JSON-able (tuples → arrays, unknown objects → repr strings)
  paramsRepr?: string; // repr(exc.params), cut to 2,000 chars
  dialect?: string; // "sqlite" | "postgresql" | "mysql" | ... when the engine is known
  driver?: string; // "pysqlite" | "psycopg2" | "pymysql" | ...
  sqlstate?: string; // pgcode / sqlstate
  errno?: number; // MySQL error number
  /** psycopg2 `diag` / psycopg 3 `diag` fields, when present. */
  diag?: {
    constraintName?: string;
    tableName?: string;
    columnName?: string;
    schemaName?: string;
    messagePrimary?: string;
    messageDetail?: string;
  };
  /** For PendingRollbackError-like follow-ons: the original error as far as SQLAlchemy kept it. */
  original?: DbErrorData;
  /** id() of the Session involved, so follow-on errors can be grouped under their origin. */
  sessionId?: string;
}

export interface ErrorData {
  chain: ChainLink[];
  frames: Frame[]; // innermost last, as in a traceback
  db?: DbErrorData;
}

export interface Range {
  line: number; // 0-based
  endLine?: number;
}

export type Message =
  | { v: number; type: "hello"; pid: number; python: string; pytest: string; rootdir: string; args: string[]; plugins: string[]; xdistWorkers?: number }
  | { v: number; type: "collected"; nodeid: string; kind: "file" | "class" | "function" | "case"; name: string; file: string; range?: Range; parent?: string; markers?: string[] }
  | { v: number; type: "collect_error"; nodeid: string; file?: string; message: string; longrepr: string }
  | { v: number; type: "collection_finished"; count: number }
  | { v: number; type: "started"; nodeid: string; worker?: string }
  | { v: number; type: "report"; nodeid: string; when: Phase; outcome: Outcome; duration: number; longrepr?: string; location?: Frame; sections?: Array<[string, string]>; error?: ErrorData; wasxfail?: boolean; worker?: string }
  | { v: number; type: "finished"; nodeid: string; outcome: "passed" | "failed" | "errored" | "skipped"; duration: number; worker?: string }
  | { v: number; type: "session_finished"; exitstatus: number };
