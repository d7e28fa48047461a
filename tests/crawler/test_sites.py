import pytest

from crawler.sites import (
    SitesError,
    load_sites,
    parse_duration,
    parse_sites,
    save_sites,
    select_sites,
)

MINIMAL = """
[[site]]
name = "maison"
start_urls = ["https://maison.sonla.gov.vn/"]
"""


def test_minimal_site_gets_defaults():
    (site,) = parse_sites(MINIMAL)
    assert site.domains == ["maison.sonla.gov.vn"]
    assert site.profile is None and site.recrawl_interval is None


def test_full_site_round_trips_through_save(tmp_path):
    text = MINIMAL + """title = "Cổng TTĐT huyện Mai Sơn"
allowed_domains = ["maison.sonla.gov.vn"]
feeds = ["https://maison.sonla.gov.vn/rss"]
sitemaps = ["https://maison.sonla.gov.vn/sitemap.xml"]
include = ['/tin-']
exclude = ['\\\\?print=1']
delay_seconds = 2
max_pages = 500
recrawl_every = "7d"
[site.selectors]
title = "h1.title"
"""
    sites = parse_sites(text)
    assert sites[0].url_filtered("https://maison.sonla.gov.vn/tin-tuc/a?print=1")
    assert not sites[0].url_filtered("https://maison.sonla.gov.vn/tin-tuc/a")
    assert sites[0].url_filtered("https://maison.sonla.gov.vn/lien-he")
    path = tmp_path / "sites.toml"
    save_sites(path, sites)
    again = load_sites(path)
    assert again[0].to_dict() == sites[0].to_dict()
    assert again[0].profile == {"title": "h1.title"}
    assert again[0].recrawl_interval.days == 7
    assert not list(tmp_path.glob(".sites-*"))  # no temp file left behind


@pytest.mark.parametrize("text, message", [
    ("[[site]]\nstart_urls = ['https://x.vn/']\n", "name"),
    ("[[site]]\nname = 'x'\n", "start_urls: missing"),
    ("[[site]]\nname = 'x'\nstart_urls = ['ftp://x.vn/']\n", "not an http(s) URL"),
    ("[[site]]\nname = 'x'\nstart_urls = ['https://x.vn/']\ndelay = 2\n", "unknown field 'delay'"),
    ("[[site]]\nname = 'x'\nstart_urls = ['https://x.vn/']\nrecrawl_every = 'weekly'\n", "recrawl_every"),
    ("[[site]]\nname = 'x'\nstart_urls = ['https://x.vn/']\nexclude = ['(']\n", "bad regular expression"),
    ("[[site]]\nname = 'x'\nstart_urls = ['https://x.vn/']\nmax_pages = 0\n", "max_pages"),
    ("[[site]]\nname = 'x'\nstart_urls = ['https://x.vn/']\n[[site]]\nname = 'x'\n"
     "start_urls = ['https://y.vn/']\n", "used twice"),
    ("[[site]\nname = 'x'\n", "sites.toml"),
])
def test_errors_name_file_site_and_field(text, message):
    with pytest.raises(SitesError) as err:
        parse_sites(text, "sites.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("sites.toml")


def test_missing_file_and_unknown_site(tmp_path):
    with pytest.raises(SitesError, match="no such sites file"):
        load_sites(tmp_path / "nope.toml")
    sites = parse_sites(MINIMAL)
    with pytest.raises(SitesError, match="unknown site 'mocchau'"):
        select_sites(sites, ["mocchau"])
    assert select_sites(sites, []) == sites


def test_save_refuses_invalid_sites_and_keeps_old_file(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(SitesError):
        save_sites(path, [{"name": "bad name!", "start_urls": ["https://x.vn/"]}])
    assert path.read_text(encoding="utf-8") == MINIMAL


def test_durations():
    assert parse_duration("12h").total_seconds() == 43200
    assert parse_duration("30m").total_seconds() == 1800
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_example_file_loads():
    from pathlib import Path
    example = Path(__file__).resolve().parents[2] / "crawler" / "examples" / "sites-sonla.toml"
    sites = load_sites(example)
    assert len(sites) >= 11
    assert all(s.start_urls[0].endswith(".sonla.gov.vn/") for s in sites)
