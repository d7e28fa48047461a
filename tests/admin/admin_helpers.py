"""Helpers for the admin tests: apps over fresh data directories, signed-in clients, workers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from khotin import accounts
from khotin.paths import DataDir
from khotin.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "mật-khẩu-đủ-dài"
#: Settings for crawling loopback fixture portals fast, as the demo does.
LOOPBACK = {"allow_private_addresses": "true", "loopback_delay_seconds": "0", "refresh_seconds": "0"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def settings_for(data: DataDir, **overrides) -> Settings:
    return load_settings(data.root, {**LOOPBACK, **{k: str(v) for k, v in overrides.items()}}, environ={})


def add_user(data: DataDir, name: str = "alice", password: str = PASSWORD) -> accounts.User:
    conn = accounts.connect(data.catalog)
    try:
        return accounts.add_user(conn, name, password)
    finally:
        conn.close()


def new_token(data: DataDir, name: str = "alice") -> tuple[int, str]:
    conn = accounts.connect(data.catalog)
    try:
        return accounts.new_token(conn, name)
    finally:
        conn.close()


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client, name: str = "alice", password: str = PASSWORD, next_url: str = ""):
    """Sign in through the form; returns the POST response (a redirect when it worked)."""
    page = client.get("/admin/login")
    return client.post("/admin/login", data={"name": name, "password": password, "next": next_url,
                                             "csrf_token": csrf_from(page.get_data(as_text=True))})


def page_csrf(client, path: str = "/admin") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KHOTIN_")}
    return {**clean, "PYTHONPATH": str(REPO)}


def khotin_args(data: DataDir) -> list[str]:
    out = [sys.executable, "-m", "khotin", "--data-dir", str(data.root)]
    for key, value in LOOPBACK.items():
        out += ["--set", f"{key}={value}"]
    return out


def start_worker(data: DataDir, log: Path, *extra: str) -> subprocess.Popen:
    """A real ``khotin worker`` subprocess on ``data`` (``extra``: more CLI arguments, e.g. --set)."""
    with log.open("ab") as out:
        return subprocess.Popen([*khotin_args(data), *extra, "worker"], cwd=REPO, env=env(),
                                stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll ``predicate`` until it returns something true; that value (fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
