import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { latestResults } from "../../../src/core/history";
import type { StoreNotice } from "../../../src/core/historyStore";
import * as vscode from "vscode";
import { api, folder, runAndWait, screenshot, setArgs, STACKS, until, useStack } from "./helpers";

describe("project index and run history in the extension", () => {
  it("indexes a folder in the background, on worker threads from the bundle", async () => {
    const a = await api();
    const tests = folder(a, "commit_factory");
    const index = await a.explorer.indexes.get(tests.folder);
    const factory = index.factory("UserFactory");
    assert.equal(factory?.meta.sqlalchemy_session_persistence?.literal, "commit");
    assert.equal(factory?.file, "factories.py");
    assert.ok(index.table("users")?.columns.some((c) => c.name === "email"));
    assert.equal(a.explorer.indexes.workerErrors.get(tests.folder.uri.toString()), undefined);
  });

  it("records each run's results and normalized failures in its SQLite store", async () => {
    await useStack(STACKS[0]);
    await setArgs([]);
    const a = await api();
    const tests = folder(a, "commit_factory");
    await runAndWait(a, [tests.root]);
    const rows = await latestResults((await a.explorer.history.open())!, tests.folder.uri.fsPath);
    const failed = rows.find((r) => r.nodeid === "tests/test_profile.py::test_rename_user");
    assert.equal(failed?.outcome, "failed");
    assert.equal(failed.failures[0]?.db?.kind, "unique");
    assert.deepEqual(failed.failures[0]?.db?.columns, ["email"]);
    assert.equal(rows.length, 6);
  });

  describe("a damaged or locked store", () => {
    const HOLD_LOCK = "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=2)\nc.execute('PRAGMA locking_mode = EXCLUSIVE')\nc.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\nsys.stdin.read()\nc.execute('COMMIT')\n";
    const RENAME = "tests/test_profile.py::test_rename_user";

    /** Runs commit_factory, collecting what the history told the user meanwhile. */
    async function runCollecting(): Promise<{ outcome: string | undefined; notices: Array<StoreNotice & { shown: boolean }> }> {
      const a = await api();
      const notices: Array<StoreNotice & { shown: boolean }> = [];
      const sub = a.explorer.history.onDidNotice((n) => notices.push(n));
      try {
        const results = await runAndWait(a, [folder(a, "commit_factory").root]);
        return { outcome: results.get(RENAME)?.outcome, notices };
      } finally {
        sub.dispose();
      }
    }

    function corruptFiles(file: string): string[] {
      return fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith(`${path.basename(file)}.corrupt-`) && !/-(wal|shm)$/.test(f));
    }

    async function runsRecorded(): Promise<number> {
      const a = await api();
      const store = await a.explorer.history.open();
      const [row] = (await store?.all<{ n: number }>("SELECT count(*) AS n FROM runs")) ?? [];
      return row?.n ?? -1;
    }

    it("a damaged store file is kept aside with a message, and the run goes on into a new store", async () => {
      await useStack(STACKS[0]);
      await setArgs([]);
      const a = await api();
      const h = a.explorer.history;
      const asideBefore = corruptFiles(h.file);
      await new Promise((r) => setTimeout(r, 1000)); // the last run's readers (Leaks view, marks) are done
      await h.reopen(); // as a window reload: the file is opened again on next use
      for (const side of ["", "-wal", "-shm"]) fs.rmSync(h.file + side, { force: true });
      fs.writeFileSync(h.file, "this is not a database ".repeat(400));
      const { outcome, notices } = await runCollecting();
      assert.equal(outcome, "failed", "the run went on");
      assert.equal(notices.length, 1, JSON.stringify(notices));
      assert.equal(notices[0]?.level, "error");
      assert.match(notices[0]?.message ?? "", /was damaged .* it was kept as .*history\.db\.corrupt-.* and a new one started/);
      const aside = corruptFiles(h.file).filter((f) => !asideBefore.includes(f));
      assert.equal(aside.length, 1, aside.join());
      assert.equal(fs.readFileSync(path.join(path.dirname(h.file), aside[0] ?? ""), "utf8").slice(0, 23), "this is not a database ", "the damaged file is kept as it was");
      assert.equal(await runsRecorded(), 1, "the run is in the new store");
      const rows = await latestResults((await h.open())!, folder(a, "commit_factory").folder.uri.fsPath);
      assert.equal(rows.find((r) => r.nodeid === RENAME)?.outcome, "failed");
    });

    it("a store locked by another process gives a message, the run goes on, and the next run is recorded again", async () => {
      const a = await api();
      const h = a.explorer.history;
      const before = await runsRecorded();
      const asideBefore = corruptFiles(h.file);
      // another process in the middle of a long write (a second window, a backup tool); one in
      // this process would share SQLite's locks with the extension. Its exclusive lock needs the
      // file closed everywhere: a reader of the last run (a view refreshing) can still have it
      // open, so it tries again, the store closed anew each time.
      const holdLock = async () => {
        for (let attempt = 1; ; attempt++) {
          await h.reopen();
          const child = spawn("/usr/bin/python3", ["-c", HOLD_LOCK, h.file], { stdio: ["pipe", "pipe", "inherit"] });
          const locked = await new Promise<boolean>((resolve) => {
            child.stdout.once("data", () => resolve(true));
            child.once("exit", () => resolve(false));
          });
          if (locked) return child;
          assert.ok(attempt < 20, "the lock holder got its lock within 20 tries");
          await new Promise((r) => setTimeout(r, 500));
        }
      };
      const other = await holdLock();
      try {
        const { outcome, notices } = await runCollecting();
        assert.equal(outcome, "failed", "the run went on");
        assert.equal(notices.filter((n) => n.shown).length, 1, `the user is told once: ${JSON.stringify(notices)}`);
        assert.ok(notices.every((n) => n.level === "warn" && /(unavailable for now .*tried again on the next run|locked by another process .*the next run tries again)/.test(n.message)), JSON.stringify(notices));
      } finally {
        other.stdin.end();
        if (other.exitCode === null && other.signalCode === null) {
          const killer = setTimeout(() => other.kill(), 5000);
          await new Promise((resolve) => other.once("exit", resolve));
          clearTimeout(killer);
        }
      }
      assert.deepEqual(corruptFiles(h.file), asideBefore, "a lock is no damage: nothing more moved aside");
      const { outcome, notices } = await runCollecting();
      assert.equal(outcome, "failed");
      assert.deepEqual(notices, [], "nothing to say once the lock is gone");
      assert.equal(await runsRecorded(), before + 1, "the locked run is not recorded, the next one is");
    });
  });

  it("shows a test that fails only after another on its Test Explorer item: k/n runs failed, always after the polluter", async () => {
    await useStack(STACKS[0]);
    await setArgs([]);
    const a = await api();
    const tests = folder(a, "commit_factory");
    const victim = "tests/test_profile.py::test_rename_user";
    const profile = tests.byNodeId.get("tests/test_profile.py");
    assert.ok(profile, "the test file's item");
    // whole folder: fails after test_accounts.py committed alice; its own file alone: passes
    assert.equal((await runAndWait(a, [tests.root])).get(victim)?.outcome, "failed");
    assert.equal((await runAndWait(a, [profile])).get(victim)?.outcome, "passed");
    assert.equal((await runAndWait(a, [tests.root])).get(victim)?.outcome, "failed");
    // marks follow each recorded run: wait for the third's
    const text = await until("the victim's mark after the third run", () => {
      const t = a.flakiness.shown(tests).get(victim);
      return t && /always after/.test(t) ? t : undefined;
    });
    const [, k, n] = /^(\d+)\/(\d+) runs failed, always after test_create_alice$/.exec(text) ?? [];
    assert.ok(Number(k) >= 2 && Number(k) < Number(n), text); // earlier suites' runs of the folder count too
    assert.equal(tests.byNodeId.get(victim)?.description, text, "on the Test Explorer item");
    assert.equal(a.flakiness.shown(tests).has("tests/test_accounts.py::test_create_alice"), false, "a test that always passes is steady");
    await vscode.commands.executeCommand("workbench.view.testing.focus");
    await vscode.commands.executeCommand("vscode.revealTestInExplorer", tests.byNodeId.get(victim));
    const shot = await screenshot("flaky-test", { selector: ".test-explorer", text: "always after test_create_alice" });
    if (shot.error !== "no screenshot host (desktop host)") assert.ok(shot.ok, shot.error);
  });
});
