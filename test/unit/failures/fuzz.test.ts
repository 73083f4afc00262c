// No hang, linear time (issue #9): hostile inputs made from the real samples must neither throw
// nor take more than 100 ms per 100 KB in any reader (text, junit, grouping, reading by content).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { generateJunit, loadFuzzSources, mutate, prng } from "../../../bench/fuzz-gen";
import { groupFailures } from "../../../src/core/failures/group";
import { createJunitParser, parseJunitXml } from "../../../src/core/failures/junit";
import type { DbFailure, Failure } from "../../../src/core/failures/model";
import { failuresFromFile, failuresFromStream } from "../../../src/core/failures/read";
import { createPytestTextParser, parsePytestText } from "../../../src/core/failures/text";
import { verboseNodeid } from "../../../src/core/failures/verbose";
import { repoRoot } from "../../util";
import { groupFailuresByScan } from "./groupReference";

const dir = path.join(repoRoot(), "test", "unit", "failures", "samples");
const read = (name: string): string => fs.readFileSync(path.join(dir, name), "utf8");

/** 100 ms per 100 KB, with a floor for timer and GC noise on tiny inputs. */
const budgetMs = (bytes: number): number => Math.max(50, bytes / 1000);

/** CPU milliseconds of fn() (other agents share the cores: wall time would measure them); over
 *  budget it is run once more (a cold JIT, a GC) and the faster run counts. */
function timed(bytes: number, fn: () => void): number {
  const once = (): number => {
    const c = process.cpuUsage();
    fn();
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1000;
  };
  const first = once();
  return first <= budgetMs(bytes) ? first : Math.min(first, once());
}

function inBudget(what: string, bytes: number, fn: () => void): void {
  const ms = timed(bytes, fn);
  assert.ok(ms <= budgetMs(bytes), `${what}: ${ms.toFixed(0)} ms for ${(bytes / 1024).toFixed(0)} KB (budget ${budgetMs(bytes).toFixed(0)} ms)`);
}

function streamText(input: Buffer): Failure[] {
  const out: Failure[] = [];
  const p = createPytestTextParser((f) => out.push(f), { maxFailureText: 64 * 1024, maxLine: 512 * 1024 });
  for (let i = 0; i < input.length; i += 65536) p.push(input.subarray(i, i + 65536));
  p.end();
  assert.equal(p.stats.internalErrors, 0);
  return out;
}

function streamJunit(input: Buffer): Failure[] {
  const out: Failure[] = [];
  const p = createJunitParser((f) => out.push(f), { maxFailureText: 64 * 1024 });
  for (let i = 0; i < input.length; i += 65536) p.push(input.subarray(i, i + 65536));
  p.end();
  assert.equal(p.stats.internalErrors, 0);
  return out;
}

describe("failures: no hang, linear time", function () {
  this.timeout(60_000);

  it("junit: 200 KB of stray '<' in a failure body is read in time, and the failures after it too", () => {
    const xml = read("modern-junit-xunit1.xml");
    const at = xml.indexOf("</failure>");
    const hostile = Buffer.from(xml.slice(0, at) + "< ".repeat(100_000) + xml.slice(at));
    let out: Failure[] = [];
    inBudget("junit", hostile.length, () => (out = parseJunitXml(hostile)));
    assert.equal(out.length, parseJunitXml(xml).length);
  });

  it("junit: a stray '&' or an unmatched close tag does not lose the rest of the report", () => {
    const xml = read("legacy-junit-xunit2.xml");
    const at = xml.indexOf("</failure>");
    const whole = parseJunitXml(xml).map((f) => f.nodeid);
    const amp = parseJunitXml(xml.slice(0, at) + " a & b &c d;" + xml.slice(at)).map((f) => f.nodeid);
    assert.deepEqual(amp, whole);
    const stray = parseJunitXml(xml.slice(0, at) + "</zz>" + xml.slice(at)).map((f) => f.nodeid);
    assert.ok(stray.length >= whole.length - 1, `${stray.length} of ${whole.length}`);
  });

  it("text: a 255 KB line with '::' and FAILED is read in time", () => {
    const lines = ["a::b FAILED x".repeat(20_000), "FAILED " + "t.py::a ".repeat(32_000), "FAILED a::" + " ".repeat(100_000) + "x"];
    for (const line of lines) {
      const input = Buffer.from(`============ test session starts ============\n${line}\n`);
      inBudget("text", input.length, () => parsePytestText(input));
    }
  });

  it("text: long location and crash lines (many ':1: ', a U+2028, slashes before '=') are read in time", () => {
    const lines = ["a.py:1: ".repeat(25_000) + "\u2028", "a/".repeat(50_000) + "=x:1: y"];
    for (const line of lines) {
      for (const input of [`=== FAILURES ===\n${line}\n`, `=== FAILURES ===\n___ test_x ___\n${line}\n`]) {
        inBudget("text", input.length, () => parsePytestText(input));
      }
    }
  });

  it("text: verbose lines give the nodeids the former patterns gave", () => {
    const VERBOSE_RE = /^(\S.*?::\S.*?) (FAILED|ERROR)(?: +\[ *\d+%\])? *$/;
    const XDIST_VERBOSE_RE = /^(?:\[ *\d+%\] )?(FAILED|ERROR) (\S.*?::.*?) *$/;
    const lines = ["t.py::test_a FAILED", "t.py::test_a FAILED  [ 50%]", "t.py::T::test_b[x - y] ERROR [100%]  ", "[ 50%] FAILED t.py::test_c ",
      "ERROR t.py::test_d", "t.py::test_e PASSED [ 10%]", "t.py:: FAILED", " t.py::x FAILED", "a::b FAILED FAILED", "a::b  FAILED", "a::b FAILED[ 5%]",
      "FAILED ::x", "FAILED a:: ", "a::b\u2028c FAILED", "x ::y ERROR", "[  5%] ERROR a::b [ 5%]", "a::b FAILED [ x%]", "a::b FAILED [5%] ", "FAILED a::b FAILED"];
    for (const n of ["legacy-v.txt", "modern-vv.txt", "legacy-xdist-v.txt", "modern-xdist-long.txt"]) lines.push(...read(n).split("\n"));
    for (const l of lines) {
      const m = VERBOSE_RE.exec(l);
      assert.equal(verboseNodeid(l), m ? m[1] : XDIST_VERBOSE_RE.exec(l)?.[2], JSON.stringify(l));
    }
  });

  it("grouping: 4,000 IntegrityErrors and 4,000 PendingRollbackErrors in linear time", () => {
    const unique = (i: number, table: string): DbFailure => ({ kind: "unique", message: `UNIQUE constraint failed: ${table}.email`, columns: ["email"], parameters: `('u${i}@x', 'b')` });
    const failures: Failure[] = [];
    for (let i = 0; i < 4000; i++) {
      failures.push({ nodeid: `t.py::test_u${i}`, phase: "call", chain: [], frames: [], source: "text", db: unique(i, "users") });
      // half name an earlier failure's error, half an error no test failed with
      const original = i % 2 === 0 ? unique((i * 7) % (i + 1), "users") : unique(i, "orgs");
      failures.push({ nodeid: `t.py::test_p${i}`, phase: "call", chain: [], frames: [], source: "text", db: { kind: "pending-rollback", message: "rolled back", columns: [], original } });
    }
    let groups: ReturnType<typeof groupFailures> = [];
    inBudget("grouping", 400_000, () => (groups = groupFailures(failures)));
    assert.equal(groups.length, 4001);
    for (const g of groups) for (const s of g.symptoms) assert.equal(s.db?.original?.parameters, (g.cause?.db ?? s.db?.original)?.parameters);
    assert.equal(groups.reduce((n, g) => n + g.symptoms.length, 0), 4000);
  });

  it("grouping: random cut-off messages, parameters, values and sessions group as the scan grouped them", () => {
    const rnd = prng(99);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const msgs = ["UNIQUE constraint failed: a.x", "UNIQUE constraint failed: a.x, a.y", "duplicate key value violates  unique constraint \"a_x_key\"", "UNIQUE"];
    const db = (): DbFailure => {
      const full = pick(msgs);
      const cut = rnd() < 0.3;
      const d: DbFailure = { kind: "unique", message: cut ? full.slice(0, 1 + Math.floor(rnd() * full.length)) : full, columns: [] };
      if (cut) d.truncated = true;
      if (rnd() < 0.5) d.parameters = pick(["(1,)", "(2,)"]);
      if (rnd() < 0.3) d.values = [pick(["1", "2"])];
      return d;
    };
    for (let round = 0; round < 300; round++) {
      const failures: Failure[] = [];
      for (let i = 0; i < 1 + rnd() * 30; i++) {
        const f: Failure = { nodeid: `t.py::test_${i}`, phase: "call", chain: [], frames: [], source: "plugin" };
        if (rnd() < 0.2) f.sessionId = pick(["s1", "s2"]);
        if (rnd() < 0.5) f.db = { kind: "pending-rollback", message: "rolled back", columns: [], ...(rnd() < 0.9 ? { original: db() } : {}) };
        else if (rnd() < 0.9) f.db = db();
        failures.push(f);
      }
      assert.deepEqual(groupFailures(failures), groupFailuresByScan(failures), `round ${round}`);
    }
  });

  it("reads junit by content: from standard input and from a `.XML` file", async () => {
    const xml = read("modern-junit-xunit2.xml");
    const expected = parseJunitXml(xml);
    assert.ok(expected.length > 0);
    const chunks = Readable.from(Buffer.from("\ufeff\n  " + xml).toString("utf8").match(/[\s\S]{1,5}/g) ?? []);
    assert.deepEqual(await failuresFromStream(chunks), expected);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "otd-junit-")), "REPORT.XML");
    fs.writeFileSync(file, xml);
    assert.deepEqual(await failuresFromFile(file), expected);
    fs.writeFileSync(file, read("modern-tb-long.txt"));
    assert.deepEqual(await failuresFromFile(file), parsePytestText(read("modern-tb-long.txt")));
  });

  it("streams 40 MB of junit with bounded heap", () => {
    v8.setFlagsFromString("--expose-gc"); // live heap, not garbage
    const gc = vm.runInNewContext("gc") as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    let chunks = 0;
    const p = createJunitParser(() => count++);
    for (const s of generateJunit(repoRoot(), 40 * 1024 * 1024, 5)) {
      p.push(Buffer.from(s));
      if (++chunks % 500 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    p.end();
    console.log(`      junit 40 MB: ${count} failures, heap +${((peak - before) / 1048576).toFixed(1)} MB`);
    assert.ok(count > 4000);
    assert.ok(peak - before < 32 * 1048576, "live heap growth under 32 MB");
  });

  it("fuzz: 250 mutated samples, no throw and in time in every reader", () => {
    const rnd = prng(20261130);
    const sources = loadFuzzSources(repoRoot());
    for (const src of sources) groupFailures([...streamText(src), ...streamJunit(src)]); // a warm JIT, as in a long session
    const started = Date.now();
    let bytes = 0;
    let worst = { msPerMb: 0, what: "" };
    for (let i = 0; i < 250; i++) {
      const input = mutate(sources, rnd);
      bytes += input.length;
      for (const [what, fn] of [["text", () => groupFailures(streamText(input))], ["junit", () => groupFailures(streamJunit(input))]] as const) {
        const ms = timed(input.length, fn);
        const msPerMb = (ms * 1048576) / Math.max(1, input.length);
        if (msPerMb > worst.msPerMb) worst = { msPerMb, what: `${what} #${i} (${(input.length / 1024).toFixed(0)} KB)` };
        assert.ok(ms <= budgetMs(input.length), `${what} input #${i}: ${ms.toFixed(0)} ms for ${(input.length / 1024).toFixed(0)} KB`);
      }
    }
    const ms = Date.now() - started;
    console.log(`      fuzz: 250 inputs, ${(bytes / 1048576).toFixed(1)} MB, ${ms} ms; worst ${worst.msPerMb.toFixed(0)} ms/MB (${worst.what})`);
    assert.ok(ms < 20_000, `total ${ms} ms`);
  });
});
