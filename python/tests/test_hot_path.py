"""What the plugin does per test, done the cheap way (#9), gives what the plain way gives: a run's
`collected` lines (tree.run_lines, formatted by hand) and error data on reports (plugin._annotate)."""

import json

FILES = {
    # the reference, made in the same process from the same items
    "conftest.py": """
        import json
        from orm_test_doctor.tree import collected_messages

        def pytest_collection_finish(session):
            msgs = [dict(m, v=1, type="collected") for m in collected_messages(session.items, ranges=False)]
            with open("reference.json", "w") as f:
                json.dump(msgs, f)
    """,
    "test_shapes.py": '''
        import unittest
        import pytest

        pytestmark = pytest.mark.module_mark

        def test_plain():
            pass

        @pytest.mark.slow
        @pytest.mark.parametrize("x", [1, pytest.param(2, marks=pytest.mark.xfail), "é::[b]"])
        def test_param(x):
            pass

        @pytest.mark.cls_mark
        class TestOuter:
            @pytest.mark.parametrize("y", ["a", "b"], ids=["ü", "a\\\\nb"])
            @pytest.mark.slow
            def test_in_class(self, y):
                pass

            class TestInner:
                def test_deep(self):
                    pass

        class TestUnit(unittest.TestCase):
            def test_u(self):
                pass

        def add(a, b):
            """
            >>> add(1, 2)
            3
            """
            return a + b
    ''',
    "test_other.py": """
        import pytest

        @pytest.mark.parametrize("z", range(3))
        def test_other(z):
            pass
    """,
}


def test_run_lines_match_collected_messages(project):
    proj = project(FILES)
    res = proj.run("--doctest-modules", "-q")
    assert res.returncode == 0, res.stdout + res.stderr
    reference = json.loads((proj.path / "reference.json").read_text())
    assert len(reference) > 15
    assert res.of("collected") == reference
    kinds = {m["kind"] for m in reference}
    assert kinds == {"file", "class", "function", "case"}


# As pytest-forked runs a test: its phases in a child with log=False, each report serialized there
# and logged by the parent, which has none of the child's state (emptied below).
FORKED_CONFTEST = """
    import pytest
    from _pytest.runner import runtestprotocol
    from orm_test_doctor import plugin

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(item, nextitem):
        hook = item.config.hook
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        data = [hook.pytest_report_to_serializable(config=item.config, report=r) for r in runtestprotocol(item, nextitem=nextitem, log=False)]
        plugin._raised.clear()  # the child's exceptions stay in the child
        for d in data:
            item.ihook.pytest_runtest_logreport(report=hook.pytest_report_from_serializable(config=item.config, data=d))
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True
"""


def test_error_data_when_the_report_is_serialized_where_it_is_made(project):
    res = project({"conftest.py": FORKED_CONFTEST, "test_f.py": "def test_f():\n    raise ValueError('boom')\n"}).run("-q")
    call = res.reports("test_f.py::test_f")["call"]
    assert call["outcome"] == "failed"
    assert call["error"]["chain"][0]["type"] == "ValueError"
