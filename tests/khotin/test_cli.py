"""The command line as users and scripts call it: real processes, real files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import seed_text

PY = [sys.executable, "-m", "khotin"]


def run(data, *args, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*PY, "--data-dir", str(data), *args], input=stdin, capture_output=True,
                          timeout=120)


@pytest.fixture
def imported(tmp_path):
    lines = [
        {"url": "https://maison.example.vn/tin/1", "title": "Ban Chỉ đạo 35 huyện Mai Sơn giao ban",
         "body": seed_text(), "published": "2024-09-27", "author": "Thuý Ngà",
         "organization": "Ban Tuyên giáo Huyện uỷ Mai Sơn", "site": "maison", "category": "Tin hoạt động"},
        "this is not json",
        {"url": "https://maison.example.vn/tin/2", "title": "Thiếu nội dung"},
        {"url": "https://maison.example.vn/tin/3", "title": "Ngày sai", "body": "x", "published": "27/9/2024"},
        {"url": "https://yenchau.example.vn/tin/9", "title": "Nông dân Yên Châu thu hoạch xoài",
         "body": "Người dân xã Chiềng Hặc thu hoạch xoài.", "published": "2023-06-02T08:30:00+07:00",
         "author": ["Thu Hằng", "Vũ Mừng"], "tags": ["xoài"]},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else x for x in lines)
                    + "\n", encoding="utf-8")
    data = tmp_path / "data"
    result = run(data, "import", str(path))
    return data, path, result


def test_import_reports_bad_lines_and_keeps_good_ones(imported):
    data, path, result = imported
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert f"{path}:2:" in err and "invalid JSON" in err
    assert f"{path}:3:" in err and "'body'" in err
    assert f"{path}:4:" in err and "ISO 8601" in err
    assert "imported 2 articles" in result.stdout.decode()
    stats = json.loads(run(data, "stats", "--json").stdout)
    assert stats["articles"] == 2
    assert stats["index"]["documents"] == 2 and stats["index"]["bytes"] > 0
    assert set(stats["sites"]) == {"maison", "yenchau.example.vn"}
    assert stats["sites"]["maison"] == {"articles": 1, "last_crawl": None}


def test_reimport_updates_without_duplicates(imported, tmp_path):
    data, _, _ = imported
    changed = tmp_path / "again.jsonl"
    changed.write_text(json.dumps({"url": "https://yenchau.example.vn/tin/9", "title": "Yên Châu thu hoạch nhãn",
                                   "body": "Người dân thu hoạch nhãn."}, ensure_ascii=False) + "\n")
    result = run(data, "import", str(changed))
    assert "1 changed" in result.stdout.decode()
    out = json.loads(run(data, "search", "--json", "thu hoạch").stdout)
    assert out["total"] == 1 and out["results"][0]["title"] == "Yên Châu thu hoạch nhãn"
    assert json.loads(run(data, "stats", "--json").stdout)["articles"] == 2


def test_search_json_shape(imported):
    data, _, _ = imported
    result = run(data, "search", "huyen uy mai son", "--json", "--from", "2024-09-01", "--to", "2024-09-30")
    assert result.returncode == 0, result.stderr.decode()
    out = json.loads(result.stdout)
    assert {"query", "total", "page", "results", "facets", "suggestion"} <= set(out)
    assert out["query"] == "huyen uy mai son" and out["total"] == 1 and out["page"] == 1
    first = out["results"][0]
    assert set(first) == {"id", "url", "site", "title", "published", "author", "organization", "category",
                          "score", "snippet"}
    assert first["author"] == "Thuý Ngà" and first["organization"] == "Ban Tuyên giáo Huyện uỷ Mai Sơn"
    assert set(out["facets"]) == {"author", "site", "category", "year"}
    assert out["facets"]["year"] == [[2024, 1]]
    assert out["suggestion"] == "huyện ủy mai sơn"


def test_search_readable_output_and_empty_query_lists_by_date(imported):
    data, _, _ = imported
    out = run(data, "search", "--sort", "newest").stdout.decode()
    assert "2 kết quả" in out
    assert out.index("27/09/2024") < out.index("02/06/2023")
    filtered = json.loads(run(data, "search", "--json", "--author", "vu mung").stdout)
    assert [r["site"] for r in filtered["results"]] == ["yenchau.example.vn"]


@pytest.mark.parametrize("query", ['"unclosed', "AND", "title:", "(((", "a" * 10_000, "\x01\x02 \x7f", "))) OR (("])
def test_malformed_queries_never_traceback(imported, query):
    data, _, _ = imported
    result = run(data, "search", query)
    err = result.stderr.decode()
    assert "Traceback" not in err
    assert result.returncode in (0, 2)
    if result.returncode == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("khotin: ")


def test_bad_options_are_one_line_errors(imported):
    data, _, _ = imported
    for args in (["search", "x", "--from", "2024-02-30"], ["search", "x", "--limit", "1000"],
                 ["import", "/no/such/file.jsonl"]):
        result = run(data, *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr.decode(), args


def test_reindex_rebuilds_the_same_results(imported):
    data, _, _ = imported
    before = json.loads(run(data, "search", "--json", "mai sơn").stdout)
    result = run(data, "reindex")
    assert result.returncode == 0 and "2 documents" in result.stdout.decode()
    after = json.loads(run(data, "search", "--json", "mai sơn").stdout)
    assert [r["id"] for r in after["results"]] == [r["id"] for r in before["results"]]


def test_import_from_stdin(tmp_path):
    line = json.dumps({"url": "https://a.example.vn/1", "title": "Tin một", "body": "Nội dung"}, ensure_ascii=False)
    result = run(tmp_path / "d", "import", "-", stdin=line.encode())
    assert result.returncode == 0 and "imported 1" in result.stdout.decode()
