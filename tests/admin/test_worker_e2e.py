"""The real thing: jobs queued through the API, run by a ``khotin worker`` subprocess,
crawling fixture portals on loopback, with progress, cancellation and SIGKILL."""

from __future__ import annotations

import signal
import time

import pytest

from crawler.catalog import Catalog
from khotin import jobs
from khotin.fixtures.server import FixtureServer
from search.params import SearchParams
from search.service import SearchService
from tests.admin.admin_helpers import new_token, settings_for, start_worker, stop, wait_for

pytestmark = pytest.mark.slow

FINAL = ("done", "failed", "cancelled")


@pytest.fixture
def api(make_app, data, user):
    client = make_app().test_client()
    _, token = new_token(data)
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        def job(self, job_id):
            return client.get(f"/api/admin/jobs/{job_id}", headers=headers).get_json()

        def post(self, url, body=None):
            return client.post(url, json=body, headers=headers)

        def search(self, q):
            return client.get("/api/search", query_string={"q": q}).get_json()

        def crawl(self, site):
            response = client.post("/api/admin/jobs", json={"kind": "crawl", "site": site}, headers=headers)
            assert response.status_code == 202, response.get_json()
            return response.get_json()["id"]

        def watch(self, job_id, timeout=60.0):
            """Snapshots of the job until it ends: [(state, counters), …]."""
            seen = []
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                job = self.job(job_id)
                seen.append((job["state"], dict(job["counters"])))
                if job["state"] in FINAL:
                    return seen
                time.sleep(0.15)
            raise AssertionError(f"job {job_id} did not end: {seen[-3:]}")

    return Api()


@pytest.fixture
def spawn(data, tmp_path):
    """Start ``khotin worker`` subprocesses; whatever a failing test leaves running is stopped."""
    started = []

    def start(*extra: str):
        proc = start_worker(data, tmp_path / "worker.log", *extra)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop(proc, signal.SIGKILL)


def portal(delay: float, articles: int = 4) -> FixtureServer:
    return FixtureServer(articles_per_portal=articles, portals=["wordpress"], hazard_portal="", delay=delay)


def test_recrawl_runs_in_the_worker_with_live_progress_and_new_articles_become_searchable(api, data, tmp_path, spawn):
    with portal(delay=0.08) as srv:
        data.sites.write_text(srv.sites_toml(), encoding="utf-8")
        worker = spawn()
        try:
            first = api.crawl("wordpress")
            seen = api.watch(first)
            state, final = seen[-1]
            assert state == "done", api.job(first)["log"][-5:]
            assert final["new"] == len(srv.expected_articles("wordpress")) == 4
            running = [c for s, c in seen if s == "running"]
            assert any(0 < c["fetched"] < final["fetched"] for c in running), seen  # progress while it ran
            job = api.job(first)
            assert job["worker_pid"] == worker.pid and job["started"] and job["finished"]
            assert any("index updated" in entry["line"] for entry in job["log"])

            url = srv.add_article("wordpress")
            second = api.crawl("wordpress")
            state, counters = api.watch(second)[-1]
            assert state == "done" and counters["new"] == 1
            with Catalog(data.catalog) as catalog:
                title = catalog.find_by_url(url).title
            hits = api.search(f'"{title}"')["results"]
            assert hits and hits[0]["url"] == url
        finally:
            assert stop(worker) == 0
    assert "Traceback" not in (tmp_path / "worker.log").read_text()


def test_cancel_stops_a_running_crawl_within_seconds(api, data, tmp_path, spawn):
    with portal(delay=0.25, articles=6) as srv:
        data.sites.write_text(srv.sites_toml(), encoding="utf-8")
        worker = spawn()
        try:
            job_id = api.crawl("wordpress")
            wait_for(lambda: api.job(job_id)["counters"]["fetched"] >= 2, timeout=30)
            asked = time.monotonic()
            response = api.post(f"/api/admin/jobs/{job_id}/cancel")
            assert response.status_code == 200 and response.get_json()["cancel_requested"]
            job = wait_for(lambda: (j := api.job(job_id))["state"] in FINAL and j, timeout=15)
            took = time.monotonic() - asked
            assert job["state"] == "cancelled" and took < 5, (job["state"], took)
            lines = [e["line"] for e in job["log"]]
            assert any("cancellation requested by alice" in line for line in lines)
            assert job["counters"]["fetched"] < 40  # it really stopped early
            # The worker goes on with the next job.
            reindex = api.post("/api/admin/jobs", {"kind": "reindex"}).get_json()["id"]
            assert api.watch(reindex)[-1][0] == "done"
        finally:
            stop(worker)


def test_killed_worker_leaves_a_usable_index_and_a_failed_job_that_can_be_retried(api, data, tmp_path, spawn):
    with portal(delay=0.15, articles=6) as srv:
        data.sites.write_text(srv.sites_toml(), encoding="utf-8")
        # Index after every 2 articles, so the kill can land while the index is written.
        worker = spawn("--set", "index_commit_every=2")
        job_id = api.crawl("wordpress")
        wait_for(lambda: api.job(job_id)["counters"]["new"] >= 3, timeout=40)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert api.job(job_id)["state"] == "running"  # nobody has noticed yet

        with Catalog(data.catalog) as catalog:
            assert catalog.integrity_check() == "ok"
        service = SearchService(data, settings_for(data))
        try:
            result = service.search(SearchParams.from_mapping({"q": "huyện"}))
            assert result["total"] >= 0  # the index opens and answers
        finally:
            service.close()

        restarted = spawn()
        try:
            job = wait_for(lambda: (j := api.job(job_id))["state"] == "failed" and j, timeout=20)
            assert "killed or crashed" in job["error"]
            assert any("marked failed" in e["line"] for e in job["log"])
            # Only one worker per data directory.
            second = spawn()
            assert second.wait(30) == 75

            retried = api.post(f"/api/admin/jobs/{job_id}/retry")
            assert retried.status_code == 202
            state, counters = api.watch(retried.get_json()["id"])[-1]
            assert state == "done"
        finally:
            stop(restarted)
        with Catalog(data.catalog) as catalog:
            archived = {a.canonical_url for a in catalog.iter_articles()}
        assert srv.expected_articles("wordpress") <= archived
        assert api.search("")["total"] == len(archived)  # everything archived is searchable


def test_worker_once_runs_the_queue_and_exits(data, tmp_path):
    import subprocess

    from tests.admin.admin_helpers import REPO, env, khotin_args

    conn = jobs.connect(data.catalog)
    job = jobs.enqueue(conn, "reindex", None, "alice")
    conn.close()
    result = subprocess.run([*khotin_args(data), "worker", "--once"], cwd=REPO, env=env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "ran 1 job(s)" in result.stdout
    conn = jobs.connect(data.catalog)
    done = jobs.get(conn, job.id)
    conn.close()
    assert done.state == "done" and done.worker_pid


def test_stopping_the_worker_puts_the_job_back_and_the_next_worker_finishes_it(api, data, tmp_path, spawn):
    with portal(delay=0.15) as srv:
        data.sites.write_text(srv.sites_toml(), encoding="utf-8")
        worker = spawn()
        job_id = api.crawl("wordpress")
        wait_for(lambda: api.job(job_id)["counters"]["fetched"] >= 3, timeout=30)
        assert stop(worker, signal.SIGTERM) == 0
        job = api.job(job_id)
        assert job["state"] == "queued" and job["worker_pid"] is None
        assert any("will continue" in e["line"] for e in job["log"])
        worker = spawn()
        try:
            assert api.watch(job_id)[-1][0] == "done"
        finally:
            stop(worker)
        starts = [e["line"] for e in api.job(job_id)["log"] if e["line"].startswith("started by worker")]
        assert len(starts) == 2 and starts[0] != starts[1]  # one job, two workers
        with Catalog(data.catalog) as catalog:
            archived = {a.canonical_url for a in catalog.iter_articles()}
        assert srv.expected_articles("wordpress") <= archived


def test_worker_waits_while_khotin_crawl_holds_the_archive(data, tmp_path):
    import fcntl
    import subprocess

    from tests.admin.admin_helpers import REPO, env, khotin_args

    conn = jobs.connect(data.catalog)
    job = jobs.enqueue(conn, "crawl", None, "alice")
    with (data.warc / ".writer.lock").open("a+") as held:  # what crawler.warc takes
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = subprocess.run([*khotin_args(data), "worker", "--once"], cwd=REPO, env=env(),
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "ran 0 job(s)" in result.stdout
    assert jobs.get(conn, job.id).state == "queued"
    conn.close()
