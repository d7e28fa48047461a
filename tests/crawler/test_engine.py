"""A full crawl of every fixture portal, checked against what the server knows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.catalog import Catalog
from crawler.engine import crawl
from crawler.sites import parse_sites
from crawler.urls import canonicalize, host_in_domains
from crawler.warc import warc_files
from khotin.fixtures.server import FixtureServer
from khotin.paths import DataDir

from .crawl_helpers import loopback_settings


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("fullcrawl")
    with FixtureServer() as srv:
        data = DataDir.of(root / "data").ensure()
        sites = parse_sites(srv.sites_toml())
        progress = []
        report = crawl(data, loopback_settings(data.root), sites, on_progress=progress.append)
        yield srv, data, report, sites, progress


def articles_by_site(data: DataDir) -> dict[str, list[tuple[str, str]]]:
    with Catalog(data.catalog) as cat:
        out: dict[str, list[tuple[str, str]]] = {}
        for row in cat.conn.execute("SELECT site, canonical_url, id FROM articles"):
            out.setdefault(row["site"], []).append((row["canonical_url"], row["id"]))
        return out


def test_every_expected_article_archived_exactly_once(crawled):
    srv, data, report, _sites, _ = crawled
    got = articles_by_site(data)
    for name in srv.portals:
        expected = {canonicalize(u) for u in srv.expected_articles(name)}
        urls = [u for u, _ in got.get(name, [])]
        assert len(urls) == len(set(urls)), name
        assert expected <= set(urls), (name, sorted(expected - set(urls))[:5])
    assert report.new == sum(len(v) for v in got.values())
    assert all(r.complete for r in report.sites.values())


def test_no_other_page_stored_as_an_article(crawled):
    """Precision: listings must not enter the catalog (decided by the extractor's is_article)."""
    srv, data, _report, _sites, _ = crawled
    got = articles_by_site(data)
    extra = {name: sorted({u for u, _ in got.get(name, [])} - {canonicalize(u) for u in srv.expected_articles(name)})
             for name in srv.portals}
    assert not any(extra.values()), {k: v[:3] for k, v in extra.items() if v}


def test_nothing_outside_scope(crawled):
    srv, data, _report, sites, _ = crawled
    scopes = {s.name: s.domains for s in sites}
    with Catalog(data.catalog) as cat:
        rows = cat.conn.execute("SELECT site, url FROM frontier").fetchall()
        captured = [r["url"] for r in cat.conn.execute("SELECT url FROM captures")]
    assert rows and all(host_in_domains(r["url"], scopes[r["site"]]) for r in rows)
    assert not [u for u in captured if "example.invalid" in u]
    bases = {p.base_url.rstrip("/") for p in srv.portals.values()}
    assert all(any(u.startswith(b) for b in bases) for u in captured)


def test_zero_requests_to_robots_forbidden_paths(crawled):
    srv, _data, report, _sites, _ = crawled
    for name in srv.portals:
        forbidden = srv.forbidden_paths(name)
        bad = [r.path for r in srv.requests_for(name) if any(r.path.startswith(f) for f in forbidden)]
        assert bad == [], name
    assert report.robots > 0  # the hazard portal links into a disallowed section


def test_crawl_delay_respected(crawled):
    srv, _data, _report, _sites, _ = crawled
    delayed = [p for p in srv.portals.values() if p.site.platform.crawl_delay]
    assert delayed, "the fixture has a portal with Crawl-delay"
    for portal in delayed:
        times = sorted(r.time for r in srv.requests_for(portal.name))
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert len(gaps) > 10 and min(gaps) >= portal.site.platform.crawl_delay * 0.95


def test_no_url_requested_twice(crawled):
    srv, _data, _report, _sites, _ = crawled
    for name in srv.portals:
        seen = [(r.path, r.query) for r in srv.requests_for(name) if r.status not in (503,)]
        dupes = {k for k in seen if seen.count(k) > 1}
        assert not dupes, (name, sorted(dupes)[:5])


def test_hazards_behave(crawled):
    srv, data, report, _sites, _ = crawled
    errors = report.errors
    assert errors["redirect_loop"] == 1
    assert errors["too_large"] == 1
    assert errors["http_404"] >= len(srv.portals)  # one removed article linked from every portal
    hazard = srv.portals["slugid"]
    log = srv.requests_for("slugid")
    flaky = [r for r in log if r.status == 503]
    assert flaky, "the 503 page was requested"
    retried = [r for r in log if r.path == flaky[0].path and r.status == 200]
    assert retried and retried[0].time - flaky[0].time >= 0.95  # Retry-After: 1 honoured
    big = [r for r in log if r.path == "/tai-lieu/bao-cao-toan-van.html"]
    assert big and big[0].bytes_sent < 11_000_000  # not downloaded past the limit
    with Catalog(data.catalog) as cat:
        statuses = {r["status"] for r in cat.conn.execute(
            "SELECT status FROM captures WHERE url LIKE ?", (hazard.base_url + "%",))}
    assert {200, 301, 302, 503, 404} <= statuses  # every hop and failed attempt is archived


def test_progress_reported_for_each_url(crawled):
    _srv, _data, report, _sites, progress = crawled
    assert len(progress) == report.fetched + report.robots
    assert {p.outcome for p in progress} >= {"new", "listing", "robots"}


def test_archive_is_valid_and_catalog_points_into_it(crawled):
    _srv, data, _report, _sites, _ = crawled
    files = warc_files(data.warc)
    warcio = str(Path(sys.executable).with_name("warcio"))
    for cmd in ("check", "index"):
        proc = subprocess.run([warcio, cmd, *map(str, files)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    with Catalog(data.catalog) as cat:
        sample = cat.conn.execute("SELECT url, warc_file, warc_offset, warc_length, id FROM articles "
                                  "ORDER BY id LIMIT 20").fetchall()
        for row in sample:
            with (data.warc / row["warc_file"]).open("rb") as fh:
                fh.seek(row["warc_offset"])
                rec = next(iter(ArchiveIterator(fh)))
                assert rec.rec_type == "response"
                assert rec.rec_headers.get_header("WARC-Target-URI") == row["url"]
                assert b"<html" in rec.content_stream().read().lower()
            caps = cat.captures_for(row["id"])
            assert caps and caps[0].warc_offset == row["warc_offset"]
