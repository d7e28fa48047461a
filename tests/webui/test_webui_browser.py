"""End to end in headless Debian chromium against ``khotin serve`` on a free loopback port.

Search without diacritics, filter by date and by an author facet, open the
article and its archived snapshot, download an export, and check the page at
360 px wide.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.webui.webui_data import REPO, SEED_TITLE, free_port

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def live_server(webdata, tmp_path_factory):
    """``python -m khotin serve`` as a subprocess, polled until /healthz answers."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(REPO), "KHOTIN_REFRESH_SECONDS": "0.2",
           "KHOTIN_EXPORT_PER_MINUTE": "100"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "khotin", "--data-dir", str(webdata.data.root),
                                 "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(base + "/healthz", timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"khotin serve did not start: {log.read_text()}")
        time.sleep(0.1)
    yield base, proc, log
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(accept_downloads=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.responses = []
    page.failures = []
    page.on("response", lambda response: page.responses.append(response.url))
    page.on("requestfailed", lambda request: page.failures.append((request.url, request.failure or "")))
    yield page
    context.close()


def test_khotin_serve_answers_with_waitress(live_server, webdata):
    base, proc, log = live_server
    response = requests.get(base + "/healthz", timeout=5)
    assert response.json() == {"status": "ok", "documents": webdata.generated + 4}
    assert response.headers["Server"] == "khotin"
    assert requests.get(base + "/api/search?from=bad", timeout=5).status_code == 400
    assert "serving" in log.read_text()


def test_search_filter_article_archive_and_export(page, live_server, webdata, tmp_path):
    base = live_server[0]
    page.goto(base + "/")
    page.fill("#q", "huyen uy mai son")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*q=huyen"))
    assert page.locator("ol.results a", has_text=SEED_TITLE).count() == 1
    assert "<mark>" in page.inner_html("ol.results")
    assert "author=" not in page.url  # empty filters are not sent

    # date filter through the form
    page.fill("#from", "2024-09-01")
    page.fill("#to", "2024-09-30")
    page.click("text=Áp dụng bộ lọc")
    page.wait_for_url(re.compile(r".*from=2024-09-01"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["from"] == ["2024-09-01"] and query["to"] == ["2024-09-30"]
    dates = page.locator("ol.results time").all_inner_texts()
    assert dates and all(d.endswith("/09/2024") for d in dates)
    assert page.locator("ol.results a", has_text=SEED_TITLE).count() == 1

    # author facet: click adds, click again removes
    page.locator("aside .facet a", has_text="Ngà").first.click()
    page.wait_for_url(re.compile(r".*author="))
    assert page.locator("ul.chips", has_text="Tác giả").count() == 1
    authors = page.locator("ol.results .author").all_inner_texts()
    assert authors and all(a in ("Thuý Ngà", "Thúy Ngà") for a in authors)
    page.locator("aside .facet a.active", has_text="Ngà").click()
    page.wait_for_url(lambda url: "author=" not in url)
    assert "from=2024-09-01" in page.url
    page.locator("aside .facet a", has_text="Ngà").first.click()
    page.wait_for_url(re.compile(r".*author="))

    # CSV export of this view
    with page.expect_download() as info:
        page.click("text=CSV (mở bằng Excel)")
    download = info.value
    assert re.fullmatch(r"khotin-\d{8}-\d{4}\.csv", download.suggested_filename)
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "url", "site", "title"]
    assert len(rows) >= 2 and webdata.seed.id in [r[0] for r in rows[1:]]

    # article page
    page.click(f"ol.results a:has-text('{SEED_TITLE}')")
    page.wait_for_url(re.compile(rf".*/article/{webdata.seed.id}$"))
    assert page.inner_text("h1") == SEED_TITLE
    assert "Thuý Ngà (Ban Tuyên giáo Huyện uỷ Mai Sơn)" in page.inner_text(".citation")

    # archived snapshot in a sandboxed frame
    page.click("text=Xem bản lưu ngày")
    page.wait_for_url(re.compile(rf".*/archive/{webdata.seed.id}$"))
    frame = page.locator("iframe.snapshot")
    assert frame.get_attribute("sandbox") == ""
    inner = page.frame_locator("iframe.snapshot").locator("#archived-title")
    assert inner.inner_text() == SEED_TITLE
    assert page.title() != "ESCAPED"  # the archived page's script did not run
    time.sleep(0.3)
    fetched = [u for u in page.responses if not u.startswith(base) and not u.startswith("data:")]
    assert fetched == []  # nothing fetched from the archived page's CDN ...
    blocked = {u: why for u, why in page.failures if "cdn.example.invalid" in u}
    assert blocked and all("csp" in why.lower() for why in blocked.values()), blocked  # ... by the CSP
    page.click("text=27/09/2024 10:00")  # an earlier capture
    page.wait_for_url(re.compile(rf".*/archive/{webdata.seed.id}/\d+$"))
    assert "Bản cũ" in page.frame_locator("iframe.snapshot").locator("body").inner_text()


def test_page_at_360_px_has_no_horizontal_overflow(browser, live_server, webdata, tmp_path):
    base = live_server[0]
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text and "cdn.example.invalid" not in msg.text else None)
    for path in ("/?q=huyen+uy+mai+son", f"/article/{webdata.seed.id}", f"/archive/{webdata.seed.id}",
                 "/?q=" + "x" * 300, "/?from=bad"):
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    page.goto(base + "/?q=huyen+uy+mai+son")
    shot = Path(os.environ.get("KHOTIN_SCREENSHOT_DIR", tmp_path)) / "search-360.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 5_000
    assert page.locator("#q").bounding_box()["width"] > 150  # the query box is usable
    assert violations == []  # only the archived page's own CDN links are blocked
    context.close()
