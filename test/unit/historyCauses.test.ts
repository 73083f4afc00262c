// The causes in the run history: kept with each failing result (late ones too, redacted), read
// back per test across partial runs for a reload, a test's flakiness and the test it always
// fails after, each cause's runs, tests and last sighting; and a store of the earlier schema
// keeps its rows when it is migrated.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sqlite3 = require("sqlite3");
import type { Cause } from "../../src/core/causes/model";
import type { Failure } from "../../src/core/failures/model";
import { causeHistory, endRun, latestResults, recordCauses, recordResult, standingCauses, startRun, testHistory, unsteadyTests } from "../../src/core/history";
import { Store } from "../../src/core/store";

const failure = { nodeid: "t.py::b", phase: "call", chain: [{ type: "IntegrityError", message: "UNIQUE" }], frames: [], userFrame: null, db: null } as unknown as Failure;
const cause = (kind: Cause["kind"], symbol: string): Cause => ({ kind, file: "factories.py", line: 12, symbol, evidence: "commits at postgresql://app:secret@db/test", fixes: ["persistence-flush"], rank: 90 });

async function run(store: Store, at: number, results: Array<[string, string, Cause[]?]>): Promise<number> {
  const id = await startRun(store, "/p", new Date(Date.UTC(2026, 10, 1, 0, at)));
  for (const [nodeid, outcome, causes] of results) await recordResult(store, id, { nodeid, outcome, durationMs: 1, failures: outcome === "failed" ? [failure] : [], ...(causes ? { causes } : {}) });
  await endRun(store, id);
  return id;
}

describe("history: causes, flakiness, order dependence", () => {
  it("keeps causes with the result, adds late ones, redacts them, and reads back each test's latest across partial runs", async () => {
    const store = await Store.open(":memory:");
    await run(store, 1, [["t.py::a", "passed"], ["t.py::b", "failed", [cause("factory-commits", "UserFactory")]], ["t.py::c", "failed"]]);
    const id = await run(store, 2, [["t.py::c", "failed"]]); // a partial run: only c
    await recordCauses(store, id, "t.py::c", [cause("polluter-test", "t.py::a")], "t.py::a");
    const standing = await standingCauses(store, "/p");
    assert.deepEqual(standing.map((r) => [r.nodeid, r.causes?.[0]?.kind, r.rootOf]), [["t.py::b", "factory-commits", undefined], ["t.py::c", "polluter-test", "t.py::a"]]);
    assert.equal(standing[0]?.causes?.[0]?.evidence, "commits at postgresql://app:***@db/test");
    assert.equal((await latestResults(store, "/p"))[0]?.causes?.[0]?.symbol, "t.py::a");
    // b passes later: it has no standing cause any more
    await run(store, 3, [["t.py::b", "passed"]]);
    assert.deepEqual((await standingCauses(store, "/p")).map((r) => r.nodeid), ["t.py::c"]);
  });

  it("a test that fails only after another says so; one that fails alone too does not", async () => {
    const store = await Store.open(":memory:");
    await run(store, 1, [["t.py::a", "passed"], ["t.py::x", "passed"], ["t.py::v", "failed"]]);
    await run(store, 2, [["t.py::v", "passed"]]);
    await run(store, 3, [["t.py::x", "passed"], ["t.py::v", "failed"]]);
    await run(store, 4, [["t.py::a", "passed"], ["t.py::v", "passed"]]);
    assert.deepEqual(await testHistory(store, "/p", "t.py::v"), { runs: 4, failed: 2, alwaysAfter: "t.py::x" });
    await run(store, 5, [["t.py::v", "failed"]]);
    assert.deepEqual(await testHistory(store, "/p", "t.py::v"), { runs: 5, failed: 3 });
    assert.deepEqual(await testHistory(store, "/p", "t.py::v", 2), { runs: 2, failed: 1 });
  });

  it("results from xdist workers keep no order: no test is said to fail after another from their finish order", async () => {
    const store = await Store.open(":memory:");
    const id = await startRun(store, "/p");
    await recordResult(store, id, { nodeid: "t.py::x", outcome: "passed", durationMs: 1, failures: [], worker: "gw0" });
    await recordResult(store, id, { nodeid: "t.py::v", outcome: "failed", durationMs: 1, failures: [failure], worker: "gw1" });
    assert.deepEqual(await store.all("SELECT nodeid, seq FROM results ORDER BY nodeid"), [{ nodeid: "t.py::v", seq: null }, { nodeid: "t.py::x", seq: null }]);
    await run(store, 2, [["t.py::v", "passed"]]);
    await run(store, 3, [["t.py::x", "passed"], ["t.py::v", "failed"]]);
    assert.deepEqual(await testHistory(store, "/p", "t.py::v"), { runs: 3, failed: 2 }, "the unordered run is left out: one ordered failure says nothing");
    await run(store, 4, [["t.py::x", "passed"], ["t.py::v", "failed"]]);
    assert.deepEqual(await testHistory(store, "/p", "t.py::v"), { runs: 4, failed: 3, alwaysAfter: "t.py::x" }, "two ordered failures do, the unordered run beside them");
  });

  it("of the tests always run before a failure, the one its causes named comes first", async () => {
    const store = await Store.open(":memory:");
    const polluter = (id: string): Cause => ({ ...cause("polluter-test", id), file: "t.py" });
    await run(store, 1, [["t.py::a", "passed"], ["t.py::b", "passed"], ["t.py::v", "failed", [polluter("t.py::b")]]]);
    await run(store, 2, [["t.py::v", "passed"]]);
    await run(store, 3, [["t.py::a", "passed"], ["t.py::b", "passed"], ["t.py::v", "failed", [polluter("t.py::b")]]]);
    assert.equal((await testHistory(store, "/p", "t.py::v")).alwaysAfter, "t.py::b", "named by the causes, not the first by name");
  });

  it("the unsteady tests of a suite: passed and failed over their last results, most failing first", async () => {
    const store = await Store.open(":memory:");
    await run(store, 1, [["t.py::a", "passed"], ["t.py::x", "passed"], ["t.py::v", "failed"], ["t.py::w", "failed"], ["t.py::s", "skipped"]]);
    await run(store, 2, [["t.py::v", "passed"], ["t.py::w", "failed"], ["t.py::s", "passed"]]);
    await run(store, 3, [["t.py::x", "passed"], ["t.py::v", "failed"], ["t.py::w", "passed"]]);
    await run(store, 4, [["t.py::a", "passed"], ["t.py::v", "passed"], ["t.py::w", "failed"]]);
    const other = await startRun(store, "/elsewhere"); // another folder's runs never count
    await recordResult(store, other, { nodeid: "t.py::a", outcome: "failed", durationMs: 1, failures: [failure] });
    assert.deepEqual(await unsteadyTests(store, "/p"), [
      { nodeid: "t.py::w", runs: 4, failed: 3 },
      { nodeid: "t.py::v", runs: 4, failed: 2, alwaysAfter: "t.py::x" },
    ]);
    // only the last results count: w's last two are failed and passed, v's failed... passed
    assert.deepEqual((await unsteadyTests(store, "/p", 1)), []);
    assert.deepEqual((await unsteadyTests(store, "/p", 2)).map((u) => [u.nodeid, u.failed, u.runs]), [["t.py::v", 1, 2], ["t.py::w", 1, 2]]);
    assert.deepEqual((await unsteadyTests(store, "/p", 10, 1)).map((u) => u.nodeid), ["t.py::w"]);
    await run(store, 5, [["t.py::v", "passed"], ["t.py::w", "passed"]]);
    await run(store, 6, [["t.py::v", "passed"], ["t.py::w", "passed"]]);
    assert.deepEqual((await unsteadyTests(store, "/p", 2)), [], "steady again over the last two");
  });

  it("each cause: the runs it appeared in, the tests it explained, when it was last seen", async () => {
    const store = await Store.open(":memory:");
    await run(store, 1, [["t.py::b", "failed", [cause("factory-commits", "UserFactory")]]]);
    await run(store, 2, [["t.py::b", "failed", [cause("factory-commits", "UserFactory")]], ["t.py::c", "failed", [cause("factory-commits", "UserFactory")]]]);
    const [h] = await causeHistory(store, "/p");
    assert.equal(h?.runs, 2);
    assert.deepEqual(h?.tests, ["t.py::b", "t.py::c"]);
    assert.equal(h?.lastSeen, "2026-11-01T00:02:00.000Z");
  });

  it("a store of the earlier schema is migrated with its rows", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "otd-mig-")), "history.db");
    const db = new sqlite3.Database(file);
    await new Promise<void>((resolve, reject) =>
      db.exec(
        `CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, root TEXT NOT NULL, passed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, ended_at TEXT);
         CREATE TABLE results (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, nodeid TEXT NOT NULL, outcome TEXT NOT NULL, duration_ms REAL, failures TEXT, PRIMARY KEY (run_id, nodeid));
         INSERT INTO runs (started_at, root) VALUES ('2026-01-01T00:00:00Z', '/p');
         INSERT INTO results VALUES (1, 't.py::old', 'failed', 3, NULL);
         PRAGMA user_version = 2;`,
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    await new Promise<void>((resolve) => db.close(() => resolve()));
    const store = await Store.open(file);
    assert.deepEqual((await latestResults(store, "/p")).map((r) => r.nodeid), ["t.py::old"]);
    const [v] = await store.all<{ user_version: number }>("PRAGMA user_version");
    assert.equal(v?.user_version, 4);
    await store.close();
  });
});
