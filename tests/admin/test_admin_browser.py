"""In headless chromium against ``khotin serve`` (with its worker): sign in, add a portal,
press Recrawl, watch the counters move, and find the new article by searching."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import pytest
import requests

from crawler.catalog import Catalog
from khotin.fixtures.server import FixtureServer
from tests.admin.admin_helpers import PASSWORD, REPO, env, free_port, khotin_args, wait_for

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture
def portal():
    with FixtureServer(articles_per_portal=5, portals=["wordpress"], hazard_portal="", delay=0.12) as srv:
        yield srv


@pytest.fixture
def live(data, tmp_path):
    """``khotin serve`` (web + worker) on a fresh data directory with one admin user."""
    created = subprocess.run([*khotin_args(data), "admin", "add-user", "alice", "--password-stdin"],
                             input=PASSWORD + "\n", text=True, capture_output=True, cwd=REPO, env=env(),
                             timeout=60)
    assert created.returncode == 0, created.stderr
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*khotin_args(data), "serve", "--port", str(port)], cwd=REPO, env=env(),
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(base + "/healthz", timeout=2).ok
        except requests.ConnectionError:
            assert proc.poll() is None, log.read_text()
            return False

    wait_for(up, timeout=30)
    yield base
    proc.send_signal(signal.SIGINT)
    try:
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in log.read_text()


@pytest.fixture
def page(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.console_problems = []
        # Script errors and CSP violations (not "failed to load" lines for the 400 of a wrong password).
        page.on("console", lambda msg: page.console_problems.append(msg.text)
                if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda exc: page.console_problems.append(str(exc)))
        yield page
        browser.close()


def test_sign_in_add_portal_recrawl_watch_progress_and_search(page, live, portal, data):
    base = live
    page.goto(base + "/admin")
    page.wait_for_url(re.compile(r".*/admin/login\?next=(%2F|/)admin$"))
    page.fill("input[name=name]", "alice")
    page.fill("input[name=password]", "sai mật khẩu")
    page.click("button:has-text('Đăng nhập')")
    assert "không đúng" in page.inner_text(".state.error")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    page.wait_for_url(base + "/admin")
    assert "Chưa có cổng tin nào" in page.inner_text("main")
    assert page.locator("header form.signout", has_text="alice").count() == 1

    # Add the portal through the form (loopback is allowed by the test settings).
    page.click("text=Thêm cổng tin")
    page.fill("input[name=name]", "yenchau")
    page.fill("input[name=title]", "Huyện ủy Yên Châu")
    page.fill("textarea[name=start_urls]", portal.url("wordpress"))
    page.fill("input[name=recrawl_every]", "")
    page.click("button:has-text('Lưu')")
    page.wait_for_url(re.compile(r".*/admin\?msg="))
    assert "Đã thêm cổng tin yenchau" in page.inner_text("main")
    new_url = portal.add_article("wordpress")

    # Recrawl: the job page shows the counters moving while the worker crawls.
    page.click("button[aria-label='Thu thập lại yenchau']")
    page.wait_for_url(re.compile(r".*/admin/jobs/\d+$"))
    moving = page.wait_for_function(
        "() => { const s = document.querySelector('[data-field=state]');"
        " const f = parseInt(document.querySelector('[data-counter=fetched]').textContent, 10);"
        " return s.dataset.state === 'running' && f > 0 ? f : 0; }", timeout=30_000).json_value()
    page.wait_for_selector("[data-field=state][data-state=done]", timeout=60_000)
    final = int(page.inner_text("[data-counter=fetched]"))
    assert final > moving > 0  # updated live, without reloading the page
    assert int(page.inner_text("[data-counter=new]")) == 6
    assert "index updated" in page.inner_text("pre.job-log")
    assert page.locator("form[data-show-when='queued running']").is_hidden()

    # The jobs list and the audit log show it.
    page.click("nav.admin-nav >> text=Công việc")
    assert page.locator("tr[data-job-id] [data-state=done]").count() == 1
    page.click("nav.admin-nav >> text=Nhật ký quản trị")
    log = page.inner_text("table")
    assert "site.add" in log and "job.queue" in log and "login.failed" in log

    # The new article is found by the public search.
    with Catalog(data.catalog) as catalog:
        title = catalog.find_by_url(new_url).title
    page.goto(base + "/")
    page.fill("#q", title)
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*q="))
    assert page.locator("ol.results a", has_text=title).count() >= 1

    # Sign out from the header.
    page.click("header form.signout button")
    page.goto(base + "/admin")
    page.wait_for_url(re.compile(r".*/admin/login"))
    time.sleep(0.2)
    assert page.console_problems == []  # no CSP violation, no script error
