"""The crawler against a hostile portal (``khotin/fixtures/hostile.py``): in scope and bounded.

One real ``khotin crawl`` subprocess of the portal (session fixture
``hostile``) must stay bounded in pages, bytes, memory and time despite a
4 GB gzip bomb, a gzipped sitemap that is a bomb too, endless pagination, a
path trap and a 10 MB robots.txt, and must never follow a script, data or
file URL.  With a resolver hook making the portal look public, redirects
and meta refreshes to loopback, private and metadata addresses are refused
even when the site's own configuration puts them in scope.
"""

from __future__ import annotations

import os
from collections import Counter
from urllib.parse import unquote

import pytest

from crawler import safety
from crawler.catalog import Catalog
from crawler.engine import crawl
from crawler.sites import parse_sites
from crawler.warc import warc_files
from khotin.fixtures.hostile import INTERNAL_TARGETS, SCRIPT_TITLE, HostilePortal
from khotin.paths import DataDir
from khotin.settings import load_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PUBLIC_IP = "93.184.216.34"
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "file:", "ftp:", "mailto:")


def frontier(data: DataDir) -> dict[str, dict]:
    with Catalog(data.catalog, readonly=True) as cat:
        return {r["url"]: dict(r) for r in cat.conn.execute("SELECT * FROM frontier")}


def test_hostile_crawl_is_bounded_in_pages_bytes_memory_and_time(hostile):
    first = hostile.first
    print({k: v for k, v in first.items() if k not in ("output", "requests")})
    assert first["returncode"] == 0, first["output"][-3000:]
    assert "Traceback" not in first["output"]
    assert first["seconds"] < 60                      # a 4 GB bomb inflated would take far longer
    assert first["peak_mb"] < 350                     # ... and 4 GB of memory (measured: about 200 MB)
    paths = [p for p, _ in first["requests"]]
    assert len(paths) <= 60 + 4                       # page budget (+ robots.txt and sitemap probes)
    archived = sum(p.stat().st_size for p in warc_files(hostile.data.warc))
    assert archived < 30_000_000                      # two 4 MB bombs, 0.5 MB of robots.txt, small pages
    counts = Counter(p.split("/")[1] for p in paths)
    assert counts["danh-muc"] + counts["bai"] + counts["bay"] <= 60


def test_hostile_crawl_stays_in_scope_and_follows_no_script_urls(hostile):
    paths = [p for p, _ in hostile.first["requests"]]
    assert not [p for p in paths if p.startswith("/noi-bo/")]       # robots.txt rule and internal pages
    assert "/anh/doc-hai.svg" not in paths                           # media are not crawled
    rows = frontier(hostile.data)
    assert not [u for u in rows if u.lower().startswith(BAD_SCHEMES)]
    assert not [u for u in rows if "script:" in unquote(u).lower()]  # " \x0ejavascript:" is one too
    assert not [u for u in rows if "evil.example" in u]
    assert not [u for u in rows if "root:" in u or "lollol" in u]    # no XXE, no entity expansion
    assert not [p for p in paths if "root:" in p or "lollol" in p]


def test_bombs_are_recorded_as_too_large_not_inflated(hostile):
    rows = frontier(hostile.data)
    bomb = next(r for u, r in rows.items() if u.endswith("/tin/bom"))
    assert bomb["state"] == "done" and bomb["kind"] == "too_large"
    sitemap = next(r for u, r in rows.items() if u.endswith("/sitemap.xml.gz"))
    assert sitemap["state"] == "done" and sitemap["kind"] == "sitemap"
    assert any(u.endswith("/tin/kich-ban") for u in rows)            # the bomb's real content was read


def test_ten_megabyte_robots_txt_is_read_only_to_its_cap(hostile):
    paths = [p for p, _ in hostile.first["requests"]]
    assert paths.count("/robots.txt") == 1
    assert any(p.startswith("/bai/") for p in paths)   # "Disallow: /" past 10 MB was never read
    assert "/noi-bo/chi-muc-chan-boi-robots" not in paths  # "Disallow: /noi-bo/" at the top was obeyed


def test_hostile_text_is_stored_as_text(hostile):
    with Catalog(hostile.data.catalog, readonly=True) as cat:
        articles = {a.url.rsplit("/", 1)[-1]: a for a in cat.iter_articles()}
    script = articles["kich-ban"]
    assert script.title == SCRIPT_TITLE                 # what the page shows, as characters
    assert "<script>alert(1)</script>" in script.body    # escaped text on the page stays text
    assert "document.location" not in script.body and "evil.example" not in script.body
    assert not [a for a in script.attachments if not a.startswith("http")]
    broken = articles["ma-hong"]
    for text in (broken.title, broken.body):
        text.encode("utf-8")                             # no lone surrogates
        assert "\x00" not in text
    assert "Chiềng Mung" in broken.title and "giao" in broken.body


def test_endless_pagination_is_bounded_on_every_crawl(hostile):
    second = hostile.run()
    assert second["returncode"] == 0, second["output"][-2000:]
    paths = [p for p, _ in second["requests"]]
    assert len(paths) <= 60 + 4
    pages = [q for p, q in second["requests"] if p == "/danh-muc"]
    assert pages and all(q.startswith("page=") for q in pages)  # it continued where it stopped
    first_pages = {q for p, q in hostile.first["requests"] if p == "/danh-muc"}
    assert not set(pages) & first_pages                          # nothing fetched twice


@pytest.fixture
def public_portal(monkeypatch):
    """The hostile portal reached as ``localhost``, which the resolver hook calls public."""
    def resolve(host: str, port: int) -> list[str]:
        return [PUBLIC_IP] if host == "localhost" else safety.system_resolver(host, port)

    monkeypatch.setattr(safety, "resolver", resolve)
    with HostilePortal(bomb_gb=0.05, robots_mb=0.01) as portal:
        yield portal


def _crawl_public(portal, root, max_pages=50):
    data = DataDir.of(root / "data").ensure()
    settings = load_settings(data.root, {"allow_private_addresses": "false", "loopback_delay_seconds": "0",
                                         "max_retries": "0"}, environ={})
    report = crawl(data, settings, parse_sites(portal.sites_toml(public=True, max_pages=max_pages)))
    return data, report


def test_public_site_cannot_redirect_or_refresh_into_private_addresses(public_portal, tmp_path, monkeypatch):
    # The portal is really on loopback: relax only the check of the connected address, so
    # what is tested is the refusal of each redirect and refresh target by its URL.
    monkeypatch.setattr(safety, "peer_problem", lambda ip, settings: None)
    data, report = _crawl_public(public_portal, tmp_path)
    paths = public_portal.paths()
    assert report.new >= 3, report.summary_lines()
    assert not [p for p in paths if p.startswith("/noi-bo/")]
    rows = frontier(data)
    for kind in INTERNAL_TARGETS:
        hop = rows[f"{public_portal.public_base}/chuyen-huong/{kind}"]
        assert (hop["state"], hop["error"]) == ("failed", "unsafe_address"), (kind, hop)
    refused = {u for u, r in rows.items() if r["error"] == "unsafe_address" and r["state"] == "failed"}
    for target in public_portal.internal_targets().values():  # meta refresh targets, refused by URL
        assert target in refused, target
    assert report.errors["unsafe_address"] == len(refused) == 2 * len(INTERNAL_TARGETS)


def test_dns_rebinding_to_loopback_is_caught_at_connect(public_portal, tmp_path):
    """The name resolves "public" for the URL check but the connection lands on 127.0.0.1."""
    data, report = _crawl_public(public_portal, tmp_path)
    # robots.txt comes first: its answer is refused, so the site stops with nothing fetched.
    assert report.new == 0 and not report.ok
    assert "robots.txt" in report.sites["hostile"].error
    with Catalog(data.catalog, readonly=True) as cat:
        assert cat.count() == 0
        assert cat.conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 0  # nothing archived
    assert public_portal.paths() == ["/robots.txt"]  # asked (headers only), never read or used


def test_gzip_bomb_fixture_is_a_real_bomb():
    """The fixture is what it claims: a valid gzip stream expanding about 1000 to 1."""
    import zlib

    from khotin.fixtures.hostile import gzip_bomb

    bomb = gzip_bomb(b"<p>", 0x20, 0.05)
    d = zlib.decompressobj(47)
    total = 0
    data = bomb
    while data:
        total += len(d.decompress(data, 1 << 24))
        data = d.unconsumed_tail
    assert d.eof and total == 3 + int(0.05 * 1024) * (1 << 20)
    assert total / len(bomb) > 900
    assert os.environ.get("KHOTIN_TEST_PAUSE_AT") is None
