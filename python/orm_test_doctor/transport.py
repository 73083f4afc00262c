"""Newline-delimited JSON over a Unix socket or TCP. Never raises into pytest."""

import json
import socket
import sys

from . import PROTOCOL_VERSION


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

    def send(self, msg_type, **fields):
        if self._broken:
            return
        msg = {"v": PROTOCOL_VERSION, "type": msg_type}
        msg.update(fields)
        try:
            data = (json.dumps(msg, default=repr, ensure_ascii=False) + "\n").encode("utf-8", "replace")
            if self._sock is None:
                self._sock = self._connect()
            self._sock.sendall(data)
        except Exception as exc:  # the user's run matters more than our report
            self._fail(exc)

    def _connect(self):
        family, addr = _address(self._spec)
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(addr)
        return sock

    def _fail(self, exc):
        self._broken = True
        self.close()
        sys.stderr.write(
            "orm_test_doctor: cannot report to %s (%s: %s); tests run on, results go to the terminal only\n"
            % (self._spec, type(exc).__name__, exc)
        )
        sys.stderr.flush()

    def close(self):
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
