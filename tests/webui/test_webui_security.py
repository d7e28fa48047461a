"""Security headers, escaping, request limits and friendly error pages."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from tests.webui.webui_data import app_settings
from webui import create_app, load_secret_key
from webui.security import PAGE_CSP

TEMPLATES = Path(__file__).resolve().parents[2] / "webui" / "templates"


def page_urls(webdata) -> list[str]:
    seed = webdata.seed.id
    return ["/", "/?q=huyen", "/?from=bad", f"/article/{seed}", f"/archive/{seed}",
            f"/archive/{seed}/raw", "/api/search?q=x", f"/api/article/{seed}", "/api/facets",
            "/healthz", "/api/openapi.json", "/export.csv?q=zzz", "/export.jsonl?q=zzz",
            "/static/khotin.css", "/static/khotin.js", "/nope", "/api/nope"]


def test_security_headers_on_every_response(client, webdata):
    for url in page_urls(webdata):
        response = client.get(url)
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin"), url
        assert headers["X-Frame-Options"] == "SAMEORIGIN", url
        assert headers["Content-Security-Policy"], url
        if "/raw" not in url:
            assert headers["Content-Security-Policy"] == PAGE_CSP, url
        assert "waitress" not in headers.get("Server", "").lower()


def test_page_policy_is_the_documented_one():
    assert PAGE_CSP == ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                        "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


def test_templates_have_no_inline_script_style_or_unsafe_marks():
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
        assert "<style" not in text and " style=" not in text, path.name
        assert not re.search(r"\bon[a-z]+=", text), path.name  # no event handler attributes
        assert "javascript:" not in text, path.name
        for use in re.findall(r"\{\{([^}]*)\|\s*safe\b", text):
            assert use.strip() == "r.snippet", (path.name, use)  # only the service-escaped snippet


def test_rendered_pages_have_no_inline_code(client, webdata):
    for url in page_urls(webdata):
        response = client.get(url)
        if response.mimetype != "text/html" or "/raw" in url:
            continue
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html, url


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_wrong_method_is_a_friendly_405(client, method):
    response = getattr(client, method)("/")
    assert response.status_code == 405
    assert "Phương thức không được hỗ trợ" in response.get_data(as_text=True)
    assert "GET" in response.headers["Allow"]


def test_huge_query_string_is_refused(client):
    response = client.get("/?q=" + "%E1%BB%A7" * 3000)
    assert response.status_code == 414
    assert "Địa chỉ quá dài" in response.get_data(as_text=True)
    response = client.get("/api/search?q=" + "a" * 20000)
    assert response.status_code == 414 and response.get_json()["error"]["message"]


def test_large_body_is_a_413(client):
    response = client.post("/", data=b"x" * (1024 * 1024 + 1), content_type="application/octet-stream")
    assert response.status_code == 413
    assert "Yêu cầu quá lớn" in response.get_data(as_text=True)
    response = client.post("/api/search", data=b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413 and "error" in response.get_json()


def test_unexpected_error_is_a_500_without_traceback(webdata, caplog):
    app = create_app(app_settings(webdata.data), testing=True)

    def boom():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/boom", "api_boom", boom)
    client = app.test_client()
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Lỗi máy chủ" in html and "secret internal detail" not in html and "Traceback" not in html
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    response = client.get("/api/boom")
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True) and response.get_json()["error"]
    assert "secret internal detail" in caplog.text  # logged for the operator
    app.extensions["khotin"].close()


def test_no_debug_mode(app):
    assert app.debug is False
    assert app.config["PROPAGATE_EXCEPTIONS"] is False
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_secret_key_is_created_once_with_mode_0600(tmp_path):
    from khotin.paths import DataDir

    data = DataDir.of(tmp_path / "d").ensure()
    key = load_secret_key(data)
    assert len(key) == 32
    assert stat.S_IMODE(os.stat(data.secret_key).st_mode) == 0o600
    assert load_secret_key(data) == key
    data.secret_key.write_bytes(b"short")
    with pytest.raises(RuntimeError, match="shorter than 16 bytes"):
        load_secret_key(data)


def test_concurrent_first_starts_agree_on_one_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from khotin.paths import DataDir

    data = DataDir.of(tmp_path / "race").ensure()
    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda _: load_secret_key(data), range(32)))
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert [p.name for p in data.root.iterdir() if p.name.startswith(".secret_key")] == []


def test_app_uses_the_data_dir_secret_key(app, webdata):
    assert app.config["SECRET_KEY"] == webdata.data.secret_key.read_bytes()


def test_create_app_accepts_a_path_or_settings(webdata):
    for source in (str(webdata.data.root), webdata.data.root, webdata.data, app_settings(webdata.data)):
        app = create_app(source)
        assert app.extensions["khotin"].data.root == webdata.data.root
        assert app.test_client().get("/healthz").get_json()["status"] == "ok"
        app.extensions["khotin"].close()
