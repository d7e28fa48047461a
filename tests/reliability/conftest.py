"""Shared knobs and helpers of the reliability suite.

Sizes come from the environment so CI runs small and the recorded run runs
full (``docs/reliability.md``)::

    KHOTIN_KILLS          kills per process             (CI default 5, recorded 30)
    KHOTIN_SOAK_SECONDS   concurrency soak duration     (CI default 15, recorded 60)
    KHOTIN_FUZZ_EXAMPLES  hypothesis examples per test  (see each fuzz module)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


KILLS = env_int("KHOTIN_KILLS", 5)
SOAK_SECONDS = env_int("KHOTIN_SOAK_SECONDS", 15)


def khotin_cmd(data_root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "khotin", "--data-dir", str(data_root), *args]


class PausedRun:
    """A khotin subprocess that stops at pause points (``khotin/testpause.py``).

    ``at`` is ``"phase"``, ``"phase:N"`` or several of them joined by commas.
    ``wait()`` until it stops at one, then ``resume()`` (it goes on to the
    next), ``release()`` (resume and wait for the exit) or ``kill()`` it.
    """

    def __init__(self, cmd: list[str], at: str, tmp: Path, env: dict | None = None):
        tag = at.replace(":", "-").replace(",", "+")
        self.pause_file = tmp / f"pause-{tag}-{time.monotonic_ns()}"
        full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {}),
                    "KHOTIN_TEST_PAUSE_AT": at, "KHOTIN_TEST_PAUSE_FILE": str(self.pause_file)}
        self.log = tmp / f"{tag}-{time.monotonic_ns()}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=out, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 60) -> str:
        """Block until the process stops at a pause point; returns the phase."""
        deadline = time.monotonic() + timeout
        while not self.pause_file.exists():
            if self.proc.poll() is not None:
                raise AssertionError(f"exited {self.proc.returncode} before pausing: {self.output()[-2000:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError("did not reach the pause point")
            time.sleep(0.005)
        return self.pause_file.read_text().split()[0]

    def resume(self) -> None:
        self.pause_file.unlink(missing_ok=True)

    def release(self, timeout: float = 120) -> int:
        self.resume()
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.pause_file.unlink(missing_ok=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def paused_runs():
    """Make PausedRun objects that are killed at the end of the test whatever happens."""
    runs: list[PausedRun] = []

    def make(*args, **kwargs) -> PausedRun:
        run = PausedRun(*args, **kwargs)
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.kill()


# -- the hostile portal, crawled once per session (test_hostile_*.py) ----------------------


class HostileCrawl:
    """A ``khotin crawl`` subprocess of the hostile portal and what it cost."""

    def __init__(self, portal, root: Path):
        from khotin.paths import DataDir

        self.portal = portal
        self.root = root
        self.data = DataDir.of(root / "data")
        self.sites = root / "sites.toml"
        self.sites.write_text(portal.sites_toml(max_pages=60), encoding="utf-8")

    def run(self) -> dict:
        """One crawl; returns exit status, output, seconds, peak RSS (MB) and requests made."""
        start = len(self.portal.requests)
        cmd = khotin_cmd(self.data.root, "--set", "allow_private_addresses=true", "--set",
                         "loopback_delay_seconds=0", "crawl", "--sites", str(self.sites))
        t0 = time.monotonic()
        log = self.root / f"crawl-{start}.log"
        peak = 0
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                    stdout=out, stderr=subprocess.STDOUT)
            while proc.poll() is None:
                peak = max(peak, high_water_kb(proc.pid))
                time.sleep(0.02)
        return {"returncode": proc.returncode, "output": log.read_text(errors="replace"),
                "seconds": time.monotonic() - t0, "peak_mb": peak / 1024,
                "requests": self.portal.requests[start:]}


def high_water_kb(pid: int) -> int:
    """Peak RSS of ``pid``'s program (VmHWM, kB).

    Not ``wait4``'s ``ru_maxrss``: that one also counts the memory of the
    forking parent (pytest) the child had before ``exec``.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """The hostile portal after one bounded crawl of it (the crawl's figures in ``.first``)."""
    from khotin.fixtures.hostile import HostilePortal

    with HostilePortal() as portal:
        crawl = HostileCrawl(portal, tmp_path_factory.mktemp("hostile"))
        crawl.first = crawl.run()
        yield crawl
