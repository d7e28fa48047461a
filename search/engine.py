"""Evaluate query plans over one index generation with numpy.

A :class:`Snapshot` is one generation of the index: a Whoosh reader, its
leaf segments with their doc-number offsets, and the :class:`DocTable`.  The
:class:`Engine` keeps one current snapshot per process, checks at most every
``refresh_seconds`` whether the index changed (a commit or a rebuild swap),
and builds a new snapshot when it did.  Requests hold a reference while they
work, so a snapshot is closed only when the last request using it is done —
no searcher or file-handle leak, and no reader closed under a request.

Evaluation is dense: every plan node yields a boolean match mask and a
float32 score array over all document numbers.  With 100,000 documents an
array operation costs well under a millisecond, so scoring every match
(BM25), counting, filtering and faceting never iterate in Python.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from index import store
from index.formats import spelling_code

from . import plan as P
from .doctable import DocTable, SegmentColumns, build_table, new_vocabs, read_segment
from .postings import EMPTY_POSITIONS, READ_LOCK, PostingCache, TermPositions, TermPostings

K1 = 1.2
B = 0.75
ADJACENCY_BONUS = 0.35  # share of the score added per adjacent pair of query words
ADJACENCY_TOP = 2000  # documents considered for the adjacency bonus
MAX_PREFIX_TERMS = 200
MEMO_SIZE = 32  # default evaluated queries kept per snapshot (about 0.5 MB each at 100k documents)


class Snapshot:
    """One index generation, reference counted."""

    def __init__(self, engine: Engine, identity: tuple[int, int]):
        self.engine = engine
        self.identity = identity
        self.ix = store.open_index(engine.path)
        self.reader = self.ix.reader()
        # A brand-new empty index has a reader without segments: skip it.
        self.leaves = [(r, o) for r, o in self.reader.leaf_readers() if r.segment() is not None]
        self._refs = 1
        self._lock = threading.Lock()
        self.closed = False
        segcols, deleted = [], []
        for segreader, _offset in self.leaves:
            segcols.append(engine.segment_columns(segreader))
            dels = segreader.segment().deleted_docs() if segreader.has_deletions() else ()
            deleted.append(np.fromiter(dels, dtype=np.int64))
        self.table: DocTable = build_table(self.leaves, segcols, deleted)
        self._terms: dict[tuple, TermPostings] = {}
        self._positions: dict[tuple, TermPositions] = {}
        self._norms: dict[str, np.ndarray] = {}
        self.memo: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._memo_lock = threading.Lock()

    # -- lifetime -----------------------------------------------------------

    def acquire(self) -> Snapshot:
        with self._lock:
            self._refs += 1
        return self

    def release(self) -> None:
        with self._lock:
            self._refs -= 1
            last = self._refs == 0
        if last:
            self.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with READ_LOCK:
                self.reader.close()
                self.ix.close()

    def remember(self, key: tuple, value: tuple[np.ndarray, np.ndarray]) -> None:
        """Keep a query's (mask, score) for this generation; a few dozen at most."""
        with self._memo_lock:
            self.memo[key] = value
            self.memo.move_to_end(key)
            while len(self.memo) > self.engine.memo_size:
                self.memo.popitem(last=False)

    # -- data access --------------------------------------------------------

    @property
    def n(self) -> int:
        return self.table.n

    def postings(self, fieldname: str, term: str) -> TermPostings:
        key = (fieldname, term)
        cached = self._terms.get(key)
        if cached is not None:
            return cached
        ids, tfs = [], []
        for segreader, offset in self.leaves:
            p = self.engine.cache.get(segreader, "p", fieldname, term)
            if len(p.ids):
                ids.append(p.ids + offset if offset else p.ids)
                tfs.append(p.tf)
        if not ids:
            result = TermPostings(np.zeros(0, np.int32), np.zeros(0, np.float32))
        elif len(ids) == 1:
            result = TermPostings(ids[0], tfs[0])
        else:
            result = TermPostings(np.concatenate(ids), np.concatenate(tfs))
        if len(self._terms) > 4096:
            self._terms.clear()
        self._terms[key] = result
        return result

    def positions(self, fieldname: str, term: str, exact: str | None = None) -> TermPositions:
        """Positions (and spelling codes) of a folded term, optionally one spelling only."""
        key = ("x", fieldname, term)
        cached = self._positions.get(key)
        if cached is None:
            docs, pos, code = [], [], []
            for segreader, offset in self.leaves:
                p = self.engine.cache.get(segreader, "x", fieldname, term)
                if len(p.docs):
                    docs.append(p.docs + offset if offset else p.docs)
                    pos.append(p.pos)
                    code.append(p.code)
            if not docs:
                cached = EMPTY_POSITIONS
            elif len(docs) == 1:
                cached = TermPositions(docs[0], pos[0], code[0])
            else:
                cached = TermPositions(np.concatenate(docs), np.concatenate(pos), np.concatenate(code))
            if len(self._positions) > 1024:
                self._positions.clear()
            self._positions[key] = cached
        if exact is None:
            return cached
        spelled_key = ("x", fieldname, term, exact)
        spelled = self._positions.get(spelled_key)
        if spelled is None:
            spelled = self._positions[spelled_key] = cached.spelled(spelling_code(exact))
        return spelled

    def term_postings(self, fieldname: str, term: str, exact: str | None) -> TermPostings:
        """Postings of a folded term; with ``exact``, only documents spelling it that way."""
        if exact is None:
            return self.postings(fieldname, term)
        key = (fieldname, term, exact)
        cached = self._terms.get(key)
        if cached is None:
            cached = self.positions(fieldname, term, exact).postings()
            self._terms[key] = cached
        return cached

    def expand_prefix(self, fieldname: str, prefix: str) -> list[str]:
        terms: set[str] = set()
        with READ_LOCK:
            for segreader, _ in self.leaves:
                for term in segreader.expand_prefix(fieldname, prefix):
                    terms.add(term.decode("utf-8") if isinstance(term, bytes) else term)
                    if len(terms) >= MAX_PREFIX_TERMS:
                        return sorted(terms)
        return sorted(terms)

    def stored(self, docnum: int) -> dict:
        with READ_LOCK:
            return self.reader.stored_fields(docnum)

    def lexicon(self, fieldname: str):
        """Yield (term, doc frequency) over all segments (terms may repeat per segment)."""
        with READ_LOCK:
            items = []
            for segreader, _ in self.leaves:
                for term, info in segreader.iter_field(fieldname):
                    items.append((term, info.doc_frequency()))
        return items

    def length_norm(self, fieldname: str) -> np.ndarray:
        """BM25's ``k1 * (1 - b + b * dl / avgdl)`` per document, computed once per snapshot."""
        norm = self._norms.get(fieldname)
        if norm is None:
            table = self.table
            norm = (K1 * (1 - B + B * table.lengths[fieldname] / table.avg_length[fieldname])).astype(np.float32)
            self._norms[fieldname] = norm
        return norm

    # -- evaluation ---------------------------------------------------------

    def evaluate(self, node: P.PlanNode, *, rank: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(mask, score) over all document numbers; deleted documents never match."""
        mask, score = self._eval(node, rank)
        mask &= self.table.live
        return mask, score

    def _zeros(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=np.float32)

    def _eval(self, node, rank: bool) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(node, P.TermQ):
            return self._terms_q(node.fields, node.terms)
        if isinstance(node, P.PhraseQ):
            return self._phrase_q(node.fields, node.slots, node.weight)
        if isinstance(node, P.PrefixQ):
            terms = set()
            for fieldname in node.fields:
                terms.update(self.expand_prefix(fieldname, node.prefix))
            return self._terms_q(node.fields, [(t, None, 1.0) for t in sorted(terms)])
        if isinstance(node, P.ColumnQ):
            mask = self.engine.column_mask(self.table, node.column, node.value)
            return mask, np.zeros(self.n, dtype=np.float32)
        if isinstance(node, P.AllQ):
            return self.table.live.copy(), np.zeros(self.n, dtype=np.float32)
        if isinstance(node, P.NotQ):
            mask, _ = self._eval(node.child, False)
            return ~mask, np.zeros(self.n, dtype=np.float32)
        if isinstance(node, P.OrQ):
            mask, score = self._zeros()
            for child in node.children:
                m, s = self._eval(child, rank)
                mask |= m
                score += s
            return mask, score
        if isinstance(node, P.AndQ):
            return self._and_q(node, rank)
        raise TypeError(f"unknown plan node {node!r}")

    def _and_q(self, node: P.AndQ, rank: bool) -> tuple[np.ndarray, np.ndarray]:
        mask = self.table.live.copy()
        score = np.zeros(self.n, dtype=np.float32)
        # Negations last, so positive children narrow the set first.
        for child in sorted(node.children, key=lambda c: isinstance(c, P.NotQ)):
            m, s = self._eval(child, rank)
            mask &= m
            score += s
            if not mask.any():
                return mask, score
        score *= mask
        if rank and node.adjacency:
            self._adjacency_bonus(node.adjacency, mask, score)
        return mask, score

    def _terms_q(self, fields: dict[str, float], terms: list[P.Term]):
        mask, score = self._zeros()
        table = self.table
        n_live = max(table.live_count, 1)
        for fieldname, fboost in fields.items():
            norm = self.length_norm(fieldname)
            for term, exact, weight in terms:
                p = self.term_postings(fieldname, term, exact)
                if not len(p.ids):
                    continue
                df = len(p.ids)
                idf = math.log(1 + (n_live - df + 0.5) / (df + 0.5))
                tf = p.tf
                score[p.ids] += (weight * fboost * idf) * tf * (K1 + 1) / (tf + norm[p.ids])
                mask[p.ids] = True
        return mask, score

    def _phrase_q(self, fields: dict[str, float], slots: list[tuple[int, list[P.Alt]]], weight: float):
        mask, score = self._zeros()
        table = self.table
        n_live = max(table.live_count, 1)
        for fieldname, fboost in fields.items():
            docs, freq = self.phrase_docs(fieldname, slots, None)
            if not len(docs):
                continue
            idf = 0.0
            for _, alts in slots:
                df = max(len(self.term_postings(fieldname, t, exact).ids) for t, exact in alts)
                idf += math.log(1 + (n_live - df + 0.5) / (df + 0.5))
            norm = self.length_norm(fieldname)[docs]
            score[docs] += (weight * fboost * idf) * freq * (K1 + 1) / (freq + norm)
            mask[docs] = True
        return mask, score

    def phrase_docs(self, fieldname: str, slots: list[tuple[int, list[P.Alt]]],
                    candidates: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Documents where the slots occur at their offsets, with phrase counts."""
        cand = self.table.live.copy() if candidates is None else candidates.copy()
        for _, alts in slots:  # cheap pre-filter on document ids
            slot_mask = np.zeros(self.n, dtype=bool)
            for term, exact in alts:
                slot_mask[self.term_postings(fieldname, term, exact).ids] = True
            cand &= slot_mask
            if not cand.any():
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
        cand_docs = np.flatnonzero(cand)
        keyed = []
        for offset, alts in slots:
            keys = []
            for term, exact in alts:
                pos = self.positions(fieldname, term, exact)
                if len(cand_docs) * 16 < len(pos.docs):
                    pos = pos.restrict(cand_docs)
                else:
                    keep = cand[pos.docs]
                    pos = TermPositions(pos.docs[keep], pos.pos[keep], pos.code[keep])
                keys.append((pos.docs.astype(np.int64) << 32) + pos.pos.astype(np.int64) - offset)
            k = keys[0] if len(keys) == 1 else np.unique(np.concatenate(keys))
            keyed.append(k)
        keyed.sort(key=len)
        base = keyed[0]
        for other in keyed[1:]:
            if not len(base) or not len(other):
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            idx = np.searchsorted(other, base)
            idx[idx == len(other)] = len(other) - 1
            base = base[other[idx] == base]
        if not len(base):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        docs, counts = np.unique(base >> 32, return_counts=True)
        return docs, counts.astype(np.float32)

    def _adjacency_bonus(self, adjacency, mask: np.ndarray, score: np.ndarray) -> None:
        """Reward neighbouring query words that are neighbours in the text too."""
        matched = np.flatnonzero(mask)
        if len(matched) > ADJACENCY_TOP:
            top = matched[np.argpartition(-score[matched], ADJACENCY_TOP)[:ADJACENCY_TOP]]
        else:
            top = matched
        if not len(top):
            return
        cand = np.zeros(self.n, dtype=bool)
        cand[top] = True
        for fields, words in adjacency:
            pairs = len(words) - 1
            if pairs < 1:
                continue
            hits = np.zeros(self.n, dtype=np.float32)
            for i in range(pairs):
                near = np.zeros(self.n, dtype=bool)
                for fieldname in ("title", "text"):
                    if fieldname in fields:
                        docs, _ = self.phrase_docs(fieldname, [(0, words[i]), (1, words[i + 1])], cand)
                        near[docs] = True
                hits += near
            score[top] *= 1.0 + ADJACENCY_BONUS * hits[top] / pairs


class Engine:
    """Per-process owner of the current snapshot and the caches behind it."""

    def __init__(self, path: Path, *, cache_mb: int = 256, refresh_seconds: float = 1.0,
                 memo_size: int = MEMO_SIZE):
        self.path = Path(path)
        self.memo_size = memo_size
        self.refresh_seconds = refresh_seconds
        self.cache = PostingCache(cache_mb * 1024 * 1024)
        self.vocabs = new_vocabs()
        self._segments: dict[str, SegmentColumns] = {}
        self._current: Snapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def segment_columns(self, segreader) -> SegmentColumns:
        segid = segreader.segment().segment_id()
        cols = self._segments.get(segid)
        if cols is None:
            cols = read_segment(segreader, self.vocabs)
            self._segments[segid] = cols
        return cols

    def snapshot(self) -> Snapshot:
        """The current snapshot, acquired: use as ``with engine.snapshot() as snap:``."""
        now = time.monotonic()
        with self._lock:
            current = self._current
            if current is None or now - self._checked >= self.refresh_seconds:
                self._checked = now
                identity = store.index_identity(self.path)
                if current is None or identity != current.identity:
                    if identity[1] < 0:
                        store.open_index(self.path).close()  # create an empty index
                        identity = store.index_identity(self.path)
                    fresh = Snapshot(self, identity)
                    self._current = fresh
                    self._forget_old_segments(fresh)
                    if current is not None:
                        current.release()
                    current = fresh
            return current.acquire()

    @property
    def current(self) -> Snapshot | None:
        """The newest snapshot (not acquired; for checks only)."""
        return self._current

    def _forget_old_segments(self, snap: Snapshot) -> None:
        live = {segreader.segment().segment_id() for segreader, _ in snap.leaves}
        for segid in [s for s in self._segments if s not in live]:
            del self._segments[segid]
        self.cache.forget_segments(live)

    def column_mask(self, table: DocTable, column: str, value: str) -> np.ndarray:
        """Documents whose site/category/author matches ``value`` (tone- and case-insensitive)."""
        if column == "author":
            ords = self.vocabs["author"].match(value)
            mask = np.zeros(table.n, dtype=bool)
            if ords:
                hit = np.isin(table.author_ords, ords)
                mask[table.author_docs[hit]] = True
            return mask
        ords = self.vocabs[column].match(value)
        values = table.site if column == "site" else table.category
        return np.isin(values, ords) if ords else np.zeros(table.n, dtype=bool)

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.release()
                self._current = None
