"""The provenance tracer starts only once SQLAlchemy is imported (tracing.py): a suite without it
never imports it, and an import anywhere (a test module, a fixture body mid-test) is seen."""

from test_provenance import provenance, writes

NO_SQLALCHEMY = {
    "test_plain.py": """
        import sys

        def test_nothing_imported_sqlalchemy():
            assert "sqlalchemy" not in sys.modules
    """,
}


def test_a_suite_without_sqlalchemy_never_imports_it(project):
    res = project(NO_SQLALCHEMY).run("-q")
    assert res.finished() == {"test_plain.py::test_nothing_imported_sqlalchemy": "passed"}
    assert not res.of("provenance")


LATE_IMPORT = {
    "conftest.py": """
        import pytest

        @pytest.fixture
        def db():
            # SQLAlchemy is first imported here, in the middle of the first test's setup
            from sqlalchemy import Column, Integer, String, create_engine
            from sqlalchemy.orm import Session, declarative_base

            Base = declarative_base()

            class User(Base):
                __tablename__ = "users"
                id = Column(Integer, primary_key=True)
                email = Column(String(50), unique=True)

            engine = create_engine("sqlite://")
            Base.metadata.create_all(engine)
            with Session(engine) as session:
                session.add(User(email="fixture@example.com"))
                session.commit()
                yield session, User
    """,
    "test_late.py": """
        import sys

        def test_first(db):
            session, User = db
            session.add(User(email="test@example.com"))
            session.flush()
            assert "sqlalchemy" in sys.modules
    """,
}


def test_sqlalchemy_imported_in_a_fixture_body_is_traced_from_there(project):
    res = project(LATE_IMPORT).run("-q")
    assert res.finished() == {"test_late.py::test_first": "passed"}
    prov = provenance(res)
    [by_fixture, by_test] = sorted(writes(prov, "test_late.py::test_first"), key=lambda w: w["phase"] != "setup")
    assert by_fixture["phase"] == "setup" and by_fixture["by"]["kind"] == "fixture" and by_fixture["by"]["fixture"]["name"] == "db"
    assert by_fixture["committed"] == 1
    assert by_test["phase"] == "call" and by_test["by"]["test"] == "test_late.py::test_first"
