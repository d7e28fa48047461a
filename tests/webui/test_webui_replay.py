"""Archived snapshots: the sandboxed frame, the raw record, charsets, PDFs, revisits."""

from __future__ import annotations

import re
import shutil
import unicodedata

import pytest

from tests.webui.webui_data import WARC_NAME, WarcBuilder, app_settings, build_webdata
from webui import create_app
from webui.security import ARCHIVE_CSP
from webui.warcread import ArchiveReadError, read_capture


def test_snapshot_page_frames_the_raw_record(client, webdata):
    seed = webdata.seed
    html = client.get(f"/archive/{seed.id}").get_data(as_text=True)
    frame = re.search(r"<iframe ([^>]*)>", html).group(1)
    assert 'sandbox=""' in frame
    assert "allow-scripts" not in html and "allow-same-origin" not in html
    assert f'src="/archive/{seed.id}/raw"' in frame
    assert "05/10/2024 08:00" in html  # capture time (the newest capture, a revisit)
    assert "28/09/2024 08:00" in html  # ... shown through the capture it repeats
    assert f'href="{seed.url}"' in html


def test_raw_record_headers_and_body(client, webdata):
    response = client.get(f"/archive/{webdata.seed.id}/raw")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == ARCHIVE_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    body = response.get_data(as_text=True)
    assert "Bản mới: Ban Chỉ đạo 35 huyện Mai Sơn" in body
    assert "<script>document.title" in body  # served untouched; the CSP sandbox disarms it


def test_earlier_capture_is_decoded_from_gzip(client, webdata):
    seed, old = webdata.seed, webdata.captures["seed_old"]
    page = client.get(f"/archive/{seed.id}/{old}").get_data(as_text=True)
    assert f'src="/archive/{seed.id}/raw/{old}"' in page
    assert "27/09/2024 10:00" in page
    body = client.get(f"/archive/{seed.id}/raw/{old}").get_data(as_text=True)
    assert "Bản cũ: Hội nghị giao ban" in body


def test_original_charset_is_kept(client, webdata):
    response = client.get(f"/archive/{webdata.legacy.id}/raw")
    assert response.headers["Content-Type"] == "text/html; charset=windows-1258"
    assert "Huyện Phù Yên" in unicodedata.normalize("NFC", response.data.decode("cp1258"))
    assert b"\xef\xbb\xbf" not in response.data[:3]


def test_pdf_capture_is_a_download(client, webdata):
    page = client.get(f"/archive/{webdata.pdf.id}").get_data(as_text=True)
    assert "<iframe" not in page and "Tải tệp về" in page
    response = client.get(f"/archive/{webdata.pdf.id}/raw")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ke-hoach-so-12.pdf"'
    assert response.headers["Content-Security-Policy"] == ARCHIVE_CSP
    assert response.data.startswith(b"%PDF-1.4")


@pytest.mark.parametrize("path", [
    "/archive/0000000000000000",
    "/archive/../../etc/passwd",
    "/archive/%2e%2e/raw",
    "/archive/{script}",  # no captures
    "/archive/{script}/raw",
    "/archive/{seed}/999999",
    "/archive/{seed}/raw/999999",
    "/archive/{seed}/raw/{pdf_capture}",  # a capture of another article
    "/archive/{seed}/-1",
])
def test_missing_snapshots_are_404(client, webdata, path):
    url = path.format(script=webdata.script.id, seed=webdata.seed.id, pdf_capture=webdata.captures["pdf"])
    response = client.get(url)
    assert response.status_code == 404
    assert "Content-Security-Policy" in response.headers


def test_unreadable_warc_is_a_friendly_404(tmp_path):
    web = build_webdata(tmp_path / "data", n_generated=5)
    (web.data.warc / WARC_NAME).write_bytes(b"this is not a warc file")
    app = create_app(app_settings(web.data), testing=True)
    client = app.test_client()
    for url in (f"/archive/{web.seed.id}", f"/archive/{web.seed.id}/raw"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Không đọc được bản lưu trữ" in response.get_data(as_text=True)
    (web.data.warc / WARC_NAME).unlink()
    assert client.get(f"/archive/{web.seed.id}").status_code == 404
    app.extensions["khotin"].close()


def test_revisit_without_its_original_is_a_friendly_404(tmp_path):
    import sqlite3

    web = build_webdata(tmp_path / "data", n_generated=5)
    with sqlite3.connect(web.data.catalog) as conn:
        conn.execute("DELETE FROM captures WHERE id = ?", (web.captures["seed_new"],))
    app = create_app(app_settings(web.data), testing=True)
    client = app.test_client()
    revisit = web.captures["seed_revisit"]
    for url in (f"/archive/{web.seed.id}", f"/archive/{web.seed.id}/raw/{revisit}"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Không đọc được bản lưu trữ" in response.get_data(as_text=True)
    old = client.get(f"/archive/{web.seed.id}/raw/{web.captures['seed_old']}")
    assert old.status_code == 200 and b"B\xe1\xba\xa3n c\xc5\xa9" in old.data  # "Bản cũ"
    app.extensions["khotin"].close()


def test_read_capture_refuses_paths_outside_the_archive(tmp_path):
    root = tmp_path / "warc"
    root.mkdir()
    outside = tmp_path / "secret.warc.gz"
    shutil.copy(__file__, outside)
    for name in ("../secret.warc.gz", "/etc/passwd", "nope.warc.gz"):
        with pytest.raises(ArchiveReadError, match="not a file in the archive"):
            read_capture(root, name, 0)


def test_read_capture_names_file_and_offset_on_bad_records(tmp_path):
    builder = WarcBuilder(tmp_path / "a.warc.gz")
    written, _ = builder.response("https://x.example.vn/", b"<p>xin chao</p>", "text/html", "2024-01-01T00:00:00Z")
    builder.close()
    payload = read_capture(tmp_path, "a.warc.gz", written.offset, url="https://x.example.vn/")
    assert payload.body == b"<p>xin chao</p>" and payload.is_html and payload.status == 200
    with pytest.raises(ArchiveReadError, match=r"expected 'https://y.example.vn/'"):
        read_capture(tmp_path, "a.warc.gz", written.offset, url="https://y.example.vn/")
    for offset in range(1, 60):  # inside the gzip member: never a record
        with pytest.raises(ArchiveReadError, match=rf"a.warc.gz at offset {offset}"):
            read_capture(tmp_path, "a.warc.gz", offset, url="https://x.example.vn/")
