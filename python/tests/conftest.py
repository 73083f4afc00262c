"""Helpers: run a real pytest subprocess with our plugin against a real socket server."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

PLUGIN_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PLUGIN_DIR))  # unit tests import orm_test_doctor's helpers directly

from orm_test_doctor import SOCKET_ENV  # noqa: E402  (needs the path above)


def load_module(path, text, monkeypatch):
    """Write `text` to `path` and import it as a module named after the file, registered in
    sys.modules (where inspect looks for a class's file) for the test's duration."""
    import importlib.util

    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, path.stem, mod)
    spec.loader.exec_module(mod)
    return mod


def count_parses(monkeypatch):
    """A list that gets one entry per ast.parse call from now on; the class-range cache is
    emptied so that the first lookup of a file parses it again."""
    import ast

    from orm_test_doctor import tree

    parses = []
    real_parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda *a, **k: parses.append(1) or real_parse(*a, **k))
    monkeypatch.setattr(tree, "_CLASSES", {})
    return parses


class Server:
    """Accepts any number of connections and collects the JSON lines they send."""

    def __init__(self, tcp=False):
        self.lines = []
        self.connections = 0
        self._dir = tempfile.mkdtemp(prefix="otd-py-")
        if tcp:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
            self.address = "tcp:127.0.0.1:%d" % self.sock.getsockname()[1]
        else:
            self.address = os.path.join(self._dir, "s.sock")
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(self.address)
        self.sock.listen(8)
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self._read, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _read(self, conn):
        buf = b""
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
        self.lines.extend(buf.decode("utf-8").splitlines())

    def close(self):
        self.sock.close()
        for t in self._threads[1:]:
            t.join(5)
        shutil.rmtree(self._dir, ignore_errors=True)


class Result:
    def __init__(self, proc, lines):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.messages = [json.loads(line) for line in lines]

    def of(self, msg_type):
        return [m for m in self.messages if m["type"] == msg_type]

    def finished(self):
        return {m["nodeid"]: m["outcome"] for m in self.of("finished")}

    def reports(self, nodeid):
        return {m["when"]: m for m in self.of("report") if m["nodeid"] == nodeid}


def subprocess_env(socket_address=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ORM_TEST_DOCTOR"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PLUGIN_DIR), os.environ.get("PYTHONPATH")) if p)
    if socket_address is not None:
        env[SOCKET_ENV] = socket_address
    return env


@pytest.fixture
def project(tmp_path):
    """project(files) writes a tiny pytest project; returns a runner for it."""

    def make(files):
        (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
        for name, text in files.items():
            (tmp_path / name).write_text(textwrap.dedent(text).lstrip())
        return Project(tmp_path)

    return make


class Project:
    def __init__(self, path):
        self.path = path

    def run(self, *args, socket_address="server", tcp=False, timeout=120, env=None):
        server = Server(tcp=tcp) if socket_address == "server" else None
        address = server.address if server else socket_address
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "-p", "orm_test_doctor.plugin", *args],
                cwd=str(self.path),
                env=dict(subprocess_env(address), **(env or {})),
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        finally:
            if server:
                server.close()
        result = Result(proc, server.lines if server else [])
        result.connections = server.connections if server else 0
        return result


def xdist_usable():
    """xdist under the modern stack comes from Debian 12 (3.1): check it really runs."""
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False, "pytest-xdist is not installed"
    return True, ""
