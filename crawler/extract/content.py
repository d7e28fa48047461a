"""From the blocks of a content container to body, lead, captions and byline.

Every layer that finds a container (a site profile's selector, a platform
recogniser, the generic finder) hands its blocks to :func:`split_content`,
so the Vietnamese rules live in one place:

* stop at "Tin liên quan" / "Các tin khác" (related links follow);
* drop page furniture (share, print, counters), the title printed again,
  date lines, a hidden literal ``null``;
* captions: ``figcaption``, a short line right after an image that is
  italic, centred or unpunctuated, or a line ending ``Ảnh: Name``;
* the byline is the last paragraph (or two) when it parses as one; a lead
  source code (``CTTĐT -``) at the start of a paragraph is body text;
* the end mark ``./.`` is removed from the last paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from crawler.extract.bylines import Byline, parse_byline
from crawler.extract.clean import is_boilerplate, is_stop_marker, strip_end_mark
from crawler.extract.dates import find_dates
from crawler.extract.dom import Block, element_classes

__all__ = ["ContentParts", "is_date_line", "is_lead_element", "same_text", "split_content"]

_CREDIT = re.compile(r"(?:^|[.\s(–-])\s*\(?\s*(?:ảnh|photo)\s*[:：]\s*[^.:]{2,60}\)?\s*\.?$", re.IGNORECASE)
_PHOTO_PREFIX = re.compile(r"^\(?(?:ảnh|photo)\s*[.:]\s+\S", re.IGNORECASE)
_CENTER = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
_LEAD_HINTS = ("sapo", "lead", "summary", "hometext", "chapeau", "tomtat", "tom-tat", "mota",
               "mo-ta", "intro", "excerpt", "abstract", "teaser", "description", "desc", "trich-dan")
_DATE_WORDS = re.compile(
    r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|ngày\s+đăng|đăng\s+ngày|cập\s+nhật|lúc|ngày"
    r"|tháng|năm|gmt\s*\+?\s*7|lượt\s+xem|view\s+count|đã\s+xem|views?|\d+|[\s,|:/().\-–—+]",
    re.IGNORECASE,
)
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


@dataclass
class ContentParts:
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    bylines: list[Byline] = field(default_factory=list)
    lead: str = ""
    lead_block: Block | None = None
    body_blocks: list[Block] = field(default_factory=list)


def same_text(a: str, b: str) -> bool:
    """Equal ignoring case, punctuation and spacing."""
    return bool(a) and _PUNCT.sub("", a).lower() == _PUNCT.sub("", b).lower()


def is_date_line(text: str) -> bool:
    """A line that is only a date, time, weekday, labels and counters."""
    if len(text) > 120 or not find_dates(text):
        return False
    return len(_DATE_WORDS.sub("", text)) <= 3


def _centered(block: Block) -> bool:
    el = block.el
    for _ in range(2):
        if el is None:
            break
        style = el.attrs.get("style") or ""
        if _CENTER.search(style) or str(el.attrs.get("align") or "").lower() == "center":
            return True
        if el.name == "center":
            return True
        el = el.parent
    return False


def _in_caption_element(block: Block) -> bool:
    el = block.el
    if el.name in ("figcaption", "caption"):
        return True
    parent = el.parent
    return parent is not None and parent.name == "figcaption"


def is_caption(block: Block) -> bool:
    """Whether a block is an image caption rather than body text."""
    if _in_caption_element(block):
        return True
    text = block.text
    if block.chars > 320:
        return False
    if _PHOTO_PREFIX.match(text):
        return True
    if _CREDIT.search(text) and not re.match(r"^(?:tin|bài)\b", text, re.IGNORECASE):
        return True
    if not block.after_image:
        return False
    return block.italic >= 0.6 or _centered(block) or not text.rstrip().endswith((".", "!", "?", "…", ":"))


def is_lead_element(block: Block, stop=None) -> bool:
    """A block whose element (or a near ancestor) is marked as the lead/sapo."""
    el = block.el
    for _ in range(3):
        if el is None or el is stop:
            return False
        classes = element_classes(el)
        if any(h in classes for h in _LEAD_HINTS) and "title" not in classes:
            return True
        el = el.parent
    return False


def _linked_byline(block: Block, brands: Iterable[str]) -> bool:
    """An author name printed as a link to the author's page (newspapers do)."""
    if block.chars > 80:
        return False
    b = parse_byline(block.text, brands=brands)
    return b is not None and bool(b.names)


def _sentence_lead(block: Block) -> bool:
    """A lead printed as a heading (``<h2 class="sapo">``): long, a sentence."""
    return is_lead_element(block) or (block.chars >= 80 and block.text.rstrip().endswith((".", "!", "?", "…")))


def _trailing_bylines(blocks: list[Block], brands: Iterable[str]) -> list[tuple[int, Byline]]:
    """Bylines at the end of the blocks (last first), at most three lines."""
    found: list[tuple[int, Byline]] = []
    i = len(blocks) - 1
    while i >= 0 and len(found) < 3:
        text = blocks[i].text
        if is_boilerplate(text):
            i -= 1
            continue
        b = parse_byline(strip_end_mark(text), brands=brands)
        if b is None:
            break
        found.append((i, b))
        i -= 1
    return found


def split_content(blocks: list[Block], *, title: str = "", lead: str = "",
                  brands: Iterable[str] = (), find_lead: bool = True,
                  trailing_byline: bool = True) -> ContentParts:
    """Sort a container's blocks into body paragraphs, lead, captions and bylines."""
    parts = ContentParts()
    kept: list[Block] = []
    seen_text = False
    for b in blocks:
        text = b.text
        if is_stop_marker(text) and (seen_text or b.heading):
            break
        if is_boilerplate(text) or same_text(text, title) or is_date_line(text) or (lead and same_text(text, lead)):
            continue
        if b.link_density > 0.6 and b.chars < 200 and not _linked_byline(b, brands):
            continue
        if b.heading and b.heading <= 2 and not seen_text and not _sentence_lead(b):
            continue  # a section or site heading above the text
        kept.append(b)
        if b.chars >= 60:
            seen_text = True
    if trailing_byline:
        trailing = _trailing_bylines(kept, brands)
        for _i, byline in sorted(trailing, key=lambda t: t[0]):
            parts.bylines.append(byline)
        for i, _ in trailing:
            kept.pop(i)
    # A byline printed at the top with the time ("Thu Hằng - Vũ Mừng - 21:13, 23/05/2024").
    if kept and kept[0].chars <= 80 and find_dates(kept[0].text):
        top = parse_byline(kept[0].text, brands=brands)
        if top and top.names:
            parts.bylines.insert(0, top)
            kept.pop(0)
    if find_lead and not lead:
        first = next((b for b in kept if not is_caption(b)), None)
        if first is not None and first.chars >= 50 and (first.bold >= 0.85 or is_lead_element(first)):
            parts.lead, parts.lead_block = first.text, first
            kept.remove(first)
    for b in kept:
        if is_caption(b):
            parts.captions.append(b.text)
        else:
            parts.body_blocks.append(b)
    paras = [b.text for b in parts.body_blocks]
    if paras:
        paras[-1] = strip_end_mark(paras[-1])
        if not paras[-1]:
            paras.pop()
    parts.paragraphs = paras
    return parts
