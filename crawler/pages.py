"""From an extracted HTML page to a catalog article: rules shared by crawl and rebuild.

Both the live crawl and ``rebuild_catalog`` must make the same decisions,
or a rebuilt catalog would differ from the crawled one:

* a page whose ``<link rel=canonical>`` names *another* page of the same
  host is an alias (print view, Liferay ``view_content``): the canonical
  page produces the article, the alias only its archive record.  Canonical
  links to the home page or a start URL are ignored (a common
  misconfiguration that would merge every article into one);
* otherwise the article's canonical URL is the page's own canonical URL,
  so its id (derived from it) is stable across crawls.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from .article import Article
from .urls import canonicalize, host_key


def canonical_alias(extracted_canonical: str | None, url: str, start_urls: Iterable[str] = ()) -> str | None:
    """The other URL this page declares canonical, or None when it is its own."""
    if not extracted_canonical:
        return None
    try:
        target = canonicalize(extracted_canonical)
    except ValueError:
        return None
    if target == url or not target.startswith(("http://", "https://")):
        return None
    if host_key(target) != host_key(url):
        return None
    if urlsplit(target).path in ("", "/"):
        return None
    starts = {canonicalize(u) for u in start_urls}
    if target in starts:
        return None
    return target


def build_article(extraction: Any, *, site: str, url: str, fetched_at: str | None,
                  warc_file: str | None, warc_offset: int | None, warc_length: int | None) -> Article:
    """The catalog record of a page that is its own canonical (``url`` is canonical)."""
    article = extraction.to_article(site=site, url=url, fetched_at=fetched_at, warc_file=warc_file,
                                    warc_offset=warc_offset, warc_length=warc_length)
    if article.canonical_url != url:
        article = dataclasses.replace(article, canonical_url=url)
    return article


def dedup_key(article: Article) -> str | None:
    """Content hash used to spot one article under two URLs without a canonical link."""
    if not article.body.strip():
        return None  # too little to tell two pages apart safely
    return article.content_hash
