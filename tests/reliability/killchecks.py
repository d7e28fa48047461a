"""What must hold in a data directory after a writer was SIGKILLed.

Each function looks at one part of the data directory the way the next
process will, and returns what it found (or raises :class:`CheckFailed`
with a message naming the part).  The harness calls them right after a
kill, before anything restarts, and again when the restarted process has
finished.
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from crawler.catalog import Catalog
from crawler.warc import complete_prefix, warc_files
from khotin.paths import DataDir


class CheckFailed(AssertionError):
    """A promise of the archive does not hold; the message says which."""


@dataclass
class State:
    """What a process had made durable at one moment."""

    articles: dict[str, str]      # article id -> content hash, committed in the catalog
    indexed: set[str] | None      # ids of live index documents (None: no index yet)


def committed_articles(data: DataDir) -> dict[str, str]:
    """Article ids and content hashes committed in the catalog (read-only, like a reader)."""
    if not data.catalog.exists():
        return {}
    with Catalog(data.catalog, readonly=True) as cat:
        return {r["id"]: r["content_hash"] for r in cat.conn.execute("SELECT id, content_hash FROM articles")}


def indexed_ids(data: DataDir) -> set[str] | None:
    """Ids of the live documents of the index; None when there is no index yet.

    Raises :class:`CheckFailed` when an index exists but cannot be opened
    or read: that is an "unreadable index".
    """
    from index import store

    if not store.exists(data.index):
        return None
    try:
        ix = store.open_index(data.index, create_missing=False)
        try:
            with ix.reader() as reader:
                return {fields["id"] for fields in reader.all_stored_fields()}
        finally:
            ix.close()
    except Exception as exc:  # noqa: BLE001 - any failure here is the finding
        raise CheckFailed(f"index unreadable: {type(exc).__name__}: {exc}") from exc


def state(data: DataDir) -> State:
    return State(committed_articles(data), indexed_ids(data))


def catalog_integrity(data: DataDir) -> None:
    """``PRAGMA integrity_check`` is ``ok`` (opening the catalog also replays its WAL)."""
    if not data.catalog.exists():
        return
    with Catalog(data.catalog) as cat:
        result = cat.integrity_check()
    if result != "ok":
        raise CheckFailed(f"catalog integrity_check: {result}")


def search_works(data: DataDir, query: str = "huyện") -> int:
    """A search through the same service the web UI uses; returns the total."""
    from search.params import SearchParams
    from search.service import SearchService

    service = SearchService(data)
    try:
        return int(service.search(SearchParams.from_mapping({"q": query}))["total"])
    except Exception as exc:  # noqa: BLE001
        raise CheckFailed(f"search failed: {type(exc).__name__}: {exc}") from exc
    finally:
        service.close()


def searchable_by_title(data: DataDir, ids: list[str]) -> list[str]:
    """Ids among ``ids`` that a search for their own title does not return."""
    from search.params import SearchParams
    from search.service import SearchService

    service = SearchService(data)
    missing = []
    try:
        articles = service.catalog.get_many(ids)
        for article_id in ids:
            article = articles.get(article_id)
            if article is None:
                missing.append(article_id)
                continue
            params = SearchParams.from_mapping({"q": _plain(article.title), "per_page": "100"})
            found = {r["id"] for r in service.search(params)["results"]}
            if article_id not in found:
                missing.append(article_id)
    finally:
        service.close()
    return missing


def _plain(title: str) -> str:
    """A title as a query of plain words (no operators, quotes or field prefixes)."""
    words = "".join(ch if ch.isalnum() else " " for ch in title).split()
    return " ".join(w for w in words if w.upper() not in ("AND", "OR", "NOT"))[:300]


def warc_tail(data: DataDir) -> int:
    """Bytes of incomplete gzip member at the end of the newest WARC file (0 if none).

    Every older file must be complete: only the file being written when the
    process died may be damaged.
    """
    files = warc_files(data.warc) if data.warc.exists() else []
    tail = 0
    for i, path in enumerate(files):
        with path.open("rb") as fh:
            good = complete_prefix(fh)
        size = path.stat().st_size
        if good != size:
            if i != len(files) - 1:
                raise CheckFailed(f"{path.name}: damaged at byte {good} but it is not the newest file")
            tail = size - good
    return tail


def warc_records_read(data: DataDir) -> int:
    """Read every complete record of every WARC file to its end with warcio; returns the count.

    A damaged tail (see :func:`warc_tail`) is skipped, as the next crawl's
    repair would remove it; anything else unreadable fails the check.
    """
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    for path in (warc_files(data.warc) if data.warc.exists() else []):
        with path.open("rb") as fh:
            good = complete_prefix(fh)
            fh.seek(0)
            stream = io.BytesIO(fh.read(good))
        try:
            for record in ArchiveIterator(stream):
                while record.raw_stream.read(1 << 20):  # raw: a gzip-bomb payload stays compressed
                    pass
                count += 1
        except Exception as exc:  # noqa: BLE001
            raise CheckFailed(f"{path.name}: warcio cannot read record {count}: {exc}") from exc
    return count


def captures_readable(data: DataDir) -> int:
    """Every response/revisit the catalog points at reads back from the archive."""
    from webui.warcread import ArchiveReadError, read_capture

    if not data.catalog.exists():
        return 0
    with Catalog(data.catalog, readonly=True) as cat:
        rows = cat.conn.execute("SELECT url, warc_file, warc_offset FROM captures "
                                "WHERE record_type IN ('response', 'revisit')").fetchall()
    for row in rows:
        try:
            read_capture(data.warc, row["warc_file"], row["warc_offset"], url=row["url"])
        except ArchiveReadError as exc:
            raise CheckFailed(f"catalog points at an unreadable record: {exc}") from exc
    return len(rows)


def warcio_check(data: DataDir) -> None:
    """``warcio check`` over every WARC file (digests and structure)."""
    files = [str(p) for p in warc_files(data.warc)] if data.warc.exists() else []
    if not files:
        return
    warcio = Path(sys.executable).with_name("warcio")
    cmd = [str(warcio)] if warcio.exists() else [sys.executable, "-m", "warcio.cli"]
    done = subprocess.run([*cmd, "check", *files], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise CheckFailed(f"warcio check failed: {(done.stdout + done.stderr)[-1500:]}")
