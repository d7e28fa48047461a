"""Platform recognisers: the CMSs district portals run on, as selector profiles.

Each recogniser looks for its platform's fingerprints (a generator meta tag,
class names the CMS always emits, its URL shapes) and, when they are
present, returns a profile in the same format as a site's own profile
(:mod:`crawler.extract.profile`).  Platforms come from
``shared/docs/portals.md``; the class names are the ones those CMSs print.

A recogniser only adds precision: everything a profile finds, the generic
layer would look for too, so a recogniser that misfires costs little and a
platform not listed here is still extracted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup

from crawler.extract.structured import Meta

__all__ = ["PLATFORMS", "Platform", "recognise"]


@dataclass(frozen=True)
class Platform:
    name: str
    detect: Callable[[BeautifulSoup, Meta, str, str], bool]
    profile: dict[str, Any]


def _generator(meta: Meta, word: str) -> bool:
    return word in meta.get("generator").lower()


PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "nukeviet",
        lambda soup, meta, url, html: _generator(meta, "nukeviet") or "news-bodyhtml" in html,
        {
            "title": ".news_column h1.title, .news_column h1",
            "date": ".news_column span.h5, .news_column .time",
            "summary": ".news_column .hometext",
            "body": "#news-bodyhtml",
            "author": ".news_column p.text-right, .news_column .author",
            "tags": ".news_column [itemprop=keywords] a",
            "attachments": ".news-download-file",
            "remove": [".send-to-friend", ".news-download-file", ".socialicon"],
        },
    ),
    Platform(
        "wordpress",
        lambda soup, meta, url, html: _generator(meta, "wordpress") or "/wp-content/" in html
        or "/wp-includes/" in html,
        {
            "title": "h1.entry-title",
            "body": ".entry-content",
            "category": ".cat-links a",
            "tags": ".tags-links a",
            "remove": [".sharedaddy", ".jp-relatedposts", ".entry-meta", ".wp-block-file-list",
                       ".wp-block-file"],
        },
    ),
    Platform(
        "liferay",
        lambda soup, meta, url, html: "/-/asset_publisher/" in url or "/-/view_content/" in url
        or "journal-content-article" in html or "asset-full-content" in html,
        {
            "title": ".asset-full-content .header-title",
            "date": ".asset-full-content .news-date, .asset-full-content .metadata-publish-date",
            "summary": ".asset-full-content .sapo",
            "body": ".asset-full-content .journal-content-article",
            "attachments": ".asset-full-content",
            "remove": [".taglib-social-bookmarks"],
        },
    ),
    Platform(
        "sharepoint",
        lambda soup, meta, url, html: _generator(meta, "sharepoint") or "ms-rtestate-field" in html,
        {
            "body": ".ms-rtestate-field",
        },
    ),
)

_SPACES = re.compile(r"\s+")


def recognise(soup: BeautifulSoup, meta: Meta, url: str, html: str) -> Platform | None:
    """The first platform whose fingerprints the page carries, or None."""
    for platform in PLATFORMS:
        try:
            if platform.detect(soup, meta, url, html):
                return platform
        except (ValueError, NotImplementedError):
            continue
    return None
