// Generates a realistic SQLAlchemy + factory_boy + pytest corpus for the index benchmark.
import * as fs from "node:fs";
import * as path from "node:path";

export interface Corpus {
  root: string;
  files: number;
  lines: number;
}

function modelsFile(pkg: string, n: number, target: number): string {
  const out = [
    "from datetime import datetime",
    "from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, UniqueConstraint, Index",
    "from sqlalchemy.orm import relationship",
    `from ${pkg}.base import Base, TimestampMixin`,
    "",
  ];
  for (let i = 0; out.length < target; i++) {
    const t = `t_${pkg}_${n}_${i}`;
    out.push(
      "",
      `class Model${n}x${i}(TimestampMixin, Base):`,
      `    __tablename__ = "${t}"`,
      `    __table_args__ = (UniqueConstraint("org_id", "slug", name="uq_${t}_org_slug"), Index("ix_${t}_code", "code", unique=True))`,
      "    id = Column(Integer, primary_key=True)",
      "    email = Column(String(255), unique=True, nullable=False)",
      "    slug = Column(String(64), nullable=False)",
      "    code = Column(String(16))",
      `    org_id = Column(Integer, ForeignKey("orgs.id"), index=True)`,
      "    note = Column(String, default='', server_default='')",
      "    created = Column(DateTime, default=datetime.utcnow)",
      "",
      "    def __repr__(self):",
      `        return f"<Model${n}x${i} {self.id} {self.email}>"`,
      "",
      "    def display(self):",
      "        if self.note:",
      "            return self.note.strip()",
      "        return self.email.split('@')[0]",
    );
  }
  return out.join("\n") + "\n";
}

function factoriesFile(pkg: string, n: number, target: number): string {
  const out = [
    "import factory",
    "from factory import fuzzy",
    `from ${pkg}.base_factory import BaseFactory`,
    `from ${pkg} import models_${n} as models`,
    "",
  ];
  for (let i = 0; out.length < target; i++) {
    out.push(
      "",
      `class Model${n}x${i}Factory(BaseFactory):`,
      "    class Meta:",
      `        model = models.Model${n}x${i}`,
      '        sqlalchemy_session_persistence = "flush"',
      "",
      `    email = factory.Sequence(lambda k: f"user{k}@example.com")`,
      "    slug = factory.Faker('slug')",
      "    code = fuzzy.FuzzyText(length=8)",
      "    org_id = 1",
      "    note = factory.LazyAttribute(lambda o: o.slug.upper())",
      "    created = factory.LazyFunction(lambda: None)",
    );
  }
  return out.join("\n") + "\n";
}

function testsFile(pkg: string, n: number, target: number): string {
  const out = [
    "import pytest",
    "",
    `from ${pkg}.factories_${n} import Model${n}x0Factory, Model${n}x1Factory`,
    "",
  ];
  for (let i = 0; out.length < target; i++) {
    out.push(
      "",
      `def test_case_${i}(session, engine):`,
      `    a = Model${n}x0Factory(email="user${i}@example.com", slug="s${i}")`,
      `    items = Model${n}x1Factory.create_batch(3, note="x")`,
      "    session.flush()",
      "    assert a.id is not None",
      "    assert len(items) == 3",
      "    for item in items:",
      "        assert item.slug",
      i % 7 === 0 ? "    session.commit()" : "    session.rollback()",
    );
  }
  return out.join("\n") + "\n";
}

function conftestFile(): string {
  return [
    "import os",
    "import pytest",
    "from sqlalchemy import create_engine",
    "from sqlalchemy.orm import sessionmaker",
    "",
    'DB_URL = os.getenv("TEST_DATABASE_URL", "sqlite:///test.db")',
    "",
    '@pytest.fixture(scope="session")',
    "def engine():",
    "    eng = create_engine(DB_URL)",
    "    yield eng",
    "    eng.dispose()",
    "",
    "@pytest.fixture",
    "def session(engine):",
    "    conn = engine.connect()",
    "    trans = conn.begin()",
    '    s = sessionmaker(bind=conn, join_transaction_mode="create_savepoint")()',
    "    yield s",
    "    s.close()",
    "    trans.rollback()",
    "    conn.close()",
    "",
  ].join("\n");
}

const BASE = [
  "from sqlalchemy import Column, DateTime, func",
  "from sqlalchemy.orm import declarative_base",
  "",
  "Base = declarative_base()",
  "",
  "class TimestampMixin:",
  "    updated_at = Column(DateTime, server_default=func.now())",
  "",
].join("\n");

const BASE_FACTORY = [
  "from factory.alchemy import SQLAlchemyModelFactory",
  "from sqlalchemy.orm import scoped_session, sessionmaker",
  "",
  "Session = scoped_session(sessionmaker())",
  "",
  "class BaseFactory(SQLAlchemyModelFactory):",
  "    class Meta:",
  "        abstract = True",
  "        sqlalchemy_session = Session",
  "",
].join("\n");

/** ~`files` files of ~`linesPerFile` lines; one tests file is exactly `bigFileLines` long. */
export function generateCorpus(root: string, files = 5000, linesPerFile = 215): Corpus {
  fs.mkdirSync(root, { recursive: true });
  let count = 0;
  let lines = 0;
  const write = (rel: string, text: string): void => {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
    count++;
    lines += text.split("\n").length;
  };
  for (let p = 0; count < files; p++) {
    const pkg = `pkg${p}`;
    write(`${pkg}/__init__.py`, "");
    write(`${pkg}/base.py`, BASE);
    write(`${pkg}/base_factory.py`, BASE_FACTORY);
    write(`${pkg}/tests/conftest.py`, conftestFile());
    for (let n = 0; n < 12 && count < files; n++) {
      write(`${pkg}/models_${n}.py`, modelsFile(pkg, n, linesPerFile));
      write(`${pkg}/factories_${n}.py`, factoriesFile(pkg, n, linesPerFile));
      write(`${pkg}/tests/test_${n}.py`, testsFile(pkg, n, linesPerFile));
    }
  }
  return { root, files: count, lines };
}

/** A 500-line test module for the re-index measurement. */
export function bigTestFile(variant: number): string {
  const text = testsFile("pkg0", 0, 510).replace('email="user0@', `email="user0v${variant}@`);
  const lines = text.split("\n").slice(0, 499);
  lines.push(`# edit ${variant}`);
  return lines.join("\n") + "\n";
}
