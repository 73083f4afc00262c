// The CLI indexes the project's other modules during the run and, of its test modules, only the
// ones the run names (runFiles.ts). On every recorded run of every example project that partial
// index must give exactly the causes the full index gives.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { diagnose } from "../../../src/core/causes";
import * as os from "node:os";
import { filesNamedByRun, testModulesImported } from "../../../src/core/causes/runFiles";
import { indexWorkspace, isTestFile } from "../../../src/core/index";
import type { Message } from "../../../src/core/protocol";
import { repoRoot } from "../../util";
import { failuresOf } from "./recorded";
import { RunIndex } from "../../../src/cli/runIndex";

const RECORDED = path.join(repoRoot(), "test", "unit", "causes", "recorded");

function recordedRuns(): Array<{ project: string; stack: string; runs: Message[][] }> {
  return fs
    .readdirSync(RECORDED)
    .filter((f) => f.endsWith(".json"))
    .map((f) => {
      const [, project = "", stack = ""] = /^(.*)-(legacy|modern)\.json$/.exec(f) ?? [];
      return { project, stack, runs: (JSON.parse(fs.readFileSync(path.join(RECORDED, f), "utf8")) as { runs: Message[][] }).runs };
    });
}

describe("cause engine: the test modules a run names", function () {
  this.timeout(120_000);

  it("on every recorded run, the partial index gives the causes of the full one", async () => {
    let left = 0;
    for (const { project, stack, runs } of recordedRuns()) {
      const dir = path.join(repoRoot(), "test", "fixtures", "projects", project);
      const full = await indexWorkspace(dir, { workers: 0 });
      const all = full.files();
      for (const [i, messages] of runs.entries()) {
        const named = filesNamedByRun(messages, "/project");
        const files = all.filter((f) => !isTestFile(f) || named.has(`/project/${f}`));
        left += all.length - files.length;
        const partial = await indexWorkspace(dir, { workers: 0, files });
        const failures = failuresOf(messages);
        const want = diagnose(messages, failures, { index: full, root: "/project" });
        const got = diagnose(messages, failures, { index: partial, root: "/project" });
        assert.deepEqual(got, want, `${project} (${stack}) run ${i}`);
      }
    }
    assert.ok(left > 0, "some test module was left out somewhere");
  });

  it("names failing tests' modules and those of tests that committed or collided, not a clean test's", () => {
    const prov = (nodeid: string, extra: object): Message => ({ v: 1, type: "provenance", nodeid, writes: [], ...extra }) as Message;
    const write = { engine: "e1", table: "users", op: "insert", phase: "call", by: { kind: "test", test: "tests/test_c.py::test_c" }, count: 1, committed: 0, rolledBack: 1, frame: { file: "/p/tests/test_c.py", line: 3, function: "test_c" } };
    const messages: Message[] = [
      { v: 1, type: "finished", nodeid: "tests/test_a.py::test_a", outcome: "failed", duration: 0 },
      prov("tests/test_b.py::test_b", { writes: [{ ...write, committed: 1, rolledBack: 0, frame: { file: "/p/tests/test_b.py", line: 2, function: "test_b" }, by: { kind: "fixture", fixture: { name: "db", scope: "function", file: "/p/tests/helpers/conftest_like.py", line: 4 } } }] }),
      prov("tests/test_c.py::test_c", { writes: [write] }),
      prov("tests/test_d.py::test_d", { conflicts: [{ engine: "e1", table: "users", columns: ["email"], values: ["x"], writer: { nodeid: "tests/test_e.py::test_e", phase: "call", by: { kind: "test" }, state: "committed" } }] }),
    ];
    assert.deepEqual([...filesNamedByRun(messages, "/p")].sort(), ["/p/tests/helpers/conftest_like.py", "/p/tests/test_a.py", "/p/tests/test_b.py", "/p/tests/test_d.py", "/p/tests/test_e.py"]);
    // a failing test's collision with no writer (another xdist worker's row): the engine looks its
    // values up in every test's writes, so the tests that inserted them are named too
    const orphan: Message[] = [
      { v: 1, type: "finished", nodeid: "tests/test_f.py::test_f", outcome: "failed", duration: 0 },
      prov("tests/test_f.py::test_f", { conflicts: [{ engine: "e1", table: "users", columns: ["email"], values: ["q"], existing: true }] }),
      prov("tests/test_g.py::test_g", { writes: [{ ...write, by: { kind: "test", test: "tests/test_g.py::test_g" }, frame: { file: "/p/tests/test_g.py", line: 2, function: "test_g" }, keys: [{ email: ["q"] }] }] }),
      prov("tests/test_h.py::test_h", { writes: [{ ...write, by: { kind: "test", test: "tests/test_h.py::test_h" }, frame: { file: "/p/tests/test_h.py", line: 2, function: "test_h" }, keys: [{ email: ["r"] }] }] }),
    ];
    assert.deepEqual([...filesNamedByRun(orphan, "/p")].sort(), ["/p/tests/test_f.py", "/p/tests/test_g.py"]);
  });

  it("test modules that indexed files import or load as plugins are indexed too", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-runfiles-"));
    try {
      const files: Record<string, string> = {
        "conftest.py": 'pytest_plugins = ["tests.test_shared"]\n',
        "tests/test_a.py": "from tests.test_helpers import make\n\ndef test_a():\n    make()\n",
        "tests/test_helpers.py": "def make():\n    pass\n",
        "tests/test_shared.py": "import pytest\n\n@pytest.fixture\ndef shared():\n    return 1\n",
        "tests/test_other.py": "def test_other():\n    pass\n",
      };
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      const walked = Object.keys(files);
      const index = await indexWorkspace(dir, { workers: 0, files: ["conftest.py"] });
      assert.deepEqual(testModulesImported(index, walked), ["tests/test_shared.py"]);
      await indexWorkspace(dir, { into: index, workers: 0, files: ["tests/test_a.py"] });
      assert.deepEqual(testModulesImported(index, walked).sort(), ["tests/test_helpers.py", "tests/test_shared.py"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The CLI indexes a test module as soon as a message names it, while pytest still runs
// (src/cli/runIndex.ts); the end of the run checks everything again.
describe("cli: the run's index, built as messages arrive", function () {
  this.timeout(120_000);

  it("on every recorded run, indexing as messages arrive ends with the index of indexing at the end", async () => {
    let early = 0;
    for (const { project, stack, runs } of recordedRuns()) {
      const dir = path.join(repoRoot(), "test", "fixtures", "projects", project);
      for (const [i, recorded] of runs.entries()) {
        // the recorded project folder is /project; here it is the fixture itself
        const messages = JSON.parse(JSON.stringify(recorded).split('"/project/').join(JSON.stringify(dir + "/").slice(0, -1))) as Message[];
        const atEnd = new RunIndex(dir);
        await atEnd.cover(messages, dir);
        const want = (await atEnd.index())?.files().sort();
        const live = new RunIndex(dir);
        for (const m of messages) live.see(m, dir);
        const before = new Set((await live.index())?.files());
        await live.cover(messages, dir);
        const got = (await live.index())?.files().sort();
        assert.deepEqual(got, want, `${project} (${stack}) run ${i}`);
        assert.deepEqual(live.warnings(), [], `${project} (${stack}) run ${i}`);
        early += [...before].filter((f) => isTestFile(f)).length;
        // every test module of a failing test was in before the run was over
        for (const m of messages) {
          if (m.type === "report" && m.outcome === "failed") assert.ok(before.has(m.nodeid.split("::")[0]!), `${project} (${stack}) run ${i}: ${m.nodeid} indexed early`);
        }
      }
    }
    assert.ok(early > 0, "some test module was indexed while the run went on");
  });

  it("test modules that import each other, five deep: the same index whichever order they are named in", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-runindex-"));
    try {
      const chain = ["a", "b", "c", "d", "e", "f"];
      fs.mkdirSync(path.join(dir, "tests"));
      fs.writeFileSync(path.join(dir, "tests", "__init__.py"), "");
      chain.forEach((m, i) => fs.writeFileSync(path.join(dir, "tests", `test_${m}.py`), `${chain[i + 1] ? `from tests.test_${chain[i + 1]} import helper_${chain[i + 1]}\n` : ""}\ndef helper_${m}():\n    pass\n\ndef test_${m}():\n    pass\n`));
      fs.writeFileSync(path.join(dir, "tests", "test_other.py"), "def test_other():\n    pass\n");
      const failing = (m: string): Message => ({ v: 1, type: "report", nodeid: `tests/test_${m}.py::test_${m}`, when: "call", outcome: "failed", duration: 0 }) as Message;
      const messages = [failing("c"), failing("a")];
      const atEnd = new RunIndex(dir);
      await atEnd.cover(messages, dir);
      const live = new RunIndex(dir);
      for (const m of messages) live.see(m, dir);
      await live.cover(messages, dir);
      const want = chain.map((m) => `tests/test_${m}.py`);
      assert.deepEqual((await atEnd.index())?.files().filter((f) => f.startsWith("tests/test_")).sort(), want);
      assert.deepEqual((await live.index())?.files().filter((f) => f.startsWith("tests/test_")).sort(), want);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a folder that is gone (or a named module that is) gives an empty index, never a rejection", async () => {
    const missing = path.join(os.tmpdir(), "otd-no-such-folder-" + process.pid);
    const idx = new RunIndex(missing);
    idx.see({ v: 1, type: "report", nodeid: "tests/test_a.py::test_a", when: "call", outcome: "failed", duration: 0 } as Message, missing);
    await idx.cover([], missing, ["tests/test_b.py::test_b"]);
    assert.deepEqual((await idx.index())?.files(), []);
    assert.deepEqual(idx.warnings(), []);
  });
});
