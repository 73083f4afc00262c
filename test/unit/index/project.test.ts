// The hand-written project under test/fixtures/index/proj, indexed through worker threads.
// Line numbers are 0-based (editor line - 1).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { indexWorkspace, type ProjectIndex } from "../../../src/core/index";
import { fixturePath } from "../../util";

const ROOT = fixturePath("index", "proj");

describe("index: fixture project (worker threads)", () => {
  let idx: ProjectIndex;
  before(async () => {
    const progress: number[] = [];
    idx = await indexWorkspace(ROOT, { workers: 2, batchSize: 2, onProgress: (p) => progress.push(p.done) });
    assert.equal(progress[progress.length - 1], idx.files().length);
  });

  it("indexes every .py file", () => {
    assert.equal(idx.files().length, 15);
    assert.ok(idx.files().includes("tests/integration/test_users.py"));
  });

  describe("models and tables", () => {
    it("maps 1.4 declarative_base models through an __abstract__ base and a mixin", () => {
      const user = idx.model("app.models.User");
      assert.ok(user);
      assert.deepEqual([user.line, user.end, user.table, user.base], [25, 34, "users", "app.db.Base"]);
      const cols = Object.fromEntries(user.columns.map((c) => [c.name, c]));
      assert.deepEqual(Object.keys(cols).sort(), ["created_at", "email", "id", "org_id", "user_name"]);
      assert.equal(cols["id"]?.declaredIn, "app.models.AbstractBase");
      assert.equal(cols["id"]?.line, 22);
      assert.equal(cols["created_at"]?.declaredIn, "app.models.TimestampMixin");
      assert.equal(cols["created_at"]?.serverDefault, "func.now()");
      assert.deepEqual([cols["email"]?.line, cols["email"]?.unique, cols["email"]?.nullable], [27, true, false]);
      assert.deepEqual([cols["user_name"]?.attr, cols["user_name"]?.index, cols["user_name"]?.line], ["username", true, 28]);
      assert.equal(cols["org_id"]?.foreignKey, "orgs.id");
      assert.equal(idx.model("AbstractBase"), undefined);
      assert.equal(idx.model("TimestampMixin"), undefined);
    });

    it("maps 2.0 DeclarativeBase + Mapped/mapped_column, including bare Mapped[] annotations", () => {
      const p = idx.model("app.models2.Product");
      assert.ok(p);
      assert.deepEqual([p.line, p.defLine, p.table], [10, 10, "products"]);
      const cols = Object.fromEntries(p.columns.map((c) => [c.name, c]));
      assert.deepEqual([cols["id"]?.primaryKey, cols["id"]?.line], [true, 12]);
      assert.deepEqual([cols["sku"]?.unique, cols["sku"]?.type, cols["sku"]?.nullable], [true, "String(32)", false]);
      assert.deepEqual([cols["name"]?.line, cols["name"]?.nullable], [14, false]);
      assert.deepEqual([cols["note"]?.line, cols["note"]?.nullable], [15, true]);
      assert.deepEqual([cols["owner_id"]?.foreignKey, cols["owner_id"]?.index], ["users.id", true]);
    });

    it("lists every unique key of a table with its line and per-dialect names", () => {
      const t = idx.table("users");
      assert.ok(t);
      const keys = t.keys.map((k) => `${k.kind}:${k.columns.join("+")}@${k.line}:${k.names.postgresql ?? "-"}/${k.names.mysql ?? "-"}`);
      assert.deepEqual(keys.sort(), [
        "check:@33:ck_email_len/ck_email_len",
        "foreign_key:org_id@29:users_org_id_fkey/users_ibfk_1",
        "primary:id@22:users_pkey/PRIMARY",
        "unique:email@27:users_email_key/email",
        "unique:org_id+user_name@31:uq_users_org_username/uq_users_org_username",
        "unique_index:email@32:ix_users_lower_email/ix_users_lower_email",
        "unique_index:user_name@28:ix_users_user_name/ix_users_user_name",
      ]);
    });

    it("reads an imperative Table(...)", () => {
      const t = idx.table("tags");
      assert.ok(t);
      assert.deepEqual([t.imperative, t.line, t.end], [true, 44, 49]);
      assert.deepEqual(t.columns.map((c) => [c.name, c.line, c.primaryKey, c.unique]), [
        ["id", 47, true, false],
        ["label", 48, false, true],
      ]);
    });

    it("honours MetaData(naming_convention=...) through a module constant", () => {
      const t = idx.table("accounts");
      assert.deepEqual(t?.namingConvention, { uq: "uq_%(table_name)s_%(column_0_name)s", pk: "pk_%(table_name)s" });
      assert.deepEqual(idx.resolveConstraint("postgresql", "uq_accounts_number")?.columns, ["number"]);
      assert.deepEqual(idx.resolveConstraint("postgresql", "pk_accounts")?.columns, ["id"]);
    });

    it("resolves constraint names per dialect", () => {
      assert.deepEqual(idx.resolveConstraint("postgresql", "users_email_key"), {
        table: "users",
        columns: ["email"],
        key: idx.table("users")?.keys.find((k) => k.kind === "unique" && k.columns[0] === "email"),
      });
      assert.equal(idx.resolveConstraint("postgresql", "orgs_slug_key")?.table, "orgs");
      assert.equal(idx.resolveConstraint("postgresql", "ix_users_user_name")?.columns[0], "user_name");
      assert.equal(idx.resolveConstraint("mysql", "users.email")?.table, "users");
      assert.equal(idx.resolveConstraint("mysql", "label")?.table, "tags");
      assert.equal(idx.resolveConstraint("postgresql", "USERS_PKEY")?.table, "users");
      assert.equal(idx.resolveConstraint("sqlite", "users_email_key"), undefined);
      assert.equal(idx.uniqueKeyFor("users", ["user_name", "org_id"])?.explicitName, "uq_users_org_username");
    });
  });

  describe("factories", () => {
    it("finds factories through an aliased base, multi-level abstract bases and factory.alchemy.X", () => {
      assert.deepEqual(idx.factories().map((f) => f.name).sort(), ["AdminFactory", "BaseFactory", "CommitFactory", "OrgFactory", "ProductFactory", "UserFactory"]);
      const user = idx.factory("UserFactory");
      assert.ok(user);
      assert.deepEqual(user.chain, [
        "app.factories.users.UserFactory",
        "app.factories.base.CommitFactory",
        "app.factories.base.BaseFactory",
        "factory.alchemy.SQLAlchemyModelFactory",
      ]);
      assert.deepEqual([user.line, user.end, user.abstract, user.model], [20, 30, false, "app.models.User"]);
      assert.equal(idx.factory("CommitFactory")?.abstract, true);
    });

    it("computes the effective Meta and where each value comes from", () => {
      const user = idx.factory("app.factories.users.UserFactory");
      const m = user?.meta;
      assert.deepEqual([m?.model?.text, m?.model?.from, m?.model?.line], ["models.User", "app.factories.users.UserFactory", 22]);
      assert.deepEqual([m?.sqlalchemy_session?.text, m?.sqlalchemy_session?.from, m?.sqlalchemy_session?.file, m?.sqlalchemy_session?.line], [
        "Session",
        "app.factories.base.BaseFactory",
        "app/factories/base.py",
        9,
      ]);
      assert.deepEqual([m?.sqlalchemy_session_persistence?.literal, m?.sqlalchemy_session_persistence?.from, m?.sqlalchemy_session_persistence?.line], [
        "commit",
        "app.factories.base.CommitFactory",
        16,
      ]);
      assert.equal(m?.abstract, undefined, "abstract is not inherited");
      const admin = idx.factory("AdminFactory");
      assert.deepEqual([admin?.meta.sqlalchemy_session_persistence?.literal, admin?.meta.sqlalchemy_session_persistence?.line], [null, 35]);
      assert.equal(admin?.meta.model?.from, "app.factories.users.UserFactory");
    });

    it("traces the Meta session to its engine URL across modules", () => {
      const url = idx.factory("OrgFactory")?.sessionUrl;
      assert.deepEqual([url?.kind, url?.path], ["sqlite-file", "dev.db"]);
      assert.deepEqual(url?.via, ["Session (app/db.py:10)", "SessionLocal (app/db.py:9)", "engine (app/db.py:8)", "DEV_URL (app/db.py:6)"]);
    });

    it("reads a _create override that commits with its own sqlite:///dev.db session", () => {
      const p = idx.factory("ProductFactory");
      const c = p?.create;
      assert.ok(c);
      assert.deepEqual([c.line, c.end, c.from], [46, 53, "app.factories.users.ProductFactory"]);
      assert.deepEqual(c.commits, [{ line: 52, end: 52, text: "session" }]);
      assert.deepEqual(c.adds, [{ line: 51, end: 51, text: "session" }]);
      assert.deepEqual(c.metaAssigns, [{ attr: "sqlalchemy_session", text: 'SASession(bind=create_engine("sqlite:///dev.db"))', line: 49, end: 49 }]);
      assert.equal(c.session, 'SASession(bind=create_engine("sqlite:///dev.db"))');
      assert.deepEqual([c.sessionUrl?.kind, c.sessionUrl?.url], ["sqlite-file", "sqlite:///dev.db"]);
      assert.equal(p?.model, "app.models2.Product");
    });

    it("classifies fields, with inheritance and overrides", () => {
      const fields = Object.fromEntries((idx.factory("AdminFactory")?.fields ?? []).map((f) => [f.name, f]));
      assert.deepEqual([fields["email"]?.kind, fields["email"]?.provider, fields["email"]?.line], ["faker", "email", 24]);
      assert.equal(fields["username"]?.kind, "lazy_attribute");
      assert.deepEqual([fields["org"]?.kind, fields["org"]?.target], ["sub_factory", "app.factories.users.OrgFactory"]);
      assert.deepEqual([fields["active"]?.kind, fields["active"]?.value], ["constant", true]);
      assert.deepEqual([fields["score"]?.kind, fields["score"]?.fuzzy], ["fuzzy", "FuzzyInteger"]);
      assert.deepEqual([fields["role"]?.kind, fields["role"]?.value, fields["role"]?.line, fields["role"]?.from], ["constant", "admin", 37, "app.factories.users.AdminFactory"]);
      assert.equal(fields["created"]?.kind, "lazy_function");
      const org = idx.factory("OrgFactory")?.fields.find((f) => f.name === "name");
      assert.deepEqual([org?.kind, org?.line, org?.end], ["sequence", 16, 16]);
    });
  });

  describe("fixtures", () => {
    it("reads fixture options, engine URLs (constant, function, env) and transaction calls", () => {
      const engine = idx.fixture("engine", "tests/test_plain.py");
      assert.ok(engine);
      assert.deepEqual([engine.line, engine.defLine, engine.end, engine.scope, engine.yields], [13, 14, 18, "session", true]);
      assert.deepEqual(engine.engines.map((e) => [e.line, e.url.kind, e.url.path, e.url.via]), [[15, "sqlite-file", "test.db", ["TEST_URL (tests/conftest.py:11)"]]]);
      assert.deepEqual([engine.createAll[0]?.line, engine.dropAll[0]?.line], [16, 18]);

      const pg = idx.fixture("pg_engine", "tests/test_plain.py")?.engines[0]?.url;
      assert.deepEqual([pg?.kind, pg?.dialect, pg?.url, pg?.via], ["server", "postgresql", "postgresql://app@localhost/test_app", ["get_database_url() (app/db.py:18)"]]);

      const env = idx.fixture("env_engine", "tests/test_plain.py")?.engines[0]?.url;
      assert.deepEqual([env?.kind, env?.envVar, env?.envDefault?.kind], ["env", "TEST_DATABASE_URL", "sqlite-memory"]);

      const session = idx.fixture("session", "tests/test_plain.py");
      assert.deepEqual(session?.uses, ["engine"]);
      assert.deepEqual(session?.begins.map((b) => [b.line, b.recv]), [[24, "connection"]]);
      assert.deepEqual(session?.rollbacks.map((b) => [b.line, b.recv]), [[28, "trans"]]);
      assert.deepEqual(session?.closes.map((b) => b.line), [27, 29]);
      const s = session?.sessions[0];
      assert.deepEqual([s?.kind, s?.line, s?.joinTransactionMode, s?.bind, s?.url?.path], ["sessionmaker", 25, "create_savepoint", "engine.connect()", "test.db"]);
      assert.deepEqual(s?.url?.via, ["fixture engine (tests/conftest.py:14)", "TEST_URL (tests/conftest.py:11)"]);
    });

    it("resolves the conftest hierarchy, overrides, class fixtures and pytest_plugins", () => {
      assert.equal(idx.fixture("session", "tests/integration/test_users.py")?.file, "tests/integration/conftest.py");
      const inner = idx.fixture("session", "tests/integration/test_users.py");
      assert.equal(idx.fixture("session", "tests/integration/conftest.py", undefined, inner)?.file, "tests/conftest.py");
      assert.equal(idx.fixture("session", "tests/test_plain.py")?.file, "tests/conftest.py");
      assert.equal(idx.fixture("org", "tests/integration/test_users.py", "TestBatch")?.line, 14);
      assert.equal(idx.fixture("org", "tests/integration/test_users.py"), undefined);
      const memdb = idx.fixture("memdb", "tests/test_plain.py");
      assert.deepEqual([memdb?.func, memdb?.file, memdb?.params, memdb?.engines[0]?.url.kind], ["memory_engine", "tests/plugins/db_plugin.py", '("a", "b")', "sqlite-memory"]);
      const nested = idx.fixture("session", "tests/integration/test_users.py");
      assert.deepEqual([nested?.nested[0]?.line, nested?.rollbacks[0]?.line], [5, 7]);
      assert.equal(idx.fixture("_reset_sequences", "tests/test_plain.py")?.autouse, true);
    });
  });

  describe("tests and links", () => {
    it("lists tests with factory calls, literal kwargs and commits", () => {
      assert.deepEqual(idx.tests().map((t) => [t.nodeId, t.line, t.end]), [
        ["tests/integration/test_users.py::test_duplicate_email", 6, 9],
        ["tests/integration/test_users.py::TestBatch::test_batch", 18, 20],
        ["tests/test_plain.py::test_plain", 0, 1],
      ]);
      const links = idx.testLinks("tests/integration/test_users.py::test_duplicate_email");
      assert.ok(links);
      assert.deepEqual(links.test.commits, [{ line: 9, end: 9, recv: "session" }]);
      assert.deepEqual(
        links.factories.map((f) => [f.call.factory, f.call.method, f.call.kwargs, f.call.line, f.table?.name]),
        [
          ["app.factories.users.UserFactory", "call", { email: "test@example.com" }, 7, "users"],
          ["app.factories.users.UserFactory", "create", { email: "test@example.com", active: false, org: null }, 8, "users"],
        ],
      );
      assert.ok(links.factories[0]?.uniqueKeys.some((k) => k.columns.join() === "email" && k.names.postgresql === "users_email_key"));
    });

    it("follows test → fixtures (transitively, with overrides and autouse) → engine URLs", () => {
      const links = idx.testLinks("tests/integration/test_users.py::test_duplicate_email");
      assert.deepEqual(
        links?.fixtures.map((f) => [f.name, f.requestedBy, f.fixture?.file, f.fixture?.line]),
        [
          ["session", "test_duplicate_email", "tests/integration/conftest.py", 3],
          ["memdb", "test_duplicate_email", "tests/plugins/db_plugin.py", 4],
          ["_reset_sequences", "autouse", "tests/conftest.py", 43],
          ["session", "session", "tests/conftest.py", 21],
          ["engine", "session", "tests/conftest.py", 13],
        ],
      );
      assert.deepEqual(links?.urls.map((u) => [u.kind, u.url]), [
        ["sqlite-file", "sqlite:///test.db"], // the overriding session yields the parent's, bound to engine
        ["sqlite-memory", "sqlite:///:memory:"],
      ]);
      const batch = idx.testLinks("tests/integration/test_users.py::TestBatch::test_batch");
      assert.deepEqual(batch?.test.useFixtures, ["pg_engine"]);
      assert.deepEqual(batch?.factories.map((f) => [f.call.text, f.call.method, f.call.batch, f.call.kwargs]), [
        ["OF", "create_batch", 3, { name: "x" }],
        ["ProductFactory", "build", undefined, { sku: "A1" }],
      ]);
      assert.deepEqual(batch?.urls.map((u) => u.kind).sort(), ["env", "server", "sqlite-file"]);
    });

    it("lists engines everywhere: module level, fixtures, functions", () => {
      const engines = idx.engines().map((e) => `${e.file}:${e.line} ${e.owner} ${e.url.kind}`);
      assert.ok(engines.includes("app/db.py:7 engine sqlite-file"));
      assert.ok(engines.includes("app/factories/users.py:48 _create() sqlite-file"));
      assert.ok(engines.includes("tests/conftest.py:15 fixture engine sqlite-file"));
    });
  });

  describe("robustness", () => {
    it("indexes what it can of a file with a syntax error", () => {
      const f = idx.fileFacts("broken/syntax_error.py");
      assert.deepEqual(f?.errorLines, [4]);
      assert.deepEqual([idx.model("Broken")?.table, idx.model("Broken")?.line], ["broken", 8]);
    });

    it("decodes a non-UTF-8 file with replacement characters", () => {
      const f = idx.fileFacts("legacy/latin1.py");
      assert.ok(f?.notes.some((n) => n.includes("not valid UTF-8")));
      const greeting = f?.vars.find((v) => v.name === "GREETING");
      assert.deepEqual(greeting?.value, { k: "str", v: "caf\uFFFD" });
      assert.equal(idx.resolveConstraint("postgresql", "legacy_code_key")?.columns[0], "code");
    });
  });

  describe("incremental updates", () => {
    it("re-indexes one changed file and recomputes links on the next query", async () => {
      const rel = "app/models.py";
      const original = fs.readFileSync(path.join(ROOT, rel), "utf8");
      try {
        await idx.updateFile(rel, original.replace('unique=True, nullable=False', 'nullable=False'));
        assert.equal(idx.resolveConstraint("postgresql", "users_email_key"), undefined);
        assert.equal(idx.model("User")?.columns.find((c) => c.name === "email")?.unique, false);
      } finally {
        await idx.updateFile(rel, original);
      }
      assert.equal(idx.resolveConstraint("postgresql", "users_email_key")?.table, "users");
    });

    it("drops a removed file's facts", async () => {
      const rel = "tests/plugins/db_plugin.py";
      const text = fs.readFileSync(path.join(ROOT, rel));
      assert.equal(idx.removeFile(rel), true);
      assert.equal(idx.fixture("memdb", "tests/test_plain.py"), undefined);
      await idx.updateFile(rel, text);
      assert.equal(idx.fixture("memdb", "tests/test_plain.py")?.func, "memory_engine");
    });
  });
});
