"""A blocking, process-wide exclusive lock on a file (``fcntl.flock``).

The kernel releases an ``flock`` when its holder dies, so a killed process
never leaves a stale lock behind.  Used where a read-check-write on shared
files must not interleave between processes: creating the index, editing
``sites.toml``.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def exclusive(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the ``with`` block."""
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
