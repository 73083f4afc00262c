// Generates a synthetic ORM suite with ONE planted polluter, for bench/polluter.ts and its unit test.
// Every test is isolated (flush-only factories, rollback at teardown) except the polluter: it uses
// LeakyUserFactory, which COMMITS a constant unique email. The in-memory database lives for the whole
// run (StaticPool keeps its one connection), so the row survives the polluter's rollback, and the
// victim, far later, fails with IntegrityError: UNIQUE constraint failed: users.email. Runs on
// SQLAlchemy 1.4 / factory_boy 2.x and SQLAlchemy 2.0 / factory_boy 3.x.
import * as fs from "node:fs";
import * as path from "node:path";
import { MODELS } from "./genSuite";

export const PLANTED_EMAIL = "planted@example.com";
export const LEAKY_FACTORY = "LeakyUserFactory";

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


class ${LEAKY_FACTORY}(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session = Session
        sqlalchemy_session_persistence = "commit"

    email = "${PLANTED_EMAIL}"
    name = "Planted"
`;

const SESSION = `from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

# one in-memory database per pytest process: StaticPool keeps its single connection alive
engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
Session = scoped_session(sessionmaker(bind=engine))
`;

// ORM_TD_BENCH_RSS: a file that gets this process's peak RSS (VmHWM, kB) at interpreter exit,
// after every pytest and plugin hook has run.
const CONFTEST = `import atexit
import os
import resource

import pytest

from models import Base
from session import Session, engine


def _write_peak_rss(target):
    kb = None
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    kb = int(line.split()[1])
    except OSError:
        pass
    if kb is None:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(target, "w") as f:
        f.write(str(kb))


if os.environ.get("ORM_TD_BENCH_RSS"):
    atexit.register(_write_peak_rss, os.environ["ORM_TD_BENCH_RSS"])


@pytest.fixture(scope="session", autouse=True)
def schema():
    Base.metadata.create_all(engine)
    yield


@pytest.fixture(autouse=True)
def db():
    # "cleans up" by rolling back: enough for flushed rows, not for committed ones
    session = Session()
    yield session
    session.rollback()
    Session.remove()
`;

export interface PollutedSuite {
  dir: string;
  tests: number;
  polluter: string; // nodeid
  victim: string; // nodeid
  factory: string;
}

const PER_FILE = 50;

// zero-padded so pytest's (lexical) file order is the numeric order
const fileName = (i: number): string => `test_suite_${String(Math.floor(i / PER_FILE)).padStart(4, "0")}.py`;
const nodeid = (i: number): string => `tests/${fileName(i)}::test_user_${i}`;

function testBody(i: number, role: "normal" | "polluter" | "victim"): string[] {
  const head = `def test_user_${i}(db):`;
  if (role === "polluter") return [head, `    user = ${LEAKY_FACTORY}()`, "    assert user.id is not None"];
  if (role === "victim") {
    return [head, `    user = UserFactory(email="${PLANTED_EMAIL}")`, "    assert db.query(User).filter_by(id=user.id).one().email == user.email"];
  }
  return [
    head,
    "    user = UserFactory()",
    `    post = PostFactory(author=user, title="t${i}")`,
    "    assert db.query(User).filter_by(email=user.email).count() == 1",
    "    assert db.query(Post).filter_by(author_id=user.id).one().title == post.title",
  ];
}

/** Polluter at ~5% of the suite, victim at ~75% (at least 50 tests later from 100 tests up). */
export function plantedPositions(tests: number): { polluter: number; victim: number } {
  if (tests < 4) throw new Error("a polluted suite needs at least 4 tests");
  const polluter = Math.max(1, Math.floor(tests * 0.05));
  return { polluter, victim: Math.max(polluter + 2, Math.floor(tests * 0.75)) };
}

/** Writes the suite into `dir` (created). Test i is test_user_i, 50 per file, in file order. */
export function generatePollutedSuite(dir: string, tests: number): PollutedSuite {
  const { polluter, victim } = plantedPositions(tests);
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  fs.writeFileSync(path.join(dir, "models.py"), MODELS);
  fs.writeFileSync(path.join(dir, "factories.py"), FACTORIES);
  fs.writeFileSync(path.join(dir, "session.py"), SESSION);
  fs.writeFileSync(path.join(dir, "conftest.py"), CONFTEST);
  fs.writeFileSync(path.join(dir, "pytest.ini"), "[pytest]\ntestpaths = tests\npythonpath = .\naddopts = -p no:cacheprovider\n");
  for (let start = 0; start < tests; start += PER_FILE) {
    const lines = [`from factories import ${LEAKY_FACTORY}, PostFactory, UserFactory`, "from models import Post, User", ""];
    for (let i = start; i < Math.min(start + PER_FILE, tests); i++) {
      lines.push("", ...testBody(i, i === polluter ? "polluter" : i === victim ? "victim" : "normal"), "");
    }
    fs.writeFileSync(path.join(dir, "tests", fileName(start)), lines.join("\n"));
  }
  return { dir, tests, polluter: nodeid(polluter), victim: nodeid(victim), factory: LEAKY_FACTORY };
}

if (require.main === module) {
  const [dir, n] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: node out/bench/genPolluted.js <dir> [tests=100]");
    process.exit(2);
  }
  const s = generatePollutedSuite(dir, Number(n ?? 100));
  console.log(`${s.tests} tests written to ${dir}; polluter ${s.polluter}, victim ${s.victim}`);
}
