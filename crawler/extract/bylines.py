"""Bylines: who wrote an article and for which unit.

About two district articles in three carry a byline, usually as the last
paragraph, in the shapes of ``shared/docs/portals.md``:

* a plain name ``Thúy Hoa`` or ALL CAPS ``VIỆT HÙNG``,
  ``XUÂN HIẾU - XUÂN THỊNH`` (two people);
* ``(Thuý Ngà - Ban Tuyên giáo Huyện uỷ Mai Sơn)``: name and unit;
* labelled ``Tác giả: Name, Unit``, ``Tin, ảnh: Name``, ``Nguồn: Unit``;
* a unit only (``Báo Sơn La``): no person, the unit is the organisation;
* ``PV`` (phóng viên, "our reporter");
* at the top with the time: ``Thu Hằng - Vũ Mừng - 21:13, 23/05/2024``.

:func:`parse_byline` says whether a line *is* a byline and splits it into
names and organisation.  It is deliberately strict: a false byline deletes a
sentence from the body, so every part must look like a name or a unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from khotin.text import canonical_tones, fold, nfc

__all__ = ["Byline", "is_brand", "is_organization", "looks_like_name", "parse_byline"]

#: Words a unit's name starts with (compared lowercased, tones canonical).
_UNIT_HEADS = (
    "ban", "báo", "đài", "trung tâm", "tt", "phòng", "văn phòng", "ubnd", "ủy ban", "hđnd",
    "hội đồng", "huyện ủy", "tỉnh ủy", "thành ủy", "thị ủy", "đảng ủy", "đảng bộ", "chi bộ",
    "cổng", "trang", "website", "sở", "cục", "chi cục", "bộ", "công an", "bch", "bộ chỉ huy",
    "hội", "đoàn", "huyện đoàn", "tỉnh đoàn", "liên đoàn", "lđlđ", "mặt trận", "mttq",
    "ubmttq", "trường", "bệnh viện", "kho bạc", "ngân hàng", "tạp chí", "thông tấn",
    "ttxvn", "vov", "vtv", "bhxh", "bảo hiểm", "viện", "tòa án", "tòa soạn", "chi nhánh",
    "công ty", "hợp tác xã", "htx", "đội", "tổ", "bộ phận", "xã", "phường", "thị trấn",
    "huyện", "tỉnh", "thành phố", "tp", "liên hiệp", "bql", "ban quản lý", "bbt",
    "cơ quan", "quân sự", "phòng văn hóa", "cttđt", "cổng ttđt", "báo điện tử", "nhóm",
    "trung tâm truyền thông", "đài truyền thanh", "ttvh", "ttth", "vp",
)
_UNIT_WORDS = {
    "ban", "báo", "đài", "phòng", "ủy", "ubnd", "hđnd", "huyện", "tỉnh", "xã", "sở", "cục",
    "trung", "tâm", "cổng", "hội", "đoàn", "mttq", "trường", "viện", "văn", "hóa", "thông",
    "tin", "truyền", "thanh", "hình", "tuyên", "giáo", "đảng", "chi", "bộ", "công", "an",
    "quân", "sự", "điện", "tử", "ttđt", "cttđt", "phường", "thị", "trấn", "thành", "phố",
}
_LABEL = re.compile(
    r"^(?P<label>tác\s+giả|người\s+viết|phóng\s+viên|pv|bài\s*(?:,|và|/|&)\s*ảnh|tin\s*(?:,|và|/|&)\s*ảnh"
    r"|bài|tin|ảnh|nguồn\s+tin|nguồn|theo|thực\s+hiện|nhóm\s+pv|btv|biên\s+tập)\s*[:：.]?\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_SOURCE_LABELS = {"nguồn", "nguồn tin", "theo"}
_NAME_UNIT = re.compile(r"^(?P<names>[^()]+?)\s*\((?P<unit>[^()]+)\)$")
_SPLIT = re.compile(r"\s+[-–—/]\s+|\s*,\s*|\s*;\s*|\s+và\s+")
_TRAILING_DATE = re.compile(
    r"(?:\s*[-–—|,]\s*)?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[,|-]\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})?\s*$"
    r"|(?:\s*[-–—|,]\s*)\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:\s*[,|-]?\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
_INNER_DATE = re.compile(
    r"(?:\s*[-–|,]\s*)?\b\d{1,2}:\d{2}(?::\d{2})?\b(?:\s*[,|-]?\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})?"
    r"|(?:\s*[-–|,]\s*)?\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b(?:\s*[,|-]?\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)
_SEPARATOR_RUN = re.compile(r"(?:\s*[-–|,]\s*){2,}")
_DASH_PAREN = re.compile(r"\s*[-–|,]\s*(?=\()")
#: Date-line words: "Thứ Ba, 12/03/2024" must not become the author "Thứ Ba".
_NOT_A_BYLINE = re.compile(
    r"\bthứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])\b|\bchủ\s+nhật\b|ngày\s+đăng|cập\s+nhật|lượt\s+xem"
    r"|\bgmt\b|view\s+count",
    re.IGNORECASE,
)
_PV = re.compile(r"^(?:nhóm\s+)?(?:pv|p\.v|phóng viên|ptv|ctv)(?:\s+[\w.]+)?$", re.IGNORECASE)
_NAME_TOKEN = re.compile(r"^(?:[A-ZÀ-Ỹ][a-zà-ỹ]{0,7}|[A-ZÀ-Ỹ]{1,7}|[A-ZÀ-Ỹ]\.(?:[A-ZÀ-Ỹ]\.?)*)$")


@dataclass
class Byline:
    """A parsed byline: person names as printed and the unit, if any."""

    names: list[str] = field(default_factory=list)
    organization: str = ""
    text: str = ""
    kind: str = "name"  # name | label | unit | source | pv


def _key(text: str) -> str:
    return canonical_tones(nfc(text).lower())


def _tokens(text: str) -> list[str]:
    return text.replace("\u00a0", " ").split()


def looks_like_name(text: str, *, single: bool = False) -> bool:
    """Two to five capitalised syllables (``Thuý Ngà``, ``XUÂN HIẾU``), no unit words.

    ``single=True`` also accepts one syllable, for labelled bylines where the
    label already says a name follows (``Tác giả: Tùng``).
    """
    toks = _tokens(nfc(text))
    if not (1 if single else 2) <= len(toks) <= 5 or len(text) > 40:
        return False
    if not all(_NAME_TOKEN.match(t) for t in toks):
        return False
    letters = [t for t in toks if "." not in t]
    caps = [t.isupper() for t in letters if len(t) > 1]
    if caps and any(caps) and not all(caps):
        return False
    if _key(toks[0]) in _UNIT_WORDS and len(toks) > 1 and _key(toks[1]) in _UNIT_WORDS:
        return False
    return not is_organization(text)


#: Lowercase words that make a line a sentence, not a unit's name.
_SENTENCE_WORDS = {
    "tổ chức", "triển khai", "tham dự", "họp", "kiểm tra", "thăm", "trao", "phát biểu",
    "đề nghị", "đã", "được", "là", "có", "cho", "với", "này", "đang", "sẽ", "tại",
    "kết thúc", "diễn ra", "nhằm", "để", "thì", "mà", "khi", "nhưng", "đến", "từ",
    "giao", "tổng hợp", "theo dõi", "đôn đốc", "thực hiện", "yêu cầu", "tham gia", "hỗ trợ",
    "tiếp tục", "hoàn thành", "đạt", "tăng", "giảm",
}


def _unit_shaped(text: str, head_len: int) -> bool:
    """A unit's name is mostly proper nouns: ``Ban Tuyên giáo Huyện uỷ Mai Sơn``.

    Rejects sentences that merely start with a unit word (``Hội nghị kết
    thúc``, ``Xã Chiềng Mung tổ chức hội nghị``).
    """
    toks = _tokens(nfc(text).strip(" .()"))
    rest = toks[head_len:]
    if len(text) > 90:
        return False
    if not rest:
        return True
    if not any(t[:1].isupper() or t.isupper() for t in rest):
        return False
    lower = [_key(t) for t in rest if not t[:1].isupper()]
    joined = " " + " ".join(lower) + " "
    if any(f" {w} " in joined for w in _SENTENCE_WORDS):
        return False
    run = longest = 0
    for t in rest:
        run = 0 if t[:1].isupper() else run + 1
        longest = max(longest, run)
    return longest <= 5


def is_organization(text: str) -> bool:
    """Whether ``text`` names a unit (``Báo Sơn La``, ``Ban Tuyên giáo Huyện uỷ``)."""
    key = _key(text).strip(" .()")
    if not key:
        return False
    if re.fullmatch(r"(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org)", key):
        return True
    for head in _UNIT_HEADS:
        if key == head or key.startswith(head + " ") or key.startswith(head + "."):
            return _unit_shaped(text, len(head.split()))
    return False


def is_brand(text: str, brands: Iterable[str]) -> bool:
    """Whether ``text`` is the site's own name (meta author = site brand)."""
    key = fold(_key(text)).strip()
    if not key:
        return False
    for brand in brands:
        b = fold(_key(brand)).strip()
        if b and (key == b or (len(key) > 6 and (key in b or b in key))):
            return True
    return False


def _strip(text: str) -> str:
    text = " ".join(nfc(text).replace("\u00a0", " ").split())
    text = text.strip().rstrip(".").strip()
    while len(text) > 2 and text[0] in "([" and text[-1] in ")]":
        text = text[1:-1].strip()
    return text.strip(" .")


def _parts(text: str, *, single: bool) -> tuple[list[str], list[str]] | None:
    """Split ``Name - Unit`` / ``Name, Name`` into names and units; None if a part is neither."""
    names: list[str] = []
    units: list[str] = []
    pieces = [p.strip(" .") for p in _SPLIT.split(text) if p.strip(" .")]
    # A unit can contain commas or dashes itself ("Phòng Văn hóa - Thông tin"):
    # once a unit starts, everything after belongs to it.
    for i, piece in enumerate(pieces):
        if units:
            # "Đài Truyền thanh - Truyền hình huyện …" continues a unit; a
            # lowercase clause ("theo dõi, đôn đốc …") means this is a sentence.
            if not piece[:1].isupper() or not _unit_shaped(piece, 0):
                return None
            units.append(piece)
            continue
        if looks_like_name(piece, single=single):
            names.append(piece)
        elif is_organization(piece):
            units.append(piece)
        elif _PV.match(piece):
            names.append(piece)
        else:
            return None
        if i == 0 and not names and not units:
            return None
    return names, units


def _join_units(text: str, units: list[str]) -> str:
    """The unit as printed: the original substring from the first unit part on."""
    start = text.find(units[0])
    return text[start:].strip(" .") if start >= 0 else " - ".join(units)


def parse_byline(text: str, *, brands: Iterable[str] = ()) -> Byline | None:
    """A :class:`Byline` when ``text`` is one, else None.

    ``brands`` are the site's own names: a byline that is only the site's
    brand gives the organisation, never an author.
    """
    if not text or len(text) > 160:
        return None
    raw = _strip(text)
    if _NOT_A_BYLINE.search(raw):
        return None
    raw = _TRAILING_DATE.sub("", raw).strip(" -–|,")
    # A top byline prints the time between names and unit:
    # "Thu Hằng - Vũ Mừng - 21:13, 23/05/2024 (Báo Sơn La)".
    raw = _INNER_DATE.sub(" - ", raw)
    raw = _SEPARATOR_RUN.sub(" - ", raw).strip(" -–|,")
    raw = _DASH_PAREN.sub(" ", raw)
    if not raw or len(raw) > 120 or raw[-1] in "?!:;" or re.search(r"\d", raw):
        return None
    if _PV.match(raw):
        return Byline([raw], "", text, "pv")
    m = _LABEL.match(raw)
    if m:
        label = " ".join(m.group("label").lower().split())
        rest = _strip(m.group("rest"))
        if label in _SOURCE_LABELS:
            if looks_like_name(rest):
                return Byline([rest], "", text, "source")
            if is_organization(rest) or is_brand(rest, brands) or re.search(r"\.\w{2,3}\b", rest):
                return Byline([], rest, text, "source")
            return None
        split = _parts(rest, single=True)
        if split is None:
            return None
        names, units = split
        return Byline(names, _join_units(rest, units) if units else "", text, "label")
    m = _NAME_UNIT.match(raw)
    if m and is_organization(m.group("unit")):
        split = _parts(m.group("names"), single=False)
        if split and split[0] and not split[1]:
            return Byline(split[0], m.group("unit").strip(), text, "name")
    split = _parts(raw, single=False)
    if split is None:
        return None
    names, units = split
    if not names and not units:
        return None
    if not names and text.rstrip().endswith(".") and len(raw.split()) > 6:
        return None  # a sentence about a unit, not a unit signing the article
    kind = "name" if names else "unit"
    return Byline(names, _join_units(raw, units) if units else "", text, kind)
