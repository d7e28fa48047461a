"""``sites.toml``: which portals to crawl and how, read and written safely.

Each ``[[site]]`` table describes one portal.  Only ``name`` and
``start_urls`` are required; listings, pagination, feeds and sitemaps are
discovered automatically.  Everything else tunes a site::

    [[site]]
    name = "maison"                          # short id: letters, digits, . _ -
    title = "Cổng TTĐT huyện Mai Sơn"
    start_urls = ["https://maison.sonla.gov.vn/"]
    allowed_domains = ["maison.sonla.gov.vn"] # default: the start URLs' hosts
    feeds = ["https://maison.sonla.gov.vn/rss"]
    sitemaps = ["https://maison.sonla.gov.vn/sitemap.xml"]
    include = ['/tin-tuc/']                  # URL regexes; a URL must match one
    exclude = ['/tim-kiem', '\\?print=']     # … and none of these
    delay_seconds = 2.0                      # at least this between requests
    max_pages = 5000                         # page budget per crawl
    recrawl_every = "7d"                     # s, m, h, d, w
    [site.selectors]                         # extractor profile (CSS selectors)
    title = "h1.title"

Errors name the file, the site and the field.  :func:`save_sites` (used by
the admin pages) validates, then replaces the file atomically.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from khotin.errors import UserError

from .urls import default_domains

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_KNOWN = ("name", "title", "start_urls", "allowed_domains", "feeds", "sitemaps", "include",
          "exclude", "delay_seconds", "max_pages", "recrawl_every", "selectors")


class SitesError(UserError):
    """``sites.toml`` cannot be used; the message names file, site and field."""


def parse_duration(text: str) -> timedelta:
    """``"7d"``, ``"12h"``, ``"30m"``, ``"1w"``, ``"90s"`` → timedelta."""
    m = _DURATION_RE.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a duration like '7d', '12h', '30m'")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2).lower()])


@dataclass
class Site:
    name: str
    start_urls: list[str]
    title: str = ""
    allowed_domains: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    delay_seconds: float | None = None
    max_pages: int | None = None
    recrawl_every: str | None = None
    selectors: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._include = [re.compile(p) for p in self.include]
        self._exclude = [re.compile(p) for p in self.exclude]

    @property
    def domains(self) -> list[str]:
        """Scope: ``allowed_domains`` or, when empty, the start URLs' hosts."""
        return self.allowed_domains or default_domains(self.start_urls)

    @property
    def recrawl_interval(self) -> timedelta | None:
        return parse_duration(self.recrawl_every) if self.recrawl_every else None

    @property
    def profile(self) -> dict[str, Any] | None:
        """Extractor profile (selector overrides), or None for generic extraction."""
        return dict(self.selectors) if self.selectors else None

    def url_filtered(self, url: str) -> bool:
        """True if the include/exclude patterns keep ``url`` out."""
        if self._include and not any(p.search(url) for p in self._include):
            return True
        return any(p.search(url) for p in self._exclude)

    def is_due(self, last_crawl: datetime | None, now: datetime) -> bool:
        """Whether a scheduler should crawl this site again (``recrawl_every``)."""
        interval = self.recrawl_interval
        return last_crawl is None or interval is None or now - last_crawl >= interval

    def to_dict(self) -> dict[str, Any]:
        """The ``[[site]]`` table, without empty optional fields."""
        out: dict[str, Any] = {"name": self.name}
        if self.title:
            out["title"] = self.title
        out["start_urls"] = list(self.start_urls)
        for key in ("allowed_domains", "feeds", "sitemaps", "include", "exclude"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        for key in ("delay_seconds", "max_pages", "recrawl_every"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.selectors:
            out["selectors"] = dict(self.selectors)
        return out


# -- validation -----------------------------------------------------------------

def _str_list(value: Any, where: str, *, urls: bool = False) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SitesError(f"{where}: must be a list of strings")
    out = [v.strip() for v in value if v.strip()]
    if urls:
        for url in out:
            parts = urlsplit(url)
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                raise SitesError(f"{where}: {url!r} is not an http(s) URL")
    return out


def site_from_dict(table: Mapping[str, Any], where: str = "site") -> Site:
    """Validate one ``[[site]]`` table; ``where`` prefixes error messages."""
    if not isinstance(table, Mapping):
        raise SitesError(f"{where}: must be a table")
    unknown = sorted(set(table) - set(_KNOWN))
    if unknown:
        raise SitesError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(_KNOWN)})")
    name = table.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SitesError(f"{where}: name: needs a short id of letters, digits, '.', '_' or '-', got {name!r}")
    where = f"{where} ({name})"
    if "start_urls" not in table:
        raise SitesError(f"{where}: start_urls: missing (a list of http(s) URLs)")
    start_urls = _str_list(table["start_urls"], f"{where}: start_urls", urls=True)
    if not start_urls:
        raise SitesError(f"{where}: start_urls: needs at least one URL")
    title = table.get("title", "")
    if not isinstance(title, str):
        raise SitesError(f"{where}: title: must be a string")
    kwargs: dict[str, Any] = {
        "name": name, "title": title.strip(), "start_urls": start_urls,
        "allowed_domains": [d.lower() for d in _str_list(table.get("allowed_domains", []),
                                                         f"{where}: allowed_domains")],
        "feeds": _str_list(table.get("feeds", []), f"{where}: feeds", urls=True),
        "sitemaps": _str_list(table.get("sitemaps", []), f"{where}: sitemaps", urls=True),
    }
    for key in ("include", "exclude"):
        patterns = _str_list(table.get(key, []), f"{where}: {key}")
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SitesError(f"{where}: {key}: bad regular expression {pattern!r}: {exc}") from None
        kwargs[key] = patterns
    if "delay_seconds" in table:
        delay = table["delay_seconds"]
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise SitesError(f"{where}: delay_seconds: must be a number of seconds >= 0")
        kwargs["delay_seconds"] = float(delay)
    if "max_pages" in table:
        pages = table["max_pages"]
        if isinstance(pages, bool) or not isinstance(pages, int) or pages < 1:
            raise SitesError(f"{where}: max_pages: must be a whole number >= 1")
        kwargs["max_pages"] = pages
    if "recrawl_every" in table:
        every = table["recrawl_every"]
        try:
            parse_duration(every)
        except ValueError as exc:
            raise SitesError(f"{where}: recrawl_every: {exc}") from None
        kwargs["recrawl_every"] = str(every).strip()
    selectors = table.get("selectors", {})
    if not isinstance(selectors, Mapping):
        raise SitesError(f"{where}: selectors: must be a table")
    kwargs["selectors"] = dict(selectors)
    return Site(**kwargs)


def parse_sites(text: str, source: str = "sites.toml") -> list[Site]:
    """Parse and validate the text of a sites file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SitesError(f"{source}: {exc}") from None
    unknown = sorted(set(data) - {"site"})
    if unknown:
        raise SitesError(f"{source}: unknown top-level key {unknown[0]!r} (sites are [[site]] tables)")
    tables = data.get("site", [])
    if not isinstance(tables, list):
        raise SitesError(f"{source}: 'site' must be an array of tables ([[site]])")
    sites: list[Site] = []
    seen: set[str] = set()
    for i, table in enumerate(tables, 1):
        site = site_from_dict(table, f"{source}: site #{i}")
        if site.name in seen:
            raise SitesError(f"{source}: site #{i}: name {site.name!r} is used twice")
        seen.add(site.name)
        sites.append(site)
    return sites


def load_sites(path: str | os.PathLike[str]) -> list[Site]:
    """Read ``path``; a missing or unreadable file is a :class:`SitesError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitesError(f"{path}: no such sites file (create it, or pass --sites FILE)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SitesError(f"{path}: cannot read: {exc}") from None
    return parse_sites(text, str(path))


def select_sites(sites: list[Site], names: Iterable[str] | None) -> list[Site]:
    """The sites named (in file order), or all; unknown names are an error."""
    wanted = list(names or [])
    if not wanted:
        return list(sites)
    known = {s.name for s in sites}
    missing = [n for n in wanted if n not in known]
    if missing:
        raise SitesError(f"unknown site {missing[0]!r} (known: {', '.join(sorted(known)) or 'none'})")
    return [s for s in sites if s.name in wanted]


def dump_sites(sites: Iterable[Site | Mapping[str, Any]]) -> str:
    """TOML text for ``sites`` (validated first, so a bad entry is never written)."""
    tables = []
    names: set[str] = set()
    for i, site in enumerate(sites, 1):
        if not isinstance(site, Site):
            site = site_from_dict(site, f"site #{i}")
        if site.name in names:
            raise SitesError(f"site #{i}: name {site.name!r} is used twice")
        names.add(site.name)
        tables.append(site.to_dict())
    header = "# Portals crawled by khotin (see crawler/sites.py for every field).\n\n"
    return header + tomli_w.dumps({"site": tables})


def save_sites(path: str | os.PathLike[str], sites: Iterable[Site | Mapping[str, Any]]) -> None:
    """Validate and write ``sites`` to ``path`` atomically (temp file, fsync, rename).

    Readers see either the old file or the new one, never half of it.
    """
    path = Path(path)
    text = dump_sites(sites)
    parse_sites(text, str(path))  # round-trip: what we write must load
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sites-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
