"""``khotin extract``: files, stdin and URLs (a real loopback server)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from khotin.cli import main
from tests.crawler.extract.extract_pages import PARAS, article_page

PAGE = article_page().encode("utf-8")
URL = "https://maison.sonla.gov.vn/tin-co-so/xa-ta-hoc-so-ket-quy-i-123456"


class _Handler(BaseHTTPRequestHandler):
    seen_agents: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        _Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        if self.path.startswith("/tin/"):
            body = PAGE
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=ISO-8859-1")  # a lie
        else:
            body = b"<html><body><h1>404</h1><p>Kh\xc3\xb4ng t\xc3\xacm th\xe1\xba\xa5y</p></body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "bai-viet.html"
    path.write_bytes(PAGE)
    return path


def khotin(tmp_path: Path, *args: str) -> int:
    return main(["--data-dir", str(tmp_path / "data"), "extract", *args])


def test_file_as_json(tmp_path, saved, capsys) -> None:
    assert khotin(tmp_path, str(saved), "--url", URL, "--json") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["url"] == URL and data["canonical_url"] == URL
    assert data["title"] == "Xã Tà Hộc sơ kết công tác quý I năm 2024"
    assert data["body"] == "\n\n".join(PARAS) and data["is_article"] is True


def test_human_readable(tmp_path, saved, capsys) -> None:
    assert khotin(tmp_path, str(saved)) == 0
    out = capsys.readouterr().out
    assert "Tiêu đề" in out and "Xã Tà Hộc sơ kết công tác quý I năm 2024" in out
    assert "Ngày đăng      2024-03-12T15:20:00+07:00" in out
    assert PARAS[1] in out


def test_missing_file_is_one_line_and_the_rest_still_runs(tmp_path, saved, capsys) -> None:
    assert khotin(tmp_path, str(tmp_path / "khong-co.html"), str(saved), str(tmp_path), "--json") == 2
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1
    err = captured.err.strip().splitlines()
    assert len(err) == 2 and "no such file" in err[0] and "not a file" in err[1]
    assert "Traceback" not in captured.err


def test_url_needs_a_single_source(tmp_path, saved, capsys) -> None:
    assert khotin(tmp_path, str(saved), str(saved), "--url", URL) == 2
    assert "--url" in capsys.readouterr().err


def test_fetch_over_http(tmp_path, server, capsys) -> None:
    _Handler.seen_agents.clear()
    assert khotin(tmp_path, f"{server}/tin/1", f"{server}/mat-tich", "--json") == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["url"] == f"{server}/tin/1" and first["is_article"]
    assert first["body"] == "\n\n".join(PARAS)  # the lying ISO-8859-1 header made no mojibake
    assert second["is_article"] is False and "HTTP status 404" in second["warnings"]
    assert all(agent.startswith("khotin/") for agent in _Handler.seen_agents)


def test_unreachable_url(tmp_path, saved, capsys) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert khotin(tmp_path, f"http://127.0.0.1:{port}/x", str(saved), "--json") == 2
    captured = capsys.readouterr()
    assert "cannot fetch" in captured.err and len(captured.out.splitlines()) == 1


def test_fixture_sidecar_supplies_url_and_headers(tmp_path, capsys) -> None:
    (tmp_path / "p.html").write_bytes(PAGE)
    (tmp_path / "p.meta.json").write_text(json.dumps(
        {"url": URL, "headers": {"Content-Type": "text/html; charset=utf-8"}}), encoding="utf-8")
    assert khotin(tmp_path, str(tmp_path / "p.html"), "--json") == 0
    assert json.loads(capsys.readouterr().out)["url"] == URL


def test_stdin_through_the_real_entry_point(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "khotin", "--data-dir", str(tmp_path / "d"), "extract", "-", "--url", URL, "--json"],
        input=PAGE, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert data["authors"] == ["Lò Sơn"] and data["published"] == "2024-03-12T15:20:00+07:00"
