// `orm-test-doctor diagnose --json` on every example project, both Python stacks, two runs each:
// the document validates against schema/diagnose.schema.json and the first cause of every failing
// test is the one its expected.json plants (kind, file, line; rootOf for follow-ons).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import type { DiagnoseDocument } from "../../../src/core/causes/document";
import { fixturePath, pythonStacks, repoRoot } from "../../util";

const cli = path.join(repoRoot(), "out", "src", "cli", "main.js");
const schema = JSON.parse(fs.readFileSync(path.join(repoRoot(), "schema", "diagnose.schema.json"), "utf8")) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

type Expected = { kind: string; file: string; line: number; rootOf?: string } | null;
type RunCauses = Record<string, Expected>;

function expectedCauses(project: string, run: "run1" | "run2", sqlalchemy: "1.4" | "2.0"): RunCauses {
  const data = JSON.parse(fs.readFileSync(fixturePath("projects", project, "expected.json"), "utf8")) as { causes: Record<string, unknown> & { stacks?: Record<string, Record<string, RunCauses>> } };
  return { ...(data.causes[run] as RunCauses), ...(data.causes.stacks?.[sqlalchemy]?.[run] ?? {}) };
}

/** The error needles each test's failure contains when run serially (expected.json "tests"). */
function expectedErrors(project: string): Record<string, string[]> {
  const data = JSON.parse(fs.readFileSync(fixturePath("projects", project, "expected.json"), "utf8")) as { tests: Record<string, { error?: string[] }> };
  return Object.fromEntries(Object.entries(data.tests).map(([k, t]) => [k, (t.error ?? []).slice(0, 1)]));
}

function diagnose(dir: string, env: Record<string, string>, extra: string[] = []): { code: number | null; doc: DiagnoseDocument; stderr: string } {
  const r = spawnSync(process.execPath, [cli, "diagnose", dir, "--python", "/usr/bin/python3", "--json", ...extra], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, doc: JSON.parse(r.stdout) as DiagnoseDocument, stderr: r.stderr };
}

const PROJECTS = ["clean", "commit_factory", "create_override", "rollback_file_db", "async_service_commits", "savepoint_commit", "session_pending_rollback", "session_scoped_session", "shared_session", "unique_values", "global_state_polluter", "drift_legacy", "drift_modern"];

describe("diagnose --json on the example projects", function () {
  this.timeout(300_000);
  for (const stack of pythonStacks()) {
    const sqlalchemy = stack.name === "legacy" ? "1.4" : "2.0";
    for (const project of PROJECTS) {
      it(`${project} (${stack.name}): the planted causes, run after run`, () => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-diag-"));
        const dir = path.join(work, project);
        fs.cpSync(fixturePath("projects", project), dir, { recursive: true, filter: (src) => !src.endsWith(".db") && !src.includes("__pycache__") });
        try {
          for (const run of ["run1", "run2"] as const) {
            const { code, doc, stderr } = diagnose(dir, stack.env);
            assert.ok(validate(doc), `${run}: schema: ${JSON.stringify(validate.errors)}`);
            const want = expectedCauses(project, run, sqlalchemy);
            const got: RunCauses = Object.fromEntries(doc.failures.map((f) => {
              const c = f.causes[0];
              return [f.nodeid, c ? { kind: c.kind, file: c.file, line: c.line, ...(f.rootOf ? { rootOf: f.rootOf } : {}) } : null];
            }));
            assert.deepEqual(got, want, `${run}`);
            assert.equal(code, doc.failures.length ? 1 : 0, stderr);
            if (project === "clean") assert.deepEqual(doc.failures, []);
          }
        } finally {
          fs.rmSync(work, { recursive: true, force: true });
        }
      });
    }
  }

  for (const stack of pythonStacks()) {
    const sqlalchemy = stack.name === "legacy" ? "1.4" : "2.0";
    it(`-p xdist -n 2 (${stack.name}): where a test fails as it does serially, the same first cause; clean stays clean`, () => {
      let compared = 0;
      for (const project of PROJECTS) {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-diag-"));
        const dir = path.join(work, project);
        fs.cpSync(fixturePath("projects", project), dir, { recursive: true, filter: (src) => !src.endsWith(".db") && !src.includes("__pycache__") });
        try {
          const { doc } = diagnose(dir, stack.env, ["--", "-p", "xdist", "-n", "2"]);
          assert.ok(validate(doc), `${project}: schema: ${JSON.stringify(validate.errors)}`);
          if (project === "clean") assert.deepEqual(doc.failures, [], "clean under -n 2");
          const want = expectedCauses(project, "run1", sqlalchemy);
          const errors = expectedErrors(project);
          // which tests share a worker decides which victims meet their polluter; those that fail as they do serially get the serial verdict
          for (const f of doc.failures) {
            const w = want[f.nodeid];
            const text = `${f.error.type} ${f.error.message}`;
            if (w === undefined || !(errors[f.nodeid] ?? []).every((needle) => text.includes(needle.split(":")[0] ?? needle))) continue;
            const c = f.causes[0];
            assert.deepEqual(c ? { kind: c.kind, file: c.file, line: c.line, ...(f.rootOf ? { rootOf: f.rootOf } : {}) } : null, w, `${project} ${f.nodeid}`);
            compared++;
          }
        } finally {
          fs.rmSync(work, { recursive: true, force: true });
        }
      }
      assert.ok(compared >= 5, `only ${compared} failures could be compared`);
    });
  }

  it("a project reached through a symlink: the same planted causes (pytest's rootdir is the real path)", () => {
    const stack = pythonStacks()[0]!;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-diag-"));
    try {
      // test modules are indexed late, by the paths the run names: drift's and the literal's
      // causes live in test modules
      for (const project of ["drift_modern", "unique_values"]) {
        const real = path.join(work, project);
        fs.cpSync(fixturePath("projects", project), real, { recursive: true, filter: (src) => !src.endsWith(".db") && !src.includes("__pycache__") });
        const link = path.join(work, `${project}-link`);
        fs.symlinkSync(real, link, "dir");
        const { doc } = diagnose(link, stack.env, ["--no-bisect"]);
        const got = Object.fromEntries(doc.failures.map((f) => [f.nodeid, f.causes[0] ? { kind: f.causes[0].kind, file: f.causes[0].file, line: f.causes[0].line, ...(f.rootOf ? { rootOf: f.rootOf } : {}) } : null]));
        assert.deepEqual(got, expectedCauses(project, "run1", "1.4"), project);
        assert.ok(doc.failures.some((f) => f.causes[0]?.file.startsWith("tests/")), `${project}: a cause in a test module`);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("saved output (text and junit XML) with --project: the traced run's first unique-violation causes, from the code and the database file", () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-diag-"));
    try {
      for (const project of ["create_override", "commit_factory"]) {
        const dir = path.join(work, project);
        fs.cpSync(fixturePath("projects", project), dir, { recursive: true, filter: (src) => !src.endsWith(".db") && !src.includes("__pycache__") });
        const runs = project === "create_override" ? 2 : 1;
        const xml = path.join(work, `${project}.xml`);
        let text = "";
        for (let i = 0; i < runs; i++) text = spawnSync("/usr/bin/python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml", xml], { cwd: dir, encoding: "utf8" }).stdout;
        const log = path.join(work, `${project}.txt`);
        fs.writeFileSync(log, text);
        const want = Object.fromEntries(Object.entries(expectedCauses(project, runs === 2 ? "run2" : "run1", "1.4")).filter(([id]) => !id.endsWith("table_starts_empty")));
        for (const saved of [log, xml]) {
          const { code, doc } = diagnose(saved, {}, ["--project", dir]);
          assert.equal(code, 1);
          assert.ok(validate(doc), JSON.stringify(validate.errors));
          const got = Object.fromEntries(doc.failures.filter((f) => f.error.kind === "unique").map((f) => [f.nodeid, f.causes[0] ? { kind: f.causes[0].kind, file: f.causes[0].file, line: f.causes[0].line } : null]));
          assert.deepEqual(got, want, `${project} from ${path.basename(saved)}`);
          assert.ok(doc.warnings.some((w) => /no runtime provenance: who wrote each conflicting row and whether it was committed are unknown/.test(w)));
          if (project === "create_override") assert.match(doc.failures[0]?.causes[0]?.evidence ?? "", /dev\.db holds a users row with email = "user0@example\.com" right now/);
        }
      }
      // without a project to read, the output says so and names nothing
      const empty = path.join(work, "empty");
      fs.mkdirSync(empty);
      const bare = diagnose(path.join(work, "commit_factory.txt"), {}, ["--project", empty]);
      assert.ok(bare.doc.failures.every((f) => f.causes.length === 0));
      assert.ok(bare.doc.warnings.some((w) => /no pytest tests found in .* \(give the project with --project DIR\)/.test(w)));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("--no-trace names no cause and says why; --format github annotates the cause lines", () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-diag-"));
    const dir = path.join(work, "p");
    fs.cpSync(fixturePath("projects", "commit_factory"), dir, { recursive: true });
    try {
      const off = diagnose(dir, {}, ["--no-trace"]);
      assert.equal(off.code, 1);
      assert.ok(off.doc.failures.length > 0 && off.doc.failures.every((f) => f.causes.length === 0));
      assert.ok(off.doc.warnings.some((w) => w.includes("--no-trace")));
      const gh = spawnSync(process.execPath, [cli, "diagnose", dir, "--python", "/usr/bin/python3", "--format", "github"], { encoding: "utf8" });
      assert.match(gh.stdout, /^::error file=factories\.py,line=12,title=factory-commits \(tests\/test_profile\.py%3A%3Atest_rename_user\)::UserFactory has sqlalchemy_session_persistence = "commit"/m);
      assert.match(gh.stdout, /^::error file=tests\/test_profile\.py,line=6,title=tests\/test_profile\.py%3A%3Atest_rename_user::IntegrityError: UNIQUE users\(email\)/m);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("a file pytest cannot collect makes the run fail, and says where", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-diag-"));
    fs.writeFileSync(path.join(dir, "test_ok.py"), "def test_ok():\n    pass\n");
    fs.writeFileSync(path.join(dir, "test_broken.py"), "def test_broken(:\n    pass\n");
    try {
      const { code, doc } = diagnose(dir, {});
      assert.equal(code, 1);
      assert.ok(doc.warnings.some((w) => /^collection error in test_broken\.py: SyntaxError/.test(w)), doc.warnings.join("\n"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("usage and environment errors: exit 2 with one line, never a stack trace", () => {
    const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
    const noValue = run(["diagnose", "--python"]);
    assert.equal(noValue.status, 2);
    assert.match(noValue.stderr, /^orm-test-doctor: Option '--python <value>' argument missing/);
    const missing = run(["diagnose", "/no/such/folder"]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^orm-test-doctor: no such file or folder: \/no\/such\/folder/);
    const badFormat = run(["diagnose", ".", "--format", "xml"]);
    assert.equal(badFormat.status, 2);
    assert.doesNotMatch(noValue.stderr + missing.stderr + badFormat.stderr, /\n\s+at /);
  });
});
