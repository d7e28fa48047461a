"""Counters of a crawl: per site and in total, for the summary and for callers.

Each :class:`SiteReport` is only changed by the thread crawling that site,
so no locking is needed; :class:`CrawlReport` sums them on demand.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SiteReport:
    site: str
    run_id: int = 0
    resumed: bool = False
    complete: bool = False       # the run's queue was emptied
    fetched: int = 0             # URLs requested (one per URL, whatever the retries)
    new: int = 0
    changed: int = 0
    unchanged: int = 0           # articles: 304 or same payload or same text
    not_modified: int = 0        # any URL answered 304
    duplicates: int = 0          # same article under another URL
    robots: int = 0              # URLs not requested because robots.txt disallows them
    listings: int = 0
    attachments: int = 0
    feeds: int = 0
    sitemaps: int = 0
    bytes: int = 0               # payload bytes received
    requests: int = 0            # HTTP requests, including retries, redirects, robots.txt
    errors: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    error: str | None = None     # why the site stopped early, if it did

    def counters(self) -> dict[str, Any]:
        """JSON-ready counters (stored with the crawl run in the catalog)."""
        return {
            "fetched": self.fetched, "new": self.new, "changed": self.changed,
            "unchanged": self.unchanged, "not_modified": self.not_modified,
            "duplicates": self.duplicates, "robots": self.robots, "listings": self.listings,
            "attachments": self.attachments, "feeds": self.feeds, "sitemaps": self.sitemaps,
            "bytes": self.bytes, "requests": self.requests, "errors": dict(self.errors),
            "skipped": dict(self.skipped), "complete": self.complete, "resumed": self.resumed,
        }


_SUMMED = ("fetched", "new", "changed", "unchanged", "not_modified", "duplicates", "robots",
           "listings", "attachments", "feeds", "sitemaps", "bytes", "requests")


@dataclass
class CrawlReport:
    sites: dict[str, SiteReport] = field(default_factory=dict)
    interrupted: bool = False
    elapsed: float = 0.0
    repaired_warc_bytes: int = 0

    def __getattr__(self, name: str) -> Any:
        if name in _SUMMED:
            return sum(getattr(r, name) for r in self.sites.values())
        raise AttributeError(name)

    @property
    def errors(self) -> Counter:
        total: Counter = Counter()
        for r in self.sites.values():
            total.update(r.errors)
        return total

    @property
    def skipped(self) -> Counter:
        total: Counter = Counter()
        for r in self.sites.values():
            total.update(r.skipped)
        return total

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(r.error is None for r in self.sites.values())

    def summary_lines(self) -> list[str]:
        """The end-of-crawl summary, one line per topic."""
        lines = []
        rate = self.fetched / self.elapsed if self.elapsed > 0 else 0.0
        lines.append(f"pages fetched: {self.fetched} ({self.requests} requests, "
                     f"{self.bytes / 1e6:.1f} MB, {self.elapsed:.1f} s, {rate:.1f} pages/s)")
        lines.append(f"articles: {self.new} new, {self.changed} changed, {self.unchanged} unchanged "
                     f"(304 or same content), {self.duplicates} duplicates")
        lines.append(f"not modified (304): {self.not_modified}; listings {self.listings}, feeds "
                     f"{self.feeds}, sitemaps {self.sitemaps}, attachments {self.attachments}")
        lines.append(f"skipped by robots.txt: {self.robots}")
        skipped = self.skipped
        if skipped:
            lines.append("skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(skipped.items())))
        errors = self.errors
        lines.append("errors: " + (", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "none"))
        for r in self.sites.values():
            state = "complete" if r.complete else ("stopped: " + r.error if r.error else "to be continued")
            lines.append(f"  {r.site}: {r.fetched} fetched, {r.new} new, {r.changed} changed, "
                         f"{r.unchanged} unchanged, {sum(r.errors.values())} errors — {state}")
        if self.repaired_warc_bytes:
            lines.append(f"repaired the last WARC file: removed {self.repaired_warc_bytes} bytes "
                         "of an incomplete record")
        if self.interrupted:
            lines.append("interrupted: run `khotin crawl` again to continue where it stopped")
        return lines
