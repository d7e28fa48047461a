"""Admin accounts and API tokens, stored in the catalog file.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``
defaults: 64 MiB, 3 passes), never stored or logged in clear.  API tokens
are 32 random bytes shown once; only their SHA-256 is kept, which is enough
for secrets with 256 bits of entropy (a slow hash protects guessable
passwords, not random keys) and lets a request find its token by one
indexed lookup.

Failed sign-ins are counted in the catalog too (``login_failures``), so the
limit holds across every ``khotin serve --workers N`` process.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from khotin import db
from khotin.errors import UserError

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created REAL NOT NULL,
    last_login REAL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    last_used REAL,
    revoked REAL
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user_id);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at);
"""

#: User names: a letter first (so a bare number always means a token id), then
#: letters, digits, ``. _ - @``; at most 64 characters.
USER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
TOKEN_PREFIX = "kt_"

_hasher = PasswordHasher()  # argon2id


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so timing does not tell."""
    return _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    id: int
    name: str
    created: float
    last_login: float | None
    tokens: int = 0
    #: Changes whenever the password does: sessions carry it, so a password
    #: change (or reset) signs out every other browser.
    stamp: str = ""


def connect(path) -> sqlite3.Connection:
    """A catalog connection with the accounts tables in place."""
    conn = db.connect(path)
    ensure(conn)
    return conn


def ensure(conn: sqlite3.Connection) -> None:
    db.ensure_schema(conn, "accounts", SCHEMA)


def check_name(name: str) -> str:
    if not isinstance(name, str) or not USER_RE.match(name):
        raise UserError(f"bad user name {name!r}: start with a letter, then letters, digits, "
                        "'.', '_', '-' or '@' (at most 64)")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"the password is longer than {MAX_PASSWORD} characters")
    return password


def _user(row: sqlite3.Row, tokens: int = 0) -> User:
    stamp = hashlib.sha256(row["password_hash"].encode("utf-8")).hexdigest()[:16]
    return User(row["id"], row["name"], row["created"], row["last_login"], tokens, stamp)


def add_user(conn: sqlite3.Connection, name: str, password: str) -> User:
    """Create ``name`` with an argon2id hash of ``password``; an existing name is an error."""
    check_name(name)
    check_password(password)
    digest = _hasher.hash(password)
    with db.transaction(conn):
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise UserError(f"user {name!r} already exists (`khotin admin set-password` gives it a new password)")
        cur = conn.execute("INSERT INTO users (name, password_hash, created) VALUES (?, ?, ?)",
                           (name, digest, time.time()))
    return get_user(conn, int(cur.lastrowid))  # type: ignore[return-value]


def remove_user(conn: sqlite3.Connection, name: str) -> None:
    """Delete ``name`` and its tokens; its browser sessions stop working at the next request."""
    with db.transaction(conn):
        row = conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UserError(f"no user {name!r}")
        conn.execute("DELETE FROM api_tokens WHERE user_id = ?", (row["id"],))
        conn.execute("DELETE FROM users WHERE id = ?", (row["id"],))


def set_password(conn: sqlite3.Connection, name: str, password: str) -> User:
    """Give ``name`` a new password; its other sessions end, its API tokens stay."""
    check_password(password)
    digest = _hasher.hash(password)
    with db.transaction(conn):
        cur = conn.execute("UPDATE users SET password_hash = ? WHERE name = ?", (digest, name))
        if cur.rowcount == 0:
            raise UserError(f"no user {name!r}")
    return find_user(conn, name)  # type: ignore[return-value]


def verify_password(conn: sqlite3.Connection, user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s (for re-confirming it, e.g. before changing it)."""
    row = conn.execute("SELECT password_hash FROM users WHERE id = ?", (user.id,)).fetchone()
    if row is None:
        return False
    try:
        return _hasher.verify(row["password_hash"], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def get_user(conn: sqlite3.Connection, user_id: int) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return _user(row) if row else None


def find_user(conn: sqlite3.Connection, name: str) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    return _user(row) if row else None


def list_users(conn: sqlite3.Connection) -> list[User]:
    rows = conn.execute(
        "SELECT u.*, (SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked IS NULL) "
        "AS tokens FROM users u ORDER BY u.name"
    ).fetchall()
    return [_user(r, r["tokens"]) for r in rows]


def authenticate(conn: sqlite3.Connection, name: str, password: str) -> User | None:
    """The user if ``password`` is right, else None (same work whether or not the user exists)."""
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone() if name else None
    stored = row["password_hash"] if row else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    updates: dict[str, object] = {"last_login": time.time()}
    if _hasher.check_needs_rehash(stored):
        updates["password_hash"] = _hasher.hash(password)
    sets = ", ".join(f"{k} = ?" for k in updates)
    with db.transaction(conn):
        conn.execute(f"UPDATE users SET {sets} WHERE id = ?", (*updates.values(), row["id"]))
    return get_user(conn, row["id"])  # a rehash changed the stamp the session will carry


# -- API tokens -----------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(conn: sqlite3.Connection, name: str) -> tuple[int, str]:
    """A new API token for ``name``: (token id, the token). Only its hash is stored."""
    user = find_user(conn, name)
    if user is None:
        raise UserError(f"no user {name!r} (create it with `khotin admin add-user {name}`)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.transaction(conn):
        cur = conn.execute("INSERT INTO api_tokens (user_id, token_hash, created) VALUES (?, ?, ?)",
                           (user.id, _token_hash(token), time.time()))
    return int(cur.lastrowid), token


def revoke(conn: sqlite3.Connection, which: str) -> int:
    """Revoke every token of user ``which``, or the token with id ``which``; returns how many."""
    now = time.time()
    with db.transaction(conn):
        if which.isdigit():
            cur = conn.execute("UPDATE api_tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                               (now, int(which)))
            if not cur.rowcount and not conn.execute("SELECT 1 FROM api_tokens WHERE id = ?",
                                                     (int(which),)).fetchone():
                raise UserError(f"no token with id {which}")
            return cur.rowcount
        row = conn.execute("SELECT id FROM users WHERE name = ?", (which,)).fetchone()
        if row is None:
            raise UserError(f"no user {which!r} and not a token id")
        cur = conn.execute("UPDATE api_tokens SET revoked = ? WHERE user_id = ? AND revoked IS NULL",
                           (now, row["id"]))
        return cur.rowcount


def user_for_token(conn: sqlite3.Connection, token: str) -> User | None:
    """The owner of a live (not revoked) token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = conn.execute(
        "SELECT u.*, t.id AS token_id, t.last_used FROM api_tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_hash = ? AND t.revoked IS NULL", (_token_hash(token),)
    ).fetchone()
    if row is None:
        return None
    now = time.time()
    if row["last_used"] is None or now - row["last_used"] > 60:  # bounded write rate
        with db.transaction(conn):
            conn.execute("UPDATE api_tokens SET last_used = ? WHERE id = ?", (now, row["token_id"]))
    return _user(row)


# -- sign-in rate limit ---------------------------------------------------------

def failures_retry_after(conn: sqlite3.Connection, keys: list[str], per_minute: int,
                         window: float = 60.0) -> int | None:
    """Seconds until another attempt is allowed for every key, or None if allowed now."""
    if per_minute <= 0:
        return int(window)
    now = time.time()
    wait = 0.0
    for key in keys:
        rows = conn.execute("SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at",
                            (key, now - window)).fetchall()
        if len(rows) >= per_minute:
            # Allowed again when the failure that filled the window leaves it.
            wait = max(wait, rows[len(rows) - per_minute]["at"] + window - now)
    return max(1, math.ceil(wait)) if wait > 0 else None


def record_failure(conn: sqlite3.Connection, keys: list[str], window: float = 60.0) -> None:
    now = time.time()
    with db.transaction(conn):
        conn.execute("DELETE FROM login_failures WHERE at <= ?", (now - window,))
        conn.executemany("INSERT INTO login_failures (key, at) VALUES (?, ?)", [(k, now) for k in keys])
