"""``/admin/login``, ``/admin/logout`` and ``/admin/password``.

Failed sign-ins are limited to ``login_attempts_per_minute`` per client
address and per user name (counted in the catalog, so every server process
shares the count); past the limit the answer is 429 with ``Retry-After``
and the password is not even checked.  After signing in, ``next`` is
followed only if it is a local path (:func:`~.core.safe_next`).

Changing the password asks for the current one (a borrowed, still signed-in
browser cannot take the account over), counts a wrong one as a failed
sign-in, and ends every other session of the user.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for

from khotin import accounts
from khotin.errors import UserError

from . import core

bp = Blueprint("admin_auth", __name__)
bp.record_once(lambda state: core.init_app(state.app))

MAX_NAME = 64
MAX_PASSWORD_FIELD = 4096


def _throttle(name: str) -> tuple[list[str], int | None]:
    """The failure counters for this client and user name, and the seconds to wait (None: go on)."""
    keys = ["ip:" + core.client(), "user:" + name.lower()]
    return keys, accounts.failures_retry_after(core.conn(), keys, int(core.settings().login_attempts_per_minute))


def _form(status: int = 200, error: str | None = None, name: str = "", next_url: str = "",
          retry_after: int | None = None) -> Response:
    html = render_template("admin/login.html", error=error, name=name, next_url=next_url)
    response = Response(html, status=status, mimetype="text/html")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.get("/admin/login", endpoint="login")
def login_form():
    next_url = core.safe_next(request.args.get("next"))
    if core.current_user() is not None:
        return redirect(next_url, code=303)
    core.csrf_token()  # the form's token lives in the (anonymous) session
    return _form(next_url=next_url)


@bp.post("/admin/login")
def login_submit():
    core.check_form_csrf()
    name = (request.form.get("name") or "").strip()[:MAX_NAME]
    password = (request.form.get("password") or "")[:MAX_PASSWORD_FIELD]
    next_url = core.safe_next(request.form.get("next"))
    keys, wait = _throttle(name)
    if wait is not None:
        core.audit("login.throttled", name, f"retry after {wait} s", user=name or "-")
        return _form(429, f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {wait} giây. "
                          f"/ Too many failed sign-ins; retry in {wait} s.",
                     name=name, next_url=next_url, retry_after=wait)
    user = accounts.authenticate(core.conn(), name, password) if name and password else None
    if user is None:
        accounts.record_failure(core.conn(), keys)
        core.audit("login.failed", name, user=name or "-")
        return _form(400, "Tên đăng nhập hoặc mật khẩu không đúng. / Wrong user name or password.",
                     name=name, next_url=next_url)
    core.sign_in(user)
    core.audit("login", user.name)
    return redirect(next_url, code=303)


@bp.post("/admin/logout", endpoint="logout")
def logout():
    user = core.current_user()
    if user is None:
        return redirect(url_for("admin_auth.login"), code=303)
    core.check_form_csrf()
    core.audit("logout", user.name)
    core.sign_out()
    return redirect(url_for("search.index"), code=303)


def _password_form(status: int = 200, error: str | None = None, errors: dict | None = None) -> Response:
    html = render_template("admin/password.html", error=error, errors=errors or {})
    return Response(html, status=status, mimetype="text/html")


@bp.get("/admin/password", endpoint="password")
@core.login_required
def password_form():
    return _password_form()


@bp.post("/admin/password")
@core.login_required
def password_submit():
    user = core.current_user()
    current = (request.form.get("current") or "")[:MAX_PASSWORD_FIELD]
    new = (request.form.get("new") or "")[:MAX_PASSWORD_FIELD + 1]
    again = (request.form.get("again") or "")[:MAX_PASSWORD_FIELD + 1]
    keys, wait = _throttle(user.name)
    if wait is not None:
        return _password_form(429, f"Nhập sai mật khẩu quá nhiều lần. Hãy thử lại sau {wait} giây.")
    errors = {}
    if not accounts.verify_password(core.conn(), user, current):
        accounts.record_failure(core.conn(), keys)
        core.audit("password.failed", user.name)
        errors["current"] = "Mật khẩu hiện tại không đúng."
    try:
        accounts.check_password(new)
    except UserError:
        errors["new"] = (f"Mật khẩu mới cần từ {accounts.MIN_PASSWORD} đến "
                         f"{accounts.MAX_PASSWORD} ký tự.")
    if new != again:
        errors["again"] = "Hai lần nhập mật khẩu mới không khớp."
    if errors:
        return _password_form(400, errors=errors)
    core.sign_in(accounts.set_password(core.conn(), user.name, new))  # this browser stays signed in
    core.audit("password.change", user.name)
    return redirect(url_for("admin.index", msg="Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất."),
                    code=303)
