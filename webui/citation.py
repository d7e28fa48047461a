"""A stable, plain-text citation line for an article.

Format (fields left out when unknown, never reordered)::

    Authors (Organisation). "Title". site, DD/MM/YYYY. URL. Lưu trữ ngày DD/MM/YYYY.

e.g. ``Thuý Ngà (Ban Tuyên giáo Huyện uỷ Mai Sơn). "…". maison, 27/09/2024.
https://… Lưu trữ ngày 28/09/2024.``  Names are printed as the portal
printed them; the template escapes the whole line.
"""

from __future__ import annotations

from crawler.article import Article

from .templating import vn_date


def citation(article: Article, captured_at: str | None) -> str:
    who = ", ".join(article.authors)
    if who and article.organization:
        who = f"{who} ({article.organization})"
    elif article.organization:
        who = article.organization
    parts = [f"{who}." if who else "", f"\"{article.title}\"." if article.title else ""]
    where = ", ".join(p for p in (article.site, vn_date(article.published) or "không rõ ngày") if p)
    parts.append(f"{where}.")
    parts.append(f"{article.canonical_url or article.url}.")
    archived = vn_date(captured_at)
    if archived:
        parts.append(f"Lưu trữ ngày {archived}.")
    return " ".join(p for p in parts if p)
