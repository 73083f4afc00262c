"""Runtime provenance on real database servers: writers, survivors, conflicts with rows from
before the run, baselines and side reads that never wait behind the test's own locks.

Needs a database URL per server, with any password (it must never be shown):

    OTD_TEST_POSTGRESQL_URL=postgresql+psycopg2://user:pw@127.0.0.1:5432/db
    OTD_TEST_MARIADB_URL=mysql+pymysql://user:pw@127.0.0.1:3306/db

Without them every test here is skipped. test/unit/dbservers/causes.test.ts starts throwaway
servers and runs this file with the URLs on both stacks (`-k postgresql` / `-k mariadb`)."""

import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from conftest import Project
from orm_test_doctor import sidereads
from orm_test_doctor.engines import EngineInfo

PROJECTS = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "projects"
SERVERS = {"postgresql": "OTD_TEST_POSTGRESQL_URL", "mariadb": "OTD_TEST_MARIADB_URL"}
EXAMPLE = {"postgresql": "pg_commit_polluter", "mariadb": "mariadb_commit_polluter"}


@pytest.fixture(params=sorted(SERVERS))
def server(request):
    """(kind, URL) of a server database, or a skip saying which variable to set."""
    url = os.environ.get(SERVERS[request.param])
    if not url:
        pytest.skip("set %s to a %s database URL (test/unit/dbservers/causes.test.ts does)" % (SERVERS[request.param], request.param))
    return request.param, url


def execute(url, *statements):
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            for statement in statements:
                if isinstance(statement, tuple):
                    conn.execute(text(statement[0]), statement[1])
                else:
                    conn.execute(text(statement))
    finally:
        engine.dispose()


def masked(url):
    """The URL as the tracer must show it: the password replaced by ***."""
    u = make_url(url)
    return "%s://%s:***@%s:%s/%s" % (u.drivername, u.username, u.host, u.port, u.database)


def provenance(res):
    return {m["nodeid"]: m for m in res.of("provenance")}


def test_the_commit_polluter_names_its_writer_on_the_server(server, tmp_path):
    kind, url = server
    dest = tmp_path / EXAMPLE[kind]
    shutil.copytree(PROJECTS / EXAMPLE[kind], dest, ignore=shutil.ignore_patterns("__pycache__"))
    res = Project(dest).run("-q", env={"OTD_DATABASE_URL": url})
    assert res.finished()["tests/test_profile.py::test_rename_user"] == "failed", res.stdout[-3000:]
    assert res.finished()["tests/test_accounts.py::test_create_alice"] == "passed"
    prov = provenance(res)
    alice = prov["tests/test_accounts.py::test_create_alice"]
    [w] = alice["writes"]
    assert (w["op"], w["committed"], w["rolledBack"], w["checked"], w["survived"]) == ("insert", 1, 0, 1, 1)
    # the id comes back from RETURNING on PostgreSQL, from lastrowid on MariaDB
    assert w["keys"] == [{"email": ["alice@example.com"], "id": [1]}]
    # has_table's catalog queries are not the test's reads, nor counted
    assert alice["reads"] == ["users"]
    [engine] = alice["engines"]
    assert (engine["persistent"], engine["url"]) == (True, masked(url))
    assert alice["baselines"] == [{"engine": engine["id"], "table": "users", "rows": 0}]
    for victim in ("tests/test_profile.py::test_rename_user", "tests/test_profile.py::test_deactivate_user"):
        [conflict] = prov[victim]["conflicts"]
        assert (conflict["table"], conflict["columns"], conflict["values"]) == ("users", ["email"], ["alice@example.com"])
        assert conflict["writer"]["nodeid"] == "tests/test_accounts.py::test_create_alice"
        assert (conflict["writer"]["state"], conflict["writer"]["survived"]) == ("committed", True)
    assert not any("warning" in m for m in prov.values())


BEFORE_THE_RUN = {
    "conftest.py": """
        import os

        import pytest
        from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, select

        metadata = MetaData()
        seeded = Table("otd_seeded", metadata, Column("id", Integer, primary_key=True), Column("email", String(80), unique=True))
        big = Table("otd_big", metadata, Column("id", Integer, primary_key=True))


        @pytest.fixture(scope="session")
        def engine():
            engine = create_engine(os.environ["OTD_DATABASE_URL"])
            yield engine
            engine.dispose()
    """,
    "test_before.py": """
        import pytest
        from sqlalchemy import func, select
        from sqlalchemy.exc import IntegrityError

        from conftest import big, seeded


        def test_collides_with_a_row_from_before(engine):
            with engine.connect() as conn:
                tx = conn.begin()
                with pytest.raises(IntegrityError):
                    conn.execute(seeded.insert().values(id=2, email="old@example.com"))
                tx.rollback()


        def test_counts_a_big_table(engine):
            with engine.connect() as conn:
                assert conn.execute(select(func.count()).select_from(big)).scalar() == 1500
    """,
}


def test_a_row_from_before_the_run_is_found_on_a_side_connection(server, project):
    kind, url = server
    execute(
        url,
        "DROP TABLE IF EXISTS otd_seeded",
        "DROP TABLE IF EXISTS otd_big",
        "CREATE TABLE otd_seeded (id INTEGER PRIMARY KEY, email VARCHAR(80) UNIQUE)",
        "CREATE TABLE otd_big (id INTEGER PRIMARY KEY)",
        "INSERT INTO otd_seeded (id, email) VALUES (1, 'old@example.com')",
        ("INSERT INTO otd_big (id) VALUES (:id)", [{"id": i} for i in range(1500)]),
    )
    res = project(BEFORE_THE_RUN).run("-q", env={"OTD_DATABASE_URL": url})
    assert set(res.finished().values()) == {"passed"}, res.stdout[-3000:]
    prov = provenance(res)
    victim = prov["test_before.py::test_collides_with_a_row_from_before"]
    # PostgreSQL aborted the victim's transaction: the lookup ran on a connection of its own
    [conflict] = victim["conflicts"]
    assert (conflict["table"], conflict["columns"], conflict["values"], conflict.get("existing")) == ("otd_seeded", ["email"], ["old@example.com"], True)
    assert "writer" not in conflict
    engine_id = victim["engines"][0]["id"]
    assert victim["baselines"] == [{"engine": engine_id, "table": "otd_seeded", "rows": 1}]
    # a big table costs no full count: "at least" the cap
    counted = prov["test_before.py::test_counts_a_big_table"]
    assert counted["baselines"] == [{"engine": engine_id, "table": "otd_big", "rows": sidereads.BASELINE_CAP, "atLeast": True}]
    assert not any("warning" in m for m in prov.values())


ASYNC_DRIVERS = {"postgresql": "asyncpg", "mariadb": "aiomysql"}

ASYNC_ENGINE = {
    "conftest.py": """
        import asyncio
        import os

        import pytest
        from sqlalchemy import Column, Integer, MetaData, String, Table
        from sqlalchemy.ext.asyncio import create_async_engine

        metadata = MetaData()
        seeded = Table("otd_async_seeded", metadata, Column("id", Integer, primary_key=True), Column("email", String(80), unique=True))


        @pytest.fixture(scope="session")
        def loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()


        @pytest.fixture(scope="session")
        def engine(loop):
            engine = create_async_engine(os.environ["OTD_ASYNC_URL"])
            yield engine
            loop.run_until_complete(engine.dispose())


        @pytest.fixture
        def run(loop):
            return loop.run_until_complete
    """,
    "test_async.py": """
        import pytest
        from sqlalchemy.exc import IntegrityError

        from conftest import seeded


        async def insert(engine, email):
            async with engine.begin() as conn:
                await conn.execute(seeded.insert().values(email=email))


        def test_commits_a_row(engine, run):
            run(insert(engine, "new@example.com"))


        def test_collides_with_a_row_from_before(engine, run):
            with pytest.raises(IntegrityError):
                run(insert(engine, "old@example.com"))
    """,
}


def test_an_async_engine_is_read_on_the_side_with_a_sync_driver(server, project):
    """asyncpg (or aiomysql) cannot be bounded as the side reads need: the same database is read
    with the dialect's sync driver, so rows from before the run and survivors are still seen."""
    kind, url = server
    pytest.importorskip(ASYNC_DRIVERS[kind])
    async_url = make_url(url).set(drivername="%s+%s" % (make_url(url).get_backend_name(), ASYNC_DRIVERS[kind]))
    execute(
        url,
        "DROP TABLE IF EXISTS otd_async_seeded",
        "CREATE TABLE otd_async_seeded (id %s PRIMARY KEY, email VARCHAR(80) UNIQUE)" % ("SERIAL" if kind == "postgresql" else "INTEGER AUTO_INCREMENT"),
        "INSERT INTO otd_async_seeded (email) VALUES ('old@example.com')",
    )
    res = project(ASYNC_ENGINE).run("-q", env={"OTD_ASYNC_URL": async_url.render_as_string(hide_password=False)})
    assert set(res.finished().values()) == {"passed"}, res.stdout[-3000:]
    prov = provenance(res)
    [w] = prov["test_async.py::test_commits_a_row"]["writes"]
    assert (w["committed"], w["checked"], w["survived"]) == (1, 1, 1)
    victim = prov["test_async.py::test_collides_with_a_row_from_before"]
    [conflict] = victim["conflicts"]
    assert (conflict["values"], conflict.get("existing")) == (["old@example.com"], True)
    assert "writer" not in conflict
    [engine] = prov["test_async.py::test_commits_a_row"]["engines"]
    assert engine["url"].startswith("%s+%s://" % (make_url(url).get_backend_name(), ASYNC_DRIVERS[kind]))
    assert prov["test_async.py::test_commits_a_row"]["baselines"] == [{"engine": engine["id"], "table": "otd_async_seeded", "rows": 1}]
    assert not any("warning" in m for m in prov.values())


CLEANED_UP = {
    "conftest.py": """
        import os

        import pytest
        from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine

        metadata = MetaData()
        members = Table("otd_members", metadata, Column("id", Integer, primary_key=True), Column("email", String(80), unique=True))


        @pytest.fixture(scope="session")
        def engine():
            engine = create_engine(os.environ["OTD_DATABASE_URL"])
            metadata.drop_all(engine)
            metadata.create_all(engine)
            yield engine
            engine.dispose()


        @pytest.fixture
        def cleaned(engine):
            yield engine
            with engine.begin() as conn:  # commits, then deletes what it committed
                conn.execute(members.delete())
    """,
    "test_members.py": """
        from conftest import members


        def test_commits_and_cleans(cleaned):
            with cleaned.begin() as conn:
                conn.execute(members.insert().values(email="kept@example.com"))


        def test_commits_and_leaves(engine):
            with engine.begin() as conn:
                conn.execute(members.insert().values(email="left@example.com"))
    """,
}


def test_survivors_are_looked_up_after_teardown(server, project):
    kind, url = server
    res = project(CLEANED_UP).run("-q", env={"OTD_DATABASE_URL": url})
    assert set(res.finished().values()) == {"passed"}, res.stdout[-3000:]
    prov = provenance(res)
    [cleaned] = [w for w in prov["test_members.py::test_commits_and_cleans"]["writes"] if w["op"] == "insert"]
    [left] = prov["test_members.py::test_commits_and_leaves"]["writes"]
    # both committed; only one row is still there for the next test
    assert (cleaned["committed"], cleaned["checked"], cleaned["survived"]) == (1, 1, 0)
    assert (left["committed"], left["checked"], left["survived"]) == (1, 1, 1)
    assert left["keys"] == [{"email": ["left@example.com"], "id": [2]}]


LOCKED = {
    "conftest.py": """
        import os

        import pytest
        from sqlalchemy import create_engine


        @pytest.fixture(scope="session")
        def engine():
            engine = create_engine(os.environ["OTD_DATABASE_URL"])
            yield engine
            engine.dispose()
    """,
    "test_locked.py": """
        import os
        import time

        from sqlalchemy import text

        LOCK = {"postgresql": "LOCK TABLE otd_locked IN ACCESS EXCLUSIVE MODE", "mysql": "LOCK TABLES otd_locked WRITE"}


        def test_reads_a_table_it_locked(engine):
            # the tracer's first-touch count of otd_locked, on its own connection, would wait for
            # this very lock forever: it must give up within its timeout
            with engine.connect() as conn:
                tx = conn.begin()
                conn.execute(text(LOCK[engine.dialect.name]))
                started = time.monotonic()
                assert conn.execute(text("SELECT COUNT(*) FROM otd_locked")).scalar() == 0
                assert time.monotonic() - started < 10
                tx.rollback()
                if engine.dialect.name == "mysql":
                    conn.execute(text("UNLOCK TABLES"))


        def test_after(engine):
            with engine.connect() as conn:
                assert conn.execute(text("SELECT COUNT(*) FROM otd_locked")).scalar() == 0
    """,
}


def test_a_side_read_never_waits_for_the_tests_own_lock(server, project):
    kind, url = server
    execute(url, "DROP TABLE IF EXISTS otd_locked", "CREATE TABLE otd_locked (id INTEGER PRIMARY KEY)")
    started = time.monotonic()
    res = project(LOCKED).run("-q", env={"OTD_DATABASE_URL": url}, timeout=90)
    assert res.finished() == {"test_locked.py::test_reads_a_table_it_locked": "passed", "test_locked.py::test_after": "passed"}, res.stdout[-3000:]
    assert time.monotonic() - started < 60
    prov = provenance(res)
    locked = prov["test_locked.py::test_reads_a_table_it_locked"]
    assert locked["reads"] == ["otd_locked"]
    assert "baselines" not in locked  # it could not tell: unknown is unsaid
    assert not any("warning" in m for m in prov.values())


def test_side_connections_are_read_only_and_bounded(server):
    kind, url = server
    engine = create_engine(url, poolclass=NullPool)
    engine.connect().close()  # as in a traced run: the user's engine has met its server (MariaDB or MySQL)
    info = EngineInfo("e1", engine)
    try:
        assert info.data["persistent"] is True and "***" in info.data["url"]
        with sidereads.reader(info).connect() as conn:
            if kind == "postgresql":
                settings = [conn.execute(text("SHOW " + name)).scalar() for name in ("transaction_read_only", "lock_timeout", "statement_timeout", "transaction_isolation")]
                assert settings == ["on", "200ms", "1s", "read committed"]
            else:
                row = conn.execute(text("SELECT @@tx_read_only, @@lock_wait_timeout, @@innodb_lock_wait_timeout, @@tx_isolation")).fetchone()
                assert tuple(row) == (1, 1, 1, "READ-COMMITTED")
            with pytest.raises(Exception, match="(?i)read.only"):
                conn.execute(text("CREATE TABLE otd_never (id INTEGER)"))
        # reserved words as names: quoted the server's way ("select" / `select`)
        metadata = MetaData()
        odd = Table("select", metadata, Column("order", Integer, unique=True))
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(odd.insert(), [{"order": 7}, {"order": 8}])
        assert sidereads.read(info, odd, {"order": 7}, "exists") == (1,)
        assert sidereads.read(info, odd, {"order": 9}, "exists") is None
        assert sidereads.count(info, "select") == {"rows": 2}
        metadata.drop_all(engine)
        if kind == "postgresql":
            # the URL's own options (a search_path) stay on the side connection, ours added
            own = create_engine(url + "?options=-csearch_path%3Dotd_app", poolclass=NullPool)
            own_info = EngineInfo("e2", own)
            try:
                with sidereads.reader(own_info).connect() as conn:
                    assert [conn.execute(text("SHOW " + n)).scalar() for n in ("search_path", "lock_timeout")] == ["otd_app", "200ms"]
            finally:
                own_info.reader.dispose()
                own.dispose()
    finally:
        if info.reader is not None:
            info.reader.dispose()
        engine.dispose()
