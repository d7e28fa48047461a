"""The result of extracting one page: article fields plus crawl facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.article import Article

__all__ = ["GOLD_KEYS", "Extraction"]

#: The fields a gold file holds, in the order ``to_dict`` writes them.
GOLD_KEYS = (
    "title", "published", "modified", "authors", "organization", "summary", "body",
    "captions", "category", "tags", "attachments", "images", "canonical_url", "language",
    "is_article",
)


@dataclass
class Extraction:
    """What :func:`crawler.extract.extract` found on a page.

    Article fields follow the catalog's :class:`~crawler.article.Article`;
    ``links``, ``feeds``, ``meta_refresh`` and the robots flags are for the
    crawler, so it never parses a page twice.  ``warnings`` say what looked
    wrong (a lying charset, a truncated page, no article found).
    """

    url: str = ""
    title: str = ""
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    organization: str = ""
    summary: str = ""
    body: str = ""
    captions: list[str] = field(default_factory=list)
    category: str = ""
    tags: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    canonical_url: str = ""
    language: str = "vi"
    is_article: bool = False
    links: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    meta_refresh: str | None = None
    robots_noindex: bool = False
    robots_nofollow: bool = False
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The gold keys plus ``url``, ``encoding`` and ``warnings`` (JSON-ready)."""
        data: dict[str, Any] = {"url": self.url}
        for key in GOLD_KEYS:
            value = getattr(self, key)
            data[key] = list(value) if isinstance(value, list) else value
        data["encoding"] = self.encoding
        data["warnings"] = list(self.warnings)
        return data

    def to_article(self, *, site: str, url: str | None = None, fetched_at: str | None = None,
                   warc_file: str | None = None, warc_offset: int | None = None,
                   warc_length: int | None = None) -> Article:
        """The catalog record for this page (``url`` defaults to the extracted URL)."""
        return Article(
            url=url or self.url, title=self.title, body=self.body, site=site,
            canonical_url=self.canonical_url or url or self.url, summary=self.summary,
            captions=list(self.captions), authors=list(self.authors),
            organization=self.organization, published=self.published, modified=self.modified,
            category=self.category, tags=list(self.tags), attachments=list(self.attachments),
            images=list(self.images), language=self.language or "vi", fetched_at=fetched_at,
            warc_file=warc_file, warc_offset=warc_offset, warc_length=warc_length,
        )
