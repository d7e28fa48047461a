"""The admin action log: who did what, to what, when, from where.

Every state-changing admin action (sign-in and failed sign-in, portal added
or edited, job queued, cancelled or retried, users and tokens changed from
the command line) appends one row.  Rows are never updated; the admin area
shows the newest ones.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from khotin import db

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at);
"""

#: Longest stored field: names typed into a sign-in form are not trusted.
MAX_FIELD = 500


@dataclass(frozen=True)
class Entry:
    id: int
    at: float
    user: str
    action: str
    target: str
    detail: str
    client: str


def ensure(conn: sqlite3.Connection) -> None:
    db.ensure_schema(conn, "audit", SCHEMA)


def record(conn: sqlite3.Connection, user: str, action: str, target: str = "", detail: str = "",
           client: str = "") -> None:
    """Append one entry (its own transaction unless the caller has one open)."""
    ensure(conn)
    values = (time.time(), *(str(v)[:MAX_FIELD] for v in (user, action, target, detail, client)))
    sql = "INSERT INTO audit_log (at, user, action, target, detail, client) VALUES (?, ?, ?, ?, ?, ?)"
    if conn.in_transaction:
        conn.execute(sql, values)
        return
    with db.transaction(conn):
        conn.execute(sql, values)


def recent(conn: sqlite3.Connection, limit: int = 200) -> list[Entry]:
    ensure(conn)
    rows = conn.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [Entry(**dict(r)) for r in rows]
