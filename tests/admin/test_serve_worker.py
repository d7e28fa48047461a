"""``khotin serve`` starts the job worker, restarts it when it dies, and stops it on exit."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from khotin import jobs
from tests.admin.admin_helpers import REPO, env, free_port, khotin_args, wait_for

pytestmark = pytest.mark.slow


def worker_children(pid: int) -> list[int]:
    """Worker processes whose parent is ``pid`` (started by any of its threads)."""
    found: list[str] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += (task / "children").read_text().split()
        except OSError:
            continue
    out = []
    for child in found:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in cmdline:
            out.append(int(child))
    return out


def serve(data, *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([*khotin_args(data), "serve", "--port", str(port), *extra], cwd=REPO, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(base + "/healthz", timeout=2).ok
        except requests.ConnectionError:
            assert proc.poll() is None, proc.stdout.read().decode()
            return False

    wait_for(up, timeout=30)
    return proc, base


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_starts_restarts_and_stops_the_worker(data, workers):
    proc, _ = serve(data, "--workers", workers)
    try:
        first = wait_for(lambda: worker_children(proc.pid), timeout=20)[0]
        conn = jobs.connect(data.catalog)
        info = wait_for(lambda: (i := jobs.worker_info(conn)) and i["alive"] and i, timeout=20)
        assert info["pid"] == first
        os.kill(first, signal.SIGKILL)  # a crashed worker is replaced
        second = wait_for(lambda: [p for p in worker_children(proc.pid) if p != first], timeout=20)[0]
        wait_for(lambda: (i := jobs.worker_info(conn)) and i["pid"] == second, timeout=20)
        conn.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
        output = proc.stdout.read().decode()
        assert "job worker started" in output and "the worker exited" in output and "Traceback" not in output
        time.sleep(0.2)
        assert not jobs.pid_alive(second)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_no_worker_option_and_setting(data):
    for extra in (["--no-worker"], []):
        args = list(extra)
        if not extra:
            (data.root / "khotin.toml").write_text("[settings]\nworker = false\n", encoding="utf-8")
        proc, _ = serve(data, *args)
        try:
            time.sleep(1.0)
            assert worker_children(proc.pid) == []
            proc.send_signal(signal.SIGINT)
            assert proc.wait(20) == 0
            assert "job worker started" not in proc.stdout.read().decode()
        finally:
            if proc.poll() is None:
                proc.kill()


def test_worker_exits_when_serve_is_killed(data):
    proc, _ = serve(data)
    worker = None
    try:
        worker = wait_for(lambda: worker_children(proc.pid), timeout=20)[0]
        proc.kill()  # SIGKILL: no chance to stop the worker itself
        proc.wait()
        wait_for(lambda: not jobs.pid_alive(worker), timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        if worker is not None and jobs.pid_alive(worker):  # never leave an orphan behind
            os.kill(worker, signal.SIGKILL)
