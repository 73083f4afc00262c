import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { FileLines } from "../../../src/core/coverage";
import { api, configure, expected, folder, outcomes, runAndWait, setArgs, STACKS, until, useStack } from "./helpers";

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
  const stops = new Map<string, string[]>(); // debug session id → stop reasons
  const paused = new Map<string, () => Thenable<unknown>>(); // session id → continue it
  let autoContinue = true;
  let tracker: vscode.Disposable | undefined;
  before(() => {
    tracker = vscode.debug.registerDebugAdapterTrackerFactory("*", {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: { reason?: string; threadId?: number } }) => {
          if (m.type !== "event" || m.event !== "stopped") return;
          stops.set(session.id, [...(stops.get(session.id) ?? []), m.body?.reason ?? "?"]);
          const resume = () => session.customRequest("continue", { threadId: m.body?.threadId });
          if (autoContinue) void resume();
          else paused.set(session.id, resume);
        },
      }),
    });
  });
  after(() => tracker?.dispose());

  function breakpointIn(tests: ReturnType<typeof folder>): vscode.SourceBreakpoint {
    // test_basic.py line 5: print("some output") in test_pass
    const uri = vscode.Uri.file(path.join(tests.folder.uri.fsPath, "test_basic.py"));
    const bp = new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(4, 0)));
    vscode.debug.addBreakpoints([bp]);
    return bp;
  }

  it("stops at a breakpoint in a test, reports the result and ends cleanly (debugpy)", async () => {
    const a = await api();
    const tests = folder(a, "basic");
    await tests.discover();
    const item = tests.byNodeId.get("test_basic.py::test_pass");
    assert.ok(item);
    const bp = breakpointIn(tests);
    const results = new Map<string, string>();
    const sub = a.explorer.onDidFinishTest((f) => results.set(f.nodeid, f.outcome));
    stops.clear();
    autoContinue = true;
    try {
      const problems = await a.explorer.debug(new vscode.TestRunRequest([item]), new vscode.CancellationTokenSource().token);
      assert.deepEqual(problems, []);
      assert.deepEqual([...stops.values()], [["breakpoint"]], "one session, stopped once at the breakpoint");
      assert.equal(results.get("test_basic.py::test_pass"), "passed");
      await until("no active debug session", () => vscode.debug.activeDebugSession === undefined || undefined);
    } finally {
      sub.dispose();
      vscode.debug.removeBreakpoints([bp]);
    }
  });

  it("cancelling a debug run stops only its own session", async () => {
    const a = await api();
    const tests = folder(a, "basic");
    const item = tests.byNodeId.get("test_basic.py::test_pass");
    assert.ok(item);
    const bp = breakpointIn(tests);
    stops.clear();
    paused.clear();
    autoContinue = false;
    const ended = new Set<string>();
    const sub = vscode.debug.onDidTerminateDebugSession((s) => ended.add(s.id));
    const first = new vscode.CancellationTokenSource();
    try {
      const run1 = a.explorer.debug(new vscode.TestRunRequest([item]), first.token);
      await until("the first session to stop", () => (stops.size === 1 ? [...stops.keys()][0] : undefined), 60_000);
      const [s1] = [...stops.keys()];
      const run2 = a.explorer.debug(new vscode.TestRunRequest([item]), new vscode.CancellationTokenSource().token);
      const s2 = await until("the second session to stop", () => [...stops.keys()].find((k) => k !== s1), 60_000);
      first.cancel();
      assert.deepEqual(await run1, []);
      await until("the first session to end", () => ended.has(s1!) || undefined);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(ended.has(s2), false, "the other session goes on");
      autoContinue = true;
      await paused.get(s2)?.();
      assert.deepEqual(await run2, []);
    } finally {
      autoContinue = true;
      sub.dispose();
      vscode.debug.removeBreakpoints([bp]);
    }
  });

  it("says what to install when neither the Python Debugger extension nor debugpy is there", async function () {
    if (vscode.extensions.getExtension("ms-python.debugpy")) this.skip(); // only machines without it
    const a = await api();
    const tests = folder(a, "basic");
    // A debugpy that cannot be imported shadows Debian's for this folder's interpreter.
    const hide = fs.mkdtempSync(path.join(os.tmpdir(), "otd-nodebugpy-"));
    fs.mkdirSync(path.join(hide, "debugpy"));
    fs.writeFileSync(path.join(hide, "debugpy", "__init__.py"), 'raise ImportError("hidden by the test")\n');
    await configure("env", { PYTHONPATH: hide }, tests.folder);
    try {
      const problems = await a.explorer.debug(new vscode.TestRunRequest([tests.root]), new vscode.CancellationTokenSource().token);
      assert.deepEqual(problems, ["Debugging tests needs the Python Debugger extension (ms-python.debugpy) or debugpy in /usr/bin/python3. Install one of them, or use the Run profile."]);
    } finally {
      await configure("env", undefined, tests.folder);
      fs.rmSync(hide, { recursive: true, force: true });
    }
  });
});
