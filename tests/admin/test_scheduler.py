"""Scheduled recrawls: a site with ``recrawl_every`` is queued when due, once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crawler.catalog import Catalog
from crawler.sites import save_sites, site_from_dict
from khotin import jobs
from khotin.worker import Worker, next_run
from tests.admin.admin_helpers import settings_for


def sites(data, **every):
    save_sites(data.sites, [site_from_dict({"name": name, "start_urls": [f"http://127.0.0.1:{8001 + i}/"],
                                            **({"recrawl_every": e} if e else {})})
                            for i, (name, e) in enumerate(every.items())])


def crawled(data, site: str, ok: bool = True) -> None:
    with Catalog(data.catalog) as catalog:
        run = catalog.start_crawl(site)
        catalog.finish_crawl(run, ok=ok, counters={}, error=None if ok else "boom")


def test_due_sites_are_queued_once(data):
    sites(data, fresh="7d", stale="1d", never="12h", manual=None)
    crawled(data, "fresh")
    crawled(data, "stale")
    worker = Worker(settings_for(data))
    conn = jobs.connect(data.catalog)
    later = datetime.now(timezone.utc) + timedelta(days=2)
    queued = worker.schedule(conn, now=later)
    assert sorted(j.site for j in queued) == ["never", "stale"]
    assert all(j.requested_by == "scheduler" for j in queued)
    assert worker.schedule(conn, now=later) == []  # already queued
    conn.close()


def test_crawl_all_in_the_queue_covers_every_site(data):
    sites(data, a="1d", b="1d")
    conn = jobs.connect(data.catalog)
    jobs.enqueue(conn, "crawl", None, "alice")
    assert Worker(settings_for(data)).schedule(conn) == []
    conn.close()


def test_failed_scheduled_crawl_backs_off(data):
    sites(data, flaky="10m")
    conn = jobs.connect(data.catalog)
    worker = Worker(settings_for(data))
    job = worker.schedule(conn)[0]
    jobs.claim(conn, pid=1)
    jobs.finish(conn, job.id, "failed", error="robots.txt unavailable")
    now = datetime.now(timezone.utc)
    assert worker.schedule(conn, now=now + timedelta(minutes=5)) == []
    assert len(worker.schedule(conn, now=now + timedelta(minutes=11))) == 1
    conn.close()


def test_next_run_and_no_sites_file(data):
    worker = Worker(settings_for(data))
    conn = jobs.connect(data.catalog)
    assert worker.schedule(conn) == []  # no sites.toml: nothing to do, no error
    data.sites.write_text("not toml [", encoding="utf-8")
    assert worker.schedule(conn) == []
    conn.close()
    site = site_from_dict({"name": "x", "start_urls": ["http://127.0.0.1:1/"], "recrawl_every": "1d"})
    assert next_run(site, "2024-09-27T08:00:00+07:00").isoformat() == "2024-09-28T08:00:00+07:00"
    assert next_run(site, None) is not None
    assert next_run(site_from_dict({"name": "y", "start_urls": ["http://127.0.0.1:1/"]}), None) is None
