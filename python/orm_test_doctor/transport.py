"""Newline-delimited JSON over a Unix socket or TCP. Never raises into pytest.

Messages are buffered and written in batches (one syscall per batch, not per message). The
plugin decides which messages go out at once (`send(..., flush=True)`); the rest wait until the
buffer is FLUSH_SECONDS old or MAX_PENDING long (checked on the next send), or until `flush()` /
`close()`. Buffered lines are also copied to the spill (spill.py) when the runner gave one, so a
crash loses none of them. No background thread: a thread in the user's pytest process could
change their run (fork() warnings, -W error)."""

import json
import os
import socket
import sys
import time

from . import PROTOCOL_VERSION
from .spill import open_spill

FLUSH_SECONDS = 0.1
MAX_PENDING = 256

_encode = encode = json.JSONEncoder(default=repr, ensure_ascii=False).encode
# a str as a JSON string literal, as _encode writes it (non-ASCII kept): for lines made by hand
json_str = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_forks = [0]  # fork()s into this process: a channel made before one belongs to the parent
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))


def _address(spec):
    """"tcp:host:port" or "host:port" -> (AF_INET, (host, port)); anything else is a Unix path."""
    rest = spec[4:] if spec.startswith("tcp:") else spec
    host, sep, port = rest.rpartition(":")
    if spec.startswith("tcp:") or (sep and "/" not in rest and "\\" not in rest and port.isdigit()):
        return socket.AF_INET, (host or "127.0.0.1", int(port))
    return socket.AF_UNIX, spec


class Channel:
    def __init__(self, spec, spill_path=None):
        self._spec = spec
        self._sock = None
        self._broken = False
        self._pending = []  # encoded lines
        self._since = 0.0  # monotonic time of the oldest pending message
        self._pid = os.getpid()
        self._fork = _forks[0]
        self._sent = 0  # lines written to the socket so far
        self._spill = open_spill(spill_path)

    @property
    def spills(self):
        """Whether buffered lines survive a crash (then `started` need not go out at once)."""
        return self._spill is not None

    def send(self, msg_type, flush=False, **fields):
        if self._broken or self._fork != _forks[0]:
            return
        msg = {"v": PROTOCOL_VERSION, "type": msg_type}
        msg.update(fields)
        try:
            line = _encode(msg) + "\n"
        except Exception as exc:  # the user's run matters more than our report
            return self._fail(exc)
        self.send_line(line, flush)

    def send_line(self, line, flush=False):
        """A message already encoded: one JSON object and its "\\n"."""
        if self._broken or self._fork != _forks[0]:
            return
        line = line.encode("utf-8", "replace")
        spill = self._spill
        if spill is not None and not spill.append(line):
            self.flush()  # room for it
            if not spill.append(line):
                flush = True  # bigger than the spill: out at once
        pending = self._pending
        pending.append(line)
        if len(pending) == 1:
            self._since = time.monotonic()
            if flush:
                self.flush()
        elif flush or len(pending) >= MAX_PENDING or time.monotonic() - self._since >= FLUSH_SECONDS:
            self.flush()

    def send_lines(self, lines, chunk=512):
        """Many encoded lines that go out now (the collected tree): written in chunks straight to
        the socket, with what was pending before them, not copied to the spill."""
        batch = []
        for line in lines:
            batch.append(line)
            if len(batch) >= chunk:
                self._send_now(batch)
                batch = []
        self._send_now(batch)

    def _send_now(self, lines):
        if self._broken or self._fork != _forks[0]:
            return
        self.flush()
        if not lines or self._broken:
            return
        self._pending = [line.encode("utf-8", "replace") for line in lines]
        self.flush()

    def flush(self):
        if not self._pending or self._broken:
            return
        lines = self._pending
        self._pending = []
        if os.getpid() != self._pid:
            return  # a fork of the reporting process: what it inherited is the parent's to send
        try:
            if self._sock is None:
                self._sock = self._connect()
            self._sock.sendall(b"".join(lines))
        except Exception as exc:
            return self._fail(exc)  # the spill keeps them for the runner
        self._sent += len(lines)
        if self._spill is not None:
            self._spill.reset(self._sent)

    def _connect(self):
        family, addr = _address(self._spec)
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(addr)
        return sock

    def _fail(self, exc):
        self._broken = True
        self._pending = []
        self._close_socket()
        sys.stderr.write(
            "orm_test_doctor: cannot report to %s (%s: %s); tests run on, results go to the terminal only\n"
            % (self._spec, type(exc).__name__, exc)
        )
        sys.stderr.flush()

    def close(self):
        self.flush()
        self._close_socket()
        spill, self._spill = self._spill, None
        if spill is not None:
            spill.close()

    def _close_socket(self):
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
