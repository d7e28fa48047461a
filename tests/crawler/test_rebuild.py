"""The catalog rebuilt from the WARC files alone equals the crawled one."""

from __future__ import annotations

import shutil

from crawler.catalog import Catalog
from crawler.engine import crawl
from crawler.rebuild import rebuild_catalog
from crawler.sites import parse_sites
from khotin.cli import main
from khotin.fixtures.server import FixtureServer
from khotin.paths import DataDir

from .crawl_helpers import LOOPBACK, loopback_settings


def snapshot(data: DataDir):
    with Catalog(data.catalog) as cat:
        arts = {r["id"]: (r["canonical_url"], r["content_hash"], r["warc_file"], r["warc_offset"])
                for r in cat.conn.execute("SELECT * FROM articles")}
        caps = sorted((r["url"], r["record_type"], r["warc_file"], r["warc_offset"], r["article_id"])
                      for r in cat.conn.execute("SELECT * FROM captures"))
    return arts, caps


def test_rebuild_from_archive_matches_the_crawl(tmp_path, capsys):
    with FixtureServer(portals=["liferay", "sharepoint"], articles_per_portal=6, hazard_portal="none") as srv:
        data = DataDir.of(tmp_path / "data").ensure()
        data.sites.write_text(srv.sites_toml(), encoding="utf-8")
        settings = loopback_settings(data.root)
        sites = parse_sites(srv.sites_toml())
        crawl(data, settings, sites)
        crawl(data, settings, sites)          # a recrawl adds revisit records
        arts, caps = snapshot(data)
        assert any(c[1] == "revisit" for c in caps)

        # only the archive (and sites.toml) survive: a new data directory
        fresh = DataDir.of(tmp_path / "fresh").ensure()
        shutil.copytree(data.warc, fresh.warc, dirs_exist_ok=True)
        shutil.copy(data.sites, fresh.sites)
        data = fresh
        settings = loopback_settings(data.root)
        progress = []
        stats = rebuild_catalog(data, settings, progress=lambda done, total: progress.append((done, total)))
        assert stats.errors == [] and stats.new == len(arts) and stats.deleted == 0
        assert progress and progress[-1][0] == progress[-1][1]
        arts2, caps2 = snapshot(data)
        assert arts2 == arts
        assert caps2 == caps

        # the validators came back too: the next crawl is incremental
        start = len(srv.request_log)
        report = crawl(data, settings, sites)
        statuses = [r.status for r in srv.request_log[start:]]
        assert report.new == 0 and report.changed == 0
        assert statuses.count(304) > len(arts)

    # and through the command the lead wires up
    assert main(["--data-dir", str(data.root), *[f"--set={k}={v}" for k, v in LOOPBACK.items()],
                 "reindex", "--from-archive"]) == 0
    assert f"index rebuilt: {len(arts)} documents" in capsys.readouterr().out


def test_rebuild_drops_articles_the_archive_no_longer_yields(tmp_path):
    with FixtureServer(portals=["wordpress"], articles_per_portal=4, hazard_portal="none") as srv:
        data = DataDir.of(tmp_path / "data").ensure()
        settings = loopback_settings(data.root)
        crawl(data, settings, parse_sites(srv.sites_toml()))
    arts, _ = snapshot(data)

    def nothing_is_an_article(content, url, headers=None, profile=None):
        from crawler.extract import extract
        ex = extract(content, url, headers=headers, profile=profile)
        ex.is_article = False
        return ex

    stats = rebuild_catalog(data, settings, extract=nothing_is_an_article)
    assert stats.deleted == len(arts) and stats.new == 0
    with Catalog(data.catalog) as cat:
        assert cat.count() == 0
        assert cat.conn.execute("SELECT count(*) FROM changes WHERE op = 'delete'").fetchone()[0] == len(arts)
