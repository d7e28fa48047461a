"""``khotin worker`` as a child of ``khotin serve``: started, restarted, stopped.

The worker is a separate process (``python -m khotin … worker``), not a
thread of the web server: crawls are CPU- and I/O-heavy, they must never run
inside a web request, and a worker killed by the kernel must not take the
web server with it.  The child is started with ``--exit-with-parent`` so it
stops if the server is SIGKILLed.

Restart policy: a worker that dies is started again at once, unless it died
within :data:`QUICK_DEATH` seconds of starting :data:`MAX_QUICK_DEATHS`
times in a row (a crash loop: announced, then left stopped), or it exited
because another worker already serves the data directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

from khotin.worker import EXIT_LOCKED

QUICK_DEATH = 10.0
MAX_QUICK_DEATHS = 3
STOP_TIMEOUT = 30.0


class WorkerProcess:
    def __init__(self, cli_args: Sequence[str], announce: Callable[[str], None] = print):
        self.command = [sys.executable, "-m", "khotin", *cli_args, "worker",
                        "--exit-with-parent", str(os.getpid())]
        self.announce = announce
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.quick_deaths = 0
        self.stopping = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> WorkerProcess:
        with self._lock:
            self.proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL)
            self.started = time.monotonic()
        return self

    def supervise(self) -> None:
        """Single-process server: a thread waits on the worker and restarts it."""
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self.stopping:
            proc = self.proc
            if proc is None:
                return
            try:
                status = proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
            if not self.exited(status):
                return

    def owns(self, pid: int) -> bool:
        return self.proc is not None and self.proc.pid == pid

    def reaped(self, wait_status: int) -> None:
        """Multi-process server: its ``os.wait()`` loop reaped the worker."""
        if self.proc is not None:
            self.proc.returncode = os.waitstatus_to_exitcode(wait_status)
            self.exited(self.proc.returncode)

    def exited(self, code: int) -> bool:
        """React to the worker's exit; True if a new one was started."""
        if self.stopping:
            return False
        if code == EXIT_LOCKED:
            self.announce("another worker already runs for this data directory; not starting one")
            return False
        lived = time.monotonic() - self.started
        self.quick_deaths = self.quick_deaths + 1 if lived < QUICK_DEATH else 0
        if self.quick_deaths >= MAX_QUICK_DEATHS:
            self.announce(f"the worker keeps dying at start (last exit status {code}); not restarting it "
                          "(see DATA_DIR/logs/worker.log)")
            return False
        self.announce(f"the worker exited (status {code}); starting a new one")
        self.start()
        return True

    def terminate(self) -> None:
        """Ask the worker to stop (signal-handler safe; does not wait)."""
        self.stopping = True
        proc = self.proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the worker: SIGTERM (its job goes back to the queue), SIGKILL after ``timeout``."""
        self.terminate()
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        except ChildProcessError:  # already reaped by a wait() loop
            pass
