import unicodedata

from index.analysis import analyze, query_analyzer, vietnamese_analyzer
from khotin.text import canonical_tones, fold

SEED_LINE = "Đ/c Hà Văn Bình - Phó Bí thư Thường trực Huyện uỷ phát biểu chỉ đạo tại cuộc họp"


def test_offsets_slice_back_to_the_original_characters():
    text = "Sáng ngày 27/9/2024, Ban Chỉ đạo 35 huyện họp theo Nghị quyết số 35-NQ/TW. " + SEED_LINE
    tokens = analyze(text, chars=True)
    assert len(tokens) == 40
    for term, exact, _pos, start, end in tokens:
        assert exact == canonical_tones(text[start:end].lower()), (exact, text[start:end])
        assert term == fold(exact)


def test_terms_are_folded_and_keep_the_exact_form():
    tokens = analyze("Đảng bộ", chars=True)
    assert tokens == [("dang", "đảng", 0, 0, 4), ("bo", "bộ", 1, 5, 7)]


def test_tone_placement_is_canonical():
    old = analyze("Huyện uỷ Thuý Ngà hoà")
    new = analyze("Huyện ủy Thúy Ngà hòa")
    assert old == new
    assert ("uy", "ủy", 1, -1, -1) in new


def test_nfd_input_gives_the_same_terms():
    text = "Ủy ban nhân dân huyện Mai Sơn"
    assert analyze(unicodedata.normalize("NFD", text)) == analyze(text)


def test_compounds_kept_whole_and_split():
    tokens = analyze("35-NQ/TW 123/QĐ-UBND 27/9/2024 3.274 Đ/c")
    terms = [t for t, *_ in tokens]
    exact = [e for _, e, *_ in tokens]
    for whole in ("35-nq/tw", "123/qd-ubnd", "27/9/2024", "3.274", "d/c"):
        assert whole in terms
    assert "123/qđ-ubnd" in exact and "đ/c" in exact
    for part in ("35", "nq", "tw", "ubnd", "2024", "274"):
        assert part in terms


def test_compound_parts_take_positions_so_phrases_line_up():
    tokens = analyze("số 35-NQ/TW của Bộ")
    positions = {exact: p for _, exact, p, *_ in tokens}
    assert positions["35-nq/tw"] == positions["35"] == 1
    assert positions["tw"] == 3 and positions["của"] == 4


def test_lowercasing_handles_two_diacritics_and_d_bar():
    tokens = [(t.text, t.exact) for t in vietnamese_analyzer()("ỦY BAN ĐẢNG HUYỆN", mode="index")]
    assert tokens == [("uy", "ủy"), ("ban", "ban"), ("dang", "đảng"), ("huyen", "huyện")]


def test_query_analyzer_does_not_fold():
    terms = [t.text for t in query_analyzer()("Đảng đang")]
    assert terms == ["đảng", "đang"]


def test_stopwords_are_kept():
    exact = [e for _, e, *_ in analyze("bảo vệ nền tảng tư tưởng của Đảng")]
    assert "của" in exact
