import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withPythonTree } from "../../src/core/pyparse";
import { Store } from "../../src/core/store";

describe("foundation: tree-sitter Python grammar", () => {
  it("parses a SQLAlchemy model file into classes and calls", async () => {
    const src = [
      "from sqlalchemy import Column, Integer, String",
      "class User(Base):",
      "    __tablename__ = 'users'",
      "    id = Column(Integer, primary_key=True)",
      "    email = Column(String, unique=True)",
      "",
    ].join("\n");
    const found = await withPythonTree(src, (tree) => {
      assert.equal(tree.rootNode.hasError, false);
      const cls = tree.rootNode.descendantsOfType("class_definition")[0];
      return { name: cls?.childForFieldName("name")?.text, line: cls?.startPosition.row };
    });
    assert.deepEqual(found, { name: "User", line: 1 });
  });

  it("marks a broken file with an error node instead of throwing", async () => {
    const hasError = await withPythonTree("class (:\n  x = = 1\n", (t) => t.rootNode.hasError);
    assert.equal(hasError, true);
  });
});

describe("foundation: sqlite3 store", () => {
  it("round-trips a run and its results through a file database", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-store-"));
    const file = path.join(dir, "store.db");
    const store = await Store.open(file);
    const { lastID } = await store.run("INSERT INTO runs (started_at, root) VALUES (?, ?)", ["2026-11-24", "/p"]);
    await store.run("INSERT INTO results (run_id, nodeid, outcome) VALUES (?, ?, ?)", [lastID, "t.py::a", "failed"]);
    await store.close();
    const again = await Store.open(file);
    const rows = await again.all<{ nodeid: string; outcome: string }>("SELECT nodeid, outcome FROM results");
    await again.close();
    assert.deepEqual(rows, [{ nodeid: "t.py::a", outcome: "failed" }]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("run history", () => {
  it("keeps each result with its normalized failures, latest run first", async () => {
    const { startRun, recordResult, endRun, latestResults } = await import("../../src/core/history");
    const store = await Store.open(":memory:");
    const old = await startRun(store, "/p");
    await recordResult(store, old, { nodeid: "t.py::a", outcome: "passed", durationMs: 3, failures: [] });
    const run = await startRun(store, "/p");
    const failure = { nodeid: "t.py::a", phase: "call" as const, chain: [], frames: [], source: "plugin" as const, db: { kind: "unique" as const, message: "UNIQUE constraint failed: users.email", columns: ["email"], table: "users" } };
    await recordResult(store, run, { nodeid: "t.py::a", outcome: "failed", durationMs: 5, failures: [failure] });
    await endRun(store, run);
    assert.deepEqual(await latestResults(store, "/p"), [{ nodeid: "t.py::a", outcome: "failed", durationMs: 5, failures: [failure] }]);
    const [counts] = await store.all<{ passed: number; failed: number; ended: number }>("SELECT passed, failed, ended_at IS NOT NULL AS ended FROM runs WHERE id = ?", [run]);
    assert.deepEqual(counts, { passed: 0, failed: 1, ended: 1 });
    await store.close();
  });
});
