import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run, type RunnerEvent } from "../../../src/core/runner";
import { options, stacks } from "./helpers";

for (const stack of stacks) {
  describe(`runner: pytest's output (${stack.name})`, () => {
    it("shows stdout before the stderr written after it, and all of a big output", async () => {
      const events: RunnerEvent[] = [];
      const res = await run(options(stack, "output", { args: ["-s"] }), [], (e) => events.push(e));
      assert.equal(res.exit.problem, undefined, res.exit.problem?.message);
      const text = events.flatMap((e) => (e.type === "output" ? [e.text] : [])).join("");
      // stdout written before a stderr write is shown before it (what comes after may overtake it)
      const marks: string[] = text.match(/(out|err)\d(?=\n)/g) ?? [];
      assert.deepEqual([...marks].sort(), ["err0", "err1", "err2", "out0", "out1", "out2"]);
      for (const i of [0, 1, 2]) assert.ok(marks.indexOf(`out${i}`) < marks.indexOf(`err${i}`), marks.join(" "));
      // all of it, counted on stdout alone: a stderr chunk may land inside a stdout line of the joined text
      const stdout = events.flatMap((e) => (e.type === "output" && e.stream === "stdout" ? [e.text] : [])).join("");
      assert.equal(stdout.match(/x{99}$/gm)?.length, 20000);
      assert.match(stdout, /end of big/);
      assert.match(text, /2 passed/, "pytest's last line, written just before it exits");
    });
  });
}

describe("runner: a command line Node refuses", () => {
  it("ends the run with a problem and leaves no private folder behind", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "otd-refused-"));
    const saved = process.env["TMPDIR"];
    process.env["TMPDIR"] = tmp;
    try {
      const stack = stacks[0];
      assert.ok(stack);
      const res = await run(options(stack, "basic", { args: ["-k", "a\0b"] }), []);
      assert.equal(res.exit.problem?.kind, "crashed");
      assert.deepEqual(fs.readdirSync(tmp), []);
    } finally {
      if (saved === undefined) delete process.env["TMPDIR"];
      else process.env["TMPDIR"] = saved;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
