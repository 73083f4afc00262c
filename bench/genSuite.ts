// Generates a synthetic ORM test suite: N pytest tests over SQLAlchemy models and factory_boy
// factories on in-memory SQLite, isolated per test (runs on SQLAlchemy 1.4 and 2.0).
import * as fs from "node:fs";
import * as path from "node:path";

/** The models, shared with the polluted-suite generator (genPolluted.ts). */
export const MODELS = `from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String(120), unique=True, nullable=False)
    name = Column(String(80), nullable=False)


class Post(Base):
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    author_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    author = relationship(User)
`;

const FACTORIES = `import factory
from factory.alchemy import SQLAlchemyModelFactory

from models import Post, User
from session import Session


class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session = Session
        sqlalchemy_session_persistence = "flush"

    email = factory.Sequence(lambda n: "user%d@example.com" % n)
    name = factory.Sequence(lambda n: "User %d" % n)


class PostFactory(SQLAlchemyModelFactory):
    class Meta:
        model = Post
        sqlalchemy_session = Session
        sqlalchemy_session_persistence = "flush"

    title = factory.Sequence(lambda n: "Post %d" % n)
    author = factory.SubFactory(UserFactory)
`;

const SESSION = `from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
Session = scoped_session(sessionmaker())
`;

const CONFTEST = `import pytest

from models import Base
from session import Session, engine


@pytest.fixture(scope="session", autouse=True)
def schema():
    Base.metadata.create_all(engine)
    yield
    Base.metadata.drop_all(engine)


@pytest.fixture(autouse=True)
def db():
    connection = engine.connect()
    transaction = connection.begin()
    Session.configure(bind=connection)
    yield Session
    Session.remove()
    transaction.rollback()
    connection.close()
`;

function testFile(index: number, count: number): string {
  const lines = ["from factories import PostFactory, UserFactory", "from models import Post, User", ""];
  for (let i = 0; i < count; i++) {
    lines.push(
      "",
      `def test_user_${index}_${i}(db):`,
      "    user = UserFactory()",
      `    post = PostFactory(author=user, title="t${i}")`,
      "    assert db.query(User).count() == 1",
      "    assert db.query(Post).filter_by(author_id=user.id).one().title == post.title",
      "",
    );
  }
  return lines.join("\n");
}

/** Writes the suite into `dir` (created) and returns the number of tests. */
export function generateSuite(dir: string, tests: number, perFile = 50): number {
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  fs.writeFileSync(path.join(dir, "models.py"), MODELS);
  fs.writeFileSync(path.join(dir, "factories.py"), FACTORIES);
  fs.writeFileSync(path.join(dir, "session.py"), SESSION);
  fs.writeFileSync(path.join(dir, "conftest.py"), CONFTEST);
  fs.writeFileSync(path.join(dir, "pytest.ini"), "[pytest]\ntestpaths = tests\npythonpath = .\naddopts = -p no:cacheprovider\n");
  for (let f = 0, left = tests; left > 0; f++, left -= perFile) {
    fs.writeFileSync(path.join(dir, "tests", `test_suite_${f}.py`), testFile(f, Math.min(perFile, left)));
  }
  return tests;
}

/** The per-test worst case for the runner's overhead (issue #9): N parametrized cases that do
 * nothing, so everything but pytest's own per-test work is ours. */
export function generateTrivialSuite(dir: string, tests: number): number {
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  fs.writeFileSync(path.join(dir, "pytest.ini"), "[pytest]\ntestpaths = tests\naddopts = -p no:cacheprovider\n");
  const body = ["import pytest", "", "", `@pytest.mark.parametrize("i", range(${tests}))`, "def test_x(i):", "    assert True", ""];
  fs.writeFileSync(path.join(dir, "tests", "test_trivial.py"), body.join("\n"));
  return tests;
}

if (require.main === module) {
  const [dir, n] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: node out/bench/genSuite.js <dir> [tests=2000]");
    process.exit(2);
  }
  console.log(`${generateSuite(dir, Number(n ?? 2000))} tests written to ${dir}`);
}
