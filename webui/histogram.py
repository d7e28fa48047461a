"""The result histogram as data for a server-drawn SVG.

The service counts matches per month (or per year for spans over six
years); this module lays the bins out as bars in a fixed ``viewBox`` and
gives each bar a tooltip text and a link that narrows the search to its
period.  The SVG scales to the page width (``preserveAspectRatio="none"``),
so axis labels are HTML below it rather than SVG text that would stretch.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from search.params import SearchParams

from .templating import params_query, vn_number

HEIGHT = 100
SLOT = 10  # viewBox units per bin
GAP = 1.5


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float
    title: str
    href: str


@dataclass(frozen=True)
class Histogram:
    unit: str
    width: int
    height: int
    bars: list[Bar]
    first: str
    last: str
    peak: int
    caption: str


def period(label: str, unit: str) -> tuple[date, date, str]:
    """First and last day of a bin and its display label (``09/2024`` or ``2024``)."""
    if unit == "year":
        year = int(label)
        return date(year, 1, 1), date(year, 12, 31), label
    year, month = (int(p) for p in label.split("-"))
    last = calendar.monthrange(year, month)[1]
    return date(year, month, 1), date(year, month, last), f"{month:02d}/{year}"


def build(hist: dict | None, params: SearchParams) -> Histogram | None:
    bins = (hist or {}).get("bins") or []
    if not bins:
        return None
    unit = hist.get("unit", "month")
    peak = max(int(count) for _, count in bins) or 1
    bars = []
    for i, (label, count) in enumerate(bins):
        low, high, shown = period(str(label), unit)
        count = int(count)
        height = 0.0 if count == 0 else max(1.0, count / peak * (HEIGHT - 2))
        bars.append(Bar(
            label=shown, count=count, x=i * SLOT + GAP / 2, y=HEIGHT - height, width=SLOT - GAP,
            height=height, title=f"{shown}: {vn_number(count)} bài",
            href="?" + params_query(params, date_from=low, date_to=high),
        ))
    per = "tháng" if unit == "month" else "năm"
    return Histogram(
        unit=unit, width=len(bins) * SLOT, height=HEIGHT, bars=bars,
        first=bars[0].label, last=bars[-1].label, peak=peak,
        caption=f"Số bài khớp theo {per}, từ {bars[0].label} đến {bars[-1].label} (cao nhất {vn_number(peak)} bài)",
    )
