"""SIGKILL at any moment, start again: nothing stored is fetched twice, nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.catalog import Catalog
from crawler.urls import canonicalize
from crawler.warc import warc_files
from khotin.fixtures.server import FixtureServer
from khotin.paths import DataDir

PORTALS = ["slugid", "nukeviet", "liferay"]
ROOT = Path(__file__).resolve().parents[2]


def khotin(data: Path, sites: Path) -> list[str]:
    return [sys.executable, "-m", "khotin", "--data-dir", str(data),
            "--set", "allow_private_addresses=true", "--set", "loopback_delay_seconds=0",
            "--set", "index_commit_every=20", "crawl", "--sites", str(sites)]


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)


def url_of(srv, req) -> str:
    base = srv.portals[req.portal].base_url.rstrip("/")
    return canonicalize(base + req.path + (f"?{req.query}" if req.query else ""))


def stored_urls(data: DataDir) -> set[str]:
    with Catalog(data.catalog, readonly=True) as cat:
        return {r["url"] for r in cat.conn.execute("SELECT DISTINCT url FROM captures")}


def articles(data: DataDir) -> set[tuple[str, str]]:
    with Catalog(data.catalog, readonly=True) as cat:
        return {(r["canonical_url"], r["content_hash"]) for r in
                cat.conn.execute("SELECT canonical_url, content_hash FROM articles")}


@pytest.mark.slow
def test_sigkill_and_resume_equals_an_uninterrupted_crawl(tmp_path):
    with FixtureServer(portals=PORTALS, articles_per_portal=12) as srv:
        sites = tmp_path / "sites.toml"
        sites.write_text(srv.sites_toml(), encoding="utf-8")
        ref = DataDir.of(tmp_path / "ref")
        done = run(khotin(ref.root, sites))
        assert done.returncode == 0, done.stderr[-3000:]
        assert "pages fetched" in done.stdout

        data = DataDir.of(tmp_path / "killed")
        kills = 0
        previous_stored: set[str] = set()
        finished = False
        for kill_after in (10, 45, 90, 150):
            start = len(srv.request_log)
            proc = subprocess.Popen(khotin(data.root, sites), cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while proc.poll() is None and len(srv.request_log) - start < kill_after:
                assert time.monotonic() < deadline
                time.sleep(0.005)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            finished = proc.wait() == 0
            again = {url_of(srv, r) for r in srv.request_log[start:] if not r.path.endswith("/robots.txt")}
            assert not again & previous_stored, sorted(again & previous_stored)[:5]
            previous_stored = stored_urls(data)
            if finished:
                break
        assert kills >= 3

        if not finished:
            start = len(srv.request_log)
            final = run(khotin(data.root, sites))
            assert final.returncode == 0, final.stderr[-3000:]
            again = {url_of(srv, r) for r in srv.request_log[start:] if not r.path.endswith("/robots.txt")}
            assert not again & previous_stored

        assert articles(data) == articles(ref)  # nothing lost, no duplicates, same text
        for name in PORTALS:
            expected = {canonicalize(u) for u in srv.expected_articles(name)}
            assert expected <= {u for u, _ in articles(data)}

        warcio = str(Path(sys.executable).with_name("warcio"))
        check = subprocess.run([warcio, "check", *map(str, warc_files(data.warc))],
                               capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check.stdout[-2000:]

        from index.store import open_index
        ix = open_index(data.index, create_missing=False)
        with ix.searcher() as searcher:
            assert searcher.doc_count() == len(articles(data))


@pytest.mark.slow
def test_killed_crawl_leaves_no_worker_processes(tmp_path):
    with FixtureServer(portals=["nukeviet", "liferay"], articles_per_portal=8) as srv:
        sites = tmp_path / "sites.toml"
        sites.write_text(srv.sites_toml(), encoding="utf-8")
        start = len(srv.request_log)
        proc = subprocess.Popen(khotin(tmp_path / "d", sites), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        while proc.poll() is None and len(srv.request_log) - start < 20:
            time.sleep(0.005)
        children = _children(proc.pid)
        assert children, "extraction workers were running"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in children if _alive(pid)]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
                out += _children(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
