"""Parse the user's query string into a small syntax tree.

The syntax is Whoosh's familiar subset: words (AND by default), ``"phrases"``,
``AND``/``OR``/``NOT`` (and ``-word``), parentheses, and field prefixes
``title:``, ``author:``, ``org:``, ``category:``, ``site:``, ``text:``.
``word*`` is a prefix search.  One friendly extension: a field prefix
followed by a space applies to the run of plain words after it, so
``author: Thúy Ngà`` means the author is Thúy Ngà (``author:Thúy Ngà`` with
no space applies to the next word only, as in Whoosh).

The parser never raises on odd input: unbalanced parentheses close
themselves, an unclosed quote runs to the end, operators with nothing to
join are dropped.  Only a query that is too long or has nothing searchable
is refused, with a :class:`QueryError` a person can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from khotin.errors import UserError
from khotin.text import nfc

MAX_QUERY_CHARS = 1000
MAX_TERMS = 64
MAX_DEPTH = 32

FIELDS = {
    "title": "title", "tieude": "title",
    "author": "author", "tacgia": "author",
    "org": "org", "organization": "org", "organisation": "org", "donvi": "org",
    "text": "text", "body": "text", "noidung": "text",
    "category": "category", "chuyenmuc": "category",
    "site": "site",
}


class QueryError(UserError, ValueError):
    """The query cannot be searched; the message says why and what to do."""


@dataclass
class Words:
    """Plain words typed next to each other (AND-ed; adjacency earns a bonus)."""
    text: str
    field: str | None = None
    prefix: bool = False


@dataclass
class Phrase:
    text: str
    field: str | None = None


@dataclass
class Bool:
    op: str  # "and" | "or"
    children: list = field(default_factory=list)


@dataclass
class Not:
    child: object


Node = Words | Phrase | Bool | Not

_LEX = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<q>"[^"]*(?:"|$))|(?P<w>[^\s()"]+))')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class _Tok:
    kind: str  # lp rp q w
    text: str
    spaced: bool = False  # followed by whitespace


def _lex(query: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(query):
        m = _LEX.match(query, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup or "w"
        text = m.group(kind)
        spaced = pos < len(query) and query[pos].isspace()
        tokens.append(_Tok(kind, text, spaced))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Tok]):
        self.toks = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        node = self.or_expr()
        while self.peek() is not None:  # stray ")" : skip and go on
            self.take()
            more = self.or_expr()
            node = _join("and", node, more)
        return node

    def or_expr(self) -> Node | None:
        node = self.and_expr()
        while (tok := self.peek()) is not None and tok.kind == "w" and tok.text == "OR":
            self.take()
            node = _join("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node | None:
        node = None
        while (tok := self.peek()) is not None:
            if tok.kind == "rp" or (tok.kind == "w" and tok.text == "OR"):
                break
            if tok.kind == "w" and tok.text == "AND":
                self.take()
                continue
            node = _join("and", node, self.unary())
        return node

    def unary(self) -> Node | None:
        tok = self.peek()
        if tok and tok.kind == "w" and tok.text == "NOT":
            self.take()
            child = self.unary()
            return Not(child) if child is not None else None
        if tok and tok.kind == "w" and len(tok.text) > 1 and tok.text[0] == "-":
            self.take()
            child = self.primary(_Tok("w", tok.text[1:], tok.spaced))
            return Not(child) if child is not None else None
        return self.primary(self.take())

    def primary(self, tok: _Tok, fieldname: str | None = None) -> Node | None:
        if tok.kind == "lp":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"quá nhiều dấu ngoặc lồng nhau / parentheses nested deeper than {MAX_DEPTH}")
            node = self.or_expr()
            self.depth -= 1
            if (nxt := self.peek()) is not None and nxt.kind == "rp":
                self.take()
            return _with_field(node, fieldname)
        if tok.kind == "rp":
            return None
        if tok.kind == "q":
            text = tok.text[1:-1] if tok.text.endswith('"') and len(tok.text) > 1 else tok.text[1:]
            return Phrase(text, fieldname) if text.strip() else None
        text = tok.text.lstrip("+")
        if ":" in text and fieldname is None:
            name, _, rest = text.partition(":")
            target = FIELDS.get(name.lower())
            if target:
                if rest:
                    return self.primary(_Tok("w", rest, tok.spaced), target)
                return self.field_run(target)
        prefix = text.endswith("*") and len(text.rstrip("*")) >= 2
        text = text.rstrip("*") if prefix else text
        return Words(text, fieldname, prefix) if text else None

    def field_run(self, fieldname: str) -> Node | None:
        """``author: Thúy Ngà`` — the field takes the following run of plain words."""
        nxt = self.peek()
        if nxt is None:
            return None
        if nxt.kind != "w":
            return self.primary(self.take(), fieldname)
        words: list[str] = []
        while (nxt := self.peek()) is not None and nxt.kind == "w":
            if nxt.text in ("AND", "OR", "NOT") or nxt.text.startswith("-") or (
                ":" in nxt.text and nxt.text.split(":", 1)[0].lower() in FIELDS
            ):
                break
            words.append(self.take().text)
        return Words(" ".join(words), fieldname) if words else None


def _join(op: str, left: Node | None, right: Node | None) -> Node | None:
    if left is None:
        return right
    if right is None:
        return left
    if op == "and" and _mergeable(left, right):
        left.text += " " + right.text
        return left
    if isinstance(left, Bool) and left.op == op:
        if op == "and" and left.children and _mergeable(left.children[-1], right):
            left.children[-1].text += " " + right.text
        else:
            left.children.append(right)
        return left
    return Bool(op, [left, right])


def _mergeable(left: Node, right: Node) -> bool:
    """Plain words typed side by side stay one run, so adjacency can be rewarded."""
    return (isinstance(left, Words) and isinstance(right, Words) and left.field == right.field
            and not left.prefix and not right.prefix)


def _with_field(node: Node | None, fieldname: str | None) -> Node | None:
    if fieldname is None or node is None:
        return node
    if isinstance(node, (Words, Phrase)):
        if node.field is None:
            node.field = fieldname
    elif isinstance(node, Bool):
        for child in node.children:
            _with_field(child, fieldname)
    elif isinstance(node, Not):
        _with_field(node.child, fieldname)
    return node


def parse(query: str) -> Node | None:
    """Parse a query; ``None`` means "no query" (list everything by date)."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"câu tìm kiếm quá dài ({len(query)} ký tự, tối đa {MAX_QUERY_CHARS}) / "
            f"query too long ({len(query)} characters, at most {MAX_QUERY_CHARS})"
        )
    text = nfc(_CONTROL.sub(" ", query)).strip()
    if not text:
        return None
    tokens = _lex(text)
    # Operators alone ("AND", "OR NOT") are words the user meant to find.
    if all(t.kind == "w" and t.text in ("AND", "OR", "NOT") for t in tokens):
        return Words(" ".join(t.text.lower() for t in tokens))
    node = _Parser(tokens).parse()
    if node is None:
        raise QueryError(
            "câu tìm kiếm không có từ nào để tìm / the query has no words to search for "
            "(example: huyện ủy mai sơn, \"nông thôn mới\", author: Thúy Ngà)"
        )
    return node
