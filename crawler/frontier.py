"""Crawl state in SQLite: the frontier and what is known about every URL.

The tables live in the catalog file, so the crawler can commit a capture,
an article and the URL's new state in *one* transaction (see
``crawler/store.py``).  Methods here never open transactions themselves;
the caller groups them.

A *session* is one ``khotin crawl`` (one call of ``crawl()``) over a set of
sites.  A session that did not end (SIGKILL, Ctrl-C) is resumed by the next
crawl of the same sites (within a day): sites whose run finished within it
are not started again, so a restart never re-requests what the interrupted
crawl already stored.  A *run* is one complete pass over a site.  It may take several processes:
a run that was interrupted (Ctrl-C, SIGKILL, page budget) is resumed by the
next crawl of the site, because its queue is still in the table.  A new run
starts only when the previous one finished; it re-queues ("re-seeds") every
known URL except pagination pages already seen (those are reached again only
through the listings, newest first) and, with ``recrawl_every``, articles
and attachments checked recently.  Re-queued URLs keep their ETag and
Last-Modified, so most of them cost a 304.

Columns of ``frontier``: ``run`` is the last run that queued or handled the
URL, ``first_run`` the run that discovered it (a link is *new* to a run when
``first_run`` is that run), ``state`` is queued/done/failed/skipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.article import VN_TZ
from khotin import db

SCHEMA = """
CREATE TABLE IF NOT EXISTS frontier (
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL,
    depth INTEGER NOT NULL DEFAULT 0,
    pagination INTEGER NOT NULL DEFAULT 0,
    probe INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'queued',
    run INTEGER NOT NULL,
    first_run INTEGER NOT NULL,
    status INTEGER,
    etag TEXT,
    last_modified TEXT,
    payload_digest TEXT,
    warc_date TEXT,
    content_hash TEXT,
    article_id TEXT,
    last_fetched TEXT,
    last_ok TEXT,
    fetch_count INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    PRIMARY KEY (site, url)
);
CREATE INDEX IF NOT EXISTS frontier_queue ON frontier(site, state, priority);
CREATE INDEX IF NOT EXISTS frontier_hash ON frontier(site, content_hash);

CREATE TABLE IF NOT EXISTS frontier_runs (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    session INTEGER,
    started TEXT NOT NULL,
    finished TEXT,
    pages INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS frontier_runs_site ON frontier_runs(site, id);

CREATE TABLE IF NOT EXISTS frontier_sessions (
    id INTEGER PRIMARY KEY,
    sites TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT
);
"""

_ENTRY_COLUMNS = ("site", "url", "kind", "priority", "depth", "pagination", "probe", "state", "run",
                  "first_run", "status", "etag", "last_modified", "payload_digest", "warc_date",
                  "content_hash", "article_id", "last_fetched", "last_ok", "fetch_count", "error")


#: An interrupted crawl is resumed (not restarted) if it was active this recently.
SESSION_RESUME = timedelta(hours=24)


def now_iso() -> str:
    return datetime.now(VN_TZ).isoformat(timespec="seconds")


@dataclass
class Entry:
    """One frontier row."""

    site: str
    url: str
    kind: str
    priority: int
    depth: int = 0
    pagination: int = 0
    probe: int = 0
    state: str = "queued"
    run: int = 0
    first_run: int = 0
    status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    payload_digest: str | None = None
    warc_date: str | None = None
    content_hash: str | None = None
    article_id: str | None = None
    last_fetched: str | None = None
    last_ok: str | None = None
    fetch_count: int = 0
    error: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Entry:
        return cls(**{c: row[c] for c in _ENTRY_COLUMNS})


@dataclass(frozen=True)
class NewURL:
    """A URL to add: where it was found decides kind, priority and depth."""

    url: str
    kind: str
    priority: int
    depth: int = 0
    pagination: bool = False
    probe: bool = False


class Frontier:
    """Frontier queries on a connection to the catalog file (shared with :class:`Catalog`)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        db.ensure_schema(conn, "frontier", SCHEMA)

    # -- sessions and runs ----------------------------------------------------

    def open_session(self, sites: list[str]) -> int:
        """Resume the unfinished session over exactly these sites, or start one.

        Only a session active within :data:`SESSION_RESUME` is resumed: a
        crawl started days after an interrupted one is a new crawl.
        """
        key = ",".join(sorted(sites))
        row = self.conn.execute(
            "SELECT s.id, s.finished, max(s.started, coalesce(max(r.started), ''), "
            "coalesce(max(r.finished), '')) AS active FROM frontier_sessions s "
            "LEFT JOIN frontier_runs r ON r.session = s.id WHERE s.sites = ? "
            "GROUP BY s.id ORDER BY s.id DESC LIMIT 1", (key,)).fetchone()
        recent = (datetime.now(VN_TZ) - SESSION_RESUME).isoformat(timespec="seconds")
        if row is not None and row["finished"] is None and row["active"] >= recent:
            return row["id"]
        cur = self.conn.execute("INSERT INTO frontier_sessions (sites, started) VALUES (?, ?)",
                                (key, now_iso()))
        return int(cur.lastrowid)

    def finish_session(self, session: int) -> None:
        self.conn.execute("UPDATE frontier_sessions SET finished = ? WHERE id = ?", (now_iso(), session))

    def finished_in_session(self, site: str, session: int) -> bool:
        """Whether ``site``'s run already completed within ``session`` (nothing left to do)."""
        return self.conn.execute("SELECT 1 FROM frontier_runs WHERE site = ? AND session = ? "
                                 "AND finished IS NOT NULL LIMIT 1", (site, session)).fetchone() is not None

    def current_run(self, site: str) -> int | None:
        """The unfinished run of ``site`` (to resume), if any."""
        row = self.conn.execute(
            "SELECT id FROM frontier_runs WHERE site = ? AND finished IS NULL ORDER BY id DESC LIMIT 1",
            (site,)).fetchone()
        return row["id"] if row else None

    def has_finished_run(self, site: str) -> bool:
        return self.conn.execute("SELECT 1 FROM frontier_runs WHERE site = ? AND finished IS NOT NULL "
                                 "LIMIT 1", (site,)).fetchone() is not None

    def start_run(self, site: str, recrawl_every: timedelta | None = None, session: int | None = None) -> int:
        """A new run: re-seed known URLs (see the module docstring); returns its id."""
        cur = self.conn.execute("INSERT INTO frontier_runs (site, session, started) VALUES (?, ?, ?)",
                                (site, session, now_iso()))
        run = int(cur.lastrowid)
        fresh_after = ""
        if recrawl_every:
            fresh_after = (datetime.now(VN_TZ) - recrawl_every).isoformat(timespec="seconds")
        self.conn.execute(
            "UPDATE frontier SET state = 'queued', run = ? WHERE site = ? "
            "AND (pagination = 0 OR last_ok IS NULL) "
            "AND NOT (kind IN ('article', 'attachment', 'duplicate') AND last_ok IS NOT NULL "
            "         AND last_ok > ?)",
            (run, site, fresh_after or "9999"),
        )
        return run

    def finish_run(self, run: int) -> None:
        self.conn.execute("UPDATE frontier_runs SET finished = ? WHERE id = ?", (now_iso(), run))

    def count_page(self, run: int) -> None:
        self.conn.execute("UPDATE frontier_runs SET pages = pages + 1 WHERE id = ?", (run,))

    # -- queue ----------------------------------------------------------------

    def next_batch(self, site: str, limit: int = 16) -> list[Entry]:
        rows = self.conn.execute(
            "SELECT * FROM frontier WHERE site = ? AND state = 'queued' "
            "ORDER BY priority, rowid LIMIT ?", (site, limit)).fetchall()
        return [Entry.from_row(r) for r in rows]

    def queued_count(self, site: str) -> int:
        return self.conn.execute("SELECT count(*) FROM frontier WHERE site = ? AND state = 'queued'",
                                 (site,)).fetchone()[0]

    def get(self, site: str, url: str) -> Entry | None:
        row = self.conn.execute("SELECT * FROM frontier WHERE site = ? AND url = ?", (site, url)).fetchone()
        return Entry.from_row(row) if row else None

    def known(self, site: str, urls: Iterable[str]) -> dict[str, tuple[int, int, str]]:
        """``url -> (first_run, run, state)`` for those of ``urls`` already in the frontier."""
        urls = list(dict.fromkeys(urls))
        out: dict[str, tuple[int, int, str]] = {}
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for r in self.conn.execute(
                    f"SELECT url, first_run, run, state FROM frontier WHERE site = ? AND url IN ({marks})",
                    (site, *chunk)):
                out[r["url"]] = (r["first_run"], r["run"], r["state"])
        return out

    def add(self, site: str, run: int, items: Iterable[NewURL]) -> int:
        """Insert URLs not yet known (queued for ``run``); returns how many were new."""
        before = self.conn.total_changes
        self.conn.executemany(
            "INSERT OR IGNORE INTO frontier (site, url, kind, priority, depth, pagination, probe, "
            "state, run, first_run) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
            [(site, item.url, item.kind, item.priority, item.depth, int(item.pagination),
              int(item.probe), run, run) for item in items])
        return self.conn.total_changes - before

    def requeue(self, site: str, run: int, url: str) -> bool:
        """Queue a known URL for ``run`` unless this run already queued or handled it."""
        cur = self.conn.execute(
            "UPDATE frontier SET state = 'queued', run = ? WHERE site = ? AND url = ? AND run != ?",
            (run, site, url, run))
        return cur.rowcount > 0

    def seed(self, site: str, run: int, items: Iterable[NewURL]) -> None:
        """Add start points and queue them for ``run`` even if known from earlier runs."""
        for item in items:
            if not self.add(site, run, [item]):
                self.requeue(site, run, item.url)

    # -- per-URL state ------------------------------------------------------------

    def finish(self, site: str, url: str, run: int, *, state: str, kind: str | None = None,
               priority: int | None = None, status: int | None = None, error: str | None = None,
               ok: bool = False, etag: str | None = None, last_modified: str | None = None,
               payload_digest: str | None = None, warc_date: str | None = None,
               content_hash: str | None = None, article_id: str | None = None,
               keep_validators: bool = False) -> None:
        """Record the outcome of handling ``url`` in ``run`` (inserting the row if needed).

        ``keep_validators`` (a 304 or an identical payload) keeps the stored
        ETag, Last-Modified, digest and hash unless new values are given.
        """
        stamp = now_iso()
        self.conn.execute(
            "INSERT OR IGNORE INTO frontier (site, url, kind, priority, state, run, first_run) "
            "VALUES (?, ?, ?, ?, 'queued', ?, ?)",
            (site, url, kind or "page", priority if priority is not None else 2, run, run))
        sets = ["state = ?", "run = ?", "status = ?", "error = ?", "last_fetched = ?",
                "fetch_count = fetch_count + ?"]
        values: list[object] = [state, run, status, error, stamp, 1 if status is not None else 0]
        if kind:
            sets.append("kind = ?")
            values.append(kind)
        if priority is not None:
            sets.append("priority = ?")
            values.append(priority)
        if ok:
            sets.append("last_ok = ?")
            values.append(stamp)
        for name, value in (("etag", etag), ("last_modified", last_modified),
                            ("payload_digest", payload_digest), ("warc_date", warc_date),
                            ("content_hash", content_hash), ("article_id", article_id)):
            if not ok or (keep_validators and value is None):
                continue  # failures and 304s keep what the last full response stored
            sets.append(f"{name} = ?")
            values.append(value)
        self.conn.execute(f"UPDATE frontier SET {', '.join(sets)} WHERE site = ? AND url = ?",
                          (*values, site, url))

    def set_kind(self, site: str, url: str, kind: str, priority: int, *, article_id: str | None = None,
                 content_hash: str | None = None) -> None:
        """What a fetched page turned out to be (article, listing, alias, duplicate …)."""
        self.conn.execute(
            "UPDATE frontier SET kind = ?, priority = ?, article_id = ?, content_hash = ? "
            "WHERE site = ? AND url = ?", (kind, priority, article_id, content_hash, site, url))

    def article_with_hash(self, site: str, content_hash: str, url: str) -> str | None:
        """Article id of another URL of ``site`` whose page had the same content."""
        row = self.conn.execute(
            "SELECT article_id FROM frontier WHERE site = ? AND content_hash = ? AND url != ? "
            "AND article_id IS NOT NULL AND kind = 'article' LIMIT 1", (site, content_hash, url)).fetchone()
        return row["article_id"] if row else None

    def stats(self, site: str) -> dict[str, int]:
        rows = self.conn.execute("SELECT state, count(*) AS n FROM frontier WHERE site = ? GROUP BY state",
                                 (site,))
        return {r["state"]: r["n"] for r in rows}
