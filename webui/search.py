"""The search page ``/``: every state lives in the query string.

Parameters are validated by :class:`~search.params.SearchParams` (the same
rules as the CLI and the API); a bad parameter or an unusable query renders
the page in its error state with status 400 and the form still filled in,
so the reader can fix it where they typed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request

from search.params import MAX_PAGE, ParamError, SearchParams
from search.queryparse import QueryError

from . import facets, histogram, search_service
from .errors import user_error_parts
from .templating import params_query

bp = Blueprint("search", __name__)

SORT_LABELS = (("relevance", "Liên quan nhất"), ("newest", "Mới nhất"), ("oldest", "Cũ nhất"))
FORM_FIELDS = ("q", "from", "to", "author", "site", "category", "sort", "per_page")


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap ("…")
    href: str
    current: bool = False


def parse_params(args) -> SearchParams:
    """Validated parameters from a query string (raises ParamError)."""
    settings = search_service().settings
    return SearchParams.from_mapping(args, default_per_page=int(settings.per_page), max_per_page=100)


def pagination(params: SearchParams, pages: int) -> list[PageLink]:
    last = min(pages, MAX_PAGE)
    if last <= 1:
        return []
    wanted = {1, last, *range(max(1, params.page - 2), min(last, params.page + 2) + 1)}
    links: list[PageLink] = []
    previous = 0
    for number in sorted(wanted):
        if number - previous > 1:
            links.append(PageLink(None, ""))
        links.append(PageLink(number, "?" + params_query(params, page=number), number == params.page))
        previous = number
    return links


def form_values(args, params: SearchParams | None) -> dict[str, str]:
    """What the form shows: validated values, or the raw ones when they did not validate."""
    values = {name: (args.get(name) or "") for name in FORM_FIELDS}
    if params is not None:
        values["from"] = params.date_from.isoformat() if params.date_from else ""
        values["to"] = params.date_to.isoformat() if params.date_to else ""
        values["sort"] = params.sort
    return values


@bp.get("/")
def index():
    service = search_service()
    params: SearchParams | None = None
    result = None
    error: tuple[str | None, str] | None = None
    try:
        params = parse_params(request.args)
        result = service.search(params, histogram=True)
    except (ParamError, QueryError) as exc:
        error = user_error_parts(exc)
    context = {"form": form_values(request.args, params), "error": error, "params": params,
               "result": result, "sort_labels": SORT_LABELS}
    if result is not None and params is not None:
        context.update(
            facets=facets.facet_lists(params, result["facets"]),
            chips=facets.active_chips(params),
            histogram=histogram.build(result.get("histogram"), params),
            pages=pagination(params, result["pages"]),
            export_query=params_query(params, page=1),
            listing=not params.q.strip(),
            first_number=(params.page - 1) * params.per_page + 1,
        )
    html = render_template("search.html", **context)
    return html, 400 if error else 200
