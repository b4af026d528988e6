"""Opening a file a user names as input (a rules file, an import): a regular file only, of a sane size.

A FIFO would block the command until someone writes to it, ``/dev/zero`` would be read forever and
a folder cannot be read at all; each is refused in one sentence before a byte is read. The file is
opened without blocking and checked on the open descriptor, so what is checked is what is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from leadboard.domain.errors import InvalidInput


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: str | Path, what: str, max_bytes: int | None = None) -> int:
    """A descriptor open for reading on ``path``, a regular file of at most ``max_bytes`` bytes;
    ``InvalidInput`` in one sentence (starting with ``what``, e.g. "Rules file x.toml") otherwise.
    The caller closes it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InvalidInput(f"{what}: no such file.", field="file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{what} is a folder, not a file.", field="file") from None
    except OSError as error:
        raise InvalidInput(f"{what}: cannot be read ({error.strerror or error}).", field="file") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"{what} is {_kind(info.st_mode)}, not a file: give the path of a file.",
                               field="file")
        if max_bytes is not None and info.st_size > max_bytes:
            raise InvalidInput(f"{what} is {info.st_size:,} bytes; at most {max_bytes:,} are read.",
                               field="file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: str | Path, what: str, max_bytes: int) -> bytes:
    """The bytes of ``path`` (see ``open_regular``), never more than ``max_bytes`` even if it grows."""
    fd = open_regular(path, what, max_bytes)
    with os.fdopen(fd, "rb") as file:
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InvalidInput(f"{what} is larger than {max_bytes:,} bytes; at most that is read.", field="file")
    return data


__all__ = ["open_regular", "read_regular"]
