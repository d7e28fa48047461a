"""JSON API: search, article, facets, health, OpenAPI; errors are JSON too."""

from __future__ import annotations

import json
import re

import pytest

from khotin.cli import main as khotin_main
from search.params import SearchParams


def test_api_search_has_the_cli_json_shape(client, webdata, capsys):
    response = client.get("/api/search?q=huyen+uy+mai+son&per_page=20")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert khotin_main(["--data-dir", str(webdata.data.root), "search", "huyen uy mai son",
                        "--json", "--limit", "20"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert set(data) == set(cli) | {"histogram", "took_ms"}
    for key in cli:
        assert data[key] == cli[key], key
    first = data["results"][0]
    assert set(first) == {"id", "url", "site", "title", "published", "author", "organization",
                          "category", "score", "snippet"}
    assert set(data["facets"]) == {"author", "site", "category", "year"}
    assert data["histogram"]["unit"] in ("month", "year")
    assert any(r["id"] == webdata.seed.id for r in data["results"])


def test_api_search_filters_and_paging(client, webdata):
    data = client.get("/api/search?q=mai+son&author=Thuy+Nga&from=27/09/2024&to=2024-09-27").get_json()
    assert [r["id"] for r in data["results"]] == [webdata.seed.id]
    page = client.get("/api/search?q=huyen&per_page=3&page=2&sort=newest").get_json()
    assert page["page"] == 2 and page["per_page"] == 3 and len(page["results"]) == 3
    dates = [r["published"] for r in page["results"]]
    assert dates == sorted(dates, reverse=True)


def test_api_per_page_limit(client):
    assert len(client.get("/api/search?per_page=100").get_json()["results"]) == 100
    response = client.get("/api/search?per_page=101")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "per_page"


@pytest.mark.parametrize("query, param", [
    ("from=yesterday", "from"), ("to=31/02/2024", "to"), ("sort=random", "sort"), ("page=-1", "page"),
    ("page=1e3", "page"), ("per_page=0", "per_page"), ("site=" + "s" * 201, "site"),
    ("q=" + "x" * 1001, "q"), ("q=NOT+%28%29", "q"), ("from=2024-02-01&to=2024-01-01", "from"),
])
def test_api_bad_parameters_are_400_json(client, query, param):
    for path in ("/api/search", "/api/facets"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        error = response.get_json()["error"]
        assert error["param"] == param
        assert error["message"] and "Traceback" not in error["message"]


def test_api_article_is_the_full_record_with_captures(client, webdata):
    data = client.get(f"/api/article/{webdata.seed.id}").get_json()
    expected = webdata.seed.to_dict()
    for key, value in expected.items():
        assert data[key] == value, key
    assert [c["id"] for c in data["captures"]] == [
        webdata.captures["seed_revisit"], webdata.captures["seed_new"], webdata.captures["seed_old"]]
    assert data["captures"][0]["record_type"] == "revisit"
    assert set(data["captures"][0]) == {"id", "url", "article_id", "record_type", "status", "content_type",
                                        "payload_digest", "warc_file", "warc_offset", "warc_length",
                                        "fetched_at"}


def test_api_article_errors(client):
    response = client.get("/api/article/0000000000000000")
    assert response.status_code == 404 and response.get_json()["error"]["message"]
    assert client.get("/api/article/..%2f..%2fetc%2fpasswd").status_code == 404


def test_api_facets_counts_all_matches(client, app):
    data = client.get("/api/facets?q=huyen").get_json()
    service = app.extensions["khotin"]
    assert data["total"] == service.search(SearchParams(q="huyen"))["total"]
    assert set(data) == {"query", "total", "facets", "histogram"}
    assert sum(count for _, count in data["facets"]["year"]) <= data["total"]


def test_healthz(client, webdata):
    data = client.get("/healthz").get_json()
    assert data == {"status": "ok", "documents": webdata.generated + 4}


def test_api_errors_are_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["param"] is None
    response = client.post("/api/search")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.get_json()["error"]["message"]


def test_openapi_documents_every_route_and_only_real_ones(client, app):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.0")
    documented = set(spec["paths"])
    routes = {re.sub(r"<[^>]+>", "{id}", rule.rule) for rule in app.url_map.iter_rules()}
    assert documented <= routes, documented - routes
    api_routes = {r for r in routes if r.startswith("/api") or r == "/healthz" or r.startswith("/export")}
    assert api_routes <= documented, api_routes - documented
    for path, item in spec["paths"].items():
        for method in item:
            rule = next(r for r in app.url_map.iter_rules()
                        if re.sub(r"<[^>]+>", "{id}", r.rule) == path)
            assert method.upper() in rule.methods


def test_openapi_parameters_match_the_search_parameters(client):
    spec = client.get("/api/openapi.json").get_json()
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert names == {"q", "from", "to", "author", "site", "category", "sort", "page", "per_page"}
    facet_names = {p["name"] for p in spec["paths"]["/api/facets"]["get"]["parameters"]}
    assert facet_names == names - {"page", "per_page"}
    result = spec["components"]["schemas"]["Result"]["properties"]
    assert set(result) == {"id", "url", "site", "title", "published", "author", "organization",
                           "category", "score", "snippet"}
    for ref in json.dumps(spec).split('"$ref": "')[1:]:
        name = ref.split('"')[0].rsplit("/", 1)[-1]
        assert name in spec["components"]["schemas"]
