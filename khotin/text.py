"""Vietnamese text primitives shared by extraction, indexing and search.

Everything here is a pure function of a string, cheap enough to call per
token.  The rules come from ``shared/docs/vietnamese-text.md``:

* NFC first, because a tokenizer that meets decomposed text splits words on
  the combining marks;
* ``Ð`` (U+00D0, Icelandic eth) is typed for ``Đ`` (U+0110): map it;
* two tone-mark placements live side by side (``uỷ``/``ủy``, ``hoà``/``hòa``):
  :func:`canonical_tones` picks one so both spell the same term;
* ``đ`` is a letter, not an accent, so :func:`fold` maps it to ``d``
  explicitly; Unicode decomposition alone would leave it.

Lengths are preserved by :func:`canonical_tones` and :func:`fold` on NFC text
(one code point in, one out), which is what lets the analyzer's character
offsets point into the stored text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "clean_text",
    "canonical_tones",
    "fold",
    "fold_key",
    "fold_text",
    "has_diacritics",
    "name_key",
    "nfc",
]

_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})


def nfc(text: str) -> str:
    """NFC-normalise and map look-alike letters (``Ð``→``Đ``)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text).translate(_LOOKALIKES)


_WS = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """NFC, look-alikes, control characters removed, spaces collapsed per line.

    Newlines survive (paragraph breaks matter); runs of blank lines collapse
    to one blank line.
    """
    text = nfc(_CONTROL.sub("", text))
    lines = [_WS.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


# --- accent folding ------------------------------------------------------


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii() and base:
            table[cp] = base
    table.update({0x0110: "D", 0x0111: "d", 0x00D0: "D", 0x00F0: "d"})
    return table


_FOLD = _build_fold_table()


def fold(text: str) -> str:
    """Remove diacritics, ``đ``→``d``; one code point in, one out on NFC input."""
    if text.isascii():
        return text
    folded = text.translate(_FOLD)
    if folded.isascii():
        return folded
    # Rare: combining marks left over, or letters outside the table.
    decomposed = unicodedata.normalize("NFD", folded)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def has_diacritics(text: str) -> bool:
    """True when folding would change the text (so the user typed accents)."""
    return not text.isascii() and fold(text) != text


# --- tone placement --------------------------------------------------------

_TONES = {  # combining tone mark -> index used below
    "\u0300": 0,  # huyền
    "\u0301": 1,  # sắc
    "\u0309": 2,  # hỏi
    "\u0303": 3,  # ngã
    "\u0323": 4,  # nặng
}


def _toned(letter: str, mark: str) -> str:
    return unicodedata.normalize("NFC", letter + mark)


def _build_tone_table() -> dict[str, str]:
    """Map old-style open syllable endings to the canonical placement.

    Canonical here is the placement the government portals mostly use:
    ``hòa, khỏe, thủy, ủy, Thúy`` (tone on the first vowel of ``oa``, ``oe``,
    ``uy`` when nothing follows).  Closed syllables (``hoàng``, ``thuyền``)
    put the tone on the second vowel in both styles and are left alone.
    """
    table: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for mark in _TONES:
            for f, s in ((first, second), (first.upper(), second.upper()), (first.upper(), second)):
                table[f + _toned(s, mark)] = _toned(f, mark) + s
    return table


_TONE_TABLE = _build_tone_table()
_OLD_STYLE = re.compile(
    r"(?<![qQ])(" + "|".join(sorted(_TONE_TABLE, key=len, reverse=True)) + r")(?!\w)"
)


def canonical_tones(text: str) -> str:
    """Rewrite ``uỷ→ủy``, ``hoà→hòa``, ``khoẻ→khỏe``, ``Thuý→Thúy`` in place.

    ``quý``/``quả`` are untouched: after ``q`` the ``u`` belongs to the
    consonant and the tone sits on the next vowel in both styles.
    """
    if text.isascii():
        return text
    return _OLD_STYLE.sub(lambda m: _TONE_TABLE[m.group(1)], text)


def name_key(name: str) -> str:
    """A comparison key for people and units: ``Thuý Ngà`` == ``THÚY NGÀ``."""
    return " ".join(canonical_tones(nfc(name).lower()).split())


@lru_cache(maxsize=1 << 19)
def fold_key(token: str) -> str:
    """``fold(token.lower())``, memoised (tone placement is moot once folded).

    Snippets and suggestions compare every word of a text with the query's
    folded words; the vocabulary is small, so a cache beats recomputing.
    """
    return fold(token.lower())


def fold_text(text: str) -> str | None:
    """A whole text lowercased and folded, offsets unchanged.

    ``None`` in the rare case a character's lowercase form is longer (so the
    offsets would shift); callers then work word by word.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        return None
    return lowered.translate(_FOLD)
