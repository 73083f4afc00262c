// Real SQLite failures from the example projects (test/fixtures/projects), both Python stacks:
// the plugin's structured error data, the terminal text of the same run and a plain pytest run's
// junit XML must give the same normalized failure for every test — and the right one.
//
// Each path starts from the same state: a fresh copy of the project per path. The file-DB
// projects (create_override: dev.db, rollback_file_db and async_service_commits: test.db) are also run a second time in
// the same copy, per path, to cover their run-2 failures.
//
// Compared per test: the failing set (= expected.json), kind / dialect / driver / table / columns /
// values / code (and the original's for PendingRollbackError), the driver message, exception
// types, SQL, the user frame, and groupFailures' grouping. What one side legitimately lacks:
// - SQLite names no UNIQUE constraint: `constraint` is absent from all three; for the file-DB
//   projects the database file's schema fills in the index name, the same for all three.
// - The text and junit paths have no Session id; the plugin groups PendingRollbackErrors by
//   session, the others through "Original exception was:" — the grouping must still be equal.
// - The junit run is another pytest process (other Faker data): parameters are compared only
//   through the constrained columns' values.
// OTD_DUMP_SQLITE_PARITY=1 prints what each source read.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { groupFailures, type FailureGroup } from "../../../src/core/failures/group";
import { parseJunitXml } from "../../../src/core/failures/junit";
import type { DbFailure, Failure } from "../../../src/core/failures/model";
import { fromPluginError } from "../../../src/core/failures/plugin";
import { resolveConstraint } from "../../../src/core/failures/resolve";
import { openSqliteResolver } from "../../../src/core/failures/sqliteResolver";
import { parsePytestText } from "../../../src/core/failures/text";
import type { Message } from "../../../src/core/protocol";
import { run } from "../../../src/core/runner";
import { fixturePath, pythonStacks, repoRoot, type PythonStack } from "../../util";
import { facts, type Facts } from "../dbservers/expected";

type ReportMessage = Extract<Message, { type: "report" }>;

const PROJECTS = fixturePath("projects");
const PYTHON = "/usr/bin/python3";
/** Both paths: no cache folder in the copy, -rfE summary (the text path's exact nodeids). */
const PYTEST_ARGS = ["-p", "no:cacheprovider", "-rfE"] as const;
const DUMP = process.env["OTD_DUMP_SQLITE_PARITY"] === "1";

/** The cwd-relative SQLite file each file-DB project leaves behind. */
const FILE_DB: Partial<Record<string, string>> = { create_override: "dev.db", rollback_file_db: "test.db", async_service_commits: "test.db" };

/** Projects that fail on SQLite, and how many runs to make in one copy (file DBs: 2). */
const CASES: ReadonlyArray<{ project: string; runs: 1 | 2 }> = [
  { project: "commit_factory", runs: 1 },
  { project: "create_override", runs: 2 },
  { project: "rollback_file_db", runs: 2 },
  { project: "async_service_commits", runs: 2 },
  { project: "savepoint_commit", runs: 1 },
  { project: "session_pending_rollback", runs: 1 },
];

// ---- running ---------------------------------------------------------------------------------

const UNSET = ["CI", "BUILD_NUMBER", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH"] as const;

/** The stack's env; fixed summary width; CI variables removed (pytest checks for presence). */
function runEnv(stack: PythonStack): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { COLUMNS: "120" };
  for (const k of UNSET) out[k] = undefined;
  return { ...out, ...stack.env };
}

function processEnv(stack: PythonStack): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(runEnv(stack))) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

interface PluginRun {
  reports: ReportMessage[];
  text: string;
  stderr: string;
  exitCode: number | null;
}

async function runnerRun(stack: PythonStack, cwd: string): Promise<PluginRun> {
  let text = "";
  let stderr = "";
  const res = await run(
    { python: PYTHON, cwd, pluginDir: path.join(repoRoot(), "python"), args: [...PYTEST_ARGS], env: runEnv(stack), signal: AbortSignal.timeout(90_000) },
    [],
    (e) => {
      if (e.type === "output") {
        if (e.stream === "stdout") text += e.text;
        else stderr += e.text;
      }
    },
  );
  if (res.exit.cancelled) throw new Error(`pytest (${stack.name}, ${cwd}) did not finish in time`);
  const reports = res.messages.filter((m): m is ReportMessage => m.type === "report");
  return { reports, text, stderr, exitCode: res.exit.code };
}

async function junitRun(stack: PythonStack, cwd: string): Promise<string> {
  const xmlFile = path.join(cwd, "..", `junit-${Date.now()}-${Math.random().toString(36).slice(2)}.xml`);
  await new Promise<void>((resolve, reject) => {
    execFile(
      PYTHON,
      ["-m", "pytest", ...PYTEST_ARGS, "-q", `--junitxml=${xmlFile}`],
      { cwd, env: processEnv(stack), timeout: 90_000, killSignal: "SIGKILL", maxBuffer: 16 << 20 },
      (err, _stdout, errText) => {
        const code = (err as { code?: unknown } | null)?.code;
        // 0: all passed (create_override run 1), 1: tests failed
        if (err && code !== 1) reject(new Error(`plain pytest run failed (${String(code)}): ${String(errText).slice(-2000)}`));
        else resolve();
      },
    );
  });
  return fs.readFileSync(xmlFile, "utf8");
}

/** A fresh copy of the project in its own temp folder (the xml files go next to it). */
function freshCopy(tmpRoot: string, project: string, tag: string): string {
  const dir = path.join(fs.mkdtempSync(path.join(tmpRoot, `${tag}-`)), project);
  fs.cpSync(path.join(PROJECTS, project), dir, { recursive: true });
  return dir;
}

interface Sources {
  plugin: Failure[];
  text: Failure[];
  junit: Failure[];
  /** The copies the runs were made in. */
  roots: { plugin: string; junit: string };
  /** For messages. */
  raw: { text: string; stderr: string; exitCode: number | null };
}

async function runCase(stack: PythonStack, project: string, runs: number, tmpRoot: string): Promise<Sources[]> {
  const a = freshCopy(tmpRoot, project, `${stack.name}-plugin`);
  const b = freshCopy(tmpRoot, project, `${stack.name}-junit`);
  const doPlugin = async (): Promise<PluginRun[]> => {
    const out: PluginRun[] = [];
    for (let i = 0; i < runs; i++) out.push(await runnerRun(stack, a));
    return out;
  };
  const doJunit = async (): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < runs; i++) out.push(await junitRun(stack, b));
    return out;
  };
  const [pr, jr] = await Promise.all([doPlugin(), doJunit()]);
  return pr.map((r, i) => ({
    plugin: r.reports
      .filter((m) => m.outcome === "failed" && m.error)
      .map((m) => fromPluginError(m.nodeid, m.when, m.error ?? { chain: [], frames: [] }, { projectRoot: a })),
    text: parsePytestText(r.text, { rootdir: a, projectRoot: a }),
    junit: parseJunitXml(jr[i] ?? "", { rootdir: b, projectRoot: b }),
    roots: { plugin: a, junit: b },
    raw: { text: r.text, stderr: r.stderr, exitCode: r.exitCode },
  }));
}

// ---- what is compared ------------------------------------------------------------------------


/** Everything all three sources read from the same exception text. */
function rawFacts(db: DbFailure | undefined): unknown {
  const f = facts(db);
  if (!f || !db) return undefined;
  return { ...f, message: db.message, statementTable: db.statementTable, errno: db.errno, sqlstate: db.sqlstate, original: rawFacts(db.original) };
}

/** What SQLAlchemy's message shows besides the driver's text: wrapper and driver types, SQL, parameters. */
function extras(db: DbFailure | undefined, withParameters: boolean): unknown {
  if (!db) return undefined;
  const p = withParameters ? { parameters: db.parameters, params: db.params } : {};
  return {
    ...p,
    errorType: db.errorType,
    driverErrorType: db.driverErrorType,
    statement: db.statement,
    parametersHidden: db.parametersHidden,
    truncated: db.truncated,
    original: extras(db.original, withParameters),
  };
}

const key = (f: Failure): string => `${f.nodeid}|${f.phase}`;
const byKey = (fs: readonly Failure[]): Map<string, Failure> => new Map(fs.map((f) => [key(f), f]));

/** Where the user's code was, relative to the copy (the junit run is in another copy). */
function frameOf(f: Failure | undefined, root: string): string {
  const u = f?.userFrame;
  if (!u) return "(none)";
  const rel = path.isAbsolute(u.file) ? path.relative(root, u.file) : u.file;
  return `${rel.split(path.sep).join("/")}:${u.line} ${u.function}`;
}

/** A grouping as data that does not depend on the source: cause / symptoms by nodeid. */
function groupShape(groups: readonly FailureGroup[]): unknown[] {
  return groups.map((g) => ({
    cause: g.cause ? key(g.cause) : null,
    original: facts(g.original) ?? null,
    symptoms: g.symptoms.map(key),
  }));
}

/** Failing tests of run `n` on this stack, from the project's expected.json. */
function expectedFailing(project: string, n: number, stack: PythonStack): string[] {
  interface Outcome {
    run1?: string;
    run2?: string;
    stacks?: Record<string, Outcome>;
  }
  const data = JSON.parse(fs.readFileSync(path.join(PROJECTS, project, "expected.json"), "utf8")) as { tests: Record<string, Outcome> };
  const sa = stack.name === "legacy" ? "1.4" : "2.0";
  const out: string[] = [];
  for (const [id, t] of Object.entries(data.tests)) {
    const o = t.stacks?.[sa] ?? t;
    if ((n === 1 ? o.run1 : o.run2) === "failed") out.push(id);
  }
  return out.sort();
}

// ---- the right answers -----------------------------------------------------------------------

const sqlite = { dialect: "sqlite", driver: "pysqlite" } as const;
const uniqueEmail = (value: string): Facts => ({ ...sqlite, kind: "unique", table: "users", columns: ["email"], values: [value], code: "gkpj" });

/** Per project and run: nodeid → facts (undefined: not a DB error, e.g. a plain assert). */
const RIGHT: Record<string, Record<number, Record<string, Facts | undefined>>> = {
  commit_factory: {
    1: {
      "tests/test_profile.py::test_rename_user": uniqueEmail("alice@example.com"),
      "tests/test_profile.py::test_deactivate_user": uniqueEmail("alice@example.com"),
      "tests/test_profile.py::test_users_table_starts_empty": undefined,
    },
  },
  create_override: {
    1: {},
    2: {
      "tests/test_users.py::test_first_user_gets_sequence_email": uniqueEmail("user0@example.com"),
      "tests/test_users.py::test_two_users_have_distinct_emails": uniqueEmail("user1@example.com"),
      "tests/test_users.py::test_admin_user": uniqueEmail("admin@example.com"),
    },
  },
  rollback_file_db: {
    1: { "tests/test_services.py::test_register_normalises_email": uniqueEmail("alice@example.com") },
    2: {
      "tests/test_services.py::test_register_alice": uniqueEmail("alice@example.com"),
      "tests/test_services.py::test_register_normalises_email": uniqueEmail("alice@example.com"),
      "tests/test_services.py::test_register_bob": uniqueEmail("bob@example.com"),
    },
  },
  // aiosqlite raises sqlite3's exceptions: the driver comes from the engine (plugin) or from the
  // traceback's frame in SQLAlchemy's aiosqlite adapter (text, junit), not from the exception type
  async_service_commits: {
    1: { "tests/test_services.py::test_register_normalises_email": { ...uniqueEmail("alice@example.com"), driver: "aiosqlite" } },
    2: Object.fromEntries(
      [["test_register_alice", "alice"], ["test_register_normalises_email", "alice"], ["test_register_bob", "bob"]].map(([t, who]) => [`tests/test_services.py::${t}`, { ...uniqueEmail(`${who}@example.com`), driver: "aiosqlite" }]),
    ),
  },
  savepoint_commit: {
    1: {
      "tests/test_naive_savepoint.py::test_carol_again": uniqueEmail("carol@example.com"),
      // modern stack only (SQLAlchemy 2.0 session state); a plain assert
      "tests/test_fixed_savepoint.py::test_fixed_session_still_in_transaction_after_commit": undefined,
    },
  },
  session_pending_rollback: {
    1: Object.fromEntries(
      ["test_list_users", "test_create_admin", "test_rename_user", "test_deactivate_user", "test_get_user_by_id"].map((t) => [
        `tests/test_users.py::${t}`,
        { ...sqlite, kind: "pending-rollback", columns: [], code: "7s2a", original: uniqueEmail("dup@example.com") },
      ]),
    ),
  },
};

// ---- the tests -------------------------------------------------------------------------------

describe("SQLite example projects: plugin, terminal text and junit agree", function () {
  this.timeout(400_000);
  let tmpRoot = "";
  const results = new Map<string, Sources[]>(); // `${stack}/${project}` → per run

  before(async function () {
    this.timeout(400_000);
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "otd-sqlite-parity-"));
    // two cases at a time: on a busy 2-core machine twenty pytest processes at once time out
    const jobs = pythonStacks().flatMap((stack) => CASES.map(({ project, runs }) => async () => {
      results.set(`${stack.name}/${project}`, await runCase(stack, project, runs, tmpRoot));
    }));
    const worker = async (): Promise<void> => {
      for (let job = jobs.shift(); job; job = jobs.shift()) await job();
    };
    await Promise.all([worker(), worker()]);
    if (DUMP) {
      for (const [k, runs] of results)
        runs.forEach((r, i) =>
          console.log(
            k,
            i + 1,
            JSON.stringify(
              { plugin: r.plugin.map((f) => [key(f), rawFacts(f.db), f.userFrame]), text: r.text.map((f) => [key(f), rawFacts(f.db), f.userFrame]), junit: r.junit.map((f) => [key(f), rawFacts(f.db), f.userFrame]) },
              null,
              1,
            ),
          ),
        );
    }
  });

  after(() => {
    if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
  });

  for (const stack of pythonStacks()) {
    describe(stack.name, () => {
      for (const { project, runs } of CASES) {
        for (let n = 1; n <= runs; n++) {
          describe(`${project}, run ${n}`, () => {
            const get = (): Sources => {
              const r = results.get(`${stack.name}/${project}`)?.[n - 1];
              assert.ok(r, "no result");
              return r;
            };
            const want = expectedFailing(project, n, stack);

            it(`the same ${want.length} failing tests in all three, as expected.json says`, () => {
              const r = get();
              const ids = (fs: Failure[]): string[] => [...new Set(fs.map((f) => f.nodeid))].sort();
              const msg = "\n" + r.raw.stderr.slice(-2000) + r.raw.text.slice(-3000);
              assert.equal(r.raw.exitCode, want.length > 0 ? 1 : 0, msg);
              assert.deepEqual(ids(r.plugin), want, "plugin" + msg);
              assert.deepEqual(ids(r.text), want, "text" + msg);
              assert.deepEqual(ids(r.junit), want, "junit" + msg);
              // one failure per test, in the call phase (no setup/teardown errors here)
              for (const [name, fs] of Object.entries({ plugin: r.plugin, text: r.text, junit: r.junit }))
                assert.deepEqual(fs.map(key).sort(), want.map((id) => `${id}|call`), name);
              assert.ok(r.text.every((f) => !f.nodeidGuessed), "text nodeids come from the -rfE summary");
              // xunit2 has no file attribute: junit nodeids are derived from classname + name
              // (nodeidGuessed), and must still come out exactly as pytest's.
            });

            it("plugin data gives the right failure for each test", () => {
              const p = byKey(get().plugin);
              const right = RIGHT[project]?.[n] ?? {};
              for (const id of want) {
                assert.ok(id in right, `no right answer written down for ${id}`);
                const f = p.get(`${id}|call`);
                assert.deepEqual(facts(f?.db), right[id], id);
                assert.ok(f?.userFrame, `${id}: a frame in the project's own code`);
                if (!right[id]) assert.equal(f?.chain[0]?.type, "AssertionError", id);
              }
            });

            for (const other of ["text", "junit"] as const) {
              it(`${other === "text" ? "terminal text" : "junit XML"} gives the same failures as the plugin`, () => {
                const r = get();
                const p = byKey(r.plugin);
                const roots = { plugin: r.roots.plugin, other: other === "text" ? r.roots.plugin : r.roots.junit };
                for (const f of r[other]) {
                  const k = key(f);
                  const pf = p.get(k);
                  assert.deepEqual(facts(f.db), facts(pf?.db), `${other} ${k}`);
                  assert.deepEqual(rawFacts(f.db), rawFacts(pf?.db), `${other} before resolution ${k}`);
                  // The junit run is another pytest process: factory_boy's Faker fields (names) differ
                  // from the plugin run's, so its parameters are compared only through the values of
                  // the constrained columns (facts above).
                  assert.deepEqual(extras(f.db, other === "text"), extras(pf?.db, other === "text"), `${other} exception details ${k}`);
                  assert.deepEqual(f.chain.map((l) => l.type), pf?.chain.map((l) => l.type), `${other} chain ${k}`);
                  assert.equal(frameOf(f, roots.other), frameOf(pf, roots.plugin), `${other} user frame ${k}`);
                }
              });
            }

            it("groupFailures groups them the same way from all three", () => {
              const r = get();
              const shape = groupShape(groupFailures(r.plugin));
              assert.deepEqual(groupShape(groupFailures(r.text)), shape, "text");
              assert.deepEqual(groupShape(groupFailures(r.junit)), shape, "junit");
              if (project === "session_pending_rollback") {
                // one cause (a passing test's failed flush: the original error), five symptoms
                const [g, ...more] = groupFailures(r.plugin);
                assert.equal(more.length, 0, "one group");
                assert.equal(g?.cause, undefined, "the cause passed (pytest.raises), so it is the original error");
                assert.deepEqual(facts(g?.original), uniqueEmail("dup@example.com"));
                assert.deepEqual(g?.symptoms.map(key).sort(), want.map((id) => `${id}|call`));
              } else {
                // independent failures: one group each, no symptoms
                assert.equal(shape.length, want.length);
                for (const g of groupFailures(r.plugin)) assert.deepEqual(g.symptoms, []);
              }
            });

            it("plugin data carries what only the exception objects have", () => {
              const r = get();
              for (const f of r.plugin) {
                if (!f.db) continue;
                const db = f.db.kind === "pending-rollback" ? f.db.original : f.db;
                assert.equal(db?.errorType, "sqlalchemy.exc.IntegrityError", key(f));
                assert.equal(db?.driverErrorType, "sqlite3.IntegrityError", key(f));
                assert.match(db?.statement ?? "", /^INSERT INTO users/, key(f));
                if (f.db.kind === "pending-rollback") {
                  assert.equal(f.db.errorType, "sqlalchemy.exc.PendingRollbackError", key(f));
                  assert.ok(f.sessionId, `${key(f)}: the follow-on error names its session`);
                }
              }
              // the Session of all five follow-on errors is the same one
              if (project === "session_pending_rollback") assert.equal(new Set(r.plugin.map((f) => f.sessionId)).size, 1);
            });

            if (FILE_DB[project]) {
              it("the database file fills in the SQLite index name, the same for all three", async () => {
                const r = get();
                const resolvers = await Promise.all([r.roots.plugin, r.roots.junit].map((root) => openSqliteResolver(path.join(root, FILE_DB[project] ?? ""))));
                try {
                  const [fromPluginCopy, fromJunitCopy] = resolvers;
                  assert.ok(fromPluginCopy && fromJunitCopy);
                  for (const [name, fs, resolver] of [["plugin", r.plugin, fromPluginCopy], ["text", r.text, fromPluginCopy], ["junit", r.junit, fromJunitCopy]] as const) {
                    for (const f of fs) {
                      assert.ok(f.db, key(f));
                      const got = facts(await resolveConstraint(f.db, [resolver]));
                      assert.deepEqual(got, { ...facts(f.db), constraint: "sqlite_autoindex_users_1" }, `${name} ${key(f)}`);
                    }
                  }
                } finally {
                  await Promise.all(resolvers.map((x) => x.close()));
                }
              });
            }
          });
        }
      }
    });
  }
});
