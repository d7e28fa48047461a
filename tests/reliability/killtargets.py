"""The processes the kill harness knows: ``khotin crawl``, ``khotin reindex``, the worker.

Each target prepares its own data, names its command and pause points, and
says what must hold after a kill (before the restart) and after a run that
was allowed to finish (equal to an uninterrupted run).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from khotin.paths import DataDir
from tests.reliability import killchecks as C
from tests.reliability.killharness import REPO

LOOPBACK = ["--set", "allow_private_addresses=true", "--set", "loopback_delay_seconds=0"]
CRAWL_PORTALS = ("nukeviet", "liferay", "wordpress")


def khotin(data: DataDir, *args: str) -> list[str]:
    return [sys.executable, "-m", "khotin", "--data-dir", str(data.root), *args]


def _after_kill_common(data: DataDir, before: C.State, *, strict_index: bool) -> tuple[int, int, int, list[str]]:
    """Checks every target shares: catalog, index, search, archive."""
    problems: list[str] = []
    try:
        C.catalog_integrity(data)
    except C.CheckFailed as exc:
        problems.append(str(exc))
    now = C.committed_articles(data)
    lost = [i for i, h in before.articles.items() if now.get(i) != h]
    lost_indexed: list[str] = []
    try:
        indexed = C.indexed_ids(data)
        if before.indexed:
            lost_indexed = sorted(before.indexed - (indexed or set()))
        if strict_index:  # every committed article searchable right now
            lost_indexed = sorted(set(lost_indexed) | (set(before.articles) - (indexed or set())))
        C.search_works(data)
    except C.CheckFailed as exc:
        problems.append(str(exc))
    tail = 0
    try:
        tail = C.warc_tail(data)
        C.warc_records_read(data)
        C.captures_readable(data)
    except C.CheckFailed as exc:
        problems.append(str(exc))
    if lost:
        problems.append(f"{len(lost)} committed articles lost, e.g. {lost[:3]}")
    if lost_indexed:
        problems.append(f"{len(lost_indexed)} indexed documents lost, e.g. {lost_indexed[:3]}")
    return len(lost), len(lost_indexed), tail, problems


def _final_common(data: DataDir, expected: dict[str, str], *, sample: int | None = None) -> list[str]:
    problems: list[str] = []
    try:
        C.catalog_integrity(data)
        articles = C.committed_articles(data)
        if articles != expected:
            missing = sorted(set(expected) - set(articles))
            extra = sorted(set(articles) - set(expected))
            changed = sorted(i for i in set(articles) & set(expected) if articles[i] != expected[i])
            problems.append(f"articles differ from the uninterrupted run: missing {missing[:3]} "
                            f"({len(missing)}), extra {extra[:3]} ({len(extra)}), changed {len(changed)}")
        indexed = C.indexed_ids(data) or set()
        if indexed != set(articles):
            problems.append(f"index documents {len(indexed)} != catalog articles {len(articles)}")
        ids = sorted(articles)
        if sample is not None:
            ids = ids[:: max(1, len(ids) // sample)]
        unfound = C.searchable_by_title(data, ids)
        if unfound:
            problems.append(f"{len(unfound)} articles not found by their title, e.g. {unfound[:3]}")
        C.warcio_check(data)
        if C.warc_tail(data):
            problems.append("the newest WARC file still ends in a torn record after the restart")
        C.warc_records_read(data)
        C.captures_readable(data)
    except C.CheckFailed as exc:
        problems.append(str(exc))
    return problems


class CrawlTarget:
    """``khotin crawl`` of three fixture portals, killed and resumed; rounds start afresh."""

    name = "crawl"
    phases = {"fetch": 40, "warc-record": 80, "warc-fsync": 40, "catalog-commit": 40,
              "index-commit": 6, "index-seq": 6}
    delay_range = (0.2, 3.0)
    kills_per_round = 5

    def __init__(self, portals: tuple[str, ...] = CRAWL_PORTALS, articles: int = 8):
        self.portals = portals
        self.articles = articles
        self.server = None

    def setup(self, work: Path) -> None:
        from khotin.fixtures.server import FixtureServer

        self.work = work
        self.server = FixtureServer(portals=list(self.portals), articles_per_portal=self.articles,
                                    hazard_portal="none").start()
        self.sites = work / "sites.toml"
        self.sites.write_text(self.server.sites_toml(), encoding="utf-8")
        ref = DataDir.of(work / "reference")
        done = subprocess.run(self._cmd(ref), cwd=REPO, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"the uninterrupted crawl failed: {done.stderr[-2000:]}")
        self.expected = C.committed_articles(ref)
        if len(self.expected) < len(self.portals) * self.articles:
            raise RuntimeError(f"the uninterrupted crawl found only {len(self.expected)} articles")

    def _cmd(self, data: DataDir) -> list[str]:
        return khotin(data, *LOOPBACK, "--set", "index_commit_every=3", "crawl", "--sites", str(self.sites))

    def new_round(self, number: int) -> None:
        self.data = DataDir.of(self.work / f"round-{number}")

    def command(self) -> list[str]:
        return self._cmd(self.data)

    def env(self) -> dict[str, str]:
        return {}

    def before_kill(self) -> C.State:
        return C.state(self.data)

    def after_kill(self, before: C.State):
        return _after_kill_common(self.data, before, strict_index=False)

    def after_finish(self) -> list[str]:
        return _final_common(self.data, self.expected)

    def teardown(self) -> None:
        if self.server is not None:
            self.server.stop()


class ReindexTarget:
    """``khotin reindex`` over a catalog of generated articles.

    The index held every article before the reindex started, so after a
    kill at any moment every article must still be searchable: the rebuild
    happens next to the live index and is swapped in atomically.
    """

    name = "reindex"
    phases = {"reindex-build": 3, "index-commit": 1, "reindex-swap": 1, "index-seq": 1,
              "reindex-catch-up": 1}
    delay_range = (0.3, 3.0)
    kills_per_round = 0
    queries = ("huyện ủy", "ubnd", "dang bo", "nong thon moi", "Mai Sơn", "hoi nghi")

    def __init__(self, articles: int = 800):
        self.articles = articles

    def setup(self, work: Path) -> None:
        from crawler.catalog import Catalog
        from index.sync import sync_index
        from tests.conftest import generated_articles

        self.work = work
        self.data = DataDir.of(work / "data").ensure()
        with Catalog(self.data.catalog) as cat:
            cat.upsert_many(generated_articles(self.articles, seed=29))
        sync_index(self.data)
        self.expected = C.committed_articles(self.data)
        ref = DataDir.of(work / "reference")
        shutil.copytree(self.data.root, ref.root)
        done = subprocess.run(khotin(ref, "reindex"), cwd=REPO, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"the uninterrupted reindex failed: {done.stderr[-2000:]}")
        self.reference = self._results(ref)

    def _results(self, data: DataDir) -> dict[str, list[str]]:
        from search.params import SearchParams
        from search.service import SearchService

        service = SearchService(data)
        try:
            return {q: [r["id"] for r in service.search(SearchParams.from_mapping({"q": q, "per_page": "50"}))["results"]]
                    for q in self.queries}
        finally:
            service.close()

    def new_round(self, number: int) -> None:
        pass

    def command(self) -> list[str]:
        return khotin(self.data, "reindex")

    def env(self) -> dict[str, str]:
        return {}

    def before_kill(self) -> C.State:
        return C.state(self.data)

    def after_kill(self, before: C.State):
        return _after_kill_common(self.data, before, strict_index=True)

    def after_finish(self) -> list[str]:
        problems = _final_common(self.data, self.expected, sample=40)
        if not problems and self._results(self.data) != self.reference:
            problems.append("search results differ from an uninterrupted reindex")
        return problems

    def teardown(self) -> None:
        pass


def worker_available() -> bool:
    """Whether this checkout has ``khotin worker`` (the admin issue adds it)."""
    done = subprocess.run([sys.executable, "-m", "khotin", "worker", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    return done.returncode == 0


class WorkerTarget(CrawlTarget):
    """``khotin worker --once`` running a queued "crawl all sites" job, killed and restarted.

    Before each restart the harness queues a retry of the killed job (what an
    admin's "Retry" does); the restarted worker must first mark the job the
    dead worker left ``running`` as failed, then run the retry, which
    resumes the crawl.  Besides the crawl's checks: no job stays
    ``running``, every job killed before its end is ``failed`` with a reason,
    the last one is ``done``.
    """

    name = "worker"

    def new_round(self, number: int) -> None:
        from khotin import jobs

        super().new_round(number)
        self.data.ensure()
        self.data.sites.write_text(self.sites.read_text(encoding="utf-8"), encoding="utf-8")
        conn = jobs.connect(self.data.catalog)
        try:
            jobs.enqueue(conn, "crawl", None, "killharness")
        finally:
            conn.close()

    def command(self) -> list[str]:
        from khotin import jobs

        conn = jobs.connect(self.data.catalog)
        try:
            last = jobs.list_jobs(conn, limit=1)[0]
            if last.state not in ("queued", "done"):  # killed while running: retry it, as an admin would
                jobs.enqueue(conn, last.kind, last.site, "killharness", retry_of=last.id)
        finally:
            conn.close()
        return khotin(self.data, *LOOPBACK, "--set", "index_commit_every=3", "worker", "--once")

    def after_finish(self) -> list[str]:
        from khotin import jobs

        problems = super().after_finish()
        conn = jobs.connect(self.data.catalog)
        try:
            history = list(reversed(jobs.list_jobs(conn, limit=1000)))
        finally:
            conn.close()
        if not history or history[-1].state != "done":
            problems.append(f"the last job is {history[-1].state if history else 'missing'}, not done")
        for job in history[:-1]:  # killed mid-job: failed with a reason (a kill after the end: done)
            if job.state not in ("failed", "done") or (job.state == "failed" and not job.error):
                problems.append(f"job {job.id} of a killed worker is {job.state} ({job.error}), not failed")
        return problems


def worker_target():
    """The third target, ``khotin worker``; None in a checkout that does not have it yet."""
    return WorkerTarget() if worker_available() else None
