"""``khotin crawl``: the command-line face of :func:`crawler.engine.crawl`.

Thin wiring: read ``sites.toml``, pick sites, show progress (a tqdm bar on
a terminal, plain lines otherwise), keep the search index in step through
``index.sync.sync_index`` (during the crawl and once at the end), print the
summary.  Exit status: 0 done, 1 a site could not be crawled, 130
interrupted (Ctrl-C; run the command again to continue).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from khotin.errors import UserError
from khotin.paths import DataDir

from .engine import Progress, crawl
from .sites import load_sites, select_sites

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "crawl", help="crawl the portals of sites.toml into the archive and index",
        description="Crawl portals politely into the WARC archive, extract articles into the "
                    "catalog and index them.  An interrupted crawl continues where it stopped; "
                    "a later crawl only downloads what changed.")
    p.add_argument("--sites", metavar="FILE", help="sites file (default DATA_DIR/sites.toml)")
    p.add_argument("--site", metavar="NAME", nargs="+", action="extend", default=[],
                   help="crawl only these sites (names from the sites file)")
    p.add_argument("--max-pages", metavar="N", type=_positive_int,
                   help="page budget per site for this crawl (overrides max_pages)")
    p.add_argument("--delay", metavar="S", type=_non_negative_float,
                   help="seconds between requests to one host (overrides every delay; "
                        "robots.txt Crawl-delay still applies)")
    p.set_defaults(func=run_crawl)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def index_hook(data: DataDir, settings: Any) -> Callable[[], Any] | None:
    """``sync_index`` bound to this data directory, or None if the index part is absent."""
    try:
        from index.sync import sync_index
    except ImportError:
        return None
    return lambda: sync_index(data, settings)


class ProgressPrinter:
    """tqdm bar on a terminal; otherwise a plain line every ``every`` URLs."""

    def __init__(self, tty: bool, every: int = 50):
        self.every = every
        self.bar = None
        self.count = 0
        self.last_line = time.monotonic()
        if tty:
            from tqdm import tqdm
            self.bar = tqdm(unit="page", desc="crawl", dynamic_ncols=True, file=sys.stderr)

    def __call__(self, p: Progress) -> None:
        self.count += 1
        r = p.report
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"{p.site} new {r.new} changed {r.changed} errors "
                                     f"{sum(r.errors.values())}", refresh=False)
            return
        now = time.monotonic()
        if self.count % self.every == 0 or now - self.last_line > 10:
            self.last_line = now
            print(f"crawl: {self.count} URLs, {r.new} new, {r.changed} changed, "
                  f"{r.unchanged} unchanged, {sum(r.errors.values())} errors "
                  f"(last: {p.site} {p.outcome} {p.url})", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_crawl(args: argparse.Namespace, settings: Any) -> int:
    data = DataDir.of(settings.data_dir)
    sites = select_sites(load_sites(args.sites or data.sites), args.site)
    if not sites:
        raise UserError(f"no [[site]] in {args.sites or data.sites}")
    sync = index_hook(data, settings)
    printer = ProgressPrinter(sys.stderr.isatty())
    try:
        report = crawl(data, settings, sites, on_progress=printer, on_index=sync,
                       max_pages=args.max_pages, delay=args.delay)
    finally:
        printer.close()
    if sync is not None:
        try:
            sync()
        except Exception as exc:  # the archive and catalog are safe; say how to catch up
            print(f"khotin: indexing failed ({exc}); run `khotin reindex` to catch up", file=sys.stderr)
    for line in report.summary_lines():
        print(line)
    if report.interrupted:
        return 130
    return 0 if report.ok else 1
