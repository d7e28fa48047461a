"""Machine-readable metadata: JSON-LD, OpenGraph/``article:*`` meta, microdata.

Structured data is the second layer: reliable when present, but it lies in
two known ways on district portals, and both are handled here rather than
trusted downstream:

* the author field names the site's brand or a unit ("Ban Biên tập",
  "UBND huyện Mai Sơn"): such a value is never reported as an author, so a
  printed byline wins;
* times are written in UTC (``2024-09-26T18:30:00Z``): they are converted to
  +07:00 before the date is taken, or a story published at 01:30 would be
  dated the day before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, Tag

from crawler.extract.bylines import is_brand, is_organization, looks_like_name
from crawler.extract.clean import normalize_line
from crawler.extract.dates import ParsedDate, parse_iso_datetime
from crawler.extract.dom import Walk

__all__ = ["Meta", "structured_layer"]

_ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle",
                  "analysisnewsarticle", "report", "scholarlyarticle", "techarticle"}


class Meta:
    """The ``<head>`` facts every layer may need, read once."""

    def __init__(self, soup: BeautifulSoup, walk: Walk | None = None):
        self.props: dict[str, list[str]] = {}
        self.title = ""
        self.canonical = ""
        self.base = ""
        self.lang = ""
        self.feeds: list[str] = []
        self.refresh: str | None = None
        self.robots: set[str] = set()
        self.jsonld: list[dict[str, Any]] = []
        if walk is None:
            for el in soup.find_all(("meta", "link", "title", "base", "html", "script")):
                self._read(el)
            return
        # The body was indexed by the walk; only <head> (small) is searched.
        html = soup.find("html")
        if isinstance(html, Tag):
            self._read(html)
        head = soup.head
        if isinstance(head, Tag):
            for el in head.find_all(("meta", "link", "title", "base", "script")):
                self._read(el)
        for el in walk.head_tags:
            self._read(el)
        for text in walk.jsonld:
            self._jsonld(text)

    def _read(self, el: Tag) -> None:
        name = el.name
        a = el.attrs
        if name == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").strip().lower()
            content = a.get("content")
            if isinstance(content, str) and key:
                self.props.setdefault(key, []).append(content.strip())
            equiv = (a.get("http-equiv") or "").lower()
            if equiv == "refresh" and isinstance(content, str):
                m = re.search(r"url\s*=\s*['\"]?([^'\";]+)", content, re.IGNORECASE)
                self.refresh = m.group(1).strip() if m else None
            elif equiv == "content-language" and isinstance(content, str) and not self.lang:
                self.lang = content.strip()
            if key in ("robots", "googlebot") and isinstance(content, str):
                self.robots |= {t.strip().lower() for t in content.split(",")}
        elif name == "link":
            rel = a.get("rel") or []
            rel = [r.lower() for r in (rel if isinstance(rel, list) else rel.split())]
            href = a.get("href")
            if not isinstance(href, str) or not href.strip():
                return
            if "canonical" in rel and not self.canonical:
                self.canonical = href.strip()
            typ = (a.get("type") or "").lower()
            if "alternate" in rel and ("rss" in typ or "atom" in typ):
                self.feeds.append(href.strip())
        elif name == "title" and not self.title:
            self.title = normalize_line(el.get_text())
        elif name == "base" and not self.base and isinstance(a.get("href"), str):
            self.base = a["href"].strip()
        elif name == "html" and not self.lang:
            self.lang = (a.get("lang") or a.get("xml:lang") or "").strip()
        elif name == "script" and (a.get("type") or "").lower() == "application/ld+json":
            self._jsonld(el.string or el.get_text() or "")

    def _jsonld(self, text: str) -> None:
        try:
            data = json.loads(text.strip().rstrip(";"))
        except (ValueError, RecursionError):
            return
        for item in _flatten(data):
            self.jsonld.append(item)

    def get(self, *keys: str) -> str:
        for key in keys:
            for value in self.props.get(key, ()):
                if value:
                    return value
        return ""

    def all(self, key: str) -> list[str]:
        return [v for v in self.props.get(key, ()) if v]

    @property
    def brands(self) -> list[str]:
        """Names the site calls itself: og:site_name, publisher, title suffix."""
        out = [self.get("og:site_name", "application-name", "twitter:site")]
        for item in self.jsonld:
            pub = item.get("publisher")
            if isinstance(pub, dict) and isinstance(pub.get("name"), str):
                out.append(pub["name"])
        for sep in (" | ", " - ", " – ", " :: ", " » "):
            if sep in self.title:
                out.append(self.title.rsplit(sep, 1)[-1])
        return [normalize_line(b) for b in out if b]


def _flatten(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document (``@graph`` lists included)."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _flatten(graph, depth + 1)


def _types(item: dict[str, Any]) -> set[str]:
    t = item.get("@type")
    values = t if isinstance(t, list) else [t]
    return {str(v).lower() for v in values if v}


def _names(value: Any) -> list[tuple[str, str]]:
    """(name, type) pairs of a JSON-LD ``author``."""
    out: list[tuple[str, str]] = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, str):
            out.append((v, ""))
        elif isinstance(v, dict) and isinstance(v.get("name"), str):
            out.append((v["name"], " ".join(sorted(_types(v)))))
    return out


def _person_authors(candidates: list[tuple[str, str]], brands: list[str]) -> list[str]:
    """Authors that are people: not organisations, not the site's brand."""
    out = []
    for raw, typ in candidates:
        for name in re.split(r"\s*[,;]\s*|\s+-\s+", normalize_line(raw)):
            if not name or "organization" in typ or is_brand(name, brands) or is_organization(name):
                continue
            if typ == "person" or looks_like_name(name):
                out.append(name)
    return out


def _date(value: str) -> ParsedDate | None:
    return parse_iso_datetime(value) if value else None


def structured_layer(soup: BeautifulSoup, meta: Meta, walk: Walk | None = None) -> dict[str, Any]:
    """Fields from JSON-LD, then meta tags, then microdata (first wins)."""
    out: dict[str, Any] = {}
    brands = meta.brands
    article = next((i for i in meta.jsonld if _types(i) & _ARTICLE_TYPES), None)
    if article:
        out["structured_type"] = "article"
        if isinstance(article.get("headline"), str):
            out["title_hint"] = normalize_line(article["headline"])
        for key, field in (("datePublished", "published"), ("dateModified", "modified")):
            d = _date(str(article.get(key) or ""))
            if d:
                out[field] = d
        authors = _person_authors(_names(article.get("author")), brands)
        if authors:
            out["authors"] = authors
        section = article.get("articleSection")
        if isinstance(section, list):
            section = section[0] if section else ""
        if isinstance(section, str) and section.strip():
            out["category"] = normalize_line(section)
        keywords = article.get("keywords")
        if isinstance(keywords, str):
            keywords = [k for k in keywords.split(",")]
        if isinstance(keywords, list):
            out["tags"] = [normalize_line(str(k)) for k in keywords if str(k).strip()]
    crumbs = next((i for i in meta.jsonld if "breadcrumblist" in _types(i)), None)
    if crumbs and "category" not in out:
        names = [normalize_line(str((e.get("item") or {}).get("name") or e.get("name") or ""))
                 for e in crumbs.get("itemListElement") or [] if isinstance(e, dict)]
        names = [n for n in names if n]
        if len(names) >= 2:
            out["crumbs"] = names

    og_type = meta.get("og:type").lower()
    if og_type:
        out.setdefault("structured_type", "article" if og_type == "article" else og_type)
    title = meta.get("og:title", "twitter:title")
    if title:
        out.setdefault("title_hint", normalize_line(title))
    for keys, field in ((("article:published_time", "datepublished", "pubdate", "publishdate",
                          "dc.date.issued", "dcterms.created", "date", "dc.date"), "published"),
                        (("article:modified_time", "og:updated_time", "datemodified",
                          "dcterms.modified", "last-modified"), "modified")):
        if field not in out:
            d = _date(meta.get(*keys))
            if d:
                out[field] = d
    if "authors" not in out:
        authors = _person_authors([(a, "") for a in meta.all("article:author") + meta.all("author")
                                   if not a.startswith("http")], brands)
        if authors:
            out["authors"] = authors
    if "category" not in out and meta.get("article:section"):
        out["category"] = normalize_line(meta.get("article:section"))
    if "tags" not in out and meta.all("article:tag"):
        out["tags"] = [normalize_line(t) for t in meta.all("article:tag")]
    desc = meta.get("og:description", "description", "twitter:description")
    if desc:
        out["description"] = normalize_line(desc)
    _microdata(soup, out, brands, walk)
    return out


def _microdata(soup: BeautifulSoup, out: dict[str, Any], brands: list[str],
               walk: Walk | None) -> None:
    """``itemprop`` values in the body (NukeViet marks its article up this way)."""
    items = walk.itemprops[:200] if walk is not None else soup.find_all(attrs={"itemprop": True}, limit=200)
    for el in items:
        if el.name == "meta":
            continue
        prop = str(el.attrs.get("itemprop") or "").lower()
        if prop in ("datepublished", "datemodified"):
            field = "published" if prop == "datepublished" else "modified"
            if field not in out:
                value = el.attrs.get("datetime") or el.attrs.get("content") or el.get_text(" ")
                d = _date(str(value))
                if d:
                    out[field] = d
        elif prop == "headline" and "title_hint" not in out:
            out["title_hint"] = normalize_line(el.get_text(" "))
        elif prop == "author" and "authors" not in out:
            name = el.find(attrs={"itemprop": "name"})
            text = (name or el).get_text(" ")
            authors = _person_authors([(text, "")], brands)
            if authors:
                out["authors"] = authors
    times = []
    found = walk.times[:20] if walk is not None else soup.find_all("time", attrs={"datetime": True}, limit=20)
    for t in found:
        d = _date(str(t.attrs["datetime"]))
        if d:
            times.append((t, d))
    if times:
        # Used only when the element sits in the article (sidebars have them too).
        out["time_elements"] = times
