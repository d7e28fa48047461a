"""The catalog: articles, their captures in the WARC archive, and a change log.

SQLite (WAL) file shared by every process.  The catalog is derived from the
archive (``khotin reindex --from-archive`` rebuilds it from WARC files) and
the search index is derived from the catalog: every insert, update or delete
of an article appends a row to ``changes``, and the indexer applies the
changes after the last sequence number it committed (``meta``
``index_seq``).  A crash between an index commit and the bookkeeping update
only means some changes are applied twice, which is harmless because index
updates are keyed by article id.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from khotin import db

from .article import VN_TZ, Article

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    site TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    captions TEXT NOT NULL DEFAULT '[]',
    authors TEXT NOT NULL DEFAULT '[]',
    organization TEXT NOT NULL DEFAULT '',
    published TEXT,
    modified TEXT,
    category TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    attachments TEXT NOT NULL DEFAULT '[]',
    images TEXT NOT NULL DEFAULT '[]',
    language TEXT NOT NULL DEFAULT 'vi',
    fetched_at TEXT,
    extractor_version TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    warc_file TEXT,
    warc_offset INTEGER,
    warc_length INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_site ON articles(site);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);

CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete'))
);

CREATE TABLE IF NOT EXISTS captures (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    article_id TEXT,
    record_type TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    payload_digest TEXT,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS captures_article ON captures(article_id);
CREATE INDEX IF NOT EXISTS captures_url ON captures(url);

CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    ok INTEGER NOT NULL DEFAULT 0,
    counters TEXT NOT NULL DEFAULT '{}',
    error TEXT
);
CREATE INDEX IF NOT EXISTS crawl_runs_site ON crawl_runs(site, finished);

CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
"""

Outcome = Literal["new", "changed", "unchanged"]
_JSON_FIELDS = ("captions", "authors", "tags", "attachments", "images")
_COLUMNS = (
    "id", "url", "canonical_url", "site", "title", "summary", "body", "captions", "authors",
    "organization", "published", "modified", "category", "tags", "attachments", "images",
    "language", "fetched_at", "extractor_version", "content_hash", "warc_file", "warc_offset",
    "warc_length",
)


def now_iso() -> str:
    return datetime.now(VN_TZ).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Capture:
    id: int
    url: str
    article_id: str | None
    record_type: str
    status: int | None
    content_type: str | None
    payload_digest: str | None
    warc_file: str
    warc_offset: int
    warc_length: int
    fetched_at: str


class Catalog:
    """Typed access to the catalog tables; one instance per thread or process."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        if readonly and not self.path.exists():
            # A fresh data directory: create the empty catalog once so readers work.
            Catalog(self.path).close()
        self.conn = db.connect(self.path, readonly=readonly)
        if not readonly:
            db.ensure_schema(self.conn, "catalog", SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- articles ---------------------------------------------------------

    def upsert(self, article: Article) -> Outcome:
        """Insert or update one article; log a change unless the content is the same."""
        with db.transaction(self.conn):
            return self._upsert(article)

    def upsert_in_transaction(self, article: Article) -> Outcome:
        """:meth:`upsert` inside the caller's open transaction.

        The crawler writes an article, its capture rows and the URL's crawl
        state in one transaction, so a kill leaves all or none of them.
        """
        if not self.conn.in_transaction:
            raise RuntimeError("upsert_in_transaction needs an open transaction")
        return self._upsert(article)

    def upsert_many(self, articles: Iterable[Article]) -> dict[str, int]:
        """Upsert a batch in one transaction; returns counts per outcome."""
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        with db.transaction(self.conn):
            for article in articles:
                counts[self._upsert(article)] += 1
        return counts

    def _upsert(self, article: Article) -> Outcome:
        row = self.conn.execute(
            "SELECT content_hash, created_at FROM articles WHERE id = ?", (article.id,)
        ).fetchone()
        values = _to_row(article)
        stamp = now_iso()
        if row is None:
            cols = ", ".join((*_COLUMNS, "created_at", "updated_at"))
            marks = ", ".join("?" * (len(_COLUMNS) + 2))
            self.conn.execute(f"INSERT INTO articles ({cols}) VALUES ({marks})", (*values, stamp, stamp))
            outcome: Outcome = "new"
        elif row["content_hash"] == article.content_hash:
            # Same text: keep the record, but remember the newest capture.
            self.conn.execute(
                "UPDATE articles SET fetched_at = ?, warc_file = coalesce(?, warc_file), "
                "warc_offset = coalesce(?, warc_offset), warc_length = coalesce(?, warc_length) "
                "WHERE id = ?",
                (article.fetched_at, article.warc_file, article.warc_offset, article.warc_length, article.id),
            )
            return "unchanged"
        else:
            sets = ", ".join(f"{c} = ?" for c in _COLUMNS[1:])
            self.conn.execute(
                f"UPDATE articles SET {sets}, updated_at = ? WHERE id = ?", (*values[1:], stamp, article.id)
            )
            outcome = "changed"
        self.conn.execute("INSERT INTO changes (article_id, op) VALUES (?, 'upsert')", (article.id,))
        return outcome

    def delete(self, article_id: str) -> bool:
        with db.transaction(self.conn):
            cur = self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            if cur.rowcount:
                self.conn.execute("INSERT INTO changes (article_id, op) VALUES (?, 'delete')", (article_id,))
        return bool(cur.rowcount)

    def get(self, article_id: str) -> Article | None:
        row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _from_row(row) if row else None

    def get_many(self, ids: list[str]) -> dict[str, Article]:
        out: dict[str, Article] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT * FROM articles WHERE id IN ({marks})", chunk):
                out[row["id"]] = _from_row(row)
        return out

    def bodies(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        """``id -> (summary, body)`` for snippets, without decoding whole records."""
        out: dict[str, tuple[str, str]] = {}
        if not ids:
            return out
        marks = ", ".join("?" * len(ids))
        for row in self.conn.execute(f"SELECT id, summary, body FROM articles WHERE id IN ({marks})", ids):
            out[row["id"]] = (row["summary"], row["body"])
        return out

    def find_by_url(self, url: str) -> Article | None:
        row = self.conn.execute(
            "SELECT * FROM articles WHERE url = ? OR canonical_url = ? LIMIT 1", (url, url)
        ).fetchone()
        return _from_row(row) if row else None

    def iter_articles(self, batch: int = 1000) -> Iterator[Article]:
        """Every article in id order, in batches so memory stays flat."""
        last = ""
        while True:
            rows = self.conn.execute(
                "SELECT * FROM articles WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _from_row(row)
            last = rows[-1]["id"]

    def count(self, site: str | None = None) -> int:
        if site is None:
            return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        return self.conn.execute("SELECT count(*) FROM articles WHERE site = ?", (site,)).fetchone()[0]

    def counts_by_site(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT site, count(*) AS n FROM articles GROUP BY site ORDER BY site")
        return {r["site"]: r["n"] for r in rows}

    # -- change log (consumed by the indexer) -----------------------------

    def changes_since(self, seq: int, limit: int = 1000) -> list[tuple[int, str, str]]:
        rows = self.conn.execute(
            "SELECT seq, article_id, op FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
        ).fetchall()
        return [(r["seq"], r["article_id"], r["op"]) for r in rows]

    def last_change(self) -> int:
        return self.conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value)
        )

    # -- captures -----------------------------------------------------------

    def add_capture(self, url: str, *, record_type: str, warc_file: str, warc_offset: int,
                    warc_length: int, status: int | None = None, content_type: str | None = None,
                    payload_digest: str | None = None, article_id: str | None = None,
                    fetched_at: str | None = None) -> int:
        cur = self.conn.execute(
            "INSERT INTO captures (url, article_id, record_type, status, content_type, payload_digest, "
            "warc_file, warc_offset, warc_length, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (url, article_id, record_type, status, content_type, payload_digest, warc_file,
             warc_offset, warc_length, fetched_at or now_iso()),
        )
        return int(cur.lastrowid)

    def link_captures(self, url: str, article_id: str) -> None:
        self.conn.execute("UPDATE captures SET article_id = ? WHERE url = ? AND article_id IS NULL",
                          (article_id, url))

    def clear_captures(self) -> None:
        """Forget every capture row (the rebuild re-reads them from the WARC files)."""
        self.conn.execute("DELETE FROM captures")

    def captures_for(self, article_id: str) -> list[Capture]:
        """All captures of an article, newest first (the article page lists them)."""
        rows = self.conn.execute(
            "SELECT * FROM captures WHERE article_id = ? ORDER BY fetched_at DESC, id DESC", (article_id,)
        ).fetchall()
        return [Capture(**dict(r)) for r in rows]

    def capture(self, capture_id: int) -> Capture | None:
        row = self.conn.execute("SELECT * FROM captures WHERE id = ?", (capture_id,)).fetchone()
        return Capture(**dict(row)) if row else None

    # -- crawl runs ---------------------------------------------------------

    def start_crawl(self, site: str) -> int:
        cur = self.conn.execute("INSERT INTO crawl_runs (site, started) VALUES (?, ?)", (site, now_iso()))
        return int(cur.lastrowid)

    def finish_crawl(self, run_id: int, *, ok: bool, counters: dict, error: str | None = None) -> None:
        self.conn.execute(
            "UPDATE crawl_runs SET finished = ?, ok = ?, counters = ?, error = ? WHERE id = ?",
            (now_iso(), int(ok), json.dumps(counters, ensure_ascii=False), error, run_id),
        )

    def last_crawls(self) -> dict[str, dict]:
        """Per site: the last finished crawl (ok or not) and the last successful one."""
        out: dict[str, dict] = {}
        rows = self.conn.execute(
            "SELECT site, max(CASE WHEN ok THEN finished END) AS last_ok, max(finished) AS last, "
            "(SELECT error FROM crawl_runs r2 WHERE r2.site = r.site AND r2.finished IS NOT NULL "
            " ORDER BY r2.finished DESC, r2.id DESC LIMIT 1) AS last_error "
            "FROM crawl_runs r GROUP BY site"
        )
        for r in rows:
            out[r["site"]] = {"last_crawl": r["last_ok"], "last_finished": r["last"], "last_error": r["last_error"]}
        return out

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


def _to_row(article: Article) -> tuple:
    data = article.to_dict()
    return tuple(
        json.dumps(data[c], ensure_ascii=False) if c in _JSON_FIELDS else data[c] for c in _COLUMNS
    )


def _from_row(row: sqlite3.Row) -> Article:
    data = {c: row[c] for c in _COLUMNS}
    for c in _JSON_FIELDS:
        data[c] = json.loads(data[c] or "[]")
    stored_hash = data.pop("content_hash")
    data.pop("id")
    article = Article(**data)
    article.content_hash = stored_hash
    return article
