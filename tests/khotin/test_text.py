import unicodedata

from khotin.text import canonical_tones, clean_text, fold, has_diacritics, name_key, nfc


def test_nfc_composes_and_maps_eth():
    decomposed = unicodedata.normalize("NFD", "Huyện ủy Ðảng")
    assert nfc(decomposed) == "Huyện ủy Đảng"
    assert "\u00d0" not in nfc("Ð")


def test_fold_maps_d_bar_and_keeps_length():
    for word in ("Đảng", "đang", "Ủy ban nhân dân", "HUYỆN UỶ", "Nguyễn Thị Thuý"):
        assert len(fold(word)) == len(word)
    assert fold("Đảng") == "Dang"
    assert fold("ủy ban nhân dân") == "uy ban nhan dan"


def test_canonical_tones_unifies_old_and_new_placement():
    assert canonical_tones("Huyện uỷ") == canonical_tones("Huyện ủy") == "Huyện ủy"
    assert canonical_tones("hoà khoẻ Thuý") == "hòa khỏe Thúy"
    assert canonical_tones("HUYỆN UỶ") == "HUYỆN ỦY"
    # closed syllables and qu- are the same in both styles
    assert canonical_tones("hoàng thuyền quý quả") == "hoàng thuyền quý quả"


def test_name_key_is_insensitive_to_tone_style_case_and_spaces():
    assert name_key("Thuý  Ngà") == name_key("THÚY NGÀ") == name_key("thúy ngà")
    assert name_key("Thu Hằng") != name_key("Thu Hảng")


def test_has_diacritics():
    assert has_diacritics("đang") and has_diacritics("Đảng")
    assert not has_diacritics("dang") and not has_diacritics("UBND")


def test_clean_text_collapses_spaces_keeps_paragraphs():
    text = "  Dòng\u00a0một  \x07\n\n\n\nDòng   hai \n"
    assert clean_text(text) == "Dòng một\n\nDòng hai"
