"""What a fetched response is, and which URLs it leads to.

HTML pages go through the extractor (which returns their links); this
module handles the rest of discovery:

* :func:`sniff` tells HTML, feed (RSS/Atom), sitemap (urlset or index) and
  attachment apart from headers and the first bytes, because portals send
  feeds as ``text/html`` and sitemaps as ``application/octet-stream``;
* :func:`parse_feed` and :func:`parse_sitemap` read item links and sitemap
  locations with lxml, with entity resolution and network access off (no
  XXE) and ``huge_tree`` off;
* :func:`seed_urls` lists where a site's crawl starts: start URLs,
  configured feeds and sitemaps, and the ``/sitemap.xml`` and
  ``/wp-sitemap.xml`` probes (robots.txt ``Sitemap:`` lines are added when
  the robots file is read).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

from .sites import Site
from .urls import origin

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                              huge_tree=False, remove_comments=True, remove_pis=True)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_XML_TYPES = ("text/xml", "application/xml")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body|<meta|<title|<div|<p\b)",
                         re.IGNORECASE | re.DOTALL)
_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(rss|feed|RDF|urlset|sitemapindex)\b")


# -- kinds of URL, before and after fetching ---------------------------------------

# priorities: lower is fetched first within a site
PRIORITY = {"feed": 0, "sitemap": 0, "seed": 1, "listing": 1, "pagination": 1,
            "page": 2, "article": 2, "other": 2, "attachment": 3}


@dataclass(frozen=True)
class Seed:
    url: str
    kind: str          # seed, feed, sitemap
    probe: bool = False  # a guess (/sitemap.xml): a 404 is not an error


def seed_urls(site: Site) -> list[Seed]:
    """Where a crawl of ``site`` starts, in the order they are tried."""
    out: list[Seed] = []
    seen: set[str] = set()

    def add(url: str, kind: str, probe: bool = False) -> None:
        if url not in seen:
            seen.add(url)
            out.append(Seed(url, kind, probe))

    for url in site.sitemaps:
        add(url, "sitemap")
    for url in site.feeds:
        add(url, "feed")
    for url in site.start_urls:
        add(url, "seed")
    if not site.sitemaps:
        origins = []
        for url in site.start_urls:
            if origin(url) not in origins:
                origins.append(origin(url))
        for base in origins:
            add(base + "/sitemap.xml", "sitemap", probe=True)
            add(base + "/wp-sitemap.xml", "sitemap", probe=True)
    return out


# -- content sniffing -----------------------------------------------------------------

def sniff(content_type: str, body: bytes) -> str:
    """``html``, ``feed``, ``sitemap`` or ``attachment`` for a 200 response."""
    head = _maybe_gunzip(body[:4096]) if body[:2] == b"\x1f\x8b" else body[:4096]
    m = _XML_ROOT.search(head[:2048])
    looks_xml = head.lstrip().startswith((b"<?xml", b"\xef\xbb\xbf<?xml")) or m is not None
    if m and (looks_xml or content_type in _FEED_TYPES + _XML_TYPES):
        root = m.group(1)
        if root in (b"urlset", b"sitemapindex"):
            return "sitemap"
        return "feed"
    if content_type in _HTML_TYPES or _HTML_START.match(head):
        return "html"
    if content_type in _FEED_TYPES:
        return "feed"
    if not content_type and b"<html" in head.lower():
        return "html"
    return "attachment"


def _maybe_gunzip(data: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Up to ``limit`` bytes of the gzip members in ``data`` (``data`` itself if not gzip).

    Never inflates more than ``limit``: a 10 MB sitemap.xml.gz can expand
    to 10 GB (a gzip bomb), so ``gzip.decompress`` must not be used here.
    """
    out: list[bytes] = []
    size = 0
    try:
        while data[:2] == b"\x1f\x8b" and size < limit:
            d = zlib.decompressobj(47)
            out.append(d.decompress(data, limit - size))
            size += len(out[-1])
            if not d.eof:
                break  # cut at the limit, or a truncated member: keep what came out
            data = d.unused_data
    except zlib.error:
        pass
    return b"".join(out) if out else data


def _parse_xml(body: bytes):
    if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz served as-is
        body = _maybe_gunzip(body)
    try:
        return etree.fromstring(body, _XML_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def parse_sitemap(body: bytes, base_url: str) -> tuple[list[str], list[str]]:
    """``(page URLs, child sitemap URLs)`` of a urlset or sitemap index."""
    root = _parse_xml(body)
    if root is None:
        return [], []
    pages: list[str] = []
    children: list[str] = []
    is_index = _local(root.tag) == "sitemapindex"
    for el in root.iter():
        if _local(el.tag) != "loc" or not el.text:
            continue
        parent = _local(el.getparent().tag) if el.getparent() is not None else ""
        url = urljoin(base_url, el.text.strip())
        if not url.startswith(("http://", "https://")):
            continue
        if is_index or parent == "sitemap":
            children.append(url)
        elif parent == "url":
            pages.append(url)
    return pages, children


def parse_feed(body: bytes, base_url: str) -> list[str]:
    """Item links of an RSS 0.9x/1.0/2.0 or Atom feed, in feed order."""
    root = _parse_xml(body)
    if root is None:
        return []
    links: list[str] = []
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        url = None
        for child in item:
            cname = _local(child.tag)
            if cname == "link":
                href = child.get("href")
                rel = (child.get("rel") or "alternate").lower()
                if href and rel == "alternate":
                    url = href
                    break
                if child.text and child.text.strip():
                    url = child.text.strip()
                    break
            if cname == "guid" and url is None and (child.get("isPermaLink", "true").lower() == "true"):
                text = (child.text or "").strip()
                if text.startswith(("http://", "https://")):
                    url = text
        if url is None:
            about = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
            url = about
        if url:
            full = urljoin(base_url, url)
            if full.startswith(("http://", "https://")) and full not in links:
                links.append(full)
    return links
