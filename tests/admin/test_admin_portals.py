"""The portals page and the add/edit form: validation, safe writes, audit."""

from __future__ import annotations

from crawler.catalog import Catalog
from crawler.sites import load_sites, save_sites, site_from_dict
from khotin import accounts, audit, jobs
from tests.admin.admin_helpers import csrf_from, page_csrf


def form(client, **fields) -> dict:
    values = {"name": "maison", "title": "Cổng TTĐT huyện Mai Sơn",
              "start_urls": "http://127.0.0.1:8001/", "allowed_domains": "", "feeds": "", "sitemaps": "",
              "recrawl_every": "1d", "max_pages": "", "delay_seconds": ""}
    values.update(fields)
    values["csrf_token"] = page_csrf(client, "/admin/sites/new")
    return values


def test_add_a_portal(admin, data):
    response = admin.post("/admin/sites/new", data=form(admin, start_urls="http://127.0.0.1:8001/\n\n"
                                                               "http://127.0.0.1:8001/tin-tuc"))
    assert response.status_code == 303
    assert "Đã thêm" in admin.get(response.headers["Location"]).get_data(as_text=True)
    site = load_sites(data.sites)[0]
    assert (site.name, site.title, site.recrawl_every) == ("maison", "Cổng TTĐT huyện Mai Sơn", "1d")
    assert site.start_urls == ["http://127.0.0.1:8001/", "http://127.0.0.1:8001/tin-tuc"]
    page = admin.get("/admin").get_data(as_text=True)
    assert 'data-site="maison"' in page and "Thu thập lại" in page
    conn = accounts.connect(data.catalog)
    entry = audit.recent(conn)[0]
    conn.close()
    assert (entry.user, entry.action, entry.target) == ("alice", "site.add", "maison")


def test_form_errors_are_shown_and_nothing_is_written(admin, data):
    cases = {
        "name": {"name": "tên có dấu"},
        "start_urls": {"start_urls": "ftp://127.0.0.1/"},
        "recrawl_every": {"recrawl_every": "hàng tuần"},
        "max_pages": {"max_pages": "0"},
        "delay_seconds": {"delay_seconds": "-1"},
        "allowed_domains": {"allowed_domains": "not a domain!"},
    }
    for field, bad in cases.items():
        response = admin.post("/admin/sites/new", data=form(admin, **bad))
        html = response.get_data(as_text=True)
        assert response.status_code == 400, field
        assert f'id="err-{field}"' in html, field
    outside = admin.post("/admin/sites/new", data=form(admin, allowed_domains="maison.sonla.gov.vn"))
    assert outside.status_code == 400 and "nằm ngoài" in outside.get_data(as_text=True)
    empty = admin.post("/admin/sites/new", data=form(admin, start_urls=" \n "))
    assert empty.status_code == 400
    assert not data.sites.exists()


def test_private_addresses_are_refused_unless_allowed(make_app, user, data):
    from tests.admin.admin_helpers import sign_in

    client = make_app(allow_private_addresses="false").test_client()
    sign_in(client)
    for url in ("http://127.0.0.1:8001/", "http://10.0.0.5/", "http://169.254.169.254/latest/meta-data/",
                "http://[::1]:8000/", "http://localhost:8000/"):
        response = client.post("/admin/sites/new", data=form(client, start_urls=url))
        html = response.get_data(as_text=True)
        assert response.status_code == 400, url
        assert "allow_private_addresses" in html, url
    assert not data.sites.exists()


def test_duplicate_names_are_refused(admin, data):
    assert admin.post("/admin/sites/new", data=form(admin)).status_code == 303
    again = admin.post("/admin/sites/new", data=form(admin))
    assert again.status_code == 400 and "Đã có cổng tin" in again.get_data(as_text=True)
    assert len(load_sites(data.sites)) == 1


def test_edit_keeps_fields_the_form_does_not_show(admin, data):
    save_sites(data.sites, [site_from_dict({"name": "maison", "start_urls": ["http://127.0.0.1:8001/"],
                                            "include": ["/tin-tuc/"], "selectors": {"title": "h1.t"}}),
                            site_from_dict({"name": "other", "start_urls": ["http://127.0.0.1:8002/"]})])
    page = admin.get("/admin/sites/maison")
    assert page.status_code == 200 and "http://127.0.0.1:8001/" in page.get_data(as_text=True)
    values = form(admin, name="renamed", title="Mai Sơn mới", recrawl_every="12h", max_pages="50")
    values["csrf_token"] = page_csrf(admin, "/admin/sites/maison")
    assert admin.post("/admin/sites/maison", data=values).status_code == 303
    sites = {s.name: s for s in load_sites(data.sites)}
    assert set(sites) == {"maison", "other"}  # the name of an existing portal cannot change
    edited = sites["maison"]
    assert (edited.title, edited.recrawl_every, edited.max_pages) == ("Mai Sơn mới", "12h", 50)
    assert edited.include == ["/tin-tuc/"] and edited.selectors == {"title": "h1.t"}
    assert admin.get("/admin/sites/missing").status_code == 404
    assert admin.get("/admin/sites/..%2Fetc").status_code == 404


def test_portals_table_shows_counts_crawls_errors_and_schedule(admin, data):
    save_sites(data.sites, [site_from_dict({"name": "maison", "start_urls": ["http://127.0.0.1:8001/"],
                                            "recrawl_every": "7d"})])
    with Catalog(data.catalog) as catalog:
        run = catalog.start_crawl("maison")
        catalog.finish_crawl(run, ok=True, counters={})
        run = catalog.start_crawl("maison")
        catalog.finish_crawl(run, ok=False, counters={}, error="robots.txt of http://127.0.0.1:8001 is unavailable")
    html = admin.get("/admin").get_data(as_text=True)
    assert "robots.txt of http://127.0.0.1:8001 is unavailable" in html
    assert "mỗi 7d" in html and "chưa có" not in html
    sites = admin.get("/api/admin/sites").get_json()["sites"]
    assert sites[0]["name"] == "maison" and sites[0]["articles"] == 0
    assert sites[0]["last_crawl"] and sites[0]["next_run"] > sites[0]["last_crawl"]


def test_recrawl_reindex_buttons_queue_jobs_and_open_the_job_page(admin, data):
    save_sites(data.sites, [site_from_dict({"name": "maison", "start_urls": ["http://127.0.0.1:8001/"]})])
    token = page_csrf(admin)
    one = admin.post("/admin/sites/maison/recrawl", data={"csrf_token": token})
    every = admin.post("/admin/recrawl", data={"csrf_token": token})
    reindex = admin.post("/admin/reindex", data={"csrf_token": token})
    locations = [r.headers["Location"] for r in (one, every, reindex)]
    assert all(r.status_code == 303 for r in (one, every, reindex))
    assert locations == ["/admin/jobs/1", "/admin/jobs/2", "/admin/jobs/3"]
    conn = jobs.connect(data.catalog)
    queued = [(j.kind, j.site, j.requested_by) for j in reversed(jobs.list_jobs(conn))]
    conn.close()
    assert queued == [("crawl", "maison", "alice"), ("crawl", None, "alice"), ("reindex", None, "alice")]
    page = admin.get("/admin/jobs/1").get_data(as_text=True)
    assert "Thu thập maison" in page and "queued by alice" in page and "Huỷ việc này" in page
    missing = admin.post("/admin/sites/nowhere/recrawl", data={"csrf_token": token})
    assert "Không có cổng tin" in admin.get(missing.headers["Location"]).get_data(as_text=True)


def test_cancel_and_retry_from_the_job_page(admin, data):
    save_sites(data.sites, [site_from_dict({"name": "maison", "start_urls": ["http://127.0.0.1:8001/"]})])
    token = page_csrf(admin)
    admin.post("/admin/sites/maison/recrawl", data={"csrf_token": token})
    assert admin.post("/admin/jobs/1/cancel", data={"csrf_token": token}).status_code == 303
    retried = admin.post("/admin/jobs/1/retry", data={"csrf_token": token})
    assert retried.headers["Location"] == "/admin/jobs/2"
    html = admin.get("/admin/jobs").get_data(as_text=True)
    assert 'data-job-id="1"' in html and 'data-state="cancelled"' in html and 'data-state="queued"' in html
    log = admin.get("/admin/audit").get_data(as_text=True)
    for action in ("job.queue", "job.cancel", "job.retry", "login"):
        assert action in log
    assert admin.post("/admin/jobs/99/cancel", data={"csrf_token": token}).status_code == 404


def test_unreadable_sites_file_is_reported_not_overwritten(admin, data):
    data.sites.write_text("[[site]]\nname = \n", encoding="utf-8")
    html = admin.get("/admin").get_data(as_text=True)
    assert "Không đọc được sites.toml" in html
    response = admin.post("/admin/sites/new", data=form(admin))
    assert response.status_code == 400
    assert data.sites.read_text(encoding="utf-8") == "[[site]]\nname = \n"


def test_remove_a_portal_keeps_its_articles(admin, data):
    from crawler.article import Article

    save_sites(data.sites, [site_from_dict({"name": "maison", "start_urls": ["http://127.0.0.1:8001/"]}),
                            site_from_dict({"name": "songma", "start_urls": ["http://127.0.0.1:8002/"]})])
    catalog = Catalog(data.catalog)
    catalog.upsert(Article(url="http://127.0.0.1:8001/tin/1", title="Tin cũ của Mai Sơn", body="Nội dung.",
                           site="maison"))
    confirm = admin.get("/admin/sites/maison/delete").get_data(as_text=True)
    assert "Xoá cổng tin maison?" in confirm and "1 bài đã lưu" in confirm
    assert admin.post("/admin/sites/maison/delete", data={}).status_code == 403  # no CSRF token
    assert [s.name for s in load_sites(data.sites)] == ["maison", "songma"]
    response = admin.post("/admin/sites/maison/delete", data={"csrf_token": csrf_from(confirm)})
    assert response.status_code == 303
    assert "vẫn tìm được" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert [s.name for s in load_sites(data.sites)] == ["songma"]
    assert catalog.count(site="maison") == 1  # the archive of a vanished portal is what matters
    catalog.close()
    conn = accounts.connect(data.catalog)
    entry = audit.recent(conn)[0]
    conn.close()
    assert (entry.user, entry.action, entry.target) == ("alice", "site.remove", "maison")
    assert admin.get("/admin/sites/maison/delete").status_code == 404


def test_a_portal_being_crawled_is_not_removed(admin, data):
    save_sites(data.sites, [site_from_dict({"name": "maison", "start_urls": ["http://127.0.0.1:8001/"]})])
    token = page_csrf(admin)
    admin.post("/admin/recrawl", data={"csrf_token": token})  # job 1, crawl all: listed first
    admin.post("/admin/sites/maison/recrawl", data={"csrf_token": token})  # job 2
    response = admin.post("/admin/sites/maison/delete", data={"csrf_token": token})
    assert "đang có công việc #2" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert [s.name for s in load_sites(data.sites)] == ["maison"]
