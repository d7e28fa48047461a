"""OpenAPI 3.0 description of the JSON API and the exports.

Kept next to the routes it describes; ``tests/webui/test_api.py`` checks
that every documented path is a route and every ``/api`` route is documented,
and that the documented parameters are the ones ``SearchParams`` reads.
"""

from __future__ import annotations

from khotin import __version__


def _param(name: str, description: str, schema: dict, example=None) -> dict:
    out = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if example is not None:
        out["example"] = example
    return out


DATE = {"type": "string", "description": "YYYY-MM-DD, DD/MM/YYYY or YYYY"}

FILTER_PARAMS = [
    _param("q", "Query: words (accents optional), \"phrases\", AND/OR/NOT, -word, word*, "
           "field prefixes title: author: org: category: site: text:. Empty lists newest articles.",
           {"type": "string", "maxLength": 1000}, "huyen uy mai son"),
    _param("from", "Published on or after this day.", DATE, "2024-09-01"),
    _param("to", "Published on or before this day.", DATE, "27/09/2024"),
    _param("author", "Author name (tone placement and case do not matter).",
           {"type": "string", "maxLength": 200}, "Thuý Ngà"),
    _param("site", "Site name from sites.toml.", {"type": "string", "maxLength": 200}, "maison"),
    _param("category", "Category as printed on the portal.", {"type": "string", "maxLength": 200}),
    _param("sort", "Result order.", {"type": "string", "enum": ["relevance", "newest", "oldest"],
                                     "default": "relevance"}),
]
PAGE_PARAMS = [
    _param("page", "Result page, from 1.", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1}),
    _param("per_page", "Results per page (default: the per_page setting).",
           {"type": "integer", "minimum": 1, "maximum": 100}),
]

PAIRS = {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                    "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]}},
         "description": "[[value, count], …], most frequent first (years: newest first)"}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["param", "message"], "properties": {
            "param": {"type": "string", "nullable": True, "description": "the parameter at fault"},
            "message": {"type": "string", "description": "Vietnamese / English explanation"}}}},
    },
    "Facets": {"type": "object", "properties": {k: PAIRS for k in ("author", "site", "category", "year")}},
    "Histogram": {"type": "object", "properties": {
        "unit": {"type": "string", "enum": ["month", "year"]},
        "bins": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2},
                 "description": "[[\"2024-09\" or \"2024\", count], …] in time order, gaps included"}}},
    "Result": {"type": "object", "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "url": {"type": "string"}, "site": {"type": "string"}, "title": {"type": "string"},
        "published": {"type": "string", "nullable": True, "description": "ISO 8601"},
        "author": {"type": "string"}, "organization": {"type": "string"}, "category": {"type": "string"},
        "score": {"type": "number"},
        "snippet": {"type": "string", "description": "HTML-escaped text with <mark> around matches"}}},
    "SearchResult": {"type": "object", "properties": {
        "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "pages": {"type": "integer"},
        "sort": {"type": "string", "enum": ["relevance", "newest", "oldest"]},
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
        "facets": {"$ref": "#/components/schemas/Facets"},
        "suggestion": {"type": "string", "nullable": True, "description": "\"did you mean\" query"},
        "histogram": {"$ref": "#/components/schemas/Histogram"},
        "took_ms": {"type": "number"}}},
    "FacetResult": {"type": "object", "properties": {
        "query": {"type": "string"}, "total": {"type": "integer"},
        "facets": {"$ref": "#/components/schemas/Facets"},
        "histogram": {"$ref": "#/components/schemas/Histogram"}}},
    "Capture": {"type": "object", "properties": {
        "id": {"type": "integer"}, "url": {"type": "string"}, "article_id": {"type": "string", "nullable": True},
        "record_type": {"type": "string", "enum": ["response", "revisit"]},
        "status": {"type": "integer", "nullable": True}, "content_type": {"type": "string", "nullable": True},
        "payload_digest": {"type": "string", "nullable": True},
        "warc_file": {"type": "string", "description": "relative to DATA_DIR/warc"},
        "warc_offset": {"type": "integer"}, "warc_length": {"type": "integer"},
        "fetched_at": {"type": "string"}}},
    "Article": {"type": "object", "description": "The catalog record (Article.to_dict()) plus its captures.",
                "properties": {
                    **{k: {"type": "string"} for k in ("id", "url", "canonical_url", "site", "title", "summary",
                                                       "body", "author", "organization", "category",
                                                       "language", "extractor_version", "content_hash")},
                    **{k: {"type": "array", "items": {"type": "string"}}
                       for k in ("captions", "authors", "tags", "attachments", "images")},
                    **{k: {"type": "string", "nullable": True} for k in ("published", "modified", "fetched_at",
                                                                         "warc_file")},
                    "warc_offset": {"type": "integer", "nullable": True},
                    "warc_length": {"type": "integer", "nullable": True},
                    "captures": {"type": "array", "items": {"$ref": "#/components/schemas/Capture"}}}},
    "Health": {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]},
                                                "documents": {"type": "integer"}}},
    "Job": {"type": "object", "required": ["id", "kind", "site", "state", "counters", "started", "finished"],
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": ["crawl", "reindex"]},
                "site": {"type": "string", "nullable": True, "description": "null: every site (crawl)"},
                "state": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
                "counters": {"type": "object", "properties": {
                    k: {"type": "integer"} for k in ("fetched", "new", "changed", "errors")}},
                "progress": {"type": "object", "nullable": True, "description": "reindex: documents done/total",
                             "properties": {"done": {"type": "integer"},
                                            "total": {"type": "integer", "nullable": True}}},
                **{k: {"type": "string", "nullable": True, "description": "ISO 8601"}
                   for k in ("created", "started", "finished", "heartbeat")},
                "requested_by": {"type": "string"}, "cancel_requested": {"type": "boolean"},
                "worker_pid": {"type": "integer", "nullable": True},
                "stale": {"type": "boolean", "description": "running, but no heartbeat from the worker lately"},
                "error": {"type": "string", "nullable": True},
                "retry_of": {"type": "integer", "nullable": True},
                "log": {"type": "array", "description": "GET /api/admin/jobs/{id} only: the last 200 lines",
                        "items": {"type": "object", "properties": {"at": {"type": "string"},
                                                                   "line": {"type": "string"}}}}}},
    "JobRequest": {"type": "object", "required": ["kind"], "properties": {
        "kind": {"type": "string", "enum": ["crawl", "reindex"]},
        "site": {"type": "string", "description": "crawl only; omit to crawl every site"}}},
    "JobList": {"type": "object", "properties": {
        "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
        "worker": {"type": "object", "nullable": True, "description": "pid, started, heartbeat, activity, alive"}}},
    "SiteStatus": {"type": "object", "properties": {
        "name": {"type": "string"}, "title": {"type": "string"},
        "start_urls": {"type": "array", "items": {"type": "string"}},
        "allowed_domains": {"type": "array", "items": {"type": "string"}},
        "recrawl_every": {"type": "string", "nullable": True}, "articles": {"type": "integer"},
        "last_crawl": {"type": "string", "nullable": True, "description": "last successful crawl"},
        "last_error": {"type": "string", "nullable": True}, "next_run": {"type": "string", "nullable": True},
        "job": {"type": "object", "nullable": True, "description": "queued or running crawl: id, state"}}},
    "SiteList": {"type": "object", "properties": {
        "sites": {"type": "array", "items": {"$ref": "#/components/schemas/SiteStatus"}},
        "error": {"type": "string", "nullable": True, "description": "why sites.toml cannot be read"}}},
}


def _json(ref: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


BAD = _json("Error", "Invalid parameter or unusable query")
MISSING = _json("Error", "No article with this id")
ADMIN_SECURITY = [{"bearerAuth": []}, {"sessionCookie": []}]
ADMIN_ERRORS = {"401": _json("Error", "Not signed in, or a wrong or revoked token"),
                "403": _json("Error", "Signed-in session without a valid X-CSRF-Token header (POST)")}
JOB_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
NO_JOB = _json("Error", "No job with this id")
CONFLICT = _json("Error", "The job's state does not allow this")
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "A token printed by `khotin admin token NAME`"},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "khotin_session",
                      "description": "The admin pages' session; POSTs also need the X-CSRF-Token header"},
}


def _admin(operation_id: str, summary: str, responses: dict, **extra) -> dict:
    return {"operationId": operation_id, "summary": summary, "security": ADMIN_SECURITY,
            "responses": {**responses, **ADMIN_ERRORS}, **extra}


ADMIN_PATHS = {
    "/api/admin/jobs": {
        "get": _admin("adminJobs", "Recent jobs, newest first, with the worker's status",
                      {"200": _json("JobList", "Jobs"), "400": BAD},
                      parameters=[_param("limit", "How many jobs (default 50).",
                                         {"type": "integer", "minimum": 1, "maximum": 500}),
                                  _param("state", "Only jobs in this state.",
                                         {"type": "string", "enum": ["queued", "running", "done", "failed",
                                                                     "cancelled"]})]),
        "post": _admin("adminQueueJob", "Queue a crawl of one site, of every site, or a reindex",
                       {"202": _json("Job", "The queued job (an identical queued job is reused)"),
                        "400": _json("Error", "Unknown kind or site")},
                       requestBody={"required": True, "content": {"application/json": {
                           "schema": {"$ref": "#/components/schemas/JobRequest"}}}}),
    },
    "/api/admin/jobs/{id}": {"get": _admin("adminJob", "One job with its log",
                                           {"200": _json("Job", "The job"), "404": NO_JOB}, parameters=JOB_ID)},
    "/api/admin/jobs/{id}/cancel": {"post": _admin(
        "adminCancelJob", "Cancel a queued job, or ask the worker to stop a running one (within seconds)",
        {"200": _json("Job", "The job"), "404": NO_JOB, "409": CONFLICT}, parameters=JOB_ID)},
    "/api/admin/jobs/{id}/retry": {"post": _admin(
        "adminRetryJob", "Queue a new job doing what a finished one did",
        {"202": _json("Job", "The new job"), "404": NO_JOB, "409": CONFLICT}, parameters=JOB_ID)},
    "/api/admin/sites": {"get": _admin("adminSites", "Portals with article counts, last crawl and schedule",
                                       {"200": _json("SiteList", "Portals")})},
}
EXPORT_RESPONSES = {"400": {"description": "Invalid parameter (HTML page)"},
                    "429": {"description": "Too many exports this minute; see Retry-After"}}


def openapi_spec() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Kho tin API", "version": __version__,
                 "description": "Search the archive of Vietnamese district news. Same parameters as the "
                                "search page; every view of it is a shareable URL."},
        "servers": [{"url": "/"}],
        "paths": {
            "/api/search": {"get": {
                "operationId": "search", "summary": "Search articles",
                "parameters": FILTER_PARAMS + PAGE_PARAMS,
                "responses": {"200": _json("SearchResult", "One page of results"), "400": BAD}}},
            "/api/facets": {"get": {
                "operationId": "facets", "summary": "Facet counts and histogram of a search",
                "parameters": FILTER_PARAMS,
                "responses": {"200": _json("FacetResult", "Counts over all matches"), "400": BAD}}},
            "/api/article/{id}": {"get": {
                "operationId": "article", "summary": "One article with its captures",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}],
                "responses": {"200": _json("Article", "The article"), "404": MISSING}}},
            "/healthz": {"get": {
                "operationId": "health", "summary": "Liveness and index size",
                "responses": {"200": _json("Health", "The server answers")}}},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This description",
                "responses": {"200": {"description": "OpenAPI 3.0 document"}}}},
            "/export.csv": {"get": {
                "operationId": "exportCsv",
                "summary": "Every match as CSV (UTF-8 with BOM), streamed, capped at export_limit",
                "parameters": FILTER_PARAMS,
                "responses": {"200": {"description": "Columns: id, url, site, title, published, author, "
                                                     "organization, category, summary, body, captions, tags, "
                                                     "attachments (lists joined with ' | ')",
                                      "content": {"text/csv": {"schema": {"type": "string"}}}},
                              **EXPORT_RESPONSES}}},
            "/export.jsonl": {"get": {
                "operationId": "exportJsonl", "summary": "Every match as JSON Lines (full records), streamed",
                "parameters": FILTER_PARAMS,
                "responses": {"200": {"description": "One Article record per line",
                                      "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
                              **EXPORT_RESPONSES}}},
            **ADMIN_PATHS,
        },
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
    }
