"""Runtime provenance (provenance.py) on the real example projects and on small projects made
here: who wrote which row, in which transaction, whether it survived, and who wrote the row a
failing INSERT collided with. Runs on both stacks (the Python layer runs this file twice)."""

import shutil
from pathlib import Path

import pytest

from conftest import Project, xdist_usable
from orm_test_doctor import TRACE_ENV

PROJECTS = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "projects"


def example(name, tmp_path):
    dest = tmp_path / name
    shutil.copytree(PROJECTS / name, dest, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    return Project(dest)


def provenance(res):
    return {m["nodeid"]: m for m in res.of("provenance")}


def writes(prov, nodeid, table="users"):
    return [w for w in prov.get(nodeid, {}).get("writes", []) if w["table"] == table]


def test_commit_factory_names_the_writer_of_the_conflicting_row(tmp_path):
    res = example("commit_factory", tmp_path).run("-q")
    prov = provenance(res)
    [w] = writes(prov, "tests/test_accounts.py::test_create_alice")
    assert w["op"] == "insert" and w["phase"] == "call" and w["count"] == 1
    factory = w["by"]["factory"]
    assert (factory["name"], factory["persistence"], factory["model"]) == ("UserFactory", "commit", "User")
    assert factory["file"].endswith("commit_factory/factories.py") and factory["line"] == 11  # 0-based: `class UserFactory`
    assert w["by"]["kind"] == "factory" and w["by"]["test"] == "tests/test_accounts.py::test_create_alice"
    assert w["frame"]["file"].endswith("tests/test_accounts.py") and w["frame"]["line"] == 4  # `UserFactory()` in the test
    assert (w["committed"], w["rolledBack"], w["checked"], w["survived"]) == (1, 0, 1, 1)
    assert {"email": ["alice@example.com"], "id": [1]} in w["keys"]

    for victim in ("tests/test_profile.py::test_rename_user", "tests/test_profile.py::test_deactivate_user"):
        [conflict] = prov[victim]["conflicts"]
        assert (conflict["table"], conflict["columns"], conflict["values"]) == ("users", ["email"], ["alice@example.com"])
        writer = conflict["writer"]
        assert writer["nodeid"] == "tests/test_accounts.py::test_create_alice"
        assert writer["state"] == "committed" and writer["survived"] is True
        assert writer["by"]["factory"]["name"] == "UserFactory"

    # the row-count test reads the table others leaked into
    assert prov["tests/test_profile.py::test_users_table_starts_empty"]["reads"] == ["users"]
    [engine] = prov["tests/test_accounts.py::test_create_alice"]["engines"]
    assert engine["url"] == "sqlite://" and engine["pool"] == "StaticPool" and engine["persistent"] is False
    assert engine["dialect"] == "sqlite" and engine["driver"] == "pysqlite"
    assert prov["tests/test_accounts.py::test_create_alice"]["baselines"] == [{"engine": engine["id"], "table": "users", "rows": 0}]
    # tracing never changes outcomes
    assert res.finished()["tests/test_profile.py::test_rename_user"] == "failed"
    assert res.finished()["tests/test_accounts.py::test_create_alice"] == "passed"


def test_a_released_savepoint_without_begin_is_a_durable_commit_on_pysqlite(tmp_path):
    prov = provenance(example("savepoint_commit", tmp_path).run("-q"))
    [naive] = writes(prov, "tests/test_naive_savepoint.py::test_signup_commits")
    assert (naive["committed"], naive["rolledBack"], naive["survived"]) == (1, 0, 1)
    assert prov["tests/test_naive_savepoint.py::test_signup_commits"]["tx"]["durableRelease"] == 1
    [conflict] = prov["tests/test_naive_savepoint.py::test_carol_again"]["conflicts"]
    assert conflict["writer"]["nodeid"] == "tests/test_naive_savepoint.py::test_signup_commits"
    assert conflict["writer"]["state"] == "committed"
    # with the documented pysqlite fix (BEGIN emitted), the same release only ends a savepoint
    [fixed] = writes(prov, "tests/test_fixed_savepoint.py::test_fixed_signup_commits")
    assert (fixed["committed"], fixed["rolledBack"], fixed["survived"]) == (0, 1, 0)
    assert "durableRelease" not in prov["tests/test_fixed_savepoint.py::test_fixed_signup_commits"]["tx"]


def test_a_file_database_is_persistent_and_app_code_commits_are_the_tests(tmp_path):
    prov = provenance(example("rollback_file_db", tmp_path).run("-q"))
    [engine] = next(m["engines"] for m in prov.values() if "engines" in m)
    assert engine["persistent"] is True and engine["file"].endswith("rollback_file_db/test.db")
    [w] = writes(prov, "tests/test_services.py::test_register_alice")
    assert w["by"]["kind"] == "test" and "factory" not in w["by"]
    assert w["frame"]["file"].endswith("services.py")
    assert (w["committed"], w["survived"]) == (1, 1)
    [conflict] = prov["tests/test_services.py::test_register_normalises_email"]["conflicts"]
    assert conflict["writer"]["nodeid"] == "tests/test_services.py::test_register_alice"
    # the flushed factory rows were rolled back by the fixture and did not survive
    [flushed] = writes(prov, "tests/test_factories.py::test_factory_user_is_flushed")
    assert flushed["by"]["factory"]["persistence"] == "flush"
    assert (flushed["committed"], flushed["rolledBack"], flushed["survived"]) == (0, 1, 0)


def test_a_create_override_that_commits_is_named(tmp_path):
    prov = provenance(example("create_override", tmp_path).run("-q"))
    [w] = writes(prov, "tests/test_users.py::test_first_user_gets_sequence_email")
    override = w["by"]["factory"]["override"]
    assert override["method"] == "_create" and override["commits"] is True
    assert override["file"].endswith("create_override/factories.py")
    assert (w["committed"], w["survived"]) == (1, 1)


def test_a_second_run_on_a_file_database_sees_rows_from_before(tmp_path):
    proj = example("create_override", tmp_path)
    proj.run("-q")
    prov = provenance(proj.run("-q"))
    baselines = [b for m in prov.values() for b in m.get("baselines", [])]
    assert baselines and baselines[0]["table"] == "users" and baselines[0]["rows"] >= 4


def test_a_clean_suite_leaves_nothing_behind(tmp_path):
    prov = provenance(example("clean", tmp_path).run("-q"))
    all_writes = [w for m in prov.values() for w in m.get("writes", [])]
    assert len(all_writes) >= 8
    assert sum(w.get("survived", 0) for w in all_writes) == 0
    assert sum(w["committed"] for w in all_writes) == 0
    # its one collision is made on purpose inside a single test, with the test's own row
    conflicts = [(nodeid, c) for nodeid, m in prov.items() for c in m.get("conflicts", [])]
    assert [(n, c["writer"]["nodeid"], c["writer"]["state"]) for n, c in conflicts] == [
        ("tests/test_users.py::test_duplicate_rolled_back_inside_test", "tests/test_users.py::test_duplicate_rolled_back_inside_test", "open")
    ]


FIXTURE_WRITES = {
    "models.py": """
        from sqlalchemy import Column, Integer, String, create_engine
        from sqlalchemy.orm import declarative_base, sessionmaker

        Base = declarative_base()

        class Tag(Base):
            __tablename__ = "tags"
            id = Column(Integer, primary_key=True)
            name = Column(String(40), unique=True, nullable=False)

        # created at import time, before the plugin's hooks run
        engine = create_engine("sqlite:///tags.db")
        Base.metadata.create_all(engine)
        Session = sessionmaker(bind=engine)
    """,
    "conftest.py": """
        import pytest
        from models import Session, Tag

        @pytest.fixture(
            scope="module",
        )
        def seeded():
            s = Session()
            s.add(Tag(name="seed"))
            s.commit()
            yield s
            s.close()
    """,
    "test_tags.py": """
        from models import Tag

        def test_uses_seed(seeded):
            assert seeded.query(Tag).count() >= 1

        def test_adds_seed_again(seeded):
            seeded.add(Tag(name="seed"))
            seeded.commit()
    """,
}


def test_a_fixture_write_names_the_fixture_and_an_import_time_engine_is_traced(project):
    res = project(FIXTURE_WRITES).run("-q")
    prov = provenance(res)
    [w] = writes(prov, "test_tags.py::test_uses_seed", "tags")
    assert w["phase"] == "setup" and w["by"]["kind"] == "fixture"
    fixture = w["by"]["fixture"]
    assert (fixture["name"], fixture["scope"]) == ("seeded", "module")
    assert fixture["file"].endswith("conftest.py") and fixture["line"] == 6  # 0-based `def seeded():`, past its two-line decorator
    assert w["committed"] == 1
    [conflict] = prov["test_tags.py::test_adds_seed_again"]["conflicts"]
    assert conflict["writer"]["nodeid"] == "test_tags.py::test_uses_seed"
    assert conflict["writer"]["by"]["fixture"]["name"] == "seeded"


def test_tracing_can_be_turned_off(project):
    res = project(FIXTURE_WRITES).run("-q", env={TRACE_ENV: "0"})
    assert res.of("provenance") == []
    assert res.finished()["test_tags.py::test_uses_seed"] == "passed"


BROKEN_VALUE = {
    "test_odd.py": """
        from sqlalchemy import Column, Integer, String, create_engine
        from sqlalchemy.orm import Session, declarative_base
        from sqlalchemy.types import TypeDecorator

        class Odd:
            def __init__(self, code):
                self.code = code

            def __repr__(self):
                raise RuntimeError("no repr for you")

        class OddType(TypeDecorator):
            impl = String
            cache_ok = True

            def process_bind_param(self, value, dialect):
                return value.code

        Base = declarative_base()

        class Thing(Base):
            __tablename__ = "things"
            id = Column(Integer, primary_key=True)
            code = Column(OddType(20), unique=True)

        def test_odd_value():
            engine = create_engine("sqlite://")
            Base.metadata.create_all(engine)
            with Session(engine) as s:
                s.add(Thing(code=Odd("x")))
                s.commit()
                assert s.query(Thing).count() == 1

        def test_after():
            assert True
    """,
}


def test_an_error_inside_the_tracer_never_changes_an_outcome(project):
    res = project(BROKEN_VALUE).run("-q")
    assert res.finished() == {"test_odd.py::test_odd_value": "passed", "test_odd.py::test_after": "passed"}
    warnings = [m["warning"] for m in res.of("provenance") if "warning" in m]
    assert warnings and "tracing switched off" in warnings[0] and "no repr for you" in warnings[0]


@pytest.mark.skipif(not xdist_usable()[0], reason="pytest-xdist does not run here")
def test_under_xdist_workers_record_and_the_controller_sends(tmp_path):
    res = example("commit_factory", tmp_path).run("-q", "-n", "2")
    prov = provenance(res)
    assert res.connections == 1
    assert {m.get("worker") for m in prov.values()} <= {"gw0", "gw1"}
    alice = writes(prov, "tests/test_accounts.py::test_create_alice")
    assert alice and alice[0]["by"]["factory"]["name"] == "UserFactory"
    # each worker has its own in-memory database: a collision happens only within one worker,
    # and then it names its writer
    for m in prov.values():
        for conflict in m.get("conflicts", []):
            assert conflict.get("writer") or conflict.get("existing")


NOT_NULL_AND_GONE_FILE = {
    "test_edges.py": """
        import os

        import pytest
        from sqlalchemy import Column, Integer, String, create_engine, exc
        from sqlalchemy.orm import Session, declarative_base

        Base = declarative_base()

        class Item(Base):
            __tablename__ = "items"
            id = Column(Integer, primary_key=True)
            code = Column(String(20), unique=True, nullable=False)

        @pytest.fixture
        def engine(tmp_path):
            path = tmp_path / "gone.db"
            engine = create_engine("sqlite:///%s" % path)
            Base.metadata.create_all(engine)
            yield engine
            engine.dispose()
            os.remove(path)  # the database is gone before the tracer looks for survivors

        def test_not_null_is_no_collision(engine):
            with Session(engine) as s:
                s.add(Item(code="a"))
                s.commit()
                s.add(Item(code=None))
                with pytest.raises(exc.IntegrityError):
                    s.flush()

        def test_file_removed_at_teardown(engine, tmp_path):
            with Session(engine) as s:
                s.add(Item(code="b"))
                s.commit()
            assert (tmp_path / "gone.db").exists()
    """,
}


def test_not_null_records_no_conflict_and_a_removed_file_is_not_recreated(project, tmp_path):
    res = project(NOT_NULL_AND_GONE_FILE).run("-q", "--basetemp", str(tmp_path / "bt"))
    assert res.finished() == {"test_edges.py::test_not_null_is_no_collision": "passed", "test_edges.py::test_file_removed_at_teardown": "passed"}
    prov = provenance(res)
    assert not prov["test_edges.py::test_not_null_is_no_collision"].get("conflicts")
    # the survivor check had no file to read: it says nothing rather than "did not survive"
    [w] = writes(prov, "test_edges.py::test_file_removed_at_teardown", "items")
    assert "survived" not in w and w["committed"] == 1
    assert not list((tmp_path / "bt").rglob("gone.db"))


PK_ONLY = {
    "test_pk.py": """
        from sqlalchemy import Column, Integer, String, create_engine
        from sqlalchemy.orm import Session, declarative_base
        from sqlalchemy.pool import StaticPool

        Base = declarative_base()

        class Note(Base):
            __tablename__ = "notes"
            id = Column(Integer, primary_key=True)
            body = Column(String(20))

        engine = create_engine("sqlite://", poolclass=StaticPool)
        Base.metadata.create_all(engine)

        def test_commits_a_note():
            with Session(engine) as s:
                s.add(Note(body="x"))
                s.commit()
    """,
}


def test_a_row_known_only_by_its_generated_id_is_checked_for_survival(project):
    res = project(PK_ONLY).run("-q")
    assert res.finished() == {"test_pk.py::test_commits_a_note": "passed"}
    [w] = writes(provenance(res), "test_pk.py::test_commits_a_note", "notes")
    assert w["keys"] == [{"id": [1]}]
    assert (w["committed"], w["checked"], w["survived"]) == (1, 1, 1)


# FIXTURE_WRITES' models, but the URL says memory while the pool's connections go to a file
CREATOR = {
    "models.py": FIXTURE_WRITES["models.py"]
    .replace("from sqlalchemy import", "import sqlite3\n        from sqlalchemy import")
    .replace('create_engine("sqlite:///tags.db")', 'create_engine("sqlite://", creator=lambda: sqlite3.connect("creator.db"))'),
    "test_tags.py": """
        from models import Session, Tag

        def test_adds():
            s = Session()
            s.add(Tag(name="a"))
            s.commit()
            s.close()
    """,
}


def test_a_custom_creator_is_followed_to_the_file_sqlite_really_opened(project):
    proj = project(CREATOR)
    prov = provenance(proj.run("-q"))
    [engine] = next(m["engines"] for m in prov.values() if "engines" in m)
    assert engine["url"] == "sqlite://"
    assert engine["persistent"] is True and Path(engine["file"]).samefile(Path(proj.path) / "creator.db")


# The tracer's index of inserted unique values, read at the session's end: rolled-back rows and
# rows deleted before the next test leave it, so a long well-isolated run keeps it empty.
INDEX_BOUND = {
    "conftest.py": """
        import pytest
        from sqlalchemy import Column, Integer, String, create_engine, delete
        from sqlalchemy.orm import Session, declarative_base
        from sqlalchemy.pool import StaticPool

        Base = declarative_base()

        class User(Base):
            __tablename__ = "users"
            id = Column(Integer, primary_key=True)
            email = Column(String(50), unique=True)

        engine = create_engine("sqlite://", poolclass=StaticPool)
        Base.metadata.create_all(engine)

        @pytest.fixture
        def db():
            s = Session(engine)
            yield s
            s.rollback()
            s.close()

        def pytest_sessionfinish(session):
            from orm_test_doctor import tracing
            with open("index-size.txt", "w") as f:
                f.write(str(len(tracing._tracer[0].index)))
    """,
    "test_many.py": """
        import pytest
        from conftest import Session, User, delete, engine

        @pytest.mark.parametrize("n", range(30))
        def test_flushes(db, n):
            db.add_all([User(email="a%d@x" % n), User(email="b%d@x" % n)])
            db.flush()

        def test_commits_then_cleans_up():
            with Session(engine) as s:
                s.add(User(email="gone@x"))
                s.commit()
                s.execute(delete(User).where(User.email == "gone@x"))
                s.commit()

        def test_commits_and_leaves():
            with Session(engine) as s:
                s.add(User(email="kept@x"))
                s.commit()
    """,
}


def test_the_index_of_inserted_values_keeps_only_rows_that_may_still_be_there(project):
    proj = project(INDEX_BOUND)
    res = proj.run("-q")
    assert set(res.finished().values()) == {"passed"} and len(res.finished()) == 32
    # the kept row only, by its email and by its id
    assert (Path(proj.path) / "index-size.txt").read_text() == "2"
    [w] = [w for w in writes(provenance(res), "test_many.py::test_commits_then_cleans_up") if w["op"] == "insert"]
    assert (w["committed"], w["checked"], w["survived"]) == (1, 1, 0)


# One session for the whole run on a file database: test_a's flushed row is still pending when
# test_b inserts the same email. A side connection cannot see it after test_a's teardown, which
# must not make it "gone": the conflict still names its writer.
SHARED_PENDING = {
    "conftest.py": """
        import pytest
        from sqlalchemy import Column, Integer, String, create_engine
        from sqlalchemy.orm import Session, declarative_base

        Base = declarative_base()

        class User(Base):
            __tablename__ = "users"
            id = Column(Integer, primary_key=True)
            email = Column(String(50), unique=True)

        engine = create_engine("sqlite:///shared.db")
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)

        @pytest.fixture(scope="session")
        def db():
            s = Session(engine)
            yield s
            s.rollback()
            s.close()
    """,
    "test_pending.py": """
        from conftest import User

        def test_a(db):
            db.add(User(email="a@x"))
            db.flush()

        def test_b(db):
            db.add(User(email="a@x"))
            db.flush()
    """,
}


def test_a_pending_row_invisible_to_a_side_connection_keeps_its_writer(project):
    res = project(SHARED_PENDING).run("-q")
    assert res.finished() == {"test_pending.py::test_a": "passed", "test_pending.py::test_b": "failed"}
    prov = provenance(res)
    [w] = writes(prov, "test_pending.py::test_a")
    assert (w["committed"], w["rolledBack"], w["survived"]) == (0, 0, 0)
    [c] = prov["test_pending.py::test_b"]["conflicts"]
    assert c["values"] == ["a@x"]
    assert c["writer"]["nodeid"] == "test_pending.py::test_a" and c["writer"]["state"] == "open"


def test_class_definition_sites_come_from_one_parse_of_their_file_and_match_inspect(tmp_path, monkeypatch):
    import inspect

    from conftest import count_parses, load_module
    from orm_test_doctor import sites

    src = tmp_path / "mod_classes.py"
    mod = load_module(
        src,
        "import functools\n\n"
        "class Plain:\n    class Inner:\n        pass\n\n"
        "@functools.total_ordering\n\nclass Decorated:\n    def __lt__(self, other):\n        return False\n\n"
        "def make():\n    class Local:\n        pass\n    return Local\n\n"
        "if True:\n    class Guarded:\n        pass\n\n"
        "Made = type('Made', (Plain,), {})\n",
        monkeypatch,
    )
    classes = [mod.Plain, mod.Plain.Inner, mod.Decorated, mod.make(), mod.Guarded]
    # what inspect says (0-based line of the `class` statement, past decorators)
    expected = [(str(src), sites._past_decorators(str(src), inspect.getsourcelines(c)[1]) - 1) for c in classes]
    assert [line for _, line in expected] == [2, 3, 8, 13, 18]
    parses = count_parses(monkeypatch)
    assert [sites._defsite(c) for c in classes] == expected
    assert len(parses) <= 1  # one parse for the file, not one per class
    assert sites._defsite(mod.Made) is None or sites._defsite(mod.Made)[1] != 2  # made by type(): not Plain's line


def test_a_definition_site_skips_a_decorator_with_blank_lines_and_generated_code_has_none(tmp_path):
    import importlib.util

    from orm_test_doctor.sites import _defsite

    src = tmp_path / "mod_deco.py"
    src.write_text("import functools\n\n@functools.lru_cache(\n\n    maxsize=None,\n)\ndef cached():\n    return 1\n")
    spec = importlib.util.spec_from_file_location("mod_deco", src)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert _defsite(mod.cached) == (str(src), 6)  # 0-based `def cached():`
    made = {}
    exec("def made():\n    pass\n", made)
    assert _defsite(made["made"]) is None  # `<string>`: no file to point at
