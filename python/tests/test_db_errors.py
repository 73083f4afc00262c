"""Error data from real SQLAlchemy exceptions on SQLite (both SQLAlchemy 1.4 and 2.0)."""

import re

import pytest
import sqlalchemy

PYTEST_8 = int(pytest.__version__.split(".")[0]) >= 8

MODELS = """
    import pytest
    from sqlalchemy import Column, Integer, String, create_engine
    from sqlalchemy.orm import Session, declarative_base

    Base = declarative_base()

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        email = Column(String, unique=True, nullable=False)

    @pytest.fixture
    def session():
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
        with Session(engine) as s:
            yield s

    @pytest.fixture
    def duplicate_users(session):
        session.add_all([User(email="a@x.io"), User(email="a@x.io")])
        session.flush()
"""

TESTS = """
    import pytest
    from sqlalchemy.exc import IntegrityError
    from conftest import User

    def test_unique(session):
        session.add(User(email="a@x.io"))
        session.flush()
        session.add(User(email="a@x.io"))
        session.flush()

    def test_in_fixture(duplicate_users):
        pass

    def test_pending_rollback(session):
        session.add_all([User(email="b@x.io"), User(email="b@x.io")])
        try:
            session.flush()
        except IntegrityError:
            pass  # swallowed: the session is now unusable
        session.query(User).all()

    def test_wrapped(session):
        session.add_all([User(email="c@x.io"), User(email="c@x.io")])
        try:
            session.flush()
        except IntegrityError as exc:
            raise AssertionError("could not save") from exc
"""


def _run(project, *args):
    res = project({"conftest.py": MODELS, "test_db.py": TESTS}).run(*args)
    return {m["nodeid"].split("::")[1] + ":" + m["when"]: m for m in res.of("report")}, res


def _check_unique(db, email):
    assert db["sqlalchemyType"] == "sqlalchemy.exc.IntegrityError"
    assert db["sqlalchemyCode"] == "gkpj"
    assert db["origType"] == "sqlite3.IntegrityError"
    assert db["origMessage"] == "UNIQUE constraint failed: users.email"
    assert db["origArgs"] == ["UNIQUE constraint failed: users.email"]
    assert db["statement"].startswith("INSERT INTO users (email) VALUES (?)")
    assert email in str(db["params"]) and email in db["paramsRepr"]
    assert db["dialect"] == "sqlite" and db["driver"] == "pysqlite"
    assert int(db["sessionId"]) > 0


def test_integrity_error_in_test(project):
    reports, res = _run(project)
    db = reports["test_unique:call"]["error"]["db"]
    _check_unique(db, "a@x.io")
    assert db["params"] == ["a@x.io"]
    frames = reports["test_unique:call"]["error"]["frames"]
    assert frames[0]["function"] == "test_unique" and frames[0]["line"] == 8
    assert any("sqlalchemy" in f["file"] for f in frames)
    assert res.finished()["test_db.py::test_unique"] == "failed"


def test_integrity_error_in_fixture_is_a_setup_error(project):
    reports, res = _run(project)
    setup = reports["test_in_fixture:setup"]
    _check_unique(setup["error"]["db"], "a@x.io")
    assert any(f["function"] == "duplicate_users" for f in setup["error"]["frames"])
    assert res.finished()["test_db.py::test_in_fixture"] == "errored"


def test_pending_rollback_has_original(project):
    reports, _ = _run(project)
    db = reports["test_pending_rollback:call"]["error"]["db"]
    assert db["sqlalchemyType"] == "sqlalchemy.exc.PendingRollbackError"
    assert db["sqlalchemyCode"] == "7s2a"
    _check_unique(db["original"], "b@x.io")
    assert db["sessionId"] == db["original"]["sessionId"]


def test_chained_db_error(project):
    reports, _ = _run(project)
    error = reports["test_wrapped:call"]["error"]
    assert [c["type"] for c in error["chain"]] == [
        "AssertionError",
        "sqlalchemy.exc.IntegrityError",
        "sqlite3.IntegrityError",  # SQLAlchemy raises its wrapper `from` the DBAPI error
    ]
    _check_unique(error["db"], "c@x.io")


def test_sqlalchemy_version_is_the_stack_one():
    assert sqlalchemy.__version__.split(".")[0] in ("1", "2")


def test_the_tracer_is_in_no_traceback_and_no_user_frame(project):
    # its hooks sit between SQLAlchemy and the driver: on the stack of every database error
    reports, res = _run(project, "-q", "--tb=long")
    frames = reports["test_unique:call"]["error"]["frames"]
    assert frames and not any("orm_test_doctor" in f["file"] for f in frames)
    assert "sqlite3.IntegrityError" in res.stdout
    for failure in re.split(r"\n_{3,} .* _{3,}\n", res.stdout):
        # pytest 7 prints a chained exception's traceback unfiltered (SQLAlchemy's frames too);
        # the exception reported is the last one of each failure
        shown = failure if PYTEST_8 else failure.split("direct cause of the following exception:")[-1]
        assert "hooks.py" not in shown
