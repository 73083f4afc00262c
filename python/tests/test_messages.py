"""Messages for outcomes, collection and output options, from a real pytest subprocess."""

import pytest

OUTCOMES = {
    "conftest.py": """
        import pytest

        @pytest.fixture
        def broken_setup():
            raise RuntimeError("setup boom")

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown boom")
    """,
    "test_outcomes.py": """
        import pytest

        def test_pass():
            print("hello from a passing test")

        def test_fail():
            assert 1 == 2

        @pytest.mark.skip(reason="not today")
        def test_skip():
            pass

        def test_setup_error(broken_setup):
            pass

        def test_teardown_error(broken_teardown):
            pass

        def test_fail_and_teardown_error(broken_teardown):
            assert False

        @pytest.mark.xfail(reason="known")
        def test_xfail():
            assert False

        @pytest.mark.xfail(reason="fixed?")
        def test_xpass():
            pass

        class TestGroup:
            @pytest.mark.parametrize("n", [1, 2, 3])
            def test_case(self, n):
                assert n != 2
    """,
}

F = "test_outcomes.py::"


def test_every_message_is_versioned_and_ordered(project):
    res = project(OUTCOMES).run()
    types = [m["type"] for m in res.messages]
    assert all(m["v"] == 1 for m in res.messages)
    assert types[0] == "hello" and types[-1] == "session_finished"
    assert res.of("session_finished")[0]["exitstatus"] == res.returncode == 1
    assert types.index("collection_finished") < types.index("started")
    hello = res.of("hello")[0]
    assert hello["rootdir"].startswith("/") and hello["pytest"] == pytest.__version__
    assert hello["args"][:2] == ["-p", "orm_test_doctor.plugin"] and "xdistWorkers" not in hello


def test_aggregated_outcomes(project):
    res = project(OUTCOMES).run()
    assert res.finished() == {
        F + "test_pass": "passed",
        F + "test_fail": "failed",
        F + "test_skip": "skipped",
        F + "test_setup_error": "errored",
        F + "test_teardown_error": "errored",
        F + "test_fail_and_teardown_error": "failed",
        F + "test_xfail": "skipped",
        F + "test_xpass": "passed",
        F + "TestGroup::test_case[1]": "passed",
        F + "TestGroup::test_case[2]": "failed",
        F + "TestGroup::test_case[3]": "passed",
    }
    assert len(res.of("started")) == 11


def test_reports_per_phase(project):
    res = project(OUTCOMES).run()
    fail = res.reports(F + "test_fail")
    assert list(fail) == ["call"] and fail["call"]["outcome"] == "failed"  # passing phases: nothing to tell
    assert "assert 1 == 2" in fail["call"]["longrepr"]
    assert fail["call"]["error"]["chain"][0]["type"] == "AssertionError"
    frame = fail["call"]["error"]["frames"][-1]
    assert frame["function"] == "test_fail" and frame["file"].endswith("test_outcomes.py")
    assert frame["line"] == 6  # 0-based line of `assert 1 == 2`
    assert fail["call"]["location"]["line"] == 5 and fail["call"]["location"]["function"] == "test_fail"

    setup = res.reports(F + "test_setup_error")["setup"]
    assert setup["outcome"] == "failed" and "setup boom" in setup["longrepr"]
    assert setup["error"]["chain"][0] == {"type": "RuntimeError", "message": "setup boom"}
    assert setup["error"]["frames"][-1]["function"] == "broken_setup"

    teardown = res.reports(F + "test_teardown_error")["teardown"]
    assert teardown["outcome"] == "failed" and "teardown boom" in teardown["error"]["chain"][0]["message"]

    skip = res.reports(F + "test_skip")["setup"]
    assert skip["outcome"] == "skipped" and skip["longrepr"] == "Skipped: not today" and "error" not in skip
    assert res.reports(F + "test_xfail")["call"]["wasxfail"] is True

    passed = res.reports(F + "test_pass")["call"]
    assert ["Captured stdout call", "hello from a passing test\n"] in passed["sections"]
    assert res.reports(F + "test_pass")["teardown"]["outcome"] == "passed"  # its sections again
    assert "setup" not in res.reports(F + "test_pass")
    assert res.reports(F + "test_xpass")["call"]["wasxfail"] is True


def test_a_quiet_passing_test_is_started_and_finished_only(project):
    res = project({"test_q.py": "import time\n\ndef test_q():\n    time.sleep(0.02)\n"}).run("-q")
    mine = [m for m in res.messages if m.get("nodeid") == "test_q.py::test_q" and m["type"] != "collected"]
    assert [m["type"] for m in mine] == ["started", "finished"]
    assert mine[1]["outcome"] == "passed" and mine[1]["duration"] >= 0.02  # the phases' durations summed


def test_collected_tree(project):
    res = project(OUTCOMES).run("--collect-only", "-q")
    nodes = {m["nodeid"]: m for m in res.of("collected")}
    assert nodes["test_outcomes.py"]["kind"] == "file"
    assert nodes["test_outcomes.py"]["file"].endswith("/test_outcomes.py")
    cls = nodes[F + "TestGroup"]
    assert cls["kind"] == "class" and cls["parent"] == "test_outcomes.py" and cls["range"]["line"] == 29
    group = nodes[F + "TestGroup::test_case"]
    assert group["kind"] == "function" and group["parent"] == F + "TestGroup"
    case = nodes[F + "TestGroup::test_case[2]"]
    assert case["kind"] == "case" and case["parent"] == F + "TestGroup::test_case" and case["name"] == "test_case[2]"
    assert case["range"] == {"line": 30, "endLine": 32}
    fn = nodes[F + "test_fail"]
    assert fn["kind"] == "function" and fn["range"] == {"line": 5, "endLine": 6} and fn["parent"] == "test_outcomes.py"
    assert nodes[F + "test_skip"]["markers"] == ["skip"]
    assert res.of("collection_finished")[0]["count"] == 11
    assert not res.of("started")
    # parents always come before their children
    order = [m["nodeid"] for m in res.of("collected")]
    assert all(order.index(m["parent"]) < order.index(m["nodeid"]) for m in res.of("collected") if "parent" in m)


def test_class_ranges_match_inspect_from_one_parse_per_file(tmp_path, monkeypatch):
    from conftest import count_parses, load_module
    from orm_test_doctor import tree

    mod = load_module(
        tmp_path / "test_ranges.py",
        "import pytest\n\n\n"
        "@pytest.mark.usefixtures(\"tmp_path\")\n\nclass TestDecorated:\n    def test_a(self):\n        pass\n        # a trailing comment in the block\n\n"
        "class TestOuter:\n    class TestInner:\n        def test_b(self):\n            pass\n    x = 1\n# at column 0: not the block's\n\n"
        "if True:\n    class TestGuarded:\n        pass\n\n"
        "def make():\n    class TestLocal:\n        pass\n    return TestLocal\n",
        monkeypatch,
    )
    classes = [mod.TestDecorated, mod.TestOuter, mod.TestOuter.TestInner, mod.TestGuarded, mod.make()]
    by_inspect = [tree._source_range(c) for c in classes]  # no _DefEnds: inspect alone
    assert by_inspect == [{"line": 3, "endLine": 8}, {"line": 10, "endLine": 14}, {"line": 11, "endLine": 13}, {"line": 18, "endLine": 19}, {"line": 22, "endLine": 23}]
    parses = count_parses(monkeypatch)
    ends = tree._DefEnds()
    assert [tree._source_range(c, None, ends) for c in classes] == by_inspect
    assert len(parses) == 1  # inspect parses the module again for every class


def test_class_ranges_follow_a_file_that_changed(tmp_path, monkeypatch):
    """In one process (pytest.main called twice, a long-lived runner), an edited file is read again
    once linecache notices, as inspect makes it do: its ranges are not the old ones."""
    import linecache
    import os

    from conftest import count_parses, load_module
    from orm_test_doctor import tree

    path = tmp_path / "test_edited.py"
    mod = load_module(path, "class TestA:\n    pass\n", monkeypatch)
    parses = count_parses(monkeypatch)
    assert tree.class_range(mod.TestA) == (0, 1)
    path.write_text("import os\n\n\nclass TestA:\n    x = 1\n    y = 2\n")
    os.utime(path, (1, 1))  # a new mtime even within the clock's resolution
    linecache.checkcache(str(path))
    assert tree.class_range(mod.TestA) == (3, 5)
    assert tree.class_range(mod.TestA) == (3, 5) and len(parses) == 2


@pytest.mark.parametrize("args", [[], ["-n", "2"]], ids=["plain", "xdist"])
def test_collection_error(project, args):
    res = project({"test_ok.py": "def test_ok():\n    pass\n", "test_broken.py": "def test_x(:\n    pass\n"}).run(*args)
    errors = res.of("collect_error")
    assert len(errors) == 1 and errors[0]["nodeid"] == "test_broken.py"
    assert errors[0]["file"].endswith("/test_broken.py")
    assert "SyntaxError" in errors[0]["longrepr"] and errors[0]["message"].startswith("SyntaxError")
    # plain pytest stops with "interrupted" (2); xdist runs the rest and ends with 1
    assert res.returncode == (1 if args else 2) == res.of("session_finished")[0]["exitstatus"]


def _essence(res):
    keep = []
    for m in res.messages:
        if m["type"] in ("collected", "started", "finished", "collect_error", "collection_finished"):
            keep.append((m["type"], m.get("nodeid"), m.get("outcome"), m.get("kind"), str(m.get("range"))))
        elif m["type"] == "report" and (m["outcome"] != "passed" or m.get("wasxfail")):
            # a passing phase is reported only for what it shows (captured output: not with -s)
            keep.append((m["type"], m["nodeid"], m["when"], m["outcome"], bool(m.get("error"))))
    return keep


def test_output_options_change_nothing(project):
    proj = project(OUTCOMES)
    base = proj.run()
    for args in (["-q"], ["-v"], ["-s"], ["-rA", "--tb=line"]):
        other = proj.run(*args)
        assert _essence(other) == _essence(base), args
    assert "hello from a passing test" in proj.run("-s").stdout


def test_pytest_output_is_unchanged_by_plugin(project):
    proj = project({"test_a.py": "def test_a():\n    print('x')\n"})
    res = proj.run("-q")
    assert "orm_test_doctor" not in res.stdout + res.stderr
    assert res.stdout.strip().startswith(".")


HUGE = {
    "test_huge.py": """
        import sqlite3

        def test_prints_a_lot_then_fails():
            print("x" * 20_000_000)
            conn = sqlite3.connect(":memory:")
            conn.execute("CREATE TABLE users (email TEXT UNIQUE)")
            conn.execute("INSERT INTO users VALUES ('a@x')")
            conn.execute("INSERT INTO users VALUES ('a@x')")
    """,
}


def test_huge_output_is_clipped_and_the_error_still_arrives(project):
    res = project(HUGE).run("-rA")
    report = [m for m in res.of("report") if m["when"] == "call"][0]
    assert report["outcome"] == "failed"
    assert report["error"]["chain"][0]["type"].endswith("IntegrityError")
    assert "UNIQUE constraint failed: users.email" in report["error"]["chain"][0]["message"]
    out = dict(report["sections"])["Captured stdout call"]
    assert "[orm_test_doctor: " in out and " characters cut]" in out and len(out) < 300_000
    assert len(report["longrepr"]) < 300_000 and "IntegrityError" in report["longrepr"]
