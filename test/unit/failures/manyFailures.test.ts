// Over a thousand failures in a default-verbosity log: each one exactly once, under its own
// nodeid. Real pytest output on both stacks, --tb=long and --tb=line.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import type { Failure } from "../../../src/core/failures/model";
import { parsePytestText } from "../../../src/core/failures/text";
import { pythonStacks, writeTree } from "../../util";

const TESTS = `import sqlite3, pytest

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

def _insert():
    c = sqlite3.connect(":memory:")
    c.execute("create table t (id integer primary key, name text unique)")
    c.execute("insert into t (name) values ('a')")
    c.execute("insert into t (name) values ('a')")

@pytest.mark.parametrize("i", range(1100))
def test_dup(i):
    _insert()

class TestK:
    @pytest.mark.parametrize("i", [f"{n} - x" for n in range(300)])
    def test_k(self, i):
        _insert()

@pytest.mark.parametrize("i", range(50))
def test_err(i, broken):
    pass
`;

function expected(): Set<string> {
  const ids = new Set<string>();
  for (let i = 0; i < 1100; i++) ids.add(`test_many.py::test_dup[${i}]|call`);
  for (let i = 0; i < 300; i++) ids.add(`test_many.py::TestK::test_k[${i} - x]|call`);
  for (let i = 0; i < 50; i++) ids.add(`test_many.py::test_err[${i}]|setup`);
  return ids;
}

function keys(fs_: Failure[]): string[] {
  return fs_.map((f) => f.nodeid + "|" + f.phase);
}

describe("failures: over a thousand failures in default-verbosity text", function () {
  this.timeout(120_000);
  const root = writeTree({ "test_many.py": TESTS });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  for (const stack of pythonStacks()) {
    for (const tb of ["long", "line"]) {
      it(`${stack.name}, --tb=${tb}: 1,450 failures, each once under its real nodeid`, () => {
        const r = spawnSync(stack.python, ["-m", "pytest", "-p", "no:cacheprovider", "--tb=" + tb, "test_many.py"], {
          cwd: root,
          env: { ...process.env, ...stack.env, PYTEST_ADDOPTS: "" },
          encoding: "utf8",
          maxBuffer: 1 << 28,
        });
        assert.match(r.stdout, /1400 failed, 50 errors/);
        const got = keys(parsePytestText(r.stdout));
        assert.equal(got.length, 1450, "each failure once");
        assert.deepEqual(new Set(got), expected());
        // Past the bounds on what waits for its summary line, the oldest are emitted early (under a
        // guessed nodeid): still each once.
        const tight = parsePytestText(r.stdout, { maxPending: 7, maxPendingText: 20_000 });
        assert.equal(tight.length, 1450, "each failure once when the bounds are hit");
        if (tb === "long") assert.equal(new Set(keys(tight)).size, 1450);
      });
    }
  }
});
