"""Every failure becomes a friendly Vietnamese page, or JSON under ``/api/``.

HTTP errors keep their status and useful headers (``Allow`` on 405,
``Retry-After`` on 429); a :class:`~khotin.errors.UserError` that escapes a
view is a 400; anything else is logged with its traceback and answered with
a plain 500 that reveals nothing.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from khotin.errors import UserError
from search.params import ParamError
from search.queryparse import QueryError

from .strings import http_error, param_message

_KEEP_HEADERS = ("Allow", "Retry-After")


def wants_json() -> bool:
    path = request.path
    return path == "/healthz" or path == "/api" or path.startswith("/api/")


def user_error_parts(exc: UserError) -> tuple[str | None, str]:
    """(parameter name, message for people) of a search input error."""
    if isinstance(exc, ParamError):
        return exc.name, param_message(exc)
    if isinstance(exc, QueryError):
        return "q", str(exc)
    return None, str(exc)


def json_error(status: int, message: str, param: str | None = None) -> Response:
    response = jsonify({"error": {"param": param, "message": message}})
    response.status_code = status
    return response


def error_page(status: int, message: str | None = None) -> Response:
    title, advice = http_error(status)
    if wants_json():
        return json_error(status, message or title)
    html = render_template("error.html", status=status, title=title, advice=advice, message=message)
    return Response(html, status=status, mimetype="text/html")


def handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    response = error_page(status)
    for name, value in exc.get_headers():
        if name in _KEEP_HEADERS:
            response.headers[name] = value
    return response


def handle_user_error(exc: UserError) -> Response:
    param, message = user_error_parts(exc)
    if wants_json():
        return json_error(400, message, param)
    return error_page(400, message)


def handle_crash(exc: Exception) -> Response:
    from flask import current_app

    current_app.logger.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return error_page(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(UserError, handle_user_error)
    app.register_error_handler(Exception, handle_crash)
