"""The search page ``/``: results, filters, facets, histogram, states, page weight."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.webui.webui_data import SCRIPT_TITLE, SEED_TITLE


class Links(HTMLParser):
    """Collects hrefs and the text of the element holding them."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, dict]] = []
        self.stack: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.stack.append({"attrs": dict(attrs), "text": ""})

    def handle_data(self, data):
        for item in self.stack:
            item["text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self.stack:
            item = self.stack.pop()
            self.links.append((item["text"].strip(), item["attrs"]))


def links(html: str) -> list[tuple[str, dict]]:
    parser = Links()
    parser.feed(html)
    return parser.links


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_empty_query_lists_newest_articles(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Bài mới nhất" in html
    dates = re.findall(r'<time datetime="([^"]+)">', html)
    assert len(dates) == 20
    assert dates == sorted(dates, reverse=True)


def test_search_without_diacritics_finds_seed_article(client, webdata):
    html = client.get("/?q=huyen+uy+mai+son").get_data(as_text=True)
    assert SEED_TITLE in html
    assert f'href="/article/{webdata.seed.id}"' in html
    assert "<mark>" in html  # highlighted snippet
    assert '<time datetime="2024-09-27">27/09/2024</time>' in html
    assert "Thuý Ngà" in html


def test_date_filter_accepts_iso_and_vietnamese_format(client, webdata):
    for low, high in (("2024-09-01", "2024-09-30"), ("01/09/2024", "30/09/2024")):
        html = client.get(f"/?q=mai+son&from={low}&to={high}").get_data(as_text=True)
        assert SEED_TITLE in html
        dates = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})', html)
        assert dates and all("2024-09-01" <= d <= "2024-09-30" for d in dates)
        assert 'value="2024-09-01"' in html  # the date input shows ISO for <input type=date>


def test_author_facet_click_adds_filter_and_click_again_removes_it(client):
    html = client.get("/?q=mai+son").get_data(as_text=True)
    facet = next(attrs["href"] for text, attrs in links(html)
                 if text.startswith("Thuý Ngà") or text.startswith("Thúy Ngà"))
    assert query_of(facet)["author"][0] in ("Thuý Ngà", "Thúy Ngà")
    filtered = client.get("/" + facet).get_data(as_text=True)
    metas = re.findall(r'<span class="author">([^<]+)</span>', filtered)
    assert metas and all(m in ("Thuý Ngà", "Thúy Ngà") for m in metas)
    active = [attrs for text, attrs in links(filtered) if attrs.get("class") == "active"]
    assert len(active) == 1
    assert "author" not in query_of(active[0]["href"])
    assert query_of(active[0]["href"])["q"] == ["mai son"]


def test_year_facet_sets_and_clears_date_range(client):
    html = client.get("/?q=mai+son").get_data(as_text=True)
    year_link = next(attrs["href"] for text, attrs in links(html) if re.fullmatch(r"2024\s+\d+", text))
    assert query_of(year_link)["from"] == ["2024-01-01"] and query_of(year_link)["to"] == ["2024-12-31"]
    filtered = client.get("/" + year_link).get_data(as_text=True)
    active = [attrs["href"] for text, attrs in links(filtered) if attrs.get("class") == "active"]
    assert active and "from" not in query_of(active[0])


def test_active_filter_chip_removes_only_that_filter(client):
    html = client.get("/?q=mai+son&site=portal1&from=2020-01-01").get_data(as_text=True)
    chips = [attrs["href"] for text, attrs in links(html) if attrs.get("title") == "Bỏ bộ lọc này"]
    assert len(chips) == 2
    queries = [query_of(h) for h in chips]
    assert {"q": ["mai son"], "site": ["portal1"]} in queries
    assert {"q": ["mai son"], "from": ["2020-01-01"]} in queries


def test_sort_links_and_pagination_keep_state(client):
    html = client.get("/?q=huyen&site=portal0&per_page=5").get_data(as_text=True)
    hrefs = [attrs["href"] for _, attrs in links(html)]
    newest = next(h for h in hrefs if "sort=newest" in h)
    assert query_of(newest) == {"q": ["huyen"], "site": ["portal0"], "sort": ["newest"], "per_page": ["5"]}
    page2 = next(h for text, attrs in links(html) if text == "2" for h in [attrs["href"]])
    assert query_of(page2)["page"] == ["2"] and query_of(page2)["per_page"] == ["5"]
    second = client.get("/" + page2).get_data(as_text=True)
    assert '<ol class="results" start="6">' in second
    assert '<strong aria-current="page">2</strong>' in second


def test_sorting_newest_and_oldest(client):
    for sort, reverse in (("newest", True), ("oldest", False)):
        html = client.get(f"/?q=huyen&sort={sort}").get_data(as_text=True)
        dates = re.findall(r'<time datetime="([^"]+)">', html)
        assert dates == sorted(dates, reverse=reverse)


def test_suggestion_link(client):
    html = client.get("/?q=huyen+uy+mai+son").get_data(as_text=True)
    assert "Có phải bạn muốn tìm:" in html
    suggestion = next(attrs["href"] for text, attrs in links(html) if text == "huyện ủy mai sơn")
    assert query_of(suggestion) == {"q": ["huyện ủy mai sơn"]}


def test_histogram_is_server_side_svg_with_tooltips_and_links(client):
    html = client.get("/?q=huyen").get_data(as_text=True)
    svg = re.search(r"<svg [^>]*>(.*?)</svg>", html, re.S)
    assert svg and 'role="group"' in html and 'aria-labelledby="hist-cap"' in html
    titles = re.findall(r"<title>([^<]+)</title>", svg.group(1))
    assert titles and all(re.fullmatch(r"(\d{2}/)?\d{4}: [\d.]+ bài", t) for t in titles)
    bar_links = re.findall(r'<a href="([^"]+)" aria-label', svg.group(1))
    assert all("from=" in h.replace("&amp;", "&") and "to=" in h for h in bar_links)
    assert "Bảng số liệu" in html


def test_month_histogram_for_a_narrow_range(client):
    html = client.get("/?from=2024-01-01&to=2024-12-31").get_data(as_text=True)
    titles = re.findall(r"<title>(\d{2}/2024): [\d.]+ bài</title>", html)
    assert titles and titles == sorted(titles)
    assert "theo tháng" in html


def test_export_links_carry_the_same_parameters(client):
    html = client.get("/?q=mai+son&author=Th%C3%BAy+Ng%C3%A0&page=2&per_page=5").get_data(as_text=True)
    for path in ("/export.csv", "/export.jsonl"):
        href = next(attrs["href"] for _, attrs in links(html) if attrs["href"].startswith(path))
        assert query_of(href)["q"] == ["mai son"] and query_of(href)["author"] == ["Thúy Ngà"]
        assert "page" not in query_of(href)


def test_empty_state_says_what_to_do(client):
    response = client.get("/?q=zzzkhongcotu&site=portal0")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Không tìm thấy bài nào" in html
    assert "bỏ “Trang nguồn: portal0”" in html
    assert "Xem các bài mới nhất" in html


def test_page_beyond_the_last_offers_page_one(client):
    html = client.get("/?q=mai+son&page=500").get_data(as_text=True)
    assert "Trang 500 không có kết quả" in html
    assert "Về trang 1" in html


@pytest.mark.parametrize("query, param", [
    ("from=abc", "from"), ("to=2024-13-45", "to"), ("sort=best", "sort"), ("page=0", "page"),
    ("page=abc", "page"), ("per_page=1000", "per_page"), ("from=2024-05-01&to=2024-01-01", "from"),
    ("author=" + "x" * 300, "author"), ("q=" + "a" * 1200, "q"), ("q=%28%29", "q"),
])
def test_bad_parameters_give_the_error_state_with_400(client, query, param):
    response = client.get("/?" + query)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in html and "Chưa tìm được" in html
    assert "Traceback" not in html
    assert 'name="q"' in html  # the form is still there to fix the input
    if param in ("q", "from", "to"):
        assert re.search(rf'id="{param}"[^>]*aria-invalid="true"', html, re.S)


def test_error_state_is_vietnamese(client):
    html = client.get("/?from=2024-05-01&to=2024-01-01").get_data(as_text=True)
    assert "Ngày bắt đầu nằm sau ngày kết thúc" in html
    html = client.get("/?from=hôm+qua").get_data(as_text=True)
    assert "27/09/2024" in html  # the advice shows the accepted format


def test_script_title_is_shown_as_text(client, webdata):
    html = client.get("/?q=kiem+tra+thoat").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT_TITLE not in html
    assert "<i>Tác giả</i>" not in html and "&lt;i&gt;Tác giả&lt;/i&gt;" in html
    assert "<img src=x" not in html and "<b>đậm</b>" not in html


def test_page_weight_under_100_kb(client):
    for url in ("/", "/?q=huyen", "/?q=huyen&per_page=100"):
        size = len(client.get(url).data)
        assert size < 100_000, (url, size)
    css = client.get("/static/khotin.css")
    js = client.get("/static/khotin.js")
    assert len(client.get("/").data) + len(css.data) + len(js.data) < 100_000


def test_fresh_empty_data_directory(tmp_path):
    from khotin.paths import DataDir
    from tests.webui.webui_data import app_settings
    from webui import create_app

    data = DataDir.of(tmp_path / "empty")
    app = create_app(app_settings(data), testing=True)
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok", "documents": 0}
    html = client.get("/").get_data(as_text=True)
    assert "Kho chưa có bài nào" in html and "khotin import" in html
    assert client.get("/?q=huyen").status_code == 200
    assert client.get("/api/search?q=huyen").get_json()["total"] == 0
    assert client.get("/export.csv").data.startswith(b"\xef\xbb\xbfid,url")
    app.extensions["khotin"].close()
