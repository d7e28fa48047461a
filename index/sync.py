"""Keep the index in step with the catalog: incremental sync and full rebuild.

The catalog's ``changes`` table is an append-only log of article ids that
were inserted, updated or deleted.  :func:`sync_index` applies every change
after ``meta.index_seq`` in one writer session and then records the new
sequence number.  If the process dies between the index commit and that
record, the next sync re-applies a few changes; updates are keyed by the
unique ``id`` field, so applying twice is harmless.

:func:`rebuild_index` builds a fresh index from every article in the catalog
into ``index.new`` and swaps it in, so searches keep working meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from whoosh.util.filelock import FileLock, try_for

from crawler.catalog import Catalog
from khotin import db
from khotin.paths import DataDir
from khotin.settings import Settings
from khotin.testpause import pause_point

from . import store
from .schema import document_fields

Progress = Callable[[int, int], None]
#: The file Whoosh's writer locks (``FileIndex.lock("WRITELOCK")`` prefixes the index name).
WRITELOCK = "MAIN_WRITELOCK"


@dataclass
class SyncStats:
    updated: int = 0
    deleted: int = 0
    seq: int = 0


def _index_seq(catalog: Catalog) -> int:
    return int(catalog.get_meta("index_seq", "0") or 0)


def pending_changes(data: DataDir) -> int:
    with Catalog(data.catalog) as catalog:
        return catalog.last_change() - _index_seq(catalog)


def sync_index(data: DataDir, settings: Settings | None = None, *, timeout: float = 120.0,
               progress: Progress | None = None, batch: int = 1000) -> SyncStats:
    """Apply the catalog's pending changes to the index, as its single writer."""
    stats = SyncStats()
    with Catalog(data.catalog) as catalog:
        start = _index_seq(catalog)
        stats.seq = start
        last = catalog.last_change()
        if last <= start and store.exists(data.index):
            return stats
        ix = store.open_index(data.index)
        opened = _inode(data.index)
        try:
            with store.writer(ix, timeout=timeout) as w:
                if _inode(data.index) != opened:
                    # A rebuild swapped the directory while we waited for the
                    # lock: this writer points at the old one.  Start over.
                    raise _Swapped
                seq = start
                while True:
                    changes = catalog.changes_since(seq, limit=batch)
                    if not changes:
                        break
                    seq = changes[-1][0]
                    ids = list(dict.fromkeys(article_id for _, article_id, _ in changes))
                    articles = catalog.get_many(ids)
                    for article_id in ids:
                        article = articles.get(article_id)
                        if article is None:
                            w.delete_by_term("id", article_id)
                            stats.deleted += 1
                        else:
                            w.update_document(**document_fields(article))
                            stats.updated += 1
                    if progress:
                        progress(seq - start, last - start)
                stats.seq = seq
            pause_point("index-seq")  # tests: index committed, its sequence number not yet
            with db.transaction(catalog.conn):
                if _inode(data.index) != opened:
                    # A rebuild swapped in a new index after this commit went to the
                    # old one (and recorded its own, older position): apply again.
                    raise _Swapped
                catalog.set_meta("index_seq", str(stats.seq))
        except _Swapped:
            ix.close()
            return sync_index(data, settings, timeout=timeout, progress=progress, batch=batch)
        finally:
            ix.close()
    return stats


class _Swapped(Exception):
    pass


def _inode(path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def rebuild_index(data: DataDir, settings: Settings | None = None, *,
                  progress: Progress | None = None) -> int:
    """Build a new index from the whole catalog and swap it in; returns documents."""
    procs = int(settings.index_procs) if settings else 1
    built = store.build_path(data.index)
    if built.exists():
        shutil.rmtree(built)
    with Catalog(data.catalog) as catalog:
        seq = catalog.last_change()
        total = catalog.count()
        ix = store.create(built)
        count = 0
        try:
            with store.writer(ix, procs=procs, limitmb=256) as w:
                for article in catalog.iter_articles():
                    w.add_document(**document_fields(article))
                    count += 1
                    if count % 200 == 0:
                        pause_point("reindex-build")  # tests: a kill in the middle of the build
                    if progress and count % 500 == 0:
                        progress(count, total)
        finally:
            ix.close()
        # Hold the live index's writer lock while swapping, so an incremental
        # sync cannot commit into the directory we are about to replace.
        data.index.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(data.index / WRITELOCK))
        if not try_for(lambda: lock.acquire(blocking=False), timeout=120.0, delay=0.2):
            raise store.IndexBusy(f"the index at {data.index} is being written by another process")
        try:
            store.swap_in(data.index, built)
        finally:
            lock.release()
        pause_point("index-seq")
        catalog.set_meta("index_seq", str(seq))
    pause_point("reindex-catch-up")  # tests: swapped and recorded, catch-up not yet run
    # Changes committed meanwhile (a crawl or an import syncing into the old
    # index) are not in the new one: apply them now, not at the next crawl.
    # If another writer holds the lock, it is a sync: it notices the swap and applies them.
    with contextlib.suppress(store.IndexBusy):
        sync_index(data, settings)
    if progress:
        progress(count, total)
    return count

