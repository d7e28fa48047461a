"""JSON API: ``/api/search``, ``/api/article/<id>``, ``/api/facets``, ``/healthz``.

The same parameters as the search page; ``/api/search`` returns the search
service's result dict, i.e. the shape of ``khotin search --json`` plus the
``histogram`` and ``took_ms``.  Invalid input is a 400 with
``{"error": {"param": …, "message": …}}`` (raised here, rendered by
:mod:`webui.errors`).  ``/api/openapi.json`` describes every route.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, jsonify, request

from . import search_service
from .openapi import openapi_spec
from .search import parse_params

bp = Blueprint("api", __name__)


@bp.get("/api/search", endpoint="search")
def search():
    params = parse_params(request.args)
    return jsonify(search_service().search(params, histogram=True))


@bp.get("/api/facets", endpoint="facets")
def facets():
    params = parse_params(request.args)
    return jsonify(search_service().facets(params))


@bp.get("/api/article/<articleid:article_id>", endpoint="article")
def article(article_id: str):
    from .replay import article_captures

    record = search_service().article(article_id)
    if record is None:
        abort(404)
    data = record.to_dict()
    data["captures"] = [asdict(c) for c in article_captures(record)]
    return jsonify(data)


@bp.get("/healthz", endpoint="health")
def health():
    return jsonify({"status": "ok", "documents": search_service().index_documents()})


@bp.get("/api/openapi.json", endpoint="openapi")
def openapi():
    return jsonify(openapi_spec())
