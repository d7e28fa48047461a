"""Facet lists and active-filter chips for the search page.

A facet entry links to the same search with that filter added, or removed
when it is already active ("click again to remove").  Names compare with
:func:`~khotin.text.name_key`, as the engine's filters do, so ``Thuý Ngà``
in the URL marks ``Thúy Ngà`` in the list as active.  The year facet maps
to a ``from``/``to`` range covering that year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from khotin.text import name_key
from search.params import SearchParams

from .templating import params_query, vn_date

FACET_TITLES = {"author": "Tác giả", "site": "Trang nguồn", "category": "Chuyên mục", "year": "Năm"}


@dataclass(frozen=True)
class FacetEntry:
    label: str
    count: int
    href: str
    active: bool


@dataclass(frozen=True)
class Facet:
    name: str
    title: str
    entries: list[FacetEntry]


@dataclass(frozen=True)
class Chip:
    """An active filter with the link that removes it."""
    label: str
    value: str
    href: str


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and name_key(a) == name_key(b)


def _text_facet(params: SearchParams, name: str, values: list[list]) -> Facet:
    current = getattr(params, name)
    entries = []
    seen_active = False
    for value, count in values:
        active = _same(str(value), current)
        seen_active |= active
        change = {name: None} if active else {name: str(value)}
        entries.append(FacetEntry(str(value), int(count), "?" + params_query(params, **change), active))
    if current and not seen_active:  # filter set but no longer among the top values
        entries.insert(0, FacetEntry(current, 0, "?" + params_query(params, **{name: None}), True))
    return Facet(name, FACET_TITLES[name], entries)


def _year_facet(params: SearchParams, values: list[list]) -> Facet:
    entries = []
    for year, count in values:
        low, high = _year_range(int(year))
        active = params.date_from == low and params.date_to == high
        change = {"date_from": None, "date_to": None} if active else {"date_from": low, "date_to": high}
        entries.append(FacetEntry(str(year), int(count), "?" + params_query(params, **change), active))
    return Facet("year", FACET_TITLES["year"], entries)


def facet_lists(params: SearchParams, facets: dict[str, list[list]]) -> list[Facet]:
    out = [_text_facet(params, name, facets.get(name, [])) for name in ("author", "site", "category")]
    out.append(_year_facet(params, facets.get("year", [])))
    return [f for f in out if f.entries]


def active_chips(params: SearchParams) -> list[Chip]:
    chips = []
    if params.date_from:
        chips.append(Chip("Từ ngày", vn_date(params.date_from.isoformat()),
                          "?" + params_query(params, date_from=None)))
    if params.date_to:
        chips.append(Chip("Đến ngày", vn_date(params.date_to.isoformat()),
                          "?" + params_query(params, date_to=None)))
    for name in ("author", "site", "category"):
        value = getattr(params, name)
        if value:
            chips.append(Chip(FACET_TITLES[name], value, "?" + params_query(params, **{name: None})))
    return chips
