"""Newline-delimited JSON over a Unix socket or TCP. Never raises into pytest.

Messages are buffered and written in batches (one syscall per batch, not per message). The
plugin decides which messages go out at once (`send(..., flush=True)`); the rest wait until the
buffer is FLUSH_SECONDS old or MAX_PENDING long (checked on the next send), or until `flush()` /
`close()`. No background thread: a thread in the user's pytest process could change their run
(fork() warnings, -W error)."""

import json
import os
import socket
import sys
import time

from . import PROTOCOL_VERSION

FLUSH_SECONDS = 0.1
MAX_PENDING = 256

_encode = json.JSONEncoder(default=repr, ensure_ascii=False).encode


def _address(spec):
    """"tcp:host:port" or "host:port" -> (AF_INET, (host, port)); anything else is a Unix path."""
    rest = spec[4:] if spec.startswith("tcp:") else spec
    host, sep, port = rest.rpartition(":")
    if spec.startswith("tcp:") or (sep and "/" not in rest and "\\" not in rest and port.isdigit()):
        return socket.AF_INET, (host or "127.0.0.1", int(port))
    return socket.AF_UNIX, spec


class Channel:
    def __init__(self, spec):
        self._spec = spec
        self._sock = None
        self._broken = False
        self._pending = []
        self._since = 0.0  # monotonic time of the oldest pending message
        self._pid = os.getpid()

    def send(self, msg_type, flush=False, **fields):
        if self._broken:
            return
        msg = {"v": PROTOCOL_VERSION, "type": msg_type}
        msg.update(fields)
        try:
            line = _encode(msg) + "\n"
        except Exception as exc:  # the user's run matters more than our report
            return self._fail(exc)
        pending = self._pending
        pending.append(line)
        if len(pending) == 1:
            self._since = time.monotonic()
            if flush:
                self.flush()
        elif flush or len(pending) >= MAX_PENDING or time.monotonic() - self._since >= FLUSH_SECONDS:
            self.flush()

    def flush(self):
        if not self._pending or self._broken:
            return
        data = "".join(self._pending).encode("utf-8", "replace")
        self._pending = []
        if os.getpid() != self._pid:
            return  # a fork of the reporting process: what it inherited is the parent's to send
        try:
            if self._sock is None:
                self._sock = self._connect()
            self._sock.sendall(data)
        except Exception as exc:
            self._fail(exc)

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

    def _close_socket(self):
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
