"""Vietnamese dates as portals print them, day first, always.

General date parsers guess month-first for ``3/2/2024``; on a Vietnamese
page that is 3 February.  The shapes handled here come from real page
chrome (``shared/docs/portals.md``, "Text conventions"):

* numeric ``27/09/2024``, ``27-9-2024``, ``27.9.2024``, two-digit years;
* spelled ``ngày 27 tháng 9 năm 2024``, ``08 Tháng 9 2021``;
* weekday and label prefixes (``Thứ Sáu,``, ``Cập nhật lúc:``) are noise
  around the date, and glued prefixes (``False 15612Ngày cập nhật
  05/11/2018``) must not swallow digits;
* a time next to the date, before or after it, ``08:30``, ``18:48:56``,
  ``08h30``, ``4:24:PM``; the zone is always +07:00.

A time belongs to a date only when nothing but separators, weekdays and
labels stand between them, so a view counter or a phone number is never
read as a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

__all__ = ["VN_TZ", "ParsedDate", "find_dates", "parse_iso_datetime", "parse_vn_date"]

VN_TZ = timezone(timedelta(hours=7))

_DIGIT = re.compile(r"\d")
_NUMERIC = re.compile(
    r"(?<![\d/.])(?P<d>\d{1,2})\s?(?P<sep>[/.\-])\s?(?P<m>\d{1,2})\s?(?P=sep)\s?(?P<y>\d{4}|\d{2})(?![\d/])"
)
_ISO = re.compile(r"(?<![\d/.])(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d/])")
_SPELLED = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})\s*(?:tháng|thang)\s*(?P<m>\d{1,2})\s*(?:,\s*)?(?:(?:năm|nam)\s*)?(?P<y>\d{4})(?!\d)",
    re.IGNORECASE,
)
_YEARLESS = re.compile(
    r"(?<![\d/.,])(?P<d>\d{1,2})\s?(?P<sep>[/.\-])\s?(?P<m>\d{1,2})(?!\s?[/.\-]?\s?\d)(?![\d%])"
)
_TIME = re.compile(
    r"(?<![\d:/.])(?P<h>\d{1,2})\s?(?::|h|giờ)\s?(?P<mi>\d{2})(?:\s?:\s?(?P<s>\d{2}))?"
    r"(?:\s?:?\s?(?P<ap>AM|PM|SA|CH)\b)?(?![\d/])",
    re.IGNORECASE,
)
#: What may stand between a date and its time.
_GLUE = re.compile(
    r"^(?:[\s,|\-–—/()\[\]:]|lúc|vào|ngày|gmt\s?\+\s?7|thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)*$",
    re.IGNORECASE,
)
_PUBLISHED_LABEL = re.compile(
    r"(?:ngày\s+đăng|đăng\s+ngày|đăng\s+lúc|ngày\s+xuất\s+bản|xuất\s+bản|gửi\s+lúc|ngày\s+gửi|posted|published)",
    re.IGNORECASE,
)
_MODIFIED_LABEL = re.compile(r"(?:cập\s+nhật|sửa\s+đổi|updated|modified)", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedDate:
    """A calendar date, maybe with a time, found at ``start:end`` of a text.

    ``label`` is ``"published"`` or ``"modified"`` when a label such as
    ``Ngày đăng`` or ``Cập nhật`` stands just before the date.
    """

    year: int
    month: int
    day: int
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    start: int = 0
    end: int = 0
    label: str | None = None
    has_year: bool = True

    @property
    def has_time(self) -> bool:
        return self.hour is not None

    def date(self) -> date:
        return date(self.year, self.month, self.day)

    def datetime(self) -> datetime:
        return datetime(self.year, self.month, self.day, self.hour or 0, self.minute or 0,
                        self.second or 0, tzinfo=VN_TZ)

    def iso(self) -> str:
        """``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM:SS+07:00`` when a time is known."""
        return self.datetime().isoformat() if self.has_time else self.date().isoformat()


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _valid(y: int, m: int, d: int) -> bool:
    if not (1990 <= y <= 2100):
        return False
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _times(text: str) -> list[tuple[int, int, int, int, int | None]]:
    """Every plausible time in ``text`` as (start, end, hour, minute, second)."""
    out = []
    for m in _TIME.finditer(text):
        h, mi = int(m.group("h")), int(m.group("mi"))
        sec = int(m.group("s")) if m.group("s") else None
        ap = (m.group("ap") or "").upper()
        if ap in ("PM", "CH") and h < 12:
            h += 12
        elif ap in ("AM", "SA") and h == 12:
            h = 0
        if h < 24 and mi < 60 and (sec is None or sec < 60):
            out.append((m.start(), m.end(), h, mi, sec))
    return out


def _attach_time(text: str, start: int, end: int, times) -> tuple[int | None, int | None, int | None, int, int]:
    """The time printed next to the date at ``start:end`` (after, then before)."""
    best = None
    for t_start, t_end, h, mi, sec in times:
        if t_start >= end and t_start - end <= 30 and _GLUE.match(text[end:t_start]):
            return h, mi, sec, start, t_end
        if t_end <= start and start - t_end <= 40 and _GLUE.match(text[t_end:start]):
            best = (h, mi, sec, t_start, end)
    if best:
        return best
    return None, None, None, start, end


def _label(text: str, start: int) -> str | None:
    before = text[max(0, start - 40):start]
    pub = list(_PUBLISHED_LABEL.finditer(before))
    mod = list(_MODIFIED_LABEL.finditer(before))
    if pub and (not mod or pub[-1].start() > mod[-1].start()):
        return "published"
    if mod:
        return "modified"
    return None


def find_dates(text: str, *, default_year: int | None = None, yearless: bool = False) -> list[ParsedDate]:
    """Every date in ``text``, in order, each with its time when one is printed.

    ``yearless=True`` also accepts ``28/6`` and ``12.12`` (the openings of
    article bodies), taking the year from ``default_year``.
    """
    if not text or not _DIGIT.search(text):
        return []
    spans: list[tuple[int, int, int, int, int, bool]] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for pattern in (_SPELLED, _NUMERIC, _ISO):
        for m in pattern.finditer(text):
            y, mo, d = _year(m.group("y")), int(m.group("m")), int(m.group("d"))
            if _valid(y, mo, d) and free(m.start(), m.end()):
                spans.append((m.start(), m.end(), y, mo, d, True))
                taken.append((m.start(), m.end()))
    if yearless and default_year:
        for m in _YEARLESS.finditer(text):
            d, mo = int(m.group("d")), int(m.group("m"))
            if _valid(default_year, mo, d) and free(m.start(), m.end()):
                spans.append((m.start(), m.end(), default_year, mo, d, False))
                taken.append((m.start(), m.end()))
    if not spans:
        return []
    times = _times(text)
    out = []
    for start, end, y, mo, d, has_year in sorted(spans):
        # Don't read the date's own digits as a time ("27.09" in 27.09.2024).
        usable = [t for t in times if t[1] <= start or t[0] >= end]
        h, mi, sec, s2, e2 = _attach_time(text, start, end, usable)
        out.append(ParsedDate(y, mo, d, h, mi, sec, s2, e2, _label(text, min(start, s2)), has_year))
    return out


def parse_vn_date(text: str, *, default_year: int | None = None) -> ParsedDate | None:
    """The first date printed in ``text`` (with its time), or None.

    With ``default_year``, a yearless ``28/6`` is accepted when no full date
    is present.
    """
    found = find_dates(text or "")
    if not found and default_year:
        found = find_dates(text or "", default_year=default_year, yearless=True)
    return found[0] if found else None


_ISO_FULL = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|GMT|UTC)?)?\s*$",
    re.IGNORECASE,
)


def parse_iso_datetime(value: str | None) -> ParsedDate | None:
    """A machine-readable date (meta, JSON-LD, ``<time datetime>``) in +07:00.

    A value in UTC (``Z``, ``+00:00``) is converted to Vietnam time before
    the date is taken, so ``2024-09-26T18:30:00Z`` is 27 September.  A value
    without a zone is taken as local time.  Falls back to the printed forms.
    """
    if not value:
        return None
    m = _ISO_FULL.match(value)
    if not m:
        return parse_vn_date(value)
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not _valid(y, mo, d):
        return None
    if m.group(4) is None:
        return ParsedDate(y, mo, d)
    h, mi, sec = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
    if h > 23 or mi > 59 or sec > 59:
        return ParsedDate(y, mo, d)
    zone = (m.group(7) or "").upper()
    if zone in ("Z", "GMT", "UTC"):
        tz = timezone.utc
    elif zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
    else:
        tz = VN_TZ
    local = datetime(y, mo, d, h, mi, sec, tzinfo=tz).astimezone(VN_TZ)
    return ParsedDate(local.year, local.month, local.day, local.hour, local.minute, local.second)
