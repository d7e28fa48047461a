"""Opening the index, taking its one writer lock, and swapping in rebuilds.

Whoosh allows one writer per index; a second one gets ``LockError`` at once.
The lock is an ``fcntl.flock`` on ``MAIN_WRITELOCK`` (see ``whoosh.util.filelock``),
which the kernel releases when the holder dies, so a SIGKILLed writer never
leaves a stale lock behind and a live writer's lock cannot be stolen.  We
wait for the lock with a timeout instead of failing at once, and never use
``AsyncWriter`` (its thread can still hold the lock when the next writer
starts).

A full rebuild writes a fresh index next to the live one and swaps the
directories, so searchers keep answering from the old index until the new
one is complete.  Searchers notice the swap through :func:`index_identity`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import FileIndex, LockError
from whoosh.writing import SegmentWriter

from khotin import locks
from khotin.errors import UserError
from khotin.testpause import pause_point

from .schema import ANALYSIS_VERSION, build_schema

VERSION_FILE = "khotin-index.json"
CREATE_LOCK = "CREATE_LOCK"


class IndexBusy(UserError):
    """Another process holds the index writer lock for longer than we waited."""


class IndexOutdated(UserError):
    """The index was built by another analysis version; run ``khotin reindex``."""


def _write_version(path: Path) -> None:
    (path / VERSION_FILE).write_text(json.dumps({"analysis_version": ANALYSIS_VERSION}))


def index_version(path: Path) -> str | None:
    try:
        return json.loads((path / VERSION_FILE).read_text()).get("analysis_version")
    except (OSError, ValueError):
        return None


def exists(path: Path) -> bool:
    """Whether ``path`` holds an index: a ``_MAIN_<gen>.toc`` file, found by listing only.

    ``whoosh.index.exists_in`` opens the index to find out, which fails with
    FileNotFoundError when a commit deletes the TOC between its listing and
    its read.
    """
    return index_identity(path)[1] >= 0


def create(path: Path) -> FileIndex:
    """An empty index at ``path``, or the one another process just created there.

    Two web processes (or a web process and the worker) can both find no
    index on a fresh data directory.  Whoosh's ``create_in`` first deletes
    every ``_MAIN_*`` file, so without the lock a second creator could wipe
    segments the first one's writer had already committed.
    """
    path.mkdir(parents=True, exist_ok=True)
    with locks.exclusive(path / CREATE_LOCK):
        if exists(path) and index_version(path) is not None:
            return _open_dir(path)
        _write_version(path)  # before the TOC: an index that exists always has its version
        return whoosh_index.create_in(str(path), build_schema())


def _open_dir(path: Path, attempts: int = 10) -> FileIndex:
    """``whoosh.index.open_dir``, retried when a commit deletes the TOC it was about to read.

    Opening lists the directory, then reads the newest ``_MAIN_<gen>.toc``; a
    writer committing in between writes generation gen+1 and deletes gen.
    ``FileIndex.reader`` retries the same race; ``open_dir`` does not.
    """
    for _ in range(attempts - 1):
        try:
            return whoosh_index.open_dir(str(path))
        except FileNotFoundError:
            time.sleep(0.05)
    return whoosh_index.open_dir(str(path))


def open_index(path: Path, *, create_missing: bool = True) -> FileIndex:
    """Open the index, creating an empty one if there is none yet."""
    _restore_interrupted_swap(path)
    if not exists(path):
        if not create_missing:
            raise FileNotFoundError(f"no index at {path}; run `khotin reindex`")
        return create(path)
    version = index_version(path)
    if version != ANALYSIS_VERSION:
        raise IndexOutdated(
            f"the index at {path} was built with analysis version {version}, "
            f"this khotin uses {ANALYSIS_VERSION}: run `khotin reindex`"
        )
    return _open_dir(path)


def index_identity(path: Path) -> tuple[int, int]:
    """(directory inode, latest generation): changes on every commit and every swap."""
    try:
        inode = os.stat(path).st_ino
        names = os.listdir(path)
    except OSError:
        return (0, -1)
    generation = -1
    for name in names:
        match = _TOC.match(name)
        if match:
            generation = max(generation, int(match.group(1)))
    return inode, generation


_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")


@contextmanager
def writer(ix: FileIndex, *, timeout: float = 60.0, procs: int = 1, **kwargs) -> Iterator[SegmentWriter]:
    """A committed-on-success, cancelled-on-error writer that waits for the lock."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if procs > 1:
                w = ix.writer(procs=procs, multisegment=True, **kwargs)
            else:
                w = ix.writer(**kwargs)
            break
        except LockError:
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    f"the index at {ix.storage.folder} is being written by another process "
                    f"(waited {timeout:.0f} s)"
                ) from None
            time.sleep(0.2)
    try:
        yield w
    except BaseException:
        w.cancel()
        raise
    else:
        pause_point("index-commit")  # tests: a kill with the segment written, not committed
        w.commit()


def build_path(path: Path) -> Path:
    return path.with_name(path.name + ".new")


def swap_in(path: Path, built: Path) -> None:
    """Replace the live index directory with a freshly built one.

    On Linux the two directories trade places in one ``renameat2
    (RENAME_EXCHANGE)`` call, so there is never a moment without a live
    index, whenever the process dies.  Elsewhere two renames are used; a
    process killed between them leaves only ``index.old``, which
    :func:`open_index` moves back.
    """
    old = path.with_name(path.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if path.exists() and _exchange(built, path):
        pause_point("reindex-swap")  # tests: a kill with the old index not yet removed
        shutil.rmtree(built, ignore_errors=True)
        return
    if path.exists():
        os.replace(path, old)
    pause_point("reindex-swap")  # tests: a kill between the two renames
    os.replace(built, path)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically (Linux ``renameat2``); False where that is unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _restore_interrupted_swap(path: Path) -> None:
    """A rebuild killed between its two renames left the live index at ``index.old``."""
    old = path.with_name(path.name + ".old")
    if not path.exists() and exists(old):
        with contextlib.suppress(OSError):  # another process restored it first
            os.replace(old, path)
