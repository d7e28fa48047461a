"""Benchmark corpus and judged queries, generated from seeded code.

``articles(n)`` gives ``n`` deterministic news-like articles (about 500
syllables each) with their truth (topic, district, author, date);
``JUDGED`` holds 48 queries whose relevant articles are decided from that
truth, not from the text, so every engine is judged by the same standard:

* grade 2: the article is about the query's topic *and* its district
  (when the query names one), grade 1: the topic only;
* filters (author, date) restrict what can be relevant at all.

``khotin_data(n)`` builds (once, cached under ``bench/out/``) a data
directory with catalog and index for ``n`` articles; the web benchmark
reuses it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.article import Article  # noqa: E402
from khotin.fixtures.textgen import GenArticle, TextGen  # noqa: E402
from khotin.text import name_key  # noqa: E402

OUT = ROOT / "bench" / "out"
SEED = 20250701


def generated(n: int) -> Iterator[GenArticle]:
    gen = TextGen(SEED)
    for i in range(n):
        yield gen.article(i, paragraphs=4 + i % 5)


def to_article(g: GenArticle) -> Article:
    site = _slug(g.district)
    return g.to_article(f"https://{site}.sonla.example.vn/tin/{g.number}", site)


def _slug(district: str) -> str:
    from khotin.text import fold

    return fold(district).lower().replace(" ", "")


@dataclass
class Judged:
    q: str
    topic: str | None = None
    district: str | None = None
    author: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    note: str = ""
    kind: str = "terms"  # terms | folded | phrase | abbreviation | filter | tone

    def grade(self, g: GenArticle) -> int:
        if self.author and (not g.author or name_key(g.author) != name_key(self.author)):
            return 0
        day = g.published.date()
        if self.date_from and day < self.date_from:
            return 0
        if self.date_to and day > self.date_to:
            return 0
        if self.topic and g.topic != self.topic:
            return 0
        if self.district:
            return 2 if g.district == self.district else (1 if self.topic else 0)
        return 1


def _j(q: str, topic: str | None, district: str | None = None, kind: str = "terms", **kw) -> Judged:
    return Judged(q=q, topic=topic, district=district, kind=kind, **kw)


JUDGED: list[Judged] = [
    # topics, with and without diacritics
    _j("nông thôn mới", "ntm"), _j("nong thon moi", "ntm", kind="folded"),
    _j("cà phê", "caphe"), _j("ca phe", "caphe", kind="folded"),
    _j("cải cách hành chính", "cchc"), _j("cai cach hanh chinh", "cchc", kind="folded"),
    _j("giải phóng mặt bằng", "gpmb"), _j("giai phong mat bang", "gpmb", kind="folded"),
    _j("bảo hiểm y tế", "bhyt"), _j("bao hiem y te", "bhyt", kind="folded"),
    _j("tiếp xúc cử tri", "bau_cu"), _j("tiep xuc cu tri", "bau_cu", kind="folded"),
    _j("diễn tập phòng thủ", "qpan"), _j("dien tap phong thu", "qpan", kind="folded"),
    _j("sạt lở đất mưa lũ", "thien_tai"), _j("sat lo dat mua lu", "thien_tai", kind="folded"),
    _j("khai giảng năm học", "giao_duc"), _j("khai giang nam hoc", "giao_duc", kind="folded"),
    # phrases
    _j('"bảo vệ nền tảng tư tưởng"', "btttt", kind="phrase"),
    _j('"thu hoạch cà phê"', "caphe", kind="phrase"),
    _j('"Bộ phận Một cửa"', "cchc", kind="phrase"),
    _j('"khu tái định cư"', "gpmb", kind="phrase"),
    _j('"nong thon moi nang cao"', "ntm", kind="phrase"),
    # abbreviations, both ways
    _j("NTM", "ntm", kind="abbreviation"), _j("GPMB", "gpmb", kind="abbreviation"),
    _j("CCHC", "cchc", kind="abbreviation"), _j("BHYT", "bhyt", kind="abbreviation"),
    _j("BCĐ 35", "btttt", kind="abbreviation"), _j("Ban Chỉ đạo 35", "btttt", kind="abbreviation"),
    _j("ĐBQH tiếp xúc cử tri", "bau_cu", kind="abbreviation"),
    _j("HTX cà phê", "caphe", kind="abbreviation"),
    # topic + district, tone styles and diacritics
    _j("nông thôn mới Mai Sơn", "ntm", "Mai Sơn"), _j("nong thon moi mai son", "ntm", "Mai Sơn", kind="folded"),
    _j("cà phê Mộc Châu", "caphe", "Mộc Châu"), _j("ca phe moc chau", "caphe", "Mộc Châu", kind="folded"),
    _j("Huyện uỷ Thuận Châu", None, "Thuận Châu", kind="tone"),
    _j("Huyện ủy Thuận Châu", None, "Thuận Châu", kind="tone"),
    _j("xây dựng Đảng Huyện uỷ Yên Châu", "dang", "Yên Châu", kind="tone"),
    _j("giao nhận quân Sông Mã", "qpan", "Sông Mã"), _j("giao nhan quan song ma", "qpan", "Sông Mã", kind="folded"),
    _j("bảo hiểm xã hội Phù Yên", "bhyt", "Phù Yên"), _j("BHXH Phù Yên", "bhyt", "Phù Yên", kind="abbreviation"),
    _j("sạt lở Quỳnh Nhai", "thien_tai", "Quỳnh Nhai"),
    # filters: author (tone style) and dates
    _j("nông thôn mới", "ntm", author="Thúy Ngà", kind="filter"),
    _j("ca phe", "caphe", author="Thuý Ngà", kind="filter"),
    _j("cải cách hành chính", "cchc", date_from=date(2024, 1, 1), date_to=date(2024, 12, 31), kind="filter"),
    _j("tiep xuc cu tri", "bau_cu", date_from=date(2021, 1, 1), date_to=date(2021, 6, 30), kind="filter"),
    _j("diễn tập", "qpan", author="Vũ Mừng", date_from=date(2022, 1, 1), kind="filter"),
]


@dataclass
class Mix:
    """The latency mix of issue 2: terms, folded terms, phrases, date filter + sort, facets."""
    queries: list[dict] = field(default_factory=list)


def latency_mix() -> list[dict]:
    mix = [
        {"q": "huyện"}, {"q": "Đảng"}, {"q": "cà phê"}, {"q": "dang"},
        {"q": "nông thôn mới"}, {"q": "nong thon moi"}, {"q": "giải phóng mặt bằng"},
        {"q": "huyen uy mai son"}, {"q": "cử tri Sông Mã"}, {"q": "ca phe moc chau"},
        {"q": '"bảo vệ nền tảng tư tưởng"'}, {"q": '"ủy ban nhân dân huyện"'}, {"q": '"thu hoach ca phe"'},
        {"q": "nông thôn mới", "from": "2023-01-01", "to": "2023-12-31", "sort": "newest"},
        {"q": "dang", "from": "2024-01-01", "sort": "newest"},
        {"q": "", "from": "2022-01-01", "to": "2022-06-30", "sort": "newest"},
        {"q": "UBND", "author": "Thúy Ngà"}, {"q": "cải cách hành chính", "sort": "oldest"},
    ]
    return mix


def judged_relevance(n: int) -> tuple[list[Judged], dict[int, dict[str, int]]]:
    """For each judged query, url -> grade over the first ``n`` generated articles."""
    grades: dict[int, dict[str, int]] = {i: {} for i in range(len(JUDGED))}
    for g in generated(n):
        url = to_article(g).url
        for i, j in enumerate(JUDGED):
            grade = j.grade(g)
            if grade:
                grades[i][url] = grade
    return JUDGED, grades


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    import math

    dcg = sum((2 ** grades.get(u, 0) - 1) / math.log2(i + 2) for i, u in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def khotin_data(n: int, procs: int = 2, progress: Callable[[str], None] = print):
    """A data directory with ``n`` articles in catalog and index (built once, then reused)."""
    from crawler.catalog import Catalog
    from index.sync import rebuild_index
    from khotin.paths import DataDir
    from khotin.settings import load_settings

    root = OUT / f"data-{n}"
    done = root / "BUILT"
    data = DataDir.of(root)
    if done.exists():
        return data
    data.ensure()
    with Catalog(data.catalog) as catalog:
        batch = []
        for g in generated(n):
            batch.append(to_article(g))
            if len(batch) == 5000:
                catalog.upsert_many(batch)
                batch.clear()
                progress(f"catalog: {catalog.count()} articles")
        catalog.upsert_many(batch)
    settings = load_settings(root).replace(index_procs=procs)
    rebuild_index(data, settings)
    done.write_text("ok\n")
    return data
