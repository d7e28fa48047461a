"""Who is asking, and may they: sessions, CSRF tokens, Bearer tokens, the audit trail.

* **Sessions** are Flask's signed cookies (key from ``webui.load_secret_key``),
  ``HttpOnly``, ``SameSite=Lax``, valid :data:`SESSION_HOURS`, and ``Secure``
  per the ``secure_cookies`` setting: ``auto`` marks them Secure when the
  request itself came over HTTPS (``request.is_secure``, which honours
  ``X-Forwarded-Proto`` only when waitress trusts the proxy:
  ``khotin serve --trusted-proxy``), ``true`` always, ``false`` never.
  Every request re-reads the user, so removing a user ends its sessions,
  and so does changing its password (the session carries a stamp of the
  password hash: :attr:`khotin.accounts.User.stamp`).
* **CSRF**: one random token per session, required in the ``csrf_token``
  field of every form POST and the ``X-CSRF-Token`` header of every
  state-changing API call made with the session; compared with
  :func:`hmac.compare_digest`.  Bearer-token calls need none (a browser
  never adds that header by itself).
* **Audit**: :func:`audit` records the action with user, client and time.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface

from crawler.catalog import SCHEMA as catalog_schema
from khotin import accounts, db, jobs
from khotin import audit as audit_log

from .. import search_service
from ..errors import error_page, json_error

SESSION_HOURS = 12
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_MESSAGE = ("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ (CSRF). Hãy tải lại trang rồi thử lại. "
                "/ Missing or wrong CSRF token.")


class AdminSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose ``Secure`` flag follows ``secure_cookies`` per request."""

    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.config.get("KHOTIN_SECURE_COOKIES", "auto")
        if mode == "auto":
            return has_request_context() and request.is_secure
        return mode == "true"


def secure_cookie_mode(value: Any) -> str:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return "true"
    if text in ("0", "false", "no", "off"):
        return "false"
    return "auto"


def init_app(app: Flask) -> None:
    """Install sessions, the per-request catalog connection and template helpers."""
    settings = app.extensions["khotin"].settings
    app.session_interface = AdminSessionInterface()
    app.config.update(KHOTIN_SECURE_COOKIES=secure_cookie_mode(settings.secure_cookies),
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
                      SESSION_COOKIE_NAME="khotin_session")
    app.teardown_appcontext(_close_conn)
    app.after_request(_no_store)
    app.jinja_env.globals.update(csrf_token=csrf_token)
    app.jinja_env.filters.update(vn_epoch=vn_epoch)

    @app.context_processor
    def signed_in() -> dict:
        return {"admin_user": _template_user}


def vn_epoch(epoch: float | None, seconds: bool = False) -> str:
    """Unix time → ``27/09/2024 08:30`` in Vietnam time (empty for None)."""
    if not epoch:
        return ""
    return datetime.fromtimestamp(epoch, jobs.VN_TZ).strftime("%d/%m/%Y %H:%M" + (":%S" if seconds else ""))


# -- the catalog connection of this request ----------------------------------------

def conn() -> sqlite3.Connection:
    """A read-write catalog connection for this request, with the admin tables in place."""
    if "khotin_admin_conn" not in g:
        c = db.connect(search_service().data.catalog)
        db.ensure_schema(c, "catalog", catalog_schema)  # a catalog made by `admin add-user` alone
        accounts.ensure(c)
        jobs.ensure(c)
        audit_log.ensure(c)
        g.khotin_admin_conn = c
    return g.khotin_admin_conn


def _close_conn(_exc: BaseException | None) -> None:
    c = g.pop("khotin_admin_conn", None)
    if c is not None:
        c.close()


def _no_store(response):
    if request.path.startswith(("/admin", "/api/admin")):
        response.headers["Cache-Control"] = "no-store"
    return response


# -- users ---------------------------------------------------------------------------

def current_user() -> accounts.User | None:
    """The signed-in user of this request (None if anonymous or the user was removed)."""
    if "khotin_user" not in g:
        user = None
        uid = session.get("uid")
        if isinstance(uid, int):
            user = accounts.get_user(conn(), uid)
            if user is not None and (user.name != session.get("name") or user.stamp != session.get("stamp")):
                user = None  # removed and re-created, or the password changed since this sign-in
        g.khotin_user = user
    return g.khotin_user


def _template_user() -> accounts.User | None:
    """For the header: never fails a page (the public pages show it too)."""
    if "uid" not in session:
        return None
    try:
        return current_user()
    except sqlite3.Error:
        return None


def sign_in(user: accounts.User) -> None:
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["name"] = user.name
    session["stamp"] = user.stamp
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    g.khotin_user = user


def sign_out() -> None:
    session.clear()
    g.khotin_user = None


# -- CSRF -------------------------------------------------------------------------------

def csrf_token() -> str:
    """This session's token (created on first use: the sign-in form needs one too)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or len(token) < 32:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_ok(sent: str | None) -> bool:
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str) or not expected or not isinstance(sent, str):
        return False
    return hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


def check_form_csrf() -> None:
    if request.method not in SAFE_METHODS and not csrf_ok(request.form.get(CSRF_FIELD)):
        abort(error_page(403, CSRF_MESSAGE))


# -- guards -------------------------------------------------------------------------------

def safe_next(target: str | None, default: str = "/admin") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def login_required(view: Callable) -> Callable:
    """HTML views: anonymous → the sign-in page (coming back here after); POSTs need CSRF."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("admin_auth.login", next=safe_next(back)), code=303)
        check_form_csrf()
        return view(*args, **kwargs)

    return wrapped


def api_auth(view: Callable) -> Callable:
    """API views: a Bearer token, or the session (plus ``X-CSRF-Token`` when changing state)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization")
        if header is not None:
            scheme, _, token = header.partition(" ")
            user = accounts.user_for_token(conn(), token.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                return _unauthorized("Mã truy cập (token) không hợp lệ hoặc đã bị thu hồi. "
                                     "/ Invalid or revoked token.")
            g.khotin_user = user
            g.khotin_via = "token"
        else:
            if current_user() is None:
                return _unauthorized("Cần đăng nhập hoặc gửi 'Authorization: Bearer TOKEN'. "
                                     "/ Sign in or send a Bearer token.")
            if request.method not in SAFE_METHODS and not csrf_ok(request.headers.get(CSRF_HEADER)):
                return json_error(403, CSRF_MESSAGE)
            g.khotin_via = "session"
        return view(*args, **kwargs)

    return wrapped


def _unauthorized(message: str):
    response = json_error(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="khotin-admin"'
    return response


# -- audit ---------------------------------------------------------------------------------

def client() -> str:
    return request.remote_addr or ""


def audit(action: str, target: str = "", detail: str = "", user: str | None = None) -> None:
    """Record an admin action by the current user (or ``user``) from this client."""
    if user is None:
        who = current_user()
        user = who.name if who else "-"
        if getattr(g, "khotin_via", "") == "token":
            user += " (token)"
    audit_log.record(conn(), user, action, target, detail, client())


def settings():
    return current_app.extensions["khotin"].settings
