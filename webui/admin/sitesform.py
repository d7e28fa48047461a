"""Portals for the admin: status rows, and the add/edit form checked before ``sites.toml`` changes.

A portal typed into the form must be safe to crawl: a valid name
(``crawler.sites.NAME_RE``), http(s) start URLs inside its allowed domains,
and every URL passing :func:`crawler.safety.check_url_allowed` — so an
admin cannot point the crawler at the machine's own services (loopback,
link-local, private ranges) unless ``allow_private_addresses`` is on.
Saving re-reads ``sites.toml`` under a lock and writes it with
:func:`crawler.sites.save_sites` (temp file + rename), so two admins saving
at once cannot lose each other's portal.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from crawler.safety import check_url_allowed
from crawler.sites import (
    NAME_RE,
    Site,
    SitesError,
    load_sites,
    parse_duration,
    save_sites,
    site_from_dict,
)
from crawler.urls import host_in_domains
from khotin import jobs, locks
from khotin.errors import UserError
from khotin.paths import DataDir
from khotin.worker import next_run

LIST_FIELDS = ("start_urls", "allowed_domains", "feeds", "sitemaps")
_DOMAIN_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                        r"(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$")
MAX_URLS = 50


def read_sites(data: DataDir) -> tuple[list[Site], str | None]:
    """The portals, and the reason ``sites.toml`` cannot be read (a missing file is empty)."""
    if not data.sites.exists():
        return [], None
    try:
        return load_sites(data.sites), None
    except SitesError as exc:
        return [], str(exc)


@dataclass
class SiteRow:
    site: Site
    articles: int
    last_crawl: str | None
    last_error: str | None
    next_run: str | None
    job: jobs.Job | None

    def to_dict(self) -> dict[str, Any]:
        s = self.site
        return {"name": s.name, "title": s.title, "start_urls": s.start_urls,
                "allowed_domains": s.domains, "recrawl_every": s.recrawl_every,
                "articles": self.articles, "last_crawl": self.last_crawl, "last_error": self.last_error,
                "next_run": self.next_run,
                "job": {"id": self.job.id, "state": self.job.state} if self.job else None}


def site_rows(sites: list[Site], catalog: Any, conn: sqlite3.Connection) -> list[SiteRow]:
    counts = catalog.counts_by_site()
    crawls = catalog.last_crawls()
    rows = []
    for site in sites:
        crawl = crawls.get(site.name, {})
        when = next_run(site, crawl.get("last_crawl"))
        rows.append(SiteRow(site, counts.get(site.name, 0), crawl.get("last_crawl"), crawl.get("last_error"),
                            when.isoformat(timespec="seconds") if when else None,
                            jobs.covering(conn, site.name)))
    return rows


# -- the form --------------------------------------------------------------------------

@dataclass
class SiteForm:
    """What the form shows (strings as typed) and what is wrong with it, per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, site: Site) -> SiteForm:
        d = site.to_dict()
        values = {"name": site.name, "title": site.title}
        for key in LIST_FIELDS:
            values[key] = "\n".join(d.get(key, []))
        for key in ("recrawl_every", "max_pages", "delay_seconds"):
            values[key] = "" if d.get(key) is None else str(d[key])
        return cls(values)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def parse_form(form: Mapping[str, str], settings: Any, existing: Site | None,
               taken: set[str]) -> tuple[Site | None, SiteForm]:
    """Validate the posted form; returns the site (None if any field is wrong) and the form state."""
    keys = ("name", "title", *LIST_FIELDS, "recrawl_every", "max_pages", "delay_seconds")
    state = SiteForm({k: str(form.get(k, "") or "")[:20_000] for k in keys})
    v, err = state.values, state.errors
    name = existing.name if existing else v["name"].strip()
    v["name"] = name
    if not NAME_RE.match(name):
        err["name"] = "Tên ngắn gồm chữ cái không dấu, chữ số, '.', '_' hoặc '-' (tối đa 64 ký tự)."
    elif existing is None and name in taken:
        err["name"] = f"Đã có cổng tin tên {name!r}."
    table: dict[str, Any] = existing.to_dict() if existing else {}
    table.update(name=name, title=v["title"].strip())
    lists = {key: _lines(v[key]) for key in LIST_FIELDS}
    domains = [d.lower() for d in lists["allowed_domains"]]
    for d in domains:
        if not _DOMAIN_RE.match(d):
            err["allowed_domains"] = f"{d!r} không phải tên miền (ví dụ maison.sonla.gov.vn hoặc 127.0.0.1:8001)."
    if not lists["start_urls"]:
        err["start_urls"] = "Cần ít nhất một địa chỉ bắt đầu (http:// hoặc https://)."
    for key in ("start_urls", "feeds", "sitemaps"):
        if len(lists[key]) > MAX_URLS:
            err[key] = f"Nhiều nhất {MAX_URLS} địa chỉ."
            continue
        for url in lists[key]:
            problem = check_url_allowed(url, settings)
            if problem is None and key == "start_urls" and domains and not host_in_domains(url, domains):
                problem = f"{url} nằm ngoài các tên miền được phép ({', '.join(domains)})"
            if problem:
                err.setdefault(key, f"Địa chỉ không dùng được: {problem}")
    for key in LIST_FIELDS:
        table[key] = domains if key == "allowed_domains" else lists[key]
        if not table[key]:
            table.pop(key)
    _optional(v, err, table, "recrawl_every", _duration)
    _optional(v, err, table, "max_pages", _pages)
    _optional(v, err, table, "delay_seconds", _delay)
    if err:
        return None, state
    try:
        return site_from_dict(table, "portal"), state
    except SitesError as exc:
        err["form"] = str(exc)
        return None, state


def _optional(values: dict[str, str], errors: dict[str, str], table: dict[str, Any], key: str, convert) -> None:
    text = values[key].strip()
    if not text:
        table.pop(key, None)
        return
    try:
        table[key] = convert(text)
    except ValueError as exc:
        errors[key] = str(exc)


def _duration(text: str) -> str:
    try:
        parse_duration(text)
    except ValueError:
        raise ValueError("Chu kỳ dạng 12h, 7d, 2w (s, m, h, d, w).") from None
    return text


def _pages(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError("Số trang là số nguyên từ 1.")
    return int(text)


def _delay(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ValueError("Khoảng chờ là số giây từ 0 đến 3600.")
    return value


# -- saving --------------------------------------------------------------------------

@contextmanager
def _sites_for_update(data: DataDir) -> Iterator[list[Site]]:
    """The portals, re-read under a lock; the list as left by the block is written atomically."""
    with locks.exclusive(data.root / ".sites.lock"):
        sites, problem = read_sites(data)
        if problem:
            raise UserError(f"sites.toml cannot be read, so it is not changed: {problem}")
        yield sites
        save_sites(data.sites, sites)


def save_site(data: DataDir, site: Site, *, new: bool) -> None:
    """Add or replace ``site`` in ``sites.toml``."""
    with _sites_for_update(data) as sites:
        names = [s.name for s in sites]
        if new:
            if site.name in names:
                raise UserError(f"Đã có cổng tin tên {site.name!r}.")
            sites.append(site)
        elif site.name in names:
            sites[names.index(site.name)] = site
        else:
            raise UserError(f"Không còn cổng tin {site.name!r} trong sites.toml.")


def remove_site(data: DataDir, name: str) -> None:
    """Drop ``name`` from ``sites.toml``; its archive, catalog rows and index entries stay.

    The archive is the record of what the portal published, which matters
    most once the portal is gone: removing a portal only stops crawling it.
    """
    with _sites_for_update(data) as sites:
        kept = [s for s in sites if s.name != name]
        if len(kept) == len(sites):
            raise UserError(f"Không còn cổng tin {name!r} trong sites.toml.")
        sites[:] = kept
