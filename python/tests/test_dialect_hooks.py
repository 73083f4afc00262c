"""The tracer's dialect hooks (hooks.py), driven in this process: a dialect whose first statement
after the tracer started is a SAVEPOINT (its do_savepoint ran before the hooks were on), and
uninstall giving a dialect its own methods back."""

import pytest
from sqlalchemy import Column, Integer, String, create_engine, text
from sqlalchemy.orm import declarative_base

from orm_test_doctor.provenance import Tracer

Base = declarative_base()
WRAPPED = {"do_execute", "do_executemany", "do_execute_no_params", "do_commit", "do_rollback", "do_savepoint"}


class Note(Base):
    __tablename__ = "notes"
    id = Column(Integer, primary_key=True)
    body = Column(String, unique=True)


@pytest.fixture
def file_engine(tmp_path):
    engine = create_engine("sqlite:///%s" % (tmp_path / "notes.db"))
    Base.metadata.create_all(engine)  # before the tracer: the dialect is not wrapped yet
    yield engine
    engine.dispose()


@pytest.fixture
def tracer(tmp_path):
    t = Tracer(str(tmp_path))
    t.install()
    yield t
    t.uninstall()


def test_a_savepoint_as_the_first_statement_is_still_the_outermost_transaction(file_engine, tracer):
    tracer.start("test_x.py::test_x", "call")
    with file_engine.connect() as conn:
        conn.begin()  # pysqlite sends no BEGIN: the SAVEPOINT opens the real transaction
        nested = conn.begin_nested()
        conn.execute(Note.__table__.insert(), {"body": "kept"})
        nested.commit()  # RELEASE: a durable commit
    summary = tracer.summary()
    assert tracer.warning is None
    assert summary["tx"].get("durableRelease") == 1
    [write] = summary["writes"]
    assert (write["committed"], write["rolledBack"]) == (1, 0)
    with file_engine.connect() as conn:
        assert conn.execute(text("select count(*) from notes")).scalar() == 1


def test_uninstall_gives_the_dialect_its_own_methods_back(file_engine, tmp_path):
    t = Tracer(str(tmp_path))
    t.install()
    with file_engine.connect() as conn:
        conn.execute(text("select 1"))
    wrapped = set(file_engine.dialect.__dict__) & WRAPPED
    assert wrapped == WRAPPED
    t.uninstall()
    assert not set(file_engine.dialect.__dict__) & WRAPPED
    t.start("test_x.py::test_x", "call")
    with file_engine.connect() as conn:
        conn.execute(Note.__table__.insert(), {"body": "unheard"})
    assert "writes" not in t.summary()


def test_nested_tracers_and_a_users_own_override_survive_an_uninstall(file_engine, tmp_path):
    mine = file_engine.dialect.do_commit  # the user's instance override, made before any tracer
    file_engine.dialect.do_commit = mine
    outer, inner = Tracer(str(tmp_path)), Tracer(str(tmp_path))
    outer.install()
    inner.install()  # a pytester run inside a traced run, say
    with file_engine.connect() as conn:
        conn.execute(text("select 1"))
    inner.uninstall()
    outer.start("test_x.py::test_x", "call")
    with file_engine.connect() as conn:
        conn.execute(Note.__table__.insert(), {"body": "heard"})
        # keyword arguments reach the dialect's method as they would without us
        file_engine.dialect.do_commit(dbapi_connection=conn.connection.dbapi_connection)
    summary = outer.summary()
    assert outer.warning is None
    assert [w["count"] for w in summary["writes"]] == [1]
    outer.uninstall()
    assert file_engine.dialect.__dict__["do_commit"] is mine
