"""Structured data: JSON-LD, OpenGraph/article meta, microdata, and their lies."""

from __future__ import annotations

from bs4 import BeautifulSoup

from crawler.extract.dom import walk
from crawler.extract.structured import Meta, structured_layer


def layer(html: str) -> tuple[dict, Meta]:
    soup = BeautifulSoup(html, "lxml")
    w = walk(soup.body or soup)
    meta = Meta(soup, w)
    return structured_layer(soup, meta, w), meta


def test_json_ld_graph() -> None:
    data, meta = layer("""<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "name": "Trang thông tin điện tử Huyện ủy Yên Châu"},
      {"@type": ["NewsArticle"], "headline": "Yên Châu thu hoạch xoài sớm",
       "datePublished": "2024-05-31T20:15:00Z", "dateModified": "2024-06-01T09:00:00+07:00",
       "author": [{"@type": "Person", "name": "Minh Hòa"}, {"@type": "Organization", "name": "Huyện ủy Yên Châu"}],
       "publisher": {"@type": "Organization", "name": "Huyện ủy Yên Châu"},
       "articleSection": ["Kinh tế"], "keywords": "xoài, nông nghiệp"},
      {"@type": "BreadcrumbList", "itemListElement": [{"name": "Trang chủ"}, {"item": {"name": "Kinh tế"}}]}
    ]}</script></head><body></body></html>""")
    assert data["title_hint"] == "Yên Châu thu hoạch xoài sớm"
    assert data["published"].iso() == "2024-06-01T03:15:00+07:00"
    assert data["modified"].iso() == "2024-06-01T09:00:00+07:00"
    assert data["authors"] == ["Minh Hòa"]
    assert data["category"] == "Kinh tế" and data["tags"] == ["xoài", "nông nghiệp"]
    assert "Huyện ủy Yên Châu" in meta.brands


def test_meta_author_that_names_the_site_or_a_unit_is_dropped() -> None:
    data, _ = layer("""<html><head><meta property="og:site_name" content="Cổng TTĐT huyện Mộc Châu">
    <meta name="author" content="Cổng TTĐT huyện Mộc Châu"><meta property="article:author" content="Ban Biên tập">
    </head><body></body></html>""")
    assert "authors" not in data
    data, _ = layer('<html><head><meta name="author" content="Thu Hằng"></head><body></body></html>')
    assert data["authors"] == ["Thu Hằng"]


def test_open_graph_and_article_meta() -> None:
    data, meta = layer("""<html lang="vi"><head><title>Tin - Cổng TTĐT</title>
    <meta property="og:type" content="article"><meta property="og:title" content="Hội nghị giao ban quý III">
    <meta property="article:published_time" content="2023-10-02T17:45:00+00:00">
    <meta property="article:section" content="Tin hoạt động">
    <meta property="article:tag" content="giao ban"><meta property="article:tag" content="quý III">
    <meta name="description" content="Chiều 2/10, huyện tổ chức hội nghị.">
    <link rel="canonical" href="/tin/hoi-nghi"><link rel="alternate" type="application/rss+xml" href="/rss">
    </head><body></body></html>""")
    assert data["structured_type"] == "article"
    assert data["title_hint"] == "Hội nghị giao ban quý III"
    assert data["published"].iso() == "2023-10-03T00:45:00+07:00"
    assert data["category"] == "Tin hoạt động" and data["tags"] == ["giao ban", "quý III"]
    assert data["description"] == "Chiều 2/10, huyện tổ chức hội nghị."
    assert (meta.canonical, meta.feeds, meta.lang) == ("/tin/hoi-nghi", ["/rss"], "vi")


def test_microdata_and_time_elements() -> None:
    data, _ = layer("""<html><body><div itemscope itemtype="http://schema.org/NewsArticle">
    <h1 itemprop="headline">Ra quân làm đường giao thông nông thôn</h1>
    <span itemprop="datePublished" content="2022-03-05T07:30:00+07:00">05/03/2022</span>
    <span itemprop="author" itemscope><span itemprop="name">Quang Duy</span></span>
    <time datetime="2022-03-05T07:30:00+07:00">05/03/2022</time></div></body></html>""")
    assert data["title_hint"] == "Ra quân làm đường giao thông nông thôn"
    assert data["published"].iso() == "2022-03-05T07:30:00+07:00"
    assert data["authors"] == ["Quang Duy"]
    assert data["time_elements"][0][1].iso() == "2022-03-05T07:30:00+07:00"


def test_broken_json_ld_is_ignored() -> None:
    data, _ = layer('<html><head><script type="application/ld+json">{"@type": "NewsArticle",</script>'
                    "</head><body></body></html>")
    assert "title_hint" not in data
