"""Highlighted, HTML-escaped snippets that mark the original characters.

The text is scanned with the tokenizer's own pattern; a token matches when
its folded form (canonical tones, lowercase, accents removed) is one of the
query's folded terms, so ``huyen uy`` marks ``Huyện uỷ`` as printed.  The
window with the most distinct matched terms wins.  Every piece of crawled
text goes through :func:`html.escape` before ``<mark>`` tags are added, so a
page cannot inject markup through a snippet.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from khotin.text import fold_key, fold_text

_TOKEN = re.compile(r"[^\W_]+(?:[-/.,][^\W_]+)*")
_PART = re.compile(r"[^\W_]+")
WINDOW = 260


def find_matches(text: str, terms: set[str], prefixes: set[str] = frozenset()) -> list[tuple[int, int, str]]:
    """(start, end, folded term) of every word or compound part the query asked for.

    Lowercasing, tone placement and folding all keep one code point per code
    point, so the whole text is folded once (C-speed ``translate``) and
    searched with one regular expression; offsets are those of the original.
    """
    if not terms and not prefixes:
        return []
    folded = fold_text(text)
    if folded is None:  # a rare character whose lowercase is longer: go word by word
        return _find_matches_slow(text, terms, prefixes)
    pattern = _pattern(frozenset(terms), frozenset(prefixes))
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(folded)]


@lru_cache(maxsize=1024)
def _pattern(terms: frozenset[str], prefixes: frozenset[str]) -> re.Pattern[str]:
    alternatives = [re.escape(t) for t in sorted(terms, key=len, reverse=True)]
    alternatives += [re.escape(p) + r"[^\W_]*" for p in sorted(prefixes, key=len, reverse=True)]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def _find_matches_slow(text: str, terms: set[str], prefixes: set[str]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        key = fold_key(word)
        if key in terms or (prefixes and key.startswith(tuple(prefixes))):
            out.append((m.start(), m.end(), key))
            continue
        if not word.isalnum():
            for part in _PART.finditer(word):
                pkey = fold_key(part.group())
                if pkey in terms:
                    out.append((m.start() + part.start(), m.start() + part.end(), pkey))
    return out


def _best_window(text: str, matches: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    if not matches:
        end = min(len(text), width)
        return 0, end
    best = (0, 0, 0)  # distinct terms, count, start index
    j = 0
    for i in range(len(matches)):
        while j < len(matches) and matches[j][1] - matches[i][0] <= width:
            j += 1
        window = matches[i:j]
        quality = (len({k for _, _, k in window}), len(window))
        if quality > best[:2]:
            best = (*quality, i)
    i = best[2]
    j = i
    while j + 1 < len(matches) and matches[j + 1][1] - matches[i][0] <= width:
        j += 1
    cluster_start, cluster_end = matches[i][0], matches[j][1]
    start = max(0, cluster_start - (width - (cluster_end - cluster_start)) // 2)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    return start, end


def _snap_to_space(text: str, start: int, end: int) -> tuple[int, int]:
    if start > 0:
        space = text.rfind(" ", max(0, start - 20), start)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.find(" ", end, end + 20)
        end = space if space >= 0 else end
    return start, end


def snippet(text: str, terms: set[str], prefixes: set[str] = frozenset(), width: int = WINDOW) -> str:
    """An HTML fragment: escaped text with ``<mark>`` around matched words."""
    flat = " ".join(text.split())
    matches = find_matches(flat, terms, prefixes)
    start, end = _snap_to_space(flat, *_best_window(flat, matches, width))
    pieces: list[str] = []
    if start > 0:
        pieces.append("… ")
    cursor = start
    for m_start, m_end, _ in matches:
        if m_start < start or m_end > end:
            continue
        pieces.append(html.escape(flat[cursor:m_start]))
        pieces.append("<mark>" + html.escape(flat[m_start:m_end]) + "</mark>")
        cursor = m_end
    pieces.append(html.escape(flat[cursor:end]))
    if end < len(flat):
        pieces.append(" …")
    return "".join(pieces)


def plain(snippet_html: str) -> str:
    """The snippet as plain text (for the terminal): marks removed, entities decoded."""
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))


def highlight(text: str, terms: set[str], prefixes: set[str] = frozenset()) -> str:
    """Whole text escaped with marks (article page headings)."""
    matches = find_matches(text, terms, prefixes)
    pieces: list[str] = []
    cursor = 0
    for m_start, m_end, _ in matches:
        pieces.append(html.escape(text[cursor:m_start]))
        pieces.append("<mark>" + html.escape(text[m_start:m_end]) + "</mark>")
        cursor = m_end
    pieces.append(html.escape(text[cursor:]))
    return "".join(pieces)
