""""Did you mean": restore the diacritics of a query typed without them.

Edit-distance spelling correction suggests unrelated words for Vietnamese
(``dang`` is đang, Đảng, dạng, dáng …).  Instead the suggestion comes from
the archive itself, in two steps:

1. in the texts of the top results, find the query's words as a consecutive
   run (comparing folded forms) and take the spelling printed there —
   context picks ``ủy ban nhân dân`` for ``uy ban nhan dan``;
2. words not found that way take their most frequent accented spelling in
   those same texts (every result contains the word, folded).

Tone placement is canonicalised (``uỷ`` → ``ủy``) and the user's casing kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from khotin.text import canonical_tones, fold, fold_key, has_diacritics

_WORD = re.compile(r"[^\W_]+")
_OPERATORS = {"AND", "OR", "NOT"}


def _query_words(query: str) -> list[tuple[int, int, str]]:
    """Words of the query that could be restored: (start, end, text)."""
    out = []
    for m in _WORD.finditer(query):
        word = m.group()
        after = query[m.end():m.end() + 1]
        if word in _OPERATORS or after == ":":  # operators and field names stay
            continue
        out.append((m.start(), m.end(), word))
    return out


def _from_context(words: list[str], texts: Iterable[str]) -> dict[int, Counter]:
    """Spellings seen for each query word where the folded run occurs in a text."""
    target = [fold(w.lower()) for w in words]
    seen: dict[int, Counter] = {i: Counter() for i in range(len(words))}
    n = len(target)
    for text in texts:
        tokens = _WORD.findall(text)
        folded = [fold_key(t) for t in tokens]
        for i in range(len(folded) - n + 1):
            if folded[i:i + n] == target:
                for j in range(n):
                    seen[j][canonical_tones(tokens[i + j].lower())] += 1
    return seen


def _apply_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _spellings(texts: list[str], wanted: set[str]) -> dict[str, Counter]:
    """For each wanted folded word, counts of its accented spellings in the texts."""
    out: dict[str, Counter] = {w: Counter() for w in wanted}
    for text in texts:
        for token in _WORD.findall(text):
            if not token.isascii():
                counts = out.get(fold_key(token))
                if counts is not None:
                    counts[canonical_tones(token.lower())] += 1
    return out


def suggest(query: str, texts: Iterable[str]) -> str | None:
    """A restored query, or ``None`` when there is nothing to restore."""
    words = _query_words(query)
    plain = [(s, e, w) for s, e, w in words if not has_diacritics(w)]
    if not plain:
        return None
    texts = list(texts)
    restored: dict[int, str] = {}
    # Longest runs of unaccented words first, so context decides together.
    runs: list[list[int]] = []
    for i, (_, _, w) in enumerate(words):
        if has_diacritics(w):
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        seen = _from_context([words[i][2] for i in run], texts)
        for j, i in enumerate(run):
            if seen[j]:
                restored[i] = seen[j].most_common(1)[0][0]
    wanted = {fold(w.lower()) for i, (_, _, w) in enumerate(words) if i not in restored and not has_diacritics(w)}
    if wanted:
        spellings = _spellings(texts, wanted)
        for i, (_, _, w) in enumerate(words):
            if i not in restored and not has_diacritics(w):
                counts = spellings.get(fold(w.lower()))
                if counts:
                    restored[i] = counts.most_common(1)[0][0]
    out = []
    cursor = 0
    changed = False
    for i, (start, end, word) in enumerate(words):
        out.append(query[cursor:start])
        new = restored.get(i)
        if new and fold(new) == fold(word.lower()) and new != word.lower():
            out.append(_apply_case(word, new))
            changed = True
        else:
            out.append(word)
        cursor = end
    out.append(query[cursor:])
    return "".join(out) if changed else None
