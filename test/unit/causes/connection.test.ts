// A test that commits through a Connection (SQLAlchemy 2.0 style, `future=True` on 1.4), under
// real pytest on both stacks: `diagnose --json` names the committing test at its insert, and the
// remove-commit fix drops `conn.commit()` (a Connection has no flush(): `conn.flush()` would end
// in AttributeError), after which the fixture's closing of the connection undoes the row.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { DiagnoseDocument } from "../../../src/core/causes/document";
import type { Cause } from "../../../src/core/causes/model";
import { computeFix, fixedTexts, type FixContext } from "../../../src/core/fixes";
import { diagnoseJson, folderReader, pythonStacks, runPytest, USERS_MODEL, writeTree } from "../../util";

const CONFTEST = `import pytest
from sqlalchemy import create_engine

from models import Base

engine = create_engine("sqlite:///dev.db", future=True)
Base.metadata.create_all(engine)


@pytest.fixture
def conn():
    with engine.connect() as c:
        yield c
`;

const TESTS = `from sqlalchemy import func, insert, select

from models import User


def test_signup(conn):
    conn.execute(insert(User.__table__).values(email="alice@example.com"))
    conn.commit()
    assert conn.execute(select(func.count()).select_from(User.__table__)).scalar() == 1


def test_signup_again(conn):
    conn.execute(insert(User.__table__).values(email="alice@example.com"))
    conn.commit()
`;

const FILES = { "models.py": USERS_MODEL, "conftest.py": CONFTEST, "tests/test_users.py": TESTS, "pytest.ini": "[pytest]\npythonpath = .\n" };

describe("a Connection's commit: cause and fix", function () {
  this.timeout(180_000);
  for (const stack of pythonStacks()) {
    it(`${stack.name}: test-commits at the insert; remove-commit drops conn.commit() and the suite passes`, async () => {
      const dir = writeTree(FILES);
      const r = diagnoseJson(dir, stack.env, "--no-bisect");
      assert.equal(r.status, 1, r.stderr);
      const doc = JSON.parse(r.stdout) as DiagnoseDocument;
      assert.deepEqual(doc.failures.map((f) => f.nodeid), ["tests/test_users.py::test_signup_again"]);
      const causes = doc.failures[0]!.causes as Cause[];
      const commits = causes.find((c) => c.kind === "test-commits");
      assert.ok(commits, JSON.stringify(causes));
      assert.equal(`${commits.file}:${commits.line} ${commits.symbol}`, "tests/test_users.py:7 tests/test_users.py::test_signup");
      assert.ok(commits.fixes.includes("remove-commit"));

      const read = folderReader(dir);
      const ctx: FixContext = { read, sqlalchemy: stack.name === "legacy" ? "1.4" : "2.0", testModules: () => ["tests/test_users.py"] };
      const fix = await computeFix("remove-commit", commits, ctx);
      assert.equal(fix?.title, "Drop the commit in test_signup");
      for (const [file, text] of fixedTexts(fix, ctx)) fs.writeFileSync(path.join(dir, file), text);
      assert.equal(read("tests/test_users.py"), TESTS.replace('email="alice@example.com"))\n    conn.commit()\n    assert', 'email="alice@example.com"))\n    assert'));
      fs.rmSync(path.join(dir, "dev.db"), { force: true });
      const after = runPytest(dir, stack.env);
      // test_signup_again still commits; once, on an empty database, it passes
      assert.equal(after.status, 0, after.out);
      assert.match(after.out, /2 passed/);
    });
  }
});
