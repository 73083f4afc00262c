import * as assert from "node:assert/strict";
import { run, type RunnerEvent } from "../../../src/core/runner";
import { options, stacks } from "./helpers";

const B = "test_basic.py::";

for (const stack of stacks) {
  describe(`runner: run (${stack.name})`, () => {
    it("reports pass, fail, error, skip and parametrized cases, and streams output", async () => {
      const events: RunnerEvent[] = [];
      const res = await run(options(stack, "basic", { args: ["-v"] }), [], (e) => events.push(e));
      assert.equal(res.exit.problem, undefined, res.exit.problem?.message);
      assert.equal(res.exit.code, 1);
      assert.deepEqual(Object.fromEntries(res.outcomes), {
        [B + "test_pass"]: "passed",
        [B + "test_fail"]: "failed",
        [B + "test_error"]: "errored",
        [B + "test_skip"]: "skipped",
        [B + "TestMath::test_param[1]"]: "passed",
        [B + "TestMath::test_param[2]"]: "failed",
        [B + "TestMath::test_param[a b]"]: "passed",
      });
      const stdout = events.flatMap((e) => (e.type === "output" && e.stream === "stdout" ? [e.text] : [])).join("");
      assert.match(stdout, /test_basic.py::test_fail FAILED/);
      const fail = res.messages.find((m) => m.type === "report" && m.nodeid === B + "test_fail" && m.when === "call");
      assert.ok(fail?.type === "report");
      assert.equal(fail.error?.frames.at(-1)?.line, 8);
      assert.equal(events.at(-1)?.type, "exit");
      assert.ok(!events.some((e) => e.type === "protocol_error"));
    });

    it("runs only the given node ids", async () => {
      const res = await run(options(stack, "basic"), [B + "test_pass", B + "TestMath::test_param[a b]"]);
      assert.deepEqual([...res.outcomes.keys()].sort(), [B + "TestMath::test_param[a b]", B + "test_pass"]);
      assert.equal(res.exit.code, 0);
    });

    it("carries SQLAlchemy IntegrityError data", async () => {
      const res = await run(options(stack, "db"), []);
      const rep = res.messages.find((m) => m.type === "report" && m.when === "call");
      assert.ok(rep?.type === "report");
      const db = rep.error?.db;
      assert.equal(db?.sqlalchemyType, "sqlalchemy.exc.IntegrityError");
      assert.equal(db?.origType, "sqlite3.IntegrityError");
      assert.equal(db?.origMessage, "UNIQUE constraint failed: users.email");
      assert.match(db?.statement ?? "", /^INSERT INTO users/);
      assert.match(JSON.stringify(db?.params), /dup@example.com/);
    });

    it("gets every result with pytest-xdist -n 2", async () => {
      const res = await run(options(stack, "basic", { args: ["-n", "2"] }), []);
      assert.equal(res.exit.problem, undefined, res.exit.problem?.message);
      assert.equal(res.outcomes.size, 7);
      assert.equal(res.outcomes.get(B + "TestMath::test_param[2]"), "failed");
      const hello = res.messages.find((m) => m.type === "hello");
      assert.ok(hello?.type === "hello");
      assert.equal(hello.xdistWorkers, 2);
    });

    it("a pytest that dies mid-run ends with a crash problem, exit details and stderr tail", async () => {
      const res = await run(options(stack, "crash"), []);
      assert.equal(res.outcomes.get("test_crash.py::test_before"), "passed");
      assert.equal(res.exit.sessionFinished, false);
      assert.equal(res.exit.signal, "SIGKILL");
      assert.equal(res.exit.problem?.kind, "crashed");
      assert.match(res.exit.problem?.message ?? "", /killed by SIGKILL while running test_crash\.py::test_die before finishing the session\. Last output:\n[\s\S]*test_crash\.py \.$/);
      // pytest had captured the test's own stderr ("about to die"), so the tail is pytest's output
    });

    it("under xdist a dying worker becomes a failed test and the run completes", async () => {
      const res = await run(options(stack, "crash", { args: ["-n", "2"] }), []);
      assert.equal(res.exit.problem, undefined, res.exit.problem?.message);
      assert.equal(res.outcomes.get("test_crash.py::test_before"), "passed");
      assert.equal(res.outcomes.get("test_crash.py::test_die"), "failed");
    });

    it("explains a usage error (exit code 4) with pytest's stderr", async () => {
      const res = await run(options(stack, "basic", { args: ["--no-such-option"] }), []);
      assert.equal(res.exit.code, 4);
      assert.equal(res.exit.problem?.kind, "usage-error");
      assert.match(res.exit.problem?.message ?? "", /unrecognized arguments: --no-such-option/);
    });
  });
}
