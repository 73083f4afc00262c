"""The spill (spill.py): lines written but not yet sent are in the runner's file, so a pytest that
dies loses none of them, and with a spill `started` waits for the next batch."""

import json
import struct
import time

from conftest import Server
from orm_test_doctor import SPILL_ENV
from orm_test_doctor.transport import Channel


def held(path):
    """(index of the first line, the complete lines) in a spill file, as the runner reads it."""
    data = open(path, "rb").read()
    _gen, base, used = struct.unpack_from("<III", data)
    body = data[16 : 16 + used].decode("utf-8")
    return base, [line for line in body.split("\n") if line]


def received(server, count):
    """The server's lines once `count` have arrived (its reader threads finish on their own)."""
    deadline = time.monotonic() + 10
    while len(server.lines) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.lines


def test_buffered_lines_are_in_the_spill_until_sent(tmp_path):
    server = Server()
    spill = str(tmp_path / "spill")
    try:
        channel = Channel(server.address, spill)
        assert channel.spills
        channel.send("hello", True, pid=1)
        channel.send("started", False, nodeid="t::a")
        channel.send("finished", False, nodeid="t::a", outcome="passed", duration=0.0)
        base, lines = held(spill)
        assert base == 1 and [json.loads(line)["type"] for line in lines] == ["started", "finished"]
        channel.close()
        assert held(spill) == (3, [])
        assert [json.loads(line)["type"] for line in received(server, 3)] == ["hello", "started", "finished"]
    finally:
        server.close()


def test_a_line_bigger_than_the_spill_goes_out_at_once(tmp_path):
    server = Server()
    spill = str(tmp_path / "spill")
    try:
        channel = Channel(server.address, spill)
        channel.send("started", False, nodeid="t::a")
        channel.send("report", False, nodeid="t::a", longrepr="x" * (2 << 20))
        assert held(spill) == (2, [])  # the first line went out before it, and counts
        channel.close()
        assert len(received(server, 2)) == 2
    finally:
        server.close()


def test_one_writer_per_spill(tmp_path):
    spill = str(tmp_path / "spill")
    first = Channel("/nonexistent/s.sock", spill)
    assert first.spills and not Channel("/nonexistent/s.sock", spill).spills


DIES = {
    "test_dies.py": """
        import os
        import signal

        def test_before():
            pass

        def test_die():
            os.kill(os.getpid(), signal.SIGKILL)
    """,
}


def test_a_killed_pytest_leaves_the_rest_in_the_spill(project, tmp_path):
    spill = str(tmp_path / "spill")
    res = project(DIES).run("-q", env={SPILL_ENV: spill})
    assert res.returncode == -9
    base, lines = held(spill)
    assert base <= len(res.messages)  # nothing sent is missing from what the socket got
    stream = res.messages[:base] + [json.loads(line) for line in lines]
    mine = [(m["type"], m.get("nodeid")) for m in stream if m["type"] in ("started", "finished")]
    assert mine == [("started", "test_dies.py::test_before"), ("finished", "test_dies.py::test_before"), ("started", "test_dies.py::test_die")]
