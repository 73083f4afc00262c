// The history store under a damaged file and a lock held elsewhere, and passwords kept out of it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sqlite3 = require("sqlite3");
import { latestResults, recordResult, startRun } from "../../src/core/history";
import { HistoryStore, type StoreNotice } from "../../src/core/historyStore";
import type { Failure } from "../../src/core/failures/model";

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "otd-hist-"));
}

describe("history store: damaged, locked, redacted", function () {
  this.timeout(30_000);

  it("a corrupt file is kept aside under a dated name, said where, and a fresh store works", async () => {
    const dir = tmp();
    const file = path.join(dir, "history.db");
    fs.writeFileSync(file, "this is not a database ".repeat(500));
    const notices: StoreNotice[] = [];
    const h = new HistoryStore(file, (n) => notices.push(n));
    const store = await h.get();
    assert.ok(store, "a fresh store");
    const id = await startRun(store, "/p");
    assert.ok(id > 0);
    const aside = fs.readdirSync(dir).filter((f) => f.startsWith("history.db.corrupt-"));
    assert.equal(aside.length, 1);
    assert.equal(fs.readFileSync(path.join(dir, aside[0] ?? ""), "utf8").slice(0, 23), "this is not a database ");
    assert.equal(notices.length, 1);
    assert.match(notices[0]?.message ?? "", new RegExp(`was damaged .*it was kept as ${path.join(dir, "history.db.corrupt-").replace(/[.\\/]/g, "\\$&")}`));
    await h.close();
  });

  it("a store locked by another process is unavailable for now, and opens on the next try once the lock is gone", async () => {
    const dir = tmp();
    const file = path.join(dir, "history.db");
    const first = new HistoryStore(file, () => undefined);
    assert.ok(await first.get());
    await first.close();
    // another connection holds an exclusive lock (as another window in the middle of a write)
    const other = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
    });
    await new Promise<void>((resolve, reject) => other.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;", (err) => (err ? reject(err) : resolve())));
    const notices: StoreNotice[] = [];
    const h = new HistoryStore(file, (n) => notices.push(n));
    assert.equal(await h.get(), undefined);
    assert.match(notices[0]?.message ?? "", /unavailable for now .*tried again on the next run/);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes("corrupt")), [], "a lock is no corruption");
    await new Promise<void>((resolve) => other.exec("COMMIT;", () => other.close(() => resolve())));
    const store = await h.get();
    assert.ok(store, "opened once the lock is gone");
    await h.close();
  });

  it("keeps no database password in the failures it stores", async () => {
    const h = new HistoryStore(path.join(tmp(), "history.db"), () => undefined);
    const store = await h.get();
    assert.ok(store);
    const id = await startRun(store, "/p");
    const failure: Failure = { nodeid: "t.py::a", phase: "call", chain: [{ type: "OperationalError", message: "could not connect to postgresql://app:s3cret@db/test" }], frames: [], source: "plugin", db: { kind: "other", columns: [], message: "x", parameters: "('mysql+pymysql://root:hunter2@localhost/x',)" } };
    await recordResult(store, id, { nodeid: "t.py::a", outcome: "failed", durationMs: 1, failures: [failure] });
    const rows = await store.all<{ failures: string }>("SELECT failures FROM results");
    assert.doesNotMatch(rows[0]?.failures ?? "", /s3cret|hunter2/);
    assert.match(rows[0]?.failures ?? "", /postgresql:\/\/app:\*\*\*@db\/test/);
    assert.equal((await latestResults(store, "/p"))[0]?.failures[0]?.chain[0]?.message, "could not connect to postgresql://app:***@db/test");
    await h.close();
  });
});
