"""``khotin serve --workers N``: processes sharing one port, supervised by the parent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.webui.webui_data import REPO, free_port

pytestmark = pytest.mark.slow


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).ok
    except requests.ConnectionError:
        return False


def test_workers_share_the_port_and_are_replaced_when_they_die(webdata):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "khotin", "--data-dir", str(webdata.data.root),
                             "serve", "--port", str(port), "--workers", "2", "--no-worker"],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: healthy(base) and len(children(proc.pid)) == 2)
        first = children(proc.pid)
        for _ in range(20):
            assert requests.get(base + "/api/search?q=mai+son", timeout=10).json()["total"] > 0
        os.kill(first[0], signal.SIGKILL)
        assert wait_for(lambda: len(children(proc.pid)) == 2 and first[0] not in children(proc.pid))
        assert wait_for(lambda: healthy(base))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
        output = proc.stdout.read().decode()
        assert "2 process(es)" in output and "2 worker processes" in output
        assert not healthy(base)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_refuses_bad_options(webdata):
    for args in (["--port", "70000"], ["--workers", "0"]):
        result = subprocess.run([sys.executable, "-m", "khotin", "--data-dir", str(webdata.data.root),
                                 "serve", *args], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert result.stderr.startswith("khotin: --") and "Traceback" not in result.stderr


def test_serve_reports_a_busy_port(webdata):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        for workers in ("1", "2"):
            result = subprocess.run([sys.executable, "-m", "khotin", "--data-dir", str(webdata.data.root),
                                     "serve", "--port", str(port), "--workers", workers], cwd=REPO,
                                    env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                                    text=True, timeout=60)
            assert result.returncode == 2, result.stderr
            assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_single_process_stops_cleanly(webdata, signum):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "khotin", "--data-dir", str(webdata.data.root),
                             "serve", "--port", str(port)], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: healthy(base))
        proc.send_signal(signum)
        assert proc.wait(15) == 0
        output = proc.stdout.read().decode()
        assert "Traceback" not in output and "1 process(es) x 8 threads" in output
    finally:
        if proc.poll() is None:
            proc.kill()
