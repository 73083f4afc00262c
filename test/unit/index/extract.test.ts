import * as assert from "node:assert/strict";
import { ProjectIndex } from "../../../src/core/index";
import { classifyUrl } from "../../../src/core/index/urls";
import { applyConvention, keyNames } from "../../../src/core/index/naming";

describe("index: per-file facts", () => {
  it("qualifies names through aliases and relative imports", async () => {
    const idx = new ProjectIndex();
    const f = await idx.updateFile(
      "pkg/sub/mod.py",
      ["import factory as fb", "from ..models import User as U", "from . import helpers", "import sqlalchemy.orm", "x = fb.Faker('name')", ""].join("\n"),
    );
    assert.deepEqual(f.module, "pkg.sub.mod");
    assert.deepEqual(f.bindings.map((b) => [b.name, b.target, b.line]), [
      ["fb", "factory", 0],
      ["U", "pkg.models.User", 1],
      ["helpers", "pkg.sub.helpers", 2],
      ["sqlalchemy", "sqlalchemy", 3],
    ]);
    const x = f.vars[0];
    assert.equal(x?.value.k === "call" ? x.value.q : "", "factory.Faker");
  });

  it("reads pytest_plugins in every form that adds literal module names", async () => {
    const idx = new ProjectIndex();
    const f = await idx.updateFile(
      "conftest.py",
      [
        'pytest_plugins: list[str] = ["a.one", "a." "two"]',
        'pytest_plugins += ("b",)',
        'pytest_plugins = pytest_plugins + ["c"]',
        'pytest_plugins.append("d")',
        'pytest_plugins.extend(["e", SOME_NAME, f"{x}"])',
        'pytest_plugins = [*BASE, "f"]',
        'pytest_plugins.remove("g")',
        'other = ["h"]',
        'pytest_plugins = ["not a module", "i"] * 2',
        // pytest splits a string on commas, and takes a sequence item by item: a string given to
        // += or extend adds its letters, a list given to append is refused
        'pytest_plugins = "g.one,g.two"',
        'pytest_plugins += "x"',
        'pytest_plugins.extend("y")',
        'pytest_plugins.append(["z"])',
        'pytest_plugins = ["w"] + "v"',
        "if sys.version_info >= (3, 8):",
        '    pytest_plugins += ["h"]',
        "",
      ].join("\n"),
    );
    assert.deepEqual(f.pytestPlugins, ["a.one", "a.two", "b", "c", "d", "e", "f", "g.one", "g.two", "w", "h"]);
  });

  it("follows local assignments inside functions and records ops in order", async () => {
    const idx = new ProjectIndex();
    const f = await idx.updateFile(
      "t.py",
      [
        "def fx(tmp_path):",
        "    url = 'sqlite:///' + 'x'",
        "    eng = create_engine(url)",
        "    s = Session(bind=eng)",
        "    s.begin_nested()",
        "    yield s",
        "    s.rollback()",
        "",
      ].join("\n"),
    );
    const fn = f.functions[0];
    assert.deepEqual(fn?.ops.map((o) => [o.op, o.line]), [
      ["create_engine", 2],
      ["session", 3],
      ["begin_nested", 4],
      ["yield", 5],
      ["rollback", 6],
    ]);
    assert.equal(fn?.ops[2]?.recvValue?.k, "call");
  });

  it("skips files above the size limit with a note, and never throws", async () => {
    const idx = new ProjectIndex({ maxFileBytes: 100 });
    const big = await idx.updateFile("big.py", "x = 1\n".repeat(50));
    assert.equal(big.skipped, "larger than 100 bytes");
    const bytes = await idx.updateFile("bin.py", new Uint8Array([0xff, 0xfe, 0x00, 0x41, 0x0a]));
    assert.ok(bytes.notes.some((n) => n.includes("UTF-8")));
    const junk = await idx.updateFile("junk.py", ")))(((class def def :::\n\t\tx = = =\n");
    assert.ok(junk.errorLines.length > 0);
  });
});

describe("index: URLs and constraint naming", () => {
  it("classifies database URLs", () => {
    assert.deepEqual([classifyUrl("sqlite:///dev.db").kind, classifyUrl("sqlite:///dev.db").path], ["sqlite-file", "dev.db"]);
    assert.equal(classifyUrl("sqlite:////abs/path.db").path, "/abs/path.db");
    assert.equal(classifyUrl("sqlite://").kind, "sqlite-memory");
    assert.equal(classifyUrl("sqlite+pysqlite:///:memory:").kind, "sqlite-memory");
    assert.deepEqual([classifyUrl("postgresql+psycopg2://u@h/db").kind, classifyUrl("postgresql+psycopg2://u@h/db").dialect], ["server", "postgresql"]);
    assert.equal(classifyUrl("mysql+pymysql://u@h/db").dialect, "mysql");
    assert.equal(classifyUrl("nonsense").kind, "unknown");
  });

  it("names keys like the databases and SQLAlchemy conventions do", () => {
    assert.deepEqual(keyNames({ kind: "unique", table: "users", columns: ["a", "b"] }, undefined), { postgresql: "users_a_b_key", mysql: "a" });
    assert.deepEqual(keyNames({ kind: "primary", table: "users", columns: ["id"] }, undefined), { postgresql: "users_pkey", mysql: "PRIMARY" });
    assert.equal(keyNames({ kind: "unique_index", table: "users", columns: ["email"] }, undefined).postgresql, "ix_users_email");
    assert.equal(keyNames({ kind: "unique", table: "t", columns: ["c"], explicit: "x" }, { uq: "uq_%(constraint_name)s" }).mysql, "uq_x");
    assert.equal(applyConvention("uq_%(table_name)s_%(column_0_N_name)s", { kind: "unique", table: "t", columns: ["a", "b"] }), "uq_t_a_b");
    assert.equal(applyConvention("ck_%(table_name)s_%(constraint_name)s", { kind: "check", table: "t", columns: [] }), undefined);
  });
});
