"""Index sync from the catalog, the one-writer rule, rebuilds and refresh."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from crawler.article import Article
from crawler.catalog import Catalog
from index import store
from index.sync import pending_changes, rebuild_index, sync_index
from khotin.settings import load_settings
from search.params import SearchParams
from search.service import SearchService
from tests.conftest import build_data, generated_articles


def _article(n: int, title: str = "Tin thử nghiệm") -> Article:
    return Article(url=f"https://t.example.vn/{n}", title=f"{title} {n}", body=f"Nội dung số {n} về cà phê.",
                   site="t", published=f"2024-01-0{n % 9 + 1}")


def _service(data):
    return SearchService(data, load_settings(data.root).replace(refresh_seconds=0))


def test_sync_applies_inserts_updates_and_deletes(data_dir):
    with Catalog(data_dir.catalog) as catalog:
        catalog.upsert_many([_article(i) for i in range(5)])
        assert pending_changes(data_dir) == 5
        stats = sync_index(data_dir)
        assert stats.updated == 5 and pending_changes(data_dir) == 0
        svc = _service(data_dir)
        assert svc.search(SearchParams(q="cà phê"))["total"] == 5
        catalog.upsert(_article(1, "Tiêu đề mới"))
        catalog.delete(_article(2).id)
        stats = sync_index(data_dir)
        assert (stats.updated, stats.deleted) == (1, 1)
        result = svc.search(SearchParams(q="cà phê", per_page=10))
        assert result["total"] == 4
        assert "Tiêu đề mới 1" in [r["title"] for r in result["results"]]
        assert svc.index_documents() == 4
        svc.close()


def test_sync_is_idempotent_when_bookkeeping_is_lost(data_dir):
    with Catalog(data_dir.catalog) as catalog:
        catalog.upsert_many([_article(i) for i in range(3)])
        sync_index(data_dir)
        catalog.set_meta("index_seq", "0")  # as if we died after the index commit
        sync_index(data_dir)
    svc = _service(data_dir)
    assert svc.search(SearchParams(q="cà phê"))["total"] == 3
    svc.close()


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from whoosh import index
    ix = index.open_dir(sys.argv[1])
    w = ix.writer()
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    w.cancel()
""")


def test_second_writer_waits_for_the_lock(data_dir):
    with Catalog(data_dir.catalog) as catalog:
        catalog.upsert(_article(1))
    sync_index(data_dir)
    with Catalog(data_dir.catalog) as catalog:
        catalog.upsert(_article(2))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(data_dir.index), "1.5"],
                              stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"locked"
    with pytest.raises(store.IndexBusy):
        sync_index(data_dir, timeout=0.3)
    started = time.monotonic()
    stats = sync_index(data_dir, timeout=30)
    assert stats.updated == 1 and time.monotonic() - started > 0.5
    holder.wait(10)


def test_killed_writer_leaves_no_stale_lock(data_dir):
    with Catalog(data_dir.catalog) as catalog:
        catalog.upsert(_article(1))
    sync_index(data_dir)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(data_dir.index), "60"],
                              stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"locked"
    holder.kill()
    holder.wait(10)
    with Catalog(data_dir.catalog) as catalog:
        catalog.upsert(_article(2))
    assert sync_index(data_dir, timeout=5).updated == 1


def test_rebuild_swaps_in_while_searches_continue(tmp_path):
    data = build_data(tmp_path / "d", generated_articles(60))
    svc = _service(data)
    before = svc.search(SearchParams(q="huyện", per_page=5))
    with svc.engine.snapshot() as old:  # a request in flight during the swap
        count = rebuild_index(data, load_settings(data.root))
        assert count == 60
        assert old.stored(0)["id"]  # the old snapshot still reads
    after = svc.search(SearchParams(q="huyện", per_page=5))
    assert after["total"] == before["total"]
    assert [r["id"] for r in after["results"]] == [r["id"] for r in before["results"]]
    with svc.engine.snapshot() as snap:
        assert snap.identity != old.identity
    svc.close()


def test_new_commits_are_seen_without_restart(tmp_path):
    data = build_data(tmp_path / "d", generated_articles(20))
    svc = _service(data)
    assert svc.search(SearchParams(q="xoài Yên Châu"))["total"] == 0
    with Catalog(data.catalog) as catalog:
        catalog.upsert(Article(url="https://t.example.vn/xoai", title="Xoài Yên Châu vào vụ",
                               body="Nông dân thu hoạch xoài.", site="t"))
    sync_index(data)
    assert svc.search(SearchParams(q="xoài Yên Châu"))["total"] == 1
    svc.close()


def test_outdated_index_asks_for_reindex(data_dir):
    store.open_index(data_dir.index).close()
    (data_dir.index / store.VERSION_FILE).write_text('{"analysis_version": "0"}')
    with pytest.raises(store.IndexOutdated, match="khotin reindex"):
        store.open_index(data_dir.index)
