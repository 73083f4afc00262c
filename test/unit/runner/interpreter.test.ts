import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findInterpreter, run, RunnerError } from "../../../src/core/runner";
import { options, stacks } from "./helpers";

// A real interpreter that cannot import pytest: the system Python without site-packages (-S).
const NO_PYTEST = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "otd-nopytest-")), "python3");
fs.writeFileSync(NO_PYTEST, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n', { mode: 0o755 });
const legacy = stacks[0]!;

describe("runner: interpreter", () => {
  it("takes the first candidate that runs", async () => {
    const found = await findInterpreter(["/nonexistent/bin/python3", legacy.python], { env: legacy.env });
    assert.equal(found.path, legacy.python);
    assert.match(found.pytestVersion, /^7\./);
  });

  it("sees the modern stack's pytest through its PYTHONPATH", async () => {
    const modern = stacks[1]!;
    const found = await findInterpreter([modern.python], { env: modern.env });
    assert.match(found.pytestVersion, /^8\./);
  });

  it("says which interpreters were tried when none runs", async () => {
    await assert.rejects(findInterpreter(["/nonexistent/bin/python3", "/nonexistent/python"]), (e: unknown) => {
      assert.ok(e instanceof RunnerError);
      assert.equal(e.kind, "interpreter-missing");
      assert.match(e.message, /\/nonexistent\/bin\/python3 \(ENOENT\).*ormTestDoctor\.python/);
      return true;
    });
  });

  it("says what to install when pytest is missing", async () => {
    await assert.rejects(findInterpreter([NO_PYTEST], { env: { PYTHONPATH: undefined } }), (e: unknown) => {
      assert.ok(e instanceof RunnerError);
      assert.equal(e.kind, "pytest-missing");
      assert.match(e.message, /pytest is not installed for .*otd-nopytest-.*python3 \(Python 3\.11.*-m pip install pytest/);
      return true;
    });
  });

  it("run() with a missing interpreter ends with a clear problem, not a throw", async () => {
    const res = await run(options(legacy, "basic", { python: "/nonexistent/bin/python3" }), []);
    assert.equal(res.exit.problem?.kind, "interpreter-missing");
    assert.match(res.exit.problem?.message ?? "", /\/nonexistent\/bin\/python3/);
  });

  it("run() without pytest in the interpreter says so", async () => {
    const res = await run(options(legacy, "basic", { python: NO_PYTEST, env: { PYTHONPATH: undefined } }), []);
    assert.equal(res.exit.problem?.kind, "pytest-missing");
    assert.match(res.exit.problem?.message ?? "", /pip install pytest/);
  });

  it("run() with a wrong plugin folder names it", async () => {
    const res = await run(options(legacy, "basic", { pluginDir: "/nonexistent/python" }), []);
    assert.equal(res.exit.problem?.kind, "plugin-missing");
    assert.match(res.exit.problem?.message ?? "", /\/nonexistent\/python/);
  });
});
