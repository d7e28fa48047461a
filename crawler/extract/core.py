"""``extract()``: the layers, in order, merged field by field.

The cascade, as in trafilatura's core (``craft.md``):

1. **profile** - the site's own selectors from ``sites.toml`` (optional);
2. **structured** - JSON-LD, OpenGraph/``article:*`` meta, microdata,
   ``<time datetime>``;
3. **platform** - a recogniser for the CMS the page was made with
   (:mod:`crawler.extract.platforms`), as a built-in profile;
4. **generic** - title matched against the page's own name, the date next
   to the title, the main-content finder, bylines and captions by shape.

Each layer returns a partial record; :func:`merge` takes every field from
the first layer that has it, in the order of :data:`PRECEDENCE`.  Printed
facts outrank machine-readable ones for the title, the date and the
authors (a meta author naming the site brand must not beat a byline, a
date-only page must not gain a time); structured data still refines a
printed date with its time when both name the same day.  Later layers
skip work an earlier layer has done (the content finder does not run when a
profile found the body).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from crawler.extract import layers
from crawler.extract.assemble import finish
from crawler.extract.encoding import decode_html, sniff_binary
from crawler.extract.page import Page
from crawler.extract.record import Extraction

__all__ = ["LAYERS", "PRECEDENCE", "extract", "merge"]

log = logging.getLogger(__name__)

#: Larger pages are trimmed (scripts, styles, inline images) and then cut.
MAX_HTML_BYTES = 4_000_000
_DATA_URI = re.compile(rb"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]{200,}")
_SCRIPT = re.compile(rb"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)

Layer = Callable[[Page, dict[str, Any]], dict[str, Any]]

#: The layers, in order.
LAYERS: tuple[tuple[str, Layer], ...] = (
    ("profile", layers.profile_layer),
    ("structured", layers.structured_layer),
    ("platform", layers.platform_layer),
    ("generic", layers.generic_layer),
)

_PRINTED_FIRST = ("profile", "platform", "generic", "structured")
#: Field -> layer order; fields not listed take :data:`LAYERS` order.
PRECEDENCE: dict[str, tuple[str, ...]] = {
    "title": _PRINTED_FIRST,
    "published": _PRINTED_FIRST,
    "bylines": _PRINTED_FIRST,
    "authors": _PRINTED_FIRST,
}


def merge(partials: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Field by field, the first non-empty value in precedence order."""
    order = [name for name, _ in LAYERS]
    keys: list[str] = []
    for part in partials.values():
        keys += [k for k in part if k not in keys]
    merged: dict[str, Any] = {}
    for key in keys:
        for name in PRECEDENCE.get(key, order):
            value = partials.get(name, {}).get(key)
            if value not in (None, "", [], ()):
                merged[key] = value
                merged.setdefault("_source", {})[key] = name
                break
    return merged


def _trim(content: bytes, warnings: list[str]) -> bytes:
    """Keep oversized pages parseable in bounded time and memory."""
    if len(content) <= MAX_HTML_BYTES:
        return content
    size = len(content)
    content = _DATA_URI.sub(b"data:,", content)
    if len(content) > MAX_HTML_BYTES:
        content = _SCRIPT.sub(b"", _COMMENT.sub(b"", content))
    if len(content) > MAX_HTML_BYTES:
        content = content[:MAX_HTML_BYTES]
        warnings.append(f"page is {size / 1e6:.1f} MB; only the first {MAX_HTML_BYTES // 1_000_000} MB were read")
    else:
        warnings.append(f"page is {size / 1e6:.1f} MB; inline data and scripts were skipped")
    return content


def extract(content: bytes | str, url: str, *, headers: Mapping[str, str] | None = None,
            profile: Mapping[str, Any] | None = None) -> Extraction:
    """Extract the article record and crawl facts from one page.

    Never raises on bad input: an empty, binary, truncated or absurd page
    gives ``is_article=False`` and a warning saying why.
    """
    ex = Extraction(url=url or "", canonical_url=url or "")
    try:
        urlsplit(url or "")
    except ValueError:  # e.g. "http://[::1": extract the page anyway, without resolving links
        ex.warnings.append(f"malformed page URL {url!r}: links are not resolved")
        url = ""
    try:
        _extract(ex, content, url or "", headers, profile)
    except (RecursionError, MemoryError) as exc:
        ex.is_article = False
        ex.warnings.append(f"page too complex to extract ({type(exc).__name__})")
    except Exception as exc:  # noqa: BLE001 - the contract is: never raise on input
        log.warning("extraction failed for %s: %r", url, exc)
        ex.is_article = False
        ex.warnings.append(f"extraction failed: {type(exc).__name__}: {exc}")
    return ex


def _extract(ex: Extraction, content: bytes | str, url: str,
             headers: Mapping[str, str] | None, profile: Mapping[str, Any] | None) -> None:
    if content is None:
        content = b""
    elif isinstance(content, (bytearray, memoryview)):
        content = bytes(content)
    if isinstance(content, str):
        raw = content.encode("utf-8", "surrogatepass") if len(content) > MAX_HTML_BYTES else None
        if raw is not None:
            content = _trim(raw, ex.warnings).decode("utf-8", "replace")
    else:
        kind = sniff_binary(content)
        if kind:
            ex.warnings.append(f"not an HTML page: {kind}")
            ex.encoding = "binary"
            return
        content = _trim(content, ex.warnings)
    decoded = decode_html(content, headers)
    ex.encoding = decoded.encoding
    ex.warnings += decoded.warnings
    text = decoded.text
    if not text.strip():
        ex.warnings.append("empty page")
        return
    if "\x00" in text:
        text = text.replace("\x00", "")
    # Class and rel stay plain strings: splitting every multi-valued
    # attribute costs time on each tag and the walk splits what it needs.
    soup = BeautifulSoup(text, "lxml", multi_valued_attributes=None)
    page = Page(soup, url, text, profile)
    ex.warnings += page.warnings
    partials: dict[str, dict[str, Any]] = {}
    state: dict[str, Any] = {}
    for name, layer in LAYERS:
        partials[name] = layer(page, state) or {}
        state = merge(partials)
    finish(page, state, ex)
    ex.warnings += [w for w in page.warnings if w not in ex.warnings]
