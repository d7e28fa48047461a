"""Request limits and security headers applied to every response.

The page policy allows only our own files: no inline script or style (the
templates have none, and SVG uses presentation attributes, not ``style``).
A view that needs a different policy (the raw archived page, served with
``sandbox``) sets its own ``Content-Security-Policy`` and it is kept.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request

#: Longest query string accepted (a 1,000-character Vietnamese query
#: percent-encodes to about 9,000 bytes; filters add a little).
MAX_QUERY_STRING = 16 * 1024

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
)
#: For archived pages: an opaque origin (no cookies, no app access), nothing loaded.
ARCHIVE_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def check_limits() -> None:
    """Refuse oversized requests before any view reads them."""
    if len(request.query_string) > MAX_QUERY_STRING:
        abort(414)
    length = request.content_length
    limit = request.max_content_length
    if length is not None and limit is not None and length > limit:
        abort(413)


def add_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.before_request(check_limits)
    app.after_request(add_headers)
