"""Writer locks: a dead writer's lock is free at once, a live writer's lock is never taken.

Both locks are ``flock`` locks (Whoosh's ``WRITELOCK`` and the archive's
``.writer.lock``): the kernel drops them when the holder dies, whatever
the lock file on disk says, and refuses them to anyone else while the
holder lives.  The tests hold the locks in real processes and SIGKILL them.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.catalog import Catalog
from index import store
from index.sync import sync_index
from khotin.paths import DataDir
from tests.conftest import build_data, generated_articles
from tests.reliability.conftest import REPO, khotin_cmd

HOLDER = r"""
import sys
from index import store
from index.schema import document_fields
from crawler.article import Article
ix = store.open_index(__import__("pathlib").Path(sys.argv[1]))
w = ix.writer()
w.add_document(**document_fields(Article(url="https://holder.example.vn/" + sys.argv[2], title=sys.argv[2],
                                         body="giữ khóa ghi", site="holder")))
print("LOCKED", flush=True)
if sys.stdin.readline().strip() == "commit":
    w.commit()
    print("COMMITTED", flush=True)
"""


@pytest.fixture
def indexed(tmp_path) -> DataDir:
    return build_data(tmp_path / "data", generated_articles(20, seed=3))


def hold_writer(data: DataDir, marker: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(data.index), marker], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "LOCKED"
    return proc


def flock_free(path: Path) -> bool:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def titles(data: DataDir) -> set[str]:
    ix = store.open_index(data.index, create_missing=False)
    try:
        with ix.searcher() as s:
            return {f["doc"]["title"] for f in s.all_stored_fields()}
    finally:
        ix.close()


def test_a_dead_writers_index_lock_is_cleared_at_once(indexed):
    proc = hold_writer(indexed, "killed-writer")
    lock = indexed.index / "MAIN_WRITELOCK"  # Whoosh names it <indexname>_WRITELOCK
    assert not flock_free(lock)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert lock.exists()            # the stale lock file stays on disk ...
    assert flock_free(lock)         # ... but the kernel released the lock with the process
    ix = store.open_index(indexed.index)
    t0 = time.monotonic()
    with store.writer(ix, timeout=5) as w:
        waited = time.monotonic() - t0
        w.delete_by_term("id", "nothing")
    ix.close()
    assert waited < 0.5
    assert "killed-writer" not in titles(indexed)    # its uncommitted document is gone
    assert len(titles(indexed)) == 20                # and nothing committed was lost
    with Catalog(indexed.catalog) as cat:
        cat.upsert_many(generated_articles(3, seed=4))
    assert sync_index(indexed, timeout=5).updated == 3


def test_a_live_writers_index_lock_is_never_stolen(indexed):
    proc = hold_writer(indexed, "live-writer")
    try:
        with Catalog(indexed.catalog) as cat:
            cat.upsert_many(generated_articles(2, seed=5))
        t0 = time.monotonic()
        with pytest.raises(store.IndexBusy, match="being written by another process"):
            sync_index(indexed, timeout=1.0)
        assert time.monotonic() - t0 >= 1.0            # it waited, then gave up cleanly
        ix = store.open_index(indexed.index)
        with pytest.raises(store.IndexBusy), store.writer(ix, timeout=0.3):
            pass
        ix.close()
        proc.stdin.write("commit\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "COMMITTED"   # the holder's commit still works
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "live-writer" in titles(indexed)
    assert sync_index(indexed, timeout=5).updated == 2     # and the waiting sync catches up after


@pytest.mark.slow
def test_archive_lock_refuses_a_second_crawl_and_frees_on_kill(tmp_path, paused_runs):
    from khotin.fixtures.server import FixtureServer

    with FixtureServer(portals=["nukeviet"], articles_per_portal=4, hazard_portal="none") as srv:
        sites = tmp_path / "sites.toml"
        sites.write_text(srv.sites_toml(), encoding="utf-8")
        data = DataDir.of(tmp_path / "data")
        cmd = khotin_cmd(data.root, "--set", "allow_private_addresses=true", "--set",
                         "loopback_delay_seconds=0", "crawl", "--sites", str(sites))
        first = paused_runs(cmd, "catalog-commit:3", tmp_path)
        first.wait()
        second = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2
        assert "another crawl is writing" in second.stderr and "Traceback" not in second.stderr
        first.kill()
        third = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert third.returncode == 0, third.stderr[-2000:]
        with Catalog(data.catalog, readonly=True) as cat:
            assert cat.count() >= 4
