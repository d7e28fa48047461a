"""A parsed page and the facts every layer shares (read once)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from crawler.extract.dom import Walk, walk
from crawler.extract.structured import Meta

__all__ = ["Page"]

#: Nesting deeper than this is reported (the walk itself has no depth limit).
DEEP_NESTING = 1000


class Page:
    """Soup, URL, ``<head>`` metadata and the one walk over the body."""

    def __init__(self, soup: BeautifulSoup, url: str, html: str,
                 profile: Mapping[str, Any] | None = None):
        self.soup = soup
        self.url = url
        self.html = html
        self.profile = profile
        self.warnings: list[str] = []
        # The whole document, not just <body>: broken pages put text after
        # </body> or </html>, and lxml keeps it outside the body element.
        self.walk: Walk = walk(soup)
        if self.walk.max_depth > DEEP_NESTING:
            self.warnings.append(f"markup nested {self.walk.max_depth} levels deep")
        self.meta = Meta(soup, self.walk)
        try:
            self.base = urljoin(url, self.meta.base) if self.meta.base else url
        except ValueError:
            self.base = url
        self.platform: str | None = None
        self.structured: dict[str, Any] = {}
        host = urlsplit(url).hostname or ""
        self.brands = [*self.meta.brands, host.removeprefix("www.")] if host else self.meta.brands
