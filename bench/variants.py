"""Analysis variants, to measure what each step of the Vietnamese chain costs.

* ``syllables``: tokenizer + lowercase + tone placement (no folded twin);
* ``khotin``: the shipped chain (adds the folded twin at the same positions);
* ``khotin+pairs``: plus folded syllable pairs (``nong thon``) as extra terms
  — the index-time word-level signal khotin does *not* ship; measured here
  against the query-time adjacency bonus it uses instead.

All use the real schema (packed positions, columns, stored dict).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import Filter, LowercaseFilter

from index.analysis import FoldFilter, ToneFilter, VietnameseTokenizer
from index.schema import VnText, build_schema, document_fields
from khotin.text import fold


class FoldedPairsFilter(Filter):
    """After each token, a ``prev cur`` pair of folded syllables at the previous position."""

    def __call__(self, tokens):
        prev = None
        prev_pos = 0
        for t in tokens:
            yield t
            if t.text.isalnum() and fold(t.text) == t.text:  # once per position: on the folded form
                if prev is not None and t.pos == prev_pos + 1:
                    cur, pos = t.text, t.pos
                    t.text, t.pos = f"{prev} {cur}", prev_pos
                    yield t
                    t.text, t.pos = cur, pos
                prev, prev_pos = t.text, t.pos


def _analyzer(variant: str):
    chain = VietnameseTokenizer() | LowercaseFilter() | ToneFilter()
    if variant == "syllables":
        return chain
    chain = chain | FoldFilter()
    if variant == "khotin+pairs":
        chain = chain | FoldedPairsFilter()
    return chain


def index_variant(path: Path, articles, variant: str, procs: int = 1) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    schema = build_schema()
    if variant != "khotin":
        for name in ("title", "text", "author", "org"):
            field = VnText()
            field.analyzer = _analyzer(variant)
            schema._fields[name] = field
    ix = whoosh_index.create_in(str(path), schema)
    kwargs = {"procs": procs, "multisegment": True} if procs > 1 else {}
    w = ix.writer(limitmb=256, **kwargs)
    for a in articles:
        w.add_document(**document_fields(a))
    w.commit()
    ix.close()
