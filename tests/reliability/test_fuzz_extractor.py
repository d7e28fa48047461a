"""Property-based tests for the extractor on random HTML-ish bytes, nesting and huge pages.

``extract`` promises never to raise: it turns any internal exception into
an ``extraction failed`` warning.  That would hide bugs from a fuzzer, so
the properties here also demand that no such warning appears, and check
that what comes out is well-formed: text is NFC without NUL or lone
surrogates, dates are ISO 8601, links are absolute http(s) URLs, and the
result becomes a catalog record and JSON.  Examples per property:
``KHOTIN_FUZZ_EXAMPLES`` (default 1,000 for CI; 10,000 in the recorded run).
"""

from __future__ import annotations

import json
import os
import re
import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.article import is_article_id
from crawler.extract import extract

EXAMPLES = int(os.environ.get("KHOTIN_FUZZ_EXAMPLES") or 1000)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
URL = "https://maison.sonla.gov.vn/tin-tuc/bai-viet-215301"
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}\+07:00)?$")

TAGS = ["html", "head", "body", "title", "div", "p", "span", "a", "h1", "h2", "article", "section", "main",
        "header", "footer", "nav", "aside", "time", "script", "style", "noscript", "template", "svg", "math",
        "iframe", "table", "tr", "td", "ul", "li", "br", "img", "figure", "figcaption", "em", "strong", "b",
        "font", "center", "form", "input", "textarea", "select", "option", "pre", "code", "blockquote",
        "meta", "link", "base", "frameset", "frame", "object", "xmp", "plaintext", "listing"]
ATTRS = ["class", "id", "href", "src", "datetime", "content", "property", "name", "charset", "itemprop",
         "itemtype", "rel", "http-equiv", "lang", "style", "onclick", "title", "alt", "type"]
WORDS = ["Huyện uỷ", "Mai Sơn", "27/09/2024", "08:30", "Thứ Sáu,", "Cập nhật lúc:", "(Thuý Ngà - Ban Tuyên giáo)",
         "Tác giả:", "Ảnh:", "./.", "UBND", "35-NQ/TW", "Tin liên quan", "Chia sẻ", "&amp;", "&#x1EA1;",
         "&#99999999;", "&bogus;", "&nbsp;", "\u0301", "\u00a0", "<!--", "-->", "<![CDATA[", "]]>", "<?php",
         "Ð", "ð", "\x00", "\ufeff", "javascript:alert(1)", "news-detail", "article:published_time",
         "NewsArticle", "og:title", "author", "canonical", "refresh", "0;url=/x", "robots", "noindex"]
URLS = ["/tin/1", "../../x", "//evil.example/a", "http://[::1", "https://maison.sonla.gov.vn/a b",
        "javascript:void(0)", "data:text/html,x", "mailto:a@b", "#top", "?page=2", "http://%zz/", " /trim ",
        "https://xn--bcher-kva.example/", "http://a" + "/b" * 300, "\x00/x", "tel:123"]

text = st.one_of(st.sampled_from(WORDS), st.text(max_size=20),
                 st.text(st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyàáạảãđĐ .,:\n"), max_size=40))


def attr(draw) -> str:
    name = draw(st.sampled_from(ATTRS))
    value = draw(st.one_of(st.sampled_from(URLS), text))
    quote = draw(st.sampled_from(['"', "'", ""]))
    return f" {name}={quote}{value}{quote}"


@st.composite
def html_tree(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 5 if depth < 4 else 1))):
        if depth < 6 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            attrs = "".join(attr(draw) for _ in range(draw(st.integers(0, 3))))
            inner = draw(html_tree(depth + 1))
            close = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", "", "</div>", f"</{tag.upper()}>"]))
            parts.append(f"<{tag}{attrs}>{inner}{close}")
        else:
            parts.append(draw(text))
    return "".join(parts)


@st.composite
def page_bytes(draw) -> tuple[bytes, dict]:
    html = draw(html_tree())
    if draw(st.booleans()):
        html = f"<html><head><title>{draw(text)}</title></head><body><article><h1>{draw(text)}</h1>{html}</article></body></html>"
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "cp1258", "utf-16", "latin-1"]))
    raw = html.encode(encoding, "replace") if encoding != "utf-8" else html.encode("utf-8", "surrogatepass")
    cut = draw(st.one_of(st.none(), st.integers(0, max(0, len(raw)))))
    if cut is not None:
        raw = raw[:cut]  # truncated downloads, cut inside a tag or a character
    if draw(st.booleans()):
        raw = draw(st.binary(max_size=40)) + raw
    header = draw(st.sampled_from(["text/html; charset=utf-8", "text/html; charset=windows-1258", "text/html",
                                   "application/xhtml+xml", "text/html; charset=bogus", ""]))
    return raw, ({"Content-Type": header} if header else {})


def check(ex) -> None:
    assert not [w for w in ex.warnings if w.startswith("extraction failed")], ex.warnings
    for value in (ex.title, ex.body, ex.summary, ex.organization, ex.category, *ex.authors, *ex.captions,
                  *ex.tags):
        assert isinstance(value, str)
        value.encode("utf-8")                                  # no lone surrogates
        assert "\x00" not in value
        assert unicodedata.is_normalized("NFC", value)
    for date in (ex.published, ex.modified):
        assert date is None or ISO.match(date), date
    for link in [*ex.links, *ex.attachments, *ex.feeds]:
        # Inner spaces stay as printed (the crawler's canonicalisation encodes them).
        assert link.startswith(("http://", "https://")) and link == link.strip(), link
        assert not re.search(r"[\x00-\x1f\x7f]", link), link
    if ex.is_article:
        article = ex.to_article(site="fuzz", fetched_at="2024-09-28T08:00:00+07:00")
        assert is_article_id(article.id) and article.content_hash
    json.dumps(ex.to_dict(), ensure_ascii=False)


@FUZZ
@given(page_bytes())
def test_extractor_on_random_html(case):
    raw, headers = case
    check(extract(raw, URL, headers=headers))


@FUZZ
@given(st.binary(max_size=2000))
def test_extractor_on_random_bytes(raw):
    check(extract(raw, URL, headers={"Content-Type": "text/html"}))


@FUZZ
@given(html_tree(), st.sampled_from([URL, "", "not a url", "http://[::1", "https://a.vn/" + "x" * 3000]))
def test_extractor_on_random_text_and_urls(html, url):
    check(extract(html, url))


def _timed(content, limit: float):
    t0 = time.perf_counter()
    ex = extract(content, URL)
    elapsed = time.perf_counter() - t0
    check(ex)
    assert elapsed < limit, f"{elapsed:.1f} s"
    return ex


PARA = "<p>Huyện uỷ Mai Sơn tổ chức hội nghị giao ban công tác xây dựng Đảng 9 tháng đầu năm 2024.</p>"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name,content", [
    ("one 8 MB text node", b"<html><body><p>" + "Huyện uỷ ".encode() * 800_000 + b"</p></body></html>"),
    ("50,000 paragraphs", ("<html><body><article><h1>Tin</h1>" + PARA * 50_000 + "</article></body></html>").encode()),
    ("100,000 links", b"<html><body>" + b"".join(b'<a href="/tin/%d">Tin %d</a>' % (i, i) for i in range(100_000))
     + b"</body></html>"),
    ("20,000 nested divs", b"<html><body>" + b"<div>" * 20_000 + PARA.encode() + b"</div>" * 20_000 + b"</body></html>"),
    ("20,000 unclosed inline tags", b"<html><body>" + b"<b><i><span>" * 20_000 + PARA.encode()),
    ("5,000 nested tables", b"<table><tr><td>" * 5_000 + PARA.encode()),
    ("100,000 attributes", b"<html><body><p " + b" ".join(b"a%d=1" % i for i in range(100_000)) + b">x</p></body></html>"),
    ("2 MB title", b"<html><head><title>" + b"T" * 2_000_000 + b"</title></head><body>" + PARA.encode() + b"</body></html>"),
    ("1 MB attribute", b'<html><body><a href="/' + b"x" * 1_000_000 + b'">x</a>' + PARA.encode() + b"</body></html>"),
    ("200,000 entities", b"<p>" + b"&amp;&#x1EA1;&bogus;" * 200_000 + b"</p>"),
    ("combining marks", ("<p>a" + "\u0301" * 500_000 + "</p>").encode()),
    ("10,000 dates", ("<p>" + "27/09/2024 08:30 " * 10_000 + "</p>").encode()),
    ("comment never closed", b"<html><body>" + PARA.encode() + b"<!--" + b"x" * 3_000_000),
    ("JSON-LD 1 MB", b'<script type="application/ld+json">{"@type":"NewsArticle","articleBody":"'
     + b"a" * 1_000_000 + b'"}</script>' + PARA.encode()),
    ("JSON-LD nested 10,000", b'<script type="application/ld+json">' + b'{"a":' * 10_000 + b"1" + b"}" * 10_000
     + b"</script>" + PARA.encode()),
])
def test_extractor_is_bounded_on_huge_and_deep_pages(name, content):
    _timed(content, 60)
