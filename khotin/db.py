"""SQLite connections for the catalog, set up the same way in every process.

WAL journal so the web server reads while the crawler or worker writes; a
busy timeout instead of "database is locked" errors; each part declares its
own tables (``SCHEMA`` strings) and calls :func:`ensure_schema`, so the
catalog file is shared but each module owns its tables.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_applied: set[tuple[str, str]] = set()
_applied_lock = threading.Lock()


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the catalog with WAL, foreign keys and a generous busy timeout."""
    path = Path(path)
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30,
                               check_same_thread=False, isolation_level=None)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; writers group statements with
        # transaction() so each commit is one explicit, crash-atomic step.
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def ensure_schema(conn: sqlite3.Connection, owner: str, schema: str) -> None:
    """Create ``owner``'s tables if missing (idempotent, cheap after the first call)."""
    db = conn.execute("PRAGMA database_list").fetchone()["file"]
    try:
        inode = os.stat(db).st_ino if db else 0
    except OSError:
        inode = 0
    key = (db, inode, owner)  # a catalog deleted and recreated is a new file
    with _applied_lock:
        if key in _applied:
            return
        conn.executescript(schema)
        _applied.add(key)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``: take the write lock up front, roll back on error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
