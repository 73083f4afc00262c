import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../../../src/core/runner";
import { Delivery, readSpill } from "../../../src/core/runner/spill";
import { options, stacks } from "./helpers";

/** A spill file as python/orm_test_doctor/spill.py writes it. */
function writeSpill(file: string, gen: number, base: number, lines: string[], extra = ""): void {
  const body = Buffer.from(lines.map((l) => l + "\n").join("") + extra, "utf8");
  const head = Buffer.alloc(16);
  head.writeUInt32LE(gen, 0);
  head.writeUInt32LE(base, 4);
  head.writeUInt32LE(body.length - Buffer.byteLength(extra), 8);
  fs.writeFileSync(file, Buffer.concat([head, body]));
}

describe("runner: spill", () => {
  let dir = "";
  let file = "";
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-spill-test-"));
    file = path.join(dir, "spill");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads complete lines; a live read skips a spill being reset", () => {
    writeSpill(file, 2, 5, ["a", "b"], "c-not-yet-complete");
    const fd = fs.openSync(file, "r");
    assert.deepEqual(readSpill(fd, true), { base: 5, lines: ["a", "b"] });
    writeSpill(file, 3, 5, ["a"]);
    assert.equal(readSpill(fd, true), undefined);
    assert.deepEqual(readSpill(fd, false), { base: 5, lines: ["a"] }, "after pytest ended, an odd generation is read as it is");
    fs.closeSync(fd);
  });

  it("delivers each line once, in order, from whichever of the socket and the spill has it first", () => {
    const got: string[] = [];
    fs.writeFileSync(file, "");
    const d = new Delivery(file, (l) => got.push(l));
    d.fromSocket("0");
    d.quiet(); // the socket spoke within the last two ticks: no peek
    writeSpill(file, 2, 1, ["1", "2"]);
    d.quiet(); // quiet for two ticks: the spill's lines are delivered
    assert.deepEqual(got, ["0", "1", "2"]);
    d.fromSocket("1"); // the same lines then arrive on the socket
    d.fromSocket("2");
    d.fromSocket("3");
    writeSpill(file, 4, 6, ["6"]); // 4 and 5 are still on their way: a live peek waits for them
    d.quiet();
    d.quiet();
    assert.deepEqual(got, ["0", "1", "2", "3"]);
    d.fromSocket("4");
    d.socketEnded('{"cut off');
    writeSpill(file, 4, 5, ["5", "6"]); // pytest died while sending 5: the spill has it whole
    d.end();
    assert.deepEqual(got, ["0", "1", "2", "3", "4", "5", "6"]);
  });

  it("without a spill, a socket's unterminated last line is still passed on", () => {
    const got: string[] = [];
    const d = new Delivery(undefined, (l) => got.push(l));
    d.fromSocket("0");
    d.fromSocket(undefined); // a line dropped for its size still has an index
    d.socketEnded("last");
    d.end();
    assert.deepEqual(got, ["0", "last"]);
  });
});

for (const stack of stacks) {
  describe(`runner: spill in a run (${stack.name})`, () => {
    it("a test that waits right after quick ones is seen started while it waits", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-pause-"));
      const release = path.join(dir, "release");
      try {
        const env = { ...stack.env, OTD_RELEASE: release };
        const res = await run(options(stack, "pause", { env }), [], (e) => {
          if (e.type === "message" && e.message.type === "started" && e.message.nodeid.endsWith("::test_pause")) fs.writeFileSync(release, "");
        });
        assert.equal(res.exit.problem, undefined, res.exit.problem?.message);
        assert.equal(res.outcomes.get("test_pause.py::test_pause"), "passed", "released only once seen started");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
