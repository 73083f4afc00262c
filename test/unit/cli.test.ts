import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixturePath, repoRoot } from "../util";

const cli = path.join(repoRoot(), "out", "src", "cli", "main.js");

function runCli(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("command line", () => {
  it("runs an example project through the runner and groups its database failures", function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-cli-"));
    fs.cpSync(fixturePath("projects", "commit_factory"), path.join(dir, "p"), { recursive: true });
    const { code, out } = runCli(["run", path.join(dir, "p"), "--python", "/usr/bin/python3"]);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 1, out);
    assert.match(out, /✗ tests\/test_profile\.py::test_rename_user \(call\) at tests\/test_profile\.py:6\n {4}UNIQUE users\(email\) = 'alice@example\.com' \(sqlite\/pysqlite\)/);
    assert.match(out, /3 passed, 3 failed, 0 errored, 0 skipped/);
  });

  it("diagnoses saved pytest output and junit XML", () => {
    // exit 1: failures were diagnosed; saved output has no provenance, and the output says so
    const text = runCli(["diagnose", fixturePath("..", "unit", "failures", "samples", "legacy-tb-long.txt")]);
    assert.equal(text.code, 1, text.out);
    assert.match(text.out, /IntegrityError: UNIQUE users\(email\)/);
    assert.match(text.out, /saved output carries no runtime provenance/);
    const xml = runCli(["diagnose", fixturePath("..", "unit", "failures", "samples", "modern-junit-xunit1.xml"), "--json"]);
    assert.equal(xml.code, 1, xml.out);
    assert.ok((JSON.parse(xml.out) as { failures: unknown[] }).failures.length > 0);
  });

  it("run: collection errors are printed with file:line and fail the run; pytest's exit status is said in words", function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-cli-"));
    const mk = (name: string, files: Record<string, string>) => {
      const p = path.join(dir, name);
      fs.mkdirSync(p);
      for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(p, f), text);
      return p;
    };
    try {
      const broken = runCli(["run", mk("broken", { "test_ok.py": "def test_ok():\n    pass\n", "test_broken.py": "def test_broken(:\n    pass\n" }), "--python", "/usr/bin/python3"]);
      assert.equal(broken.code, 2, broken.out);
      assert.match(broken.out, /✗ collection error in test_broken\.py \(test_broken\.py:1\): SyntaxError/);
      assert.match(broken.out, /pytest exit status 2: the run was interrupted/);
      const conftest = runCli(["run", mk("conftest", { "conftest.py": "import nonexistent_mod\n", "test_ok.py": "def test_ok():\n    pass\n" }), "--python", "/usr/bin/python3"]);
      assert.equal(conftest.code, 4, conftest.out);
      assert.match(conftest.out, /pytest could not import .*conftest\.py \(exit code 4\)/);
      assert.doesNotMatch(conftest.out, /rejected the command line/);
      const empty = runCli(["run", mk("empty", {}), "--python", "/usr/bin/python3"]);
      assert.equal(empty.code, 5, empty.out);
      assert.match(empty.out, /pytest exit status 5: no tests were collected/);
      // a file name with a terminal escape in it is printed escaped
      const esc = runCli(["run", mk("esc", { "test_\x1b[2Jzap.py": "def test_a():\n    assert False\n" }), "--python", "/usr/bin/python3"]);
      assert.match(esc.out, /test_\\x1b\[2Jzap\.py::test_a/);
      assert.doesNotMatch(esc.out, /\x1b/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("check: lists the static drift findings (text and --json) with exit 1, none with exit 0", () => {
    const text = runCli(["check", fixturePath("projects", "drift_legacy")]);
    assert.equal(text.code, 1, text.out);
    assert.match(text.out, /^factories\.py:45  unknown-model-field  PolicyFactory\n {4}PolicyFactory sets `holder`, which Policy \(models\.py:70\) does not map: did you mean `holder_name`\?$/m);
    assert.match(text.out, /^tests\/test_customers\.py:31  unknown-enum-member  tests\/test_customers\.py::test_ticket_under_review$/m);
    assert.match(text.out, /^6 findings\.$/m);
    const json = runCli(["check", fixturePath("projects", "drift_modern"), "--json"]);
    assert.equal(json.code, 1, json.out);
    const doc = JSON.parse(json.out) as { version: number; findings: Array<{ kind: string; file: string; line: number }> };
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.findings.map((f) => `${f.file}:${f.line}:${f.kind}`).slice(0, 2), ["factories.py:14:missing-required-field", "factories.py:28:unknown-model-field"]);
    const clean = runCli(["check", fixturePath("projects", "clean")]);
    assert.deepEqual([clean.code, clean.out.trim()], [0, "No drift between factories and models."]);
    const bad = runCli(["check", "/no/such/folder"]);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /^orm-test-doctor: not a folder: \/no\/such\/folder$/m);
    assert.equal(runCli(["check", "--frobnicate"]).code, 2);
  });

  it("says what is wrong with its arguments", () => {
    const noValue = runCli(["run", ".", "--python"]);
    assert.equal(noValue.code, 2);
    assert.match(noValue.out, /Option '--python <value>' argument missing/);
    const r = runCli(["run", "/no/such/folder"]);
    assert.equal(r.code, 2);
    assert.match(r.out, /not a folder: \/no\/such\/folder/);
    assert.match(runCli(["frobnicate"]).out, /usage:/);
  });
});
