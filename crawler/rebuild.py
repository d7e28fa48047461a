"""Rebuild the catalog from the WARC files alone, with the current extractor.

``khotin reindex --from-archive`` calls :func:`rebuild_catalog`, then
rebuilds the index.  Every file is read in writing order; each
``response`` record with a complete 200 HTML payload is extracted again and
upserted under the same rules as the live crawl (``crawler/pages.py``:
canonical aliases, one article per canonical URL, content-hash duplicates);
every ``response`` and ``revisit`` record becomes a capture row again
(the captures table is rebuilt from scratch).  Articles that came from the
archive but are no longer produced (the new extractor says "not an
article") are deleted; imported articles (no WARC file) are kept.

The frontier's per-URL validators (ETag, Last-Modified, digest) are
restored for URLs the frontier does not know, so the next crawl after a
lost catalog is still incremental.

The crawl writer lock is held throughout, so no crawl writes meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from khotin import db
from khotin.paths import DataDir

from .article import VN_TZ
from .catalog import Catalog
from .discover import PRIORITY, sniff
from .frontier import Frontier
from .pages import build_article, canonical_alias, dedup_key
from .sites import Site, SitesError, load_sites
from .urls import is_pagination
from .warc import SITE_HEADER, WarcArchive, warc_files

log = logging.getLogger(__name__)



@dataclass
class RebuildStats:
    files: int = 0
    records: int = 0
    responses: int = 0
    revisits: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicates: int = 0
    deleted: int = 0
    errors: list[str] = field(default_factory=list)


def _local(warc_date: str) -> str:
    try:
        dt = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    except ValueError:
        return warc_date
    return dt.astimezone(VN_TZ).isoformat(timespec="seconds")


class _Rebuilder:
    def __init__(self, data: DataDir, settings: Any, catalog: Catalog, extract: Callable[..., Any],
                 sites: dict[str, Site]):
        self.data = data
        self.catalog = catalog
        self.frontier = Frontier(catalog.conn)
        self.extract = extract
        self.sites = sites
        self.max_bytes = int(settings["max_response_bytes"])
        self.stats = RebuildStats()
        self.by_url: dict[str, str] = {}              # URL -> article id of its last response
        self.by_hash: dict[tuple[str, str], str] = {}  # (site, content hash) -> article id
        self.produced: set[str] = set()

    def file(self, path: Path) -> None:
        name = path.name
        with path.open("rb") as fh:
            it = ArchiveIterator(fh)
            try:
                for record in it:
                    self.stats.records += 1
                    rtype = record.rec_type
                    if rtype not in ("response", "revisit"):
                        continue
                    body = b""
                    if rtype == "response":
                        try:
                            body = record.content_stream().read(self.max_bytes + 1)
                        except Exception as exc:  # undecodable Content-Encoding
                            self.stats.errors.append(f"{name} offset {it.get_record_offset()}: {exc}")
                    it.read_to_end(record)
                    self.record(record, body, name, it.get_record_offset(), it.get_record_length())
            except ArchiveLoadFailed as exc:
                self.stats.errors.append(f"{name}: {str(exc).strip()}")

    def record(self, record: Any, body: bytes, warc_file: str, offset: int, length: int) -> None:
        headers = record.rec_headers
        url = headers.get_header("WARC-Target-URI") or ""
        site = headers.get_header(SITE_HEADER) or ""
        date = headers.get_header("WARC-Date") or ""
        http = record.http_headers
        status = int(http.get_statuscode()) if http and http.get_statuscode().isdigit() else None
        content_type = http.get_header("Content-Type") if http else None
        digest = headers.get_header("WARC-Payload-Digest")
        article_id = None
        kind = None
        if record.rec_type == "revisit":
            self.stats.revisits += 1
            article_id = self.by_url.get(url)
        else:
            self.stats.responses += 1
            truncated = headers.get_header("WARC-Truncated") or len(body) > self.max_bytes
            if status == 200 and not truncated and site:
                kind, article_id = self.page(site, url, body, content_type or "", http, date,
                                             warc_file, offset, length)
                self.by_url[url] = article_id
        self.catalog.add_capture(url, record_type=record.rec_type, warc_file=warc_file, warc_offset=offset,
                                 warc_length=length, status=status, content_type=content_type,
                                 payload_digest=digest, article_id=article_id, fetched_at=_local(date))
        if site and status == 200 and record.rec_type == "response" and kind:
            self.remember(site, url, kind, http, digest, date, article_id)

    def page(self, site: str, url: str, body: bytes, content_type: str, http: Any, date: str,
             warc_file: str, offset: int, length: int) -> tuple[str, str | None]:
        what = sniff(content_type.split(";", 1)[0].strip().lower(), body)
        if what != "html":
            return what, None
        profile = self.sites[site].profile if site in self.sites else None
        ex = self.extract(body, url, headers=dict(http.headers), profile=profile)
        if not ex.is_article:
            return "listing", None
        if ex.robots_noindex:
            return "noindex", None
        starts = self.sites[site].start_urls if site in self.sites else ()
        if canonical_alias(ex.canonical_url, url, starts):
            return "alias", None
        article = build_article(ex, site=site, url=url, fetched_at=_local(date), warc_file=warc_file,
                                warc_offset=offset, warc_length=length)
        key = dedup_key(article)
        other = self.by_hash.get((site, key)) if key else None
        if other and other != article.id:
            self.stats.duplicates += 1
            return "duplicate", other
        if key:
            self.by_hash[(site, key)] = article.id
        outcome = self.catalog.upsert_in_transaction(article)
        setattr(self.stats, outcome, getattr(self.stats, outcome) + 1)
        self.produced.add(article.id)
        return "article", article.id

    def remember(self, site: str, url: str, kind: str, http: Any, digest: str | None, date: str,
                 article_id: str | None) -> None:
        """Restore crawl validators for a URL the frontier has forgotten."""
        self.frontier.conn.execute(
            "INSERT OR IGNORE INTO frontier (site, url, kind, priority, pagination, state, run, first_run, "
            "status, etag, last_modified, payload_digest, warc_date, article_id, last_fetched, last_ok, "
            "fetch_count) VALUES (?, ?, ?, ?, ?, 'done', 0, 0, 200, ?, ?, ?, ?, ?, ?, ?, 1)",
            (site, url, kind, PRIORITY.get(kind, 2), int(is_pagination(url)), http.get_header("ETag"),
             http.get_header("Last-Modified"), digest, date, article_id, _local(date), _local(date)))


def rebuild_catalog(data: DataDir, settings: Any, progress: Callable[[int, int], Any] | None = None,
                    *, extract: Callable[..., Any] | None = None) -> RebuildStats:
    """Re-extract every archived page into the catalog; ``progress(bytes_done, bytes_total)``."""
    if extract is None:
        from .engine import load_extractor
        extract = load_extractor()
    sites: dict[str, Site] = {}
    if data.sites.is_file():
        try:
            sites = {s.name: s for s in load_sites(data.sites)}
        except SitesError as exc:
            log.warning("rebuilding without site profiles: %s", exc)
    archive = WarcArchive(data.warc, int(settings["warc_max_bytes"])).open()
    try:
        files = warc_files(data.warc)
        total = sum(p.stat().st_size for p in files)
        done = 0
        with Catalog(data.catalog) as catalog:
            rb = _Rebuilder(data, settings, catalog, extract, sites)
            with db.transaction(catalog.conn):
                catalog.clear_captures()
            for path in files:
                with db.transaction(catalog.conn):
                    rb.file(path)
                rb.stats.files += 1
                done += path.stat().st_size
                if progress is not None:
                    progress(done, total)
            stale = [r["id"] for r in catalog.conn.execute(
                "SELECT id FROM articles WHERE warc_file IS NOT NULL")]
            for article_id in stale:
                if article_id not in rb.produced and catalog.delete(article_id):
                    rb.stats.deleted += 1
            return rb.stats
    finally:
        archive.close()
