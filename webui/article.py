"""The article page ``/article/<id>``: extracted fields, body, citation, captures.

Ids are routed by the ``articleid`` converter (16 hex digits), so a path
such as ``../../etc/passwd`` never reaches a view; ids are only ever used as
catalog keys, never as file names.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from . import search_service
from .citation import citation
from .replay import article_captures

bp = Blueprint("article", __name__)


@bp.get("/article/<articleid:article_id>", endpoint="show")
def show(article_id: str):
    article = search_service().article(article_id)
    if article is None:
        abort(404)
    captures = article_captures(article)
    captured_at = captures[0].fetched_at if captures else article.fetched_at
    paragraphs = [p for p in article.body.split("\n") if p.strip()]
    return render_template("article.html", article=article, paragraphs=paragraphs,
                           captures=captures, captured_at=captured_at,
                           citation=citation(article, captured_at))
