"""Exports of a whole result set: ``/export.csv`` and ``/export.jsonl``.

Same parameters as the search page (``page``/``per_page`` are ignored: an
export is every match, in result order, capped at ``export_limit``).  Rows
are streamed from :meth:`SearchService.iter_matches`, which reads the
catalog in chunks, so 100,000 rows never sit in memory.  The query runs
before the response starts, so a bad query is still a clean 400.

CSV is UTF-8 with a BOM (Excel then shows Vietnamese correctly); list fields
are joined with `` | ``; a cell that starts with ``= + - @`` gets a leading
apostrophe so spreadsheet programs never evaluate crawled text as a formula.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from datetime import datetime

from flask import Blueprint, Response, current_app, request, stream_with_context
from werkzeug.exceptions import TooManyRequests

from crawler.article import VN_TZ, Article
from search import queryparse

from . import search_service
from .ratelimit import RateLimiter
from .search import parse_params

bp = Blueprint("export", __name__)

COLUMNS = ("id", "url", "site", "title", "published", "author", "organization", "category",
           "summary", "body", "captions", "tags", "attachments")
LIST_SEP = " | "
ROWS_PER_CHUNK = 200
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = LIST_SEP.join(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(article: Article) -> list[str]:
    data = article.to_dict()
    return [csv_cell(data[c]) for c in COLUMNS]


def _limiter() -> RateLimiter:
    """One limiter per app (per worker process when ``khotin serve --workers`` > 1)."""
    limiter = current_app.extensions.get("khotin.export_limiter")
    if limiter is None:
        per_minute = int(search_service().settings.export_per_minute)
        limiter = current_app.extensions.setdefault("khotin.export_limiter", RateLimiter(per_minute))
    return limiter


def _start() -> Iterator[Article]:
    """Validate, rate-limit and run the export query; the first row is already fetched."""
    args = request.args.copy()
    args.pop("page", None)
    args.pop("per_page", None)
    params = parse_params(args)
    queryparse.parse(params.q)  # a bad query is a 400 before it counts against the limit
    wait = _limiter().hit(request.remote_addr or "unknown")
    if wait is not None:
        raise TooManyRequests(retry_after=wait)
    service = search_service()
    rows = service.iter_matches(params, limit=int(service.settings.export_limit))
    first = next(rows, None)
    return rows if first is None else itertools.chain([first], rows)


def _headers(extension: str) -> dict[str, str]:
    stamp = datetime.now(VN_TZ).strftime("%Y%m%d-%H%M")
    return {"Content-Disposition": f"attachment; filename=khotin-{stamp}.{extension}",
            "Cache-Control": "no-store"}


def _csv_chunks(rows: Iterator[Article]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, article in enumerate(rows, start=1):
        writer.writerow(csv_row(article))
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl_chunks(rows: Iterator[Article]) -> Iterator[str]:
    lines: list[str] = []
    for article in rows:
        lines.append(json.dumps(article.to_dict(), ensure_ascii=False))
        if len(lines) >= ROWS_PER_CHUNK:
            yield "\n".join(lines) + "\n"
            lines.clear()
    if lines:
        yield "\n".join(lines) + "\n"


@bp.get("/export.csv", endpoint="csv")
def export_csv():
    rows = _start()
    return Response(stream_with_context(_csv_chunks(rows)), mimetype="text/csv",
                    headers=_headers("csv"))


@bp.get("/export.jsonl", endpoint="jsonl")
def export_jsonl():
    rows = _start()
    return Response(stream_with_context(_jsonl_chunks(rows)), content_type="application/x-ndjson; charset=utf-8",
                    headers=_headers("jsonl"))
