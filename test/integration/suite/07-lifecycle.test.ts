// Settings that take effect, runs that lose nothing and clean up, "Run All" that stays ours.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import type * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { api, configure, folder, runAndWait, setArgs, STACKS, until, useStack } from "./helpers";

const setFolder = (f: vscode.WorkspaceFolder, key: string, value: unknown) => configure(key, value, f);

describe("settings and lifecycle", () => {
  before(async () => {
    await useStack(STACKS[0]);
    await setArgs([]);
  });

  it("honours ormTestDoctor.log.level and follows its changes", async () => {
    const a = await api();
    const seen: string[] = [];
    const sub = a.log.onDidWrite((w) => seen.push(`${w.level}:${w.message} (level ${a.log.level})`));
    const config = vscode.workspace.getConfiguration("ormTestDoctor");
    try {
      await config.update("log.level", "error", vscode.ConfigurationTarget.Workspace);
      await until("the level to apply", () => a.log.level === "error" || undefined);
      seen.length = 0; // a discovery an earlier test started may have logged before the change
      await folder(a, "basic").discover(); // logs at info
      a.log.warn("a warning");
      assert.equal(seen.length, 0, `nothing below error is written: ${seen.join("\n")}`);
      await config.update("log.level", "debug", vscode.ConfigurationTarget.Workspace);
      await until("the level to apply", () => a.log.level === "debug" || undefined);
      a.log.debug("a debug line");
      await folder(a, "basic").discover();
      assert.ok(seen.includes("debug:a debug line (level debug)"), seen.join("\n"));
      assert.ok(seen.some((l) => l.startsWith("info:basic: ")), seen.join("\n"));
    } finally {
      sub.dispose();
      await config.update("log.level", undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it("re-discovers a folder when its pytestArgs change", async () => {
    const a = await api();
    const tests = folder(a, "basic");
    await tests.discover();
    assert.ok(tests.byNodeId.has("test_basic.py::test_fail"));
    // What the untrusted pass relies on: pytest in this folder leaves its marker file.
    assert.ok(fs.existsSync(path.join(tests.folder.uri.fsPath, ".pytest-ran")), "runner/basic/conftest.py wrote .pytest-ran");
    try {
      await setFolder(tests.folder, "pytestArgs", ["--deselect", "test_basic.py::test_fail"]);
      await until("test_fail to leave the tree", () => !tests.byNodeId.has("test_basic.py::test_fail") || undefined);
    } finally {
      await setFolder(tests.folder, "pytestArgs", undefined);
    }
    await until("test_fail to come back", () => tests.byNodeId.get("test_basic.py::test_fail"));
  });

  it("ormTestDoctor.python wins over the Python extension; empty follows the extension's switches", async function () {
    const a = await api();
    const tests = folder(a, "basic");
    const ext = vscode.extensions.getExtension<{ setActiveEnvironment(p: string, folder?: vscode.Uri): void }>("ms-python.python");
    if (!ext && process.env["ORM_TD_HOST"] === "desktop") this.skip(); // extensions are disabled there
    assert.ok(ext, "the stand-in Python extension is installed (test/fixtures/extensions/fake-python)");
    const python = await ext.activate();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "otd-venvs-"));
    const venv = (name: string) => {
      execFileSync("/usr/bin/python3", ["-m", "venv", "--system-site-packages", "--without-pip", path.join(tmp, name)]);
      return path.join(tmp, name, "bin", "python3");
    };
    const [one, two] = [venv("one"), venv("two")];
    try {
      python.setActiveEnvironment(one, tests.folder.uri);
      await tests.discover();
      assert.equal(tests.interpreterPath, "/usr/bin/python3", "the workspace's ormTestDoctor.python wins");
      await setFolder(tests.folder, "python", "");
      await until(`discovery with ${one}`, () => tests.interpreterPath === one || undefined);
      python.setActiveEnvironment(two, tests.folder.uri);
      await until(`discovery with ${two} after the switch`, () => tests.interpreterPath === two || undefined);
      assert.ok(tests.byNodeId.has("test_basic.py::test_fail"), "the tree is there");
    } finally {
      await setFolder(tests.folder, "python", undefined);
      python.setActiveEnvironment("/usr/bin/python3", tests.folder.uri);
      await until("back to /usr/bin/python3", () => tests.interpreterPath === "/usr/bin/python3" || undefined);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("adds results for node ids the tree lacks, and records them in the history", async () => {
    const a = await api();
    const tests = folder(a, "basic");
    const dir = tests.folder.uri.fsPath;
    const params = path.join(dir, "params.txt");
    const file = path.join(dir, "test_dynamic.py");
    fs.writeFileSync(params, "a,b");
    fs.writeFileSync(file, 'import pathlib\nimport pytest\n\n\n@pytest.mark.parametrize("p", pathlib.Path(__file__).with_name("params.txt").read_text().split(","))\ndef test_p(p):\n    assert p\n');
    try {
      await until("the new file's cases", () => tests.byNodeId.get("test_dynamic.py::test_p[b]"));
      fs.writeFileSync(params, "a,c"); // not a .py file: no re-discovery, the tree keeps [b]
      const results = await runAndWait(a, [tests.byNodeId.get("test_dynamic.py")!]);
      assert.equal(results.get("test_dynamic.py::test_p[c]")?.outcome, "passed");
      const item = tests.byNodeId.get("test_dynamic.py::test_p[c]");
      assert.ok(item, "the new case is in the tree");
      assert.equal(item.parent?.id, tests.byNodeId.get("test_dynamic.py::test_p")?.id, "under its function");
      const store = await a.explorer.history.open();
      assert.ok(store, "the history store is open");
      const rows = await store.all<{ nodeid: string; outcome: string }>(
        "SELECT nodeid, outcome FROM results WHERE run_id = (SELECT MAX(id) FROM runs) ORDER BY nodeid",
      );
      assert.deepEqual(rows.map((r) => `${r.nodeid}=${r.outcome}`), ["test_dynamic.py::test_p[a]=passed", "test_dynamic.py::test_p[c]=passed"]);
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(params, { force: true });
      await until("the file to leave the tree", () => !tests.byNodeId.has("test_dynamic.py") || undefined);
    }
  });

  it("ends the history record and removes the coverage folder when a run fails midway", async () => {
    const a = await api();
    const tests = folder(a, "clean");
    const covDirs = () => new Set(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("otd-cov-")));
    const before = covDirs();
    // Fault injection: the runner's socket cannot be opened, so the run throws after the coverage
    // folder and the history record were made.
    // The module object itself (`import * as` gives a read-only copy): the bundle calls into it.
    const netModule = require("node:net") as { createServer: typeof net.createServer };
    const original = netModule.createServer;
    netModule.createServer = (() => {
      throw new Error("injected: no socket");
    }) as typeof net.createServer;
    try {
      await runAndWait(a, [tests.root], { mode: "coverage" });
    } finally {
      netModule.createServer = original;
    }
    assert.deepEqual([...covDirs()].filter((d) => !before.has(d)), [], "no coverage folder left behind");
    const store = await a.explorer.history.open();
      assert.ok(store, "the history store is open");
    const [last] = await store.all<{ ended_at: string | null }>("SELECT ended_at FROM runs ORDER BY id DESC LIMIT 1");
    assert.ok(last?.ended_at, "the run's history record is ended");
  });

  it("a continuous run that cannot start shows its problem in the Testing view, not a notification per run", async () => {
    const a = await api();
    const tests = folder(a, "basic");
    const file = path.join(tests.folder.uri.fsPath, "test_cont.py");
    fs.writeFileSync(file, "def test_cont():\n    pass\n");
    const item = await until("test_cont.py", () => tests.byNodeId.get("test_cont.py"));
    const notes: string[] = [];
    const problems: string[] = [];
    const subs = [
      a.explorer.onDidNotify((n) => notes.push(n.message)),
      a.log.onDidWrite((w) => w.message.includes("cannot run:") && w.message.includes("/nonexistent/python3") && problems.push(w.message)),
    ];
    const cts = new vscode.CancellationTokenSource();
    await setFolder(tests.folder, "python", "/nonexistent/python3");
    const running = a.explorer.run(new vscode.TestRunRequest([item], undefined, undefined, true), cts.token);
    try {
      for (const n of [1, 2]) {
        const seen = problems.length;
        fs.writeFileSync(file, `def test_cont():\n    assert ${n}\n`);
        await until(`re-run ${n}`, () => problems.length > seen || undefined, 20_000);
      }
      assert.deepEqual(notes.filter((n) => n.includes("/nonexistent/python3")), [], "no notification for continuous re-runs");
    } finally {
      cts.cancel();
      await running;
      subs.forEach((s) => s.dispose());
      await setFolder(tests.folder, "python", undefined);
      fs.rmSync(file, { force: true });
    }
  });

  it('"Run All Tests" runs this extension\'s tests, not other controllers\'', async () => {
    const a = await api();
    const other = vscode.tests.createTestController("otd-other", "Another controller");
    let otherRan = 0;
    other.createRunProfile("Run", vscode.TestRunProfileKind.Run, (req) => {
      otherRan++;
      other.createTestRun(req).end();
    }, true);
    other.items.add(other.createTestItem("x", "another test"));
    const seen = new Set<string>();
    const sub = a.explorer.onDidFinishTest((f) => seen.add(f.nodeid));
    const slow = folder(a, "slow").folder;
    await setFolder(slow, "pytestArgs", ["-k", "not test_sleep"]); // its tests sleep for minutes
    try {
      await vscode.commands.executeCommand("ormTestDoctor.runAll");
      assert.equal(otherRan, 0, "the other controller's tests did not run");
      assert.ok(seen.has("test_basic.py::test_pass"), "ours ran");
      assert.ok([...seen].some((id) => id.startsWith("tests/test_profile.py::")), "every folder ran");
    } finally {
      sub.dispose();
      other.dispose();
      await setFolder(slow, "pytestArgs", undefined);
    }
  });
});
