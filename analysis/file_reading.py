"""Reading source files from disk without trusting what is at the path.

A path named `x.ex` may be a FIFO (opening it blocks until a writer comes), a device
(`/dev/zero` never ends), or a file far too large to analyse. `read_regular_file` opens without
blocking, looks at what it opened, and reads only a regular file within a size limit; anything
else raises `UnreadableFile` (an OSError, so callers' existing OSError handling applies) with a
message fit for a log line or the CLI's stderr.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class UnreadableFile(OSError):
    """A path that is not a regular file within the size limit; `reason` says why without the path."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


def read_regular_file(path: Path | str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; raises UnreadableFile (or another OSError)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
            raise UnreadableFile(path, f"{kind}, not read")
        if info.st_size > max_bytes:
            raise UnreadableFile(path, f"too large ({info.st_size} bytes > {max_bytes})")
        chunks: list[bytes] = []
        left = max_bytes + 1  # the file may have grown since fstat
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise UnreadableFile(path, f"too large (over {max_bytes} bytes)")
        return data
    finally:
        os.close(fd)
