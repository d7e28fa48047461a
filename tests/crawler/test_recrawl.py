"""Incremental recrawl: conditional GET, pagination stops early, only changes fetched in full."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from crawler.catalog import Catalog
from crawler.engine import crawl
from crawler.sites import parse_sites
from crawler.urls import canonicalize, page_number
from khotin.fixtures.server import FixtureServer
from khotin.paths import DataDir

from .crawl_helpers import loopback_settings

PORTALS = ["nukeviet", "wordpress", "liferay"]


def url_of(srv, req) -> str:
    base = srv.portals[req.portal].base_url.rstrip("/")
    return canonicalize(base + req.path + (f"?{req.query}" if req.query else ""))


def srv_portal(srv, url: str) -> str:
    return next(name for name, p in srv.portals.items() if url.startswith(p.base_url))


def bodies(srv, urls) -> dict[str, bytes]:
    """What the server would send for each URL now (gzip aside)."""
    out = {}
    for url in urls:
        parts = urlsplit(url)
        out[url] = srv.portals[srv_portal(srv, url)].site.resolve(parts.path, parts.query).body
    return out


@pytest.fixture(scope="module")
def server():
    with FixtureServer(portals=PORTALS, articles_per_portal=30, hazard_portal="none") as srv:
        yield srv


def test_recrawl_transfers_little_and_fetches_only_changes(server, tmp_path):
    srv = server
    data = DataDir.of(tmp_path / "data").ensure()
    settings = loopback_settings(data.root, index_commit_every=10)
    sites = parse_sites(srv.sites_toml())
    index_calls = []

    first_start = len(srv.request_log)
    r1 = crawl(data, settings, sites, on_index=lambda: index_calls.append(1))
    first = srv.request_log[first_start:]
    expected = set().union(*({canonicalize(u) for u in srv.expected_articles(n)} for n in PORTALS))
    with Catalog(data.catalog) as cat:
        stored = {r[0] for r in cat.conn.execute("SELECT url FROM articles")}
    assert expected <= stored and r1.new == len(stored)
    assert all(s.complete for s in r1.sites.values())
    assert len(index_calls) >= len(stored) // 10 - 1

    # nothing changed: every known page answers 304 and far fewer bytes move
    second_start = len(srv.request_log)
    r2 = crawl(data, settings, sites)
    second = srv.request_log[second_start:]
    bytes1 = sum(r.bytes_sent for r in first)
    bytes2 = sum(r.bytes_sent for r in second)
    assert bytes2 < 0.10 * bytes1, (bytes1, bytes2)
    assert (r2.new, r2.changed) == (0, 0) and r2.unchanged == len(stored)
    article_requests = [r for r in second if url_of(srv, r) in stored]
    assert len(article_requests) == len(stored)
    assert {r.status for r in article_requests} == {304}
    assert not [r for r in second if page_number(url_of(srv, r)) not in (None, 1)]  # no pagination walked
    assert all("If-None-Match" in r.headers or "If-Modified-Since" in r.headers
               for r in article_requests)

    # one article added, one changed: only pages whose bytes changed are fetched in full
    # (NukeViet pages carry a "Tin mới" box and a visitor counter, so all of its
    # article pages change when an article is published; elsewhere only the two do)
    old_bodies = bodies(srv, stored)
    added = srv.add_article("nukeviet")
    changed = sorted(srv.expected_articles("wordpress"))[3]
    srv.change_article("wordpress", changed)
    new_bodies = bodies(srv, stored)
    modified = {u for u in stored if old_bodies[u] != new_bodies[u]}
    assert canonicalize(changed) in modified
    with Catalog(data.catalog) as cat:
        before = cat.find_by_url(canonicalize(changed))
    third_start = len(srv.request_log)
    r3 = crawl(data, settings, sites)
    third = srv.request_log[third_start:]
    full = {url_of(srv, r) for r in third if r.status == 200}
    expected3 = set().union(*({canonicalize(u) for u in srv.expected_articles(n)} for n in PORTALS))
    assert full & expected3 == modified | {canonicalize(added)}
    assert not [u for u in modified if "wordpress" not in srv_portal(srv, u) and "nukeviet" not in srv_portal(srv, u)]
    assert (r3.new, r3.changed) == (1, 1)
    assert r3.unchanged == len(stored) - 1
    # listings walked newest first: page 2 shows only known articles, so the walk stops
    # there; a page that did not exist before (the listing grew) is fetched once
    before_urls = {url_of(srv, r) for r in first}
    walked = {url_of(srv, r) for r in third if (page_number(url_of(srv, r)) or 1) > 1}
    assert walked and all(page_number(u) == 2 or u not in before_urls for u in walked), sorted(walked)
    with Catalog(data.catalog) as cat:
        after = cat.find_by_url(canonicalize(changed))
        assert after.content_hash != before.content_hash
        captures = cat.captures_for(after.id)
        assert len([c for c in captures if c.record_type == "response"]) == 2  # old version kept
        assert len([c for c in captures if c.record_type == "revisit"]) == 1   # the 304 in between
        assert cat.find_by_url(canonicalize(added)) is not None
