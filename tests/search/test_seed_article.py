"""The seed article (shared/seed) found the ways researchers type, per issue 2."""

import unicodedata

import pytest

from search.params import SearchParams
from search.service import SearchService

SEED_TITLE = "Ban Chỉ đạo 35 huyện Mai Sơn giao ban 9 tháng đầu năm 2024"


@pytest.fixture(scope="module")
def service(seeded_data):
    svc = SearchService(seeded_data)
    yield svc
    svc.close()


def titles(service, **params):
    result = service.search(SearchParams(per_page=100, **params))
    return [r["title"] for r in result["results"]], result


@pytest.mark.parametrize("query", [
    "huyện ủy mai sơn",
    "huyen uy mai son",
    "HUYỆN UỶ",
    unicodedata.normalize("NFD", "huyện ủy mai sơn"),
    '"bảo vệ nền tảng tư tưởng"',
    "author: Thúy Ngà",
    "BCĐ 35",
])
def test_seed_found(service, query):
    found, result = titles(service, q=query)
    assert SEED_TITLE in found, (query, result["total"])


def test_seed_in_top_results_for_its_district(service):
    found, _ = titles(service, q="huyen uy mai son")
    assert SEED_TITLE in found[:5]


def test_september_2024_date_filter_keeps_it(service):
    from datetime import date

    found, _ = titles(service, q="huyện ủy mai sơn", date_from=date(2024, 9, 1), date_to=date(2024, 9, 30))
    assert SEED_TITLE in found


def test_filter_that_excludes_it(service):
    from datetime import date

    found, result = titles(service, q="huyện ủy mai sơn", date_from=date(2024, 10, 1))
    assert SEED_TITLE not in found
    assert all(r["published"] >= "2024-10-01" for r in result["results"])
    found, _ = titles(service, q="huyện ủy mai sơn", author="Vũ Mừng")
    assert SEED_TITLE not in found


def test_author_filter_ignores_tone_style(service):
    for name in ("Thúy Ngà", "Thuý Ngà", "THÚY NGÀ", "thuy nga"):
        found, _ = titles(service, q="", author=name)
        assert SEED_TITLE in found, name


def test_phrase_requires_the_sequence(service):
    found, _ = titles(service, q='"tư tưởng nền tảng bảo vệ"')
    assert SEED_TITLE not in found


def test_snippet_marks_original_characters(service):
    result = service.search(SearchParams(q="huyen uy mai son", author="Thuý Ngà"))
    snippet = result["results"][0]["snippet"]
    assert "<mark>" in snippet
    assert "Huyện uỷ" in snippet.replace("<mark>", "").replace("</mark>", "") or "<mark>uỷ</mark>" in snippet


def test_suggestion_restores_diacritics(service):
    result = service.search(SearchParams(q="uy ban nhan dan"))
    assert result["suggestion"] == "ủy ban nhân dân"
    assert service.search(SearchParams(q="ủy ban nhân dân"))["suggestion"] is None
