"""``khotin crawl`` end to end: summary, index kept in step, errors, Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.catalog import Catalog
from khotin.cli import main
from khotin.fixtures.server import FixtureServer
from khotin.paths import DataDir

ROOT = Path(__file__).resolve().parents[2]
LOOP = ["--set", "allow_private_addresses=true", "--set", "loopback_delay_seconds=0"]


@pytest.fixture(scope="module")
def server():
    with FixtureServer(portals=["nukeviet", "wordpress"], articles_per_portal=6, hazard_portal="none") as srv:
        yield srv


def test_crawl_then_search_finds_the_articles(server, tmp_path, capsys):
    sites = tmp_path / "sites.toml"
    sites.write_text(server.sites_toml(), encoding="utf-8")
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), *LOOP, "crawl", "--sites", str(sites)]) == 0
    out = capsys.readouterr().out
    assert "pages fetched:" in out and "skipped by robots.txt:" in out and "errors:" in out
    with Catalog(DataDir.of(data).catalog) as cat:
        n = cat.count()
        title = cat.conn.execute("SELECT title FROM articles ORDER BY id LIMIT 1").fetchone()[0]
        assert cat.last_crawls().keys() == {"nukeviet", "wordpress"}
    assert f"articles: {n} new" in out
    assert main(["--data-dir", str(data), "search", "--json", title]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total"] >= 1 and any(r["title"] == title for r in result["results"])
    # a second crawl changes nothing
    assert main(["--data-dir", str(data), *LOOP, "crawl", "--sites", str(sites), "--site", "wordpress"]) == 0
    assert "articles: 0 new, 0 changed" in capsys.readouterr().out


def test_sites_file_from_the_data_directory_and_bad_input(server, tmp_path, capsys):
    data = DataDir.of(tmp_path / "data").ensure()
    assert main(["--data-dir", str(data.root), *LOOP, "crawl"]) == 2
    assert "no such sites file" in capsys.readouterr().err
    data.sites.write_text("[[site]]\nname = 'x'\nstart_urls = 'not a url'\n", encoding="utf-8")
    assert main(["--data-dir", str(data.root), *LOOP, "crawl"]) == 2
    err = capsys.readouterr().err
    assert str(data.sites) in err and "start_urls" in err
    data.sites.write_text(server.sites_toml(), encoding="utf-8")
    assert main(["--data-dir", str(data.root), *LOOP, "crawl", "--site", "nope"]) == 2
    assert "unknown site 'nope'" in capsys.readouterr().err
    assert main(["--data-dir", str(data.root), *LOOP, "crawl", "--site", "nukeviet", "--max-pages", "3",
                 "--delay", "0"]) == 0
    assert "pages fetched: 3" in capsys.readouterr().out


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_the_next_crawl_continues(tmp_path):
    with FixtureServer(portals=["nukeviet", "liferay"], articles_per_portal=10, hazard_portal="none") as srv:
        sites = tmp_path / "sites.toml"
        sites.write_text(srv.sites_toml(), encoding="utf-8")
        cmd = [sys.executable, "-m", "khotin", "--data-dir", str(tmp_path / "d"), *LOOP,
               "--set", "loopback_delay_seconds=0.05", "crawl", "--sites", str(sites)]
        start = len(srv.request_log)
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while len(srv.request_log) - start < 25:
            assert proc.poll() is None
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert "interrupted" in out and "Traceback" not in err
        middle = len(srv.request_log)
        first = [(r.portal, r.path, r.query) for r in srv.request_log[start:middle] if r.path != "/robots.txt"]
        again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        second = [(r.portal, r.path, r.query) for r in srv.request_log[middle:] if r.path != "/robots.txt"]
        assert not set(first) & set(second), sorted(set(first) & set(second))
        with Catalog(DataDir.of(tmp_path / "d").catalog) as cat:
            assert cat.count() >= 20
