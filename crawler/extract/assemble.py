"""The last step: from the merged layers to the :class:`Extraction`.

Decides whether the page is an article at all (listings, home, contact and
404 pages are not, and then every article field stays empty, as the gold
files expect), reconciles the printed and the machine-readable date, turns
bylines into authors and organisation, and collects the crawl facts
(links, feeds, robots meta, canonical URL).
"""

from __future__ import annotations

from typing import Any

from crawler.extract import metadata
from crawler.extract.bylines import Byline
from crawler.extract.page import Page

__all__ = ["finish"]


def _people(bylines: list[Byline]) -> tuple[list[str], str]:
    """Authors (in order, no repeats) and the first unit named; ``PV`` is nobody."""
    names: list[str] = []
    org = ""
    for b in bylines:
        if b.kind == "pv":
            continue
        for n in b.names:
            if n not in names:
                names.append(n)
        org = org or b.organization
    return names, org


def _published(state: dict[str, Any]) -> str | None:
    """The printed date, with the machine-readable time when both name the same day."""
    printed = state.get("published")
    machine = state.get("machine_published")
    if printed is None:
        return machine.iso() if machine else None
    if (machine is not None and machine.has_time and not printed.has_time
            and machine.date() == printed.date()):
        return machine.iso()
    return printed.iso()


def _language(lang: str) -> str:
    """``vi-VN`` -> ``vi``; district portals are Vietnamese when they do not say."""
    primary = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else "vi"


def _is_article(page: Page, state: dict[str, Any], body: str) -> tuple[bool, str]:
    """(is it an article, why not): a title, enough text, a date, and no listing shape."""
    if not state.get("title"):
        return False, "no title found"
    if len(body) < 250:
        return False, "no article text found"
    signals = state.get("_listing") or {}
    if (signals.get("headline_links", 0) >= 4 or signals.get("headed", 0) >= 2
            or signals.get("dated_links", 0) >= 2):
        return False, "page lists other articles"
    if signals.get("date_lines", 0) >= 3:
        return False, "page lists dated items"
    if signals.get("gap", 0) > 25:
        return False, "the text found is far from the title"
    if not state.get("published") and page.structured.get("structured_type") != "article":
        return False, "no publication date found"
    return True, ""


def finish(page: Page, state: dict[str, Any], ex: Any) -> None:
    """Fill the :class:`Extraction` from the merged state."""
    meta = page.meta
    base = page.base
    ex.links = _links(page)
    ex.feeds = [u for u in (metadata.absolute_url(base, f) for f in meta.feeds) if u]
    ex.meta_refresh = metadata.absolute_url(base, meta.refresh) if meta.refresh else None
    ex.robots_noindex = bool(meta.robots & {"noindex", "none"})
    ex.robots_nofollow = bool(meta.robots & {"nofollow", "none"})
    ex.language = _language(meta.lang)
    ex.canonical_url = (metadata.absolute_url(base, meta.canonical)
                        or metadata.absolute_url(base, meta.get("og:url")) or page.url)
    body = "\n\n".join(state.get("body") or [])
    ok, reason = _is_article(page, state, body)
    ex.is_article = ok
    if not ok:
        ex.warnings.append(f"not an article: {reason}")
        return
    ex.title = state.get("title", "")
    ex.published = _published(state)
    modified = state.get("modified")
    ex.modified = modified.iso() if modified else None
    names, org = _people(state.get("bylines") or [])
    if not names and not org:
        names = list(state.get("authors") or [])
    ex.authors, ex.organization = names, org
    ex.summary = state.get("summary", "")
    ex.body = body
    ex.captions = list(state.get("captions") or [])
    ex.category = state.get("category", "")
    ex.tags = list(dict.fromkeys(state.get("tags") or []))
    ex.attachments = list(state.get("attachments") or [])
    ex.images = list(state.get("images") or [])


def _links(page: Page) -> list[str]:
    """Every ``<a href>`` as an absolute http(s) URL, in order, without repeats.

    Links in hidden elements (drop-down menus) count too: they are real
    pages for the crawler even if the walk skipped their text.
    """
    walk = page.walk
    anchors = list(walk.anchors)
    for pos, el in walk.hidden:
        anchors += [(pos, a) for a in el.find_all("a", href=True)]
    if walk.hidden:
        anchors.sort(key=lambda item: item[0])
    seen: dict[str, None] = {}
    for _, a in anchors:
        url = metadata.absolute_url(page.base, a.attrs.get("href"))
        if url:
            seen.setdefault(url, None)
    return list(seen)
