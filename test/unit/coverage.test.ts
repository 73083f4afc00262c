import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCoverageJson } from "../../src/core/coverage";

describe("coverage.py JSON", () => {
  it("reads executed and missing lines from a real coverage.py report", function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-cov-"));
    fs.writeFileSync(path.join(dir, "m.py"), "def f(x):\n    if x:\n        return 1\n    return 2\n\nf(True)\n");
    const run = (args: string[]) => spawnSync("/usr/bin/python3", ["-m", "coverage", ...args], { cwd: dir, encoding: "utf8" });
    assert.equal(run(["run", "m.py"]).status, 0);
    assert.equal(run(["json", "-o", "cov.json"]).status, 0);
    const files = parseCoverageJson(fs.readFileSync(path.join(dir, "cov.json"), "utf8"), dir);
    assert.deepEqual(files, [{ file: path.join(dir, "m.py"), executed: [1, 2, 3, 6], missing: [4] }]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("returns nothing for garbage", () => {
    assert.deepEqual(parseCoverageJson("{not json", "/"), []);
    assert.deepEqual(parseCoverageJson('{"files": 3}', "/"), []);
  });
});
