"""pytest-xdist: only the controller reports, every result arrives, error data survives."""

import pytest

from conftest import xdist_usable
from orm_test_doctor import PROTOCOL_VERSION

usable, why = xdist_usable()
pytestmark = pytest.mark.skipif(not usable, reason=why)

MANY = {
    "test_many.py": """
        import pytest

        @pytest.mark.parametrize("i", range(30))
        def test_n(i):
            assert i % 7 != 3

        def test_db():
            from sqlalchemy import Column, Integer, create_engine
            from sqlalchemy.orm import Session, declarative_base
            Base = declarative_base()

            class T(Base):
                __tablename__ = "t"
                id = Column(Integer, primary_key=True)

            engine = create_engine("sqlite://")
            Base.metadata.create_all(engine)
            with Session(engine) as s:
                s.add_all([T(id=1), T(id=1)])
                s.flush()
    """
}


def test_n2_delivers_every_result(project):
    res = project(MANY).run("-n", "2")
    finished = res.finished()
    assert len(finished) == 31, res.stdout + res.stderr
    assert sum(1 for o in finished.values() if o == "failed") == 5
    assert res.connections == 1  # workers never connect
    assert res.of("hello")[0]["xdistWorkers"] == 2
    assert {m.get("worker") for m in res.of("finished")} == {"gw0", "gw1"}
    assert len(res.of("started")) == 31
    assert res.of("collection_finished")[0]["count"] == 31
    nodes = {m["nodeid"]: m for m in res.of("collected")}
    assert nodes["test_many.py"]["kind"] == "file" and nodes["test_many.py"]["file"].endswith("/test_many.py")
    assert nodes["test_many.py::test_n"]["kind"] == "function"
    assert nodes["test_many.py::test_n[3]"] == {
        "v": PROTOCOL_VERSION, "type": "collected", "nodeid": "test_many.py::test_n[3]", "kind": "case",
        "name": "test_n[3]", "file": nodes["test_many.py"]["file"], "parent": "test_many.py::test_n",
    }
    assert res.of("session_finished")[0]["exitstatus"] == 1
    db = res.reports("test_many.py::test_db")["call"]["error"]["db"]
    assert db["origType"] == "sqlite3.IntegrityError" and "UNIQUE" in db["origMessage"]
    assert db["params"] == [[1], [1]] or db["params"] in ([1], [[1, ], [1, ]])
