"""The one search entry point shared by ``khotin search`` and the web UI/API.

``SearchService(data_dir).search(params)`` returns the JSON-ready result
documented in the README (``query, total, page, results, facets,
suggestion`` plus ``per_page, pages, sort, took_ms``).  One service per
process: it owns the :class:`~search.engine.Engine` (one long-lived,
refreshed snapshot of the index) and a small result cache keyed by the index
generation, so a commit invalidates it automatically.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator
from datetime import datetime
from datetime import time as dtime
from pathlib import Path

import numpy as np

from crawler.article import VN_TZ, Article
from crawler.catalog import Catalog
from index.schema import NO_DATE
from khotin.paths import DataDir
from khotin.settings import Settings, load_settings
from khotin.text import nfc

from . import plan as P
from . import queryparse
from .engine import Engine, Snapshot
from .params import SearchParams
from .snippets import snippet
from .suggest import suggest
from .warmup import Warmer

FACET_SIZE = 20
FACETS = ("author", "site", "category", "year")
CACHE_SIZE = 512


class SearchService:
    def __init__(self, data: DataDir | str | Path, settings: Settings | None = None):
        self.data = data if isinstance(data, DataDir) else DataDir.of(data)
        self.settings = settings or load_settings(self.data.root)
        self.engine = Engine(self.data.index, cache_mb=int(self.settings.search_cache_mb),
                             refresh_seconds=float(self.settings.refresh_seconds),
                             memo_size=int(self.settings.search_memo))
        self._local = threading.local()
        self._cache: OrderedDict[tuple, dict] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._warmer = None

    # -- plumbing -----------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """A read-only catalog connection for this thread."""
        cat = getattr(self._local, "catalog", None)
        if cat is None:
            cat = Catalog(self.data.catalog, readonly=True)
            self._local.catalog = cat
        return cat

    def start_warming(self) -> None:
        """Warm the engine's caches in a background thread (servers; see :mod:`search.warmup`)."""
        if self._warmer is None:
            self._warmer = Warmer(self.engine).start()

    def close(self) -> None:
        if self._warmer is not None:
            self._warmer.stop()
        self.engine.close()

    def _cached(self, key: tuple) -> dict | None:
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            return hit

    def _remember(self, key: tuple, value: dict) -> None:
        with self._cache_lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    # -- matching -----------------------------------------------------------

    def _match(self, snap: Snapshot, params: SearchParams) -> tuple[P.PlanNode, np.ndarray, np.ndarray]:
        plan = P.build(queryparse.parse(params.q))
        rank = params.sort == "relevance" and not isinstance(plan, P.AllQ)
        # The query's matches are worth keeping for this generation: paging,
        # sorting and clicking facets reuse them with other filters.
        key = (params.q, rank)
        cached = snap.memo.get(key)
        if cached is None:
            cached = snap.evaluate(plan, rank=rank)
            snap.remember(key, cached)
        mask, score = cached[0].copy(), cached[1]
        table = snap.table
        if params.date_from or params.date_to:
            low = _day_start(params.date_from) if params.date_from else -(2**61)
            high = _day_start(params.date_to) + 86400 if params.date_to else 2**61
            mask &= (table.published >= low) & (table.published < high)
        for column in ("author", "site", "category"):
            value = getattr(params, column)
            if value:
                mask &= self.engine.column_mask(table, column, value)
        return plan, mask, score

    def _ranked(self, snap: Snapshot, params: SearchParams, mask: np.ndarray, score: np.ndarray,
                plan: P.PlanNode, limit: int | None) -> np.ndarray:
        """Matching doc numbers in result order; only the first ``limit`` are sorted."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return idx
        published = snap.table.published[idx]
        relevance = params.sort == "relevance" and not isinstance(plan, P.AllQ)
        if relevance:
            primary = -score[idx].astype(np.float64)
            secondary = -published
        else:  # by date; undated articles last either way
            undated = published == NO_DATE
            primary = np.where(undated, np.iinfo(np.int64).max,
                               published if params.sort == "oldest" else -published)
            secondary = idx
        if limit is not None and limit < len(idx):
            kth = np.partition(primary, limit - 1)[limit - 1]
            keep = primary <= kth
            idx, primary, secondary = idx[keep], primary[keep], secondary[keep]
        order = np.lexsort((idx, secondary, primary))
        return idx[order]

    def _facets(self, snap: Snapshot, mask: np.ndarray) -> dict[str, list[list]]:
        table = snap.table
        vocabs = self.engine.vocabs
        out: dict[str, list[list]] = {}
        sel = mask[table.author_docs] if len(table.author_docs) else np.zeros(0, bool)
        out["author"] = _top(np.bincount(table.author_ords[sel], minlength=0), vocabs["author"].display)
        for column in ("site", "category"):
            values = getattr(table, column)
            chosen = values[mask & (values >= 0)]
            out[column] = _top(np.bincount(chosen), vocabs[column].display)
        years, counts = np.unique(table.year[mask & (table.year > 0)], return_counts=True)
        out["year"] = [[int(y), int(c)] for y, c in sorted(zip(years, counts), reverse=True)]
        return out

    def _histogram(self, snap: Snapshot, mask: np.ndarray) -> dict:
        months = snap.table.month[mask & (snap.table.month >= 0)]
        if not len(months):
            return {"unit": "month", "bins": []}
        values, counts = np.unique(months, return_counts=True)
        if values[-1] - values[0] > 72:  # more than six years: count per year
            per_year = Counter()
            for value, count in zip(values, counts):
                per_year[int(value // 12)] += int(count)
            first, last = min(per_year), max(per_year)
            return {"unit": "year", "bins": [[str(y), per_year[y]] for y in range(first, last + 1)]}
        full = {int(v): int(c) for v, c in zip(values, counts)}
        bins = [[f"{m // 12:04d}-{m % 12 + 1:02d}", full.get(m, 0)] for m in range(values[0], values[-1] + 1)]
        return {"unit": "month", "bins": bins}

    # -- public API ---------------------------------------------------------

    def search(self, params: SearchParams, *, histogram: bool = False) -> dict:
        """Run a search; raises QueryError/ParamError for input a person must fix."""
        started = time.perf_counter()
        with self.engine.snapshot() as snap:
            key = (snap.identity, params.cache_key(), histogram)
            cached = self._cached(key)
            if cached is not None:
                return {**cached, "took_ms": round((time.perf_counter() - started) * 1000, 2)}
            plan, mask, score = self._match(snap, params)
            total = int(mask.sum())
            start = (params.page - 1) * params.per_page
            ranked = self._ranked(snap, params, mask, score, plan, start + params.per_page)
            page_docs = ranked[start:start + params.per_page]
            results, texts = self._results(snap, page_docs, score, plan)
            response = {
                "query": params.q,
                "total": total,
                "page": params.page,
                "per_page": params.per_page,
                "pages": (total + params.per_page - 1) // params.per_page,
                "sort": params.sort,
                "results": results,
                "facets": self._facets(snap, mask),
                "suggestion": self._suggestion(snap, params, plan, ranked[:10], texts),
            }
            if histogram:
                response["histogram"] = self._histogram(snap, mask)
        self._remember(key, response)
        return {**response, "took_ms": round((time.perf_counter() - started) * 1000, 2)}

    def facets(self, params: SearchParams) -> dict:
        with self.engine.snapshot() as snap:
            _, mask, _ = self._match(snap, params)
            return {"query": params.q, "total": int(mask.sum()), "facets": self._facets(snap, mask),
                    "histogram": self._histogram(snap, mask)}

    def iter_matches(self, params: SearchParams, *, limit: int | None = None,
                     chunk: int = 500) -> Iterator[Article]:
        """Every matching article in result order, fetched from the catalog in chunks."""
        with self.engine.snapshot() as snap:
            plan, mask, score = self._match(snap, params)
            ranked = self._ranked(snap, params, mask, score, plan, None)
            if limit is not None:
                ranked = ranked[:limit]
            for start in range(0, len(ranked), chunk):
                ids = [snap.stored(int(d))["id"] for d in ranked[start:start + chunk]]
                articles = self.catalog.get_many(ids)
                for article_id in ids:
                    article = articles.get(article_id)
                    if article is not None:
                        yield article

    def article(self, article_id: str) -> Article | None:
        return self.catalog.get(article_id)

    def index_documents(self) -> int:
        with self.engine.snapshot() as snap:
            return snap.table.live_count

    # -- result details -----------------------------------------------------

    def _results(self, snap: Snapshot, docs: np.ndarray, score: np.ndarray,
                 plan: P.PlanNode) -> tuple[list[dict], dict[str, str]]:
        """Result cards for a page, and the texts read for their snippets (reused by suggestions)."""
        stored = [snap.stored(int(d)).get("doc", {}) for d in docs]
        ids = [s.get("id") for s in stored]
        texts = self.catalog.bodies([i for i in ids if i])
        terms = P.highlight_terms(plan)
        prefixes = P.prefixes(plan)
        results = []
        used: dict[str, str] = {}
        for doc, s in zip(docs, stored):
            summary, body = texts.get(s.get("id"), ("", ""))
            text = "\n".join(p for p in (summary, body) if p) or s.get("title", "")
            used[s.get("id")] = f"{s.get('title', '')}\n{text}"
            results.append({
                "id": s.get("id"),
                "url": s.get("url"),
                "site": s.get("site"),
                "title": s.get("title"),
                "published": s.get("published"),
                "author": ", ".join(s.get("authors") or []),
                "organization": s.get("organization") or "",
                "category": s.get("category") or "",
                "score": round(float(score[doc]), 4),
                "snippet": snippet(text, terms, prefixes),
            })
        return results, used

    def _suggestion(self, snap: Snapshot, params: SearchParams, plan: P.PlanNode,
                    top: np.ndarray, known: dict[str, str]) -> str | None:
        if not params.q.strip() or isinstance(plan, P.AllQ) or not len(top):
            return None
        ids = [snap.stored(int(d)).get("doc", {}).get("id") for d in top]
        missing = [i for i in ids if i and i not in known]
        texts = [known[i] for i in ids if i in known]
        if missing:
            texts += [f"{s}\n{b}" for s, b in self.catalog.bodies(missing).values()]
        return suggest(nfc(params.q), texts)


def _top(counts: np.ndarray, names: list[str]) -> list[list]:
    if not len(counts):
        return []
    nonzero = np.flatnonzero(counts)
    if len(nonzero) > FACET_SIZE:
        nonzero = nonzero[np.argpartition(-counts[nonzero], FACET_SIZE)[:FACET_SIZE]]
    items = sorted(((names[i], int(counts[i])) for i in nonzero), key=lambda x: (-x[1], x[0]))
    return [[name, count] for name, count in items[:FACET_SIZE]]


def _day_start(day) -> int:
    return int(datetime.combine(day, dtime(0, 0), tzinfo=VN_TZ).timestamp())
