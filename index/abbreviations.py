"""Abbreviations and their full forms, from ``shared/docs/vietnamese-text.md``.

Used by the query planner in both directions: a query for ``UBND`` also
searches the phrase ``ủy ban nhân dân``, and a query containing ``Ủy ban
nhân dân`` also searches ``UBND``.  Expanding at query time (not index time)
keeps the index small and lets the table grow without a reindex.

Keys and full forms are written naturally; lookups use the folded,
lowercased forms (:func:`khotin.text.fold`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from khotin.text import canonical_tones, fold

TABLE: dict[str, tuple[str, ...]] = {
    "UBND": ("Ủy ban nhân dân",),
    "HĐND": ("Hội đồng nhân dân",),
    "MTTQ": ("Mặt trận Tổ quốc",),
    "UBMTTQ": ("Ủy ban Mặt trận Tổ quốc",),
    "UBMTTQVN": ("Ủy ban Mặt trận Tổ quốc Việt Nam",),
    "BCH": ("Ban Chấp hành",),
    "BTV": ("Ban Thường vụ",),
    "UVBTV": ("Ủy viên Ban Thường vụ",),
    "BCĐ": ("Ban Chỉ đạo",),
    "Đ/c": ("Đồng chí",),
    "PBT": ("Phó Bí thư",),
    "HUV": ("Huyện ủy viên",),
    "TUV": ("Tỉnh ủy viên",),
    "KT-XH": ("Kinh tế - xã hội",),
    "QP-AN": ("Quốc phòng - an ninh",),
    "AN-QP": ("An ninh - quốc phòng",),
    "ANTT": ("An ninh trật tự",),
    "CT-XH": ("Chính trị - xã hội",),
    "NTM": ("Nông thôn mới",),
    "MTQG": ("Mục tiêu quốc gia",),
    "DTTS": ("Dân tộc thiểu số",),
    "ĐBQH": ("Đại biểu Quốc hội",),
    "TXCT": ("Tiếp xúc cử tri",),
    "GPMB": ("Giải phóng mặt bằng",),
    "CCHC": ("Cải cách hành chính",),
    "TTHC": ("Thủ tục hành chính",),
    "HTX": ("Hợp tác xã",),
    "LHPN": ("Liên hiệp Phụ nữ",),
    "ĐVHC": ("Đơn vị hành chính",),
    "CBCC": ("Cán bộ, công chức",),
    "BHXH": ("Bảo hiểm xã hội",),
    "BHYT": ("Bảo hiểm y tế",),
    "CTTĐT": ("Cổng thông tin điện tử",),
    "TTĐT": ("Thông tin điện tử",),
    "TP": ("Thành phố",),
    "TX": ("Thị xã",),
    "TT": ("Thị trấn",),
}

#: Short forms that are ordinary syllables or too ambiguous without the
#: trailing period the table shows ("TP.", "TX.", "TT."): expanded only when
#: the query wrote them with it.
NEEDS_PERIOD = frozenset({"tp", "tx", "tt"})


def short_key(short: str) -> str:
    """Folded form of a short form as the tokenizer keeps it: ``Đ/c`` → ``d/c``."""
    return fold(short.lower())


def full_key(full: str) -> tuple[str, ...]:
    """Folded syllables of a full form: ``Ủy ban nhân dân`` → ``('uy','ban','nhan','dan')``."""
    return tuple(fold(w) for w in _SYLLABLE.findall(canonical_tones(full.lower())))


_SYLLABLE = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def expansions() -> dict[str, list[tuple[str, ...]]]:
    """Folded short form → folded full forms (syllable tuples)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for short, fulls in TABLE.items():
        out.setdefault(short_key(short), []).extend(full_key(f) for f in fulls)
    return out


@lru_cache(maxsize=1)
def contractions() -> dict[tuple[str, ...], list[str]]:
    """Folded full form (syllable tuple) → folded short forms."""
    out: dict[tuple[str, ...], list[str]] = {}
    for short, fulls in TABLE.items():
        for full in fulls:
            out.setdefault(full_key(full), []).append(short_key(short))
    return out


def longest_full_form() -> int:
    return max(len(k) for k in contractions())
