"""New commits by another writer show up in a running app without a restart."""

from __future__ import annotations

import json

from crawler.catalog import Catalog
from crawler.jsonl_import import import_jsonl
from index.sync import sync_index
from khotin.settings import load_settings
from tests.webui.webui_data import app_settings, build_webdata
from webui import create_app


def test_imported_articles_appear_while_the_app_runs(tmp_path):
    web = build_webdata(tmp_path / "data", n_generated=20)
    app = create_app(app_settings(web.data), testing=True)
    client = app.test_client()
    before = client.get("/healthz").get_json()["documents"]
    assert client.get("/api/search?q=Quỳnh+Nhai+lễ+hội+hoa+ban").get_json()["total"] == 0

    lines = [json.dumps({"url": f"https://quynhnhai.example.vn/tin/{i}",
                         "title": f"Quỳnh Nhai khai mạc lễ hội hoa ban lần {i}",
                         "body": "Lễ hội hoa ban được tổ chức tại trung tâm huyện.",
                         "author": "Lò Sơn", "published": f"2025-03-{i + 10:02d}", "site": "quynhnhai"},
                        ensure_ascii=False) for i in range(3)]
    with Catalog(web.data.catalog) as catalog:
        report = import_jsonl(catalog, lines)
    assert report.new == 3
    sync_index(web.data, load_settings(web.data.root))

    assert client.get("/healthz").get_json()["documents"] == before + 3
    data = client.get("/api/search?q=quynh+nhai+le+hoi+hoa+ban").get_json()
    assert data["total"] == 3
    html = client.get("/?q=quynh+nhai+hoa+ban").get_data(as_text=True)
    assert "Quỳnh Nhai khai mạc lễ hội hoa ban lần 2" in html
    new_id = data["results"][0]["id"]
    assert client.get(f"/article/{new_id}").status_code == 200
    app.extensions["khotin"].close()
