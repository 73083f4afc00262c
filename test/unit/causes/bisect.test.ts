// The polluter search on a simulated suite: which runs it makes and what it concludes.
import * as assert from "node:assert/strict";
import { findPolluter, type RunTests, type Verdict } from "../../../src/core/causes/bisect";
import { serialArgs } from "../../../src/core/causes/bisectRun";

const tests = Array.from({ length: 37 }, (_, i) => `t.py::test_${i}`);

/** The victim fails when any of `polluters` ran before it (or always, or never). */
function suite(polluters: readonly string[], opts: { alone?: Verdict } = {}): { runTests: RunTests; calls: string[][] } {
  const calls: string[][] = [];
  const runTests: RunTests = async (ids) => {
    calls.push([...ids]);
    if (ids.length === 1 && opts.alone) return opts.alone;
    return ids.slice(0, -1).some((id) => polluters.includes(id)) ? "failed" : "passed";
  };
  return { runTests, calls };
}

describe("polluter search by bisection", () => {
  it("finds the one polluter wherever it is, in about log2(n) + 2 runs, the victim always last", async () => {
    for (const at of [0, 1, 17, 35, 36]) {
      const s = suite([tests[at] ?? ""]);
      const r = await findPolluter("v.py::victim", tests, s.runTests);
      assert.deepEqual(r, { kind: "found", polluter: tests[at], runs: s.calls.length });
      assert.ok(s.calls.length <= Math.ceil(Math.log2(tests.length)) + 2, `${s.calls.length} runs`);
      assert.ok(s.calls.every((c) => c[c.length - 1] === "v.py::victim"));
      assert.deepEqual(s.calls[0], ["v.py::victim"]); // alone first
    }
  });

  it("a victim that fails alone is no pollution; one that passes after everything is not reproduced", async () => {
    assert.deepEqual(await findPolluter("v", tests, suite([], { alone: "failed" }).runTests), { kind: "fails-alone", runs: 1 });
    assert.deepEqual(await findPolluter("v", tests, suite([]).runTests), { kind: "not-reproduced", runs: 2 });
    assert.deepEqual(await findPolluter("v", [], suite([]).runTests), { kind: "not-reproduced", runs: 1 });
    assert.equal((await findPolluter("v", tests, suite([], { alone: "missing" }).runTests)).kind, "no-result");
  });

  it("stops when cancelled, and reports progress before every run", async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    const s = suite([tests[3] ?? ""]);
    const r = await findPolluter("v", tests, async (ids) => {
      if (seen.length === 3) abort.abort();
      return s.runTests(ids);
    }, { signal: abort.signal, onProgress: (p) => seen.push(p.run) });
    assert.equal(r.kind, "cancelled");
    assert.deepEqual(seen, [0, 1, 2]);
  });

  it("runs serially and in order: xdist and random-order options are dropped", () => {
    assert.deepEqual(serialArgs(["-x", "-n", "2", "--dist=loadfile", "-n4", "-k", "users", "--numprocesses", "auto"]), ["-x", "-k", "users", "-p", "no:randomly"]);
  });
});
