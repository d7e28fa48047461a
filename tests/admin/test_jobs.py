"""The job queue in the catalog: states, log tail, stale-job detection."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from khotin import jobs
from khotin.errors import UserError


@pytest.fixture
def conn(data):
    c = jobs.connect(data.catalog)
    yield c
    c.close()


def test_lifecycle(conn):
    job = jobs.enqueue(conn, "crawl", "maison", "alice")
    assert job.state == "queued" and job.label == "crawl maison"
    claimed = jobs.claim(conn, pid=4242)
    assert claimed.id == job.id and claimed.state == "running" and claimed.worker_pid == 4242
    assert jobs.claim(conn, pid=4242) is None
    assert jobs.report(conn, job.id, counters={"fetched": 7, "new": 2, "bogus": 1}, lines=["a", "b"]) is False
    jobs.finish(conn, job.id, "done", lines=["summary"])
    done = jobs.get(conn, job.id)
    assert done.state == "done" and done.counters == {"fetched": 7, "new": 2, "changed": 0, "errors": 0}
    assert done.finished >= done.started >= done.created
    assert [line for _, line in jobs.log_lines(conn, job.id)][-4:] == ["a", "b", "summary", "finished: done"]
    with pytest.raises(UserError):
        jobs.request_cancel(conn, job.id, "alice")
    with pytest.raises(UserError):
        jobs.enqueue(conn, "dance", None, "alice")


def test_log_keeps_the_last_lines(conn):
    job = jobs.enqueue(conn, "reindex", None, "alice")
    for start in range(0, 450, 50):
        jobs.report(conn, job.id, lines=[f"line {i}" for i in range(start, start + 50)])
    lines = [line for _, line in jobs.log_lines(conn, job.id)]
    assert len(lines) == jobs.LOG_LINES
    assert lines[-1] == "line 449" and lines[0] == f"line {450 - jobs.LOG_LINES}"


def test_dead_and_silent_workers_jobs_are_marked_failed(conn):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    a = jobs.enqueue(conn, "crawl", "a", "alice")
    jobs.claim(conn, dead.pid)
    b = jobs.enqueue(conn, "crawl", "b", "alice")
    jobs.claim(conn, pid=1)  # alive (init), but silent:
    conn.execute("UPDATE jobs SET heartbeat = ? WHERE id = ?", (time.time() - jobs.STALE_AFTER - 5, b.id))
    c = jobs.enqueue(conn, "crawl", "c", "alice")
    jobs.claim(conn, pid=1)  # alive and beating: kept
    assert jobs.get(conn, b.id).stale and not jobs.get(conn, c.id).stale
    assert sorted(jobs.reap(conn, own_pid=999_999)) == [a.id, b.id]
    failed = jobs.get(conn, a.id)
    assert failed.state == "failed" and "killed or crashed" in failed.error
    assert "retry the job" in jobs.log_lines(conn, a.id)[-1][1]
    assert "no heartbeat" in jobs.get(conn, b.id).error
    assert jobs.get(conn, c.id).state == "running"
    # Holding the one-worker lock, every other worker's running job is orphaned.
    assert jobs.reap(conn, own_pid=999_999, all_foreign=True) == [c.id]
    again = jobs.retry(conn, a.id, "bob")
    assert again.state == "queued" and again.retry_of == a.id and again.site == "a"


def test_requeue_and_cancel_queued(conn):
    job = jobs.enqueue(conn, "crawl", None, "scheduler")
    jobs.claim(conn, pid=5)
    jobs.requeue(conn, job.id, "worker stopping")
    back = jobs.get(conn, job.id)
    assert back.state == "queued" and back.worker_pid is None and back.started is None
    cancelled = jobs.request_cancel(conn, job.id, "alice")
    assert cancelled.state == "cancelled" and cancelled.finished
    assert jobs.claim(conn, pid=5) is None


def test_covering_knows_crawl_all_covers_every_site(conn):
    assert jobs.covering(conn, "maison") is None
    every = jobs.enqueue(conn, "crawl", None, "alice")
    assert jobs.covering(conn, "maison").id == every.id
    jobs.enqueue(conn, "reindex", None, "alice")
    jobs.request_cancel(conn, every.id, "alice")
    assert jobs.covering(conn, "maison") is None
