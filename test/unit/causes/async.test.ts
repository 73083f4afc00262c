// SQLAlchemy's asyncio extension under real pytest on both stacks: `diagnose --json` names the
// test that committed (at its `await db.commit()` line), the file database and the polluter; the
// remove-commit and in-memory-database fixes, applied, make the suite pass (run twice for the
// database). The event loop is a fixture of the project's own, as pytest-asyncio would give it.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { DiagnoseDocument } from "../../../src/core/causes/document";
import type { Cause } from "../../../src/core/causes/model";
import { computeFix, fixedTexts, type FixContext } from "../../../src/core/fixes";
import { diagnoseJson, folderReader, pythonStacks, runPytest, USERS_MODEL, writeTree } from "../../util";


const CONFTEST = `import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from models import Base

engine = create_async_engine("sqlite+aiosqlite:///dev.db")


@pytest.fixture(scope="session")
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.run_until_complete(engine.dispose())
    loop.close()


@pytest.fixture
def db(loop):
    async def open_session():
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        return AsyncSession(engine)

    session = loop.run_until_complete(open_session())
    yield session
    loop.run_until_complete(session.rollback())
    loop.run_until_complete(session.close())
`;

const TESTS = `from models import User


def test_signup(db, loop):
    async def body():
        db.add(User(email="alice@example.com"))
        await db.commit()

    loop.run_until_complete(body())


def test_signup_again(db, loop):
    async def body():
        db.add(User(email="alice@example.com"))
        await db.commit()

    loop.run_until_complete(body())
`;

const FILES = { "models.py": USERS_MODEL, "conftest.py": CONFTEST, "tests/test_users.py": TESTS, "pytest.ini": "[pytest]\npythonpath = .\n" };

function hasAiosqlite(env: Record<string, string>): boolean {
  return spawnSync("/usr/bin/python3", ["-c", "import aiosqlite, greenlet"], { env: { ...process.env, ...env } }).status === 0;
}


function reset(dir: string): void {
  for (const [file, text] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, file), text);
  fs.rmSync(path.join(dir, "dev.db"), { force: true });
}

describe("SQLAlchemy asyncio: causes and fixes", function () {
  this.timeout(180_000);
  for (const stack of pythonStacks()) {
    it(`${stack.name}: the awaited commit is the test's, at its line; the fixes make the suite pass`, async function () {
      if (!hasAiosqlite(stack.env)) this.skip(); // python3-aiosqlite: scripts/setup.sh python
      const dir = writeTree(FILES);
      const r = diagnoseJson(dir, stack.env, "--no-bisect");
      const doc = JSON.parse(r.stdout) as DiagnoseDocument;
      assert.equal(r.status, 1, r.stderr);
      const [failure, ...others] = doc.failures;
      assert.equal(others.length, 0);
      assert.equal(failure?.nodeid, "tests/test_users.py::test_signup_again");
      const at = (c: { kind: string; file: string; line: number; symbol: string }): string => `${c.kind} ${c.file}:${c.line} ${c.symbol}`;
      assert.deepEqual(failure.causes.map(at), [
        "test-commits tests/test_users.py:7 tests/test_users.py::test_signup",
        "persistent-database conftest.py:20 sqlite+aiosqlite:///dev.db",
        "polluter-test tests/test_users.py:7 tests/test_users.py::test_signup",
      ]);
      const read = folderReader(dir);
      const ctx: FixContext = { read, sqlalchemy: stack.name === "legacy" ? "1.4" : "2.0", testModules: () => ["tests/test_users.py"] };
      const apply = async (c: Cause, id: "remove-commit" | "in-memory-database"): Promise<void> => {
        const fix = await computeFix(id, c, ctx);
        assert.ok(fix, `${id} offered for ${c.kind}`);
        for (const [file, text] of fixedTexts(fix, ctx)) fs.writeFileSync(path.join(dir, file), text);
      };
      const [commits, database] = failure.causes as Cause[];

      // await db.commit() → await db.flush(): the fixture's rollback undoes the row
      reset(dir);
      await apply(commits!, "remove-commit");
      assert.match(read("tests/test_users.py") ?? "", /await db\.flush\(\)\n\n    loop\.run_until_complete\(body\(\)\)\n\n\ndef test_signup_again/);
      const flushed = runPytest(dir, stack.env);
      assert.equal(flushed.status, 0, flushed.out);

      // the file database → sqlite+aiosqlite:// with StaticPool: nothing outlives the run, so the
      // second run fails as the first does (before: test_signup failed too, on run 1's row)
      reset(dir);
      runPytest(dir, stack.env);
      const kept = runPytest(dir, stack.env);
      assert.match(kept.out, /2 failed/, "before the fix, run 2 finds run 1's row");
      reset(dir);
      await apply(database!, "in-memory-database");
      assert.match(read("conftest.py") ?? "", /create_async_engine\("sqlite\+aiosqlite:\/\/", poolclass=StaticPool, connect_args=\{"check_same_thread": False\}\)/);
      for (const run of [1, 2]) {
        const out = runPytest(dir, stack.env);
        assert.match(out.out, /1 failed, 1 passed/, `run ${run}: ${out.out}`);
      }
      assert.equal(fs.existsSync(path.join(dir, "dev.db")), false);
    });
  }
});
