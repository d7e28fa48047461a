"""Sign-in, sessions, CSRF, rate limits, redirects and API authentication."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from khotin import accounts, audit
from tests.admin.admin_helpers import PASSWORD, add_user, new_token, page_csrf, sign_in


def admin_routes(app) -> list[tuple[str, str]]:
    """(method, URL) of every admin page and API route except the sign-in form itself."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/admin", "/api/admin")) or rule.rule == "/admin/login":
            continue
        url = re.sub(r"<int:[^>]+>", "1", rule.rule)
        url = re.sub(r"<[^>]+>", "wordpress", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, url))
    return out


def test_every_admin_route_refuses_anonymous_users(app, client):
    routes = admin_routes(app)
    assert len(routes) >= 18  # pages, forms and API: a new route is covered automatically
    for method, url in routes:
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
            assert response.get_json()["error"]["message"]
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        else:
            assert response.status_code == 303, (method, url, response.status_code)
            target = urlsplit(response.headers["Location"])
            assert target.path == "/admin/login", (method, url)
            if method == "GET":
                assert parse_qs(target.query)["next"] == [url]


def test_sign_in_then_out(client, user, data):
    response = sign_in(client, next_url="/admin/jobs")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/jobs"
    page = client.get("/admin")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cổng tin" in html and "alice" in html
    assert client.get("/").get_data(as_text=True).count("Đăng xuất") == 1  # header on public pages too
    out = client.post("/admin/logout", data={"csrf_token": page_csrf(client)})
    assert out.status_code == 303
    assert client.get("/admin").status_code == 303
    conn = accounts.connect(data.catalog)
    actions = [e.action for e in audit.recent(conn)]
    conn.close()
    assert actions[:2] == ["logout", "login"]


def test_session_cookie_flags(make_app, user):
    app = make_app()
    client = app.test_client()
    cookie = sign_in(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = make_app().test_client()
    page = secure.get("/admin/login", base_url="https://khotin.example")
    assert "Secure" in page.headers["Set-Cookie"]  # auto: the request came over HTTPS
    forced = make_app(secure_cookies="true").test_client()
    assert "Secure" in forced.get("/admin/login").headers["Set-Cookie"]
    never = make_app(secure_cookies="false").test_client()
    assert "Secure" not in never.get("/admin/login", base_url="https://x.example").headers["Set-Cookie"]


def test_a_form_without_csrf_token_is_refused(admin):
    for url in ("/admin/reindex", "/admin/recrawl", "/admin/logout", "/admin/sites/new"):
        response = admin.post(url, data={"name": "x"})
        assert response.status_code == 403, url
        assert "CSRF" in response.get_data(as_text=True)
        assert admin.post(url, data={"csrf_token": "wrong" * 10}).status_code == 403
    assert admin.get("/admin").status_code == 200  # still signed in


def test_sign_in_form_needs_its_csrf_token(client, user):
    response = client.post("/admin/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/admin").status_code == 303


def test_wrong_passwords_are_rate_limited(make_app, data, user):
    client = make_app(login_attempts_per_minute=3).test_client()
    for _ in range(3):
        response = sign_in(client, password="sai mật khẩu")
        assert response.status_code == 400
        assert "không đúng" in response.get_data(as_text=True)
    blocked = sign_in(client, password=PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert client.get("/admin").status_code == 303
    # The user name is limited too, whatever the address.
    other = make_app(login_attempts_per_minute=3).test_client()
    limited = other.get("/admin/login", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', limited.get_data(as_text=True)).group(1)
    response = other.post("/admin/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 429
    conn = accounts.connect(data.catalog)
    actions = [e.action for e in audit.recent(conn)]
    conn.close()
    assert actions.count("login.failed") == 3 and "login.throttled" in actions


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/admin", "/\\evil.example", "http:/evil.example",
    "javascript:alert(1)", "/admin\r\nLocation: https://evil.example", "admin", "",
])
def test_no_open_redirect_after_sign_in(client, user, target):
    response = sign_in(client, next_url=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin"


def test_local_next_is_followed(client, user):
    response = sign_in(client, next_url="/admin/jobs/3?x=1")
    assert response.headers["Location"] == "/admin/jobs/3?x=1"


def test_removed_user_loses_the_session(admin, data):
    conn = accounts.connect(data.catalog)
    accounts.remove_user(conn, "alice")
    conn.close()
    assert admin.get("/admin").status_code == 303
    assert admin.get("/api/admin/jobs").status_code == 401


def test_bearer_tokens_work_until_revoked(client, data, user):
    token_id, token = new_token(data)
    auth = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/admin/jobs", headers=auth)
    assert response.status_code == 200 and response.get_json()["jobs"] == []
    # No CSRF header needed with a token; no cookie is set either.
    response = client.post("/api/admin/jobs", json={"kind": "reindex"}, headers=auth)
    assert response.status_code == 202 and "Set-Cookie" not in response.headers
    assert client.get("/api/admin/jobs", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert client.get("/api/admin/jobs", headers={"Authorization": f"Basic {token}"}).status_code == 401
    conn = accounts.connect(data.catalog)
    assert accounts.revoke(conn, str(token_id)) == 1
    conn.close()
    response = client.get("/api/admin/jobs", headers=auth)
    assert response.status_code == 401
    assert "thu hồi" in response.get_json()["error"]["message"]


def test_revoking_by_user_name_revokes_every_token(client, data, user):
    tokens = [new_token(data)[1] for _ in range(2)]
    add_user(data, "bob")
    _, bob = new_token(data, "bob")
    conn = accounts.connect(data.catalog)
    assert accounts.revoke(conn, "alice") == 2
    conn.close()
    for token in tokens:
        assert client.get("/api/admin/sites", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/admin/sites", headers={"Authorization": f"Bearer {bob}"}).status_code == 200


def test_session_api_calls_need_the_csrf_header_to_change_state(admin):
    assert admin.get("/api/admin/jobs").status_code == 200  # reading needs no header
    refused = admin.post("/api/admin/jobs", json={"kind": "reindex"})
    assert refused.status_code == 403 and refused.get_json()["error"]["message"]
    wrong = admin.post("/api/admin/jobs", json={"kind": "reindex"}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    ok = admin.post("/api/admin/jobs", json={"kind": "reindex"}, headers={"X-CSRF-Token": page_csrf(admin)})
    assert ok.status_code == 202


def test_admin_pages_are_not_cached(admin):
    for url in ("/admin", "/admin/jobs", "/admin/audit", "/api/admin/jobs"):
        assert admin.get(url).headers["Cache-Control"] == "no-store"
