"""Turn the parsed query into what the engine evaluates, the Vietnamese way.

Index terms are folded syllables; each position also records the exact
spelling (canonical tones).  For every word the user typed the planner
decides what to ask for:

* typed with accents (``Đảng``): the folded term restricted to that exact
  spelling, plus the folded term at a lower weight, so ``Đảng`` outranks
  ``đang`` but both are found;
* typed without accents (``dang``): the folded term, any spelling;
* a compound (``35-NQ/TW``): the whole token, or its parts as a phrase;
* an abbreviation (``UBND``): also its full form as a phrase, and a full
  form in the query (``ủy ban nhân dân``) also its abbreviation.

Plain words are AND-ed; the engine rewards documents where neighbouring
words are also neighbours in the text (the word-level signal: Vietnamese
words are mostly two or three syllables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.abbreviations import NEEDS_PERIOD, contractions, expansions, longest_full_form
from index.analysis import query_analyzer
from index.schema import TEXT_FIELDS
from khotin.text import fold, has_diacritics

from . import queryparse as qp

FOLDED_WEIGHT = 0.45  # folded match when the user typed accents
EXPANSION_WEIGHT = 0.9  # abbreviation <-> full form


@dataclass
class Unit:
    """One typed word: its exact and folded forms, and parts if it is a compound."""
    exact: str
    folded: str
    accented: bool
    parts: list[str] = field(default_factory=list)  # folded or exact parts, for compounds
    period: bool = False  # typed with a trailing "." (TP., TX.)

    @property
    def width(self) -> int:
        return max(1, len(self.parts))

    def terms(self) -> list[Term]:
        if self.accented:
            return [(self.folded, self.exact, 1.0), (self.folded, None, FOLDED_WEIGHT)]
        return [(self.folded, None, 1.0)]

    def phrase_term(self) -> Alt:
        return (self.folded, self.exact if self.accented else None)


# --- plan nodes --------------------------------------------------------------

#: (folded term, exact spelling or None for any, weight)
Term = tuple[str, "str | None", float]
#: (folded term, exact spelling or None): one alternative in a phrase slot
Alt = tuple[str, "str | None"]


@dataclass
class TermQ:
    fields: dict[str, float]
    terms: list[Term]  # any of them matches
    highlight: list[str]  # folded forms to mark in snippets


@dataclass
class PhraseQ:
    fields: dict[str, float]
    slots: list[tuple[int, list[Alt]]]  # (position offset, alternatives)
    weight: float = 1.0
    highlight: list[str] = field(default_factory=list)


@dataclass
class PrefixQ:
    fields: dict[str, float]
    prefix: str  # folded
    highlight: list[str] = field(default_factory=list)


@dataclass
class ColumnQ:
    column: str  # site | category
    value: str


@dataclass
class AndQ:
    children: list
    adjacency: list[tuple[dict[str, float], list[list[Alt]]]] = field(default_factory=list)


@dataclass
class OrQ:
    children: list


@dataclass
class NotQ:
    child: object


@dataclass
class AllQ:
    """No query: every live document (an empty query with filters lists by date)."""


PlanNode = TermQ | PhraseQ | PrefixQ | ColumnQ | AndQ | OrQ | NotQ | AllQ


def units_of(text: str) -> list[Unit]:
    """Analyse typed text into units; a compound's parts ride along with it."""
    units: list[Unit] = []
    skip = 0
    for t in query_analyzer()(text, positions=True, chars=True):
        if skip:  # the parts the tokenizer emits after a compound
            skip -= 1
            continue
        word = t.text
        unit = Unit(exact=word, folded=fold(word), accented=has_diacritics(word),
                    period=text[t.endchar:t.endchar + 1] == ".")
        if not word.isalnum():
            unit.parts = _PART.findall(word)
            skip = len(unit.parts)
        units.append(unit)
    return units


_PART = re.compile(r"[^\W_]+")


def _fields_for(name: str | None) -> dict[str, float]:
    if name is None:
        return dict(TEXT_FIELDS)
    return {name: 1.0}


def _unit_node(unit: Unit, fields: dict[str, float]) -> PlanNode:
    node: PlanNode = TermQ(fields, unit.terms(), [unit.folded])
    if unit.parts:
        parts = PhraseQ(fields, [(i, [(fold(p), p if unit.accented else None)]) for i, p in enumerate(unit.parts)],
                        highlight=[fold(p) for p in unit.parts])
        node = OrQ([node, parts])
    expansions_ = [] if (unit.folded in NEEDS_PERIOD and not unit.period) else expansions().get(unit.folded, [])
    if expansions_:
        alts = [node] + [_folded_phrase(full, fields) for full in expansions_]
        node = OrQ(alts)
    return node


def _folded_phrase(syllables: tuple[str, ...], fields: dict[str, float]) -> PhraseQ:
    return PhraseQ(fields, [(i, [(s, None)]) for i, s in enumerate(syllables)], weight=EXPANSION_WEIGHT,
                   highlight=list(syllables))


def _words_node(words: qp.Words) -> PlanNode | None:
    if words.field in ("site", "category"):
        return ColumnQ(words.field, words.text)
    fields = _fields_for(words.field)
    if words.prefix:
        folded = fold(words.text.lower())
        return PrefixQ(fields, folded, [folded])
    units = units_of(words.text)[: qp.MAX_TERMS]
    if not units:
        return None
    nodes: list[PlanNode] = []
    i = 0
    longest = longest_full_form()
    while i < len(units):
        # A full form typed out (ủy ban nhân dân) also finds its abbreviation.
        matched = 0
        for size in range(min(longest, len(units) - i), 1, -1):
            key = tuple(u.folded for u in units[i:i + size])
            shorts = contractions().get(key)
            if shorts:
                group = [_unit_node(u, fields) for u in units[i:i + size]]
                full = AndQ(group) if len(group) > 1 else group[0]
                abbr = [TermQ(fields, [(s, None, EXPANSION_WEIGHT)], [s]) for s in shorts]
                nodes.append(OrQ([full, *abbr]))
                matched = size
                break
        if matched:
            i += matched
            continue
        nodes.append(_unit_node(units[i], fields))
        i += 1
    adjacency = []
    if len(units) > 1:
        adjacency.append((fields, [[(u.folded, None)] for u in units if not u.parts]))
    if len(nodes) == 1 and not adjacency:
        return nodes[0]
    return AndQ(nodes, adjacency)


def _phrase_node(phrase: qp.Phrase) -> PlanNode | None:
    fields = _fields_for(phrase.field)
    units = units_of(phrase.text)[: qp.MAX_TERMS]
    if not units:
        return None
    if len(units) == 1 and not units[0].parts:
        return _unit_node(units[0], fields)
    variants = [_slots(units)]
    # "UBND huyện" also matches "Ủy ban nhân dân huyện", and the reverse.
    for i, unit in enumerate(units):
        for full in expansions().get(unit.folded, []):
            variants.append(_slots(units[:i]) + _shift([(j, [(s, None)]) for j, s in enumerate(full)], _width(units[:i]))
                            + _shift(_slots(units[i + 1:]), _width(units[:i]) + len(full)))
    longest = longest_full_form()
    for i in range(len(units)):
        for size in range(min(longest, len(units) - i), 1, -1):
            for short in contractions().get(tuple(u.folded for u in units[i:i + size]), []):
                variants.append(_slots(units[:i]) + [(_width(units[:i]), [(short, None)])]
                                + _shift(_slots(units[i + size:]), _width(units[:i]) + _token_width(short)))
    highlight = [u.folded for u in units] + [fold(p) for u in units for p in u.parts]
    nodes = [PhraseQ(fields, slots, weight=1.0 if k == 0 else EXPANSION_WEIGHT, highlight=highlight)
             for k, slots in enumerate(variants[:8])]
    return nodes[0] if len(nodes) == 1 else OrQ(nodes)


def _slots(units: list[Unit]) -> list[tuple[int, list[Alt]]]:
    slots: list[tuple[int, list[Alt]]] = []
    offset = 0
    for unit in units:
        slots.append((offset, [unit.phrase_term()]))  # a compound as its whole token
        offset += unit.width
    return slots


def _token_width(term: str) -> int:
    return 1 if term.isalnum() else max(1, len(_PART.findall(term)))


def _width(units: list[Unit]) -> int:
    return sum(u.width for u in units)


def _shift(slots: list[tuple[int, list[Alt]]], by: int) -> list[tuple[int, list[Alt]]]:
    return [(off + by, terms) for off, terms in slots]


def build(node: qp.Node | None) -> PlanNode:
    """Plan for a parsed query (``None`` → every document)."""
    if node is None:
        return AllQ()
    plan = _build(node)
    return plan if plan is not None else AllQ()


def _build(node: qp.Node) -> PlanNode | None:
    if isinstance(node, qp.Words):
        return _words_node(node)
    if isinstance(node, qp.Phrase):
        return _phrase_node(node)
    if isinstance(node, qp.Not):
        child = _build(node.child)
        return NotQ(child) if child is not None else None
    children = [c for c in (_build(child) for child in node.children) if c is not None]
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    return AndQ(children) if node.op == "and" else OrQ(children)


def highlight_terms(plan: PlanNode) -> set[str]:
    """Folded forms of every positive term, for snippets."""
    out: set[str] = set()
    if isinstance(plan, (TermQ, PhraseQ, PrefixQ)):
        out.update(plan.highlight)
    elif isinstance(plan, (AndQ, OrQ)):
        for child in plan.children:
            out |= highlight_terms(child)
    return out


def prefixes(plan: PlanNode) -> set[str]:
    if isinstance(plan, PrefixQ):
        return {plan.prefix}
    if isinstance(plan, (AndQ, OrQ)):
        return set().union(*(prefixes(c) for c in plan.children))
    return set()
