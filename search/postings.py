"""Bulk reads of Whoosh postings into numpy arrays, cached per segment.

Whoosh's matchers hand out one posting at a time through Python method
calls, which is where most of its search time goes.  A W3 posting list is
stored as blocks of up to 128 postings, each a pickled (ids, weights,
values) tuple; here we read whole blocks and turn a term's postings into
arrays in one go:

* ``ids``: segment-local document numbers (int32, ascending),
* ``tf``: term frequencies (float32),
* and, for exact-spelling matches and phrase checks, the positions and
  spelling codes of every posting flattened into uint32 arrays (our
  :class:`index.formats.PackedPositions` values are raw uint32, so this is
  one ``frombuffer`` and a mask).

Segments are immutable, so arrays are cached by segment id and survive
commits that only add segments.  Deletions are applied later through the
live-document mask.  Whoosh's file objects are not safe for concurrent
seeks, so every read holds :data:`READ_LOCK`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound

READ_LOCK = threading.RLock()

_EMPTY_I = np.zeros(0, dtype=np.int32)
_EMPTY_F = np.zeros(0, dtype=np.float32)
_EMPTY_U = np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True)
class TermPostings:
    ids: np.ndarray  # int32, segment-local
    tf: np.ndarray  # float32

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.tf.nbytes


@dataclass(frozen=True)
class TermPositions:
    docs: np.ndarray  # int32, one entry per position (segment-local doc)
    pos: np.ndarray  # uint32
    code: np.ndarray  # uint32 spelling code of the exact form at that position

    @property
    def nbytes(self) -> int:
        return self.docs.nbytes + self.pos.nbytes + self.code.nbytes

    def spelled(self, code: int | None) -> TermPositions:
        """Only the positions where the exact form has this spelling code."""
        if code is None:
            return self
        keep = self.code == code
        return TermPositions(self.docs[keep], self.pos[keep], self.code[keep])

    def restrict(self, docs: np.ndarray) -> TermPositions:
        """Only the positions in ``docs`` (sorted): slices found by binary search.

        Cheaper than a boolean mask over every position when few documents
        are wanted (the adjacency bonus looks at the top results only).
        """
        starts = np.searchsorted(self.docs, docs, side="left")
        ends = np.searchsorted(self.docs, docs, side="right")
        lengths = ends - starts
        total = int(lengths.sum())
        if not total:
            return EMPTY_POSITIONS
        index = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        return TermPositions(self.docs[index], self.pos[index], self.code[index])

    def postings(self) -> TermPostings:
        """Per-document counts (a TermPostings) of these positions."""
        if not len(self.docs):
            return EMPTY_POSTINGS
        docs, counts = np.unique(self.docs, return_counts=True)
        return TermPostings(docs.astype(np.int32), counts.astype(np.float32))


EMPTY_POSTINGS = TermPostings(_EMPTY_I, _EMPTY_F)
EMPTY_POSITIONS = TermPositions(_EMPTY_I, _EMPTY_U, _EMPTY_U)


def _matcher(segreader, fieldname: str, term: str):
    field = segreader.schema[fieldname]
    try:
        return segreader._terms.matcher(fieldname, field.to_bytes(term), field.format)
    except (TermNotFound, KeyError):
        return None


def _blocks(matcher: W3LeafMatcher, values: bool):
    """Yield (ids, weights, values) per block straight from the block data."""
    while True:
        matcher._read_ids()
        matcher._read_weights()
        if values:
            matcher._read_values()
        yield matcher._ids, matcher._weights, (matcher._values if values else None)
        if matcher._lastblock:
            return
        matcher._goto(matcher._nextoffset)


def read_postings(segreader, fieldname: str, term: str) -> TermPostings:
    with READ_LOCK:
        m = _matcher(segreader, fieldname, term)
        if m is None:
            return EMPTY_POSTINGS
        if isinstance(m, W3LeafMatcher):
            ids, tfs = [], []
            for block_ids, block_w, _ in _blocks(m, values=False):
                ids.append(np.asarray(block_ids, dtype=np.int32))
                tfs.append(np.asarray(block_w, dtype=np.float32))
            return TermPostings(np.concatenate(ids), np.concatenate(tfs))
        ids_l, tf_l = [], []
        while m.is_active():  # inlined single postings and other matchers
            ids_l.append(m.id())
            tf_l.append(m.weight())
            m.next()
        return TermPostings(np.asarray(ids_l, dtype=np.int32), np.asarray(tf_l, dtype=np.float32))


def read_positions(segreader, fieldname: str, term: str) -> TermPositions:
    with READ_LOCK:
        m = _matcher(segreader, fieldname, term)
        if m is None:
            return EMPTY_POSITIONS
        ids: list[np.ndarray] = []
        raw: list[bytes] = []
        if isinstance(m, W3LeafMatcher):
            for block_ids, _, block_values in _blocks(m, values=True):
                ids.append(np.asarray(block_ids, dtype=np.int32))
                raw.extend(block_values)
        else:
            id_list = []
            while m.is_active():
                id_list.append(m.id())
                raw.append(m.value())
                m.next()
            ids.append(np.asarray(id_list, dtype=np.int32))
    if not raw:
        return EMPTY_POSITIONS
    # Each value is freq positions then freq codes (uint32); split them apart.
    freq = np.fromiter((len(v) >> 3 for v in raw), dtype=np.int64, count=len(raw))
    flat = np.frombuffer(b"".join(raw), dtype="<u4").astype(np.uint32, copy=False)
    width = 2 * freq
    starts = np.repeat(np.cumsum(width) - width, width)
    local = np.arange(len(flat), dtype=np.int64) - starts
    is_pos = local < np.repeat(freq, width)
    docs = np.repeat(np.concatenate(ids), freq)
    return TermPositions(docs, flat[is_pos], flat[~is_pos])


class PostingCache:
    """LRU of term arrays keyed by (segment id, kind, field, term), bounded in bytes."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, TermPostings | TermPositions] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get(self, segreader, kind: str, fieldname: str, term: str):
        key = (segreader.segment().segment_id(), kind, fieldname, term)
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return item
        self.misses += 1
        item = self._derived(key) if kind == "p" else None
        if item is None:
            reader = read_postings if kind == "p" else read_positions
            item = reader(segreader, fieldname, term)
        with self._lock:
            if key not in self._items:
                self._items[key] = item
                self._bytes += item.nbytes
                while self._bytes > self.max_bytes and len(self._items) > 1:
                    _, old = self._items.popitem(last=False)
                    self._bytes -= old.nbytes
        return item

    def _derived(self, key: tuple) -> TermPostings | None:
        """A term's postings from its cached positions: counting is cheaper than decoding again.

        Term frequency is the number of positions (every field has boost 1).
        """
        with self._lock:
            positions = self._items.get((key[0], "x", *key[2:]))
        return positions.postings() if positions is not None else None

    def forget_segments(self, keep: set[str]) -> None:
        """Drop arrays of segments that no longer exist (after merges)."""
        with self._lock:
            for key in [k for k in self._items if k[0] not in keep]:
                self._bytes -= self._items.pop(key).nbytes
