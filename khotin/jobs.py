"""The job queue: crawl and reindex jobs in the catalog, shared by web and worker.

The web process only *asks*: it queues jobs, requests cancellation and
reads progress.  The worker (:mod:`khotin.worker`) claims queued jobs, runs
them, writes counters, log lines and a heartbeat about once a second, and
finishes them.  A job is ``queued → running → done | failed | cancelled``;
a queued job can also be cancelled directly.

A worker that dies leaves its job ``running``; :func:`reap` marks such jobs
``failed`` (worker process gone, or no heartbeat for :data:`STALE_AFTER`
seconds) with a log line saying so, and :func:`retry` queues a copy.
Times are stored as Unix seconds and shown as ISO 8601 in Vietnam time.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from khotin import db
from khotin.errors import UserError

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('crawl', 'reindex')),
    site TEXT,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    fetched INTEGER NOT NULL DEFAULT 0,
    new INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    progress_done INTEGER,
    progress_total INTEGER,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    requested_by TEXT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    heartbeat REAL,
    worker_pid INTEGER,
    error TEXT,
    retry_of INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, id);
CREATE TABLE IF NOT EXISTS job_log (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL,
    at REAL NOT NULL,
    line TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS job_log_job ON job_log(job_id, id);
CREATE TABLE IF NOT EXISTS worker_status (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    started REAL NOT NULL,
    heartbeat REAL NOT NULL,
    activity TEXT NOT NULL DEFAULT ''
);
"""

KINDS = ("crawl", "reindex")
STATES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE = ("queued", "running")
COUNTERS = ("fetched", "new", "changed", "errors")
#: Lines of log kept per job (older ones are dropped).
LOG_LINES = 200
MAX_LINE = 1000
#: A running job whose heartbeat is older than this belongs to a dead or stuck worker.
STALE_AFTER = 30.0
VN_TZ = timezone(timedelta(hours=7))


def iso(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, VN_TZ).isoformat(timespec="seconds") if epoch else None


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    site: str | None
    state: str
    counters: dict[str, int]
    progress: tuple[int, int | None] | None
    created: float
    started: float | None
    finished: float | None
    requested_by: str
    cancel_requested: bool
    heartbeat: float | None
    worker_pid: int | None
    error: str | None
    retry_of: int | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def stale(self) -> bool:
        """Running, but the worker has not reported for a while."""
        return self.state == "running" and (self.heartbeat or 0) < time.time() - STALE_AFTER

    @property
    def label(self) -> str:
        if self.kind == "reindex":
            return "reindex"
        return f"crawl {self.site}" if self.site else "crawl (all sites)"

    def to_dict(self) -> dict[str, Any]:
        """The API shape (``/api/admin/jobs``)."""
        progress = None
        if self.progress is not None:
            progress = {"done": self.progress[0], "total": self.progress[1]}
        return {
            "id": self.id, "kind": self.kind, "site": self.site, "state": self.state,
            "counters": dict(self.counters), "progress": progress,
            "created": iso(self.created), "started": iso(self.started), "finished": iso(self.finished),
            "requested_by": self.requested_by, "cancel_requested": self.cancel_requested,
            "heartbeat": iso(self.heartbeat), "worker_pid": self.worker_pid, "stale": self.stale,
            "error": self.error, "retry_of": self.retry_of,
        }


def _job(row: sqlite3.Row) -> Job:
    progress = None
    if row["progress_done"] is not None:
        progress = (row["progress_done"], row["progress_total"])
    return Job(row["id"], row["kind"], row["site"], row["state"], {c: row[c] for c in COUNTERS},
               progress, row["created"], row["started"], row["finished"], row["requested_by"],
               bool(row["cancel_requested"]), row["heartbeat"], row["worker_pid"], row["error"],
               row["retry_of"])


def ensure(conn: sqlite3.Connection) -> None:
    db.ensure_schema(conn, "jobs", SCHEMA)


def connect(path: str | Path) -> sqlite3.Connection:
    conn = db.connect(path)
    ensure(conn)
    return conn


# -- asking (web, API, scheduler) ------------------------------------------------

def enqueue(conn: sqlite3.Connection, kind: str, site: str | None, requested_by: str, *,
            retry_of: int | None = None) -> Job:
    """Queue a job; an identical job already queued is returned instead of a duplicate."""
    if kind not in KINDS:
        raise UserError(f"unknown job kind {kind!r} (known: {', '.join(KINDS)})")
    if kind == "reindex" and site:
        raise UserError("a reindex job takes no site")
    with db.transaction(conn):
        row = conn.execute("SELECT * FROM jobs WHERE state = 'queued' AND kind = ? AND site IS ? "
                           "AND cancel_requested = 0 ORDER BY id LIMIT 1", (kind, site)).fetchone()
        if row is not None and retry_of is None:
            return _job(row)
        cur = conn.execute("INSERT INTO jobs (kind, site, created, requested_by, retry_of) "
                           "VALUES (?, ?, ?, ?, ?)", (kind, site, time.time(), requested_by, retry_of))
        job_id = int(cur.lastrowid)
        _log(conn, job_id, [f"queued by {requested_by}" + (f" (retry of job {retry_of})" if retry_of else "")])
    return get(conn, job_id)  # type: ignore[return-value]


def get(conn: sqlite3.Connection, job_id: int) -> Job | None:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return _job(row) if row else None


def list_jobs(conn: sqlite3.Connection, limit: int = 50, states: Iterable[str] | None = None) -> list[Job]:
    """Newest first."""
    if states:
        wanted = list(states)
        marks = ", ".join("?" * len(wanted))
        rows = conn.execute(f"SELECT * FROM jobs WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?",
                            (*wanted, limit))
    else:
        rows = conn.execute("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", (limit,))
    return [_job(r) for r in rows]


def active_jobs(conn: sqlite3.Connection) -> list[Job]:
    return list_jobs(conn, limit=1000, states=ACTIVE)


def covering(conn: sqlite3.Connection, site: str) -> Job | None:
    """A queued or running crawl of ``site`` (or of every site), if any."""
    row = conn.execute("SELECT * FROM jobs WHERE state IN ('queued', 'running') AND kind = 'crawl' "
                       "AND (site = ? OR site IS NULL) ORDER BY id LIMIT 1", (site,)).fetchone()
    return _job(row) if row else None


def last_finished(conn: sqlite3.Connection, site: str) -> Job | None:
    """The newest finished crawl covering ``site`` (the scheduler backs off after failures)."""
    row = conn.execute("SELECT * FROM jobs WHERE finished IS NOT NULL AND kind = 'crawl' "
                       "AND (site = ? OR site IS NULL) ORDER BY finished DESC LIMIT 1", (site,)).fetchone()
    return _job(row) if row else None


def log_lines(conn: sqlite3.Connection, job_id: int) -> list[tuple[float, str]]:
    rows = conn.execute("SELECT at, line FROM job_log WHERE job_id = ? ORDER BY id", (job_id,))
    return [(r["at"], r["line"]) for r in rows]


def request_cancel(conn: sqlite3.Connection, job_id: int, by: str) -> Job:
    """Cancel a queued job now, or ask the worker to stop a running one."""
    with db.transaction(conn):
        job = get(conn, job_id)
        if job is None:
            raise UserError(f"no job {job_id}")
        if job.state == "queued":
            conn.execute("UPDATE jobs SET state = 'cancelled', finished = ?, cancel_requested = 1 "
                         "WHERE id = ?", (time.time(), job_id))
            _log(conn, job_id, [f"cancelled by {by} before it started"])
        elif job.state == "running":
            if not job.cancel_requested:
                conn.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", (job_id,))
                _log(conn, job_id, [f"cancellation requested by {by}"])
        else:
            raise UserError(f"job {job_id} has already ended ({job.state})")
    return get(conn, job_id)  # type: ignore[return-value]


def retry(conn: sqlite3.Connection, job_id: int, by: str) -> Job:
    """Queue a new job doing what ``job_id`` (finished) did."""
    job = get(conn, job_id)
    if job is None:
        raise UserError(f"no job {job_id}")
    if job.active:
        raise UserError(f"job {job_id} is still {job.state}")
    return enqueue(conn, job.kind, job.site, by, retry_of=job.id)


# -- doing (worker) ----------------------------------------------------------------

def claim(conn: sqlite3.Connection, pid: int) -> Job | None:
    """Mark the oldest queued job running for worker ``pid``."""
    with db.transaction(conn):
        row = conn.execute("SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1").fetchone()
        if row is None:
            return None
        now = time.time()
        conn.execute("UPDATE jobs SET state = 'running', started = ?, heartbeat = ?, worker_pid = ?, "
                     "finished = NULL, error = NULL WHERE id = ?", (now, now, pid, row["id"]))
        _log(conn, row["id"], [f"started by worker pid {pid}"])
    return get(conn, row["id"])


def report(conn: sqlite3.Connection, job_id: int, *, counters: dict[str, int] | None = None,
           progress: tuple[int, int | None] | None = None, lines: list[str] | None = None) -> bool:
    """Write counters, progress, log lines and the heartbeat; True if cancellation was asked."""
    sets = ["heartbeat = ?"]
    values: list[Any] = [time.time()]
    for name, value in (counters or {}).items():
        if name in COUNTERS:
            sets.append(f"{name} = ?")
            values.append(int(value))
    if progress is not None:
        sets += ["progress_done = ?", "progress_total = ?"]
        values += [progress[0], progress[1]]
    with db.transaction(conn):
        conn.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?", (*values, job_id))
        if lines:
            _log(conn, job_id, lines)
        row = conn.execute("SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return bool(row and row["cancel_requested"])


def finish(conn: sqlite3.Connection, job_id: int, state: str, *, error: str | None = None,
           lines: list[str] | None = None) -> None:
    if state not in ("done", "failed", "cancelled"):
        raise ValueError(f"not a final state: {state}")
    with db.transaction(conn):
        conn.execute("UPDATE jobs SET state = ?, finished = ?, heartbeat = ?, error = ? WHERE id = ?",
                     (state, time.time(), time.time(), error, job_id))
        _log(conn, job_id, [*(lines or []), f"finished: {state}" + (f" ({error})" if error else "")])


def requeue(conn: sqlite3.Connection, job_id: int, line: str) -> None:
    """Put a running job back in the queue (worker stopping, or the archive busy)."""
    with db.transaction(conn):
        conn.execute("UPDATE jobs SET state = 'queued', started = NULL, worker_pid = NULL, "
                     "heartbeat = NULL WHERE id = ? AND state = 'running'", (job_id,))
        _log(conn, job_id, [line])


def reap(conn: sqlite3.Connection, own_pid: int, *, all_foreign: bool = False,
         stale_after: float = STALE_AFTER) -> list[int]:
    """Mark ``running`` jobs of dead workers ``failed``; returns their ids.

    A job is orphaned when its worker process is gone, or it has sent no
    heartbeat for ``stale_after`` seconds, or (``all_foreign``: the caller
    holds the one-worker lock) it belongs to any other process.
    """
    now = time.time()
    reaped = []
    with db.transaction(conn):
        rows = conn.execute("SELECT * FROM jobs WHERE state = 'running'").fetchall()
        for row in rows:
            pid = row["worker_pid"]
            if pid == own_pid:
                continue
            if all_foreign or not pid_alive(pid):
                why = f"worker pid {pid} stopped without finishing the job (killed or crashed)"
            elif (row["heartbeat"] or 0) < now - stale_after:
                why = f"worker pid {pid} sent no heartbeat for {now - (row['heartbeat'] or now):.0f} s"
            else:
                continue
            conn.execute("UPDATE jobs SET state = 'failed', finished = ?, error = ? WHERE id = ?",
                         (now, why, row["id"]))
            _log(conn, row["id"], [f"marked failed: {why}; the archive keeps what was fetched, "
                                   "retry the job to continue"])
            reaped.append(row["id"])
    return reaped


def pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` exists and is not a zombie (Linux /proc; kill(0) elsewhere)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _log(conn: sqlite3.Connection, job_id: int, lines: list[str]) -> None:
    now = time.time()
    conn.executemany("INSERT INTO job_log (job_id, at, line) VALUES (?, ?, ?)",
                     [(job_id, now, str(line)[:MAX_LINE]) for line in lines])
    conn.execute("DELETE FROM job_log WHERE job_id = ? AND id <= (SELECT id FROM job_log WHERE job_id = ? "
                 "ORDER BY id DESC LIMIT 1 OFFSET ?)", (job_id, job_id, LOG_LINES))


# -- the worker's own heartbeat ------------------------------------------------------

def worker_beat(conn: sqlite3.Connection, pid: int, started: float, activity: str) -> None:
    with db.transaction(conn):
        conn.execute("INSERT INTO worker_status (id, pid, started, heartbeat, activity) VALUES (1, ?, ?, ?, ?) "
                     "ON CONFLICT(id) DO UPDATE SET pid = excluded.pid, started = excluded.started, "
                     "heartbeat = excluded.heartbeat, activity = excluded.activity",
                     (pid, started, time.time(), activity))


def worker_gone(conn: sqlite3.Connection, pid: int) -> None:
    with db.transaction(conn):
        conn.execute("DELETE FROM worker_status WHERE pid = ?", (pid,))


def worker_info(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The worker's pid, start, last heartbeat and activity, with ``alive``; None if none ran."""
    row = conn.execute("SELECT * FROM worker_status WHERE id = 1").fetchone()
    if row is None:
        return None
    alive = row["heartbeat"] >= time.time() - STALE_AFTER and pid_alive(row["pid"])
    return {"pid": row["pid"], "started": iso(row["started"]), "heartbeat": iso(row["heartbeat"]),
            "activity": row["activity"], "alive": alive}
