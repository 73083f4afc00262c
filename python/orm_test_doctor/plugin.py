"""pytest hooks. Reports go out only from the process that owns the terminal: a plain pytest
process or the pytest-xdist controller. xdist workers only attach error data to their reports
(`report.orm_test_doctor`), which xdist carries to the controller with the report.

Messages are written in batches (see transport.py). Sent at once, with everything before them:
hello, collect_error, collection_finished, a failed report, a failed/errored finished, every
finished under xdist (another worker may keep the controller silent for long), session_finished;
and whatever is pending when the test loop ends. Anything else waits at most until the next of
those, or ~100 ms / 256 messages. Waiting lines are in the spill (spill.py), which the runner
reads after a hard crash (SIGKILL, segfault, os._exit) or while pytest is quiet, so none is lost
and a running test is seen running. Without a spill `started` goes out at once too (a crash
then loses at most the skipped phase reports of the test that was running)."""

import os
import re
import sys

import pytest

from . import PROTOCOL_VERSION, SOCKET_ENV, SPILL_ENV, tracing
from .transport import Channel, encode as _encode, json_str as _json_str
from .tree import collected_messages, run_lines, tree_from_ids

ATTR = "orm_test_doctor"
PROV_ATTR = "orm_test_doctor_provenance"

_channel = None  # set in pytest_configure of the reporting process
_state = {}  # nodeid -> [{when: outcome}, duration, worker], until its `finished`
_finished = set()
_xdist_collected = [False]
_root = [None]
_abs_cache = {}
_enabled_flag = [None]
_urgent_finish = [False]  # every `finished` goes out at once (xdist controller)


def _enabled():
    flag = _enabled_flag[0]
    if flag is None:
        flag = _enabled_flag[0] = bool(os.environ.get(SOCKET_ENV))
    return flag


def _is_worker(config):
    return hasattr(config, "workerinput")


def _send(msg_type, flush=False, **fields):
    if _channel is not None:
        _channel.send(msg_type, flush, **fields)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    global _channel
    _enabled_flag[0] = None
    if _enabled():
        tracing.configure(config)
    if _enabled() and not _is_worker(config):
        _channel = Channel(os.environ[SOCKET_ENV], os.environ.get(SPILL_ENV))
        _state.clear()
        _finished.clear()
        _abs_cache.clear()
        _xdist_collected[0] = False
        _urgent_finish[0] = _xdist_workers(config) is not None
        _root[0] = str(getattr(config, "rootpath", None) or config.rootdir)


def pytest_unconfigure(config):
    global _channel
    tracing.unconfigure(config)
    if _channel is not None and not _is_worker(config):
        _channel.close()
        _channel = None


def _xdist_workers(config):
    if getattr(config.option, "dist", "no") == "no":
        return None
    tx = getattr(config.option, "tx", None) or []
    return len(tx) or None


def pytest_sessionstart(session):
    tracing.sessionstart(session)
    if _channel is None:
        return
    config = session.config
    plugins = []
    try:
        for _, dist in config.pluginmanager.list_plugin_distinfo():
            name = "%s-%s" % (dist.project_name if hasattr(dist, "project_name") else dist.metadata["name"], dist.version)
            if name not in plugins:
                plugins.append(name)
    except Exception:
        pass
    fields = {
        "pid": os.getpid(),
        "python": sys.version.split()[0],
        "pytest": pytest.__version__,
        "rootdir": _root[0],
        "args": [str(a) for a in config.invocation_params.args],
        "plugins": plugins,
    }
    workers = _xdist_workers(config)
    if workers:
        fields["xdistWorkers"] = workers
    _send("hello", True, **fields)


# --- collection --------------------------------------------------------------------------------


def pytest_collectreport(report):
    # under xdist every worker reports the same collection error: send it once
    if _channel is None or not report.failed or report.nodeid in _finished:
        return
    _finished.add(report.nodeid)
    text = _longrepr_text(report.longrepr)
    fields = {"nodeid": report.nodeid, "message": _short_message(text), "longrepr": text}
    path = report.nodeid.split("::")[0]
    if path:
        fields["file"] = _abs(path)
    _send("collect_error", True, **fields)


def pytest_collection_finish(session):
    if _channel is None:
        return
    # full source ranges for discovery only: a run does not use them (see collected_messages)
    if session.config.option.collectonly:
        for msg in collected_messages(session.items, ranges=True):
            _send("collected", **msg)
    else:
        _channel.send_lines(run_lines(session.items, _encode, _json_str, PROTOCOL_VERSION))
    _send("collection_finished", True, count=len(session.items))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    # The xdist controller does not collect, so it has node ids only (no ranges): the first
    # worker's ids stand for the tree (xdist checks that all workers collected the same).
    if _channel is None or _xdist_collected[0]:
        return
    _xdist_collected[0] = True
    seen = set()
    for msg in tree_from_ids(ids):
        if msg["nodeid"] not in seen:
            seen.add(msg["nodeid"])
            msg["file"] = _abs(msg["file"])
            _send("collected", **msg)
    _send("collection_finished", True, count=len(ids))


# --- running -----------------------------------------------------------------------------------


_raised = {}  # (nodeid, when) -> excinfo of a phase that raised, until its report is annotated


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item, call):
    # A plain hook, not a wrapper around the report's making (a wrapper costs about three plain
    # hook calls, paid for every phase of every test, #9): it keeps the exception for _annotate.
    if call.when == "setup" and _raised:
        _raised.clear()  # reports that were never logged nor serialized
    excinfo = call.excinfo
    if excinfo is not None and _enabled() and not excinfo.errisinstance(pytest.skip.Exception):
        _raised[(item.nodeid, call.when)] = excinfo


def _annotate(report):
    """Our data on a report, attached before it travels (xdist worker, pytest-forked child) and
    before we send it: the error data of its exception, and at teardown the test's provenance."""
    if report.when == "teardown":
        summary = tracing.take_summary(report.nodeid)  # the tracer's hooks (tracing.py) made it
        if summary:
            setattr(report, PROV_ATTR, summary)
    excinfo = _raised.pop((report.nodeid, report.when), None) if _raised else None
    if excinfo is None:
        return
    try:
        from .errors import error_data  # on the first failure: a passing run never needs it

        setattr(report, ATTR, error_data(excinfo.value))
    except Exception as exc:  # never break the run for our extra data
        setattr(report, ATTR, {"chain": [{"type": "orm_test_doctor.InternalError", "message": repr(exc)}], "frames": []})


@pytest.hookimpl(tryfirst=True)
def pytest_report_to_serializable(config, report):
    # a report made where it is not logged (pytest-forked's child runs with log=False)
    if getattr(report, "when", None) in _PHASES:
        _annotate(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    yield
    if _channel is not None:
        _channel.flush()  # the last results, before other plugins' session-end work


def pytest_runtest_logstart(nodeid, location):
    if tracing.waiting[0] and "sqlalchemy" in sys.modules:
        tracing.start()  # imported where tracing.py's finder could not see it
    # at once, so that a crash names the running test, unless the spill keeps it for the runner
    if _channel is not None:
        _channel.send_line(_STARTED % _json_str(nodeid), not _channel.spills)


_STARTED = '{"v": %d, "type": "started", "nodeid": %%s}\n' % PROTOCOL_VERSION


_PHASES = frozenset(("setup", "call", "teardown"))


@pytest.hookimpl(tryfirst=True)  # annotated before xdist's worker sends it on
def pytest_runtest_logreport(report):
    when = report.when
    if _raised or when == "teardown":
        _annotate(report)
    if _channel is None:
        return
    nodeid = report.nodeid
    outcome = report.outcome
    duration = getattr(report, "duration", 0) or 0
    node = getattr(report, "node", None)  # xdist: the worker it came from
    worker = _worker(node) if node is not None else None
    if when not in _PHASES:
        when = "call"  # an xdist worker crash: "???"
    # A phase that passed with nothing to show is not sent: `finished` has its outcome and
    # duration. That is 3 of the 5 messages of a passing test.
    data = getattr(report, ATTR, None)
    if outcome != "passed" or report.longrepr or report.sections or data is not None or hasattr(report, "wasxfail"):
        _send_report(report, when, float(duration), data, worker)
    prov = getattr(report, PROV_ATTR, None)
    if prov is not None and isinstance(prov, dict) and prov:
        _send("provenance", nodeid=nodeid, **(dict(prov, worker=worker) if worker else prov))
        # sent: pytest keeps every report until the run ends (the terminal's stats), and the
        # provenance of 5,000 tests is 70 K more objects for each full garbage collection to walk
        delattr(report, PROV_ATTR)

    state = _state.get(nodeid)
    if state is None:
        _state[nodeid] = [{when: outcome}, duration, worker]
    else:
        state[0][when] = outcome
        state[1] += duration
        state[2] = worker or state[2]
    if when == "teardown" or report.when not in _PHASES:
        _finish(nodeid)


def _send_report(report, when, duration, data, worker):
    fields = {"nodeid": report.nodeid, "when": when, "outcome": report.outcome, "duration": duration}
    text = _clip(_longrepr_text(report.longrepr))
    if text:
        fields["longrepr"] = text
    location = _location(report.location)
    if location:
        fields["location"] = location
    sections = [[str(t), _clip(str(c))] for t, c in getattr(report, "sections", []) or []]
    if sections:
        fields["sections"] = sections
    if isinstance(data, dict):
        fields["error"] = data
    if hasattr(report, "wasxfail"):
        fields["wasxfail"] = True
    if worker:
        fields["worker"] = worker
    _send("report", report.outcome == "failed", **fields)


_FINISHED = '{"v": %d, "type": "finished", "nodeid": %%s, "outcome": "%%s", "duration": %%r%%s}\n' % PROTOCOL_VERSION


def _finish(nodeid):
    if _channel is None or nodeid in _finished or nodeid not in _state:
        return
    _finished.add(nodeid)
    phases, duration, worker = _state.pop(nodeid)
    outcome = aggregate(phases)
    duration = float(duration)
    # the one message of every test: formatted, not built and encoded as a dict
    line = _FINISHED % (_json_str(nodeid), outcome, duration, ', "worker": %s' % _json_str(worker) if worker else "")
    _channel.send_line(line, _urgent_finish[0] or outcome in ("failed", "errored"))


def aggregate(phases):
    """One outcome per test. A failing call is "failed" (even with a teardown error too); a
    failing setup or teardown is "errored"; a skip anywhere (incl. xfail: its call is reported
    "skipped" with wasxfail) is "skipped"; an unexpected pass of a non-strict xfail is "passed"."""
    if phases.get("call") == "failed":
        return "failed"
    if phases.get("setup") == "failed" or phases.get("teardown") == "failed":
        return "errored"
    if "skipped" in phases.values():
        return "skipped"
    return "passed"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if _channel is None:
        return
    for nodeid in list(_state):
        _finish(nodeid)  # interrupted tests (-x, KeyboardInterrupt, crashed workers)
    _send("session_finished", True, exitstatus=int(exitstatus))


# --- helpers -----------------------------------------------------------------------------------


def _abs(relpath):
    """nodeids and report locations are relative to pytest's rootdir."""
    path = _abs_cache.get(relpath)
    if path is None:
        root = _root[0] or os.getcwd()
        path = os.path.normpath(os.path.join(root, relpath))
        if _root[0]:
            _abs_cache[relpath] = path
    return path


def _location(location):
    if not location:
        return None
    path, line, domain = (list(location) + [None, None, None])[:3]
    if not path:
        return None
    return {"file": _abs(str(path)), "line": line if isinstance(line, int) else 0, "function": str(domain or "")}


def _worker(node):
    gateway = getattr(node, "gateway", None)
    return str(getattr(gateway, "id", "")) or None


# What one report may carry of a traceback or of captured output: a test that prints 70 MB must
# not turn into a 70 MB message (the reader caps lines), and its error data must still arrive.
MAX_TEXT = 256 * 1024


def _clip(text, limit=MAX_TEXT):
    """The head and the tail (where the error is) of a huge text, saying how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return "%s\n[orm_test_doctor: %d characters cut]\n%s" % (text[:half], len(text) - 2 * half, text[-half:])


def _longrepr_text(longrepr):
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # skip: (path, lineno, reason)
        return str(longrepr[2])
    try:
        return str(longrepr)
    except Exception as exc:
        return "<longrepr unavailable: %r>" % exc


_EXC_LINE = re.compile(r"^E\s+([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)\b.*)$")


def _short_message(text):
    """The exception line of a collection error ("SyntaxError: invalid syntax"), not the first
    "E" line, which for syntax errors is only the `File "...", line N` part."""
    lines = [l for l in text.splitlines() if l.strip()]
    exc = [m.group(1).strip() for m in map(_EXC_LINE.match, lines) if m]
    if exc:
        return exc[-1]
    for line in lines:
        if line.startswith("E "):
            return line[1:].strip()
    return lines[-1].strip() if lines else "collection error"
