"""Bytes to text: lying headers, windows-1258, broken bytes, binaries."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from crawler.extract import extract
from crawler.extract.encoding import decode_html, sniff_binary
from khotin.fixtures.printing import encode_cp1258

TEXT = "Huyện ủy Mai Sơn tổ chức hội nghị triển khai nhiệm vụ năm 2024 của Đảng bộ huyện."
PAGE = f"<html><head><title>Tin</title></head><body><p>{TEXT}</p></body></html>"


def test_utf8_with_header() -> None:
    d = decode_html(PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"})
    assert d.encoding == "utf-8" and TEXT in d.text and not d.warnings


def test_lying_latin1_header_does_not_make_mojibake() -> None:
    d = decode_html(PAGE.encode(), {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert TEXT in d.text
    assert d.encoding == "utf-8"
    assert any("UTF-8" in w for w in d.warnings)


def test_lying_meta_charset() -> None:
    page = PAGE.replace("<head>", '<head><meta charset="windows-1252">')
    d = decode_html(page.encode(), None)
    assert TEXT in d.text


def test_windows_1258_page_decodes_to_nfc() -> None:
    page = PAGE.replace("<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
    raw = encode_cp1258(page)
    assert raw != page.encode("utf-8")
    d = decode_html(raw, {"Content-Type": "text/html"})
    assert d.encoding == "cp1258"
    assert TEXT in d.text and unicodedata.is_normalized("NFC", d.text)
    ex = extract(raw, "https://maison.sonla.gov.vn/a")
    assert TEXT in ex.to_dict()["body"] or TEXT in unicodedata.normalize("NFC", d.text)


def test_windows_1258_without_any_declaration_is_sniffed() -> None:
    raw = encode_cp1258(PAGE * 3)
    d = decode_html(raw, None)
    assert TEXT in unicodedata.normalize("NFC", d.text)


def test_windows_1258_behind_a_latin1_server_default() -> None:
    raw = encode_cp1258(PAGE * 3)
    d = decode_html(raw, {"Content-Type": "text/html; charset=iso-8859-1"})
    assert TEXT in unicodedata.normalize("NFC", d.text)


def test_a_few_invalid_bytes_are_replaced_not_fatal() -> None:
    raw = PAGE.encode().replace(b"Mai", b"M\xffi")
    d = decode_html(raw, {"Content-Type": "text/html; charset=utf-8"})
    assert d.encoding == "utf-8"
    assert "Huyện ủy" in d.text
    assert any("invalid UTF-8" in w for w in d.warnings)


def test_bom_wins() -> None:
    d = decode_html(codecs.BOM_UTF8 + PAGE.encode(), {"Content-Type": "text/html; charset=iso-8859-1"})
    assert TEXT in d.text
    d16 = decode_html(PAGE.encode("utf-16"), None)
    assert TEXT in d16.text


def test_unknown_charset_label_is_reported() -> None:
    d = decode_html(PAGE.encode(), {"Content-Type": "text/html; charset=x-klingon"})
    assert TEXT in d.text
    assert any("unknown charset" in w for w in d.warnings)


def test_str_input_is_taken_as_is() -> None:
    d = decode_html(PAGE, None)
    assert d.text == PAGE and d.encoding == "unicode"


@pytest.mark.parametrize(("data", "kind"), [
    (b"%PDF-1.7\n%\xe2\xe3", "PDF"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG"),
    (b"PK\x03\x04" + bytes(50), "ZIP"),
    (bytes(range(256)) * 20, "binary"),
])
def test_binaries_are_recognised(data: bytes, kind: str) -> None:
    assert kind in (sniff_binary(data) or "")


def test_html_is_not_binary() -> None:
    assert sniff_binary(PAGE.encode()) is None
    assert sniff_binary(encode_cp1258(PAGE)) is None
    assert sniff_binary(PAGE.encode("utf-16")) is None
