import gzip

from crawler.discover import parse_feed, parse_sitemap, seed_urls, sniff
from crawler.sites import parse_sites

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tin</title>
<item><title>A</title><link>http://x.vn/tin/a-1.html</link></item>
<item><title>B</title><guid isPermaLink="true">http://x.vn/tin/b-2.html</guid></item>
<item><title>C</title><link> /tin/c-3.html </link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><link rel="alternate" href="http://x.vn/2024/09/27/hoi-nghi/"/><link rel="edit" href="/e"/></entry>
</feed>"""

URLSET = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://x.vn/a</loc><lastmod>2024-01-01</lastmod></url><url><loc>http://x.vn/b</loc></url></urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://x.vn/sitemap-news.xml</loc></sitemap><sitemap><loc>http://x.vn/wp-sitemap-posts-post-1.xml</loc></sitemap>
</sitemapindex>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x.vn/&e;</loc></url></urlset>"""


def test_sniff_by_content_not_only_by_header():
    assert sniff("text/html", RSS) == "feed"               # portals send feeds as text/html
    assert sniff("application/octet-stream", URLSET) == "sitemap"
    assert sniff("application/xml", INDEX) == "sitemap"
    assert sniff("", b"<!DOCTYPE html><html><body>x</body></html>") == "html"
    assert sniff("text/html; charset=utf-8", b"<html><head></head></html>") == "html"
    assert sniff("application/pdf", b"%PDF-1.7 ...") == "attachment"
    assert sniff("application/x-gzip", gzip.compress(URLSET)) == "sitemap"


def test_feeds():
    assert parse_feed(RSS, "http://x.vn/rss") == [
        "http://x.vn/tin/a-1.html", "http://x.vn/tin/b-2.html", "http://x.vn/tin/c-3.html"]
    assert parse_feed(ATOM, "http://x.vn/feed/") == ["http://x.vn/2024/09/27/hoi-nghi/"]
    assert parse_feed(b"not xml at all <<<", "http://x.vn/") == []


def test_sitemaps_and_indexes():
    assert parse_sitemap(URLSET, "http://x.vn/sitemap.xml") == (["http://x.vn/a", "http://x.vn/b"], [])
    assert parse_sitemap(INDEX, "http://x.vn/sitemap.xml") == (
        [], ["http://x.vn/sitemap-news.xml", "http://x.vn/wp-sitemap-posts-post-1.xml"])
    assert parse_sitemap(gzip.compress(URLSET), "http://x.vn/s.xml.gz")[0] == ["http://x.vn/a", "http://x.vn/b"]


def test_no_external_entities():
    pages, _ = parse_sitemap(XXE, "http://x.vn/sitemap.xml")
    assert all("root:" not in p for p in pages)


def test_seeds_include_sitemap_probes():
    (site,) = parse_sites('[[site]]\nname = "x"\nstart_urls = ["http://x.vn/tin-tuc"]\n')
    seeds = [(s.url, s.kind, s.probe) for s in seed_urls(site)]
    assert ("http://x.vn/tin-tuc", "seed", False) in seeds
    assert ("http://x.vn/sitemap.xml", "sitemap", True) in seeds
    assert ("http://x.vn/wp-sitemap.xml", "sitemap", True) in seeds
