"""Writes made through SQLAlchemy's asyncio extension: the sync side runs in a greenlet of its
own, whose stack ends at SQLAlchemy's greenlet_spawn. The test or fixture that awaited the call,
and the user's line, are on the stack of the greenlet it came from; the tracer finds them there."""

import asyncio
import os
import types

import pytest

pytest.importorskip("aiosqlite")
pytest.importorskip("greenlet")

from sqlalchemy import Column, Integer, String  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine  # noqa: E402
from sqlalchemy.orm import declarative_base  # noqa: E402

from orm_test_doctor.provenance import Tracer  # noqa: E402

Base = declarative_base()


class Account(Base):
    __tablename__ = "accounts"
    id = Column(Integer, primary_key=True)
    email = Column(String(100), unique=True, nullable=False)


async def a_test_body(url):
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with AsyncSession(engine) as session:
        session.add(Account(email="alice@example.com"))
        await session.commit()  # COMMIT_LINE
    await engine.dispose()


def test_an_awaited_commit_is_the_tests_own_at_the_awaiting_line(tmp_path):
    t = Tracer(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # python/: this file is the user's
    t.install()
    try:
        # as the plugin registers a test: its function (here the coroutine function it awaits)
        t.site.register_test(types.SimpleNamespace(function=a_test_body, nodeid="tests/test_async.py::test_signup"))
        t.start("tests/test_async.py::test_signup", "call")
        asyncio.run(a_test_body("sqlite+aiosqlite:///%s" % (tmp_path / "a.db")))
        summary = t.summary()
    finally:
        t.uninstall()
    assert t.warning is None
    [write] = [w for w in summary["writes"] if w["table"] == "accounts"]
    assert write["by"] == {"test": "tests/test_async.py::test_signup", "kind": "test"}
    line = next(i for i, text in enumerate(open(__file__).read().splitlines()) if text.endswith("# COMMIT_LINE"))
    assert write["frame"] == {"file": __file__, "line": line, "function": "a_test_body"}
    assert write["committed"] == 1
