import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROTOCOL_VERSION, SOCKET_ENV, TRACE_ENV } from "../../src/core/protocol";
import { repoRoot } from "../util";

describe("protocol constants", () => {
  it("the Python plugin and the TypeScript side agree on the version and the socket and trace variables", () => {
    const code = "import json, orm_test_doctor as o; print(json.dumps([o.PROTOCOL_VERSION, o.SOCKET_ENV, o.TRACE_ENV]))";
    const r = spawnSync("/usr/bin/python3", ["-c", code], { encoding: "utf8", env: { ...process.env, PYTHONPATH: path.join(repoRoot(), "python") } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [PROTOCOL_VERSION, SOCKET_ENV, TRACE_ENV]);
  });

  it("the socket variable's name is a string literal only where each side defines it", () => {
    const r = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: repoRoot(), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const defining = ["python/orm_test_doctor/__init__.py", "src/core/protocol.ts"];
    const literal = new RegExp(`["'\`]${SOCKET_ENV}["'\`]`);
    const found = r.stdout.split("\0").filter((f) => /\.(ts|py|mjs|js)$/.test(f) && !defining.includes(f) && fs.existsSync(path.join(repoRoot(), f)))
      .filter((f) => literal.test(fs.readFileSync(path.join(repoRoot(), f), "utf8")));
    assert.deepEqual(found, []);
  });
});
