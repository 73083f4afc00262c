"""The spill: a shared-memory copy of the messages written but not yet sent (transport.py).

The runner names a file (ORM_TEST_DOCTOR_SPILL); we map it and append every buffered line to it,
which costs a memory copy, not a system call. If pytest dies (SIGKILL, segfault, os._exit) or
hangs, the runner reads there what never reached the socket, so a test's `started` need not be
sent at once to be known. Layout (little-endian u32): [0] generation, odd while the area is being
reset; [4] index of the first line held, counted over every line sent on the socket; [8] bytes
of complete lines that follow the 16-byte header. A line is copied before [8] grows over it."""

import mmap
import os
import struct

try:
    import fcntl
except ImportError:  # Windows: the runner gives no spill there
    fcntl = None

SIZE = 1 << 20  # bigger messages go out at once, unspilled
HEADER = 16
_U32 = struct.Struct("<I")


class Spill:
    def __init__(self, path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # one writer: a nested pytest run that inherited the variable gets no spill
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_size < SIZE:
                os.ftruncate(fd, SIZE)
            self._mm = mmap.mmap(fd, SIZE)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd  # held open: the lock lasts as long as the process
        self._gen = 0
        self._used = 0
        self._mm[0:HEADER] = bytes(HEADER)

    def append(self, data):
        """False when `data` does not fit (send what is held, reset, try again)."""
        start = HEADER + self._used
        end = start + len(data)
        if end > SIZE:
            return False
        self._mm[start:end] = data
        self._used = end - HEADER
        _U32.pack_into(self._mm, 8, self._used)
        return True

    def reset(self, first_index):
        """Everything held was sent; the next line appended will have index `first_index`.
        Bytes first: a reader after a crash in between sees nothing held, never old lines
        under a new index."""
        mm = self._mm
        self._gen += 1
        _U32.pack_into(mm, 0, self._gen)
        _U32.pack_into(mm, 8, 0)
        _U32.pack_into(mm, 4, first_index)
        self._gen += 1
        _U32.pack_into(mm, 0, self._gen)
        self._used = 0

    def close(self):
        try:
            self._mm.close()
            os.close(self._fd)
        except Exception:
            pass


def open_spill(path):
    """A Spill, or None when the file cannot be mapped (the channel then flushes eagerly)."""
    if not path or fcntl is None:
        return None
    try:
        return Spill(path)
    except Exception:
        return None
