// The cause engine on recorded provenance of the example projects (both stacks, first and second
// run), plus the rules' edges on hand-made messages. No Python runs here.
import * as assert from "node:assert/strict";
import { diagnose, type Diagnosis } from "../../../src/core/causes";
import type { Failure } from "../../../src/core/failures/model";
import { PROTOCOL_VERSION as v, type Message } from "../../../src/core/protocol";
import { diagnoseRecorded, STACK_NAMES } from "./recorded";

function first(d: Diagnosis | undefined): string {
  const c = d?.causes[0];
  return c ? `${c.kind} ${c.file}:${c.line} ${c.symbol}` : "none";
}

function kinds(d: Diagnosis | undefined): string[] {
  return (d?.causes ?? []).map((c) => `${c.kind} ${c.file}:${c.line}`);
}

describe("cause engine on recorded runs", () => {
  for (const stack of STACK_NAMES) {
    describe(stack, () => {
      it("commit_factory: the committing factory first, then the test that left alice; the row counter gets both polluters", () => {
        for (const run of [0, 1]) {
          const d = diagnoseRecorded("commit_factory", stack, run);
          for (const victim of ["tests/test_profile.py::test_rename_user", "tests/test_profile.py::test_deactivate_user"]) {
            assert.equal(first(d.get(victim)), "factory-commits factories.py:12 UserFactory");
            assert.deepEqual(kinds(d.get(victim)), ["factory-commits factories.py:12", "polluter-test tests/test_accounts.py:5"]);
            const polluter = d.get(victim)?.causes[1];
            assert.equal(polluter?.symbol, "tests/test_accounts.py::test_create_alice");
            assert.match(polluter?.evidence ?? "", /inserted the users row \(email = "alice@example\.com"\).*committed it and the row was still there after its teardown/);
            assert.deepEqual(d.get(victim)?.causes[0]?.fixes, ["persistence-flush"]);
          }
          const counter = d.get("tests/test_profile.py::test_users_table_starts_empty");
          assert.deepEqual(kinds(counter), ["factory-commits factories.py:12", "polluter-test tests/test_accounts.py:5", "polluter-test tests/test_accounts.py:11"]);
        }
      });

      it("savepoint_commit: the SAVEPOINT that was pysqlite's outermost transaction, at the engine fixture", () => {
        const d = diagnoseRecorded("savepoint_commit", stack);
        const victim = d.get("tests/test_naive_savepoint.py::test_carol_again");
        assert.equal(first(victim), "fixture-no-isolation conftest.py:34 engine");
        assert.deepEqual(victim?.causes[0]?.fixes, ["pysqlite-savepoint-fix"]);
        assert.equal(victim?.causes[1]?.symbol, "tests/test_naive_savepoint.py::test_signup_commits");
        // the fixed engine's tests are not blamed
        assert.ok(![...d.values()].some((x) => x.causes.some((c) => c.evidence.includes("test_fixed_"))));
      });

      it("session_pending_rollback: every follow-on points at the passing test that broke the session", () => {
        for (const run of [0, 1]) {
          const d = diagnoseRecorded("session_pending_rollback", stack, run);
          assert.equal(d.size, 5);
          for (const diag of d.values()) {
            assert.equal(diag.rootOf, "tests/test_users.py::test_duplicate_email_is_rejected");
            assert.equal(first(diag), "pending-rollback-cascade tests/test_users.py:16 tests/test_users.py::test_duplicate_email_is_rejected");
            assert.match(diag.causes[0]?.evidence ?? "", /that test passed: it caught the error/);
          }
        }
      });

      it("rollback_file_db: the test whose service commit survived, then the file database; the next run blames the file", () => {
        const run1 = diagnoseRecorded("rollback_file_db", stack, 0).get("tests/test_services.py::test_register_normalises_email");
        assert.deepEqual(kinds(run1), ["test-commits services.py:13", "persistent-database conftest.py:15", "polluter-test services.py:13"]);
        assert.equal(run1?.causes[0]?.symbol, "tests/test_services.py::test_register_alice");
        const run2 = diagnoseRecorded("rollback_file_db", stack, 1);
        for (const diag of run2.values()) assert.equal(first(diag), "persistent-database conftest.py:15 sqlite:////project/test.db");
      });

      it("async_service_commits: the awaited commit, tied to the test that awaited it through SQLAlchemy's greenlet; the next run blames the file", () => {
        const run1 = diagnoseRecorded("async_service_commits", stack, 0);
        assert.deepEqual([...run1.keys()], ["tests/test_services.py::test_register_normalises_email"]);
        const victim = run1.get("tests/test_services.py::test_register_normalises_email");
        assert.deepEqual(kinds(victim), ["test-commits services.py:13", "persistent-database conftest.py:22", "polluter-test services.py:13"]);
        assert.equal(victim?.causes[0]?.symbol, "tests/test_services.py::test_register_alice");
        assert.match(victim?.causes[0]?.evidence ?? "", /test_register_alice committed the users row \(email = "alice@example\.com"\) for real \(services\.py:13\)/);
        const run2 = diagnoseRecorded("async_service_commits", stack, 1);
        assert.equal(run2.size, 3);
        for (const diag of run2.values()) assert.equal(first(diag), "persistent-database conftest.py:22 sqlite+aiosqlite:////project/test.db");
      });

      it("create_override: nothing on the first run; the second run blames the committing _create, then dev.db", () => {
        assert.equal(diagnoseRecorded("create_override", stack, 0).size, 0);
        const run2 = diagnoseRecorded("create_override", stack, 1);
        assert.ok(run2.size > 0);
        for (const diag of run2.values()) {
          assert.equal(first(diag), "factory-commits factories.py:25 UserFactory._create");
          assert.match(diag.causes[0]?.evidence ?? "", /BaseFactory\._create commits every row UserFactory creates; the users row \(email = ".*"\) it committed in an earlier run is still in the database/);
          assert.deepEqual(diag.causes.map((c) => c.kind), ["factory-commits", "persistent-database"]);
          assert.match(diag.causes[1]?.evidence ?? "", /users already held \d+ rows when this run first touched it/);
        }
      });

      it("clean: no failure, no cause", () => {
        for (const run of [0, 1]) assert.equal(diagnoseRecorded("clean", stack, run).size, 0);
      });
    });
  }
});

describe("cause engine rules", () => {
  const uniqueFailure = (nodeid: string, values: string[]): Failure => ({
    nodeid, phase: "call", chain: [{ type: "sqlalchemy.exc.IntegrityError", message: "UNIQUE constraint failed: users.email" }], frames: [], source: "plugin",
    db: { kind: "unique", table: "users", columns: ["email"], values, message: "UNIQUE constraint failed: users.email" },
  });
  const base: Message[] = [
    { v, type: "hello", pid: 1, python: "3", pytest: "8", rootdir: "/p", args: [], plugins: [] },
    { v, type: "started", nodeid: "t.py::a" },
    { v, type: "started", nodeid: "t.py::b" },
  ];

  it("a collision with the test's own row is no leak", () => {
    const messages: Message[] = [...base, {
      v, type: "provenance", nodeid: "t.py::b",
      conflicts: [{ engine: "e1", table: "users", columns: ["email"], values: ["x"], writer: { nodeid: "t.py::b", phase: "call", by: { kind: "test", test: "t.py::b" }, state: "open" } }],
    }];
    assert.deepEqual(diagnose(messages, [uniqueFailure("t.py::b", ["x"])])[0]?.causes, []);
  });

  it("no provenance, no cause (evidence or nothing)", () => {
    assert.deepEqual(diagnose(base, [uniqueFailure("t.py::b", ["x"])])[0]?.causes, []);
    const assertion: Failure = { nodeid: "t.py::b", phase: "call", chain: [{ type: "AssertionError", message: "assert 2 == 0" }], frames: [], source: "plugin" };
    assert.deepEqual(diagnose(base, [assertion])[0]?.causes, []);
  });

  it("under xdist a row another worker wrote is found by its values and named with its test, when the workers share the database", () => {
    const engine = (persistent: boolean) => ({ id: "e1", url: persistent ? "sqlite:///t.db" : "sqlite://", dialect: "sqlite", driver: "pysqlite", pool: "QueuePool", persistent });
    const run = (persistent: boolean): Message[] => [...base,
      { v, type: "provenance", nodeid: "t.py::a", worker: "gw1", engines: [engine(persistent)], writes: [{ engine: "e1", table: "users", op: "insert", phase: "call", by: { kind: "factory", factory: { name: "UserFactory", persistence: "commit", file: "/p/f.py", line: 3 } }, frame: { file: "/p/t.py", line: 1, function: "a" }, count: 1, committed: 1, rolledBack: 0, keys: [{ email: ["x"] }], checked: 1, survived: 1 }] },
      { v, type: "provenance", nodeid: "t.py::b", worker: "gw0", engines: [engine(persistent)], conflicts: [{ engine: "e1", table: "users", columns: ["email"], values: ["x"], existing: true }] },
    ];
    const [d] = diagnose(run(true), [uniqueFailure("t.py::b", ["'x'"])]);
    assert.deepEqual(kinds(d), ["factory-commits f.py:4", "polluter-test t.py:2"]);
    // each worker's in-memory database is its own: the other worker's row is no evidence
    const [mem] = diagnose(run(false), [uniqueFailure("t.py::b", ["'x'"])]);
    assert.deepEqual(kinds(mem), []);
  });

  it("a writer-less collision is never blamed on a test whose row was rolled back or gone; one that stayed is", () => {
    const engine = { id: "e1", url: "sqlite:///t.db", dialect: "sqlite", driver: "pysqlite", pool: "QueuePool", persistent: true };
    const run = (committed: number, survived: number | undefined): Message[] => [...base,
      { v, type: "provenance", nodeid: "t.py::a", engines: [engine], writes: [{ engine: "e1", table: "users", op: "insert", phase: "call", by: { kind: "test", test: "t.py::a" }, frame: { file: "/p/t.py", line: 1, function: "a" }, count: 1, committed, rolledBack: 1 - committed, keys: [{ email: ["x"] }], ...(survived === undefined ? {} : { checked: 1, survived }) }] },
      { v, type: "provenance", nodeid: "t.py::b", conflicts: [{ engine: "e1", table: "users", columns: ["email"], values: ["x"], existing: true }] },
    ];
    const blamed = (committed: number, survived: number | undefined): string[] => kinds(diagnose(run(committed, survived), [uniqueFailure("t.py::b", ["'x'"])])[0]);
    assert.deepEqual(blamed(0, undefined), [], "rolled back");
    assert.deepEqual(blamed(1, 0), [], "committed, gone after its teardown");
    assert.deepEqual(blamed(1, 1), ["test-commits t.py:2", "polluter-test t.py:2"], "committed and still there");
  });

  it("under xdist each worker's own database file is its own database; two engines on one file are one", () => {
    const engine = (id: string, file: string) => ({ id, url: `sqlite:///${file}`, dialect: "sqlite", driver: "pysqlite", pool: "QueuePool", persistent: true });
    const run = (a: { worker: string; engine: string; file: string }, b: { worker: string; engine: string; file: string }): Message[] => [...base,
      { v, type: "provenance", nodeid: "t.py::a", worker: a.worker, engines: [engine(a.engine, a.file)], writes: [{ engine: a.engine, table: "users", op: "insert", phase: "call", by: { kind: "test", test: "t.py::a" }, frame: { file: "/p/t.py", line: 1, function: "a" }, count: 1, committed: 1, rolledBack: 0, keys: [{ email: ["x"] }], checked: 1, survived: 1 }] },
      { v, type: "provenance", nodeid: "t.py::b", worker: b.worker, engines: [engine(b.engine, b.file)], conflicts: [{ engine: b.engine, table: "users", columns: ["email"], values: ["x"], existing: true }] },
    ];
    const [own] = diagnose(run({ worker: "gw1", engine: "e1", file: "t_gw1.db" }, { worker: "gw0", engine: "e1", file: "t_gw0.db" }), [uniqueFailure("t.py::b", ["'x'"])]);
    assert.deepEqual(kinds(own), []);
    const [shared] = diagnose(run({ worker: "", engine: "e1", file: "t.db" }, { worker: "", engine: "e2", file: "t.db" }), [uniqueFailure("t.py::b", ["'x'"])]);
    assert.ok(kinds(shared).includes("polluter-test t.py:2"), JSON.stringify(kinds(shared)));
  });

  it("a failed assertion over a table that held rows before the run, in a database that outlives it: the database", () => {
    const engine = { id: "e1", url: "postgresql://u:***@h/db", dialect: "postgresql", driver: "psycopg2", pool: "QueuePool", persistent: true, firstUse: { by: { kind: "fixture" as const, fixture: { name: "engine", scope: "session", file: "/p/conftest.py", line: 7 } }, nodeid: "t.py::a" } };
    const messages: Message[] = [...base,
      { v, type: "provenance", nodeid: "t.py::a", engines: [engine], baselines: [{ engine: "e1", table: "users", rows: 3 }], reads: ["users"] },
    ];
    const failure: Failure = { nodeid: "t.py::a", phase: "call", chain: [{ type: "AssertionError", message: "assert 3 == 0" }], frames: [], source: "plugin" };
    const [d] = diagnose(messages, [failure]);
    assert.deepEqual(kinds(d), ["persistent-database conftest.py:8"]);
    assert.match(d?.causes[0]?.evidence ?? "", /users already held 3 rows when this run first touched it/);
    // the same on a database that does not outlive the run: nothing to say
    const [mem] = diagnose(messages.map((m) => (m.type === "provenance" ? { ...m, engines: [{ ...engine, persistent: false }] } : m)), [failure]);
    assert.deepEqual(kinds(mem), []);
  });

  it("ranks the mechanism over the polluter, and the cascade over everything", () => {
    const messages: Message[] = [...base,
      { v, type: "provenance", nodeid: "t.py::a", conflicts: [{ engine: "e1", table: "users", columns: ["email"], values: ["d"], at: { by: { kind: "test", test: "t.py::a" }, frame: { file: "/p/t.py", line: 9, function: "a" } }, writer: { nodeid: "t.py::a", phase: "call", by: { kind: "test" }, state: "open" } }] },
    ];
    const follow: Failure = { nodeid: "t.py::b", phase: "call", chain: [{ type: "sqlalchemy.exc.PendingRollbackError", message: "..." }], frames: [], source: "plugin", db: { kind: "pending-rollback", columns: [], message: "x", original: { kind: "unique", columns: ["email"], values: ["'d'"], message: "UNIQUE" } } };
    const [d] = diagnose(messages, [follow]);
    assert.equal(d?.rootOf, "t.py::a");
    assert.deepEqual(kinds(d), ["pending-rollback-cascade t.py:10"]);
  });
});
