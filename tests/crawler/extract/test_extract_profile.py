"""Site profiles (sites.toml selectors) and the platform recognisers."""

from __future__ import annotations

from bs4 import BeautifulSoup

from crawler.extract import extract
from crawler.extract.platforms import recognise
from crawler.extract.structured import Meta

URL = "https://phuyen.sonla.gov.vn/tin/123"
TEXT = ("Chiều 5/4, Hội Nông dân xã Gia Phù tổ chức lớp tập huấn kỹ thuật trồng và chăm sóc cây ăn quả "
        "cho hơn 60 hội viên nông dân trên địa bàn.")
TEXT2 = ("Các học viên được hướng dẫn cách cải tạo vườn tạp, ghép cải tạo giống, bón phân và phòng trừ "
         "sâu bệnh hại theo hướng an toàn, bền vững.")

PAGE = f"""<html><head><meta charset="utf-8"><title>Trang chủ</title></head><body>
<h1>CỔNG THÔNG TIN ĐIỆN TỬ HUYỆN PHÙ YÊN</h1>
<div class="duong-dan"><span>Nông nghiệp</span></div>
<h2 class="tieu-de">Tập huấn kỹ thuật trồng cây ăn quả</h2>
<span class="ngay">Ngày 05/04/2024</span>
<div class="tom-luoc">Hội Nông dân xã Gia Phù mở lớp tập huấn cho hội viên.</div>
<div class="noi-dung"><p>{TEXT}</p><div class="quang-cao">Quảng cáo: mua phân bón giá rẻ tại cửa hàng vật tư nông nghiệp số 1 của huyện</div>
<p>{TEXT2}</p><p class="cap">Lớp tập huấn tại nhà văn hóa bản</p></div>
<p class="tac-gia">Nguyễn Văn Dũng - Hội Nông dân huyện Phù Yên</p>
<div class="the"><a href="/tag/cay-an-qua">cây ăn quả</a><a href="/tag/nong-dan">nông dân</a></div>
<div class="file"><a href="/files/ke-hoach.pdf">Kế hoạch</a></div>
</body></html>"""

PROFILE = {
    "title": "h2.tieu-de", "body": "div.noi-dung", "date": "span.ngay", "summary": "div.tom-luoc",
    "author": "p.tac-gia", "category": ".duong-dan span", "tags": ".the a", "captions": "p.cap",
    "attachments": "div.file", "remove": ["div.quang-cao", "p.cap"],
}


def test_profile_selectors_win() -> None:
    ex = extract(PAGE.encode(), URL, profile=PROFILE)
    assert ex.title == "Tập huấn kỹ thuật trồng cây ăn quả"
    assert ex.published == "2024-04-05"
    assert ex.summary == "Hội Nông dân xã Gia Phù mở lớp tập huấn cho hội viên."
    assert ex.body == f"{TEXT}\n\n{TEXT2}"
    assert ex.authors == ["Nguyễn Văn Dũng"] and ex.organization == "Hội Nông dân huyện Phù Yên"
    assert ex.category == "Nông nghiệp"
    assert ex.tags == ["cây ăn quả", "nông dân"]
    assert ex.captions == ["Lớp tập huấn tại nhà văn hóa bản"]
    assert ex.attachments == ["https://phuyen.sonla.gov.vn/files/ke-hoach.pdf"]
    assert not [w for w in ex.warnings if "selector" in w]


def test_without_the_profile_the_advert_would_be_body_text() -> None:
    ex = extract(PAGE.encode(), URL)
    assert "Quảng cáo" in ex.body
    ex = extract(PAGE.encode(), URL, profile={"remove": "div.quang-cao"})
    assert "Quảng cáo" not in ex.body and TEXT in ex.body


def test_a_selector_that_matches_nothing_leaves_the_field_to_later_layers() -> None:
    ex = extract(PAGE.encode(), URL, profile={"title": "h1.khong-co", "body": "div.khong-co"})
    assert ex.title == "Tập huấn kỹ thuật trồng cây ăn quả"  # found by the generic layer
    assert TEXT in ex.body and not ex.warnings[:0]


def _platform(html: str, url: str = URL) -> str | None:
    soup = BeautifulSoup(html, "lxml")
    found = recognise(soup, Meta(soup), url, html)
    return found.name if found else None


def test_platform_fingerprints() -> None:
    assert _platform('<html><head><meta name="generator" content="NukeViet v4.5"></head></html>') == "nukeviet"
    assert _platform('<link rel="stylesheet" href="/wp-content/themes/x/style.css">') == "wordpress"
    assert _platform("<p>x</p>", "https://a.vn/-/view_content/12-bai.html") == "liferay"
    assert _platform('<meta name="GENERATOR" content="Microsoft SharePoint">') == "sharepoint"
    assert _platform("<html><body><p>Trang thường</p></body></html>") is None


def test_indexed_selectors_match_soupsieve() -> None:
    """The class/id index answers selectors exactly like a full soupsieve scan."""
    from crawler.extract.dom import walk
    from crawler.extract.profile import Selected, _select

    soup = BeautifulSoup(PAGE + '<div id="x"><p class="a b">một</p><span><a href="/1">hai</a></span></div>',
                         "lxml", multi_valued_attributes=None)
    w = walk(soup)
    for sel in ["h2.tieu-de", ".noi-dung p", "div.noi-dung > p", ".the a", "#x a", "#x p.b", "p",
                "div p.cap", "span.ngay, p.tac-gia", "a[href]", ".khong-co", "h2 + span"]:
        assert _select(soup, w, sel, Selected()) == soup.select(sel), sel
