"""Search parameters: one definition shared by the CLI, the web page and the API.

Web and API use the query-string names ``q, from, to, author, site,
category, sort, page, per_page``; the CLI has the same options
(``--from``, ``--to``, ``--limit`` for ``per_page``).  Validation errors are
:class:`ParamError` with the parameter name, which the web layer returns as
a 400 and the CLI prints as one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from urllib.parse import urlencode

from khotin.errors import UserError

SORTS = ("relevance", "newest", "oldest")
MAX_PAGE = 10_000
MAX_FILTER_CHARS = 200


class ParamError(UserError):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    author: str | None = None
    site: str | None = None
    category: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    @classmethod
    def from_mapping(cls, values: Mapping[str, str], *, default_per_page: int = 20,
                     max_per_page: int = 100) -> SearchParams:
        """Validate raw strings (a query string); unknown keys are ignored."""

        def text(name: str) -> str | None:
            raw = values.get(name)
            if raw is None:
                return None
            raw = str(raw).strip()
            if len(raw) > MAX_FILTER_CHARS and name != "q":
                raise ParamError(name, f"at most {MAX_FILTER_CHARS} characters")
            return raw or None

        sort = text("sort") or "relevance"
        if sort not in SORTS:
            raise ParamError("sort", f"must be one of {', '.join(SORTS)}")
        params = cls(
            q=str(values.get("q") or ""),
            date_from=parse_date("from", text("from")),
            date_to=parse_date("to", text("to")),
            author=text("author"),
            site=text("site"),
            category=text("category"),
            sort=sort,
            page=parse_int("page", text("page"), 1, 1, MAX_PAGE),
            per_page=parse_int("per_page", text("per_page"), default_per_page, 1, max_per_page),
        )
        if params.date_from and params.date_to and params.date_from > params.date_to:
            raise ParamError("from", "the start date is after the end date")
        return params

    def with_(self, **changes) -> SearchParams:
        return replace(self, **changes)

    def cache_key(self) -> tuple:
        return tuple(asdict(self).items())

    def query_items(self, *, keep_page: bool = True) -> list[tuple[str, str]]:
        """The non-default parameters as query-string pairs (for shareable URLs)."""
        items = []
        if self.q:
            items.append(("q", self.q))
        if self.date_from:
            items.append(("from", self.date_from.isoformat()))
        if self.date_to:
            items.append(("to", self.date_to.isoformat()))
        for name in ("author", "site", "category"):
            value = getattr(self, name)
            if value:
                items.append((name, value))
        if self.sort != "relevance":
            items.append(("sort", self.sort))
        if keep_page and self.page != 1:
            items.append(("page", str(self.page)))
        return items

    def query_string(self, **changes) -> str:
        params = self.with_(**changes) if changes else self
        return urlencode(params.query_items())


def parse_date(name: str, raw: str | None) -> date | None:
    if raw is None:
        return None
    text = raw.strip()
    try:
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        if "/" in text:  # 27/09/2024, as the UI shows dates
            day, month, year = (int(p) for p in text.split("/"))
            return date(year, month, day)
        if len(text) == 4 and text.isdigit():
            return date(int(text), 1, 1)
    except ValueError:
        pass
    raise ParamError(name, f"{raw!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def parse_int(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ParamError(name, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ParamError(name, f"must be between {low} and {high}")
    return value
