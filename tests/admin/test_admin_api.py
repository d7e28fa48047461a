"""``/api/admin/*``: shapes, validation and errors (the worker is not running here)."""

from __future__ import annotations

import pytest

from crawler.sites import save_sites, site_from_dict
from khotin import jobs
from tests.admin.admin_helpers import new_token


@pytest.fixture
def api(client, data, user):
    save_sites(data.sites, [site_from_dict({"name": n, "start_urls": [f"http://127.0.0.1:{p}/"]})
                            for n, p in (("maison", 8001), ("yenchau", 8002))])
    _, token = new_token(data)
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        def get(self, url):
            return client.get(url, headers=headers)

        def post(self, url, body=None, **kw):
            return client.post(url, json=body, headers=headers, **kw)

    return Api()


def test_queue_jobs_and_read_them_back(api):
    crawl = api.post("/api/admin/jobs", {"kind": "crawl", "site": "maison"})
    assert crawl.status_code == 202
    job = crawl.get_json()
    assert crawl.headers["Location"].endswith(f"/api/admin/jobs/{job['id']}")
    assert {"id", "kind", "site", "state", "counters", "started", "finished"} <= set(job)
    assert (job["kind"], job["site"], job["state"]) == ("crawl", "maison", "queued")
    assert job["counters"] == {"fetched": 0, "new": 0, "changed": 0, "errors": 0}
    assert job["started"] is None and job["finished"] is None and job["requested_by"] == "alice"
    every = api.post("/api/admin/jobs", {"kind": "crawl"}).get_json()
    reindex = api.post("/api/admin/jobs", {"kind": "reindex"}).get_json()
    assert every["site"] is None and reindex["kind"] == "reindex"
    again = api.post("/api/admin/jobs", {"kind": "crawl", "site": "maison"}).get_json()
    assert again["id"] == job["id"]  # the same job is still queued: not a second one
    listed = api.get("/api/admin/jobs").get_json()
    assert [j["id"] for j in listed["jobs"]] == [reindex["id"], every["id"], job["id"]]
    assert listed["worker"] is None
    one = api.get(f"/api/admin/jobs/{job['id']}").get_json()
    assert one["id"] == job["id"] and one["log"][0]["line"] == "queued by alice"
    assert api.get("/api/admin/jobs?state=queued&limit=2").get_json()["jobs"][0]["id"] == reindex["id"]


@pytest.mark.parametrize("body, param", [
    ({"kind": "crawl", "site": "nowhere"}, "site"),
    ({"kind": "explode"}, "kind"),
    ({}, "kind"),
    ({"kind": "reindex", "site": "maison"}, "site"),
    ({"kind": "crawl", "site": ["maison"]}, "site"),
])
def test_bad_requests_are_400_json(api, body, param):
    response = api.post("/api/admin/jobs", body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["param"] == param and error["message"]


def test_non_json_bodies_and_bad_parameters(api):
    response = api.post("/api/admin/jobs", data="kind=crawl", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert api.post("/api/admin/jobs", [1, 2]).status_code == 400
    assert api.get("/api/admin/jobs?limit=many").status_code == 400
    assert api.get("/api/admin/jobs?state=sleeping").status_code == 400
    assert api.get("/api/admin/jobs/12345").status_code == 404
    assert api.get("/api/admin/jobs/12345").get_json()["error"]["message"]


def test_cancel_and_retry(api, data):
    job = api.post("/api/admin/jobs", {"kind": "crawl", "site": "yenchau"}).get_json()
    cancelled = api.post(f"/api/admin/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    assert api.post(f"/api/admin/jobs/{job['id']}/cancel").status_code == 409
    retried = api.post(f"/api/admin/jobs/{job['id']}/retry")
    assert retried.status_code == 202
    new = retried.get_json()
    assert new["retry_of"] == job["id"] and new["state"] == "queued" and new["site"] == "yenchau"
    assert api.post(f"/api/admin/jobs/{new['id']}/retry").status_code == 409  # still queued
    # A running job is only asked to stop: the worker finishes it as cancelled.
    conn = jobs.connect(data.catalog)
    claimed = jobs.claim(conn, pid=1)
    assert claimed.id == new["id"]
    running = api.post(f"/api/admin/jobs/{new['id']}/cancel").get_json()
    assert running["state"] == "running" and running["cancel_requested"] is True
    assert jobs.report(conn, new["id"], counters={"fetched": 3}) is True
    conn.close()
    assert api.post("/api/admin/jobs/999/cancel").status_code == 404


def test_sites_endpoint(api):
    data = api.get("/api/admin/sites").get_json()
    assert data["error"] is None
    assert [s["name"] for s in data["sites"]] == ["maison", "yenchau"]
    site = data["sites"][0]
    assert site["start_urls"] == ["http://127.0.0.1:8001/"] and site["allowed_domains"] == ["127.0.0.1:8001"]
    assert site["articles"] == 0 and site["last_crawl"] is None and site["job"] is None
    api.post("/api/admin/jobs", {"kind": "crawl"})
    assert api.get("/api/admin/sites").get_json()["sites"][1]["job"]["state"] == "queued"


def test_openapi_documents_the_admin_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ("/api/admin/jobs", "/api/admin/jobs/{id}", "/api/admin/jobs/{id}/cancel",
                 "/api/admin/jobs/{id}/retry", "/api/admin/sites"):
        assert path in spec["paths"]
    assert set(spec["paths"]["/api/admin/jobs"]) == {"get", "post"}
    assert "bearerAuth" in spec["components"]["securitySchemes"]
