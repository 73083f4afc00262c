// The transactional fixture fix on a session-scoped fixture that another session-scoped fixture
// requests (beside it, in a pytest_plugins module, or in a conftest.py above it), under real
// pytest on both stacks: narrowing the first alone stops the run with
// ScopeMismatch; the fix narrows both, and the leak is gone.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Cause } from "../../../src/core/causes/model";
import { computeFix, fixedTexts, type FixContext } from "../../../src/core/fixes";
import { folderReader, pythonStacks, runPytest, USERS_MODEL, writeTree } from "../../util";


const CONFTEST = `import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from models import Base, User


@pytest.fixture(scope="session")
def engine():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def db(engine):
    session = Session(bind=engine)
    yield session
    session.close()


@pytest.fixture(scope="session")
def admin(db):
    user = User(email="admin@example.com")
    db.add(user)
    db.flush()
    return user
`;

const TESTS = `from models import User


def test_signup(db, admin):
    db.add(User(email="carol@example.com"))
    db.commit()


def test_signup_again(db, admin):
    db.add(User(email="carol@example.com"))
    db.commit()
`;

const COMMON = { "models.py": USERS_MODEL, "tests/test_signup.py": TESTS, "pytest.ini": "[pytest]\npythonpath = .\n" };
// admin beside db in conftest.py, or in a module the root conftest.py loads with pytest_plugins
const ADMIN_AT = CONFTEST.indexOf("\n\n@pytest.fixture(scope=\"session\")\ndef admin");
const ADMIN_MODULE = `import pytest\n\nfrom models import User\n${CONFTEST.slice(ADMIN_AT)}`;
// db in tests/, admin in the root conftest.py, and team(admin) in a sibling folder whose tests get
// their own db: narrowing admin reaches team, which narrowing db alone never reaches
const ROOT_ADMIN = `${CONFTEST.slice(0, CONFTEST.indexOf("\n\n@pytest.fixture(scope=\"session\")\ndef db"))}\n${CONFTEST.slice(ADMIN_AT)}`;
const OTHER_CONFTEST = `import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from models import Base


@pytest.fixture(scope="session")
def db():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    session = Session(bind=engine)
    yield session
    session.close()


@pytest.fixture(scope="session")
def team(admin):
    return [admin]
`;
const TEAM_AT = OTHER_CONFTEST.slice(0, OTHER_CONFTEST.indexOf("def team")).split("\n").length - 2;
// admin in the test module itself, team(admin) in the conftest.py above it: a conftest's fixture
// gets the test module's admin for that module's tests
const MODULE_ADMIN = `import pytest\n\nfrom models import User\n${CONFTEST.slice(ADMIN_AT)}\n\n${TESTS.replace("from models import User\n", "").replace(/\(db, admin\)/g, "(db, team)").trim()}\n`;
const TEAM_CONFTEST = `import pytest\n\n\n@pytest.fixture(scope="session")\ndef team(admin):\n    return [admin]\n`;
interface Layout {
  name: string;
  files: Record<string, string>;
  adminFile: string; // the fixture whose edit alone, left out, ends in ScopeMismatch
  adminLine0: number;
  dbFile?: string;
  testModules?: string[];
  title?: RegExp;
  passed?: number;
}
const LAYOUTS: Layout[] = [
  { name: "in conftest.py", files: { ...COMMON, "conftest.py": CONFTEST }, adminFile: "conftest.py", adminLine0: 22 },
  // db in tests/conftest.py, admin in the root one: for the tests there, admin gets tests/' db
  { name: "in the conftest.py above db's", files: { ...COMMON, "tests/conftest.py": `${CONFTEST.slice(0, ADMIN_AT)}\n`, "conftest.py": ADMIN_MODULE }, adminFile: "conftest.py", adminLine0: 5, dbFile: "tests/conftest.py" },
  // two folders down: admin in tests/conftest.py, db and the tests in tests/sub
  {
    name: "in the conftest.py two folders above db's tests",
    files: { "models.py": USERS_MODEL, "tests/sub/test_signup.py": TESTS, "pytest.ini": "[pytest]\npythonpath = .\n", "tests/sub/conftest.py": `${CONFTEST.slice(0, ADMIN_AT)}\n`, "tests/conftest.py": ADMIN_MODULE },
    adminFile: "tests/conftest.py",
    adminLine0: 5,
    dbFile: "tests/sub/conftest.py",
    testModules: ["tests/sub/test_signup.py"],
  },
  {
    name: "in the root conftest.py, requested by team in a sibling folder",
    files: { ...COMMON, "conftest.py": ROOT_ADMIN, "tests/conftest.py": `${CONFTEST.slice(0, ADMIN_AT)}\n`, "other/conftest.py": OTHER_CONFTEST, "other/test_team.py": `def test_team(team):\n    assert team[0].email == "admin@example.com"\n` },
    adminFile: "other/conftest.py",
    adminLine0: TEAM_AT,
    dbFile: "tests/conftest.py",
    testModules: ["tests/test_signup.py", "other/test_team.py"],
    title: /with admin, team \(they request it\) function-scoped too/,
    passed: 3,
  },
  {
    name: "in the test module, requested by team in the conftest.py above it",
    files: { ...COMMON, "conftest.py": `${CONFTEST.slice(0, ADMIN_AT)}\n`, "tests/conftest.py": TEAM_CONFTEST, "tests/test_signup.py": MODULE_ADMIN },
    adminFile: "tests/conftest.py",
    adminLine0: 3,
    title: /with admin, team \(they request it\) function-scoped too/,
  },
  {
    name: "in a pytest_plugins module",
    files: { ...COMMON, "conftest.py": `${CONFTEST.slice(0, ADMIN_AT)}\n\npytest_plugins = ["fixtures.admin"]\n`, "fixtures/admin.py": ADMIN_MODULE },
    adminFile: "fixtures/admin.py",
    adminLine0: 5,
  },
];


describe("transactional fixture fix with fixtures that request it", function () {
  this.timeout(120_000);
  for (const stack of pythonStacks()) {
    for (const layout of LAYOUTS) {
      it(`${stack.name}, admin ${layout.name}: narrowing db alone ends in ScopeMismatch; the fix narrows admin too and the leak is gone`, async () => {
        const dir = writeTree(layout.files);
        const before = runPytest(dir, stack.env);
        assert.equal(before.status, 1, before.out);
        assert.match(before.out, /IntegrityError/);
        const read = folderReader(dir);
        const ctx: FixContext = { read, sqlalchemy: stack.name === "legacy" ? "1.4" : "2.0", testModules: () => layout.testModules ?? ["tests/test_signup.py"] };
        const cause: Cause = { kind: "wide-fixture-scope", file: layout.dbFile ?? "conftest.py", line: 17, symbol: "db", evidence: "", fixes: ["transactional-fixture"], rank: 0 };
        const fix = await computeFix("transactional-fixture", cause, ctx);
        assert.ok(fix);
        assert.match(fix.title, layout.title ?? /with admin \(it requests it\) function-scoped too/);
        const write = (f: typeof fix): void => {
          for (const [file, text] of fixedTexts(f, ctx)) fs.writeFileSync(path.join(dir, file), text);
        };
        // without the edit on admin's decorator, pytest refuses the run
        const isAdmin = (e: (typeof fix.edits)[number]): boolean => e.file === layout.adminFile && e.range.start.line === layout.adminLine0;
        const partial = { ...fix, edits: fix.edits.filter((e) => !isAdmin(e)) };
        assert.equal(partial.edits.length, fix.edits.length - 1);
        write(partial);
        const half = runPytest(dir, stack.env);
        assert.notEqual(half.status, 0, half.out);
        assert.match(half.out, /ScopeMismatch/);
        for (const [file, text] of Object.entries(layout.files)) fs.writeFileSync(path.join(dir, file), text);
        write(fix);
        const after = runPytest(dir, stack.env);
        assert.equal(after.status, 0, after.out);
        assert.match(after.out, new RegExp(`${layout.passed ?? 2} passed`));
      });
    }
  }
});
