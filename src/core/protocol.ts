// The message protocol between our pytest plugin (python/orm_test_doctor) and the runner.
// Transport: the runner listens on a local socket (Unix domain socket path, or "host:port" for
// TCP) given to pytest in env ORM_TEST_DOCTOR_SOCKET; the plugin connects once per process
// (controller only under xdist) and writes one JSON object per line (UTF-8, "\n"-terminated).
// Every message carries `v` (protocol version). A newer minor field is ignored by older readers;
// a breaking change bumps PROTOCOL_VERSION. Never parsed from stdout.

export const PROTOCOL_VERSION = 1;
export const SOCKET_ENV = "ORM_TEST_DOCTOR_SOCKET";
/** "0" turns the plugin's runtime provenance off (python/orm_test_doctor/provenance.py). */
export const TRACE_ENV = "ORM_TEST_DOCTOR_TRACE";
/** A file the plugin maps and copies its not-yet-sent lines to (python/orm_test_doctor/spill.py,
 * src/core/runner/spill.ts). Given one, it sends `started` with the next batch, not at once. */
export const SPILL_ENV = "ORM_TEST_DOCTOR_SPILL";

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

/** Who made a write: the factory (with its persistence), the fixture being set up or torn down,
 * the test body. Lines 0-based, paths absolute. */
export interface WriteSite {
  kind: "factory" | "fixture" | "test" | "other";
  factory?: {
    name: string;
    model?: string | null;
    persistence?: "flush" | "commit" | string;
    file?: string;
    line?: number;
    /** The user's own _create/_save in the factory's MRO, and whether its source calls .commit(). */
    override?: { method: "_create" | "_save"; owner: string; file: string; line: number; commits: boolean | null };
  };
  fixture?: { name: string; scope: string; file?: string; line?: number };
  test?: string; // nodeid of the test whose function is on the stack
}

/** Rows of one table written by one site in one test phase, and what became of them. */
export interface WriteGroup {
  engine: string;
  table: string;
  op: "insert" | "update" | "delete";
  phase: Phase | null;
  by: WriteSite;
  frame?: Frame; // first frame of the user's code
  count: number;
  committed: number; // durable: committed, or released as pysqlite's outermost savepoint
  rolledBack: number;
  /** Unique / primary-key values of up to 20 rows: {"email": ["a@x"], "id": [1]}. */
  keys?: Array<Record<string, unknown[]>>;
  checked?: number; // inserted rows looked up after teardown
  survived?: number; // of those, still there for the next test
}

/** The row a failing INSERT collided with. */
export interface Conflict {
  engine: string;
  table: string;
  columns: string[];
  values: unknown[];
  /** Written earlier in this process (this run, or this xdist worker). */
  writer?: { nodeid: string; phase: Phase | null; by: WriteSite; frame?: Frame; state: "open" | "committed" | "rolledBack"; survived?: boolean };
  /** Not written by this process but present: from before the run, or another worker. */
  existing?: true;
  /** Where the failing statement came from. */
  at?: { by: WriteSite; frame?: Frame | null };
}

export interface EngineData {
  id: string;
  url: string; // password removed
  dialect: string;
  driver: string;
  pool: string;
  persistent: boolean; // a file or a server outlives the process; in-memory SQLite does not
  file?: string;
  /** Where the run first used it (its first statement): the fixture, test or module. */
  firstUse?: { by: WriteSite; frame?: Frame | null; nodeid: string | null };
}

/** A test's runtime provenance, summarized by the plugin (sent after its teardown). */
export interface Provenance {
  writes?: WriteGroup[];
  reads?: string[]; // tables its SELECTs read
  conflicts?: Conflict[];
  tx?: Record<string, number>; // commit, rollback, savepoint, releaseSavepoint, rollbackSavepoint, durableRelease
  /** pysqlite without BEGIN: who opened the SAVEPOINT that was really the outermost transaction. */
  sites?: { outermostSavepoint?: { by: WriteSite; frame?: Frame | null } };
  engines?: EngineData[]; // first seen during this test
  // rows a table held at its first touch, counted up to a cap (atLeast: there were more)
  baselines?: Array<{ engine: string; table: string; rows: number; atLeast?: boolean }>;
  warning?: string; // the tracer failed and switched itself off
}

export type Message =
  | { v: number; type: "hello"; pid: number; python: string; pytest: string; rootdir: string; args: string[]; plugins: string[]; xdistWorkers?: number }
  | { v: number; type: "collected"; nodeid: string; kind: "file" | "class" | "function" | "case"; name: string; file: string; range?: Range; parent?: string; markers?: string[] }
  | { v: number; type: "collect_error"; nodeid: string; file?: string; message: string; longrepr: string }
  | { v: number; type: "collection_finished"; count: number }
  | { v: number; type: "started"; nodeid: string; worker?: string }
  // A phase's report: sent when it did not pass, or passed with something to show (captured
  // output, xpass). A quiet passing phase sends none; its time is in `finished`'s duration.
  | { v: number; type: "report"; nodeid: string; when: Phase; outcome: Outcome; duration: number; longrepr?: string; location?: Frame; sections?: Array<[string, string]>; error?: ErrorData; wasxfail?: boolean; worker?: string }
  // duration: of all the test's phases, in seconds
  | { v: number; type: "finished"; nodeid: string; outcome: "passed" | "failed" | "errored" | "skipped"; duration: number; worker?: string }
  | ({ v: number; type: "provenance"; nodeid: string; worker?: string } & Provenance)
  | { v: number; type: "session_finished"; exitstatus: number };
