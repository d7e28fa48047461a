"""Property-based tests for the date parser, the byline parser and the charset decoder.

Generated text leans on what portals print (Vietnamese letters, combining
marks, digits and date separators, weekday and label words, byline shapes)
mixed with arbitrary Unicode.  Each property runs ``KHOTIN_FUZZ_EXAMPLES``
examples (default 2,000 for CI; the recorded run in ``docs/reliability.md`` uses 10,000).
Huge and pathological inputs have their own tests with time limits, so a
regular expression that backtracks catastrophically fails loudly.
"""

from __future__ import annotations

import os
import time
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crawler.extract.bylines import Byline, is_brand, is_organization, looks_like_name, parse_byline
from crawler.extract.dates import find_dates, parse_iso_datetime, parse_vn_date
from crawler.extract.encoding import decode_html
from khotin.text import nfc
from tests.webui.webui_data import to_cp1258

EXAMPLES = int(os.environ.get("KHOTIN_FUZZ_EXAMPLES") or 2000)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                database=None)

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
COMBINING = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
DATE_WORDS = ["ngày", "tháng", "năm", "Thứ Sáu", "Thứ 2", "Chủ nhật", "Cập nhật lúc:", "Ngày đăng:",
              "lúc", "GMT+7", "AM", "PM", "SA", "CH", "h", "giờ", "False 15612Ngày cập nhật", "|",
              "Z", "T", "+07:00", "-", "/", ".", ":", ",", " ", "  ", "\u00a0", "2024", "09", "27",
              "31", "12", "1990", "2100", "99", "00", "0", "23:59:59", "24:60"]
BYLINE_WORDS = ["Thuý Ngà", "Thúy Ngà", "XUÂN HIẾU", "Vũ Mừng", "Tác giả:", "Tin, ảnh:", "Nguồn:",
                "Theo", "PV", "Ban Tuyên giáo Huyện uỷ Mai Sơn", "Báo Sơn La", "UBND huyện", "(", ")",
                " - ", ", ", " và ", "./.", "21:13, 23/05/2024", "CTTĐT", "Ban Biên tập", "Nhóm PV",
                "Đ/c", "T.H", "Minh", "Nguyễn Văn A", "\u0301", " ", "."]

letters = st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + "0123456789")
any_char = st.one_of(letters, st.sampled_from(COMBINING), st.characters())
date_text = st.lists(st.one_of(st.sampled_from(DATE_WORDS), st.integers(0, 3000).map(str),
                               st.text(any_char, max_size=4)), max_size=25).map("".join)
byline_text = st.lists(st.one_of(st.sampled_from(BYLINE_WORDS), st.text(any_char, max_size=6)),
                       max_size=14).map("".join)
viet_text = st.text(st.one_of(letters, st.sampled_from(" .,;:!?-()\n\"'«»–")), max_size=200)


def _check_date(d, text: str) -> None:
    assert 1990 <= d.year <= 2100
    date(d.year, d.month, d.day)  # a real calendar day
    if d.has_time:
        assert 0 <= d.hour <= 23 and 0 <= d.minute <= 59 and 0 <= (d.second or 0) <= 59
    assert 0 <= d.start <= d.end <= len(text)
    assert datetime.fromisoformat(d.iso())  # the catalog stores exactly this
    assert d.label in (None, "published", "modified")


@FUZZ
@given(date_text, st.one_of(st.none(), st.integers(1990, 2100)))
def test_date_parser_finds_only_real_dates(text, default_year):
    found = find_dates(text, default_year=default_year, yearless=default_year is not None)
    for d in found:
        _check_date(d, text)
    assert [d.start for d in found] == sorted(d.start for d in found)
    first = parse_vn_date(text, default_year=default_year)
    assert first is None or _check_date(first, text) is None


@FUZZ
@given(st.one_of(date_text, st.from_regex(
    r"\A\s?\d{4}-\d{2}-\d{2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s?(Z|[+-]\d{2}:?\d{2}|GMT|UTC)?)?\s?\Z")))
def test_iso_date_parser_never_raises(value):
    d = parse_iso_datetime(value)
    assert d is None or _check_date(d, value) is None


@FUZZ
@given(byline_text, st.lists(st.sampled_from(["Báo Sơn La", "Cổng TTĐT huyện", "maison.sonla.gov.vn"]), max_size=2))
def test_byline_parser_never_breaks(text, brands):
    b = parse_byline(text, brands=brands)
    assert b is None or isinstance(b, Byline)
    if b is not None:
        assert b.kind in ("name", "label", "unit", "source", "pv")
        assert all(isinstance(n, str) and n.strip() for n in b.names)
        assert isinstance(b.organization, str) and len(b.organization) <= len(text)
        assert b.names or b.organization
    assert looks_like_name(text) in (True, False)
    assert looks_like_name(text, single=True) in (True, False)
    assert is_organization(text) in (True, False)
    assert is_brand(text, brands) in (True, False)


charsets = st.sampled_from(["utf-8", "UTF8", "windows-1258", "cp1258", "iso-8859-1", "latin1", "utf-16",
                            "x-user-defined", "bogus-charset", "", "utf-8; foo=bar", "\u00ff", "tcvn",
                            "shift_jis", "gb18030", "us-ascii", '"utf-8"'])


@FUZZ
@given(st.binary(max_size=600), charsets, charsets, st.booleans())
def test_decoder_accepts_any_bytes_and_any_label(body, header_label, meta_label, with_meta):
    if with_meta:
        body = f'<meta charset="{meta_label}">'.encode("ascii", "replace") + body
    headers = {"Content-Type": f"text/html; charset={header_label}"} if header_label else {}
    decoded = decode_html(body, headers)
    assert isinstance(decoded.text, str) and decoded.encoding
    assert unicodedata.is_normalized("NFC", decoded.text)
    assert all(isinstance(w, str) for w in decoded.warnings)


@FUZZ
@given(viet_text, st.sampled_from(["utf-8", "windows-1258"]), st.booleans(), st.booleans())
def test_decoder_round_trips_vietnamese_text(text, charset, in_header, decomposed):
    """Text encoded the way portals do comes back as the same NFC text."""
    source = unicodedata.normalize("NFD", text) if decomposed and charset == "utf-8" else text
    html = f"<html><head><meta charset=\"{charset}\"><title>t</title></head><body><p>{source}</p></body></html>"
    raw = html.encode("utf-8") if charset == "utf-8" else to_cp1258(html)
    if charset != "utf-8":
        # 8-bit bytes that are also valid UTF-8 (``Â«`` is C2 AB, UTF-8 for ``«``) are
        # decoded as UTF-8 on purpose: servers' labels lie more often than that happens.
        assume(not _valid_utf8(raw) or raw.isascii())
    headers = {"Content-Type": f"text/html; charset={charset}"} if in_header else {}
    decoded = decode_html(raw, headers)
    assert nfc(text) in decoded.text


def _valid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name,text", [
    ("digits and slashes", "1/" * 100_000),
    ("digits and dots", "12." * 100_000),
    ("spaces and digits", "1 " * 150_000),
    ("date words", "ngày tháng năm " * 20_000),
    ("times", "12:30:" * 50_000),
    ("weekdays", "Thứ Sáu, " * 30_000 + "27/09/2024"),
    ("combining marks", "2" + "\u0301" * 200_000),
    ("labels", "Cập nhật lúc: " * 20_000),
])
def test_date_parser_is_linear_on_huge_input(name, text):
    t0 = time.perf_counter()
    found = find_dates(text, default_year=2024, yearless=True)
    parse_vn_date(text, default_year=2024)
    elapsed = time.perf_counter() - t0
    assert elapsed < 10, f"{name}: {elapsed:.1f} s"
    for d in found[:100]:
        _check_date(d, text)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", [
    "Thuý Ngà " * 20, "(" * 80 + "Thuý Ngà" + ")" * 80, "Tác giả: " + "A " * 75, "-" * 159,
    "Nguồn: " + "Báo " * 38, "X" * 160, "\u0301" * 160, "A" + " - B" * 39,
])
def test_byline_parser_is_fast_on_worst_shapes(text):
    t0 = time.perf_counter()
    for _ in range(200):
        parse_byline(text)
        looks_like_name(text)
        is_organization(text)
    assert time.perf_counter() - t0 < 10


@pytest.mark.timeout(60)
def test_decoder_is_bounded_on_big_bodies():
    t0 = time.perf_counter()
    for body in (b"\xff\xfe" + b"\x00a" * 2_000_000, b"\xe1\xbb" * 2_000_000, bytes(range(256)) * 20_000):
        decoded = decode_html(body, {"Content-Type": "text/html; charset=utf-8"})
        assert isinstance(decoded.text, str)
    assert time.perf_counter() - t0 < 30
