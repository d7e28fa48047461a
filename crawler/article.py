"""The one record type for an article, from extraction to search results.

An :class:`Article` is what the catalog stores and the index is built from.
Its id is derived from the canonical URL, so the same page reached under two
addresses (print view, tracking parameters) is one record, and re-importing
a URL updates it instead of adding a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from typing import Any

from khotin.text import clean_text

VN_TZ = timezone(timedelta(hours=7))
ID_RE = re.compile(r"^[0-9a-f]{16}$")

#: Bumped whenever extraction rules change, so records can be re-extracted.
EXTRACTOR_VERSION = "1"


def article_id(canonical_url: str) -> str:
    """16 hex digits of SHA-256 of the canonical URL: stable, URL-safe, opaque."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


def is_article_id(value: str) -> bool:
    return bool(ID_RE.match(value or ""))


def parse_iso(value: str | None) -> datetime | None:
    """Parse ISO 8601 (date or date-time); naive values are taken as +07:00."""
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=VN_TZ)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=VN_TZ)
    return dt


def normalize_iso(value: str | None) -> str | None:
    """Canonical ISO string: ``YYYY-MM-DD`` for dates, +07:00 for date-times."""
    if not value:
        return None
    text = value.strip()
    if len(text) == 10:
        return text if parse_iso(text) else None
    dt = parse_iso(text)
    return dt.astimezone(VN_TZ).isoformat() if dt else None


def _clean_list(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        if v is None:
            continue
        text = clean_text(str(v))
        if text and text not in out:
            out.append(text)
    return out


@dataclass
class Article:
    url: str
    title: str
    body: str
    site: str = ""
    canonical_url: str = ""
    summary: str = ""
    captions: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    organization: str = ""
    published: str | None = None
    modified: str | None = None
    category: str = ""
    tags: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    language: str = "vi"
    fetched_at: str | None = None
    extractor_version: str = EXTRACTOR_VERSION
    # Where the raw response lives in the archive (None for imported records).
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    id: str = ""
    content_hash: str = ""

    def __post_init__(self) -> None:
        self.url = (self.url or "").strip()
        self.canonical_url = (self.canonical_url or self.url).strip()
        self.title = clean_text(self.title or "").replace("\n", " ")
        self.body = clean_text(self.body or "")
        self.summary = clean_text(self.summary or "")
        self.organization = clean_text(self.organization or "").replace("\n", " ")
        self.category = clean_text(self.category or "").replace("\n", " ")
        self.site = (self.site or "").strip()
        self.captions = _clean_list(self.captions)
        self.authors = _clean_list(self.authors)
        self.tags = _clean_list(self.tags)
        self.attachments = _clean_list(self.attachments)
        self.images = _clean_list(self.images)
        self.published = normalize_iso(self.published)
        self.modified = normalize_iso(self.modified)
        self.id = article_id(self.canonical_url)
        self.content_hash = self.compute_hash()

    @property
    def author(self) -> str:
        """Authors as one display string (the JSON result's ``author``)."""
        return ", ".join(self.authors)

    @property
    def published_dt(self) -> datetime | None:
        return parse_iso(self.published)

    def compute_hash(self) -> str:
        """Hash of what a reader sees, so a recrawl can tell changed from unchanged."""
        parts = [self.title, self.summary, self.body, "\n".join(self.captions), self.author,
                 self.organization, self.published or "", self.category, "\n".join(self.tags),
                 "\n".join(self.attachments)]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["author"] = self.author
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Build from a record; accepts ``author`` (str) in place of ``authors``."""
        names = {f.name for f in fields(cls)} - {"id", "content_hash"}
        kwargs = {k: v for k, v in data.items() if k in names}
        if "authors" not in kwargs and data.get("author"):
            author = data["author"]
            kwargs["authors"] = author if isinstance(author, list) else [author]
        return cls(**kwargs)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)
