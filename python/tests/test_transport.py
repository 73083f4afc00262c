"""The plugin must never change or break the user's run because of the socket."""

import os
import tempfile

from orm_test_doctor.jsonsafe import to_json
from orm_test_doctor.transport import _address
from orm_test_doctor.tree import tree_from_ids

SIMPLE = {"test_a.py": "def test_a():\n    pass\n\ndef test_b():\n    assert 0\n"}


def test_no_socket_env_means_inert(project):
    res = project(SIMPLE).run(socket_address=None)
    assert res.returncode == 1
    assert "orm_test_doctor" not in res.stdout + res.stderr
    assert res.messages == []


def test_unreachable_socket_warns_once_and_run_goes_on(project):
    missing = os.path.join(tempfile.gettempdir(), "otd-no-such-dir", "s.sock")
    res = project(SIMPLE).run("-v", socket_address=missing)
    assert res.returncode == 1
    assert "test_a.py::test_a PASSED" in res.stdout and "test_a.py::test_b FAILED" in res.stdout
    assert res.stderr.count("orm_test_doctor: cannot report to") == 1


def test_tcp_address(project):
    res = project(SIMPLE).run(tcp=True)
    assert res.finished() == {"test_a.py::test_a": "passed", "test_a.py::test_b": "failed"}


def test_address_forms():
    assert _address("tcp:localhost:9000")[1] == ("localhost", 9000)
    assert _address("127.0.0.1:9000")[1] == ("127.0.0.1", 9000)
    assert _address("/tmp/x/s.sock")[1] == "/tmp/x/s.sock"


def test_params_become_bounded_json():
    class Thing:
        def __repr__(self):
            return "<Thing>"

    assert to_json((1, "a", None, 2.5, Thing(), b"x")) == [1, "a", None, 2.5, "<Thing>", "b'x'"]
    assert to_json({"k": float("nan"), 3: [1]}) == {"k": "nan", "3": [1]}
    big = to_json([("x" * 400,)] * 1000)
    assert len(big) == 51 and big[-1] == "… 950 more"
    assert len(str(big)) < 12000


def test_tree_from_bare_ids():
    msgs = list(tree_from_ids(["d/t.py::C::test_x[a::b]"]))
    assert [(m["nodeid"], m["kind"], m.get("parent")) for m in msgs] == [
        ("d/t.py", "file", None),
        ("d/t.py::C", "class", "d/t.py"),
        ("d/t.py::C::test_x", "function", "d/t.py::C"),
        ("d/t.py::C::test_x[a::b]", "case", "d/t.py::C::test_x"),
    ]
    assert msgs[-1]["name"] == "test_x[a::b]"
