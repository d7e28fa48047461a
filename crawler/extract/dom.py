"""One pass over the parsed page: text blocks, element spans, images.

Every later step (main-content scoring, captions, bylines, dates near the
title) works on *blocks*: the text a reader sees as one paragraph, with the
element that holds it and a few facts about it (how much of it is link
text, bold, italic; whether an image came just before it).  Building them
in one iterative walk keeps extraction fast and safe on pathological pages:
there is no recursion, so 10,000 nested tags cannot overflow the stack.

Each element gets a *span* (pre-order start and end position); a block
belongs to an element when its position falls inside the element's span,
so "the blocks of this container" is a bisection, not a tree search.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString

from crawler.extract.clean import group_lines, normalize_line

__all__ = ["Block", "Walk", "HEADINGS", "element_classes", "is_hidden", "walk"]

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu", "nav",
    "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "caption", "legend",
})
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "select",
    "option", "button", "textarea", "input", "head", "title", "meta", "link", "map", "canvas",
    "video", "audio", "math", "frame", "frameset", "applet",
})
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BOLD = frozenset({"b", "strong"})
_ITALIC = frozenset({"i", "em"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HIDDEN_CLASSES = frozenset({"hidden", "d-none", "hide", "sr-only", "visually-hidden", "invisible"})
_CHROME = frozenset({"nav", "header", "footer", "aside"})


@dataclass(slots=True, eq=False)  # identity: two equal paragraphs are still two blocks
class Block:
    """One paragraph of visible text and where it sits."""

    el: Tag
    text: str
    pos: int
    chars: int
    link_chars: int
    bold_chars: int
    italic_chars: int
    after_image: bool
    heading: int = 0
    chrome: bool = False  # inside <nav>, <header>, <footer> or <aside>
    starts_with_link: bool = False

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0

    @property
    def bold(self) -> float:
        return self.bold_chars / self.chars if self.chars else 0.0

    @property
    def italic(self) -> float:
        return self.italic_chars / self.chars if self.chars else 0.0


@dataclass
class Walk:
    """What the walk over a page found."""

    blocks: list[Block] = field(default_factory=list)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    images: list[tuple[int, Tag]] = field(default_factory=list)
    #: ids of block elements that contain other block elements (not paragraphs).
    containers: set[int] = field(default_factory=set)
    #: Elements by class name, and by tag name under the key "<name".
    by_class: dict[str, list[Tag]] = field(default_factory=dict)
    by_id: dict[str, list[Tag]] = field(default_factory=dict)
    itemprops: list[Tag] = field(default_factory=list)
    times: list[Tag] = field(default_factory=list)
    jsonld: list[str] = field(default_factory=list)
    head_tags: list[Tag] = field(default_factory=list)
    anchors: list[tuple[int, Tag]] = field(default_factory=list)
    hidden: list[tuple[int, Tag]] = field(default_factory=list)
    max_depth: int = 0
    _positions: list[int] = field(default_factory=list)

    def span(self, el: Tag) -> tuple[int, int] | None:
        return self.spans.get(id(el))

    def blocks_in(self, el: Tag) -> list[Block]:
        """The blocks inside ``el``, in document order."""
        span = self.spans.get(id(el))
        if span is None:
            return []
        if len(self._positions) != len(self.blocks):
            self._positions = [b.pos for b in self.blocks]
        lo = bisect.bisect_left(self._positions, span[0])
        hi = bisect.bisect_left(self._positions, span[1])
        return self.blocks[lo:hi]

    def images_in(self, el: Tag) -> list[Tag]:
        span = self.spans.get(id(el))
        if span is None:
            return []
        return [img for pos, img in self.images if span[0] <= pos < span[1]]

    def anchors_in(self, el: Tag) -> list[Tag]:
        """The visible ``<a href>`` elements inside ``el``, in order."""
        span = self.spans.get(id(el))
        if span is None:
            return []
        lo = bisect.bisect_left(self.anchors, span[0], key=lambda item: item[0])
        hi = bisect.bisect_left(self.anchors, span[1], key=lambda item: item[0])
        return [a for _, a in self.anchors[lo:hi]]


def element_classes(el: Tag) -> str:
    """``class`` and ``id`` of an element as one lowercase string."""
    cls = el.attrs.get("class")
    if isinstance(cls, list):
        cls = " ".join(cls)
    return f"{cls or ''} {el.attrs.get('id') or ''}".lower()


def is_hidden(el: Tag) -> bool:
    """Hidden by attribute, inline style or a utility class."""
    attrs = el.attrs
    if not attrs:
        return False
    if "hidden" in attrs:
        return True
    style = attrs.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    cls = attrs.get("class")
    return bool(cls) and not _HIDDEN_CLASSES.isdisjoint(cls if isinstance(cls, list) else cls.split())


class _Run:
    """Inline text collected since the last block boundary, per ``<br>`` line."""

    __slots__ = ("lines", "chars")

    def __init__(self) -> None:
        # Each line: [text parts, chars, link chars, bold chars, italic chars,
        # whether its first visible text is link text].
        self.lines: list[list] = [[[], 0, 0, 0, 0, False]]
        self.chars = 0

    def add(self, text: str, n: int, link: bool, bold: bool, italic: bool, boundary: bool) -> None:
        line = self.lines[-1]
        if boundary and line[0] and text[:1].isalnum():
            last = line[0][-1][-1:]
            # Numbers in separate elements must not fuse ("2020-2025" + "24/03/2020").
            if last.isalnum() and (last.isdigit() or text[0].isdigit()):
                line[0].append(" ")
        line[0].append(text)
        if n:
            if not line[1]:
                line[5] = link
            self.chars += n
            line[1] += n
            if link:
                line[2] += n
            if bold:
                line[3] += n
            if italic:
                line[4] += n

    def br(self) -> None:
        self.lines.append([[], 0, 0, 0, 0, False])


def walk(root: BeautifulSoup | Tag) -> Walk:
    """Walk the page once, without recursion, and collect blocks and spans.

    Besides text blocks it indexes what later steps would otherwise search
    the whole tree for: elements by class and id (for profile selectors),
    ``itemprop`` and ``<time>`` elements, JSON-LD scripts and links.
    """
    out = Walk()
    pos = 0
    run = _Run()
    block_stack: list[Tag] = [root]  # type: ignore[list-item]
    heading = [0]
    depth = link = bold = italic = chrome = 0
    image_pending = boundary = False
    spans = out.spans
    by_class = out.by_class

    def flush() -> None:
        nonlocal run, image_pending, pos
        if not run.chars:
            if len(run.lines) > 1 or run.lines[0][0]:
                run = _Run()
            return
        el = block_stack[-1]
        level = HEADINGS.get(el.name, 0) or heading[-1]
        lines = run.lines
        texts = [normalize_line("".join(line[0])) for line in lines]
        for group in group_lines(texts):
            text = " ".join(texts[i] for i in group)
            out.blocks.append(Block(
                el, text, pos, len(text), sum(lines[i][2] for i in group),
                sum(lines[i][3] for i in group), sum(lines[i][4] for i in group),
                image_pending, level, chrome > 0, lines[group[0]][5],
            ))
            pos += 1
            image_pending = False
        run = _Run()

    # Stack entries: a node to enter, or (tag, name) to leave.
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if type(node) is tuple:
            tag, name = node
            depth -= 1
            boundary = True
            if name in BLOCK_TAGS:
                flush()
                block_stack.pop()
            if name == "a":
                link -= 1
            elif name in _BOLD:
                bold -= 1
            elif name in _ITALIC:
                italic -= 1
            elif name in HEADINGS:
                heading.pop()
            if name in _CHROME:
                chrome -= 1
            start = spans[id(tag)][0]
            spans[id(tag)] = (start, pos)
            pos += 1
            continue
        if isinstance(node, NavigableString):
            if isinstance(node, PreformattedString):
                continue
            text = str(node)
            if text:
                run.add(text, len(text.strip()), link > 0, bold > 0, italic > 0, boundary)
                boundary = False
            continue
        name = node.name  # type: ignore[attr-defined]
        attrs = node.attrs  # type: ignore[attr-defined]
        if name in SKIP_TAGS:
            if name == "script" and str(attrs.get("type", "")).lower() == "application/ld+json":
                out.jsonld.append(node.get_text())  # type: ignore[attr-defined]
            elif name in ("meta", "link", "base"):
                out.head_tags.append(node)  # type: ignore[arg-type]  # <meta> misplaced in <body>
            continue
        if attrs and is_hidden(node):  # type: ignore[arg-type]
            out.hidden.append((pos, node))  # type: ignore[arg-type]
            pos += 1
            continue
        if name == "br":
            run.br()
            continue
        if name == "img":
            if run.chars:
                flush()
            out.images.append((pos, node))  # type: ignore[arg-type]
            pos += 1
            image_pending = True
            continue
        if attrs:
            classes = attrs.get("class")
            if classes:
                for c in classes if isinstance(classes, list) else classes.split():
                    by_class.setdefault(c, []).append(node)  # type: ignore[arg-type]
            ident = attrs.get("id")
            if isinstance(ident, str):
                out.by_id.setdefault(ident, []).append(node)  # type: ignore[arg-type]
            if "itemprop" in attrs:
                out.itemprops.append(node)  # type: ignore[arg-type]
        if name in BLOCK_TAGS:
            flush()
            out.containers.add(id(block_stack[-1]))
            block_stack.append(node)  # type: ignore[arg-type]
        if name == "a":
            link += 1
            if attrs.get("href"):
                out.anchors.append((pos, node))  # type: ignore[arg-type]
        elif name in _BOLD:
            bold += 1
        elif name in _ITALIC:
            italic += 1
        elif name in HEADINGS:
            heading.append(HEADINGS[name])
        elif name == "time" and attrs.get("datetime"):
            out.times.append(node)  # type: ignore[arg-type]
        if name in _CHROME:
            chrome += 1
        boundary = True
        by_class.setdefault("<" + name, []).append(node)  # type: ignore[arg-type]
        spans[id(node)] = (pos, pos)
        pos += 1
        depth += 1
        if depth > out.max_depth:
            out.max_depth = depth
        stack.append((node, name))
        contents = node.contents  # type: ignore[attr-defined]
        if contents:
            stack.extend(reversed(contents))
    flush()
    return out
