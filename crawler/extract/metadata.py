"""Visible metadata: the printed title, the date next to it, breadcrumbs, tags.

These heuristics read what a reader sees, anchored on the title:

* the title is the heading that matches what the page calls itself
  (``og:title``, JSON-LD ``headline``, ``<title>``) and stands just above
  the text, so a site-name ``<h1>`` in the header loses;
* the publication date is the date printed in a short line next to the
  title (just above or below it), not the first date of the page (sidebars
  list dated headlines) nor the date in the body's first sentence;
* the category is the last breadcrumb that is not the title (or a short
  "kicker" link just above the title);
* attachments and images are looked for in the article, not the sidebars.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from crawler.extract.clean import normalize_line
from crawler.extract.content import is_date_line
from crawler.extract.dates import ParsedDate, find_dates, parse_vn_date
from crawler.extract.dom import Block, Walk, element_classes

__all__ = [
    "FILE_EXTENSIONS", "attachments_in", "breadcrumbs", "date_near", "find_title",
    "images_in", "tags_from_page", "title_from_head", "url_date",
]

FILE_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "zip", "rar", "7z", "ppt", "pptx", "odt", "ods")
_FILE_RE = re.compile(r"\.(" + "|".join(FILE_EXTENSIONS) + r")(?:$|[&;])", re.IGNORECASE)
_TITLE_SEPS = re.compile(r"\s+[|–—-]\s+|\s+::\s+|\s+»\s+|\s+/\s+")
_HOME = re.compile(r"^(?:trang\s+chủ|trang\s+nhất|home|trang\s+chu)$", re.IGNORECASE)
_CRUMB_SEPS = re.compile(r"\s*[›»>/|]\s*")
_TAG_LABEL = re.compile(r"^\s*(?:từ\s+khóa|từ\s+khoá|tags?|thẻ|keywords?)\s*[:：]?\s*", re.IGNORECASE)
_URL_DATE = re.compile(r"/(20\d{2}|19\d{2})/(\d{1,2})/(\d{1,2})/")
_TINY_IMAGE = re.compile(r"logo|icon|banner|spacer|blank|pixel|avatar|loading|/icons?/|emoji", re.IGNORECASE)


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def title_from_head(head_title: str, brands: Iterable[str]) -> str:
    """``<title>`` without the site name: the longest part that is not a brand."""
    parts = [p for p in _TITLE_SEPS.split(head_title) if p.strip()]
    if len(parts) <= 1:
        return head_title.strip()
    brand_keys = {_key(b) for b in brands if b}
    kept = [p for p in parts if _key(p) not in brand_keys]
    if len(kept) == len(parts):
        kept = parts[:-1]  # the site name is conventionally last
    return normalize_line(" - ".join(kept)) if kept else head_title.strip()


def find_title(walk: Walk, hints: list[tuple[str, float]], brands: Iterable[str],
               body_pos: int | None = None) -> tuple[str, Block | None]:
    """The printed title and its block; falls back to the best hint.

    ``hints`` are (text, weight): ``og:title`` and JSON-LD ``headline`` name
    the article, ``<title>`` often only the site.  A heading scores for
    matching a hint, for being a heading, and for standing just above the
    body (``body_pos``, the first paragraph); a site name in capitals in
    the page header loses to the headline next to the text.
    """
    hint_keys = [(_key(h), w) for h, w in hints if h]
    brand_keys = {_key(b) for b in brands if b}
    blocks = walk.blocks
    body_index = None
    if body_pos is not None:
        body_index = next((i for i, b in enumerate(blocks) if b.pos >= body_pos), None)
    best: tuple[float, int, Block] | None = None
    for i, b in enumerate(blocks):
        if not 6 <= b.chars <= 400 or b.link_density > 0.5:
            continue
        key = _key(b.text)
        if not key:
            continue
        score = 0.0
        for h, weight in hint_keys:
            if key == h:
                score = max(score, weight)
            elif h.startswith(key) and len(key) >= 0.5 * len(h) and len(key.split()) >= 3:
                score = max(score, weight - 2)
            elif key.startswith(h) and len(h) >= 0.8 * len(key) and len(h.split()) >= 3:
                score = max(score, weight - 3)
        classes = element_classes(b.el)
        titled = "title" in classes or "tieu" in classes or "headline" in classes
        if not score and not b.heading and not titled:
            continue
        score += {1: 2.0, 2: 1.0, 3: 0.5}.get(b.heading, 0.0) + (0.5 if titled else 0.0)
        if body_index is not None:
            gap = body_index - i
            score += 4.0 if 0 < gap <= 6 else 2.0 if 0 < gap <= 15 else -2.0 if gap < -3 else 0.0
        if b.chrome:
            score -= 2.0
        if key in brand_keys or (b.text.isupper() and len(key.split()) >= 4):
            score -= 3.0
        if b.chars < 15:
            score -= 1.0
        if best is None or score > best[0]:
            best = (score, i, b)
    if best is not None and best[0] >= 4.0:
        return best[2].text, best[2]
    fallback = next((h for h, _ in hints if h), "")
    return (title_from_head(fallback, brands) if fallback else ""), None


def date_near(walk: Walk, title: Block | None, body_start: int | None,
              time_elements: list[tuple[Tag, ParsedDate]] = ()) -> tuple[ParsedDate | None, ParsedDate | None]:
    """(published, modified) printed in short lines around the title.

    Looks at up to three lines above the title and the lines between it and
    the body (at most ten).  A date labelled ``Ngày đăng`` wins over an
    unlabelled one, which wins over ``Cập nhật`` (used as the publication
    date when it is the only one, as SharePoint pages print it).
    """
    if title is None:
        return None, None
    blocks = walk.blocks
    idx = blocks.index(title)
    stop = idx + 11
    if body_start is not None and body_start > title.pos:
        first = next((i for i, b in enumerate(blocks) if b.pos >= body_start), len(blocks))
        stop = min(stop, first + 2)
    after = blocks[idx + 1: stop]
    before = list(reversed(blocks[max(0, idx - 3): idx]))
    found: list[tuple[int, float, ParsedDate]] = []
    for rank, region in ((0, after), (1, before)):
        for dist, b in enumerate(region):
            if b.chars > 160 or b.link_density > 0.5:
                continue
            for d in find_dates(b.text):
                found.append((rank, dist, d))
    span_lo = title.pos - 40
    span_hi = blocks[min(len(blocks) - 1, idx + 10)].pos if blocks else 0
    if body_start is not None:
        span_hi = max(span_hi, body_start)
    for el, d in time_elements:
        span = walk.span(el)
        if span and span_lo <= span[0] <= span_hi:
            found.append((0, -1, d))
    if not found:
        return None, None

    def pick(label: str | None) -> ParsedDate | None:
        hits = [f for f in found if f[2].label == label]
        return min(hits, key=lambda f: (f[0], f[1]))[2] if hits else None

    published = pick("published") or pick(None) or pick("modified")
    modified = pick("modified")
    if modified is not None and published is not None and modified.iso() == published.iso():
        modified = None
    return published, modified


def date_lines_after(walk: Walk, end_pos: int, limit: int = 6) -> ParsedDate | None:
    """A date printed in a short line just after the body (some portals print it last)."""
    for b in walk.blocks:
        if b.pos < end_pos:
            continue
        limit -= 1
        if limit < 0:
            break
        if is_date_line(b.text):
            return parse_vn_date(b.text)
    return None


def url_date(url: str) -> ParsedDate | None:
    """``/2024/09/27/`` in a WordPress-style URL."""
    m = _URL_DATE.search(urlsplit(url).path + "/")
    if not m:
        return None
    try:
        return parse_vn_date(f"{int(m.group(3))}/{int(m.group(2))}/{m.group(1)}")
    except ValueError:
        return None


def breadcrumbs(soup: BeautifulSoup, walk: Walk | None = None, before: int | None = None) -> list[str]:
    """The breadcrumb trail without the home link, found by shape.

    A trail is a short group of links whose first link goes home
    (``Trang chủ``, ``Trang nhất``); the main menu also starts there but
    has more links.  When several groups qualify, one marked as a
    breadcrumb wins, else the last one before the title (``before``).
    """
    trails: list[tuple[int, int, list[str]]] = []
    seen: set[int] = set()
    anchors = [a for _, a in walk.anchors] if walk is not None else soup.find_all("a", limit=600)
    for a in anchors:
        if not (_HOME.match(normalize_line(a.get_text(" "))) or _home_href(a)):
            continue
        el: Tag | None = a
        for _ in range(4):
            el = el.parent if el is not None else None
            if el is None or el.name in ("body", "html"):
                break
            links = walk.anchors_in(el) if walk is not None else el.find_all("a", limit=9)
            if len(links) < 2:
                continue
            if len(links) <= 7 and id(el) not in seen:
                seen.add(id(el))
                items = _crumb_items(el)
                if items and len(" ".join(items)) < 250:
                    marked = any(w in element_classes(el) for w in ("breadcrumb", "crumb", "duong-dan", "path"))
                    span = walk.span(el) if walk is not None else None
                    trails.append((int(marked), span[0] if span else 0, items))
            break
    if walk is not None:
        trails += _marked_trails(walk, seen)
    if not trails:
        return []
    marked = [t for t in trails if t[0]]
    if marked:
        return marked[0][2]
    if before is not None:
        earlier = [t for t in trails if t[1] < before]
        if earlier:
            return earlier[-1][2]
    return trails[0][2]


def _home_href(a: Tag) -> bool:
    """A link to the site root (an icon-only "home" link in a breadcrumb)."""
    href = str(a.attrs.get("href") or "").strip()
    if href not in ("/", "./", "index.html", "/index.html", "/vi/", "/default.aspx", "/trang-chu"):
        return False
    return len(normalize_line(a.get_text(" "))) <= 12


_CRUMB_MARKS = ("breadcrumb", "crumb", "duong-dan", "duongdan", "path")


def _marked_trails(walk: Walk, seen: set[int]) -> list[tuple[int, int, list[str]]]:
    """Trails marked as such by class, ``aria-label`` or BreadcrumbList microdata."""
    out = []
    for key, els in walk.by_class.items():
        if not any(m in key.lower() for m in _CRUMB_MARKS) or key.startswith("<"):
            continue
        for el in els:
            if id(el) not in seen:
                seen.add(id(el))
                items = _crumb_items(el)
                if items and len(" ".join(items)) < 250:
                    out.append((1, (walk.span(el) or (0, 0))[0], items))
    for el in walk.by_class.get("<nav", []) + walk.by_class.get("<ol", []):
        label = f"{el.attrs.get('aria-label', '')} {el.attrs.get('itemtype', '')}".lower()
        if id(el) not in seen and ("breadcrumb" in label or "đường dẫn" in label):
            seen.add(id(el))
            items = _crumb_items(el)
            if items and len(" ".join(items)) < 250:
                out.append((1, (walk.span(el) or (0, 0))[0], items))
    return out


def _rel(a: Tag) -> list[str]:
    rel = a.attrs.get("rel") or []
    return rel.lower().split() if isinstance(rel, str) else [r.lower() for r in rel]


def rel_category(walk: Walk, region: Tag | None) -> str:
    """The first ``rel="category"`` link in the article (WordPress and others)."""
    anchors = walk.anchors_in(region) if region is not None else [a for _, a in walk.anchors]
    for a in anchors:
        if "category" in _rel(a):
            text = normalize_line(a.get_text(" "))
            if text:
                return text
    return ""


def kicker(walk: Walk, title: Block | None) -> str:
    """A short category link printed just above the title (a "kicker")."""
    if title is None:
        return ""
    idx = next((i for i, b in enumerate(walk.blocks) if b is title), None)
    if idx is None:
        return ""
    for b in reversed(walk.blocks[max(0, idx - 3): idx]):
        if is_date_line(b.text) or b.chrome:
            continue
        if b.chars <= 40 and b.link_density >= 0.9 and not _HOME.match(b.text):
            parent = b.el.parent if b.el.parent is not None else b.el
            if len(walk.anchors_in(parent)) <= 3:
                return b.text
        break
    return ""


def _crumb_items(el: Tag) -> list[str]:
    lis = el.find_all("li")
    if lis:
        texts = [normalize_line(li.get_text(" ")) for li in lis]
    else:
        texts = [normalize_line(t) for t in _CRUMB_SEPS.split(el.get_text("/"))]
    return [t for t in texts if t and not _HOME.match(t)]


def tags_from_page(walk: Walk) -> list[str]:
    """Tags printed as links after a ``Từ khóa:``/``Tags:`` label, or ``rel=tag``."""
    tags = [_tag(a.get_text(" ")) for _, a in walk.anchors
            if "tag" in _rel(a) and "category" not in _rel(a)]
    if tags:
        return [t for t in tags if t]
    for b in walk.blocks:
        if b.chars > 300 or not _TAG_LABEL.match(b.text):
            continue
        links = [_tag(a.get_text(" ")) for a in b.el.find_all("a")]
        links = [t for t in links if t]
        if links:
            return links
    return []


def _tag(text: str) -> str:
    return normalize_line(text).lstrip("#").strip()


#: What a browser removes before parsing a URL (WHATWG): C0 controls and spaces at the ends,
#: tabs and newlines anywhere; other controls inside are percent-encoded.
_URL_TRIM = re.compile(r"^[\s\x00-\x20]+|[\s\x00-\x20]+$|[\t\n\r]")
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _absolute(base: str, href: str | None) -> str | None:
    if not href or not isinstance(href, str):
        return None
    href = _URL_TRIM.sub("", href)  # so " \x0ejavascript:" is seen as the script link it is
    if href.lower().startswith(("javascript:", "vbscript:", "mailto:", "tel:", "data:", "#")):
        return None
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    url = _URL_CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", url)
    return url.split("#", 1)[0] if url.startswith(("http://", "https://")) else None


def links_to_files(el: Tag) -> bool:
    """Whether ``el`` links to a document file (an attachment list entry)."""
    for a in el.find_all("a", href=True, limit=5) if el.name != "a" else [el]:
        path = urlsplit(str(a.attrs.get("href") or "")).path
        if _FILE_RE.search(path):
            return True
    return False


def attachments_in(elements: Iterable[Tag], base: str, walk: Walk | None = None) -> list[str]:
    """Absolute URLs of document files (PDF, DOC, XLS, ZIP, RAR…) linked in ``elements``."""
    out: list[str] = []
    for el in elements:
        anchors = walk.anchors_in(el) if walk is not None and walk.span(el) else el.find_all("a", href=True)
        for a in anchors:
            url = _absolute(base, a.attrs.get("href"))
            if not url:
                continue
            parts = urlsplit(url)
            if url not in out and (_FILE_RE.search(parts.path) or _FILE_RE.search(parts.query)):
                out.append(url)
    return out


def images_in(walk: Walk, elements: Iterable[Tag], base: str) -> list[str]:
    """Absolute URLs of the article's images (not logos, icons or spacers)."""
    out: list[str] = []
    for el in elements:
        for img in walk.images_in(el):
            src = img.attrs.get("data-src") or img.attrs.get("data-original") or img.attrs.get("src")
            url = _absolute(base, src if isinstance(src, str) else None)
            if not url or _TINY_IMAGE.search(url):
                continue
            w, h = img.attrs.get("width"), img.attrs.get("height")
            if any(str(v).isdigit() and int(v) < 40 for v in (w, h) if v is not None):
                continue
            if url not in out:
                out.append(url)
    return out


def absolute_url(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base``, http(s) only, fragment removed."""
    return _absolute(base, href)
