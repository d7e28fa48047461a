"""The Whoosh schema and the mapping from an :class:`Article` to index fields.

Searchable text fields share the Vietnamese analyzer and the packed
positions format.  Everything the search engine filters, sorts or facets on
is a *column* (read in bulk per segment, never per document): site,
category, authors, publication time.  A small stored dict carries what a
result card shows, so listing results needs no catalog lookup; long text
(body, for snippets) is read from the catalog.
"""

from __future__ import annotations

from whoosh import columns
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema

from crawler.article import Article

from .analysis import vietnamese_analyzer
from .formats import PackedPositions

#: Bumped when analysis or schema changes; an index built with another
#: version is rebuilt by ``khotin reindex`` (see docs/operations.md).
ANALYSIS_VERSION = "1"

#: Column value for articles without a publication date (sorts last/first).
NO_DATE = -(2**62)

#: Default search fields and their boosts.
TEXT_FIELDS = {"title": 2.5, "text": 1.0, "author": 1.0, "org": 0.5}
SEP = "\x1f"


class VnText(TEXT):
    """TEXT with the Vietnamese analyzer and bulk-decodable positions."""

    def __init__(self, field_boost: float = 1.0):
        super().__init__(analyzer=vietnamese_analyzer(), phrase=True)
        self.format = PackedPositions(field_boost=field_boost)


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        title=VnText(),
        text=VnText(),
        author=VnText(),
        org=VnText(),
        site=COLUMN(columns.VarBytesColumn()),
        category=COLUMN(columns.VarBytesColumn()),
        authors=COLUMN(columns.VarBytesColumn()),
        published=COLUMN(columns.NumericColumn("q", default=NO_DATE)),
        doc=STORED(),
    )


def published_seconds(article: Article) -> int:
    dt = article.published_dt
    return int(dt.timestamp()) if dt else NO_DATE


def document_fields(article: Article) -> dict:
    """Keyword arguments for ``writer.add_document`` / ``update_document``."""
    text_parts = [article.summary, article.body, *article.captions]
    return {
        "id": article.id,
        "title": article.title,
        "text": "\n\n".join(p for p in text_parts if p),
        "author": "\n".join(article.authors),
        "org": article.organization,
        "site": article.site.encode("utf-8"),
        "category": article.category.encode("utf-8"),
        "authors": SEP.join(article.authors).encode("utf-8"),
        "published": published_seconds(article),
        "doc": {
            "id": article.id,
            "url": article.url,
            "title": article.title,
            "site": article.site,
            "published": article.published,
            "authors": article.authors,
            "organization": article.organization,
            "category": article.category,
        },
    }
