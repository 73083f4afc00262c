import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { processesWith } from "../../util";
import { api, configure, expected, folder, leafIds, outcomes, pytestCollect, runAndWait, setArgs, STACKS, useStack } from "./helpers";

const FOLDERS = ["commit_factory", "clean", "session_pending_rollback", "basic", "slow"];

for (const stack of STACKS) {
  describe(`Test Explorer on the ${stack.name} stack`, () => {
    before(async () => {
      await useStack(stack);
      await setArgs([]);
      await (await api()).explorer.discoverAll();
    });

    it("discovers the same tests as pytest --collect-only, in every folder", async () => {
      const a = await api();
      for (const name of FOLDERS) {
        const tests = folder(a, name);
        assert.equal(tests.root.error, undefined, `${name}: ${String(tests.root.error)}`);
        assert.deepEqual(leafIds(tests), pytestCollect(tests.folder.uri.fsPath, stack.env), name);
      }
    });

    it("runs a whole example project and reports what its README claims", async () => {
      const a = await api();
      const tests = folder(a, "commit_factory");
      const results = await runAndWait(a, [tests.root]);
      assert.deepEqual(outcomes(results), expected("commit_factory"));
      const unique = results.get("tests/test_profile.py::test_rename_user");
      const text = unique?.messages.map((m) => (typeof m.message === "string" ? m.message : m.message.value)).join("\n") ?? "";
      assert.match(text, /UNIQUE constraint failed: users\.email/);
      assert.ok(unique?.messages[0]?.location, "the failure sits on a line");
    });

    it("shows PendingRollbackError follow-ons as failures of their own tests", async () => {
      const a = await api();
      const results = await runAndWait(a, [folder(a, "session_pending_rollback").root]);
      assert.deepEqual(outcomes(results), expected("session_pending_rollback"));
      // each opens with its cause, pointing at the (passing) test that broke the session
      const first = results.get("tests/test_users.py::test_list_users")?.messages[0]?.message;
      const text = typeof first === "string" ? first : (first?.value ?? "");
      assert.match(text, /^\*\*Cause: pending-rollback-cascade\*\* at \[tests\/test\_users\.py:16\]|^\*\*Cause: pending-rollback-cascade\*\* at \[tests\/test_users\.py:16\]/, text.slice(0, 300));
      assert.match(text, /Follow-on of an error in tests\/test\\?_users\.py::test\\?_duplicate\\?_email\\?_is\\?_rejected/);
    });

    it("runs with pytest-xdist (-n 2) and gets every result", async () => {
      const a = await api();
      await setArgs(["-p", "xdist", "-n", "2"]);
      try {
        const tests = folder(a, "clean");
        const results = await runAndWait(a, [tests.root]);
        assert.deepEqual(outcomes(results), expected("clean"));
        assert.equal(results.size, leafIds(tests).length);
      } finally {
        await setArgs([]);
      }
    });
  });
}

describe("Test Explorer details", () => {
  before(async () => {
    await useStack(STACKS[0]);
    await setArgs([]);
  });

  it("builds folder → file → class → function → case, with ranges", async () => {
    const tests = folder(await api(), "basic");
    const fn = tests.byNodeId.get("test_basic.py::TestMath::test_param");
    assert.ok(fn, "function node for the parametrized test");
    assert.deepEqual([...tests.byNodeId.keys()].filter((k) => k.startsWith("test_basic.py::TestMath::test_param[")).sort(), [
      "test_basic.py::TestMath::test_param[1]",
      "test_basic.py::TestMath::test_param[2]",
      "test_basic.py::TestMath::test_param[a b]",
    ]);
    assert.equal(fn.parent?.label, "TestMath");
    assert.ok(tests.byNodeId.get("test_basic.py::test_fail")?.range, "functions carry their range");
  });

  it("runs one parametrized case alone", async () => {
    const a = await api();
    const tests = folder(a, "basic");
    const item = tests.byNodeId.get("test_basic.py::TestMath::test_param[2]");
    assert.ok(item);
    const results = await runAndWait(a, [item]);
    assert.deepEqual(outcomes(results), { "test_basic.py::TestMath::test_param[2]": "failed" });
  });

  it("shows a fixture set-up error as errored, and an assertion failure with expected/actual", async () => {
    const a = await api();
    const tests = folder(a, "basic");
    const results = await runAndWait(a, [tests.root]);
    assert.equal(results.get("test_basic.py::test_error")?.outcome, "errored");
    assert.equal(results.get("test_basic.py::test_skip")?.outcome, "skipped");
    assert.equal(results.get("test_basic.py::test_pass")?.outcome, "passed");
    const fail = results.get("test_basic.py::test_fail")?.messages[0];
    assert.match(fail?.actualOutput ?? "", /^\(?(2|1 \+ 1)\)?$/);
    assert.equal(fail?.expectedOutput, "3");
    assert.equal(fail?.location?.range.start.line, 8); // 0-based: `assert 1 + 1 == 3`
  });

  it("makes a collection error visible on its file", async () => {
    const tests = folder(await api(), "broken");
    const file = tests.byNodeId.get("test_syntax.py");
    assert.ok(file, "the broken file is in the tree");
    const error = typeof file.error === "string" ? file.error : file.error?.value;
    assert.match(error ?? "", /SyntaxError|invalid syntax/);
    assert.ok(tests.byNodeId.get("test_ok.py::test_ok") ?? [...tests.byNodeId.keys()].some((k) => k.startsWith("test_ok.py::")), "the good file is still there");
  });

  it("cancel stops the run within 2 s, keeps finished results and leaves no process", async () => {
    const a = await api();
    const tests = folder(a, "slow");
    const marker = `ORM_TD_CANCEL_MARK=${process.pid}-${Date.now()}`;
    await configure("env", { ORM_TD_CANCEL_MARK: marker.split("=")[1] }, tests.folder);
    const cts = new vscode.CancellationTokenSource();
    const results = new Map<string, string>();
    let cancelledAt = 0;
    let runningBefore = 0;
    const sub = a.explorer.onDidFinishTest((f) => {
      results.set(f.nodeid, f.outcome);
      if (f.nodeid.endsWith("test_quick")) {
        // The next test sleeps for a minute: cancel while it runs.
        setTimeout(() => {
          runningBefore = processesWith(marker).length;
          cancelledAt = Date.now();
          cts.cancel();
        }, 500);
      }
    });
    let took = 0;
    try {
      await a.explorer.run(new vscode.TestRunRequest([tests.root]), cts.token);
      took = Date.now() - cancelledAt; // the run's end, not the re-discovery the setting's reset starts below
    } finally {
      sub.dispose();
      await configure("env", undefined, tests.folder);
    }
    assert.ok(cancelledAt > 0, "the run was cancelled mid-way");
    assert.ok(took < 2000, `run ended ${took} ms after cancel`);
    assert.equal(results.get("test_slow.py::test_quick"), "passed");
    assert.ok(runningBefore > 0, "the marker finds pytest while it runs");
    assert.deepEqual(processesWith(marker), []);
  });

  it("deactivate() ends runs in flight with their whole process tree (stopRuns)", async () => {
    const a = await api();
    const tests = folder(a, "slow");
    const marker = `ORM_TD_STOP_MARK=${process.pid}-${Date.now()}`;
    await configure("env", { ORM_TD_STOP_MARK: marker.split("=")[1] }, tests.folder);
    let stopped: Promise<void> | undefined;
    let runningBefore = 0;
    const sub = a.explorer.onDidFinishTest((f) => {
      if (!f.nodeid.endsWith("test_quick")) return;
      setTimeout(() => {
        runningBefore = processesWith(marker).length;
        stopped = a.explorer.stopRuns();
      }, 500);
    });
    const started = Date.now();
    try {
      await a.explorer.run(new vscode.TestRunRequest([tests.root]), new vscode.CancellationTokenSource().token);
      await stopped;
    } finally {
      sub.dispose();
      await configure("env", undefined, tests.folder);
    }
    assert.ok(stopped, "stopRuns was called mid-run");
    assert.ok(Date.now() - started < 20_000, "the run ended long before its one-minute tests");
    assert.ok(runningBefore > 0, "the marker finds pytest while it runs");
    assert.deepEqual(processesWith(marker), []);
  });

  it("says what to do when the interpreter has no pytest", async () => {
    const a = await api();
    // An interpreter without site-packages: runs, but cannot import pytest.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-nopytest-"));
    const fake = path.join(dir, "python3");
    fs.writeFileSync(fake, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n', { mode: 0o755 });
    const tests = folder(a, "basic");
    await configure("python", fake, tests.folder);
    try {
      await tests.discover();
      const error = typeof tests.root.error === "string" ? tests.root.error : tests.root.error?.value;
      assert.match(error ?? "", /pytest is not installed for .*python3/);
      assert.match(error ?? "", /ormTestDoctor\.python/);
    } finally {
      await configure("python", undefined, tests.folder);
    }
  });
});
