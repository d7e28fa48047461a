"""Scoring extractions against gold records (shared by tests and the benchmark).

Fields are compared the way a reader would judge them:

* ``title``, ``published``, ``category``, ``canonical_url``, ``is_article``:
  exact, after NFC and whitespace collapsing;
* ``authors`` and ``organization``: equal under :func:`khotin.text.name_key`
  (``Thuý Ngà`` == ``THÚY NGÀ``), authors as a set;
* ``body`` and ``summary``: token F1 over NFC, lowercased syllables
  (words split on whitespace and punctuation), the measure of the issue;
* lists (captions, tags, attachments, images): exact as sets of keys.

Article fields are scored on article pages only; ``is_article`` on every
page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from khotin.text import name_key, nfc

__all__ = ["FIELDS", "PageScore", "Tally", "score_page", "token_f1", "tokens"]

_TOKEN = re.compile(r"\w+", re.UNICODE)
_WS = re.compile(r"\s+")

#: Fields scored, in report order.
FIELDS = ("title", "published", "modified", "authors", "organization", "summary", "body",
          "captions", "category", "tags", "attachments", "images", "canonical_url", "is_article")


def tokens(text: str | None) -> list[str]:
    """Syllable tokens: NFC, lowercase, split on whitespace and punctuation."""
    return _TOKEN.findall(nfc(text or "").lower())


def token_f1(pred: str | None, gold: str | None) -> float:
    """Bag-of-tokens F1; two empty texts agree (1.0)."""
    p, g = Counter(tokens(pred)), Counter(tokens(gold))
    if not p and not g:
        return 1.0
    if not p or not g:
        return 0.0
    common = sum((p & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def _norm(value: Any) -> str:
    return _WS.sub(" ", nfc(str(value or ""))).strip()


def _keys(values: Iterable[Any] | None) -> set[str]:
    return {name_key(str(v)) for v in values or [] if str(v).strip()}


def score_field(name: str, pred: Any, gold: Any) -> float:
    """1.0 for a match, 0.0 for a miss; F1 in [0, 1] for body and summary."""
    if name in ("body", "summary"):
        return token_f1(pred, gold)
    if name in ("authors",):
        return float(_keys(pred) == _keys(gold))
    if name == "organization":
        return float(name_key(pred or "") == name_key(gold or ""))
    if name in ("captions", "tags", "attachments", "images"):
        return float(_keys(pred) == _keys(gold))
    if name == "is_article":
        return float(bool(pred) == bool(gold))
    return float(_norm(pred) == _norm(gold))


@dataclass
class PageScore:
    name: str
    platform: str
    scores: dict[str, float]
    misses: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def score_page(name: str, platform: str, pred: Mapping[str, Any], gold: Mapping[str, Any],
               fields: Iterable[str] = FIELDS) -> PageScore:
    """Score one page; non-articles are scored on ``is_article`` only."""
    fields = list(fields)
    wanted = fields if gold.get("is_article") else [f for f in fields if f == "is_article"]
    scores: dict[str, float] = {}
    misses: dict[str, tuple[Any, Any]] = {}
    for f in wanted:
        if f not in gold:
            continue
        s = score_field(f, pred.get(f), gold.get(f))
        scores[f] = s
        if s < 1.0:
            misses[f] = (pred.get(f), gold.get(f))
    return PageScore(name, platform, scores, misses)


class Tally:
    """Per-field means over pages, overall and per platform."""

    def __init__(self) -> None:
        self.pages: list[PageScore] = []

    def add(self, score: PageScore) -> None:
        self.pages.append(score)

    def mean(self, field_name: str, platform: str | None = None) -> float | None:
        values = [p.scores[field_name] for p in self.pages
                  if field_name in p.scores and (platform is None or p.platform == platform)]
        return sum(values) / len(values) if values else None

    def count(self, field_name: str, platform: str | None = None) -> int:
        return sum(1 for p in self.pages
                   if field_name in p.scores and (platform is None or p.platform == platform))

    def platforms(self) -> list[str]:
        return sorted({p.platform for p in self.pages})

    def misses(self, field_name: str, platform: str | None = None) -> list[tuple[str, Any, Any]]:
        return [(p.name, *p.misses[field_name]) for p in self.pages
                if field_name in p.misses and (platform is None or p.platform == platform)]
