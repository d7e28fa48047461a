"""A full reindex racing incremental syncs and readers never hides an article.

``khotin reindex`` builds a new index next to the live one and swaps it
in, while a crawl or an import may keep committing to the live index.  The
pause points of ``khotin/testpause.py`` put the processes in the exact
orders that used to lose changes or the whole index.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from crawler.catalog import Catalog
from index import store
from khotin.paths import DataDir
from tests.conftest import build_data, generated_articles
from tests.reliability.conftest import REPO, khotin_cmd
from tests.reliability.killchecks import indexed_ids, search_works

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def data(tmp_path) -> DataDir:
    return build_data(tmp_path / "data", generated_articles(400, seed=17))


def jsonl(path, articles) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(json.dumps(a, ensure_ascii=False) + "\n")
    return str(path)


def fresh(n: int, seed: int) -> list[dict]:
    """Articles at URLs the fixture's 400 do not use."""
    return [{"url": a.url.replace("/tin/", f"/moi-{seed}/"), "title": a.title, "body": a.body,
             "site": a.site} for a in generated_articles(n, seed=seed)]


def test_a_swap_interrupted_between_renames_is_restored(data, monkeypatch):
    """Where the atomic exchange is unavailable, a half-done swap leaves ``index.old``: it comes back."""
    before = indexed_ids(data)
    os.replace(data.index, data.index.with_name("index.old"))  # what a kill between the renames leaves
    assert search_works(data) == search_works(data) > 0
    assert indexed_ids(data) == before
    monkeypatch.setattr(store, "_exchange", lambda a, b: False)  # the two-rename fallback still swaps
    from index.sync import rebuild_index

    assert rebuild_index(data) == 400
    assert indexed_ids(data) == before and not data.index.with_name("index.old").exists()


def test_readers_during_the_swap_see_the_whole_index(data, tmp_path, paused_runs):
    run = paused_runs(khotin_cmd(data.root, "reindex"), "reindex-swap", tmp_path)
    run.wait()
    assert len(indexed_ids(data)) == 400 and search_works(data) > 0  # a reader at that very moment
    assert run.release() == 0, run.output()[-2000:]
    assert len(indexed_ids(data)) == 400


def test_articles_synced_during_a_rebuild_stay_searchable(data, tmp_path, paused_runs):
    run = paused_runs(khotin_cmd(data.root, "reindex"), "reindex-build:1", tmp_path)
    run.wait()                                   # the rebuild has read the catalog
    new = fresh(30, seed=41)
    done = subprocess.run(khotin_cmd(data.root, "import", jsonl(tmp_path / "new.jsonl", new)),
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(indexed_ids(data)) == 430         # searchable at once, in the live index
    assert run.release() == 0, run.output()[-2000:]
    assert len(indexed_ids(data)) == 430         # and still after the swap


def test_a_sync_finishing_after_the_swap_cannot_hide_its_changes(data, tmp_path, paused_runs):
    """Sync commits to the old index, the rebuild swaps, then the sync records its progress."""
    reindex = paused_runs(khotin_cmd(data.root, "reindex"), "reindex-build:1,reindex-catch-up:1", tmp_path)
    assert reindex.wait() == "reindex-build"
    new = fresh(25, seed=43)
    importer = paused_runs(khotin_cmd(data.root, "import", jsonl(tmp_path / "new.jsonl", new)),
                           "index-seq", tmp_path)
    importer.wait()                              # committed to the live (old) index, seq not recorded
    reindex.resume()
    assert reindex.wait() == "reindex-catch-up"  # swapped in the new index, recorded its own seq
    assert importer.release() == 0, importer.output()[-2000:]
    assert reindex.release() == 0, reindex.output()[-2000:]
    assert len(indexed_ids(data)) == 425
    with Catalog(data.catalog) as cat:
        assert int(cat.get_meta("index_seq")) == cat.last_change()
