// The fixes' edits on small hand-made files: the shape of the result (quotes, indentation,
// imports merged), and nothing offered where the fix does not apply or was applied already.
import * as assert from "node:assert/strict";
import type { Cause, CauseKind, FixId } from "../../../src/core/causes/model";
import { applyEdits, computeFix, fixesFor, type FixContext } from "../../../src/core/fixes";

function ctx(files: Record<string, string>, sqlalchemy = "2.0"): FixContext {
  return { read: (f) => files[f], sqlalchemy };
}

function cause(kind: CauseKind, file: string, line: number, symbol: string, fixes: FixId[]): Cause {
  return { kind, file, line, symbol, evidence: "", fixes, rank: 0 };
}

async function fixed(files: Record<string, string>, c: Cause, id: FixId, sqlalchemy = "2.0"): Promise<string | undefined> {
  const fix = await computeFix(id, c, ctx(files, sqlalchemy));
  return fix && applyEdits(files[c.file] ?? "", fix.edits.filter((e) => e.file === c.file));
}

const FACTORIES = `import factory
from factory.alchemy import SQLAlchemyModelFactory


class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_persistence = 'commit'

    email = 'test@example.com'
    handle = "{x}"
    tag = factory.Faker("email")
`;

describe("fix edits", () => {
  it("persistence: the quoted word changes, the quotes stay", async () => {
    const out = await fixed({ "f.py": FACTORIES }, cause("factory-commits", "f.py", 5, "UserFactory", ["persistence-flush"]), "persistence-flush");
    assert.match(out ?? "", /sqlalchemy_session_persistence = 'flush'\n/);
  });

  it("persistence: found in a base factory of another module", async () => {
    const files = {
      "app/base.py": `from factory.alchemy import SQLAlchemyModelFactory\n\nclass Base(SQLAlchemyModelFactory):\n    class Meta:\n        abstract = True\n        sqlalchemy_session_persistence = "commit"\n`,
      "app/factories.py": `from app.base import Base\n\nclass UserFactory(Base):\n    class Meta:\n        model = User\n`,
    };
    const fix = await computeFix("persistence-flush", cause("factory-commits", "app/factories.py", 3, "UserFactory", ["persistence-flush"]), ctx(files));
    assert.equal(fix?.edits[0]?.file, "app/base.py");
    assert.deepEqual(fix?.edits[0]?.range.start, { line: 5, character: 42 });
  });

  it("sequence: the literal's shape and quotes, the first value kept, braces escaped; Faker e-mails get an address", async () => {
    const files = { "f.py": FACTORIES };
    assert.match((await fixed(files, cause("constant-unique-value", "f.py", 10, "UserFactory.email", ["sequence-unique-value"]), "sequence-unique-value")) ?? "", /email = factory\.Sequence\(lambda n: f'test\{n or ""\}@example\.com'\)/);
    assert.match((await fixed(files, cause("constant-unique-value", "f.py", 11, "UserFactory.handle", ["sequence-unique-value"]), "sequence-unique-value")) ?? "", /handle = factory\.Sequence\(lambda n: f"\{\{x\}\}\{n or ''\}"\)/);
    assert.match((await fixed(files, cause("random-unique-value", "f.py", 12, "UserFactory.tag", ["sequence-unique-value"]), "sequence-unique-value")) ?? "", /tag = factory\.Sequence\(lambda n: f"user\{n or ''\}@example\.com"\)/);
  });

  it("sequence: a file without `import factory` gets `from factory import Sequence`; a Sequence is left alone", async () => {
    const text = `from factory.alchemy import SQLAlchemyModelFactory\n\nclass TeamFactory(SQLAlchemyModelFactory):\n    name = "Platform"\n`;
    const out = await fixed({ "f.py": text }, cause("constant-unique-value", "f.py", 4, "TeamFactory.name", ["sequence-unique-value"]), "sequence-unique-value");
    assert.equal(out, `from factory.alchemy import SQLAlchemyModelFactory\nfrom factory import Sequence\n\nclass TeamFactory(SQLAlchemyModelFactory):\n    name = Sequence(lambda n: f"Platform{n or ''}")\n`);
    assert.equal(await computeFix("sequence-unique-value", cause("constant-unique-value", "f.py", 5, "TeamFactory.name", ["sequence-unique-value"]), ctx({ "f.py": out ?? "" })), undefined);
  });

  it("in-memory: a multi-line create_engine keeps its layout; the import joins its package's imports", async () => {
    const text = `import pytest\nfrom sqlalchemy import create_engine\n\nfrom models import Base\n\n\n@pytest.fixture(scope="session")\ndef engine():\n    engine = create_engine(\n        "sqlite:///test.db",\n        echo=False,\n    )\n    yield engine\n`;
    const out = await fixed({ "conftest.py": text }, cause("persistent-database", "conftest.py", 7, "sqlite:///test.db", ["in-memory-database"]), "in-memory-database");
    assert.equal(out, `import pytest\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.pool import StaticPool\n\nfrom models import Base\n\n\n@pytest.fixture(scope="session")\ndef engine():\n    engine = create_engine(\n        "sqlite://",\n        echo=False,\n        poolclass=StaticPool,\n        connect_args={"check_same_thread": False},\n    )\n    yield engine\n`);
  });

  it("in-memory: never in application code, never on a memory URL", async () => {
    const app = `from sqlalchemy import create_engine\nengine = create_engine("sqlite:///dev.db")\n`;
    assert.equal(await fixed({ "app/db.py": app }, cause("persistent-database", "app/db.py", 2, "sqlite:///dev.db", ["in-memory-database"]), "in-memory-database"), undefined);
    const mem = `import pytest\nfrom sqlalchemy import create_engine\n\n@pytest.fixture\ndef engine():\n    return create_engine("sqlite:///:memory:")\n`;
    assert.equal(await fixed({ "conftest.py": mem }, cause("persistent-database", "conftest.py", 4, "x", ["in-memory-database"]), "in-memory-database"), undefined);
  });

  it("transactional: 2.0 binds the session with create_savepoint; 1.4 restarts a SAVEPOINT; the scope goes; twice is a no-op", async () => {
    const text = `import pytest\nfrom sqlalchemy.orm import Session\n\n\n@pytest.fixture(scope="session")\ndef db(engine):\n    session = Session(bind=engine)\n    yield session\n    session.close()\n`;
    const c = cause("wide-fixture-scope", "conftest.py", 5, "db", ["transactional-fixture"]);
    const modern = await fixed({ "conftest.py": text }, c, "transactional-fixture", "2.0");
    assert.equal(modern, `import pytest\nfrom sqlalchemy.orm import Session\n\n\n@pytest.fixture\ndef db(engine):\n    connection = engine.connect()\n    outer = connection.begin()  # rolled back at teardown: commits included\n    session = Session(bind=connection, join_transaction_mode="create_savepoint")\n    yield session\n    session.close()\n    outer.rollback()\n    connection.close()\n`);
    const legacy = await fixed({ "conftest.py": text }, c, "transactional-fixture", "1.4");
    assert.match(legacy ?? "", /from sqlalchemy import event\n/);
    assert.match(legacy ?? "", /    session = Session\(bind=connection\)\n    nested = connection\.begin_nested\(\)\n\n    @event\.listens_for\(session, "after_transaction_end"\)\n/);
    assert.deepEqual(await fixesFor(c, ctx({ "conftest.py": modern ?? "" })), []);
  });

  it("transactional: a positional bind, a typed parameter, and no recipe while the SQLAlchemy version is unknown", async () => {
    const text = `import pytest\nfrom sqlalchemy.orm import Session\n\n\n@pytest.fixture\ndef db(engine: Engine):\n    session = Session(engine)\n    yield session\n    session.close()\n`;
    const c = cause("test-commits", "conftest.py", 6, "t.py::x", ["transactional-fixture"]);
    const out = await fixed({ "conftest.py": text }, c, "transactional-fixture", "2.0");
    assert.match(out ?? "", /    connection = engine\.connect\(\)\n    outer = connection\.begin\(\).*\n    session = Session\(connection, join_transaction_mode="create_savepoint"\)\n/);
    assert.equal(await computeFix("transactional-fixture", c, { read: () => text, sqlalchemy: undefined }), undefined);
  });

  it("edits inserted at one place keep their order, as an editor applies them", () => {
    const at = { line: 0, character: 1 };
    assert.equal(applyEdits("ab", [{ file: "f", range: { start: at, end: at }, newText: "X", title: "" }, { file: "f", range: { start: at, end: at }, newText: "Y", title: "" }]), "aXYb");
  });

  it("rollback after the expected error: after the with block, at its indentation, once", async () => {
    const text = `import pytest\n\ndef test_dup(session):\n    UserFactory(email="a")\n    with pytest.raises(IntegrityError):\n        UserFactory(email="a")\n    assert True\n`;
    const c = cause("pending-rollback-cascade", "t.py", 6, "t.py::test_dup", ["rollback-after-error"]);
    const out = await fixed({ "t.py": text }, c, "rollback-after-error");
    assert.equal(out, `import pytest\n\ndef test_dup(session):\n    UserFactory(email="a")\n    with pytest.raises(IntegrityError):\n        UserFactory(email="a")\n    session.rollback()\n    assert True\n`);
    assert.equal(await computeFix("rollback-after-error", c, ctx({ "t.py": out ?? "" })), undefined);
  });

  it("a file that does not parse after the fix is not offered", async () => {
    // the fixed text would keep this syntax error: the check refuses any fix on a broken file
    const text = `class UserFactory(SQLAlchemyModelFactory):\n    class Meta:\n        sqlalchemy_session_persistence = "commit"\n\n\ndef broken(:\n    pass\n`;
    const c = cause("factory-commits", "f.py", 1, "UserFactory", ["persistence-flush"]);
    assert.ok(await computeFix("persistence-flush", c, ctx({ "f.py": text })), "the maker finds the setting");
    assert.deepEqual(await fixesFor(c, ctx({ "f.py": text })), []);
  });
});
