"""The article page: fields, body, citation, captures; ids that are not ids are 404s."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from tests.webui.webui_data import SCRIPT_TITLE, SEED_TITLE, SEED_URL
from webui.citation import citation


def test_article_page_shows_every_field(client, webdata):
    seed = webdata.seed
    response = client.get(f"/article/{seed.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<h1>{SEED_TITLE}</h1>" in html
    assert '<time datetime="2024-09-27">27/09/2024</time>' in html
    for text in ("Thuý Ngà", "Ban Tuyên giáo Huyện uỷ Mai Sơn", "maison", "Tin hoạt động", "Ban Chỉ đạo 35",
                 "Đại biểu tham dự Hội nghị Ban Chỉ đạo 35 huyện 9 tháng đầu năm 2024"):
        assert text in html
    assert html.count("<p>") >= 3  # body paragraphs
    assert f'<a href="{SEED_URL}" rel="noopener noreferrer nofollow">' in html
    assert 'href="https://maison.sonla.gov.vn/files/ke-hoach-35.pdf"' in html
    assert 'href="javascript:' not in html and "javascript:alert(2)" in html  # shown as text only
    assert f'href="/archive/{seed.id}"' in html
    for capture_id in webdata.captures.values():
        if capture_id in (webdata.captures["seed_old"], webdata.captures["seed_new"]):
            assert f'href="/archive/{seed.id}/{capture_id}"' in html


def test_citation_line(client, webdata):
    html = client.get(f"/article/{webdata.seed.id}").get_data(as_text=True)
    expected = (f'Thuý Ngà (Ban Tuyên giáo Huyện uỷ Mai Sơn). &#34;{SEED_TITLE}&#34;. maison, 27/09/2024. '
                f"{SEED_URL}. Lưu trữ ngày 05/10/2024.")
    assert expected in html


def test_citation_without_author_or_date(webdata):
    from crawler.article import Article

    article = Article(url="https://x.example.vn/a", title="Tin", body="", site="x",
                      organization="UBND huyện")
    assert citation(article, None) == 'UBND huyện. "Tin". x, không rõ ngày. https://x.example.vn/a.'
    bare = Article(url="https://x.example.vn/b", title="Tin", body="")
    assert citation(bare, "2024-10-01T08:00:00+07:00") == (
        '"Tin". không rõ ngày. https://x.example.vn/b. Lưu trữ ngày 01/10/2024.')


def test_script_title_page_shows_text(client, webdata):
    html = client.get(f"/article/{webdata.script.id}").get_data(as_text=True)
    assert SCRIPT_TITLE not in html
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; · Kho tin</title>" in html
    assert "<b>đậm</b>" not in html and "&lt;b&gt;đậm&lt;/b&gt;" in html
    assert "<img src=x" not in html
    assert "<script>cat</script>" not in html


def test_article_without_captures_has_no_archive_link(client, webdata):
    html = client.get(f"/article/{webdata.script.id}").get_data(as_text=True)
    assert "/archive/" not in html


@pytest.mark.parametrize("path", [
    "/article/0000000000000000",  # well-formed, unknown
    "/article/../../etc/passwd",
    "/article/..%2f..%2fetc%2fpasswd",
    "/article/%2e%2e",
    "/article/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/article/ABCDEF0123456789",  # upper case is not an id
    "/article/abc",
    "/article/0123456789abcdef0",
    "/article/0123456789abcdeg",
    "/article/",
    "/article/0123456789abcdef/extra",
])
def test_bad_article_ids_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Không tìm thấy trang" in html
    assert "root:" not in html


def test_article_id_route_never_touches_files(app):
    adapter = app.url_map.bind("localhost")
    endpoint, args = adapter.match("/article/0123456789abcdef")
    assert endpoint == "article.show" and args == {"article_id": "0123456789abcdef"}
    for path in ("/article/..", "/article/%2e%2e", "/article/....%2f....%2fetc"):
        with pytest.raises(NotFound):
            adapter.match(path)
