"""Import articles from JSON Lines into the catalog (``khotin import``).

One JSON object per line with at least ``url``, ``title`` and ``body``;
optional ``published`` (ISO 8601), ``author`` (a string or a list),
``organization``, ``site``, ``category``, ``summary``, ``captions``,
``tags``.  A bad line is reported with its line number and skipped; good
lines are kept.  Records are keyed by URL, so importing the same URL again
updates the article instead of duplicating it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .article import Article, normalize_iso
from .catalog import Catalog

REQUIRED = ("url", "title", "body")
TEXT_FIELDS = ("organization", "site", "category", "summary")
LIST_FIELDS = ("captions", "tags", "attachments", "images")
BATCH = 1000


@dataclass
class ImportReport:
    lines: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.new + self.changed + self.unchanged


class BadRecord(ValueError):
    pass


def record_to_article(record: object) -> Article:
    """Validate one decoded JSON value and build the article; BadRecord says why not."""
    if not isinstance(record, dict):
        raise BadRecord("expected a JSON object")
    for name in REQUIRED:
        value = record.get(name)
        if not isinstance(value, str) or (name != "body" and not value.strip()):
            raise BadRecord(f"missing or empty {name!r} (a string is required)")
    url = record["url"].strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRecord(f"url {url!r} is not an http(s) address")
    for name in TEXT_FIELDS:
        if record.get(name) is not None and not isinstance(record[name], str):
            raise BadRecord(f"{name!r} must be a string")
    for name in LIST_FIELDS:
        value = record.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise BadRecord(f"{name!r} must be a list of strings")
    author = record.get("author", record.get("authors"))
    if author is None:
        authors: list[str] = []
    elif isinstance(author, str):
        authors = [author] if author.strip() else []
    elif isinstance(author, list) and all(isinstance(a, str) for a in author):
        authors = author
    else:
        raise BadRecord("'author' must be a string or a list of strings")
    for name in ("published", "modified"):
        value = record.get(name)
        if value is not None and (not isinstance(value, str) or (value.strip() and not normalize_iso(value))):
            raise BadRecord(f"{name!r} {value!r} is not an ISO 8601 date (YYYY-MM-DD[THH:MM[:SS][+07:00]])")
    return Article(
        url=url,
        title=record["title"],
        body=record["body"],
        site=(record.get("site") or parts.hostname or "").strip(),
        summary=record.get("summary") or "",
        captions=record.get("captions") or [],
        authors=authors,
        organization=record.get("organization") or "",
        published=record.get("published") or None,
        modified=record.get("modified") or None,
        category=record.get("category") or "",
        tags=record.get("tags") or [],
        attachments=record.get("attachments") or [],
        images=record.get("images") or [],
    )


def parse_lines(lines: Iterable[bytes | str], report: ImportReport) -> Iterator[Article]:
    for number, raw in enumerate(lines, start=1):
        report.lines = number
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                report.errors.append((number, f"not UTF-8 ({exc.reason} at byte {exc.start})"))
                continue
        if not raw.strip():
            continue
        try:
            yield record_to_article(json.loads(raw))
        except json.JSONDecodeError as exc:
            report.errors.append((number, f"invalid JSON: {exc.msg} at column {exc.colno}"))
        except (BadRecord, RecursionError) as exc:
            report.errors.append((number, str(exc) or "record too deeply nested"))


def import_jsonl(catalog: Catalog, lines: Iterable[bytes | str],
                 on_batch: Callable[[ImportReport], None] | None = None) -> ImportReport:
    """Upsert every good line in batches; returns counts and per-line errors."""
    report = ImportReport()
    batch: list[Article] = []

    def flush() -> None:
        counts = catalog.upsert_many(batch)
        report.new += counts["new"]
        report.changed += counts["changed"]
        report.unchanged += counts["unchanged"]
        batch.clear()
        if on_batch:
            on_batch(report)

    for article in parse_lines(lines, report):
        batch.append(article)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return report
