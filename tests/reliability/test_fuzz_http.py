"""Fuzz every route and every parameter of the web UI and API: no 500, no traceback, no hang.

Hypothesis builds requests from the route table (public pages, JSON API,
archive, exports, health, and the admin area anonymously): random path
ids (real ids, traversal strings, Unicode, NUL, 100 KB), random values for
every parameter (sent percent-encoded or as raw bytes, repeated), random
methods and headers (tampered session cookies, bogus ``Range``,
``If-Modified-Since``, ``Authorization``, forwarded-for).  Flask's test
client for the bulk (``KHOTIN_FUZZ_EXAMPLES``, default 1,500), then a short
run against a real ``khotin serve`` including malformed raw HTTP.
"""

from __future__ import annotations

import os
import socket
import time
from urllib.parse import quote, urljoin, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.servers import Serve
from tests.webui.webui_data import app_settings, build_webdata
from webui import create_app

EXAMPLES = int(os.environ.get("KHOTIN_FUZZ_EXAMPLES") or 1500)
SERVER_EXAMPLES = max(100, EXAMPLES // 10)
OK_STATUS = {200, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 413, 414, 416, 429}
MAX_SECONDS = 10.0

ROUTES = ["/", "/api/search", "/api/facets", "/export.csv", "/export.jsonl", "/healthz", "/api/openapi.json",
          "/article/{id}", "/api/article/{id}", "/archive/{id}", "/archive/{id}/raw", "/archive/{id}/{cap}",
          "/archive/{id}/raw/{cap}", "/static/{name}", "/admin", "/admin/login", "/admin/jobs",
          "/admin/jobs/{cap}", "/admin/sites/{name}", "/admin/sites/new", "/admin/audit",
          "/api/admin/jobs", "/api/admin/jobs/{cap}", "/api/admin/sites", "/{name}"]
PARAMS = ["q", "from", "to", "author", "site", "category", "sort", "page", "per_page", "next", "format",
          "callback", "x", "", "q[]"]
NASTY = ["../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/etc/passwd", "..%252f..%252f",
         "....//....//etc/passwd", "..\\..\\windows\\win.ini", "%00", "\x00", "%c0%ae%c0%ae/", "．．／",
         "/etc/passwd", "//evil.example", "\\\\evil.example", "javascript:alert(1)", "%0d%0aSet-Cookie:x=1",
         "\r\nX-Injected: 1", "<script>alert(1)</script>", "' OR 1=1 --", "\"; DROP TABLE articles; --",
         "${jndi:ldap://x}", "{{7*7}}", "%s%s%s%n", "2024-02-30", "0000-00-00", "99999-01-01", "-1",
         "1e999", "NaN", "9" * 40, "\u202e", "\ud7ff", "A" * 5000, "newest", "oldest", "relevance"]

text = st.text(st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from("ăâđêôơưàáảãạĐ\u0301\u0300 /%?&#=+")), max_size=60)
value = st.one_of(text, st.sampled_from(NASTY), st.integers(-10**12, 10**12).map(str),
                  st.dates().map(str), st.just(""))


def _encode(raw: str, as_raw: bool) -> str:
    if as_raw:
        return raw.replace("#", "%23").replace("?", "%3F")
    return quote(raw, safe="")


@st.composite
def fuzz_request(draw, ids: list[str], captures: list[int]):
    route = draw(st.sampled_from(ROUTES))
    as_raw = draw(st.booleans())
    ident = draw(st.one_of(st.sampled_from(ids), st.sampled_from(NASTY), text,
                           st.text("0123456789abcdefABCDEF", min_size=15, max_size=17)))
    cap = draw(st.one_of(st.sampled_from([str(c) for c in captures]), st.integers(-10**20, 10**20).map(str),
                         st.sampled_from(NASTY)))
    name = draw(st.one_of(st.sampled_from(["khotin.css", "khotin.js", "../webui/__init__.py", "%2e%2e/x"]), text))
    path = route.format(id=_encode(ident, as_raw), cap=_encode(cap, as_raw), name=_encode(name, as_raw))
    pairs = draw(st.lists(st.tuples(st.sampled_from(PARAMS), value), max_size=6))
    query = "&".join(f"{quote(k, safe='')}={_encode(v, as_raw)}" for k, v in pairs)
    method = draw(st.sampled_from(["GET"] * 8 + ["HEAD", "POST", "OPTIONS", "PUT", "DELETE"]))
    signed_in = draw(st.booleans())
    headers = {}
    for header, choices in (("Accept", ["application/json", "text/html", "*/*", "x/y;q=bad"]),
                            ("Range", ["bytes=0-10", "bytes=-5", "bytes=9-1", "bytes=x", "lines=1-2"]),
                            ("If-Modified-Since", ["Sat, 01 Jan 2000 00:00:00 GMT", "yesterday", ""]),
                            ("Cookie", ["khotin_session=eyJ1aWQiOjF9.bad.sig", "khotin_session=" + "A" * 3000,
                                        "session=..; khotin_session="]),
                            ("Authorization", ["Bearer nope", "Basic YTpi", "Bearer " + "x" * 500]),
                            ("X-Forwarded-For", ["1.2.3.4", "evil, 10.0.0.1", "::1"]),
                            ("X-Forwarded-Proto", ["https", "gopher"]),
                            ("Accept-Language", ["vi", "*;q=x", "zz" * 100])):
        if draw(st.booleans()) and draw(st.booleans()):
            headers[header] = draw(st.sampled_from(choices))
    form = None
    if method == "POST":
        form = {k or "x": v for k, v in draw(st.lists(st.tuples(
            st.sampled_from(["name", "password", "csrf_token", "next", "kind", "site", "start_urls"]), value),
            max_size=4))}
        if signed_in and draw(st.booleans()):
            form["csrf_token"] = CSRF  # replaced by the session's real token when sent
    return method, path, query, headers, form, signed_in


CSRF = "<the session's CSRF token>"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from khotin import accounts

    web = build_webdata(tmp_path_factory.mktemp("fuzzhttp") / "data", n_generated=60)
    conn = accounts.connect(web.data.catalog)
    accounts.add_user(conn, "fuzz", "mat-khau-kiem-thu-mo")
    conn.close()
    app = create_app(app_settings(web.data), testing=True)
    yield app, web
    app.extensions["khotin"].close()


def signed_in_client(app):
    """A test client with an admin session, and that session's CSRF token."""
    import re

    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/login").get_data(as_text=True))[1]
    response = client.post("/admin/login", data={"name": "fuzz", "password": "mat-khau-kiem-thu-mo",
                                                 "csrf_token": token})
    assert response.status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/sites/new").get_data(as_text=True))[1]
    return client, token


def check_response(status: int, body: bytes, location: str | None, base: str, what) -> None:
    assert status in OK_STATUS, (what, status, body[:300])
    assert b"Traceback" not in body and b"werkzeug.debug" not in body, what
    if location is not None:  # every redirect stays on this site
        target = urlsplit(urljoin(base + "/", location))
        assert target.netloc == urlsplit(base).netloc, (what, location)
        assert not location.startswith(("//", "/\\", "\\")), (what, location)


@pytest.mark.timeout(1800)
def test_fuzz_every_route_with_the_test_client(fuzz_app):
    app, web = fuzz_app
    ids = [web.seed.id, web.script.id, web.legacy.id, web.pdf.id]
    client = app.test_client()
    admin, token = signed_in_client(app)
    seen = {"requests": 0, "statuses": {}}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(fuzz_request(ids, list(web.captures.values())))
    def run(request):
        method, path, query, headers, form, signed_in = request
        if form and form.get("csrf_token") == CSRF:
            form = {**form, "csrf_token": token}
        if signed_in and "Cookie" in headers:
            del headers["Cookie"]  # keep the session
        t0 = time.perf_counter()
        raw_query = query.encode("utf-8", "surrogatepass").decode("latin-1")  # WSGI: bytes as latin-1
        response = (admin if signed_in else client).open(
            path, method=method, headers=headers, data=form, base_url="http://localhost",
            environ_overrides={"QUERY_STRING": raw_query})
        body = response.get_data()
        elapsed = time.perf_counter() - t0
        seen["requests"] += 1
        seen["statuses"][response.status_code] = seen["statuses"].get(response.status_code, 0) + 1
        assert elapsed < MAX_SECONDS, (method, path, query, elapsed)
        check_response(response.status_code, body, response.headers.get("Location"), "http://localhost",
                       (method, path, query, headers))

    run()
    print(f"HTTP fuzz (test client): {seen['requests']} requests, statuses {dict(sorted(seen['statuses'].items()))}")
    assert seen["requests"] >= EXAMPLES
    assert seen["statuses"].get(200, 0) > EXAMPLES // 20   # real pages were served, not only errors


RAW_REQUESTS = [
    b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /article/..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /static/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /static/%2e%2e/%2e%2e/webui/__init__.py HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /archive/0123456789abcdef%00/raw HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /?q=\xff\xfe\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n",
    b"GET //evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST /api/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /?" + b"q=a&" * 8000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /api/search?q=%E1%BB HTTP/1.1\r\nHost: x\r\n\r\n",
]


def raw_http(base: str, payload: bytes) -> tuple[int | None, bytes]:
    """Send ``payload`` as is; the status and what came back (None: no HTTP answer, e.g. closed)."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    data = b""
    with socket.create_connection((host, port), timeout=MAX_SECONDS) as sock:
        sock.sendall(payload)
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data:
                    sock.settimeout(0.3)  # the answer has started; take what follows, then stop
        except (TimeoutError, ConnectionResetError):
            pass
    if not data.startswith(b"HTTP/"):
        return None, data
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_fuzz_a_real_server(fuzz_app, tmp_path):
    app, web = fuzz_app
    ids = [web.seed.id, web.script.id]
    with Serve(web.data.root, tmp_path / "serve.log", {"KHOTIN_EXPORT_PER_MINUTE": "100000"}) as server:
        http = requests.Session()
        count = {"n": 0}

        @settings(max_examples=SERVER_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(fuzz_request(ids, list(web.captures.values())))
        def run(request):
            method, path, query, headers, form, _ = request
            if form:
                form.pop("csrf_token", None)
            prepared = requests.Request(method, server.base + "/", headers=headers, data=form).prepare()
            prepared.url = server.base + quote(path, safe="/%:@!$&'()*+,;=-._~") + (
                "?" + quote(query, safe="=&%+") if query else "")
            t0 = time.perf_counter()
            response = http.send(prepared, timeout=MAX_SECONDS, allow_redirects=False)
            count["n"] += 1
            assert time.perf_counter() - t0 < MAX_SECONDS
            check_response(response.status_code, response.content, response.headers.get("Location"),
                           server.base, (method, prepared.url))

        run()
        for payload in RAW_REQUESTS:
            status, data = raw_http(server.base, payload)
            assert status is None or status < 500, (payload[:80], data[:300])
            assert b"Traceback" not in data and b"root:x:0:0" not in data, payload[:80]
        assert requests.get(server.base + "/healthz", timeout=5).json()["status"] == "ok"  # still up
        assert server.proc.poll() is None
    assert "Traceback" not in (tmp_path / "serve.log").read_text(errors="replace")
    print(f"HTTP fuzz (real server): {count['n']} requests and {len(RAW_REQUESTS)} raw ones")
