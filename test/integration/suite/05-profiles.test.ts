import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { FileLines } from "../../../src/core/coverage";
import { api, expected, folder, outcomes, runAndWait, setArgs, STACKS, useStack } from "./helpers";

async function until<T>(what: string, check: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("profiles and live updates", () => {
  before(async () => {
    await useStack(STACKS[0]);
    await setArgs([]);
  });

  for (const stack of STACKS) {
    it(`Coverage profile reports line coverage of the project (${stack.name})`, async () => {
      await useStack(stack);
      const a = await api();
      const tests = folder(a, "clean");
      let files: FileLines[] = [];
      const sub = a.explorer.onDidCoverage((f) => (files = f));
      try {
        const results = await runAndWait(a, [tests.root], { mode: "coverage" });
        assert.deepEqual(outcomes(results), expected("clean"));
      } finally {
        sub.dispose();
        await useStack(STACKS[0]);
      }
      const models = files.find((f) => f.file === path.join(tests.folder.uri.fsPath, "models.py"));
      assert.ok(models, `models.py measured: ${files.map((f) => f.file).join(", ")}`);
      assert.ok(models.executed.length > 5);
    });
  }

  it("re-discovers a test file when it is created, changed and deleted", async () => {
    const tests = folder(await api(), "basic");
    const file = path.join(tests.folder.uri.fsPath, "test_live.py");
    fs.writeFileSync(file, "def test_added():\n    pass\n");
    await until("the new file's test", () => tests.byNodeId.get("test_live.py::test_added"));
    fs.writeFileSync(file, "def test_added():\n    pass\n\n\ndef test_second():\n    assert False\n");
    const second = await until("the added test", () => tests.byNodeId.get("test_live.py::test_second"));
    assert.equal(second.range?.start.line, 4);
    assert.ok(tests.byNodeId.get("test_basic.py::test_fail"), "the other file's tests stay");
    fs.rmSync(file);
    await until("the file to leave the tree", () => (tests.byNodeId.has("test_live.py") ? undefined : true));
  });

  it("continuous run re-runs the tests when a file changes, until cancelled", async () => {
    const a = await api();
    const tests = folder(a, "basic");
    const file = path.join(tests.folder.uri.fsPath, "test_watch.py");
    fs.writeFileSync(file, "def test_watch():\n    assert 1 == 1\n");
    const item = await until("test_watch.py", () => tests.byNodeId.get("test_watch.py"));
    const seen: string[] = [];
    const sub = a.explorer.onDidFinishTest((f) => seen.push(`${f.nodeid}=${f.outcome}`));
    const cts = new vscode.CancellationTokenSource();
    const running = a.explorer.run(new vscode.TestRunRequest([item], undefined, undefined, true), cts.token);
    try {
      fs.writeFileSync(file, "def test_watch():\n    assert 1 == 2\n");
      await until("a re-run after the change", () => seen.includes("test_watch.py::test_watch=failed") || undefined);
    } finally {
      cts.cancel();
      await running;
      sub.dispose();
      fs.rmSync(file);
    }
  });

  it("two runs at once keep their results apart", async () => {
    const a = await api();
    const [one, two] = await Promise.all([runAndWait(a, [folder(a, "commit_factory").root]), runAndWait(a, [folder(a, "clean").root])]);
    // runAndWait listens to every result, so each map also holds the other run's: split them.
    const mine = (m: Map<string, { item: vscode.TestItem }>, root: vscode.TestItem) =>
      new Map([...m].filter(([, f]) => f.item.uri?.fsPath.startsWith(root.uri?.fsPath ?? "/none")));
    assert.deepEqual(outcomes(mine(one, folder(a, "commit_factory").root) as never), expected("commit_factory"));
    assert.deepEqual(outcomes(mine(two, folder(a, "clean").root) as never), expected("clean"));
  });

  it("a pytest usage error says so on the folder", async () => {
    const a = await api();
    const tests = folder(a, "basic");
    await setArgs(["--no-such-pytest-option"]);
    try {
      await tests.discover();
      const error = typeof tests.root.error === "string" ? tests.root.error : tests.root.error?.value;
      assert.match(error ?? "", /exit code 4/);
      assert.match(error ?? "", /no-such-pytest-option/);
    } finally {
      await setArgs([]);
      await tests.discover();
    }
    assert.equal(tests.root.error, undefined);
  });
});

describe("Debug profile", () => {
  it("says what to install when the Python Debugger extension is missing", async function () {
    if (vscode.extensions.getExtension("ms-python.debugpy")) this.skip(); // only machines without it
    const a = await api();
    const problems = await a.explorer.debug(new vscode.TestRunRequest([folder(a, "basic").root]), new vscode.CancellationTokenSource().token);
    assert.deepEqual(problems, ["Debugging tests needs the Python Debugger extension (ms-python.debugpy). Install it, or use the Run profile."]);
  });
});
