"""Read one archived HTTP response back from a gzipped WARC file.

The catalog gives each capture's file (relative to ``DataDir.warc``),
offset and length; :func:`read_capture` seeks there and lets warcio parse
exactly one record, undoing chunked and gzip/deflate content coding (the
crawler stores bodies as received).  Every failure is an
:class:`ArchiveReadError` naming the file and offset, never a bare ``None``.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from werkzeug.http import parse_options_header

#: Largest decoded payload served (the crawler cuts responses at 10 MB).
MAX_PAYLOAD = 32 * 1024 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")
_CHARSET = re.compile(r"^[A-Za-z0-9._:-]{1,40}$")
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]{1,40})", re.I)


class ArchiveReadError(Exception):
    """The record cannot be read; the message names the WARC file and offset."""


@dataclass(frozen=True)
class Payload:
    record_type: str  # "response" | "revisit"
    url: str
    date: str  # WARC-Date
    status: int | None
    mime: str  # lowercased media type, "" when absent or malformed
    charset: str | None  # from the HTTP header
    body: bytes
    truncated: bool

    @property
    def is_html(self) -> bool:
        return self.mime in HTML_TYPES

    def declared_charset(self) -> str | None:
        """Header charset, else the page's own ``<meta charset>`` (what a browser would use)."""
        if self.charset:
            return self.charset
        match = _META_CHARSET.search(self.body[:4096])
        return match.group(1).decode("ascii") if match else None


def warc_path(warc_root: Path, warc_file: str) -> Path:
    """``warc_root / warc_file`` if it stays inside ``warc_root`` (catalog rows are data too)."""
    root = warc_root.resolve()
    path = (root / warc_file).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ArchiveReadError(f"{warc_file}: not a file in the archive")
    return path


def _content_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    mime, options = parse_options_header(value)
    mime = mime.strip().lower()
    charset = (options.get("charset") or "").strip()
    return (mime if _TOKEN.match(mime) else ""), (charset if _CHARSET.match(charset) else None)


def read_capture(warc_root: Path, warc_file: str, offset: int, *, url: str | None = None,
                 max_bytes: int = MAX_PAYLOAD) -> Payload:
    """The record at ``offset``; with ``url``, it must be a capture of that URL.

    Checking the target URI catches a stale or wrong offset: warcio will
    sometimes parse a "record" out of the middle of a gzip member.
    """
    path = warc_path(warc_root, warc_file)
    where = f"{warc_file} at offset {offset}"
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)), None)
            if record is None:
                raise ArchiveReadError(f"{where}: no WARC record")
            if record.rec_type not in ("response", "revisit"):
                raise ArchiveReadError(f"{where}: a {record.rec_type} record, not a response")
            target = record.rec_headers.get_header("WARC-Target-URI") or ""
            if not target or (url is not None and target != url):
                raise ArchiveReadError(f"{where}: record for {target or 'no URL'!r}, expected {url!r}")
            http = record.http_headers
            status = None
            mime, charset = "", None
            if http is not None:
                code = http.get_statuscode()
                status = int(code) if code and code.isdigit() else None
                mime, charset = _content_type(http.get_header("Content-Type"))
            body = b""
            if record.rec_type == "response":
                body = record.content_stream().read(max_bytes + 1)
            return Payload(
                record_type=record.rec_type,
                url=target,
                date=record.rec_headers.get_header("WARC-Date") or "",
                status=status, mime=mime, charset=charset,
                body=body[:max_bytes], truncated=len(body) > max_bytes
                or bool(record.rec_headers.get_header("WARC-Truncated")),
            )
    except ArchiveReadError:
        raise
    except (ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError) as exc:
        raise ArchiveReadError(f"{where}: unreadable record ({exc})") from exc
