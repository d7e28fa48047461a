import time

from crawler.fetch import Fetcher, get_with_retries
from crawler.politeness import HostThrottle
from crawler.robots import MAX_ROBOTS_BYTES, parse_robots, product_token

from .crawl_helpers import loopback_settings, page, tiny_server

UA = "khotin/0.1 (Vietnamese district news archive; +https://example.org)"


def test_rules_crawl_delay_and_sitemaps():
    body = (b"User-agent: *\nDisallow: /tim-kiem\nCrawl-delay: 0.5\n"
            b"Sitemap: http://x.vn/sitemap.xml\n\nUser-agent: BadBot\nDisallow: /\n")
    policy = parse_robots(200, body)
    agent = product_token(UA)
    assert agent == "khotin"
    assert not policy.allowed("http://x.vn/tim-kiem?q=a", agent)
    assert policy.allowed("http://x.vn/tin-tuc/a", agent)
    assert policy.crawl_delay(agent) == 0.5
    assert policy.sitemaps == ["http://x.vn/sitemap.xml"]


def test_status_meanings_follow_rfc_9309():
    assert parse_robots(404, b"").allowed("http://x.vn/a", "khotin")
    assert parse_robots(403, b"").allowed("http://x.vn/a", "khotin")
    for status in (500, 503, 429, None):
        policy = parse_robots(status, b"")
        assert policy.disallows_everything and not policy.allowed("http://x.vn/a", "khotin")


def test_huge_robots_txt_is_cut_and_parsed_quickly(tmp_path):
    rules = b"User-agent: *\nDisallow: /noi-bo\n" + b"Disallow: /x*y*z*w*v\n" * 600_000  # ~13 MB
    with tiny_server({"/robots.txt": page(rules, ctype="text/plain")}) as srv:
        settings = loopback_settings(tmp_path)
        fetcher = Fetcher(settings, UA)
        t0 = time.monotonic()
        (ex,) = get_with_retries(fetcher, HostThrottle(), srv.base + "/robots.txt",
                                 max_bytes=MAX_ROBOTS_BYTES, partial=True)
        policy = parse_robots(ex.status, ex.body)
        assert len(ex.body) <= MAX_ROBOTS_BYTES
        assert not policy.allowed(srv.base + "/noi-bo/a", "khotin")
        assert policy.allowed(srv.base + "/tin-tuc", "khotin")
        assert time.monotonic() - t0 < 5
