"""Extraction in worker processes, so parsing uses every core.

Extraction (BeautifulSoup + lxml) is CPU-bound and holds the GIL, so crawl
threads alone cannot parse two pages at once.  :class:`ExtractorPool` has
the same call signature as ``crawler.extract.extract`` and runs it in a
small process pool (started with *spawn*, never ``fork``, because the
crawler is multi-threaded).  The crawl threads block on their own page's
result while fetching, archiving and committing go on in the main process.

Workers ignore SIGINT (Ctrl-C is the main process's business) and exit on
their own when the crawler process disappears (SIGKILL leaves no orphans:
a watchdog thread notices the new parent).  If a worker dies, the page is
extracted in-process instead: never a lost page.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)  # the crawler is gone (killed): nobody will ask for more pages


def _init_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    import crawler.extract  # noqa: F401 - warm the import before the first page


def _run(content: bytes, url: str, headers: Any, profile: Any) -> Any:
    from crawler.extract import extract
    return extract(content, url, headers=headers, profile=profile)


def default_workers(concurrent_hosts: int) -> int:
    """Worker processes for a crawl: one per core, at most one per crawled host; 0 on one core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores < 2:
        return 0
    return max(0, min(cores, int(concurrent_hosts)))


class ExtractorPool:
    """``extract(content, url, headers=, profile=)`` backed by worker processes."""

    def __init__(self, workers: int):
        from crawler.extract import extract
        self._local = extract
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_worker, initargs=(os.getpid(),))
        self._broken = False

    def __call__(self, content: bytes, url: str, *, headers: Any = None, profile: Any = None) -> Any:
        if not self._broken:
            try:
                return self._pool.submit(_run, content, url, headers, profile).result()
            except Exception as exc:  # BrokenProcessPool, pickling trouble: parse here instead
                log.warning("extraction worker failed (%s); extracting in the crawler process", exc)
                self._broken = True
        return self._local(content, url, headers=headers, profile=profile)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
