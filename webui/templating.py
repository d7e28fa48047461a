"""Template helpers: URL converters for ids, date and number filters, safe links.

Crawled strings are hostile, so templates never mark them safe; the only
``|safe`` value is the snippet, which the search service escapes itself.
Links built from crawled URLs go through :func:`safe_href` so a
``javascript:`` address is shown as text, never made clickable.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app
from werkzeug.routing import BaseConverter, IntegerConverter

from crawler.article import parse_iso
from search.params import SearchParams


class ArticleIdConverter(BaseConverter):
    """Exactly 16 lowercase hex digits: anything else (``..``, ``%2e``) is a 404 by routing."""

    regex = "[0-9a-f]{16}"


class RowIdConverter(IntegerConverter):
    """``<int:…>`` limited to what SQLite can store: a longer number is a 404, not an OverflowError."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def vn_date(value: str | None) -> str:
    """``2024-09-27…`` → ``27/09/2024`` (empty for missing or unreadable dates)."""
    dt = parse_iso(value) if value else None
    return dt.strftime("%d/%m/%Y") if dt else ""


def vn_datetime(value: str | None) -> str:
    """Date, plus ``HH:MM`` when the value carries a time."""
    dt = parse_iso(value) if value else None
    if dt is None:
        return ""
    if value and len(value.strip()) > 10:
        return dt.strftime("%d/%m/%Y %H:%M")
    return dt.strftime("%d/%m/%Y")


def vn_number(value: int) -> str:
    """``12345`` → ``12.345`` (Vietnamese thousands separator)."""
    return f"{int(value):,}".replace(",", ".")


def safe_href(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) address, else None (render as text)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def params_query(params: SearchParams, **changes) -> str:
    """Query string for ``params`` with ``changes``; keeps a non-default ``per_page``.

    Changing anything but the page sends the reader back to page 1, so a
    new filter never lands on an empty page 7.
    """
    if changes and "page" not in changes:
        changes["page"] = 1
    changed = params.with_(**changes) if changes else params
    items = changed.query_items()
    default = int(current_app.extensions["khotin"].settings.per_page)
    if changed.per_page != default:
        items.append(("per_page", str(changed.per_page)))
    return urlencode(items)


def init_app(app: Flask) -> None:
    app.url_map.converters["articleid"] = ArticleIdConverter
    app.url_map.converters["int"] = RowIdConverter  # before any blueprint adds its rules
    app.jinja_env.filters.update(vn_date=vn_date, vn_datetime=vn_datetime, vn_number=vn_number,
                                 safe_href=safe_href)
    app.jinja_env.globals.update(params_query=params_query)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def navigation() -> dict:
        return {"nav_items": app.config.get("KHOTIN_NAV", [])}
