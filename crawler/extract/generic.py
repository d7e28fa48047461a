"""The main-content finder for markup no rule was written for.

It works from text statistics only, the way readability and trafilatura's
fallbacks do:

* every paragraph-sized block (enough text, few links) votes for the element
  that holds it (full vote) and the one above (half a vote), so the element
  directly wrapping the article's paragraphs collects the most;
* an element's votes are discounted by its link density (menus, related
  lists) and nudged by generic class words ("content", "detail" up;
  "sidebar", "menu", "related" down);
* siblings of the winner that carry paragraphs of their own join it (an
  article split over two ``div``s).

:func:`listing_signals` counts what makes a "content" area a column of
other articles (linked headlines, dated items) for the page-type decision.

Nothing here names a platform: this is the layer measured on the held-out
fixture platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import Tag

from crawler.extract.clean import is_boilerplate, is_stop_marker
from crawler.extract.dates import find_dates
from crawler.extract.dom import Block, Walk, element_classes
from crawler.extract.metadata import links_to_files

__all__ = ["Candidate", "find_content", "listing_signals", "span_of"]

_PARA_TAGS = frozenset({"p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt",
                        "figcaption", "caption", "center"})
_POSITIVE = re.compile(
    r"content|article|detail|chitiet|chi-tiet|noidung|noi-dung|entry|post|body|main|story|text|news-?detail",
)
_NEGATIVE = re.compile(
    r"sidebar|side|menu|nav|footer|comment|related|lienquan|lien-quan|other|khac|banner|ads|advert"
    r"|widget|share|social|breadcrumb|header|top-?bar|copyright|tags?\b|pagination|paging|login|search",
)


@dataclass
class Candidate:
    """The chosen content container(s) and how sure the finder is."""

    elements: list[Tag]
    score: float
    blocks: list[Block]


def _block_vote(b: Block) -> float:
    if b.chars < 25 or b.link_density > 0.5 or is_boilerplate(b.text) or is_stop_marker(b.text):
        return 0.0
    return 1.0 + b.text.count(",") + min(b.chars / 100.0, 3.0)


def _class_weight(el: Tag) -> float:
    classes = element_classes(el)
    if not classes.strip():
        return 1.0
    weight = 1.0
    if _POSITIVE.search(classes):
        weight += 0.25
    if _NEGATIVE.search(classes):
        weight -= 0.5
    return weight


def _stats(walk: Walk, el: Tag) -> tuple[int, int]:
    chars = links = 0
    for b in walk.blocks_in(el):
        chars += b.chars
        links += b.link_chars
    return chars, links


def find_content(walk: Walk, root: Tag | None = None,
                 removed: list[tuple[int, int]] = ()) -> Candidate | None:
    """The element(s) holding the article's paragraphs, or None on an empty page.

    ``removed`` are spans a site profile said to ignore (adverts, boxes).
    """
    votes: dict[int, float] = {}
    elements: dict[int, Tag] = {}
    blocks = walk.blocks_in(root) if root is not None else walk.blocks
    if removed:
        blocks = [b for b in blocks if not any(a <= b.pos < z for a, z in removed)]
    # Page chrome (<nav>, <header>, <footer>, <aside>) votes only when
    # nothing else on the page has paragraphs.
    outside = [b for b in blocks if not b.chrome and _block_vote(b)]
    if outside:
        blocks = outside
    for b in blocks:
        vote = _block_vote(b)
        if not vote:
            continue
        el = b.el
        leaf = el.name in _PARA_TAGS or id(el) not in walk.containers
        target = el.parent if leaf and el.parent is not None else el
        for share in (1.0, 0.5):
            if target is None or target.name in ("html", "[document]"):
                break
            key = id(target)
            votes[key] = votes.get(key, 0.0) + vote * share
            elements[key] = target
            target = target.parent
    if not votes:
        return None
    best_key, best_score = None, 0.0
    for key, vote in votes.items():
        el = elements[key]
        chars, links = _stats(walk, el)
        density = links / chars if chars else 1.0
        score = vote * (1.0 - density) * _class_weight(el)
        if score > best_score:
            best_key, best_score = key, score
    if best_key is None:
        return None
    best = elements[best_key]
    chosen = _with_siblings(walk, best, best_score, votes)
    picked: list[Block] = []
    for el in chosen:
        picked.extend(b for b in walk.blocks_in(el) if not any(a <= b.pos < z for a, z in removed))
    return Candidate(chosen, best_score, picked)


def _with_siblings(walk: Walk, best: Tag, best_score: float, votes: dict[int, float]) -> list[Tag]:
    """The winner plus siblings that carry article paragraphs of their own."""
    parent = best.parent
    if parent is None or parent.name in ("html", "[document]"):
        return [best]
    threshold = max(3.0, best_score * 0.25)
    out: list[Tag] = []
    for sib in parent.children:
        if not isinstance(sib, Tag):
            continue
        if sib is best:
            out.append(sib)
            continue
        vote = votes.get(id(sib), 0.0)
        if vote < threshold:
            continue
        chars, links = _stats(walk, sib)
        if chars and links / chars < 0.2 and _class_weight(sib) >= 1.0:
            out.append(sib)
    return out


def span_of(blocks: list[Block]) -> tuple[int, int] | None:
    return (blocks[0].pos, blocks[-1].pos) if blocks else None


def listing_signals(walk: Walk, title: Block | None, start: int | None, end: int | None,
                    body_span: tuple[int, int] | None) -> dict[str, int]:
    """Evidence that the "article" found is a column of other articles.

    Counted from the title to the last body paragraph, so a related list
    after an article's text does not count: headline-length links,
    short dated lines, linked headings; plus the gap between the title and
    the body (a page title far from the text found is no article title).
    """
    out = {"headline_links": 0, "date_lines": 0, "headed": 0, "dated_links": 0, "gap": 0}
    if body_span is not None:
        lo, hi = body_span
        if title is not None and title.pos < lo:
            lo = title.pos + 1  # a listing's first item sits between its heading and the text
        for pos, a in walk.anchors:
            if lo <= pos <= hi and len(a.get_text(" ").strip()) >= 25 and not links_to_files(a):
                out["headline_links"] += 1
        dates = set()
        for b in walk.blocks:
            if lo <= b.pos <= hi:
                found = find_dates(b.text) if b.chars <= 400 else []
                if found and b.chars <= 40:
                    dates.add(found[0].iso())
                elif found and b.starts_with_link and b.link_chars >= 20:
                    out["dated_links"] += 1  # "Headline (12/03/2024) excerpt…"
                if b.heading >= 2 and b.link_density > 0.6 and b.chars >= 20:
                    out["headed"] += 1
        out["date_lines"] = len(dates)
    if title is not None and start is not None and end is not None:
        if title.pos > end:
            out["gap"] = 10**6
        else:
            out["gap"] = sum(1 for b in walk.blocks if title.pos < b.pos < start)
    return out
