"""Shared fixtures: data directories with real catalogs and Whoosh indexes."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from crawler.article import Article
from crawler.catalog import Catalog
from index.sync import sync_index
from khotin.fixtures.textgen import TextGen
from khotin.paths import DataDir
from khotin.settings import load_settings

# A shell that starts a job in the background (CI runners, `cmd &` in a
# script) sets SIGINT to "ignored", and ignored signals are inherited across
# exec: the khotin processes the tests stop with SIGINT (as Ctrl-C would)
# would never see it.  A handler, unlike "ignored", is reset to the default
# in children, so install Python's own.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

SEED_PATH = Path(__file__).resolve().parents[1] / "khotin" / "fixtures" / "data" / "mai-son-2024-09-27.txt"
SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "mai-son-2024-09-27.txt"


def seed_text() -> str:
    for path in (SEED_PATH, SHARED_SEED):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError("the seed article is missing")


def seed_article() -> Article:
    return Article(
        url="https://maison.sonla.gov.vn/tin-hoat-dong/ban-chi-dao-35-huyen-giao-ban-9-thang-dau-nam-2024-215301",
        title="Ban Chỉ đạo 35 huyện Mai Sơn giao ban 9 tháng đầu năm 2024",
        body=seed_text(),
        site="maison",
        authors=["Thuý Ngà"],
        organization="Ban Tuyên giáo Huyện uỷ Mai Sơn",
        published="2024-09-27",
        category="Tin hoạt động",
    )


def generated_articles(n: int, seed: int = 7) -> list[Article]:
    return [a.to_article(f"https://portal{a.number % 3}.example.vn/tin/{a.number}", f"portal{a.number % 3}")
            for a in TextGen(seed).articles(n)]


def build_data(root: Path, articles: list[Article]) -> DataDir:
    data = DataDir.of(root).ensure()
    with Catalog(data.catalog) as catalog:
        catalog.upsert_many(articles)
    sync_index(data, load_settings(root))
    return data


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    return DataDir.of(tmp_path / "data").ensure()


@pytest.fixture(scope="session")
def seeded_data(tmp_path_factory) -> DataDir:
    """Seed article + 400 generated articles + ranking probes, indexed once per session."""
    root = tmp_path_factory.mktemp("seeded")
    extra = [
        Article(url="https://probe.example.vn/dang-1", title="Người dân đang thu hoạch lúa",
                body="Bà con đang thu hoạch lúa mùa trên cánh đồng, đang khẩn trương trước mưa.",
                site="probe", published="2023-05-02"),
        Article(url="https://probe.example.vn/dang-2", title="Hội nghị Ban Chấp hành Đảng bộ",
                body="Đảng bộ xã tổng kết công tác xây dựng Đảng năm 2023.", site="probe",
                published="2023-12-20"),
        Article(url="https://probe.example.vn/ubnd", title="Ủy ban nhân dân xã Chiềng Mung họp phiên thường kỳ",
                body="Ủy ban nhân dân xã Chiềng Mung đánh giá kết quả tháng 5.", site="probe",
                published="2023-06-01"),
        Article(url="https://probe.example.vn/docnum", title="Quyết định số 123/QĐ-UBND về kế hoạch",
                body="Căn cứ Quyết định số 123/QĐ-UBND ngày 3/2/2024 của UBND huyện, dân số 3.274 người.",
                site="probe", published="2024-02-05"),
    ]
    return build_data(root, [seed_article(), *generated_articles(400), *extra])
