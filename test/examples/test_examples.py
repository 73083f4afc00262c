"""Run every example project under test/fixtures/projects for real and check
that it behaves exactly as its expected.json (and README.md table) claims.

Run from the repository root with the stack you want to check, e.g.

    /usr/bin/python3 -m pytest test/examples -q
    PYTHONPATH=.cache/py-modern/usr/lib/python3/dist-packages \
        /usr/bin/python3 -m pytest test/examples -q

Each project is copied to a temp dir and run twice in that same folder
(run 1, run 2), so file databases written by run 1 are seen by run 2.
The subprocess uses sys.executable and the inherited environment, i.e. the
same Python stack as this test run.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sqlalchemy

PROJECTS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
PROJECTS = sorted(p.name for p in PROJECTS_DIR.iterdir() if (p / "expected.json").is_file())

OUTCOME_WORDS = {"passes": "passed", "fails": "failed", "error": "error", "skipped": "skipped"}


def stack_key():
    """'1.4' or '2.0': the key used for per-stack expectations."""
    major = sqlalchemy.__version__.split(".")[0]
    return {"1": "1.4", "2": "2.0"}.get(major, sqlalchemy.__version__)


def background_code():
    """SQLAlchemy's error links use /e/14/ on 1.4 and /e/20/ on 2.0."""
    return stack_key().replace(".", "")


def load_expected(project):
    with open(PROJECTS_DIR / project / "expected.json", encoding="utf-8") as f:
        return json.load(f)


def expectations_for_stack(expected, stack):
    """{nodeid: {"run1": .., "run2": .., "error": [...]}} for one stack."""
    result = {}
    for nodeid, spec in expected["tests"].items():
        merged = {k: v for k, v in spec.items() if k != "stacks"}
        merged.update(spec.get("stacks", {}).get(stack, {}))
        merged.setdefault("error", [])
        result[nodeid] = merged
    return result


def copy_project(project, dest):
    shutil.copytree(
        PROJECTS_DIR / project,
        dest,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "*.db", "*.db-journal"),
    )
    return dest


def run_pytest(project_dir, junit_path, extra_args=()):
    env = dict(os.environ)
    # Options meant for the outer pytest must not leak into the example run.
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cmd = [sys.executable, "-m", "pytest", "-q", "-rA", "--junitxml", str(junit_path), *extra_args]
    return subprocess.run(
        cmd, cwd=str(project_dir), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, timeout=300,
    )


def parse_junit(path):
    """{nodeid: {"outcome": .., "text": ..}} from a junit XML file.

    xunit2 (pytest's default) writes classname="tests.test_x" and name="test_y";
    these projects keep tests in modules (no classes), so the node id is
    "tests/test_x.py::test_y".
    """
    results = {}
    for case in ET.parse(str(path)).getroot().iter("testcase"):
        nodeid = case.get("classname").replace(".", "/") + ".py::" + case.get("name")
        kinds = [child.tag for child in case]
        if "failure" in kinds:
            outcome = "failed"
        elif "error" in kinds:
            outcome = "error"
        elif "skipped" in kinds:
            outcome = "skipped"
        else:
            outcome = "passed"
        text = "\n".join(
            (child.get("message") or "") + "\n" + (child.text or "")
            for child in case if child.tag in ("failure", "error")
        )
        assert nodeid not in results, "duplicate test case %s (teardown error?)" % nodeid
        results[nodeid] = {"outcome": outcome, "kinds": kinds, "text": text}
    return results


def check_run(run, results, expectations):
    """List of mismatches between one run's junit results and expectations."""
    problems = []
    if set(results) != set(expectations):
        problems.append(
            "tests differ: missing %s, unexpected %s"
            % (sorted(set(expectations) - set(results)), sorted(set(results) - set(expectations)))
        )
    for nodeid, exp in expectations.items():
        if nodeid not in results:
            continue
        got = results[nodeid]
        want = exp[run]
        if got["outcome"] != want:
            problems.append("%s: %s expected %s, got %s\n%s" % (nodeid, run, want, got["outcome"], got["text"][:1500]))
            continue
        if want in ("failed", "error"):
            for needle in exp["error"]:
                if needle not in got["text"]:
                    problems.append("%s: %s failure text lacks %r:\n%s" % (nodeid, run, needle, got["text"][:1500]))
            for code in re.findall(r"sqlalche\.me/e/(\w+)/", got["text"]):
                if code != background_code():
                    problems.append("%s: error link /e/%s/ but stack is %s" % (nodeid, code, stack_key()))
        elif got["text"].strip():
            problems.append("%s: passed but has failure/error text:\n%s" % (nodeid, got["text"][:1500]))
    return problems


def run_and_check(project, workdir, junit_dir, expectations, extra_args=(), label=""):
    """Run the project twice in `workdir`; fail listing every mismatch of both runs."""
    report = []
    for run in ("run1", "run2"):
        junit = junit_dir / ("%s%s.xml" % (label, run))
        proc = run_pytest(workdir, junit, extra_args)
        if not junit.exists():
            return proc, "pytest did not write junit XML (rc=%s):\n%s" % (proc.returncode, proc.stdout)
        problems = check_run(run, parse_junit(junit), expectations)
        any_failing = any(e[run] in ("failed", "error") for e in expectations.values())
        if proc.returncode != (1 if any_failing else 0):
            problems.append("pytest exit code %s" % proc.returncode)
        if problems:
            report.append("%s:\n- %s\n--- pytest output (%s) ---\n%s" % (
                run, "\n- ".join(problems), run, proc.stdout[-4000:]))
    if report:
        pytest.fail(
            "%s%s on SQLAlchemy %s does not match expected.json:\n%s"
            % (project, label and " (%s)" % label.strip("-"), sqlalchemy.__version__, "\n\n".join(report)),
            pytrace=False,
        )
    return proc, None


def missing_requirement(expected):
    """Why a project that needs a database server cannot run here, or None.

    `"requires": {"env": NAME, "urlPrefix": "postgresql"}` in expected.json: the
    project reads its URL from $NAME and skips every test without it.
    """
    req = expected.get("requires")
    if not req:
        return None
    url = os.environ.get(req["env"], "")
    if not url.startswith(req["urlPrefix"]):
        return "needs %s set to a %s database URL (see the project README)" % (req["env"], req["urlPrefix"])
    return None


@pytest.mark.parametrize("project", PROJECTS)
def test_project_outcomes_match_expected(project, tmp_path):
    expected = load_expected(project)
    reason = missing_requirement(expected)
    if reason:
        pytest.skip(reason)
    expectations = expectations_for_stack(expected, stack_key())
    workdir = copy_project(project, tmp_path / project)
    _, missing_xml = run_and_check(project, workdir, tmp_path, expectations)
    assert missing_xml is None, missing_xml


def parse_readme_table(project):
    """Rows of the README outcome table: {(nodeid, stack): (run1, run2, [needles])}."""
    rows = {}
    text = (PROJECTS_DIR / project / "README.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not re.fullmatch(r"`[^`]+::[^`]+`", cells[0]):
            continue
        nodeid = cells[0].strip("`")
        run1, run2 = (OUTCOME_WORDS[c.split()[0].lower()] for c in cells[2:4])
        rows[(nodeid, cells[1])] = (run1, run2, re.findall(r"`([^`]+)`", cells[4]))
    return rows


@pytest.mark.parametrize("project", PROJECTS)
@pytest.mark.parametrize("stack", ["1.4", "2.0"])
def test_readme_table_agrees_with_expected_json(project, stack):
    """README.md's table ("both" rows, or per-stack rows) states the same
    outcomes and error texts as expected.json, for both stacks."""
    rows = parse_readme_table(project)
    assert rows, "%s/README.md has no outcome table" % project
    for nodeid, exp in expectations_for_stack(load_expected(project), stack).items():
        row = rows.get((nodeid, stack)) or rows.get((nodeid, "both"))
        assert row is not None, "%s/README.md: no row for %s (stack %s or both)" % (project, nodeid, stack)
        assert row[:2] == (exp["run1"], exp["run2"]), "%s/README.md row %s disagrees: %s vs %s" % (
            project, nodeid, row[:2], (exp["run1"], exp["run2"]))
        assert sorted(row[2]) == sorted(exp["error"]), "%s/README.md row %s errors %s vs %s" % (
            project, nodeid, row[2], exp["error"])
    known = set(load_expected(project)["tests"])
    assert {n for n, _ in rows} <= known, "README rows for tests not in expected.json"


def xdist_usable():
    try:
        import xdist  # noqa: F401
    except Exception as exc:  # pragma: no cover - depends on stack
        return "pytest-xdist does not import on this stack: %r" % (exc,)
    return None


def test_clean_project_under_xdist(tmp_path):
    """The clean project also passes on both runs when spread over 2 workers."""
    reason = xdist_usable()
    if reason:
        pytest.skip(reason)
    expectations = expectations_for_stack(load_expected("clean"), stack_key())
    workdir = copy_project("clean", tmp_path / "clean")
    probe = run_pytest(workdir, tmp_path / "probe.xml", ["-p", "xdist", "--help"])
    if probe.returncode != 0 or "--numprocesses" not in probe.stdout:
        # e.g. rc 4 (usage error: -n unknown) or 3 (internal error): the plugin
        # does not load with this pytest (an old xdist on a newer pytest).
        pytest.skip("pytest-xdist cannot run on this stack (rc=%s):\n%s" % (probe.returncode, probe.stdout[-2000:]))
    proc, missing_xml = run_and_check("clean", workdir, tmp_path, expectations, ["-p", "xdist", "-n", "2"], "xdist-")
    assert missing_xml is None, missing_xml
    assert "bringing up nodes" in proc.stdout, "tests did not run distributed:\n" + proc.stdout
