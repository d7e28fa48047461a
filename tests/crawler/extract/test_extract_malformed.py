"""Bad input never crashes or hangs: a clean result or a clear warning."""

from __future__ import annotations

import random

import pytest

from crawler.extract import extract
from tests.crawler.extract.extract_pages import PARAS, article_page

URL = "https://maison.sonla.gov.vn/tin-co-so/bai-viet-123456"
GOOD = article_page().encode("utf-8")


@pytest.mark.timeout(10)
@pytest.mark.parametrize("cut", [0.1, 0.35, 0.5, 0.75, 0.95])
def test_truncated_html(cut: float) -> None:
    ex = extract(GOOD[: int(len(GOOD) * cut)], URL)
    assert isinstance(ex.is_article, bool)
    if ex.is_article:
        assert ex.title and ex.body
    else:
        assert ex.warnings


@pytest.mark.timeout(10)
def test_truncated_inside_a_tag_and_inside_a_character() -> None:
    cut = GOOD.index(PARAS[2][:20].encode()) + 5
    ex = extract(GOOD[:cut] + b'<a href="/x', URL)
    assert ex.is_article and ex.title and ex.body.startswith(PARAS[0])
    broken = GOOD[: GOOD.index("Tà Hộc".encode()) + 4]  # ends inside a multi-byte letter
    assert extract(broken, URL).encoding == "utf-8"


@pytest.mark.timeout(60)
def test_twenty_megabyte_page() -> None:
    para = ("<p>" + " ".join(PARAS) + "</p>\n").encode()
    huge = b"<html><body><h1>Bao cao</h1>" + para * (20_000_000 // len(para)) + b"</body></html>"
    assert len(huge) >= 19_000_000
    ex = extract(huge, URL)
    assert any("MB" in w for w in ex.warnings)


@pytest.mark.timeout(60)
def test_twenty_megabytes_of_inline_image() -> None:
    blob = b"iVBORw0KGgo" * 1_900_000
    page = GOOD.replace(b"<h1>", b'<img src="data:image/png;base64,' + blob + b'"><h1>')
    ex = extract(page, URL)
    assert ex.is_article and ex.body == "\n\n".join(PARAS)
    assert any("MB" in w for w in ex.warnings)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("data", [
    random.Random(7).randbytes(500_000),
    b"%PDF-1.5\n" + random.Random(8).randbytes(50_000),
    b"PK\x03\x04" + bytes(1000),
    bytes(10_000),
])
def test_binary_bytes(data: bytes) -> None:
    ex = extract(data, URL)
    assert not ex.is_article
    assert any("not an HTML page" in w for w in ex.warnings)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("data", [b"", b"   \r\n\t ", "", None])
def test_empty(data) -> None:
    ex = extract(data, URL)
    assert not ex.is_article and "empty page" in ex.warnings


@pytest.mark.timeout(30)
def test_deeply_nested_tags() -> None:
    deep = b"<html><body>" + b"<div>" * 5000 + GOOD.split(b"<body>")[1].split(b"</body>")[0] + b"</div>" * 5000
    ex = extract(deep, URL)
    assert ex.body == "\n\n".join(PARAS)
    assert any("nested" in w for w in ex.warnings)
    unclosed = b"<html><body>" + b"<span><b><i>" * 5000 + b"chu"
    ex = extract(unclosed, URL)
    assert not ex.is_article


@pytest.mark.timeout(10)
def test_invalid_utf8() -> None:
    page = GOOD.replace("ủy".encode(), b"\xc3\x28").replace("Đ".encode(), b"\xff", 3)
    ex = extract(page, URL, headers={"Content-Type": "text/html; charset=utf-8"})
    assert ex.is_article and ex.encoding == "utf-8"
    assert any("invalid UTF-8" in w for w in ex.warnings)


@pytest.mark.timeout(10)
def test_odd_arguments() -> None:
    assert extract(GOOD, "").body
    assert extract(GOOD, "not a url").body
    assert extract(GOOD, URL, headers={"content-type": b"text/html; charset=utf-8"}).is_article
    ex = extract(GOOD, URL, profile={"body": "div[[[", "title": 42, "nonsense": "x"})
    assert ex.is_article
    assert any("bad selector" in w for w in ex.warnings)
    assert any("unknown profile key" in w for w in ex.warnings)
    ex = extract(GOOD, URL, profile=["h1"])  # type: ignore[arg-type]
    assert ex.is_article and any("profile ignored" in w for w in ex.warnings)


@pytest.mark.timeout(10)
def test_markup_soup() -> None:
    junk = b"<<<>>><p <p>>></b></i><table><td><tr></table></p>&#xFFFFFFF;&#0;&bogus;<!-- <script>"
    ex = extract(junk * 200, URL)
    assert not ex.is_article
