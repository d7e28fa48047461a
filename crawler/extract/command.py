"""``khotin extract SOURCE… [--url URL] [--json]``: see what the extractor sees.

A SOURCE is a saved page (file path), an http(s) URL fetched once, or ``-``
for standard input.  Each source gives one record: with ``--json`` one JSON
object per line (the fields of ``Extraction.to_dict``), otherwise a short
labelled summary followed by the body.  A source that cannot be read gives
one line on stderr; the others are still processed and the exit status is 2.

A saved fixture page (``NAME.html`` next to ``NAME.meta.json``, as written
by ``python -m khotin.fixtures.pages``) is read with its recorded URL and
headers unless ``--url`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crawler.extract.core import extract
from crawler.extract.record import Extraction
from khotin.errors import UserError

__all__ = ["read_source", "register", "run"]


class SourceError(Exception):
    """A source that cannot be read (missing file, unreachable URL)."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "extract", help="extract the article record from saved pages or URLs",
        description="Extract title, date, authors, body… from pages, as the crawler would.",
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="a saved HTML file, an http(s) URL, or - for standard input")
    parser.add_argument("--url", metavar="URL",
                        help="original address of a single saved page (resolves its links)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per source, one per line")
    parser.set_defaults(func=run)


def _fetch(url: str, settings: Any) -> tuple[bytes, str, dict[str, str]]:
    import requests

    limit = int(getattr(settings, "max_response_bytes", 10_000_000))
    try:
        with requests.get(url, timeout=float(getattr(settings, "timeout_seconds", 20.0)),
                          headers={"User-Agent": settings.user_agent_string}, stream=True) as resp:
            chunks, size = [], 0
            for chunk in resp.iter_content(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    break
            headers = dict(resp.headers)
            if resp.status_code >= 400:
                headers["X-Khotin-Status"] = str(resp.status_code)
            return b"".join(chunks), resp.url, headers
    except requests.RequestException as exc:
        raise SourceError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from None


def _sidecar(path: Path) -> Mapping[str, Any]:
    """``NAME.meta.json`` next to ``NAME.html`` (fixture pages), or {}."""
    meta = path.with_name(path.stem + ".meta.json")
    if not meta.is_file():
        return {}
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_source(source: str, url: str | None, settings: Any) -> tuple[bytes, str, dict[str, str]]:
    """(content, url, headers) for one SOURCE."""
    if source == "-":
        return sys.stdin.buffer.read(), url or "", {}
    if source.startswith(("http://", "https://")):
        return _fetch(source, settings)
    path = Path(source)
    if not path.exists():
        raise SourceError(f"no such file: {source}")
    if not path.is_file():
        raise SourceError(f"not a file: {source}")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {source}: {exc.strerror or exc}") from None
    side = _sidecar(path)
    headers = side.get("headers") if isinstance(side.get("headers"), dict) else {}
    return content, url or str(side.get("url") or "") or path.resolve().as_uri(), dict(headers)


_LABELS = (
    ("title", "Tiêu đề"), ("published", "Ngày đăng"), ("modified", "Cập nhật"),
    ("authors", "Tác giả"), ("organization", "Đơn vị"), ("category", "Chuyên mục"),
    ("tags", "Từ khóa"), ("canonical_url", "Địa chỉ gốc"), ("summary", "Tóm tắt"),
    ("captions", "Chú thích ảnh"), ("images", "Ảnh"), ("attachments", "Tệp đính kèm"),
    ("encoding", "Mã ký tự"), ("warnings", "Cảnh báo"),
)


def format_human(source: str, ex: Extraction) -> str:
    """A labelled summary, then the body (Vietnamese labels)."""
    lines = [f"== {source}", f"{'Bài viết':<14} {'có' if ex.is_article else 'không'}"]
    for key, label in _LABELS:
        value = getattr(ex, key)
        if isinstance(value, list):
            value = "; ".join(value)
        if value:
            lines.append(f"{label:<14} {value}")
    if ex.body:
        lines += ["", ex.body]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, settings: Any) -> int:
    """Extract every SOURCE; exit 2 when any could not be read."""
    if args.url and len(args.sources) != 1:
        raise UserError("--url gives the address of one saved page; pass exactly one SOURCE")
    status = 0
    for source in args.sources:
        try:
            content, url, headers = read_source(source, args.url, settings)
        except SourceError as exc:
            print(f"khotin extract: {exc}", file=sys.stderr)
            status = 2
            continue
        ex = extract(content, url, headers=headers)
        if headers.get("X-Khotin-Status"):
            ex.warnings.append(f"HTTP status {headers['X-Khotin-Status']}")
        if args.json:
            sys.stdout.write(json.dumps(ex.to_dict(), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(format_human(source, ex))
        sys.stdout.flush()
    return status
