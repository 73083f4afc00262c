// The static drift check on the example projects (exact findings from their expected.json),
// on projects that must stay silent, and on small projects for the rules' edges.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { check, checkFile, type Finding } from "../../../src/core/drift";
import { indexWorkspace, ProjectIndex } from "../../../src/core/index";
import { fixturePath } from "../../util";

type Row = { kind: string; file: string; line: number; symbol: string };

const rows = (fs: Finding[]): Row[] => fs.map((f) => ({ kind: f.kind, file: f.file, line: f.line, symbol: f.symbol }));

function expectedFindings(project: string): Row[] {
  const doc = JSON.parse(fs.readFileSync(fixturePath("projects", project, "expected.json"), "utf8")) as { findings: { expected: Row[] } };
  return doc.findings.expected;
}

async function project(files: Record<string, string>): Promise<ProjectIndex> {
  const idx = new ProjectIndex();
  for (const [rel, text] of Object.entries(files)) await idx.updateFile(rel, text);
  return idx;
}

const MODELS_HEAD = `import enum
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship
Base = declarative_base()
`;
const FACTORY_HEAD = `import factory
from factory.alchemy import SQLAlchemyModelFactory
`;

describe("drift: static check of factories and model calls", () => {
  for (const name of ["drift_legacy", "drift_modern"]) {
    it(`${name}: exactly the planted findings of expected.json`, async () => {
      const idx = await indexWorkspace(fixturePath("projects", name), { workers: 0 });
      assert.deepEqual(rows(check(idx)), expectedFindings(name));
    });
  }

  it("finds nothing in the projects without drift", async () => {
    for (const name of ["clean", "commit_factory", "create_override", "rollback_file_db", "savepoint_commit", "session_pending_rollback"]) {
      const idx = await indexWorkspace(fixturePath("projects", name), { workers: 0 });
      assert.ok(idx.factories().length > 0, name);
      assert.deepEqual(rows(check(idx)), [], name);
    }
  });

  it("says what is wrong and suggests the closest name, member or declaration", async () => {
    const idx = await indexWorkspace(fixturePath("projects", "drift_legacy"), { workers: 0 });
    const byLine = new Map(check(idx).map((f) => [`${f.file}:${f.line}`, f]));
    assert.match(byLine.get("factories.py:45")?.evidence ?? "", /PolicyFactory sets `holder`, which Policy \(models\.py:70\) does not map: did you mean `holder_name`\?/);
    assert.match(byLine.get("factories.py:37")?.evidence ?? "", /Payment\.invoice_id is a NOT NULL foreign key to invoices\.id \(models\.py:66\); PaymentFactory sets it to the constant 999/);
    assert.match(byLine.get("tests/test_customers.py:31")?.evidence ?? "", /did you mean `TicketStatus\.ADJUDICATING`\?/);
    assert.deepEqual(byLine.get("factories.py:48")?.edit, { op: "declare", file: "factories.py", line: 47, end: 51, name: "policy", value: "factory.SubFactory(PolicyFactory)" });
    assert.deepEqual(byLine.get("factories.py:25")?.edit, { op: "declare", file: "factories.py", line: 24, end: 29, name: "number", value: 'factory.Sequence(lambda n: f"number-{n}")' });
    assert.equal(byLine.get("factories.py:37")?.edit, undefined); // no relationship to fill it with
  });

  it("an inherited declaration is reported once, where it is declared; an override where it is", async () => {
    const idx = await indexWorkspace(fixturePath("index", "proj"), { workers: 0 });
    const got = check(idx).map((f) => `${f.kind} ${f.file}:${f.line} ${f.symbol}`);
    assert.deepEqual(got, [
      "unknown-model-field app/factories/users.py:27 UserFactory",
      "unknown-model-field app/factories/users.py:28 UserFactory",
      "unknown-model-field app/factories/users.py:29 UserFactory",
      "unknown-model-field app/factories/users.py:30 UserFactory",
      "unknown-model-field app/factories/users.py:31 UserFactory",
      "unknown-model-field app/factories/users.py:38 AdminFactory",
      // 2.0 model: `owner_id: Mapped[int]` and bare `name: Mapped[str]` are NOT NULL
      "dangling-foreign-key app/factories/users.py:41 ProductFactory",
      "missing-required-field app/factories/users.py:41 ProductFactory",
    ]);
  });

  it("checkFile reports one file's findings, the same as the whole check", async () => {
    const idx = await indexWorkspace(fixturePath("projects", "drift_modern"), { workers: 0 });
    const all = check(idx);
    for (const rel of ["factories.py", "tests/test_depots.py", "tests/test_shipping.py", "models.py"]) {
      assert.deepEqual(rows(checkFile(idx, rel)), rows(all.filter((f) => f.file === rel)), rel);
    }
  });

  it("a custom __init__ takes its parameters only; **kwargs takes anything", async () => {
    const idx = await project({
      "models.py": `${MODELS_HEAD}
class Tag(Base):
    __tablename__ = "tags"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    def __init__(self, name):
        self.name = name

class Free(Base):
    __tablename__ = "free"
    id = Column(Integer, primary_key=True)
    code = Column(String, nullable=False)
    def __init__(self, **kw):
        super().__init__(**kw)
`,
      "tests/test_x.py": `from models import Free, Tag
def test_x():
    Tag(name="a")
    Tag(title="a")
    Free(anything=1)
`,
    });
    assert.deepEqual(
      check(idx).map((f) => [f.kind, f.line, f.evidence]),
      [["unknown-model-field", 4, "`Tag(title=...)`: Tag (models.py:6) does not take it in its __init__."]],
    );
  });

  it("no finding for what the index cannot resolve: external bases, unknown enums, untyped keys", async () => {
    const idx = await project({
      "models.py": `${MODELS_HEAD}from somewhere import Mixin

class A(Mixin, Base):
    __tablename__ = "a"
    id = Column(Integer, primary_key=True)

class B(Base):
    __tablename__ = "b"
    id = Column(Integer, primary_key=True)
    a_id = Column(Integer, ForeignKey(some_table.c.id), nullable=False)
`,
      "factories.py": `${FACTORY_HEAD}from models import A, B
from elsewhere import Kind

class AFactory(SQLAlchemyModelFactory):
    class Meta:
        model = A
    whatever = 1
    kind = Kind.NOPE

class BFactory(SQLAlchemyModelFactory):
    class Meta:
        model = B
`,
    });
    assert.deepEqual(rows(check(idx)), []);
  });

  it("Meta exclude/rename, Params, post-generation and RelatedFactory declarations are not model fields", async () => {
    const idx = await project({
      "models.py": `${MODELS_HEAD}
class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String, nullable=False)

class Post(Base):
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    user = relationship("User", backref="posts")
`,
      "factories.py": `${FACTORY_HEAD}from models import Post, User

class PostFactory(SQLAlchemyModelFactory):
    class Meta:
        model = Post

class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        exclude = ("domain",)
        rename = {"mail": "email"}
    class Params:
        admin = factory.Trait(email="root@x")
    domain = "x.org"
    mail = factory.LazyAttribute(lambda o: "a@" + o.domain)
    post = factory.RelatedFactory(PostFactory, factory_related_name="user")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        pass
`,
      "tests/test_users.py": `from factories import UserFactory
def test_u():
    UserFactory(admin=True, domain="y.org", post__user=None, emial="x")
`,
    });
    // PostFactory is built by a RelatedFactory that passes the user: no dangling key
    assert.deepEqual(
      check(idx).map((f) => [f.kind, f.file, f.line, f.evidence]),
      [["unknown-model-field", "tests/test_users.py", 3, "`UserFactory(emial=...)`: UserFactory or User (models.py:6) does not map it; did you mean `email`?"]],
    );
  });

  it("single-table inheritance, a relationship set by SubFactory, an Identity primary key", async () => {
    const idx = await project({
      "models.py": `${MODELS_HEAD}from sqlalchemy import Identity

class Org(Base):
    __tablename__ = "orgs"
    code = Column(String, Identity(), primary_key=True)

class Person(Base):
    __tablename__ = "people"
    id = Column(Integer, primary_key=True)
    kind = Column(String, nullable=False)
    org_code = Column(String, ForeignKey("orgs.code"), nullable=False)
    org = relationship(Org)
    __mapper_args__ = {"polymorphic_on": "kind"}

class Manager(Person):
    level = Column(Integer)
`,
      "factories.py": `${FACTORY_HEAD}from models import Manager, Org

class OrgFactory(SQLAlchemyModelFactory):
    class Meta:
        model = Org

class ManagerFactory(SQLAlchemyModelFactory):
    class Meta:
        model = Manager
    level = 2
    org = factory.SubFactory(OrgFactory)
`,
    });
    assert.deepEqual(rows(check(idx)), []);
  });

  it("a string primary key without a default is required; an unset NOT NULL column of a mixin too", async () => {
    const idx = await project({
      "models.py": `${MODELS_HEAD}
class Owned:
    owner = Column(String(20), nullable=False)

class Country(Owned, Base):
    __tablename__ = "countries"
    iso = Column(String(2), primary_key=True)
    active = Column(Integer, nullable=False)
`,
      "factories.py": `${FACTORY_HEAD}from models import Country

class CountryFactory(SQLAlchemyModelFactory):
    class Meta:
        model = Country
    active = 1
`,
    });
    assert.deepEqual(
      check(idx).map((f) => [f.kind, f.line, f.edit?.op === "declare" ? `${f.edit.name} = ${f.edit.value}` : ""]),
      [
        ["missing-required-field", 5, 'owner = factory.Faker("word")'],
        ["missing-required-field", 5, 'iso = factory.Faker("word")'],
      ],
    );
  });
});
