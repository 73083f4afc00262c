import * as assert from "node:assert/strict";
import { isUserFile } from "../../src/core/failures/frames";
import { comparison, foldReports } from "../../src/core/testResult";
import { PROTOCOL_VERSION } from "../../src/core/protocol";

const v = PROTOCOL_VERSION;
const base = { v, type: "report" as const, nodeid: "tests/test_a.py::test_x" };

describe("test results from reports", () => {
  it("a failure in setup makes the test errored even when call never ran", () => {
    const r = foldReports([{ ...base, when: "setup", outcome: "failed", duration: 0.01, longrepr: "E   boom" }], "/p");
    assert.equal(r.outcome, "errored");
    assert.match(r.messages[0]?.text ?? "", /boom/);
  });

  it("a passing call with a failing teardown is errored, not passed", () => {
    const r = foldReports([
      { ...base, when: "setup", outcome: "passed", duration: 0 },
      { ...base, when: "call", outcome: "passed", duration: 0.5 },
      { ...base, when: "teardown", outcome: "failed", duration: 0, longrepr: "E   teardown broke" },
    ], "/p");
    assert.equal(r.outcome, "errored");
    assert.equal(Math.round(r.durationMs), 500);
  });

  it("takes the test's duration from its finished message: quiet passing phases send no report", () => {
    const finished = { v, type: "finished" as const, nodeid: base.nodeid, outcome: "failed" as const, duration: 0.75 };
    const r = foldReports([{ ...base, when: "call", outcome: "failed", duration: 0.5, longrepr: "E   boom" }], "/p", finished);
    assert.equal(r.outcome, "failed");
    assert.equal(Math.round(r.durationMs), 750);
  });

  it("places the message on the deepest frame in user code and reads expected/actual", () => {
    const frames = [
      { file: "/p/tests/test_a.py", line: 9, function: "test_x" },
      { file: "/p/app/services.py", line: 20, function: "register" },
      { file: "/usr/lib/python3/dist-packages/sqlalchemy/orm/session.py", line: 100, function: "commit" },
    ];
    const r = foldReports([{ ...base, when: "call", outcome: "failed", duration: 0, longrepr: "    def test_x():\n>       assert 1 == 2\nE       assert 1 == 2", error: { chain: [{ type: "AssertionError", message: "assert 1 == 2" }], frames } }], "/p");
    assert.equal(r.outcome, "failed");
    assert.deepEqual(r.messages[0]?.location, frames[1]);
    assert.equal(r.messages[0]?.actual, "1");
    assert.equal(r.messages[0]?.expected, "2");
  });

  it("recognises library frames", () => {
    const opts = { projectRoot: "/p" };
    assert.equal(isUserFile("/p/.venv/lib/python3.11/site-packages/x.py", opts), false);
    assert.equal(isUserFile("/elsewhere/x.py", opts), false);
    assert.equal(isUserFile("<string>", opts), false);
    assert.equal(isUserFile("/p/app/services.py", opts), true);
    assert.deepEqual(comparison("E       AssertionError: assert 'a@x' == 'b@x'"), { actual: "'a@x'", expected: "'b@x'" });
  });
});

describe("database failures in test messages", () => {
  it("head the message with the normalized failure, and name the original for a broken session", () => {
    const orig = { sqlalchemyType: "sqlalchemy.exc.IntegrityError", origType: "sqlite3.IntegrityError", origMessage: "UNIQUE constraint failed: users.email", statement: "INSERT INTO users (email) VALUES (?)", params: ["a@x"], dialect: "sqlite", driver: "pysqlite", sqlalchemyCode: "gkpj" };
    const unique = foldReports([{ ...base, when: "call", outcome: "failed", duration: 0, error: { chain: [{ type: "sqlalchemy.exc.IntegrityError", message: "(sqlite3.IntegrityError) UNIQUE constraint failed: users.email" }], frames: [], db: orig } }], "/p");
    assert.match(unique.messages[0]?.text ?? "", /^Database: UNIQUE users\(email\) = 'a@x' \(sqlite\/pysqlite\)\n\nsqlalchemy\.exc\.IntegrityError/);
    assert.equal(unique.failures[0]?.db?.kind, "unique");
    const pending = foldReports([{ ...base, when: "call", outcome: "failed", duration: 0, error: { chain: [{ type: "sqlalchemy.exc.PendingRollbackError", message: "This Session's transaction has been rolled back due to a previous exception during flush." }], frames: [], db: { sqlalchemyType: "sqlalchemy.exc.PendingRollbackError", sqlalchemyCode: "7s2a", original: orig } } }], "/p");
    assert.match(pending.messages[0]?.text ?? "", /^Session needs a rollback: an earlier error in it was never rolled back \(UNIQUE users\(email\) = 'a@x'/);
  });
});
