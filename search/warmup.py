"""Background warm-up: load what a new process's first queries would wait for.

A searching process starts with empty caches.  Its first query builds the
per-document columns (about 1 s at 100,000 articles) and each frequent
term's first use decodes Whoosh's pickled posting blocks (100–800 ms for a
syllable such as ``huyện`` that occurs in most articles).  Rare terms are
cheap either way, so the warm-up loads the columns and then the positions
of each large segment's most frequent terms (folded postings are derived
from them), until a share of the posting cache is filled.

It runs in a daemon thread and pauses as long as it worked after each term,
so it never takes more than about half of one core from requests (they
share the GIL).  It also notices new large segments (a merge, a rebuild
swap) and warms those.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time

from .postings import READ_LOCK

log = logging.getLogger(__name__)

SHARE = 0.5  # of the posting cache the warm-up may fill; queries fill the rest
MIN_DOCS = 2000  # smaller segments are cheap to read on demand
TOP_TERMS = 400  # most frequent terms per field and segment considered
FIELDS = ("text", "title", "author", "org")  # index.schema.TEXT_FIELDS, largest first
POLL_SECONDS = 5.0


def frequent_terms(segreader, fieldname: str, number: int) -> list[str]:
    """The segment's ``number`` terms with the highest document frequency, most frequent first."""
    with READ_LOCK:
        if fieldname not in segreader.indexed_field_names():
            return []
        pairs = ((info.doc_frequency(), term) for term, info in segreader.iter_field(fieldname))
        top = heapq.nlargest(number, pairs)
    return [t.decode("utf-8") if isinstance(t, bytes) else t for _, t in top]


class Warmer:
    """Warms an :class:`~search.engine.Engine`'s caches, once per large segment."""

    def __init__(self, engine, *, share: float = SHARE, min_docs: int = MIN_DOCS,
                 top_terms: int = TOP_TERMS, duty: float = 0.5):
        self.engine = engine
        self.budget = int(engine.cache.max_bytes * share)
        self.min_docs = min_docs
        self.top_terms = top_terms
        self.duty = duty
        self.warmed: set[str] = set()
        self.terms_loaded = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Warmer:
        self._thread = threading.Thread(target=self._loop, name="khotin-warmup", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        last_problem = ""
        while not self._stop.is_set():
            try:
                self.run_once()
                last_problem = ""
            except Exception as exc:  # never fatal: queries load what they need; try again later
                problem = f"{type(exc).__name__}: {exc}"
                if problem != last_problem:
                    log.warning("search warm-up paused (%s); retrying in %.0f s", problem, POLL_SECONDS)
                last_problem = problem
            self._stop.wait(POLL_SECONDS)

    def run_once(self) -> float:
        """Warm the large segments not warmed yet; returns the seconds spent.

        Terms go rank by rank across segments, so when the budget runs out
        every segment has its most frequent terms loaded, not just the first.
        """
        started = time.perf_counter()
        with self.engine.snapshot() as snap:  # building it reads every segment's columns
            live = {s.segment().segment_id(): s for s, _ in snap.leaves}
            todo = [s for segid, s in live.items()
                    if segid not in self.warmed and s.doc_count_all() >= self.min_docs]
            if todo and self._warm(snap, todo):
                self.warmed |= {s.segment().segment_id() for s in todo}
            self.warmed &= set(live)
        return time.perf_counter() - started

    def _warm(self, snap, segreaders: list) -> bool:
        """Load the segments' frequent terms; False if a newer generation interrupted it."""
        cache = self.engine.cache
        queue = []  # (rank, field number, field, segreader, term)
        for segreader in segreaders:
            for number, field in enumerate(FIELDS):
                for rank, term in enumerate(frequent_terms(segreader, field, self.top_terms)):
                    queue.append((rank, number, field, segreader, term))
        queue.sort(key=lambda item: item[:2])
        for _rank, _number, field, segreader, term in queue:
            if self._stop.is_set() or cache.nbytes >= self.budget:
                return True
            if self.engine.current is not snap:
                return False  # a newer generation arrived (maybe merged segments): start again from it
            began = time.perf_counter()
            # Positions serve phrases and exact spellings; folded postings are derived from them.
            cache.get(segreader, "x", field, term)
            self.terms_loaded += 1
            if self.duty < 1.0:
                self._stop.wait((time.perf_counter() - began) * (1 - self.duty) / self.duty)
        return True
