"""The crawl as a library call: several sites in parallel, one store, one report.

:func:`crawl` is what ``khotin crawl`` and the admin worker call::

    report = crawl(data, settings, sites,
                   on_progress=lambda p: ...,      # after every URL (any thread)
                   should_stop=lambda: cancelled,  # polled; True stops cleanly
                   on_index=lambda: sync_index(data, settings))

Sites are crawled by up to ``concurrent_hosts`` threads (one thread per
site, so one connection per host).  Every URL is archived and committed
before the next is fetched (see ``crawler/store.py``), so stopping — by
``should_stop``, Ctrl-C or SIGKILL — loses at most the URL in flight, and
the next crawl resumes each unfinished run.  ``on_index`` is called from a
helper thread every ``index_commit_every`` new or changed articles; the
caller applies the final batch after :func:`crawl` returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from khotin.errors import UserError
from khotin.paths import DataDir

from .extractpool import ExtractorPool, default_workers
from .fetch import Fetcher
from .politeness import HostThrottle, Stopped
from .report import CrawlReport, SiteReport
from .robots import RobotsPolicy, product_token
from .safety import HostSafety
from .sitecrawl import SiteCrawl, SiteStop
from .sites import Site
from .store import Store

log = logging.getLogger(__name__)

Extractor = Callable[..., Any]


@dataclass(frozen=True)
class Progress:
    """One handled URL: which site, which URL, what happened, and the running totals."""

    site: str
    url: str
    outcome: str
    report: CrawlReport


def load_extractor() -> Extractor:
    """``crawler.extract.extract``, imported only when a crawl starts."""
    try:
        from crawler.extract import extract
    except ImportError as exc:
        raise UserError(f"the extractor (crawler.extract) cannot be loaded: {exc}") from None
    return extract


class IndexTrigger:
    """Calls ``fn`` in a helper thread each time ``every`` more articles changed."""

    def __init__(self, fn: Callable[[], Any] | None, every: int):
        self.fn = fn
        self.every = max(1, int(every))
        self._pending = 0
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        if fn is not None:
            self._thread = threading.Thread(target=self._loop, name="crawl-index", daemon=True)
            self._thread.start()

    def add(self, n: int) -> None:
        if self.fn is None:
            return
        self._pending += n
        if self._pending >= self.every:
            self._pending = 0
            self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closing:
                return
            try:
                self.fn()
            except Exception:  # indexing problems must not stop archiving
                log.exception("indexing during the crawl failed; the final sync will retry")

    def close(self) -> None:
        if self._thread is not None:
            self._closing = True
            self._wake.set()
            self._thread.join()


class Context:
    """What every site thread shares: settings, store, HTTP, politeness, callbacks."""

    def __init__(self, settings: Any, store: Store, extract: Extractor, stop: threading.Event,
                 report: CrawlReport, on_progress: Callable[[Progress], Any] | None,
                 index: IndexTrigger, delay_override: float | None):
        self.settings = settings
        self.store = store
        self.extract = extract
        self.stop = stop
        self.report = report
        self.delay_override = delay_override
        self.session = 0
        self.agent = product_token(settings.user_agent_string)
        self.throttle = HostThrottle(stop)
        self.fetcher = Fetcher(settings, settings.user_agent_string, stop)
        self.safety = HostSafety(settings)
        self._on_progress = on_progress
        self._progress_lock = threading.Lock()
        self._index = index
        self._robots: dict[str, RobotsPolicy] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._robots_lock = threading.Lock()

    def robots(self, origin: str, load: Callable[[str], RobotsPolicy]) -> RobotsPolicy:
        """The robots policy of ``origin``, loaded once per crawl even with several sites."""
        with self._robots_lock:
            if origin in self._robots:
                return self._robots[origin]
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._robots:
                self._robots[origin] = load(origin)
            return self._robots[origin]

    def changed_articles(self, n: int) -> None:
        self._index.add(n)

    def progress(self, site: str, url: str, outcome: str) -> None:
        if self._on_progress is None:
            return
        with self._progress_lock:
            try:
                self._on_progress(Progress(site, url, outcome, self.report))
            except Exception:
                log.exception("progress callback failed")


def crawl(data: DataDir, settings: Any, sites: list[Site], *,
          on_progress: Callable[[Progress], Any] | None = None,
          should_stop: Callable[[], bool] | None = None,
          on_index: Callable[[], Any] | None = None,
          max_pages: int | None = None, delay: float | None = None,
          extract: Extractor | None = None) -> CrawlReport:
    """Crawl ``sites`` (resuming unfinished runs); returns the counters.

    ``max_pages`` overrides every site's page budget for this call; ``delay``
    overrides every delay (Crawl-delay still applies); ``extract`` replaces
    the extractor (default: ``crawler.extract.extract`` in worker processes
    when several sites run at once).  Raises :class:`UserError` when another
    crawl holds the archive.  The caller syncs the index once more at the end.
    """
    if extract is None:
        load_extractor()  # fail early and clearly if the extractor is missing
    data.ensure()
    report = CrawlReport(sites={s.name: SiteReport(s.name) for s in sites})
    stop = threading.Event()
    started = time.monotonic()
    store = Store(data, settings)
    report.repaired_warc_bytes = store.archive.repaired_bytes
    extract_pool = None
    if extract is None:
        workers = default_workers(int(settings["concurrent_hosts"])) if len(sites) > 1 else 0
        extract = extract_pool = ExtractorPool(workers) if workers else None
        extract = extract or load_extractor()
    index = IndexTrigger(on_index, int(settings["index_commit_every"]))
    ctx = Context(settings, store, extract, stop, report, on_progress, index, delay)
    ctx.session = store.transaction(lambda: store.frontier.open_session([s.name for s in sites]))
    try:
        workers = max(1, min(int(settings["concurrent_hosts"]), len(sites) or 1))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl") as pool:
            pending = {pool.submit(_crawl_site, ctx, site, report.sites[site.name], max_pages)
                       for site in sites}
            while pending:
                try:
                    _done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    if should_stop is not None and not stop.is_set() and should_stop():
                        stop.set()
                except KeyboardInterrupt:
                    stop.set()  # threads finish their current write and return
        if not stop.is_set():
            store.transaction(lambda: store.frontier.finish_session(ctx.session))
    finally:
        if extract_pool is not None:
            extract_pool.close()
        index.close()
        ctx.fetcher.close()
        store.close()
    report.interrupted = stop.is_set()
    report.elapsed = time.monotonic() - started
    return report


def _crawl_site(ctx: Context, site: Site, srep: SiteReport, max_pages: int | None) -> None:
    budget = max_pages or site.max_pages or int(ctx.settings["max_pages"])
    worker = SiteCrawl(ctx, site, srep, budget)
    try:
        if not worker.open():
            return  # completed by the interrupted crawl this one resumes
    except Exception as exc:
        srep.error = f"cannot start: {type(exc).__name__}: {exc}"
        log.exception("%s: cannot start the crawl", site.name)
        return
    with ctx.store.lock:
        crawl_run = ctx.store.catalog.start_crawl(site.name)
    try:
        worker.crawl()
    except Stopped:
        log.info("%s: stopped", site.name, exc_info=True)
    except SiteStop as exc:
        srep.error = str(exc)
        log.warning("%s: %s", site.name, exc)
    except Exception as exc:
        srep.error = f"internal error: {type(exc).__name__}: {exc}"
        log.exception("%s: crawl failed", site.name)
    finally:
        interrupted = ctx.stop.is_set() and not srep.complete
        error = srep.error or ("interrupted" if interrupted else None)
        with ctx.store.lock:
            ctx.store.catalog.finish_crawl(crawl_run, ok=error is None, counters=srep.counters(),
                                           error=error)
