"""What the hostile portal's articles look like in the web UI: text, never code.

The articles come from the real crawl of ``khotin/fixtures/hostile.py``
(session fixture ``hostile``).  Every HTML page that shows them is parsed
and searched for anything a browser would execute; the archived snapshot
must be served sandboxed; and in headless chromium the archived page's own
script must neither run nor reach the application's origin or cookies.
"""

from __future__ import annotations

import csv
import io
import re

import lxml.html
import pytest

from crawler.catalog import Catalog
from khotin.fixtures.hostile import FORMULA_TITLE, SCRIPT_TITLE
from khotin.settings import load_settings
from tests.reliability.servers import Serve
from webui import create_app

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
             "codebase", "cite", "longdesc", "usemap", "manifest", "ping"}
FORBIDDEN_TAGS = {"object", "embed", "applet", "base", "frame", "frameset", "math", "foreignobject",
                  "template", "portal", "noembed"}
BAD_URL = re.compile(r"^(?:javascript|vbscript|data|file|blob|filesystem):", re.IGNORECASE)


def executable_markup(html: str) -> list[str]:
    """Everything in ``html`` a browser could run or that could load foreign code."""
    problems = []
    root = lxml.html.fromstring(html)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower().rsplit("}", 1)[-1]
        if tag == "script":
            src = el.get("src") or ""
            if not src.startswith("/static/") or (el.text or "").strip():
                problems.append(f"script {src!r} {(el.text or '')[:60]!r}")
        elif tag == "iframe":
            if el.get("sandbox") != "" or not (el.get("src") or "").startswith("/archive/"):
                problems.append(f"iframe {dict(el.attrib)}")
        elif tag in FORBIDDEN_TAGS:
            problems.append(f"<{tag}>")
        elif tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            problems.append("meta refresh")
        elif tag == "link" and (el.get("rel") or "").lower() not in ("stylesheet", "icon", "alternate"):
            problems.append(f"link rel={el.get('rel')}")
        for name, value in el.attrib.items():
            low = name.lower()
            if low.startswith("on") or low in ("srcdoc", "formaction", "style"):
                problems.append(f"<{tag} {name}={value[:60]!r}>")
            if low in URL_ATTRS or low.endswith(":href"):
                cleaned = re.sub(r"[\x00-\x20\x7f]+", "", value)
                if BAD_URL.match(cleaned) and not (tag == "img" and cleaned.lower().startswith("data:image/")):
                    problems.append(f"<{tag} {name}={value[:60]!r}>")
    return problems


@pytest.fixture(scope="module")
def ui(hostile):
    app = create_app(load_settings(hostile.data.root), testing=True)
    with Catalog(hostile.data.catalog, readonly=True) as cat:
        articles = {a.url.rsplit("/", 1)[-1]: a for a in cat.iter_articles()}
    yield app.test_client(), articles
    app.extensions["khotin"].close()


def html_pages(client, articles) -> dict[str, str]:
    pages = {}
    urls = ["/", "/?q=script", "/?q=alert", "/?q=h%E1%BB%99i+ngh%E1%BB%8B&sort=newest", "/?q=hyperlink",
            "/?author=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E", "/?q=%22%3Cscript%3E%22"]
    for a in articles.values():
        urls += [f"/article/{a.id}", f"/archive/{a.id}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert response.mimetype == "text/html", url
        pages[url] = response.get_data(as_text=True)
    return pages


def test_no_page_showing_hostile_articles_contains_executable_markup(ui):
    client, articles = ui
    assert {"kich-ban", "cong-thuc", "ma-hong"} <= set(articles)
    pages = html_pages(client, articles)
    found = {url: executable_markup(html) for url, html in pages.items()}
    assert {url: p for url, p in found.items() if p} == {}
    assert len(pages) >= 2 * len(articles)


def test_hostile_text_is_shown_as_text(ui):
    client, articles = ui
    script = articles["kich-ban"]
    for url in (f"/article/{script.id}", "/?q=alert"):
        html = client.get(url).get_data(as_text=True)
        text = lxml.html.fromstring(html).text_content()
        assert SCRIPT_TITLE in text, url                 # the reader sees the characters ...
        assert "<script>alert(" not in html, url         # ... which are escaped in the markup
    snippet_page = client.get("/?q=script+alert").get_data(as_text=True)
    assert "&lt;script&gt;" in snippet_page


def test_json_api_is_json_only(ui):
    client, articles = ui
    script = articles["kich-ban"]
    for url in ("/api/search?q=alert", f"/api/article/{script.id}", "/api/facets?q=alert"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/json", url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.get_json()
    assert client.get(f"/api/article/{script.id}").get_json()["title"] == SCRIPT_TITLE


def test_archived_snapshot_is_served_sandboxed(ui):
    client, articles = ui
    for a in articles.values():
        response = client.get(f"/archive/{a.id}/raw")
        assert response.status_code == 200
        policy = response.headers["Content-Security-Policy"]
        directives = [d.strip() for d in policy.split(";")]
        assert "sandbox" in directives                   # opaque origin: no cookies, no app access
        assert "allow-scripts" not in policy and "allow-same-origin" not in policy
        assert "default-src 'none'" in directives        # nothing loaded from anywhere
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Set-Cookie" not in response.headers
        frame = lxml.html.fromstring(client.get(f"/archive/{a.id}").get_data(as_text=True))
        iframes = frame.xpath("//iframe")
        assert len(iframes) == 1 and iframes[0].get("sandbox") == ""


def test_export_does_not_hand_formulas_to_spreadsheets(ui):
    client, articles = ui
    raw = client.get("/export.csv?q=hyperlink").get_data()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    titles = [r[3] for r in rows[1:]]
    assert "'" + FORMULA_TITLE in titles
    assert not [cell for row in rows[1:] for cell in row if cell[:1] in ("=", "+", "-", "@")]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        yield chromium
        chromium.close()


def test_archived_page_script_does_not_run_or_reach_the_app(hostile, ui, browser, tmp_path):
    from playwright.sync_api import Error as PlaywrightError

    _, articles = ui
    script = articles["kich-ban"]
    with Serve(hostile.data.root, tmp_path / "serve.log") as server:
        context = browser.new_context()
        context.add_cookies([{"name": "khotin_session", "value": "SECRET-COOKIE", "url": server.base}])
        page = context.new_page()
        requests_seen: list[str] = []
        page.on("request", lambda r: requests_seen.append(r.url))
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        page.goto(f"{server.base}/archive/{script.id}")
        page.wait_for_timeout(1500)
        assert page.url == f"{server.base}/archive/{script.id}"       # no top-level navigation
        assert page.title().startswith("Bản lưu trữ")                  # parent.document.title untouched
        frame = next(f for f in page.frames if "/raw" in f.url)
        assert frame.evaluate("document.title") == SCRIPT_TITLE        # the archived page's own
        with pytest.raises(PlaywrightError, match="SecurityError|sandboxed"):  # opaque origin: no cookies
            frame.evaluate("document.cookie")
        page.goto(f"{server.base}/archive/{script.id}/raw")            # even opened on its own
        page.wait_for_timeout(1000)
        assert page.title() == SCRIPT_TITLE
        context.close()
    assert not [u for u in requests_seen if "STOLEN" in u or "evil.example" in u or "SECRET" in u]
    assert all(u.startswith(server.base) or u.startswith("data:") for u in requests_seen)


@pytest.mark.parametrize("bad", [
    "<script>alert(1)</script>", '<script src="https://evil.example/x.js"></script>', "<img src=x onerror=alert(1)>",
    '<a href=" java\tscript:alert(1)">x</a>', '<a href="data:text/html,<b>">x</a>', "<iframe src=/x></iframe>",
    '<iframe sandbox="allow-scripts" src="/archive/x/raw"></iframe>', "<object data=x></object>",
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>', '<meta http-equiv="refresh" content="0;url=/">',
    "<base href=/>", '<p style="background:url(javascript:x)">x</p>', '<form action="javascript:x"></form>',
])
def test_the_markup_checker_catches_what_it_claims(bad):
    assert executable_markup(f"<html><body><p>ok</p>{bad}</body></html>")
    assert not executable_markup('<html><body><script src="/static/khotin.js"></script>'
                                 '<iframe sandbox="" src="/archive/abc/raw"></iframe><p>&lt;script&gt;</p></body></html>')
