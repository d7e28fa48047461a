"""The four layers of :mod:`crawler.extract.core`.

Each layer is ``layer(page, state) -> partial``: ``state`` is the merge of
the layers before it, so a later layer can anchor on what an earlier one
found (the generic date search starts from the profile's title) and skip
work already done.  Partial keys are the record's fields plus a few
working keys (``title_block``, ``content_elements``, ``bylines``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bs4 import Tag

from crawler.extract import metadata, structured
from crawler.extract.bylines import Byline, parse_byline
from crawler.extract.clean import is_boilerplate, is_stop_marker
from crawler.extract.content import is_caption, is_lead_element, same_text, split_content
from crawler.extract.dates import find_dates
from crawler.extract.dom import Block
from crawler.extract.generic import Candidate, find_content, listing_signals, span_of
from crawler.extract.page import Page
from crawler.extract.platforms import recognise
from crawler.extract.profile import Selected, apply_profile

_SENTENCE = re.compile(r"[.!?…:]['\"”)]?$")

__all__ = ["generic_layer", "platform_layer", "profile_layer", "structured_layer"]


# --- profile and platform: selectors ----------------------------------------------


def profile_layer(page: Page, state: dict[str, Any]) -> dict[str, Any]:
    """The site's own selectors (``profile=`` of :func:`extract`)."""
    if not page.profile:
        return {}
    if not isinstance(page.profile, Mapping):
        page.warnings.append("site profile ignored: expected a table of selectors, "
                             f"got {type(page.profile).__name__}")
        return {}
    sel = apply_profile(page.soup, page.walk, page.profile)
    page.warnings += sel.warnings
    return _from_selected(page, sel, state)


def platform_layer(page: Page, state: dict[str, Any]) -> dict[str, Any]:
    """A built-in profile for the CMS the page was made with."""
    platform = recognise(page.soup, page.meta, page.url, page.html)
    if platform is None:
        return {}
    page.platform = platform.name
    return _from_selected(page, apply_profile(page.soup, page.walk, platform.profile), state)


def _from_selected(page: Page, sel: Selected, state: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = dict(sel.fields)
    if sel.removed:
        out["removed"] = sel.removed
    if sel.title_block is not None:
        out["title_block"] = sel.title_block
    if sel.attachment_areas:
        out["attachment_areas"] = sel.attachment_areas
    if sel.body_elements and not state.get("content_elements"):
        blocks: list[Block] = []
        seen: set[int] = set()
        for el in sel.body_elements:  # nested matches must not repeat paragraphs
            for b in page.walk.blocks_in(el):
                if id(b) not in seen and not any(a <= b.pos < z for a, z in sel.removed):
                    seen.add(id(b))
                    blocks.append(b)
        title = out.get("title") or state.get("title") or ""
        lead = out.get("summary") or state.get("summary") or ""
        parts = split_content(blocks, title=title, lead=lead, brands=page.brands,
                              find_lead=not lead)
        if parts.paragraphs:
            out["content_elements"] = sel.body_elements
            out["body"] = parts.paragraphs
            out["_body_span"] = span_of(parts.body_blocks)
            out.setdefault("captions", parts.captions)
            if parts.bylines:
                out.setdefault("bylines", parts.bylines)
            if parts.lead:
                out.setdefault("summary", parts.lead)
            out["images"] = metadata.images_in(page.walk, sel.body_elements, page.base)
    return out


# --- structured data ------------------------------------------------------------


def structured_layer(page: Page, state: dict[str, Any]) -> dict[str, Any]:
    """JSON-LD, OpenGraph/``article:*`` meta and microdata."""
    data = structured.structured_layer(page.soup, page.meta, page.walk)
    page.structured = data
    out = {k: data[k] for k in ("published", "modified", "authors", "category", "tags") if data.get(k)}
    if data.get("title_hint"):
        out["title"] = data["title_hint"]
    if data.get("published"):
        out["machine_published"] = data["published"]
    return out


# --- generic: shapes and statistics -------------------------------------------------


def _title(page: Page, state: dict[str, Any], out: dict[str, Any],
           body_pos: int | None) -> tuple[str, Block | None]:
    source = state.get("_source", {}).get("title")
    if source in ("profile", "platform"):
        title = state["title"]
        block = state.get("title_block") or next(
            (b for b in page.walk.blocks if same_text(b.text, title)), None)
        return title, block
    hints = [(page.structured.get("title_hint", ""), 10.0), (page.meta.get("og:title"), 10.0),
             (page.meta.title, 6.0)]
    title, block = metadata.find_title(page.walk, hints, page.brands, body_pos)
    if title:
        out["title"] = title
    if block is not None:
        out["title_block"] = block
    return title, block


def _around(page: Page, start: int, end: int, title: Block | None) -> tuple[list[Block], list[Block]]:
    """Blocks between the title and the body, and the few after the body."""
    blocks = page.walk.blocks
    lo = title.pos if title is not None else start
    between = [b for b in blocks if lo < b.pos < start]
    tail: list[Block] = []
    for b in blocks:
        if b.pos < end:
            continue
        if is_boilerplate(b.text) or metadata.links_to_files(b.el):
            continue  # "Tập tin đính kèm" boxes sit between the text and the byline
        if is_stop_marker(b.text) or (b.link_density > 0.5 and b.chars > 20) or len(tail) >= 6:
            break
        tail.append(b)
    return between, tail


def _lead_between(between: list[Block], brands: list[str]) -> str:
    """The lead: a sentence printed in its own element between title and body.

    Date lines, bylines, share buttons and captions in that gap are passed
    over; the first sentence-like block left is the lead, marked or not.
    """
    for b in between:
        if (b.chars < 50 or b.link_density > 0.5 or is_boilerplate(b.text) or is_caption(b)
                or (b.chars <= 160 and (find_dates(b.text) or parse_byline(b.text, brands=brands)))):
            continue
        if is_lead_element(b) or b.bold >= 0.85 or _SENTENCE.search(b.text):
            return b.text
        break
    return ""


def _bylines_in(blocks: list[Block], brands: list[str]) -> list[Byline]:
    out = []
    for b in blocks:
        if b.chars > 160 or is_boilerplate(b.text):
            continue
        byline = parse_byline(b.text, brands=brands)
        if byline:
            out.append(byline)
    return out


def _region(page: Page, title: Block | None, elements: list[Tag]) -> Tag | None:
    """The smallest element holding both the title and the body."""
    if not elements:
        return None
    if title is None:
        return elements[0]
    ancestors = set()
    el: Tag | None = title.el
    for _ in range(60):
        if el is None:
            break
        ancestors.add(id(el))
        el = el.parent
    el = elements[0]
    for _ in range(60):
        if el is None or id(el) in ancestors:
            break
        el = el.parent
    return el if isinstance(el, Tag) and el.name not in ("html", "body", "[document]") else None


def _attachment_areas(page: Page, title: Block | None, elements: list[Tag]) -> list[Tag]:
    """Where the article's own file links are: the article, not the sidebars.

    The article region (title and body together) when it is not much more
    than the article; otherwise the body and the few elements after it
    ("Tập tin đính kèm" boxes follow the text).
    """
    if not elements:
        return []
    region = _region(page, title, elements)
    if region is not None:
        body_chars = sum(b.chars for el in elements for b in page.walk.blocks_in(el))
        region_chars = sum(b.chars for b in page.walk.blocks_in(region))
        if region_chars <= 3 * body_chars + 2000:
            return [region]
    areas = list(elements)
    sib = elements[-1].next_sibling
    count = 0
    while sib is not None and count < 3:
        if isinstance(sib, Tag):
            areas.append(sib)
            count += 1
        sib = sib.next_sibling
    return areas


def _first_paragraph(blocks: list[Block]) -> int | None:
    """Position of the body's first real paragraph (anchor for the title search)."""
    for b in blocks:
        if b.chars >= 60 and b.link_density < 0.3 and not b.heading:
            return b.pos
    return blocks[0].pos if blocks else None


def _content(page: Page, cand: Candidate, title: str, state: dict[str, Any],
             out: dict[str, Any]) -> None:
    """Body, captions, bylines and lead from the container the finder chose."""
    parts = split_content(cand.blocks, title=title, lead=state.get("summary", ""), brands=page.brands)
    out["content_elements"] = cand.elements
    out["body"] = parts.paragraphs
    out["_body_span"] = span_of(parts.body_blocks)
    out["captions"] = parts.captions
    out["bylines"] = parts.bylines
    if parts.lead:
        out["summary"] = parts.lead
    out["images"] = metadata.images_in(page.walk, cand.elements, page.base)


def _dates(page: Page, title: Block | None, start: int | None, end: int | None,
           out: dict[str, Any]) -> None:
    """The date next to the title; else one printed after the body; else the URL's."""
    published, modified = metadata.date_near(page.walk, title, start,
                                             page.structured.get("time_elements", []))
    if published is None and end is not None:
        published = metadata.date_lines_after(page.walk, end)
    published = published or metadata.url_date(page.url)
    if published:
        out["published"] = published
    if modified:
        out["modified"] = modified


def _category(page: Page, title: str, tblock: Block | None, elements: list[Tag]) -> str:
    """Breadcrumb, else a kicker above the title, else a ``rel=category`` link."""
    walk = page.walk
    crumbs = (metadata.breadcrumbs(page.soup, walk, tblock.pos if tblock else None)
              or page.structured.get("crumbs", [])[1:])
    crumbs = [c for c in crumbs if not same_text(c, title)]
    if crumbs:
        return crumbs[-1]
    return metadata.kicker(walk, tblock) or metadata.rel_category(walk, _region(page, tblock, elements))


def generic_layer(page: Page, state: dict[str, Any]) -> dict[str, Any]:
    """Everything the earlier layers left open, found by shape and statistics."""
    out: dict[str, Any] = {}
    walk = page.walk
    elements: list[Tag] = state.get("content_elements") or []
    cand = None if elements else find_content(walk, removed=state.get("removed") or [])
    body_pos = _first_paragraph(cand.blocks if cand else [
        b for el in elements for b in walk.blocks_in(el)])
    title, tblock = _title(page, state, out, body_pos)
    if cand is not None:
        _content(page, cand, title, state, out)
        elements = cand.elements
    spans = [s for s in (walk.span(el) for el in elements) if s]
    start = min((s[0] for s in spans), default=None)
    end = max((s[1] for s in spans), default=None)
    between, tail = _around(page, start, end, tblock) if start is not None else ([], [])
    if not state.get("summary") and not out.get("summary"):
        lead = _lead_between(between, page.brands)
        if lead:
            out["summary"] = lead
    if not state.get("bylines") and not out.get("bylines"):
        bylines = _bylines_in(tail, page.brands) or _bylines_in(
            [b for b in between if b.chars <= 120 and not same_text(b.text, title)], page.brands)
        if bylines:
            out["bylines"] = bylines
    _dates(page, tblock, start, end, out)
    if not state.get("category"):
        out["category"] = _category(page, title, tblock, elements)
    if not state.get("tags"):
        out["tags"] = metadata.tags_from_page(walk)
    areas = state.get("attachment_areas") or _attachment_areas(page, tblock, elements)
    out["attachments"] = metadata.attachments_in(areas, page.base, walk)
    out["_listing"] = listing_signals(walk, tblock, start, end,
                                      state.get("_body_span") or out.get("_body_span"))
    return out
