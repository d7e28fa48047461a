"""Crash-safety harness: SIGKILL khotin's writers at chosen moments, restart, verify.

For each target process (``khotin crawl``, ``khotin reindex``, and
``khotin worker`` once it exists) the harness starts the real command as a
subprocess, kills it with SIGKILL at a moment drawn from a seeded RNG, and
checks the data directory before anything restarts (see
:mod:`tests.reliability.killchecks`); the next start is the restart.  After
a few kills the command is allowed to finish and the result is compared
with an uninterrupted run.

Moments are spread over the phases that matter.  Random delays rarely hit
the short windows (half a WARC record on disk, a catalog transaction not
yet committed, an index commit, the rebuild's swap), so most kills use the
pause points of :mod:`khotin.testpause`: the process stops at the N-th
arrival at a phase, the harness records what is committed, then kills it.
The rest are plain random delays.

Run it by hand (numbers for ``docs/reliability.md``)::

    python -m tests.reliability.killharness --process crawl --kills 30
    python -m tests.reliability.killharness --process reindex --kills 30 --json out.json

The pytest wrappers are in ``test_kill_*.py`` (``KHOTIN_KILLS`` kills per
process, default 5).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

REPO = Path(__file__).resolve().parents[2]
DEFAULT_KILLS = 5
DEFAULT_SEED = 8
PAUSE_TIMEOUT = 90.0
DELAY = "delay"


@dataclass(frozen=True)
class Moment:
    """When to kill: at the ``nth`` arrival at pause point ``phase``, or after ``delay`` s."""

    phase: str
    nth: int = 1
    delay: float = 0.0

    @property
    def label(self) -> str:
        return f"delay {self.delay:.2f}s" if self.phase == DELAY else f"{self.phase}#{self.nth}"


@dataclass
class Kill:
    """One kill and what the checks found right after it."""

    moment: str
    phase: str
    committed: int          # articles committed in the catalog just before the kill
    indexed: int            # documents in the index just before the kill
    lost_articles: int
    lost_indexed: int
    warc_tail_bytes: int
    problems: list[str]
    seconds: float


@dataclass
class Report:
    process: str
    seed: int
    kills_wanted: int
    kills: int = 0
    attempts: int = 0
    completed_runs: int = 0
    lost_articles: int = 0
    lost_indexed: int = 0
    unreadable_indexes: int = 0
    integrity_failures: int = 0
    warc_tails_seen: int = 0
    final_checks: int = 0
    final_equal: int = 0
    by_phase: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: list[Kill] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (not self.problems and self.kills >= self.kills_wanted and self.lost_articles == 0
                and self.lost_indexed == 0 and self.final_checks == self.final_equal)

    def summary(self) -> str:
        phases = ", ".join(f"{k} {v}" for k, v in sorted(self.by_phase.items()))
        return (f"{self.process}: {self.kills} kills survived ({phases}); {self.completed_runs} runs "
                f"finished; lost committed articles {self.lost_articles}, lost index documents "
                f"{self.lost_indexed}, unreadable indexes {self.unreadable_indexes}, integrity "
                f"failures {self.integrity_failures}, torn WARC tails seen {self.warc_tails_seen}; "
                f"finished runs equal to an uninterrupted one {self.final_equal}/{self.final_checks}; "
                f"{len(self.problems)} problems; {self.seconds:.0f} s")


class Target(Protocol):
    """A writer process the harness can kill (see ``killtargets.py``)."""

    name: str
    phases: dict[str, int]      # pause point -> largest N to draw for it
    delay_range: tuple[float, float]
    kills_per_round: int        # kills before a run is allowed to finish (0: never)

    def setup(self, work: Path) -> None: ...
    def new_round(self, number: int) -> None: ...
    def command(self) -> list[str]: ...
    def env(self) -> dict[str, str]: ...
    def before_kill(self) -> object: ...
    def after_kill(self, before: object) -> tuple[int, int, int, list[str]]: ...
    def after_finish(self) -> list[str]: ...
    def teardown(self) -> None: ...


def moments(target: Target, seed: int):
    """Endless seeded sequence of moments cycling through every phase and random delays."""
    rng = random.Random(f"{seed}-{target.name}")
    kinds = [*target.phases, DELAY]
    while True:
        order = kinds[:]
        rng.shuffle(order)
        for kind in order:
            if kind == DELAY:
                yield Moment(DELAY, delay=rng.uniform(*target.delay_range))
            else:
                yield Moment(kind, nth=rng.randint(1, target.phases[kind]))


# -- processes ------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Child processes of ``pid``, recursively (extraction workers and the like)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(proc: subprocess.Popen, moment: Moment, pause_file: Path) -> str:
    """Run until the moment: ``"paused"``, ``"due"`` (delay over) or ``"exited"``."""
    if moment.phase == DELAY:
        try:
            proc.wait(moment.delay)
            return "exited"
        except subprocess.TimeoutExpired:
            return "due"
    deadline = time.monotonic() + PAUSE_TIMEOUT
    while True:
        if pause_file.exists():
            return "paused"
        if proc.poll() is not None:
            return "exited"
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"{moment.label}: neither paused nor exited in {PAUSE_TIMEOUT:.0f} s")
        time.sleep(0.003)


def sigkill(proc: subprocess.Popen) -> list[str]:
    """SIGKILL ``proc``; its helper processes must go away by themselves."""
    kids = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [k for k in kids if alive(k)]
    for pid in left:  # only processes this harness started, by id
        os.kill(pid, signal.SIGKILL)
    return [f"helper processes outlived the kill: {left}"] if left else []


# -- the loop -------------------------------------------------------------------


def run(target: Target, work: Path, kills: int = DEFAULT_KILLS, seed: int = DEFAULT_SEED,
        echo=None) -> Report:
    """Kill ``target`` ``kills`` times (restarting it each time); returns the report."""
    started = time.monotonic()
    report = Report(target.name, seed, kills)
    work.mkdir(parents=True, exist_ok=True)
    target.setup(work)
    try:
        _loop(target, work, report, moments(target, seed), echo or (lambda s: None))
    finally:
        target.teardown()
        report.seconds = time.monotonic() - started
    return report


def _loop(target: Target, work: Path, report: Report, plan, echo) -> None:
    round_no, in_round = 0, 0
    target.new_round(round_no)
    while report.kills < report.kills_wanted:
        if report.attempts > 4 * report.kills_wanted + 8:
            report.problems.append("too many attempts without a kill")
            return
        moment = next(plan)
        report.attempts += 1
        if target.kills_per_round and in_round >= target.kills_per_round:
            moment = None  # this round has had its kills: let the run finish
        outcome, proc = _start(target, work, moment, report.attempts)
        if outcome == "exited":
            _finished(target, proc, report, echo)
            if target.kills_per_round:
                round_no, in_round = round_no + 1, 0
                target.new_round(round_no)
            continue
        kill = _kill(target, proc, moment, work, report.attempts)
        report.kills += 1
        in_round += 1
        report.by_phase[moment.phase] = report.by_phase.get(moment.phase, 0) + 1
        report.log.append(kill)
        report.lost_articles += kill.lost_articles
        report.lost_indexed += kill.lost_indexed
        report.warc_tails_seen += kill.warc_tail_bytes > 0
        report.unreadable_indexes += any("index unreadable" in p for p in kill.problems)
        report.integrity_failures += any("integrity_check" in p for p in kill.problems)
        report.problems += [f"kill {report.kills} at {kill.moment}: {p}" for p in kill.problems]
        echo(f"kill {report.kills:3d} at {kill.moment:22} committed {kill.committed:4d} "
             f"indexed {kill.indexed:4d} lost {kill.lost_articles}/{kill.lost_indexed} "
             f"tail {kill.warc_tail_bytes:6d} B {'; '.join(kill.problems) or 'ok'}")
    # The last restart runs to the end and must equal an uninterrupted run.
    _, proc = _start(target, work, None, report.attempts + 1)
    _finished(target, proc, report, echo)


def _start(target: Target, work: Path, moment: Moment | None, attempt: int):
    pause_file = work / f"pause-{attempt}"
    env = {**os.environ, "PYTHONPATH": str(REPO), **target.env()}
    if moment is not None and moment.phase != DELAY:
        env.update(KHOTIN_TEST_PAUSE_AT=f"{moment.phase}:{moment.nth}", KHOTIN_TEST_PAUSE_FILE=str(pause_file))
    else:
        env.pop("KHOTIN_TEST_PAUSE_AT", None)
    log = (work / f"run-{attempt}.log").open("wb")
    proc = subprocess.Popen(target.command(), cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    proc.log_path = work / f"run-{attempt}.log"
    proc.pause_file = pause_file
    if moment is None:
        proc.wait(timeout=600)
        return "exited", proc
    return wait_for(proc, moment, pause_file), proc


def _kill(target: Target, proc: subprocess.Popen, moment: Moment, work: Path, attempt: int) -> Kill:
    t0 = time.monotonic()
    before = target.before_kill()          # what is committed, read while the process waits
    problems = sigkill(proc)
    proc.pause_file.unlink(missing_ok=True)
    lost_articles, lost_indexed, tail, more = target.after_kill(before)
    committed = len(getattr(before, "articles", {}) or {})
    indexed = len(getattr(before, "indexed", None) or ())
    return Kill(moment.label, moment.phase, committed, indexed, lost_articles, lost_indexed, tail,
                problems + more, time.monotonic() - t0)


def _finished(target: Target, proc: subprocess.Popen, report: Report, echo) -> None:
    report.completed_runs += 1
    report.final_checks += 1
    problems = []
    if proc.returncode != 0:
        problems.append(f"run exited {proc.returncode}: {proc.log_path.read_text(errors='replace')[-1500:]}")
    problems += target.after_finish()
    if problems:
        report.problems += [f"finished run {report.completed_runs}: {p}" for p in problems]
    else:
        report.final_equal += 1
    echo(f"run {report.completed_runs} finished: {'; '.join(problems) or 'equal to the uninterrupted run'}")


# -- command line -----------------------------------------------------------------


def make_target(name: str):
    from tests.reliability import killtargets

    if name == "crawl":
        return killtargets.CrawlTarget()
    if name == "reindex":
        return killtargets.ReindexTarget()
    if name == "worker":
        target = killtargets.worker_target()
        if target is None:
            raise SystemExit("khotin worker is not available yet: the worker target is pending")
        return target
    raise SystemExit(f"unknown process {name!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.killharness", description=__doc__.split("\n")[0])
    parser.add_argument("--process", choices=["crawl", "reindex", "worker"], action="append", required=True)
    parser.add_argument("--kills", type=int, default=int(os.environ.get("KHOTIN_KILLS", DEFAULT_KILLS)))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--work", type=Path, help="working directory (default: a new temporary one)")
    parser.add_argument("--json", type=Path, help="write the reports here")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    import tempfile

    work = args.work or Path(tempfile.mkdtemp(prefix="khotin-kill-"))
    reports = []
    for name in args.process:
        report = run(make_target(name), work / name, args.kills, args.seed,
                     echo=None if args.quiet else lambda s: print(s, flush=True))
        print(report.summary(), flush=True)
        for problem in report.problems:
            print(f"  PROBLEM {problem}")
        reports.append(report)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], ensure_ascii=False, indent=1))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())

