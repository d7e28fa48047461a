"""Discovery, dedup, attachments, robots and address safety on small purpose-built sites."""

from __future__ import annotations

import pytest

from crawler import safety
from crawler.catalog import Catalog
from crawler.engine import crawl
from crawler.sites import parse_sites
from khotin.paths import DataDir

from .crawl_helpers import loopback_settings, page, tiny_server

PARAS = "".join(
    f"<p>Sáng ngày 27/9, Ban Chỉ đạo 35 huyện Mai Sơn tổ chức hội nghị giao ban lần thứ {i}, đánh giá "
    "kết quả công tác bảo vệ nền tảng tư tưởng của Đảng trong 9 tháng đầu năm 2024.</p>" for i in range(6))


def article(title: str, canonical: str | None = None, extra: str = "") -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>{link}</head>'
            f'<body><nav><a href="/">Trang chủ</a></nav><article><h1>{title}</h1>'
            f'<div class="date">27/09/2024</div>{PARAS}<p>{extra}</p><p>Thúy Ngà</p></article></body></html>')


def listing(links: list[str], head: str = "") -> str:
    items = "".join(f'<li><a href="{u}">Mục {i}</a></li>' for i, u in enumerate(links))
    return (f'<!DOCTYPE html><html><head><title>Tin tức</title>{head}</head>'
            f'<body><h1>Tin tức</h1><ul>{items}</ul></body></html>')


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Tin</title>
<item><title>Bài 3</title><link>/tin-tuc/bai-3</link></item></channel></rss>"""
SITEMAP_INDEX = """<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>/sitemap-1.xml</loc></sitemap></sitemapindex>"""
SITEMAP = """<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>/tin-tuc/bai-4</loc></url></urlset>"""


def portal_routes() -> dict:
    return {
        "/": page(listing(["/tin-tuc/bai-1", "/tin-tuc/bai-1?print=1&utm_source=zalo", "/tin-tuc/bai-2",
                           "/tin-tuc/bai-2-ban-sao", "/van-ban/quyet-dinh.pdf", "/noi-bo/bao-cao",
                           "/anh/hoi-nghi.jpg", "/tin-tuc/da-go"],
                          head='<link rel="alternate" type="application/rss+xml" href="/rss">')),
        "/robots.txt": page("User-agent: *\nDisallow: /noi-bo\nSitemap: /sitemap-index.xml\n",
                            ctype="text/plain"),
        "/tin-tuc/bai-1": lambda h: page(article(
            "Bài một về hội nghị", "/tin-tuc/bai-1" if "print" not in h.path else "/tin-tuc/bai-1",
            "bản in" if "print" in h.path else ""))(h),
        "/tin-tuc/bai-2": page(article("Bài hai về nông thôn mới")),
        "/tin-tuc/bai-2-ban-sao": page(article("Bài hai về nông thôn mới")),
        "/tin-tuc/bai-3": page(article("Bài ba chỉ có trong RSS")),
        "/tin-tuc/bai-4": page(article("Bài bốn chỉ có trong sitemap")),
        "/rss": page(RSS, ctype="text/html"),   # a lying Content-Type, as portals send
        "/sitemap-index.xml": page(SITEMAP_INDEX, ctype="application/xml"),
        "/sitemap-1.xml": page(SITEMAP, ctype="application/xml"),
        "/van-ban/quyet-dinh.pdf": page(b"%PDF-1.4 quyet dinh", ctype="application/pdf"),
        "/noi-bo/bao-cao": page(article("Nội bộ")),
    }


def test_discovery_dedup_attachments_and_robots(tmp_path):
    with tiny_server(portal_routes()) as srv:
        data = DataDir.of(tmp_path / "data").ensure()
        sites = parse_sites(f'[[site]]\nname = "t"\nstart_urls = ["{srv.base}/"]\n')
        report = crawl(data, loopback_settings(data.root), sites)
        paths = srv.paths()
    with Catalog(data.catalog) as cat:
        urls = sorted(r["url"] for r in cat.conn.execute("SELECT url FROM articles"))
        pdf = cat.conn.execute("SELECT * FROM captures WHERE url LIKE '%.pdf'").fetchall()
        kinds = dict(cat.conn.execute("SELECT url, kind FROM frontier").fetchall())
    names = [u.rsplit("/", 1)[1] for u in urls]
    assert sorted(names) in (["bai-1", "bai-2", "bai-3", "bai-4"], ["bai-1", "bai-2-ban-sao", "bai-3", "bai-4"])
    assert report.duplicates == 1                     # same text under two URLs, no canonical
    assert kinds[f"{srv.base}/tin-tuc/bai-1?print=1"] == "alias"  # print view: archived, not an article
    assert len(pdf) == 1 and pdf[0]["content_type"] == "application/pdf" and pdf[0]["article_id"] is None
    assert report.attachments == 1 and report.feeds == 1 and report.sitemaps >= 2
    assert not [p for p in paths if p.startswith("/noi-bo")] and report.robots == 1
    assert "/anh/hoi-nghi.jpg" not in paths            # images are not crawled
    assert report.errors["http_404"] == 1             # the removed article
    assert all("utm_source" not in p for p in paths)  # tracking parameters dropped
    assert len(paths) == len(set(paths))              # nothing requested twice


def test_redirect_to_a_private_address_is_refused(tmp_path, monkeypatch):
    with tiny_server({}) as srv:
        port = srv.base.rsplit(":", 1)[1]
        srv.routes.update({
            "/": page(listing(["/tin-tuc/bai-1", "/chuyen-huong"])),
            "/tin-tuc/bai-1": page(article("Bài công khai")),
            "/chuyen-huong": page("", status=302, headers={"Location": f"http://127.0.0.1:{port}/bi-mat"}),
            "/bi-mat": page(article("Bí mật nội bộ")),
        })
        # "localhost" plays a public portal: the resolver says so, and the connection check is
        # relaxed for it; the redirect target 127.0.0.1 must still be refused by the URL check.
        monkeypatch.setattr(safety, "resolver", lambda host, p: ["93.184.216.34"])
        monkeypatch.setattr(safety, "peer_problem", lambda ip, settings: None)
        data = DataDir.of(tmp_path / "data").ensure()
        sites = parse_sites(f'[[site]]\nname = "pub"\nstart_urls = ["http://localhost:{port}/"]\n'
                            f'allowed_domains = ["localhost:{port}", "127.0.0.1:{port}"]\n')
        settings = loopback_settings(data.root, allow_private_addresses="false")
        report = crawl(data, settings, sites)
        assert "/bi-mat" not in srv.paths() and "/chuyen-huong" in srv.paths()
    assert report.errors["unsafe_address"] == 1 and report.new == 1


def test_private_start_url_refused_without_the_setting(tmp_path):
    with tiny_server({"/": page(listing([]))}) as srv:
        data = DataDir.of(tmp_path / "data").ensure()
        sites = parse_sites(f'[[site]]\nname = "t"\nstart_urls = ["{srv.base}/"]\n')
        report = crawl(data, loopback_settings(data.root, allow_private_addresses="false"), sites)
        assert srv.paths() == []
    assert report.errors["unsafe_address"] >= 1


def test_unavailable_robots_txt_stops_the_site_and_keeps_its_run(tmp_path):
    with tiny_server({"/robots.txt": page("down", status=500), "/": page(listing([]))}) as srv:
        data = DataDir.of(tmp_path / "data").ensure()
        sites = parse_sites(f'[[site]]\nname = "t"\nstart_urls = ["{srv.base}/"]\n')
        report = crawl(data, loopback_settings(data.root, max_retries=1), sites)
        assert set(srv.paths()) == {"/robots.txt"}
    assert "robots.txt" in report.sites["t"].error and not report.ok
    assert not report.sites["t"].complete
    with Catalog(data.catalog) as cat:
        assert cat.conn.execute("SELECT count(*) FROM frontier_runs WHERE finished IS NULL").fetchone()[0] == 1
        assert cat.last_crawls()["t"]["last_error"]


@pytest.mark.parametrize("budget", [2])
def test_page_budget_then_continue(tmp_path, budget):
    links = [f"/tin-tuc/bai-{i}" for i in range(5)]
    routes = {"/": page(listing(links))} | {u: page(article(f"Bài số {i} về hội nghị", extra=str(i)))
                                            for i, u in enumerate(links)}
    with tiny_server(routes) as srv:
        data = DataDir.of(tmp_path / "data").ensure()
        sites = parse_sites(f'[[site]]\nname = "t"\nstart_urls = ["{srv.base}/"]\n')
        settings = loopback_settings(data.root)
        first = crawl(data, settings, sites, max_pages=budget)
        assert first.fetched == budget and not first.sites["t"].complete
        rest = crawl(data, settings, sites)
        assert rest.sites["t"].resumed and rest.sites["t"].complete
        assert first.new + rest.new == 5
        paths = [p for p in srv.paths() if p != "/robots.txt"]
        assert len(paths) == len(set(paths))
