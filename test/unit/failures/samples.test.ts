// Real pytest output (samples/, see samples/README.md): every --tb style, -q/-v/-vv, xdist,
// CI colours, junit XML, on pytest 7 + SQLAlchemy 1.4 (legacy) and pytest 8 + SQLAlchemy 2.0 (modern).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { groupFailures } from "../../../src/core/failures/group";
import { parseJunitXml } from "../../../src/core/failures/junit";
import type { Failure } from "../../../src/core/failures/model";
import { parsePytestText } from "../../../src/core/failures/text";
import { repoRoot } from "../../util";

const dir = path.join(repoRoot(), "test", "unit", "failures", "samples");
const read = (name: string): Buffer => fs.readFileSync(path.join(dir, name));
const byId = (fs: Failure[]): Map<string, Failure> => new Map(fs.map((f) => [f.nodeid + "|" + f.phase, f]));
const T = "test_orm_samples.py::";

// Which tests fail is fixed except under xdist, where the shared-session tests race.
const ALL = ["test_unique_email|call", "test_composite_unique|call", "test_not_null_with_space|call", "test_foreign_key|call",
  "test_check|call", "TestShared::test_symptom_one|call", "TestShared::test_symptom_param[1]|call",
  "TestShared::test_symptom_param[2]|call", "test_plain_assert|call", "test_locked|call", "test_setup_error|setup",
  "test_teardown_error|teardown"].map((k) => T + k);

interface Check {
  frames: boolean;
  exactSet: boolean;
  values?: boolean; // default true
  guessed?: boolean; // nodeids may be derived (xunit2)
}

function checkFull(fsx: Failure[], name: string, opts: Check): void {
  const m = byId(fsx);
  if (opts.exactSet) assert.deepEqual([...m.keys()].sort(), [...ALL].sort(), name);
  if (!opts.guessed) for (const f of fsx) assert.ok(!f.nodeidGuessed, `${name}: ${f.nodeid} guessed`);
  const values = opts.values ?? true;
  const u = m.get(T + "test_unique_email|call");
  if (u) {
    assert.equal(u.db?.kind, "unique");
    assert.equal(u.db?.table, "users");
    assert.deepEqual(u.db?.columns, ["email"]);
    if (values) assert.deepEqual(u.db?.values, ["a@example.com"]);
    if (values) assert.equal(u.db?.code, "gkpj");
    assert.equal(u.chain[0]?.type, "sqlalchemy.exc.IntegrityError");
    if (opts.frames) {
      assert.equal(u.chain[1]?.type, "sqlite3.IntegrityError");
      assert.match(u.userFrame?.file ?? "", /test_orm_samples\.py$/);
      assert.equal(u.userFrame?.line, 9); // 0-based line of session.flush()
      assert.equal(u.userFrame?.function, "test_unique_email");
    }
  }
  const c = m.get(T + "test_composite_unique|call");
  if (c) assert.deepEqual([c.db?.columns, values ? c.db?.values : ["acme", "bob"]], [["org", "user_name"], ["acme", "bob"]]);
  const nn = m.get(T + "test_not_null_with_space|call");
  if (nn) assert.deepEqual([nn.db?.kind, nn.db?.columns], ["not-null", ["Golden Balls"]]);
  const fk = m.get(T + "test_foreign_key|call");
  if (fk) assert.deepEqual([fk.db?.kind, values ? fk.db?.table : "posts"], ["foreign-key", "posts"]);
  const ck = m.get(T + "test_check|call");
  if (ck) assert.deepEqual([ck.db?.kind, ck.db?.constraint], ["check", "ck_score_positive"]);
  const lk = m.get(T + "test_locked|call");
  if (lk) assert.equal(lk.db?.kind, "locked");
  const pr = m.get(T + "TestShared::test_symptom_one|call");
  if (pr) {
    assert.equal(pr.db?.kind, "pending-rollback");
    assert.equal(pr.db?.original?.kind, "unique");
    if (values) assert.deepEqual(pr.db?.original?.values, ["dup@example.com"]);
  }
  const se = m.get(T + "test_setup_error|setup");
  if (se) {
    assert.equal(se.db?.kind, "unique");
    if (opts.frames) assert.deepEqual([path.basename(se.userFrame?.file ?? ""), se.userFrame?.function], ["conftest.py", "admin_user"]);
  }
  const te = m.get(T + "test_teardown_error|teardown");
  if (te && opts.frames) assert.equal(te.userFrame?.function, "flush_on_teardown");
  const pa = m.get(T + "test_plain_assert|call");
  if (pa) assert.equal(pa.chain[0]?.type, "AssertionError");
}

for (const stack of ["legacy", "modern"]) {
  describe(`failures: real pytest output (${stack})`, () => {
    for (const style of ["tb-long", "tb-short-rA", "tb-native", "q", "v", "vv", "ci-color"]) {
      it(`${style}: all 12 failures with DB details, frames and exact nodeids`, () => {
        checkFull(parsePytestText(read(`${stack}-${style}.txt`)), style, { frames: true, exactSet: true });
      });
    }
    it("tb-line: crash lines merged with summary lines", () => {
      const out = parsePytestText(read(`${stack}-tb-line.txt`));
      checkFull(out, "tb-line", { frames: false, exactSet: true, values: false });
      const u = byId(out).get(T + "test_unique_email|call");
      assert.match(u?.frames[0]?.file ?? "", /sqlalchemy\/engine\/default\.py$/);
      assert.equal(u?.truncated, undefined, "the crash line had the full first line");
    });
    it("tb-no: summary lines only, cut with '...' and marked truncated", () => {
      const out = parsePytestText(read(`${stack}-tb-no.txt`));
      assert.equal(out.length, 12);
      const u = byId(out).get(T + "test_unique_email|call");
      assert.equal(u?.source, "summary");
      assert.equal(u?.truncated, true);
      assert.equal(u?.db?.kind, "unique");
      assert.equal(u?.db?.truncated, true);
      assert.equal(byId(out).get(T + "TestShared::test_symptom_one|call")?.db?.kind, "pending-rollback");
    });
    for (const style of ["xdist-v", "xdist-long"]) {
      it(`${style}: worker ids, exact nodeids`, () => {
        const out = parsePytestText(read(`${stack}-${style}.txt`));
        assert.ok(out.length >= 9);
        checkFull(out, style, { frames: true, exactSet: false });
        assert.ok(out.every((f) => /^gw\d$/.test(f.worker ?? "")), "every failure has its worker");
      });
    }
    for (const family of ["xunit1", "xunit2"]) {
      it(`junit ${family}`, () => {
        const out = parseJunitXml(read(`${stack}-junit-${family}.xml`).toString("utf8"));
        const m = byId(out);
        assert.deepEqual([...m.keys()].sort(), [...ALL].sort());
        if (family === "xunit1") assert.ok(out.every((f) => !f.nodeidGuessed));
        checkFull(out, family, { frames: true, exactSet: true, guessed: family === "xunit2" });
        assert.equal(m.get(T + "test_not_null_with_space|call")?.db?.columns[0], "Golden Balls");
      });
    }
    it("groups the PendingRollbackErrors under one original error", () => {
      const groups = groupFailures(parsePytestText(read(`${stack}-tb-long.txt`)));
      const g = groups.find((x) => x.symptoms.length > 0);
      assert.ok(g);
      assert.equal(g.symptoms.length, 3);
      // the test that leaked caught its own error, so the cause is the original error only
      assert.equal(g.original?.kind, "unique");
      assert.equal(groups.length, 10);
    });
  });
}

describe("failures: CI log decorations", () => {
  it("GitHub Actions timestamps + ANSI colours give the same failures", () => {
    const plain = parsePytestText(read("modern-ci-color.txt"));
    const lines = read("modern-ci-color.txt").toString("utf8").split("\n");
    const gha = lines.map((l, i) => `2024-05-01T12:00:${String(i % 60).padStart(2, "0")}.1234567Z ${l}`).join("\r\n");
    const bracket = lines.map((l) => `[12:00:01] ${l}`).join("\n");
    assert.deepEqual(strip(parsePytestText(gha)), strip(plain));
    assert.deepEqual(strip(parsePytestText(bracket)), strip(plain));
  });
});

function strip(fsx: Failure[]): unknown {
  return fsx.map((f) => ({ ...f, text: undefined }));
}
