"""The worker: runs queued crawl and reindex jobs, and queues scheduled recrawls.

One worker per data directory (an ``flock`` on ``DATA_DIR/worker.lock``;
a second one exits at once), and it runs one job at a time.  That is what
the archive allows anyway — :func:`crawler.engine.crawl` holds the WARC
writer lock for its whole run, so two crawls on one data directory cannot
overlap — and it gives the guarantees the admin area promises for free:
never two crawls of one site, a crawl of every site (one ``crawl`` call
with all of them, sites in parallel threads) excludes every other crawl,
and a reindex never runs beside anything.  If ``khotin crawl`` holds the
archive, the job goes back to the queue and is tried again a little later.

A crawl job runs exactly like ``khotin crawl``: ``crawl(..., on_progress,
should_stop, on_index=sync_index)`` and one more ``sync_index`` at the end,
so the worker is the only index writer while it runs.  Progress lands in
memory; a beat thread writes counters, log lines and heartbeats about once
a second and reads the job's cancel flag, so a cancelled crawl stops within
a couple of seconds (after the URL in flight).

Crash safety: on start (holding the lock) every job left ``running`` is a
dead worker's and is marked ``failed``; every :data:`REAP_EVERY` seconds the
same check runs for jobs of dead pids or stale heartbeats.  The crawler
itself is SIGKILL-safe (WARC first, then one transaction per URL), the
index lock is an ``flock`` the kernel drops, and on start the worker
applies catalog changes the killed job had not indexed yet.  SIGTERM or
SIGINT stop the worker cleanly: the running job goes back to the queue and
continues (the crawl resumes) at the next start.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from khotin import jobs
from khotin.errors import UserError
from khotin.paths import DataDir

log = logging.getLogger(__name__)

#: Seconds between looks at the queue when idle.
POLL = 0.5
#: Seconds between writes of counters, log lines and heartbeats.
BEAT = 1.0
#: Seconds between scheduler passes and stale-job checks.
SCHEDULE_EVERY = 30.0
REAP_EVERY = 10.0
#: After a failed or cancelled scheduled crawl, wait at most this long before the next.
FAILURE_BACKOFF = 3600.0
#: Wait this long before retrying a job when another process holds the archive.
BUSY_RETRY = 5.0
#: Exit status of ``khotin worker`` when another worker holds the lock.
EXIT_LOCKED = 75


class WorkerLocked(UserError):
    """Another worker runs on this data directory."""


def lock_path(data: DataDir) -> Path:
    return data.root / "worker.lock"


class _ArchiveBusy(Exception):
    pass


class _Stop(Exception):
    pass


class JobRecorder:
    """What a running job reports; the worker's beat thread writes it to the catalog."""

    def __init__(self, job: jobs.Job, stopping: threading.Event):
        self.job = job
        self.cancel = threading.Event()
        self.stopping = stopping
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()  # the beat thread and the job's last flush
        self._lines: list[str] = []
        self._counters: dict[str, int] = {}
        self._progress: tuple[int, int | None] | None = None
        self._report: Any = None
        self._errors_seen = 0
        self._last_line = time.monotonic()

    # -- fed by the job (any thread) ---------------------------------------

    def line(self, text: str) -> None:
        log.info("job %d: %s", self.job.id, text)
        with self._lock:
            self._lines.append(text)

    def crawl_progress(self, p: Any) -> None:
        """``crawler.engine.crawl``'s ``on_progress``: cheap, called after every URL."""
        self._report = p.report
        errors = sum(p.report.errors.values())
        if errors > self._errors_seen:
            self._errors_seen = errors
            self.line(f"{p.site}: {p.outcome}: {p.url}")
        elif p.outcome in ("new", "changed"):
            self.line(f"{p.site}: {p.outcome} article {p.url}")
        now = time.monotonic()
        if now - self._last_line >= 10:
            self._last_line = now
            r = p.report
            self.line(f"{r.fetched} pages, {r.new} new, {r.changed} changed, {errors} errors")

    def set_progress(self, done: int, total: int | None) -> None:
        with self._lock:
            self._progress = (done, total)

    def should_stop(self) -> bool:
        return self.cancel.is_set() or self.stopping.is_set()

    # -- drained by the beat thread -----------------------------------------

    def counters(self) -> dict[str, int]:
        r = self._report
        if r is not None:
            return {"fetched": r.fetched, "new": r.new, "changed": r.changed,
                    "errors": sum(r.errors.values())}
        return dict(self._counters)

    def set_report(self, report: Any) -> None:
        self._report = report

    def flush(self, conn) -> None:
        with self._flush_lock:
            with self._lock:
                lines, self._lines = self._lines, []
                progress = self._progress
            if jobs.report(conn, self.job.id, counters=self.counters(), progress=progress, lines=lines):
                self.cancel.set()


class Worker:
    """The job loop; :meth:`run` until :meth:`stop` (or, with ``once``, until the queue is empty)."""

    def __init__(self, settings: Any, *, exit_with_parent: int | None = None,
                 schedule_every: float = SCHEDULE_EVERY, poll: float = POLL):
        self.settings = settings
        self.data = DataDir.of(settings.data_path).ensure()
        self.pid = os.getpid()
        self.started = time.time()
        self.stopping = threading.Event()
        self.schedule_every = schedule_every
        self.poll = poll
        self.parent = exit_with_parent  # the pid that must stay our parent (``khotin serve``)
        self.activity = "starting"
        self.recorder: JobRecorder | None = None
        self._lock_fh = None
        self._beat_thread: threading.Thread | None = None

    def stop(self, *_: Any) -> None:
        """Finish the URL in flight, put the running job back in the queue, exit (signal-safe)."""
        self.stopping.set()

    # -- lifecycle -------------------------------------------------------------

    def _acquire(self) -> None:
        fh = lock_path(self.data).open("a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            other = fh.read().strip() or "?"
            fh.close()
            raise WorkerLocked(f"another worker (pid {other}) is running for {self.data.root}") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(self.pid))
        fh.flush()
        self._lock_fh = fh

    def run(self, once: bool = False) -> int:
        """Work until stopped; returns the number of jobs run."""
        self._acquire()
        conn = jobs.connect(self.data.catalog)
        ran = 0
        try:
            for job_id in jobs.reap(conn, self.pid, all_foreign=True):
                log.warning("job %d was left running by a dead worker: marked failed", job_id)
            self._beat_thread = threading.Thread(target=self._beat, name="worker-beat", daemon=True)
            self._beat_thread.start()
            self._catch_up_index()
            next_schedule = next_reap = 0.0
            while not self.stopping.is_set():
                now = time.monotonic()
                if now >= next_schedule:
                    next_schedule = now + self.schedule_every
                    self.schedule(conn)
                if now >= next_reap:
                    next_reap = now + REAP_EVERY
                    jobs.reap(conn, self.pid)
                if archive_busy(self.data):  # `khotin crawl` runs: leave the queue alone
                    if once:
                        break
                    self.activity = "waiting: another crawl (khotin crawl?) holds the archive"
                    self.stopping.wait(BUSY_RETRY)
                    continue
                job = jobs.claim(conn, self.pid)
                if job is not None:
                    ran += 1
                    if not self.run_job(conn, job) and once:
                        break  # archive busy: --once does not wait
                    continue
                if once:
                    break
                self.activity = "idle"
                self.stopping.wait(self.poll)
        finally:
            self.stopping.set()
            if self._beat_thread is not None:
                self._beat_thread.join(5)
            with contextlib.suppress(Exception):
                jobs.worker_gone(conn, self.pid)
            conn.close()
            if self._lock_fh is not None:
                self._lock_fh.close()  # releases the flock
        return ran

    def _beat(self) -> None:
        """Heartbeats, progress flushes, parent watch; one connection, about once a second."""
        conn = jobs.connect(self.data.catalog)
        try:
            while True:
                if self.parent is not None and os.getppid() != self.parent:
                    log.warning("the process that started the worker is gone; stopping")
                    self.stopping.set()
                recorder = self.recorder
                try:
                    if recorder is not None:
                        recorder.flush(conn)
                    jobs.worker_beat(conn, self.pid, self.started, self.activity)
                except Exception:  # a busy catalog must not kill the heartbeat
                    log.exception("could not write the worker heartbeat")
                if self.stopping.is_set():
                    if self.recorder is None:
                        return
                    time.sleep(BEAT)  # the job is finishing: keep reporting it
                else:
                    self.stopping.wait(BEAT)
        finally:
            conn.close()

    def _catch_up_index(self) -> None:
        """Index catalog changes a killed job archived but did not index."""
        try:
            from index.sync import pending_changes, sync_index
            if pending_changes(self.data) > 0:
                stats = sync_index(self.data, self.settings)
                log.info("index caught up: %d documents updated", stats.updated)
        except Exception as exc:  # e.g. an index of another analysis version
            log.warning("index not caught up at start: %s", exc)

    # -- jobs -----------------------------------------------------------------

    def run_job(self, conn, job: jobs.Job) -> bool:
        """Run one claimed job to its end; False if it went back to the queue."""
        recorder = JobRecorder(job, self.stopping)
        self.recorder = recorder
        self.activity = f"job {job.id}: {job.label}"
        state, error, lines = "failed", None, []
        try:
            if job.kind == "crawl":
                state, error, lines = self._crawl(job, recorder)
            else:
                state, error, lines = self._reindex(recorder)
        except _ArchiveBusy:
            self._release(conn, recorder, f"another crawl holds the archive; retrying in {BUSY_RETRY:.0f} s")
            self.stopping.wait(BUSY_RETRY)
            return False
        except UserError as exc:
            error = str(exc)
        except Exception as exc:
            log.exception("job %d failed", job.id)
            error = f"internal error: {type(exc).__name__}: {exc}"
        if state == "requeue":
            self._release(conn, recorder, "the worker is stopping; the job will continue at its next start")
            return True
        self.recorder = None
        recorder.flush(conn)
        jobs.finish(conn, job.id, state, error=error, lines=lines)
        log.info("job %d (%s) %s%s", job.id, job.label, state, f": {error}" if error else "")
        return True

    def _release(self, conn, recorder: JobRecorder, line: str) -> None:
        self.recorder = None
        recorder.flush(conn)
        jobs.requeue(conn, recorder.job.id, line)

    def _outcome(self, recorder: JobRecorder) -> str:
        """What an interrupted job becomes: cancelled by an admin, or back in the queue."""
        return "cancelled" if recorder.cancel.is_set() else "requeue"

    def _crawl(self, job: jobs.Job, recorder: JobRecorder) -> tuple[str, str | None, list[str]]:
        from crawler.commands import index_hook
        from crawler.engine import crawl
        from crawler.sites import load_sites, select_sites

        sites = select_sites(load_sites(self.data.sites), [job.site] if job.site else None)
        if not sites:
            return "failed", f"no [[site]] in {self.data.sites}", []
        if archive_busy(self.data):
            raise _ArchiveBusy
        recorder.line("crawling " + ", ".join(s.name for s in sites))
        sync = index_hook(self.data, self.settings)
        try:
            report = crawl(self.data, self.settings, sites, on_progress=recorder.crawl_progress,
                           should_stop=recorder.should_stop, on_index=sync)
        except UserError:
            if archive_busy(self.data):
                raise _ArchiveBusy from None
            raise
        recorder.set_report(report)
        lines = list(report.summary_lines())
        if sync is not None:
            try:
                stats = sync()
                lines.append(f"index updated: {stats.updated} documents, {stats.deleted} removed")
            except Exception as exc:  # the archive and catalog are safe; say how to catch up
                lines.append(f"indexing failed ({exc}); run a reindex job to catch up")
        if report.interrupted:
            return self._outcome(recorder), None, lines
        if report.ok:
            return "done", None, lines
        problems = [f"{r.site}: {r.error}" for r in report.sites.values() if r.error]
        return "failed", "; ".join(problems) or "the crawl did not complete", lines

    def _reindex(self, recorder: JobRecorder) -> tuple[str, str | None, list[str]]:
        from index.sync import rebuild_index

        def progress(done: int, total: int) -> None:
            recorder.set_progress(done, total)
            if recorder.should_stop():
                raise _Stop

        recorder.line("rebuilding the index from the catalog")
        try:
            count = rebuild_index(self.data, self.settings, progress=progress)
        except _Stop:
            return self._outcome(recorder), None, ["stopped before the new index was swapped in"]
        return "done", None, [f"index rebuilt: {count} documents"]

    # -- schedule -----------------------------------------------------------------

    def schedule(self, conn, now: datetime | None = None) -> list[jobs.Job]:
        """Queue a crawl for every site whose ``recrawl_every`` has passed; returns the new jobs."""
        from crawler.catalog import Catalog
        from crawler.sites import SitesError, load_sites

        if not self.data.sites.exists():
            return []
        try:
            sites = [s for s in load_sites(self.data.sites) if s.recrawl_every]
        except SitesError as exc:
            log.warning("scheduler: %s", exc)
            return []
        if not sites:
            return []
        now = now or datetime.now(timezone.utc)
        with Catalog(self.data.catalog) as catalog:
            crawls = catalog.last_crawls()
        queued = []
        for site in sites:
            if jobs.covering(conn, site.name) is not None:
                continue
            last_ok = parse_time(crawls.get(site.name, {}).get("last_crawl"))
            if not site.is_due(last_ok, now):
                continue
            last = jobs.last_finished(conn, site.name)
            if last is not None and last.state != "done" and last.finished:
                backoff = min(site.recrawl_interval.total_seconds(), FAILURE_BACKOFF)
                if now.timestamp() - last.finished < backoff:
                    continue
            queued.append(jobs.enqueue(conn, "crawl", site.name, "scheduler"))
            log.info("scheduled a crawl of %s (recrawl_every %s)", site.name, site.recrawl_every)
        return queued


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=jobs.VN_TZ)


def next_run(site: Any, last_ok: str | None) -> datetime | None:
    """When the scheduler will next queue ``site`` (None: no ``recrawl_every``)."""
    interval = site.recrawl_interval if getattr(site, "recrawl_every", None) else None
    if interval is None:
        return None
    last = parse_time(last_ok)
    return datetime.now(jobs.VN_TZ) if last is None else last + interval


def archive_busy(data: DataDir) -> bool:
    """Whether another process holds the crawl's WARC writer lock (``crawler.warc``)."""
    path = data.warc / ".writer.lock"
    if not path.exists():
        return False
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False
