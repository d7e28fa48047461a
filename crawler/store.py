"""The single writer of a crawl: WARC records first, then one SQLite transaction.

Ordering is what makes SIGKILL safe.  For every URL handled:

1. its exchanges are appended to the WARC file and fsynced (group commit:
   the fsync runs outside the lock, and one fsync covers the records other
   threads wrote before it);
2. *one* transaction then inserts the capture rows, upserts the article,
   records the URL's new state and adds the links found on the page.

A kill before step 2 commits leaves complete WARC records the catalog does
not know about.  They are not recovered: the URL is still ``queued`` in the
frontier, so the next crawl fetches it again and writes new records (the
orphans stay in the archive as harmless extra captures; ``khotin reindex
--from-archive`` even uses them).  A kill in the middle of step 1 leaves an
incomplete gzip member, which :func:`crawler.warc.repair_tail` removes at
the next start.  Nothing the catalog points to is ever lost, and nothing
the catalog knows is fetched again within the same run.

One lock serialises all of it (and every use of the shared connection), so
the crawl threads can share one WARC file and one catalog connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from khotin import db
from khotin.paths import DataDir
from khotin.testpause import pause_point

from .article import VN_TZ
from .catalog import Catalog
from .fetch import Exchange
from .frontier import Frontier
from .warc import RecordRef, WarcArchive

T = TypeVar("T")


def local_time(epoch: float) -> str:
    """Catalog timestamps are ISO 8601 in Vietnam time, like ``catalog.now_iso``."""
    return datetime.fromtimestamp(epoch, VN_TZ).isoformat(timespec="seconds")


@dataclass
class Written:
    """What the archive holds for the exchanges of one URL."""

    refs: list[RecordRef | None]
    exchanges: list[Exchange]

    @property
    def final(self) -> RecordRef | None:
        return self.refs[-1] if self.refs else None


class Store:
    """Archive + catalog + frontier behind one lock."""

    def __init__(self, data: DataDir, settings: Any):
        self.lock = threading.RLock()
        self.archive = WarcArchive(data.warc, int(settings["warc_max_bytes"]),
                                   operator=str(settings["contact"])).open()
        try:
            self.catalog = Catalog(data.catalog)
            self.frontier = Frontier(self.catalog.conn)
        except BaseException:
            self.archive.close()
            raise

    @property
    def conn(self):
        return self.catalog.conn

    def close(self) -> None:
        with self.lock:
            self.archive.close()
            self.catalog.close()

    def read(self, fn: Callable[[Frontier], T]) -> T:
        """Run a query on the frontier under the lock."""
        with self.lock:
            return fn(self.frontier)

    def transaction(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in one transaction under the lock."""
        with self.lock, db.transaction(self.conn):
            return fn()

    def commit(self, site: str, exchanges: list[Exchange], apply: Callable[[Written], str | None],
               previous: tuple[str, str] | None = None) -> Written:
        """Archive ``exchanges``, then in one transaction add captures and run ``apply``.

        ``previous`` (digest, date) applies to the last exchange only (it may
        become a revisit record).  ``apply`` does the catalog and frontier
        updates and returns the article id to link the final capture to.
        """
        with self.lock:
            refs: list[RecordRef | None] = []
            last = len(exchanges) - 1
            for i, ex in enumerate(exchanges):
                refs.append(self.archive.write_exchange(ex, site=site,
                                                        previous=previous if i == last else None))
            position = self.archive.position
        pause_point("warc-fsync")  # tests: records written, not yet durable or catalogued
        self.archive.sync(position)  # outside the lock: other threads write while this one waits
        written = Written(refs, exchanges)
        with self.lock:
            with db.transaction(self.conn):
                article_id = apply(written)
                for i, (ex, ref) in enumerate(zip(exchanges, refs)):
                    if ref is None:
                        continue
                    self.catalog.add_capture(
                        ex.url, record_type=ref.record_type, warc_file=ref.warc_file,
                        warc_offset=ref.offset, warc_length=ref.length, status=ex.status,
                        content_type=ex.header("Content-Type"), payload_digest=ref.payload_digest,
                        article_id=article_id if i == last else None,
                        fetched_at=local_time(ex.started),
                    )
                pause_point("catalog-commit")  # tests: a kill before COMMIT
            return written
