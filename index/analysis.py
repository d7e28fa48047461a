"""Vietnamese analysis for Whoosh, as a chain of small components.

    VietnameseTokenizer() | LowercaseFilter() | ToneFilter() | FoldFilter()

* :class:`VietnameseTokenizer` NFC-normalises, then splits on spaces and
  punctuation but keeps *compound* tokens whole: document numbers
  (``35-NQ/TW``, ``123/QĐ-UBND``), dates (``27/9/2024``), numbers
  (``3.274``) and ``Đ/c``.  A compound is emitted once whole and then as its
  parts, each part taking its own position, so ``35`` alone also matches.
* :class:`ToneFilter` rewrites the old tone placement (``uỷ``, ``hoà``) to the
  canonical one (``ủy``, ``hòa``).
* :class:`FoldFilter` replaces the token text with its accent-folded form
  (``đảng`` → ``dang``) and keeps the exact form in ``token.exact``.  The
  posting format (:class:`index.formats.PackedPositions`) stores, for every
  position, a 32-bit code of that exact form.  So one posting list per
  folded syllable answers both kinds of query: ``dang`` takes every
  position, ``Đảng`` only the positions whose code is that of ``đảng``.
  Phrases work on either form or a mix, the index holds about as many
  postings as a plain syllable index (half of an exact + folded twin
  design), and highlighting marks the original characters.

Stopwords are kept: Vietnamese function words (``của``, ``và``) are part of
many phrases and BM25's idf already makes them cheap.  Abbreviations
(``UBND`` ↔ ``Ủy ban nhân dân``) are expanded at query time, not here, so the
table can change without a reindex (see :mod:`search.plan`).

Every component works on NFC text where one code point in gives one code
point out, so ``startchar``/``endchar`` index the stored (NFC) text; the tests
slice the text with them to prove it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Composable, Filter, LowercaseFilter, Token, Tokenizer

from khotin.text import canonical_tones, fold, nfc

# A word is a run of letters/digits (\w without "_"); a compound joins words
# with - / . , when there is no space around the joiner.
_WORD = r"[^\W_]+"
_TOKEN = re.compile(rf"{_WORD}(?:[-/.,]{_WORD})*")
_PART = re.compile(_WORD)

__all__ = [
    "FoldFilter",
    "ToneFilter",
    "VietnameseTokenizer",
    "query_analyzer",
    "vietnamese_analyzer",
]


class VietnameseTokenizer(Tokenizer):
    """Syllables, plus compounds kept whole (see module docstring)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True,
                 start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = nfc(value)
        if not tokenize:
            t.original = t.text = text
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(text)
            yield t
            return
        pos = start_pos
        for match in _TOKEN.finditer(text):
            word = match.group()
            start = start_char + match.start()
            yield _fill(t, word, pos, start, start + len(word), positions, chars, keeporiginal)
            if word.isalnum():
                pos += 1
                continue
            # A compound: after the whole token, each part at its own position.
            for part in _PART.finditer(word):
                yield _fill(t, part.group(), pos, start + part.start(), start + part.end(),
                            positions, chars, keeporiginal)
                pos += 1


def _fill(t: Token, text: str, pos: int, start: int, end: int, positions: bool, chars: bool,
          keeporiginal: bool) -> Token:
    """Reuse the one Token object, as Whoosh tokenizers do."""
    t.text = text
    t.boost = 1.0
    t.stopped = False
    if keeporiginal:
        t.original = text
    if positions:
        t.pos = pos
    if chars:
        t.startchar, t.endchar = start, end
    return t


class ToneFilter(Filter):
    """Canonical tone placement: ``uỷ``→``ủy``, ``hoà``→``hòa``, ``Thuý``→``Thúy``."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            if not text.isascii():
                t.text = tones_cached(text)
            yield t


class FoldFilter(Filter):
    """Fold the token (``đảng``→``dang``), keeping the exact form in ``token.exact``.

    At query time (``mode="query"``) tokens pass unchanged: the query planner
    decides per word whether the exact spelling matters.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            t.exact = text
            if t.mode != "query" and not text.isascii():
                t.text = fold_cached(text)
            yield t


# The syllable vocabulary is small: memoised, folding and tone placement cost
# a dictionary lookup per token.
fold_cached = lru_cache(maxsize=1 << 18)(fold)
tones_cached = lru_cache(maxsize=1 << 18)(canonical_tones)


def vietnamese_analyzer() -> Composable:
    """The index-time chain: folded terms, exact forms riding along as ``token.exact``."""
    return VietnameseTokenizer() | LowercaseFilter() | ToneFilter() | FoldFilter()


def query_analyzer() -> Composable:
    """The same chain without folding: the planner folds where the user did not type accents."""
    return VietnameseTokenizer() | LowercaseFilter() | ToneFilter()


def analyze(text: str, *, chars: bool = False) -> list[tuple[str, str, int, int, int]]:
    """``(folded term, exact form, pos, startchar, endchar)``: a debugging and testing aid."""
    return [(t.text, t.exact, t.pos, t.startchar if chars else -1, t.endchar if chars else -1)
            for t in vietnamese_analyzer()(text, positions=True, chars=chars, mode="index")]
