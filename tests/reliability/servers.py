"""``khotin serve`` as a subprocess, plus what the soak measures about it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.reliability.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """``python -m khotin serve`` on a free loopback port; a context manager."""

    def __init__(self, data_root: Path, log: Path, env: dict[str, str] | None = None, *args: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        cmd = [sys.executable, "-m", "khotin", "--data-dir", str(data_root), "serve",
               "--host", "127.0.0.1", "--port", str(self.port), *args]
        if _has_option("serve", "--no-worker"):
            cmd.append("--no-worker")  # the admin issue starts a worker by default; not wanted here
        with log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                                         stdout=out, stderr=subprocess.STDOUT)

    def __enter__(self) -> Serve:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.base + "/healthz", timeout=5).ok:
                    return self
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"khotin serve did not start: {self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def fds(self) -> int:
        """Open file descriptors of the server process."""
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


_HELP: dict[str, str] = {}


def _has_option(command: str, option: str) -> bool:
    if command not in _HELP:
        done = subprocess.run([sys.executable, "-m", "khotin", command, "--help"], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
        _HELP[command] = done.stdout
    return option in _HELP[command]
