"""Web security from the outside: sign-in and CSRF on the admin area, cookies, redirects, ids, limits.

Every admin route is found in the app's URL map (so a route added later is
covered without editing this file) and tried anonymously, then signed in
without a CSRF token.  Sign-in never redirects off the site whatever
``next`` says; failed sign-ins and exports are rate-limited and a forged
``X-Forwarded-For`` does not reset the count; the session cookie is
``HttpOnly``, ``SameSite=Lax`` and ``Secure`` over TLS (also behind a
trusted proxy, with a real ``khotin serve``); no id, however crafted,
reads a file outside the archive.
"""

from __future__ import annotations

import re
import subprocess
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from crawler.article import Article
from crawler.catalog import Catalog
from khotin import accounts, jobs
from tests.reliability.conftest import REPO, khotin_cmd
from tests.reliability.servers import Serve
from tests.webui.webui_data import WARC_NAME, app_settings, build_webdata
from webui import create_app

USER, PASSWORD = "quantri", "mat-khau-rat-dai-2024"
EVIL_NEXT = ["//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example", " //evil.example",
             "http:/evil.example", "///evil.example", "/%2F%2Fevil.example", "javascript:alert(1)",
             "/admin\r\nLocation: https://evil.example/", "//evil.example/%2F..", "https:evil.example",
             "\t//evil.example", "/\t/evil.example", "data:text/html,x", "@evil.example", "//" + "a" * 3000]
TRAVERSAL = ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
             "..%252f..%252fetc%252fpasswd", "....//....//etc/passwd", "..\\..\\etc\\passwd",
             "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "0123456789abcdef%00../../etc/passwd",
             "0123456789abcdef%00", "%00", "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fetc\uff0fpasswd", "/etc/passwd",
             "0123456789ABCDEF", "0123456789abcdef/../../../../etc/passwd", "a" * 100_000, "-1",
             "99999999999999999999999", "1e3", "%2fetc%2fpasswd", "..;/..;/etc/passwd"]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    web = build_webdata(tmp_path_factory.mktemp("websec") / "data", n_generated=30)
    conn = accounts.connect(web.data.catalog)
    accounts.add_user(conn, USER, PASSWORD)
    web.token = accounts.new_token(conn, USER)[1]
    conn.close()
    with Catalog(web.data.catalog) as cat:  # catalog rows are data too: they must not open files
        evil = Article(url="https://evil.example.vn/tin/1", title="Bản ghi trỏ ra ngoài kho", body="x",
                       site="evil", warc_file="../../../../../../etc/passwd", warc_offset=0, warc_length=10)
        cat.upsert(evil)
        cat.add_capture(evil.url, record_type="response", warc_file="/etc/passwd", warc_offset=0,
                        warc_length=10, status=200, article_id=evil.id)
        web.evil = evil
    return web


def make_app(web, **overrides):
    values = {"login_attempts_per_minute": 5, "export_per_minute": 3, **overrides}
    return create_app(app_settings(web.data, **values), testing=True)


@pytest.fixture
def app(web):
    app = make_app(web)
    yield app
    app.extensions["khotin"].close()


def clear_failures(web) -> None:
    conn = accounts.connect(web.data.catalog)
    with conn:
        for table in ("login_failures", "login_attempts"):
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
                conn.execute(f"DELETE FROM {table}")
    conn.close()


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, next_url: str | None = None, base_url: str = "http://localhost"):
    token = csrf_from(client.get("/admin/login", base_url=base_url).get_data(as_text=True))
    form = {"name": USER, "password": PASSWORD, "csrf_token": token}
    if next_url is not None:
        form["next"] = next_url
    return client.post("/admin/login", data=form, base_url=base_url)


def admin_rules(app):
    """(url, method) for every admin route, with placeholder arguments."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/admin", "/api/admin")):
            continue
        url = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", lambda m: "1" if m.group(1) == "int" else "t", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((url, method))
    return out


def job_count(web) -> int:
    conn = jobs.connect(web.data.catalog)
    try:
        return conn.execute("SELECT count(*) FROM jobs").fetchone()[0]
    finally:
        conn.close()


def test_every_admin_route_refuses_anonymous_requests(app, web):
    rules = admin_rules(app)
    assert len(rules) >= 15  # the admin area is here: pages, forms and API
    client = app.test_client()
    before = job_count(web)
    for url, method in rules:
        if url == "/admin/login":
            continue
        response = client.open(url, method=method, json={"kind": "reindex"} if "/api/" in url else None,
                               data=None if "/api/" in url else {"kind": "reindex", "name": "x"})
        assert response.status_code in (303, 401, 403), (method, url, response.status_code)
        if response.status_code == 303:
            assert urlsplit(response.headers["Location"]).path == "/admin/login", (method, url)
    assert job_count(web) == before  # nothing was queued


def test_state_changing_admin_requests_need_the_csrf_token(app, web):
    clear_failures(web)
    client = app.test_client()
    assert sign_in(client).status_code == 303
    before = job_count(web)
    real = csrf_from(client.get("/admin/sites/new").get_data(as_text=True))
    wrong = real[:-1] + ("A" if real[-1] != "A" else "B")
    for url, method in admin_rules(app):
        if method == "GET":
            continue
        for token in (None, "", "x" * 43, wrong):
            if "/api/" in url:
                headers = {"X-CSRF-Token": token} if token is not None else {}
                response = client.open(url, method=method, json={"kind": "reindex"}, headers=headers)
            else:
                data = {"kind": "reindex", "csrf_token": token} if token is not None else {"kind": "reindex"}
                response = client.open(url, method=method, data=data)
            assert response.status_code in (400, 403), (method, url, token, response.status_code)
    assert job_count(web) == before
    # the same request with the session's token, or a Bearer token without any, works
    assert client.post("/api/admin/jobs", json={"kind": "reindex"}, headers={"X-CSRF-Token": real}).status_code == 202
    bearer = app.test_client().post("/api/admin/jobs", json={"kind": "reindex"},
                                    headers={"Authorization": f"Bearer {web.token}"})
    assert bearer.status_code in (200, 202)
    assert app.test_client().post("/admin/login", data={"name": USER, "password": PASSWORD}).status_code == 403


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_sign_in_never_redirects_off_site(app, web, evil):
    clear_failures(web)
    client = app.test_client()
    form_page = client.get("/admin/login", query_string={"next": evil}).get_data(as_text=True)
    hidden = re.search(r'name="next" value="([^"]*)"', form_page).group(1)
    assert hidden.startswith("/") and not hidden.startswith("//")
    response = sign_in(client, next_url=evil)
    assert response.status_code == 303
    _assert_local(response.headers["Location"])
    again = client.get("/admin/login", query_string={"next": evil})   # signed in: straight redirect
    _assert_local(again.headers["Location"])


def _assert_local(location: str) -> None:
    """A redirect target on this site: a path, or an absolute URL naming this host."""
    assert not re.match(r"^\s*(?://|/\\|\\)", location), location
    target = urlsplit(urljoin("http://localhost/admin/login", location))
    assert target.scheme in ("http", "https") and target.netloc == "localhost", location
    assert "\r" not in location and "\n" not in location


def test_failed_sign_ins_are_rate_limited(app, web):
    clear_failures(web)
    client = app.test_client()
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    statuses = [client.post("/admin/login", data={"name": USER, "password": f"sai-{i}", "csrf_token": token},
                            headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(8)]
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}   # a forged XFF does not help
    throttled = client.post("/admin/login", data={"name": USER, "password": PASSWORD, "csrf_token": token})
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert client.get("/admin").status_code == 303                    # the right password was not let in
    clear_failures(web)


def test_session_cookie_flags(web):
    for mode, base, secure in (("auto", "http://localhost", False), ("auto", "https://localhost", True),
                               ("true", "http://localhost", True), ("false", "https://localhost", False)):
        clear_failures(web)
        app = make_app(web, secure_cookies=mode)
        client = app.test_client()
        response = sign_in(client, base_url=base)
        assert response.status_code == 303, (mode, base)
        cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("khotin_session=")]
        assert cookies, (mode, base)
        flags = [f.strip().lower() for f in cookies[-1].split(";")[1:]]
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags, cookies
        assert ("secure" in flags) is secure, (mode, base, cookies)
        app.extensions["khotin"].close()


def test_public_pages_set_no_cookies(app, web):
    client = app.test_client()
    for url in ("/", "/?q=huyen", f"/article/{web.seed.id}", f"/archive/{web.seed.id}", "/api/search?q=x",
                "/healthz", "/export.csv?q=zzzz"):
        assert "Set-Cookie" not in client.get(url).headers, url


def test_path_traversal_on_every_route_that_takes_an_id(app, web):
    client = app.test_client()
    clear_failures(web)
    sign_in(client)  # admin routes with ids too
    templates = ["/article/{}", "/api/article/{}", "/archive/{}", "/archive/{}/raw",
                 f"/archive/{web.seed.id}/{{}}", f"/archive/{web.seed.id}/raw/{{}}", "/static/{}",
                 "/admin/jobs/{}", "/admin/sites/{}", "/api/admin/jobs/{}", "/{}"]
    for template in templates:
        for payload in TRAVERSAL:
            response = client.get(template.format(payload))
            body = response.get_data()
            assert response.status_code in (303, 308, 400, 404, 405, 414), (template, payload[:40], response.status_code)
            if response.status_code in (303, 308):  # merged slashes, sign-in: never off the site
                _assert_local(response.headers["Location"])
            assert b"root:x:0:0" not in body and b"Traceback" not in body, (template, payload[:40])


def test_catalog_rows_cannot_point_outside_the_archive(app, web):
    client = app.test_client()
    capture = web.evil
    for url in (f"/archive/{capture.id}", f"/archive/{capture.id}/raw"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"root:" not in response.get_data()
    assert client.get(f"/article/{capture.id}").status_code == 200  # the record itself still shows
    assert WARC_NAME  # the real archive file is the only one ever opened


def test_exports_are_rate_limited_per_client(web):
    app = make_app(web, export_per_minute=3)
    client = app.test_client()
    assert client.get("/export.csv?q=%22").status_code == 400            # a bad query does not count
    codes = [client.get("/export.jsonl?q=huyen", headers={"X-Forwarded-For": f"10.1.1.{i}"}).status_code
             for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    limited = client.get("/export.csv?q=huyen")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    app.extensions["khotin"].close()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_secure_cookie_behind_a_trusted_tls_proxy(web, tmp_path):
    """``khotin serve --trusted-proxy``: X-Forwarded-Proto https makes the cookie Secure, only then."""
    clear_failures(web)
    for trusted, secure in ((True, True), (False, False)):
        args = ("--trusted-proxy", "127.0.0.1") if trusted else ()
        with Serve(web.data.root, tmp_path / f"serve-{trusted}.log", {}, *args) as server:
            proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.113.131.7"}
            page = requests.get(server.base + "/admin/login", headers=proxy, timeout=10)
            # The browser talks TLS to the proxy, so it returns even a Secure cookie: do the same.
            anonymous = page.raw.headers.getlist("Set-Cookie")[-1].split(";", 1)[0]
            response = requests.post(server.base + "/admin/login", headers={**proxy, "Cookie": anonymous},
                                     allow_redirects=False, timeout=10,
                                     data={"name": USER, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
            assert response.status_code == 303, response.text[:500]
            cookie = [c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("khotin_session=")][-1]
            assert ("; secure" in cookie.lower()) is secure, (trusted, cookie)
            assert "httponly" in cookie.lower()
            _assert_local(response.headers["Location"])


def test_admin_cli_never_takes_a_password_argument(web, tmp_path):
    done = subprocess.run(khotin_cmd(web.data.root, "admin", "add-user", "--help"), cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--password-stdin" in done.stdout
    assert not re.search(r"--password(?!-stdin)\b", done.stdout)
