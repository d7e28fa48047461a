"""Selector profiles: a site's overrides from sites.toml, and built-in platforms.

A profile is a mapping of CSS selectors (BeautifulSoup/soupsieve syntax).
Every key is optional; a selector that matches nothing leaves the field to
the later layers.

========== ==============================================================
key        what the selector points at
========== ==============================================================
title      the printed headline (first match)
body       the element(s) holding the body paragraphs (all matches, in order)
summary    the lead/sapo element
date       the element printing the publication date (day first)
modified   the element printing the update date
author     the byline element(s), parsed like a printed byline
category   breadcrumb items or a section label (last match wins)
tags       tag links (one tag per match)
captions   caption elements (one caption per match)
attachments the area whose document links are the attachments
remove     a selector or list of selectors whose text is never body text
========== ==============================================================

Example (``sites.toml``)::

    [sites.maison.profile]
    title = "h1.tieu-de"
    body = "div.noi-dung"
    date = "span.ngay"
    author = "p.tac-gia"
    remove = ["div.quang-cao", "div.chia-se"]

A bad selector is reported as a warning, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import soupsieve
from bs4 import BeautifulSoup, Tag
from soupsieve import SelectorSyntaxError

from crawler.extract.bylines import parse_byline
from crawler.extract.clean import normalize_line
from crawler.extract.dates import parse_vn_date
from crawler.extract.dom import Block, Walk

__all__ = ["PROFILE_KEYS", "Selected", "apply_profile"]

PROFILE_KEYS = ("title", "body", "summary", "date", "modified", "author", "category", "tags",
                "captions", "attachments", "remove")


class Selected:
    """What one profile's selectors found, for the layer merge."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.body_elements: list[Tag] = []
        self.title_block: Block | None = None
        self.removed: list[tuple[int, int]] = []
        self.attachment_areas: list[Tag] = []
        self.warnings: list[str] = []


_RIGHTMOST = re.compile(r"(?:^|[\s>+~])([^\s>+~]+)$")
_ID = re.compile(r"#([\w-]+)")
_CLASS = re.compile(r"\.([\w-]+)")
_TAG = re.compile(r"^([a-zA-Z][\w-]*)")


@lru_cache(maxsize=512)
def _compile(selector: str) -> soupsieve.SoupSieve:
    return soupsieve.compile(selector)


def _candidates(walk: Walk, selector: str) -> list[Tag] | None:
    """Elements that may match ``selector``, from the walk's index; None if unindexable."""
    m = _RIGHTMOST.search(selector.strip())
    if not m or any(c in selector for c in ":[*,()|"):
        return None
    compound = m.group(1)
    ident = _ID.search(compound)
    if ident:
        return walk.by_id.get(ident.group(1), [])
    cls = _CLASS.search(compound)
    if cls:
        return walk.by_class.get(cls.group(1), [])
    tag = _TAG.match(compound)
    return walk.by_class.get("<" + tag.group(1).lower(), []) if tag else None


def _scopes(walk: Walk, selector: str) -> list[Tag] | None:
    """For ``.cat-links a``: the indexed ``.cat-links`` elements to search under."""
    if any(c in selector for c in ":[*,()|+~"):
        return None
    compounds = selector.replace(">", " ").split()[:-1]
    for compound in reversed(compounds):
        ident, cls = _ID.search(compound), _CLASS.search(compound)
        if ident:
            return walk.by_id.get(ident.group(1), [])
        if cls:
            return walk.by_class.get(cls.group(1), [])
    return None


def _select_one_selector(soup: BeautifulSoup, walk: Walk, sel: str, limit: int) -> list[Tag]:
    candidates = _candidates(walk, sel)
    compiled = _compile(sel)
    if candidates is not None and (len(candidates) <= 20 or _scopes(walk, sel) is None):
        return [el for el in candidates if compiled.match(el)][:limit]
    scopes = _scopes(walk, sel)
    if scopes is not None:  # a bare tag under a class: search only under those elements
        found: list[Tag] = []
        for root in scopes:
            found += compiled.select(root, limit=limit)
        return found[:limit]
    return soup.select(sel, limit=limit)


def _select(soup: BeautifulSoup, walk: Walk, selector: Any, out: Selected, *,
            first: bool = False) -> list[Tag]:
    """Elements matching a selector (or list of them), in document order.

    Simple selectors (the usual ``div.noi-dung``, ``#news-bodyhtml``,
    ``.a .b``) are answered from the walk's class/id index and checked with
    soupsieve's ``match``: much faster than scanning the whole tree.
    """
    if not selector:
        return []
    selectors = selector if isinstance(selector, (list, tuple)) else [selector]
    found: list[Tag] = []
    for group in selectors:
        if not isinstance(group, str) or not group.strip():
            continue
        parts = [p.strip() for p in group.split(",")] if "(" not in group else [group]
        for sel in parts:
            try:
                found += _select_one_selector(soup, walk, sel, 1 if first else 50)
            except (SelectorSyntaxError, ValueError, NotImplementedError, TypeError) as exc:
                out.warnings.append(f"bad selector {sel!r}: {str(exc).splitlines()[0]}")
        if first and found:
            break
    seen: set[int] = set()
    unique = [el for el in found if not (id(el) in seen or seen.add(id(el)))]
    unique.sort(key=lambda el: (walk.span(el) or (0, 0))[0])
    return unique[:1] if first else unique


def _text(walk: Walk, el: Tag, removed: list[tuple[int, int]]) -> str:
    blocks = [b for b in walk.blocks_in(el) if not any(a <= b.pos < z for a, z in removed)]
    if blocks:
        return " ".join(b.text for b in blocks)
    return normalize_line(el.get_text(" "))


def apply_profile(soup: BeautifulSoup, walk: Walk, profile: Mapping[str, Any]) -> Selected:
    """Run a profile's selectors; unknown keys are ignored with a warning."""
    out = Selected()
    unknown = sorted(set(profile) - set(PROFILE_KEYS))
    if unknown:
        out.warnings.append(f"unknown profile key(s) ignored: {', '.join(unknown)}")
    for el in _select(soup, walk, profile.get("remove"), out):
        span = walk.span(el)
        if span:
            out.removed.append(span)
    f = out.fields
    for el in _select(soup, walk, profile.get("title"), out, first=True):
        text = _text(walk, el, out.removed)
        if text:
            f["title"] = text
            out.title_block = next(iter(walk.blocks_in(el)), None)
    out.body_elements = _select(soup, walk, profile.get("body"), out)
    for el in _select(soup, walk, profile.get("summary"), out, first=True):
        text = _text(walk, el, out.removed)
        if text:
            f["summary"] = text
    for key in ("date", "modified"):
        for el in _select(soup, walk, profile.get(key), out):
            d = parse_vn_date(_text(walk, el, out.removed))
            if d:
                f["published" if key == "date" else "modified"] = d
                break
    bylines = [parse_byline(_text(walk, el, out.removed)) for el in _select(soup, walk, profile.get("author"), out)]
    bylines = [b for b in bylines if b]
    if bylines:
        f["bylines"] = bylines
    crumbs = [_text(walk, el, out.removed) for el in _select(soup, walk, profile.get("category"), out)]
    crumbs = [c for c in crumbs if c]
    if crumbs:
        f["category"] = crumbs[-1]
    tags = [_text(walk, el, out.removed) for el in _select(soup, walk, profile.get("tags"), out)]
    if any(tags):
        f["tags"] = [t for t in tags if t]
    captions = [_text(walk, el, out.removed) for el in _select(soup, walk, profile.get("captions"), out)]
    if any(captions):
        f["captions"] = [c for c in captions if c]
    out.attachment_areas = _select(soup, walk, profile.get("attachments"), out)
    return out
