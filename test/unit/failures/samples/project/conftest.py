# Fixtures for the sample suite that produces real pytest output for the parser tests.
import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

from models import Base, User, Player


def make_engine(url="sqlite://"):
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _fk_on(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(engine)
    return engine


@pytest.fixture
def session():
    engine = make_engine()
    s = sessionmaker(bind=engine)()
    yield s
    s.close()


# One session shared by the module: a failed flush in one test leaks into the next ones.
@pytest.fixture(scope="module")
def shared_session():
    engine = make_engine()
    s = sessionmaker(bind=engine)()
    yield s
    s.close()


@pytest.fixture
def admin_user(session):
    # Leaks: the same email twice, so setup of any test using it fails.
    session.add(User(email="admin@example.com", name="admin"))
    session.add(User(email="admin@example.com", name="admin2"))
    session.flush()
    return session


@pytest.fixture
def flush_on_teardown(session):
    yield session
    session.add(Player(golden_balls=None, team="x"))
    session.flush()
