"""Archived snapshots: ``/archive/<id>`` shows the raw page from the WARC in a sandboxed frame.

The outer page (our policy, our origin) names the capture time and the
original URL and embeds ``/archive/<id>/raw[/<capture_id>]`` in an
``<iframe sandbox>``.  The raw route serves the archived bytes untouched,
with the original charset, under ``Content-Security-Policy: sandbox; …``:
the page gets an opaque origin (no cookies, no access to the app), cannot
run script, and cannot load anything but ``data:`` images and its inline
styles.  Non-HTML captures (PDF) are offered as attachments instead.

A ``revisit`` record (the page had not changed) is shown through the
earlier full capture with the same payload digest.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template
from werkzeug.utils import secure_filename

from crawler.article import Article
from crawler.catalog import Capture

from . import search_service
from .errors import error_page
from .security import ARCHIVE_CSP
from .warcread import ArchiveReadError, Payload, read_capture

bp = Blueprint("replay", __name__)

SNAPSHOT_TYPES = ("response", "revisit")


def article_captures(article: Article) -> list[Capture]:
    """Snapshot captures of an article, newest first.

    Articles written before captures were catalogued still name their WARC
    record; that becomes a capture with id 0.
    """
    catalog = search_service().catalog
    captures = [c for c in catalog.captures_for(article.id) if c.record_type in SNAPSHOT_TYPES]
    if not captures and article.warc_file and article.warc_offset is not None:
        captures = [Capture(id=0, url=article.url, article_id=article.id, record_type="response",
                            status=None, content_type=None, payload_digest=None,
                            warc_file=article.warc_file, warc_offset=int(article.warc_offset),
                            warc_length=int(article.warc_length or 0),
                            fetched_at=article.fetched_at or "")]
    return captures


def _original_of(revisit: Capture, captures: list[Capture]) -> Capture | None:
    """The full capture a revisit points at: same digest, fetched no later (newest such)."""
    same = [c for c in captures if c.record_type == "response" and c.id != revisit.id
            and c.payload_digest and c.payload_digest == revisit.payload_digest]
    earlier = [c for c in same if c.fetched_at <= revisit.fetched_at]
    return (earlier or same or [None])[0]


def load(captures: list[Capture], capture: Capture) -> tuple[Payload, Capture | None]:
    """The payload to show for ``capture`` and, for a revisit, the capture it came from."""
    root = search_service().data.warc
    payload = read_capture(root, capture.warc_file, capture.warc_offset, url=capture.url)
    if payload.record_type != "revisit":
        return payload, None
    original = _original_of(capture, captures)
    if original is None:
        raise ArchiveReadError(f"{capture.warc_file} at offset {capture.warc_offset}: "
                               "revisit record whose original capture is not in the catalog")
    return read_capture(root, original.warc_file, original.warc_offset, url=original.url), original


def _lookup(article_id: str, capture_id: int | None) -> tuple[Article, list[Capture], Capture]:
    article = search_service().article(article_id)
    if article is None:
        abort(404)
    captures = article_captures(article)
    if capture_id is None:
        chosen = captures[0] if captures else None
    else:
        chosen = next((c for c in captures if c.id == capture_id), None)
    if chosen is None:
        abort(404)
    return article, captures, chosen


def _unreadable(exc: ArchiveReadError) -> Response:
    current_app.logger.warning("archive read failed: %s", exc)
    return error_page(404, "Không đọc được bản lưu trữ này trong kho (tệp WARC thiếu hoặc hỏng).")


@bp.get("/archive/<articleid:article_id>", endpoint="snapshot")
@bp.get("/archive/<articleid:article_id>/<int:capture_id>", endpoint="snapshot")
def snapshot(article_id: str, capture_id: int | None = None):
    article, captures, capture = _lookup(article_id, capture_id)
    try:
        payload, original = load(captures, capture)
    except ArchiveReadError as exc:
        return _unreadable(exc)
    return render_template("archive.html", article=article, capture=capture, captures=captures,
                           payload=payload, original=original, current_id=capture_id)


@bp.get("/archive/<articleid:article_id>/raw", endpoint="raw")
@bp.get("/archive/<articleid:article_id>/raw/<int:capture_id>", endpoint="raw")
def raw(article_id: str, capture_id: int | None = None):
    _, captures, capture = _lookup(article_id, capture_id)
    try:
        payload, _ = load(captures, capture)
    except ArchiveReadError as exc:
        return _unreadable(exc)
    response = Response(payload.body)
    if payload.is_html:
        charset = payload.charset
        if charset is None and payload.declared_charset() is None:
            charset = _guess_charset(payload.body)
        response.headers["Content-Type"] = payload.mime + (f"; charset={charset}" if charset else "")
    else:
        response.headers["Content-Type"] = payload.mime or "application/octet-stream"
        name = secure_filename(capture.url.rstrip("/").rsplit("/", 1)[-1]) or f"capture-{capture.id}"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = ARCHIVE_CSP
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _guess_charset(body: bytes) -> str | None:
    """Charset of an HTML page that declares none (old portals), so Vietnamese displays."""
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    # Python codec names (utf_8, cp1258) as WHATWG labels (utf-8, cp1258).
    return best.encoding.replace("_", "-") if best else None
