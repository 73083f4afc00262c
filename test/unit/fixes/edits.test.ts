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
  it("per-call session: a local session's class-level copy goes; an expression becomes a local that later reads use", async () => {
    const local = `class ProductFactory(SQLAlchemyModelFactory):
    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        session = SASession(bind=engine)
        cls._meta.sqlalchemy_session = session
        obj = model_class(*args, **kwargs)
        session.add(obj)
        return obj
`;
    const c = cause("shared-session-state", "f.py", 5, "ProductFactory._create", ["per-call-session"]);
    assert.equal(await fixed({ "f.py": local }, c, "per-call-session"), local.replace("        cls._meta.sqlalchemy_session = session\n", ""));
    const expr = `class ProductFactory(SQLAlchemyModelFactory):
    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        cls._meta.sqlalchemy_session = make_session()
        obj = model_class(*args, **kwargs)
        cls._meta.sqlalchemy_session.add(obj)
        cls._meta.sqlalchemy_session.flush()
        return obj
`;
    const out = await fixed({ "f.py": expr }, { ...c, line: 4 }, "per-call-session");
    assert.equal(out, expr.replace("cls._meta.sqlalchemy_session = make_session()", "session = make_session()").replace(/cls\._meta\.sqlalchemy_session\./g, "session."));
    assert.equal((await fixesFor({ ...c, line: 4 }, ctx({ "f.py": expr }))).length, 1, "parses and is idempotent");
    const named = expr.replace("obj = model_class", "session = None\n        obj = model_class");
    assert.match((await fixed({ "f.py": named }, { ...c, line: 4 }, "per-call-session")) ?? "", /call_session = make_session\(\)\n[\s\S]*call_session\.add\(obj\)/, "a name the method uses is not taken");
  });

  it("shared session: an autouse fixture in the root conftest removes a scoped session, rolls back a plain one; imports added, never twice", async () => {
    const c = cause("shared-session-state", "app/db.py", 3, "app.db.Session", ["reset-shared-session"]);
    const db = `engine = create_engine("sqlite://")\nfactory = sessionmaker(bind=engine)\nSession = scoped_session(factory)\n`;
    const conftest = `from app.models import Base\n`;
    const fix = await computeFix("reset-shared-session", c, ctx({ "app/db.py": db, "conftest.py": conftest }));
    const out = fix && applyEdits(conftest, fix.edits);
    assert.equal(out, `import pytest\nfrom app.models import Base\nfrom app.db import Session\n\n\n@pytest.fixture(autouse=True)\ndef _reset_shared_session():\n    # app.db.Session lives for the whole run; nothing a test flushed may reach the next\n    yield\n    Session.remove()  # closes it: rolls back what the test left\n`);
    assert.equal((await fixesFor(c, ctx({ "app/db.py": db, "conftest.py": conftest }))).length, 1, "parses and is idempotent");
    const plain = db.replace("scoped_session(factory)", "factory()");
    const rolled = await computeFix("reset-shared-session", c, ctx({ "app/db.py": plain, "conftest.py": "import pytest\nimport app.db\n" }));
    assert.match(rolled?.edits.map((e) => e.newText).join("") ?? "", /^\n\n@pytest[\s\S]*\n    app\.db\.Session\.rollback\(\)\n$/);
    assert.equal(await computeFix("reset-shared-session", c, ctx({ "app/db.py": db })), undefined, "no root conftest.py: nothing to extend");
    // a docstring and a __future__ import stay first; a name conftest already uses is not shadowed
    const busy = `"""Fixtures."""\nfrom __future__ import annotations\n\nfrom sqlalchemy.orm import Session\n`;
    const out2 = applyEdits(busy, (await computeFix("reset-shared-session", c, ctx({ "app/db.py": db, "conftest.py": busy })))?.edits ?? []);
    assert.match(out2, /^"""Fixtures\."""\nfrom __future__ import annotations\nimport pytest\nimport app\.db\n/);
    assert.match(out2, /    app\.db\.Session\.remove\(\)/);
    assert.equal((await fixesFor(c, ctx({ "app/db.py": db, "conftest.py": busy }))).length, 1, "parses and is idempotent");
    // the session defined in conftest.py itself: no import of conftest
    const own = `import pytest\nfrom sqlalchemy.orm import scoped_session, sessionmaker\n\nSession = scoped_session(sessionmaker())\n`;
    const ownFix = await computeFix("reset-shared-session", cause("shared-session-state", "conftest.py", 4, "conftest.Session", ["reset-shared-session"]), ctx({ "conftest.py": own }));
    assert.ok(ownFix && !applyEdits(own, ownFix.edits).includes("from conftest import"), "no import of itself");
  });

  it("per-call session: not offered when factory_boy's own _create reads the class-level session", async () => {
    const text = `class ProductFactory(SQLAlchemyModelFactory):
    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        cls._meta.sqlalchemy_session = make_session()
        return super()._create(model_class, *args, **kwargs)
`;
    assert.equal(await computeFix("per-call-session", cause("shared-session-state", "f.py", 4, "ProductFactory._create", ["per-call-session"]), ctx({ "f.py": text })), undefined);
  });

  it("per-call session: not offered where a deletion or a local would break the method", async () => {
    const c = cause("shared-session-state", "f.py", 4, "ProductFactory._create", ["per-call-session"]);
    const method = (body: string) => `class ProductFactory(SQLAlchemyModelFactory):\n    @classmethod\n    def _create(cls, model_class, *args, **kwargs):\n${body}        return model_class(*args, **kwargs)\n`;
    const lazy = method("        if cls._meta.sqlalchemy_session is None:\n            cls._meta.sqlalchemy_session = make()\n");
    assert.equal(await computeFix("per-call-session", { ...c, line: 5 }, ctx({ "f.py": lazy })), undefined, "read before it is set");
    const shared = method("        session = make(); cls._meta.sqlalchemy_session = session\n");
    assert.equal(await computeFix("per-call-session", c, ctx({ "f.py": shared })), undefined, "the line holds another statement");
    const alone = method("        if flag:\n            cls._meta.sqlalchemy_session = session\n");
    assert.equal(await computeFix("per-call-session", { ...c, line: 5 }, ctx({ "f.py": alone })), undefined, "the block would be empty");
  });

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

  it("transactional: fixtures of a wider scope that request the narrowed one (in any conftest or test module, through others too) are narrowed with it", async () => {
    const root = `import pytest\nfrom sqlalchemy.orm import Session\n\n\n@pytest.fixture(scope="session")\ndef db(engine):\n    session = Session(bind=engine)\n    yield session\n    session.close()\n\n\n@pytest.fixture(scope="session")\ndef admin(db):\n    return make_admin(db)\n\n\n@pytest.fixture\ndef plain(db):\n    return db\n`;
    const sub = `import pytest\n\n\n@pytest.fixture(scope="module", name="team")\ndef _team(admin, other):\n    return admin\n`;
    const module = `import pytest\n\n\n@pytest.fixture(scope="class")\ndef roster(team):\n    return [team]\n\n\n@pytest.fixture(scope="session")\ndef unrelated(engine):\n    return 1\n\n\ndef test_x(roster):\n    pass\n`;
    const files: Record<string, string> = { "conftest.py": root, "tests/conftest.py": sub, "tests/api/test_roster.py": module };
    const c = cause("wide-fixture-scope", "conftest.py", 5, "db", ["transactional-fixture"]);
    const context: FixContext = { ...ctx(files), testModules: () => ["tests/api/test_roster.py"] };
    const fix = await computeFix("transactional-fixture", c, context);
    assert.ok(fix);
    assert.match(fix.title, /, with admin, team, roster \(they request it\) function-scoped too$/);
    const after = (file: string): string => applyEdits(files[file] ?? "", fix.edits.filter((e) => e.file === file));
    assert.match(after("conftest.py"), /@pytest\.fixture\ndef db\(engine\):/);
    assert.match(after("conftest.py"), /@pytest\.fixture\ndef admin\(db\):/);
    assert.equal(after("tests/conftest.py"), `import pytest\n\n\n@pytest.fixture(name="team")\ndef _team(admin, other):\n    return admin\n`);
    assert.match(after("tests/api/test_roster.py"), /@pytest\.fixture\ndef roster\(team\):/);
    assert.match(after("tests/api/test_roster.py"), /@pytest\.fixture\(scope="session"\)\ndef unrelated/);
    // without the test modules known, the conftest.py chain of the fixture's own file is still looked at
    const fewer = await computeFix("transactional-fixture", c, ctx(files));
    assert.match(fewer?.title ?? "", /, with admin \(it requests it\) function-scoped too$/);
    // a fixture already function-scoped needs nothing more
    const lone = `import pytest\nfrom sqlalchemy.orm import Session\n\n\n@pytest.fixture(scope="session")\ndef db(engine):\n    session = Session(bind=engine)\n    yield session\n\n\n@pytest.fixture\ndef plain(db):\n    return db\n`;
    const alone = await computeFix("transactional-fixture", c, ctx({ "conftest.py": lone }));
    assert.doesNotMatch(alone?.title ?? "", /function-scoped too/);
  });

  it("transactional: a parameter with a default requests nothing, and fixtures that cannot see the narrowed one stay as they are", async () => {
    const a = `import pytest\nfrom sqlalchemy.orm import Session\n\n\n@pytest.fixture(scope="session")\ndef db(engine):\n    session = Session(bind=engine)\n    yield session\n\n\n@pytest.fixture(scope="session")\ndef cache(db=None):\n    return {}\n`;
    const b = `import pytest\nfrom sqlalchemy.orm import Session\n\n\n@pytest.fixture(scope="session")\ndef db(engine):\n    yield Session(bind=engine)\n\n\n@pytest.fixture(scope="session")\ndef admin(db):\n    return 1\n`;
    const module = `import pytest\n\n\n@pytest.fixture(scope="module")\ndef seeded(db: Session):\n    return db\n\n\ndef test_a(seeded):\n    pass\n`;
    const files: Record<string, string> = { "tests/a/conftest.py": a, "tests/b/conftest.py": b, "tests/a/test_a.py": module, "tests/b/test_b.py": module };
    const c = cause("wide-fixture-scope", "tests/a/conftest.py", 6, "db", ["transactional-fixture"]);
    const fix = await computeFix("transactional-fixture", c, { ...ctx(files), testModules: () => ["tests/a/test_a.py", "tests/b/test_b.py"] });
    assert.ok(fix);
    assert.match(fix.title, /, with seeded \(it requests it\) function-scoped too$/, "a typed parameter requests; cache(db=None) does not");
    assert.deepEqual([...new Set(fix.edits.map((e) => e.file))].sort(), ["tests/a/conftest.py", "tests/a/test_a.py"], "tests/b sees its own db");
  });

  it("transactional: fixtures in pytest_plugins modules request the narrowed one, and a narrowed one in such a module is seen everywhere", async () => {
    const db = `import pytest\nfrom sqlalchemy.orm import Session\n\n\n@pytest.fixture(scope="session")\ndef db(engine):\n    session = Session(bind=engine)\n    yield session\n`;
    const seeds = `import pytest\n\n\n@pytest.fixture(scope="session")\ndef seeded(db):\n    return db\n`;
    const more = `import pytest\n\n\n@pytest.fixture(scope="module")\ndef more(seeded):\n    return seeded\n`;
    const module = `import pytest\n\n\n@pytest.fixture(scope="module")\ndef local(db):\n    return db\n\n\ndef test_a(local, more):\n    pass\n`;
    const testModules = (): string[] => ["tests/test_a.py"];
    // the narrowed fixture in conftest.py; a plugin module (named beside the conftest, loading another in turn) requests it
    const one: Record<string, string> = {
      "conftest.py": `${db}\n\npytest_plugins = [\n    "fixtures.seeds",  # seeds\n]\n`,
      "fixtures/seeds.py": `pytest_plugins: list = ('fixtures.more',)\n${seeds}`,
      "fixtures/more.py": more,
      "tests/test_a.py": module,
    };
    const fix = await computeFix("transactional-fixture", cause("wide-fixture-scope", "conftest.py", 5, "db", ["transactional-fixture"]), { ...ctx(one), testModules });
    assert.ok(fix);
    assert.match(fix.title, /, with (?=.*seeded)(?=.*more)(?=.*local)[\w, ]+ \(they request it\) function-scoped too$/);
    assert.deepEqual([...new Set(fix.edits.map((e) => e.file))].sort(), ["conftest.py", "fixtures/more.py", "fixtures/seeds.py", "tests/test_a.py"]);
    // the same, with the plugin modules added by += and by .append under an if
    const added = { ...one, "conftest.py": `pytest_plugins = []\n${db}\n\npytest_plugins += ["fixtures.seeds"]\n`, "fixtures/seeds.py": `import sys\n\nif sys.version_info >= (3, 8):\n    pytest_plugins = []\n    pytest_plugins.append("fixtures.more")\n${seeds}` };
    const fixAdded = await computeFix("transactional-fixture", cause("wide-fixture-scope", "conftest.py", 6, "db", ["transactional-fixture"]), { ...ctx(added), testModules });
    assert.deepEqual([...new Set(fixAdded?.edits.map((e) => e.file))].sort(), ["conftest.py", "fixtures/more.py", "fixtures/seeds.py", "tests/test_a.py"], "+= and .append under an if");
    // the narrowed fixture in a plugin module that the root conftest.py loads: every conftest.py and test module sees it
    const two: Record<string, string> = {
      "conftest.py": `pytest_plugins = "tests.plugins.db"\n`,
      "tests/conftest.py": seeds,
      "tests/plugins/db.py": db,
      "tests/test_a.py": module.replace("local, more", "local, seeded"),
    };
    const fix2 = await computeFix("transactional-fixture", cause("wide-fixture-scope", "tests/plugins/db.py", 5, "db", ["transactional-fixture"]), { ...ctx(two), testModules });
    assert.ok(fix2);
    assert.deepEqual([...new Set(fix2.edits.map((e) => e.file))].sort(), ["tests/conftest.py", "tests/plugins/db.py", "tests/test_a.py"]);
  });

  it("transactional: not offered for an AsyncSession or an async fixture (the recipe is sync code)", async () => {
    const head = `import pytest\nfrom sqlalchemy.ext.asyncio import AsyncSession, create_async_engine\n\nengine = create_async_engine("sqlite+aiosqlite:///dev.db")\n\n\n@pytest.fixture\n`;
    const sync = `${head}def db():\n    session = AsyncSession(engine)\n    yield session\n`;
    const async = `${head}async def db():\n    session = Session(bind=engine)\n    yield session\n`;
    for (const text of [sync, async]) {
      assert.equal(await computeFix("transactional-fixture", cause("test-commits", "conftest.py", 8, "db", ["transactional-fixture"]), ctx({ "conftest.py": text })), undefined, text);
    }
    // the same file with a sync engine and Session gets the recipe
    const plain = sync
      .replace("from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine", "from sqlalchemy import create_engine")
      .replace('create_async_engine("sqlite+aiosqlite:///dev.db")', 'create_engine("sqlite:///dev.db")')
      .replace("AsyncSession(engine)", "Session(bind=engine)");
    assert.ok(await computeFix("transactional-fixture", cause("test-commits", "conftest.py", 8, "db", ["transactional-fixture"]), ctx({ "conftest.py": plain })));
  });

  it("in-memory on an async engine: the driver stays through a name or an f-string; a module-level engine only when the fixture uses it", async () => {
    const fixture = `\n\n@pytest.fixture\ndef db():\n    yield engine\n`;
    const byName = `import pytest\nfrom sqlalchemy.ext.asyncio import create_async_engine\n\nreport_engine = create_async_engine("sqlite+aiosqlite:///reports.db")\nURL = "sqlite+aiosqlite:///dev.db"\nengine = create_async_engine(URL)\n${fixture}`;
    const c = cause("persistent-database", "conftest.py", 10, "sqlite+aiosqlite:///dev.db", ["in-memory-database"]);
    const out = await fixed({ "conftest.py": byName }, c, "in-memory-database");
    assert.match(out ?? "", /\nengine = create_async_engine\("sqlite\+aiosqlite:\/\/", poolclass=StaticPool, connect_args=\{"check_same_thread": False\}\)\n/);
    assert.match(out ?? "", /report_engine = create_async_engine\("sqlite\+aiosqlite:\/\/\/reports\.db"\)/, "the other engine stays");
    const fString = byName.replace("create_async_engine(URL)", 'create_async_engine(f"sqlite+aiosqlite:///{DIR}/dev.db")');
    assert.match((await fixed({ "conftest.py": fString }, c, "in-memory-database")) ?? "", /\nengine = create_async_engine\("sqlite\+aiosqlite:\/\/", poolclass=StaticPool/);
    // a fixture that uses no module-level engine gets none of them
    assert.equal(await computeFix("in-memory-database", c, ctx({ "conftest.py": byName.replace("yield engine", "yield make_engine()") })), undefined);
    const mentioned = byName.replace("yield engine", '"""Not the module\'s engine."""\n    yield make_engine()  # engine');
    assert.equal(await computeFix("in-memory-database", c, ctx({ "conftest.py": mentioned })), undefined, "named in a string or a comment only");
    // names that are not a read of the module's engine: another object's attribute, a keyword's
    // name, a parameter or a local of that name, the fixture's own name
    for (const [what, code] of [
      ["an attribute of something else", "yield app.engine"],
      ["a keyword's name", "yield make(engine=None)"],
      ["a local", "engine = make_engine()\n    yield engine"],
      ["a tuple local", "engine, other = make_engines()\n    yield engine"],
    ] as const) {
      assert.equal(await computeFix("in-memory-database", c, ctx({ "conftest.py": byName.replace("yield engine", code) })), undefined, what);
    }
    const param = byName.replace("def db():\n    yield engine", "def db(engine):\n    yield engine");
    assert.equal(await computeFix("in-memory-database", c, ctx({ "conftest.py": param })), undefined, "a parameter");
    const ownName = byName.replace("def db():\n    yield engine", "def engine():\n    yield make_engine()");
    assert.equal(await computeFix("in-memory-database", c, ctx({ "conftest.py": ownName })), undefined, "the fixture's own name");
    // and those that are: declared global, bound in a chained or a tuple assignment
    const global = byName.replace("yield engine", "global engine\n    engine = engine.execution_options()\n    yield engine");
    assert.ok(await computeFix("in-memory-database", c, ctx({ "conftest.py": global })), "declared global");
    const chained = byName.replace("engine = create_async_engine(URL)", "engine = default_engine = create_async_engine(URL)");
    assert.match((await fixed({ "conftest.py": chained }, c, "in-memory-database")) ?? "", /engine = default_engine = create_async_engine\("sqlite\+aiosqlite:\/\/", poolclass=StaticPool/, "chained: the outer name");
    const tuple = byName.replace("engine = create_async_engine(URL)", 'engine, reports = create_async_engine(URL), create_async_engine("sqlite+aiosqlite:///r.db")');
    assert.match((await fixed({ "conftest.py": tuple }, c, "in-memory-database")) ?? "", /engine, reports = create_async_engine\("sqlite\+aiosqlite:\/\/", poolclass=StaticPool, connect_args=\{"check_same_thread": False\}\), create_async_engine\("sqlite\+aiosqlite:\/\/\/r\.db"\)/, "tuple");
    const tupleOther = tuple.replace("yield engine", "yield reports");
    assert.match((await fixed({ "conftest.py": tupleOther }, c, "in-memory-database")) ?? "", /engine, reports = create_async_engine\(URL\), create_async_engine\("sqlite\+aiosqlite:\/\/", poolclass=StaticPool/, "the tuple's other");
    const starred = byName.replace("engine = create_async_engine(URL)", '*rest, engine = create_async_engine("sqlite+aiosqlite:///a.db"), create_async_engine("sqlite+aiosqlite:///b.db"), create_async_engine(URL)');
    assert.equal(await computeFix("in-memory-database", c, ctx({ "conftest.py": starred })), undefined, "past a starred target");
    for (const [what, line] of [
      ["a parenthesized tuple", 'engine, reports = (create_async_engine(URL), create_async_engine("sqlite+aiosqlite:///r.db"))'],
      ["a list target", '[engine, reports] = create_async_engine(URL), create_async_engine("sqlite+aiosqlite:///r.db")'],
      ["a chained tuple", 'engine, reports = e, r = create_async_engine(URL), create_async_engine("sqlite+aiosqlite:///r.db")'],
    ] as const) {
      const out = await fixed({ "conftest.py": byName.replace("engine = create_async_engine(URL)", line) }, c, "in-memory-database");
      assert.match(out ?? "", /create_async_engine\("sqlite\+aiosqlite:\/\/", poolclass=StaticPool, connect_args=\{"check_same_thread": False\}\), create_async_engine\("sqlite\+aiosqlite:\/\/\/r\.db"\)/, what);
    }
    // scopes: a nested def, lambda, comprehension or import that binds the name is not a read of
    // the module's; a nested def that only uses it, or a parameter default, is
    for (const [what, code] of [
      ["a lambda's parameter", "yield (lambda engine: engine.connect())(make_engine())"],
      ["a nested def's parameter", "def helper(engine):\n        return engine\n    yield helper(make_engine())"],
      ["a comprehension's variable", "yield [engine for engine in make_engines()]"],
      ["a match capture", "match make_engine():\n        case engine:\n            yield engine"],
      ["a match capture in a class pattern", "match make_engine():\n        case Wrapper(inner=engine):\n            yield engine"],
      ["a match alias", "match make_engine():\n        case Wrapper() as engine:\n            yield engine"],
      ["a with target", "with make_engine() as engine:\n        yield engine"],
      ["an except target", "try:\n        yield make_engine()\n    except Exception as engine:\n        yield engine"],
      ["a match star capture", "match make_engines():\n        case [*engine]:\n            yield engine"],
      ["a match mapping value", "match config():\n        case {\"k\": engine}:\n            yield engine"],
      ["a match mapping rest", "match config():\n        case {**engine}:\n            yield engine"],
      ["a match value pattern of another name", "match make_engine():\n        case settings.engine:\n            yield None"],
      ["a match keyword of that name", "match make_engine():\n        case Wrapper(engine=1):\n            yield None"],
      ["an import in the fixture", "from app import engine\n    yield engine"],
      ["a local, with global in a nested def", "def reset():\n        global engine\n    engine = make_engine()\n    yield engine"],
    ] as const) {
      assert.equal(await computeFix("in-memory-database", c, ctx({ "conftest.py": byName.replace("yield engine", code) })), undefined, what);
    }
    for (const [what, text] of [
      ["a nested def that binds it, beside a real read", byName.replace("yield engine", "def reset():\n        engine = None\n    yield engine")],
      ["a nested def that reads it", byName.replace("yield engine", "def connect():\n        return engine.connect()\n    yield connect()")],
      ["a parameter default", byName.replace("def db():\n    yield engine", "def db(e=engine):\n    yield e")],
      ["a match value pattern on it", byName.replace("yield engine", "match kind:\n        case engine.kind:\n            yield None")],
      ["a lambda's default that rebinds the name", byName.replace("yield engine", "yield (lambda engine=engine: engine.connect())()")],
      ["a class attribute at module level", byName.replace("engine = create_async_engine(URL)", "class Config:\n    engine = create_async_engine(URL)").replace("yield engine", "yield Config.engine")],
    ] as const) {
      assert.match((await fixed({ "conftest.py": text }, c, "in-memory-database")) ?? "", /create_async_engine\("sqlite\+aiosqlite:\/\/", poolclass=StaticPool/, what);
    }
    // the cause on db(engine), whose engine is a name= fixture handing the module's engine on
    const handedOn = byName.replace("@pytest.fixture\ndef db():\n    yield engine", '@pytest.fixture(name="engine")\ndef engine_fixture():\n    return engine\n\n\n@pytest.fixture\ndef db(engine):\n    yield engine');
    const dbLine = handedOn.split("\n").indexOf("def db(engine):") + 1;
    const onDb = cause("persistent-database", "conftest.py", dbLine, "sqlite+aiosqlite:///dev.db", ["in-memory-database"]);
    assert.match((await fixed({ "conftest.py": handedOn }, onDb, "in-memory-database")) ?? "", /\nengine = create_async_engine\("sqlite\+aiosqlite:\/\/", poolclass=StaticPool/, "through a name= fixture");
    const notHanded = handedOn.replace("    return engine\n", "    return make_engine()\n");
    assert.equal(await computeFix("in-memory-database", onDb, ctx({ "conftest.py": notHanded })), undefined, "a name= fixture that makes its own");
  });

  it("transactional: not offered where the session factory makes AsyncSessions", async () => {
    const text = `import pytest\nfrom sqlalchemy.ext.asyncio import AsyncSession\nfrom sqlalchemy.orm import sessionmaker\n\nSessionLocal = sessionmaker(engine, class_=AsyncSession)\n\n\n@pytest.fixture\ndef db():\n    session = SessionLocal()\n    yield session\n`;
    assert.equal(await computeFix("transactional-fixture", cause("test-commits", "conftest.py", 9, "db", ["transactional-fixture"]), ctx({ "conftest.py": text })), undefined);
  });

  it("transactional: a positional bind, a typed parameter, and no recipe while the SQLAlchemy version is unknown", async () => {
    const text = `import pytest\nfrom sqlalchemy.orm import Session\n\n\n@pytest.fixture\ndef db(engine: Engine):\n    session = Session(engine)\n    yield session\n    session.close()\n`;
    const c = cause("test-commits", "conftest.py", 6, "t.py::x", ["transactional-fixture"]);
    const out = await fixed({ "conftest.py": text }, c, "transactional-fixture", "2.0");
    assert.match(out ?? "", /    connection = engine\.connect\(\)\n    outer = connection\.begin\(\).*\n    session = Session\(connection, join_transaction_mode="create_savepoint"\)\n/);
    assert.equal(await computeFix("transactional-fixture", c, { read: () => text, sqlalchemy: undefined }), undefined);
  });

  it("remove-commit: a Session's commit becomes flush; a Connection's, a Transaction's, a DBAPI connection's is dropped (they have no flush)", async () => {
    const c = (line: number) => cause("test-commits", "tests/test_a.py", line, "tests/test_a.py::test_a", ["remove-commit"]);
    const run = (text: string, line: number, files: Record<string, string> = {}) => fixed({ "tests/test_a.py": text, ...files }, c(line), "remove-commit");
    // a session: flush, as before
    assert.equal(await run(`def test_a(db):\n    db.add(User())\n    db.commit()\n`, 2), `def test_a(db):\n    db.add(User())\n    db.flush()\n`);
    // a connection from engine.connect(), sync and async; its line goes, the comment on it too
    const conn = `def test_a(engine):\n    with engine.connect() as conn:\n        conn.execute(insert(users))\n        conn.commit()  # keep it\n        assert count(conn) == 1\n`;
    assert.equal(await run(conn, 3), `def test_a(engine):\n    with engine.connect() as conn:\n        conn.execute(insert(users))\n        assert count(conn) == 1\n`);
    const aconn = `async def test_a(engine):\n    async with engine.connect() as conn:\n        await conn.execute(insert(users))\n        await conn.commit()\n`;
    assert.equal(await run(aconn, 3), `async def test_a(engine):\n    async with engine.connect() as conn:\n        await conn.execute(insert(users))\n`);
    // a Transaction, the only statement of its block: pass
    const tx = `def test_a(connection):\n    trans = connection.begin()\n    connection.execute(insert(users))\n    if ok:\n        trans.commit()\n`;
    assert.equal(await run(tx, 3), `def test_a(connection):\n    trans = connection.begin()\n    connection.execute(insert(users))\n    if ok:\n        pass\n`);
    // two dropped commits that are all of their block: the first becomes pass
    const both = `def test_a(engine):\n    conn = engine.connect()\n    trans = conn.begin()\n    if ok:\n        trans.commit()\n        conn.commit()\n    conn.close()\n`;
    assert.equal(await run(both, 2), `def test_a(engine):\n    conn = engine.connect()\n    trans = conn.begin()\n    if ok:\n        pass\n    conn.close()\n`);
    // what the receiver is made from, or what it is: execution_options, closing(), walrus, attributes, annotations, names
    const shapes = `def test_a(engine, c2: Connection, tx):\n    c1 = engine.connect().execution_options(isolation_level="AUTOCOMMIT")\n    with closing(engine.raw_connection()) as raw, (c3 := engine.connect()):\n        c1.commit()\n        raw.commit()\n        c3.commit()\n    c2.commit()\n    self.conn.commit()\n    s.connection.commit()\n    tx.commit()\n    assert True\n`;
    assert.equal(await run(shapes, 2), `def test_a(engine, c2: Connection, tx):\n    c1 = engine.connect().execution_options(isolation_level="AUTOCOMMIT")\n    with closing(engine.raw_connection()) as raw, (c3 := engine.connect()):\n        pass\n    assert True\n`);
    // not offered: inside a begin() block (it commits as it ends), or with a begin() after the commit
    for (const text of [
      `def test_a():\n    with engine.begin() as conn:\n        conn.execute(insert(users))\n        conn.commit()\n`,
      `def test_a():\n    with SessionLocal.begin() as session:\n        session.add(User())\n        session.commit()\n`,
      `def test_a(session):\n    with session.begin() as tx:\n        session.add(User())\n        tx.commit()\n`,
      `def test_a(engine):\n    with engine.connect() as conn:\n        conn.execute(insert(users))\n        conn.commit()\n        with conn.begin():\n            conn.execute(insert(users))\n`,
    ]) {
      assert.equal(await computeFix("remove-commit", c(3), ctx({ "tests/test_a.py": text })), undefined, text);
    }
    // a fixture parameter: looked up in the file, then in the conftest.py files above
    const viaFixture = `def test_a(conn, db):\n    conn.execute(insert(users))\n    conn.commit()\n    db.commit()\n`;
    const conftest = `import pytest\n\n@pytest.fixture\ndef conn(engine):\n    with engine.connect() as c:\n        yield c\n\n@pytest.fixture\ndef db(engine):\n    s = Session(engine)\n    yield s\n`;
    assert.equal(await run(viaFixture, 2, { "conftest.py": conftest }), `def test_a(conn, db):\n    conn.execute(insert(users))\n    db.flush()\n`);
    const raw = `import pytest\n\n@pytest.fixture\ndef conn(engine):\n    return engine.raw_connection()\n`;
    assert.equal(await run(viaFixture, 2, { "tests/conftest.py": raw }), `def test_a(conn, db):\n    conn.execute(insert(users))\n    db.flush()\n`);
    assert.equal(await run(viaFixture, 2), `def test_a(conn, db):\n    conn.execute(insert(users))\n    db.flush()\n`, "a fixture not found: told by its name");
    // pytest_asyncio fixtures, name=, a fixture that hands on another, a fixture from engine.begin()
    const handed = `import pytest, pytest_asyncio\n\n@pytest_asyncio.fixture(name="db")\nasync def _db(connection):\n    yield connection\n\n@pytest.fixture\ndef connection(engine):\n    with engine.connect() as c:\n        yield c\n`;
    assert.equal(await run(`def test_a(db):\n    db.execute(insert(users))\n    db.commit()\n`, 2, { "tests/conftest.py": handed }), `def test_a(db):\n    db.execute(insert(users))\n`);
    // in a module the root conftest.py loads with pytest_plugins
    const plugin = `import pytest\n\n@pytest.fixture\ndef db(engine):\n    with engine.connect() as c:\n        yield c\n`;
    const loads = { "conftest.py": `pytest_plugins = ["fixtures.database"]\n`, "fixtures/database.py": plugin };
    assert.equal(await run(`def test_a(db):\n    db.execute(insert(users))\n    db.commit()\n`, 2, loads), `def test_a(db):\n    db.execute(insert(users))\n`);
    // a commit in a fixture of the conftest.py that loads it
    const seed = `pytest_plugins = ["fixtures.database"]\n\n\n@pytest.fixture\ndef seed(db):\n    db.execute(insert(users))\n    db.commit()\n`;
    const seedCause = cause("test-commits", "conftest.py", 7, "seed", ["remove-commit"]);
    assert.equal(await fixed({ "conftest.py": seed, "fixtures/database.py": plugin }, seedCause, "remove-commit"), seed.replace("    db.commit()\n", ""));
    const begun = `import pytest\n\n@pytest.fixture\ndef db(engine):\n    with engine.begin() as c:\n        yield c\n`;
    assert.equal(await computeFix("remove-commit", c(2), ctx({ "tests/test_a.py": `def test_a(db):\n    db.execute(insert(users))\n    db.commit()\n`, "conftest.py": begun })), undefined, "the fixture's begin() commits at teardown");
    // an absolute path (no rootdir known): no conftest.py lookup, and no endless one
    const abs = cause("test-commits", "/abs/tests/test_a.py", 2, "t", ["remove-commit"]);
    assert.ok(await computeFix("remove-commit", abs, ctx({ "/abs/tests/test_a.py": viaFixture })));
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
