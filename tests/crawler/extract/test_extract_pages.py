"""Whole pages through ``extract``: the Vietnamese rules on plain, class-free markup."""

from __future__ import annotations

import json
import unicodedata

from crawler.article import Article
from crawler.extract import Extraction, extract
from crawler.extract.record import GOLD_KEYS
from tests.crawler.extract.extract_pages import PARAS, article_page, listing_page

URL = "https://maison.sonla.gov.vn/tin-co-so/xa-ta-hoc-so-ket-quy-i-123456"


def run(html: str, url: str = URL, **kw) -> Extraction:
    return extract(html.encode("utf-8"), url, headers={"Content-Type": "text/html; charset=utf-8"}, **kw)


def test_plain_article() -> None:
    ex = run(article_page())
    assert ex.is_article
    assert ex.title == "Xã Tà Hộc sơ kết công tác quý I năm 2024"
    assert ex.published == "2024-03-12T15:20:00+07:00"
    assert ex.authors == ["Lò Sơn"]
    assert ex.organization == "Trung tâm Truyền thông và Văn hóa huyện Mai Sơn"
    assert ex.body == "\n\n".join(PARAS)
    assert ex.category == "Tin cơ sở"
    assert ex.language == "vi"
    assert ex.canonical_url == URL
    assert ex.summary == ""  # the lead is the first paragraph, not its own element


def test_lead_source_code_stays_in_the_body_and_is_no_author() -> None:
    ex = run(article_page(byline=""))
    assert ex.body.startswith("CTTĐT - Sáng ngày 12/3")
    assert ex.authors == [] and ex.organization == ""


def test_separate_lead_element() -> None:
    lead = "<div><b>CTTĐT - Ngày 12/3, xã Tà Hộc sơ kết quý I với nhiều kết quả tích cực.</b></div>"
    ex = run(article_page(lead=lead))
    assert ex.summary == "CTTĐT - Ngày 12/3, xã Tà Hộc sơ kết quý I với nhiều kết quả tích cực."
    assert "Ngày 12/3, xã Tà Hộc sơ kết quý I" not in ex.body


def test_captions_are_not_body_text() -> None:
    figure = ('<p style="text-align:center"><img src="/uploads/2024/03/ta-hoc-1.jpg" width="600"></p>'
              "<p><em>Quang cảnh hội nghị sơ kết quý I. Ảnh: Thu Hằng</em></p>"
              '<p><img src="/uploads/2024/03/ta-hoc-2.jpg"></p><p>Đại biểu thảo luận tại hội nghị</p>')
    ex = run(article_page(figure=figure))
    assert ex.captions == ["Quang cảnh hội nghị sơ kết quý I. Ảnh: Thu Hằng", "Đại biểu thảo luận tại hội nghị"]
    assert "Quang cảnh" not in ex.body and "thảo luận tại hội nghị" not in ex.body
    assert ex.images == ["https://maison.sonla.gov.vn/uploads/2024/03/ta-hoc-1.jpg",
                         "https://maison.sonla.gov.vn/uploads/2024/03/ta-hoc-2.jpg"]
    assert ex.body == "\n\n".join(PARAS)


def test_trailing_end_mark_is_removed() -> None:
    paras = [*PARAS[:-1], PARAS[-1].rstrip(".") + "./."]
    ex = run(article_page(paras=paras))
    assert ex.body.endswith("trên địa bàn")
    assert "./." not in ex.body


def test_byline_shapes_at_the_end() -> None:
    cases = {
        "<p>VIỆT HÙNG</p>": (["VIỆT HÙNG"], ""),
        "<p><strong>Tác giả: Ngọc Lan, Phòng Văn hóa và Thông tin huyện Mai Sơn</strong></p>":
            (["Ngọc Lan"], "Phòng Văn hóa và Thông tin huyện Mai Sơn"),
        '<p style="text-align:right">Tin, ảnh: Quang Duy</p>': (["Quang Duy"], ""),
        "<p>Báo Sơn La</p>": ([], "Báo Sơn La"),
        "<p>PV</p>": ([], ""),
        "<p>Nguồn: Báo Sơn La</p>": ([], "Báo Sơn La"),
    }
    for byline, (names, org) in cases.items():
        ex = run(article_page(byline=byline))
        assert (ex.authors, ex.organization) == (names, org), byline
        assert ex.body == "\n\n".join(PARAS), byline


def test_meta_author_that_is_the_brand_does_not_beat_the_printed_byline() -> None:
    head = ('<meta name="author" content="Cổng thông tin điện tử huyện Mai Sơn">'
            '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
            ' "headline": "Xã Tà Hộc sơ kết công tác quý I năm 2024",'
            ' "author": {"@type": "Organization", "name": "UBND huyện Mai Sơn"}}</script>')
    ex = run(article_page(head=head, byline="<p>Tin, ảnh: Quang Duy</p>"))
    assert ex.authors == ["Quang Duy"] and ex.organization == ""
    ex = run(article_page(head=head, byline=""))
    assert ex.authors == [] and ex.organization == ""


def test_person_in_json_ld_is_used_when_nothing_is_printed() -> None:
    head = ('<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle",'
            ' "author": [{"@type": "Person", "name": "Hồng Hạnh"}]}]}</script>')
    ex = run(article_page(head=head, byline=""))
    assert ex.authors == ["Hồng Hạnh"]


def test_utc_meta_time_near_midnight_is_dated_in_vietnam_time() -> None:
    head = '<meta property="article:published_time" content="2024-03-11T18:30:00Z">'
    ex = run(article_page(head=head, date_line="12/03/2024"))
    assert ex.published == "2024-03-12T01:30:00+07:00"
    ex = run(article_page(head=head, date_line=""))
    assert ex.published == "2024-03-12T01:30:00+07:00"


def test_printed_date_only_stays_a_date() -> None:
    ex = run(article_page(date_line="( Cập nhật lúc: 12/03/2024 )"))
    assert ex.published == "2024-03-12"
    ex = run(article_page(date_line="False 15612Ngày cập nhật 05/11/2018"))
    assert ex.published == "2018-11-05"


def test_the_date_is_the_one_next_to_the_title_not_in_the_sidebar_or_text() -> None:
    ex = run(article_page(date_line="Ngày đăng: 14/03/2024 | Lượt xem: 25"))
    assert ex.published == "2024-03-14"


def test_text_hygiene() -> None:
    nfd = [unicodedata.normalize("NFD", p) for p in PARAS]
    ex = run(article_page(paras=nfd, title=unicodedata.normalize("NFD", "Xã Tà Hộc sơ kết")))
    assert ex.title == "Xã Tà Hộc sơ kết" and ex.body == "\n\n".join(PARAS)
    ncr = ["".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in p) for p in PARAS]
    assert run(article_page(paras=ncr)).body == "\n\n".join(PARAS)
    eth = [p.replace("Đ", "Ð").replace("đ", "ð") for p in PARAS]
    assert run(article_page(paras=eth)).body == "\n\n".join(PARAS)
    wrapped = [PARAS[0].replace(" tổ chức ", " tổ chức<br>\n"), *PARAS[1:]]
    assert run(article_page(paras=wrapped)).body == "\n\n".join(PARAS)


def test_listing_is_not_an_article() -> None:
    ex = run(listing_page(), url="https://maison.sonla.gov.vn/tin-co-so")
    assert not ex.is_article
    assert ex.title == "" and ex.body == "" and ex.published is None
    assert any("not an article" in w for w in ex.warnings)
    assert "https://maison.sonla.gov.vn/tin-co-so/bai-1" in ex.links
    assert ex.feeds == ["https://maison.sonla.gov.vn/rss/tin-co-so"]


def test_not_found_and_contact_pages() -> None:
    nf = article_page(title="Không tìm thấy trang", date_line="", byline="",
                      paras=["Trang bạn yêu cầu không tồn tại hoặc đã bị gỡ bỏ."])
    assert not run(nf).is_article
    contact = article_page(title="Liên hệ", date_line="", byline="", paras=[
        "Ủy ban nhân dân huyện Mai Sơn, Tiểu khu 10, thị trấn Hát Lót, huyện Mai Sơn, tỉnh Sơn La.",
        "Điện thoại: 0212.3843.000. Thư điện tử: vanphong@maison.example.invalid, tiếp nhận ý kiến "
        "của tổ chức, công dân trong giờ hành chính các ngày làm việc."])
    assert not run(contact).is_article


def test_crawl_facts() -> None:
    head = ('<link rel="canonical" href="/tin-co-so/ban-chinh-123456">'
            '<meta name="robots" content="noindex, nofollow">'
            '<meta http-equiv="refresh" content="5; url=/trang-moi">'
            '<link rel="alternate" type="application/atom+xml" href="https://maison.sonla.gov.vn/atom">')
    ex = run(article_page(head=head, after='<p><a href="/van-ban/ke-hoach-12.pdf">Kế hoạch số 12</a> '
                                           '<a href="#top">Lên</a> <a href="mailto:a@b.vn">Thư</a></p>'))
    assert ex.canonical_url == "https://maison.sonla.gov.vn/tin-co-so/ban-chinh-123456"
    assert ex.robots_noindex and ex.robots_nofollow
    assert ex.meta_refresh == "https://maison.sonla.gov.vn/trang-moi"
    assert ex.feeds == ["https://maison.sonla.gov.vn/atom"]
    assert ex.attachments == ["https://maison.sonla.gov.vn/van-ban/ke-hoach-12.pdf"]
    assert all(u.startswith("https://") and "#" not in u for u in ex.links)
    assert ex.links[0] == "https://maison.sonla.gov.vn/"
    assert len(ex.links) == len(set(ex.links))


def test_to_dict_and_to_article() -> None:
    ex = run(article_page())
    data = ex.to_dict()
    assert list(data) == ["url", *GOLD_KEYS, "encoding", "warnings"]
    json.dumps(data, ensure_ascii=False)
    art = ex.to_article(site="maison", fetched_at="2024-03-13T08:00:00+07:00", warc_file="a.warc.gz",
                        warc_offset=10, warc_length=20)
    assert isinstance(art, Article)
    assert (art.title, art.published, art.authors, art.site) == (ex.title, ex.published, ex.authors, "maison")
    assert art.warc_offset == 10 and art.canonical_url == URL and art.body == ex.body



def test_an_article_citing_dated_documents_is_still_an_article() -> None:
    cited = [
        f'{PARAS[0]} Thực hiện <a href="/van-ban/qd-123.pdf">Quyết định số 123/QĐ-UBND</a> ngày 02/01/2024 '
        "của UBND huyện về kế hoạch phát triển kinh tế - xã hội năm 2024.",
        f'{PARAS[1]} Căn cứ <a href="/van-ban/kh-45">Kế hoạch số 45/KH-UBND của UBND huyện Mai Sơn</a> '
        "ngày 15/01/2024, các bản đã xây dựng kế hoạch chi tiết.",
        PARAS[2],
    ]
    ex = run(article_page(paras=cited))
    assert ex.is_article
    assert ex.attachments == ["https://maison.sonla.gov.vn/van-ban/qd-123.pdf"]


def test_byline_printed_as_a_link_to_the_author() -> None:
    ex = run(article_page(byline='<p class="tg"><a href="/tac-gia/hong-hanh">Hồng Hạnh</a></p>'))
    assert ex.authors == ["Hồng Hạnh"] and ex.body == "\n\n".join(PARAS)


def test_lead_printed_as_a_heading() -> None:
    lead = "<h2>Sáng 12/3, xã Tà Hộc sơ kết quý I, đề ra nhiệm vụ trọng tâm quý II năm 2024.</h2>"
    ex = run(article_page(lead=lead))
    assert ex.summary == "Sáng 12/3, xã Tà Hộc sơ kết quý I, đề ra nhiệm vụ trọng tâm quý II năm 2024."
    assert ex.body == "\n\n".join(PARAS)
