import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { run } from "../../../src/core/runner";
import { processesWith } from "../../util";
import { options, stacks } from "./helpers";

for (const stack of stacks) {
  for (const args of [[], ["-n", "2"]]) {
    describe(`runner: cancel (${stack.name}${args.length ? " " + args.join(" ") : ""})`, () => {
      it("ends the whole process tree within 2 s and keeps the results so far", async function () {
        if (!fs.existsSync("/proc/self/environ")) this.skip();
        const marker = `OTD_CANCEL_${process.pid}_${Date.now()}`;
        const controller = new AbortController();
        let abortedAt = 0;
        let sleeping = 0;
        const opts = options(stack, "slow", { args, signal: controller.signal, env: { ...stack.env, OTD_TEST_MARKER: marker } });
        const res = await run(opts, [], (e) => {
          // cancel once every worker sits in a 60 s sleep
          if (e.type === "message" && e.message.type === "started" && e.message.nodeid.includes("test_sleep")) {
            sleeping += 1;
            if (sleeping === (args.length ? 2 : 1)) {
              setTimeout(() => {
                assert.ok(processesWith(marker).length >= (args.length ? 3 : 1), "pytest (and workers) should be running");
                abortedAt = Date.now();
                controller.abort();
              }, 300);
            }
          }
        });
        const took = Date.now() - abortedAt;
        assert.ok(abortedAt > 0, "never reached the sleeping tests");
        assert.ok(took < 2000, `cancel took ${took} ms`);
        console.log(`      cancel took ${took} ms`);
        assert.equal(res.exit.cancelled, true);
        assert.equal(res.exit.problem?.kind, "cancelled");
        assert.equal(res.outcomes.get("test_slow.py::test_quick"), "passed");
        assert.deepEqual(processesWith(marker), []);
      });
    });
  }
}

describe("runner: cancel a process that ignores SIGTERM", () => {
  it("SIGKILLs it and its escaped grandchild after the grace period", async function () {
    if (!fs.existsSync("/proc/self/environ")) this.skip();
    const stack = stacks[0]!;
    const marker = `OTD_CANCEL_${process.pid}_${Date.now()}_stubborn`;
    const controller = new AbortController();
    let abortedAt = 0;
    const opts = options(stack, "stubborn", { args: ["-s"], signal: controller.signal, killGraceMs: 1000, env: { OTD_TEST_MARKER: marker } });
    const res = await run(opts, [], (e) => {
      if (e.type === "output" && e.text.includes("stubborn ready") && abortedAt === 0) {
        setTimeout(() => {
          assert.equal(processesWith(marker).length, 2);
          abortedAt = Date.now();
          controller.abort();
        }, 200);
      }
    });
    const took = Date.now() - abortedAt;
    assert.ok(abortedAt > 0);
    assert.ok(took >= 900 && took < 2000, `cancel took ${took} ms`);
    console.log(`      cancel took ${took} ms`);
    assert.equal(res.exit.signal, "SIGKILL");
    assert.deepEqual(processesWith(marker), []);
  });
});
