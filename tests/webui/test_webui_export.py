"""Exports: CSV with BOM and JSON Lines, streamed, capped, rate limited."""

from __future__ import annotations

import csv
import io
import json
import re

from crawler.article import Article
from tests.webui.webui_data import SEED_TITLE, app_settings
from webui import create_app
from webui.export import COLUMNS, csv_cell
from webui.ratelimit import RateLimiter


def test_csv_export_has_bom_header_and_rows(client, webdata):
    response = client.get("/export.csv?q=huyen+uy+mai+son&page=3&per_page=2")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(r"attachment; filename=khotin-\d{8}-\d{4}\.csv", response.headers["Content-Disposition"])
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    api = client.get("/api/search?q=huyen+uy+mai+son&per_page=100").get_json()
    assert [r[0] for r in rows[1:]] == [r["id"] for r in api["results"]]  # all matches, in result order
    seed = next(r for r in rows[1:] if r[0] == webdata.seed.id)
    record = dict(zip(COLUMNS, seed))
    assert record["title"] == SEED_TITLE
    assert record["author"] == "Thuý Ngà"
    assert record["published"] == "2024-09-27"
    assert record["captions"].count(" | ") == 1
    assert record["body"] == webdata.seed.body


def test_jsonl_export_has_full_records(client, webdata):
    response = client.get("/export.jsonl?q=mai+son&author=Thúy+Ngà")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith(".jsonl")
    lines = response.get_data(as_text=True).splitlines()
    records = [json.loads(line) for line in lines]
    assert records and all(r["author"] in ("Thuý Ngà", "Thúy Ngà") for r in records)
    seed = next(r for r in records if r["id"] == webdata.seed.id)
    assert seed == webdata.seed.to_dict()
    assert Article.from_dict(seed).content_hash == webdata.seed.content_hash


def test_exports_are_streamed_in_chunks(app):
    for path in ("/export.csv", "/export.jsonl"):
        with app.test_request_context(path + "?q=huyen"):
            response = app.full_dispatch_request()
            assert response.is_streamed and not isinstance(response.response, (list, tuple))
            chunks = list(response.response)
        assert len(chunks) >= 2  # BOM/header (CSV) or first rows, then more chunks
        assert sum(len(c) for c in chunks) > 10_000


def test_empty_export_still_has_a_header(client):
    response = client.get("/export.csv?q=zzzkhongcotu")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows == [list(COLUMNS)]
    assert client.get("/export.jsonl?q=zzzkhongcotu").data == b""


def test_export_rejects_bad_parameters_before_streaming(client):
    for url in ("/export.csv?from=bad", "/export.jsonl?sort=x", "/export.csv?q=%28%29"):
        response = client.get(url)
        assert response.status_code == 400
        assert "Yêu cầu không hợp lệ" in response.get_data(as_text=True)


def test_export_is_capped_at_export_limit(webdata):
    app = create_app(app_settings(webdata.data, export_limit=7), testing=True)
    rows = app.test_client().get("/export.jsonl").get_data(as_text=True).splitlines()
    assert len(rows) == 7
    app.extensions["khotin"].close()


def test_export_rate_limit_gives_429_with_retry_after(webdata):
    app = create_app(app_settings(webdata.data, export_per_minute=2), testing=True)
    client = app.test_client()
    assert client.get("/export.csv?q=mai").status_code == 200
    assert client.get("/export.jsonl?q=mai").status_code == 200
    response = client.get("/export.csv?q=mai")
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "Quá nhiều yêu cầu" in response.get_data(as_text=True)
    other = client.get("/export.csv?q=mai", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200  # per client
    assert client.get("/?q=mai").status_code == 200  # searching is not limited
    app.extensions["khotin"].close()


def test_rate_limiter_window():
    now = [100.0]
    limiter = RateLimiter(2, window=60, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    assert limiter.hit("a") == 60
    now[0] += 30
    assert limiter.hit("a") == 30
    assert limiter.hit("b") is None
    now[0] += 30.5
    assert limiter.hit("a") is None
    assert RateLimiter(0).hit("x") == 60


def test_csv_cells_never_start_a_formula():
    assert csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert csv_cell("- Đồng chí Hà Văn Bình") == "'- Đồng chí Hà Văn Bình"
    assert csv_cell("+84 212") == "'+84 212"
    assert csv_cell("@x") == "'@x"
    assert csv_cell(["a", "b"]) == "a | b"
    assert csv_cell(None) == ""
    assert csv_cell("Huyện ủy") == "Huyện ủy"
