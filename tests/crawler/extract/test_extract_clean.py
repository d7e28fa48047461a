"""Text hygiene: NFC, look-alikes, <br> joining, end marks, furniture lines."""

from __future__ import annotations

import unicodedata

from crawler.extract.clean import (
    is_boilerplate,
    is_stop_marker,
    join_lines,
    normalize_line,
    strip_end_mark,
)


def test_normalize_line() -> None:
    nfd = unicodedata.normalize("NFD", "Huyện ủy  Mai\u00a0Sơn")
    assert normalize_line(nfd) == "Huyện ủy Mai Sơn"
    assert normalize_line("ÐẢNG BỘ") == "ĐẢNG BỘ"
    assert normalize_line("Sơn\u200bLa\u00ad ") == "SơnLa"
    assert normalize_line("  \t\n ") == ""


def test_br_inside_a_sentence_joins_with_a_space() -> None:
    assert join_lines(["Hội nghị đã thống nhất", "các nội dung trọng tâm."]) == [
        "Hội nghị đã thống nhất các nội dung trọng tâm."]
    # Word paste breaks anywhere, even before a capital inside a sentence.
    assert join_lines(["Ban Chỉ đạo 35 huyện", "Mai Sơn họp."]) == ["Ban Chỉ đạo 35 huyện Mai Sơn họp."]


def test_paragraph_breaks() -> None:
    assert join_lines(["Câu thứ nhất.", "Câu thứ hai."]) == ["Câu thứ nhất.", "Câu thứ hai."]
    assert join_lines(["một", "", "hai"]) == ["một", "hai"]  # <br><br>
    assert join_lines(["", "một", ""]) == ["một"]


def test_end_marks() -> None:
    assert strip_end_mark("… trên địa bàn huyện./.") == "… trên địa bàn huyện"
    assert strip_end_mark("… trên địa bàn huyện/.") == "… trên địa bàn huyện"
    assert strip_end_mark("… năm 2024. ./. ") == "… năm 2024."  # only the mark goes
    assert strip_end_mark("Tỷ lệ 1/2 dân số.") == "Tỷ lệ 1/2 dân số."


def test_furniture_lines() -> None:
    for line in ["Chia sẻ", "In bài viết", "Lượt xem: 1.542", "View count: 551", "Skip Ribbon Commands",
                 "Sign In", "null", "Từ khóa: nông thôn mới, NTM", "Tập tin đính kèm:", "Quay lại"]:
        assert is_boilerplate(line), line
    for line in ["Tin liên quan", "CÁC TIN KHÁC", "Các tin đã đưa", "Những tin mới hơn",
                 "Tin cùng chuyên mục", "Bài viết liên quan"]:
        assert is_stop_marker(line), line
    assert not is_boilerplate("Chia sẻ kinh nghiệm xây dựng nông thôn mới tại xã Cò Nòi.")
    assert not is_stop_marker("Tin liên quan đến công tác phòng chống thiên tai được cập nhật hằng ngày.")
