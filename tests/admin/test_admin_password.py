"""Changing a password: on the page (with the current one) and with ``khotin admin set-password``."""

from __future__ import annotations

from khotin import accounts, audit
from tests.admin.admin_helpers import PASSWORD, add_user, new_token, page_csrf, sign_in
from tests.admin.test_accounts import run

NEW = "mật-khẩu-mới-dài-hơn"


def change(client, current: str = PASSWORD, new: str = NEW, again: str | None = None):
    return client.post("/admin/password", data={
        "current": current, "new": new, "again": new if again is None else again,
        "csrf_token": page_csrf(client, "/admin/password")})


def actions(data) -> list[str]:
    conn = accounts.connect(data.catalog)
    try:
        return [e.action for e in audit.recent(conn)]
    finally:
        conn.close()


def test_change_password_signs_out_other_browsers_only(make_app, admin, data):
    other = make_app().test_client()
    assert sign_in(other).status_code == 303 and other.get("/admin").status_code == 200
    page = admin.get("/admin/password").get_data(as_text=True)
    assert "Đổi mật khẩu" in page and 'autocomplete="new-password"' in page
    response = change(admin)
    assert response.status_code == 303
    assert "Đã đổi mật khẩu" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert admin.get("/admin").status_code == 200  # this browser stays signed in
    assert other.get("/admin").status_code == 303  # the other one is signed out
    fresh = make_app().test_client()
    assert sign_in(fresh).status_code == 400  # the old password no longer works
    assert sign_in(fresh, password=NEW).status_code == 303
    assert "password.change" in actions(data)


def test_wrong_current_password_mismatch_and_short_passwords_change_nothing(admin, data):
    for kwargs, field in (({"current": "không phải mật khẩu"}, "current"), ({"again": NEW + "x"}, "again"),
                          ({"new": "ngắn", "again": "ngắn"}, "new")):
        response = change(admin, **kwargs)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, field
        assert f'id="err-{field}"' in html and NEW not in html, field
    conn = accounts.connect(data.catalog)
    assert accounts.authenticate(conn, "alice", PASSWORD) is not None
    conn.close()
    assert "password.failed" in actions(data)


def test_guessing_the_current_password_is_rate_limited(make_app, data, user):
    client = make_app(login_attempts_per_minute=2).test_client()
    assert sign_in(client).status_code == 303
    for _ in range(2):
        assert change(client, current="đoán-bừa-thôi").status_code == 400
    assert change(client).status_code == 429  # even the right one waits
    conn = accounts.connect(data.catalog)
    assert accounts.authenticate(conn, "alice", PASSWORD) is not None
    conn.close()


def test_the_form_needs_its_csrf_token(admin):
    response = admin.post("/admin/password", data={"current": PASSWORD, "new": NEW, "again": NEW})
    assert response.status_code == 403


def test_set_password_command_resets_and_keeps_tokens(admin, data):
    _, token = new_token(data)
    code, out, err = run(data, "admin", "set-password", "alice", "--password-stdin", stdin=NEW + "\n")
    assert code == 0, err
    assert "alice" in out and NEW not in out + err
    assert admin.get("/admin").status_code == 303  # the browser session ended
    assert admin.get("/api/admin/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    conn = accounts.connect(data.catalog)
    assert accounts.authenticate(conn, "alice", NEW) is not None
    assert accounts.authenticate(conn, "alice", PASSWORD) is None
    conn.close()
    assert "password.reset" in actions(data)


def test_set_password_errors_are_one_line(data):
    add_user(data)
    code, _, err = run(data, "admin", "set-password", "nobody", "--password-stdin", stdin=NEW + "\n")
    assert code == 2 and err.startswith("khotin: no user 'nobody'") and err.count("\n") == 1
    code, _, err = run(data, "admin", "set-password", "alice", "--password-stdin", stdin="ngắn\n")
    assert code == 2 and "at least 8" in err
