"""A Whoosh posting format whose positions decode in bulk.

Whoosh's stock ``Positions`` format pickles a delta list per posting; phrase
checks then unpickle one list per document in Python.  ``PackedPositions``
stores the positions of a posting as little-endian uint32 values instead, so
the search engine can join a whole posting list's values and decode them with
one ``numpy.frombuffer`` call (see :mod:`search.postings`).  Whoosh's own
matchers still work on it: ``decode_positions`` returns the usual list.
Encoding is also cheaper than pickling, which matters for indexing speed.
"""

from __future__ import annotations

import sys
from array import array
from collections import defaultdict

from whoosh.analysis import Composable
from whoosh.formats import Format

_NATIVE_LITTLE = sys.byteorder == "little"


def pack_positions(positions: list[int]) -> bytes:
    arr = array("I", positions)
    if not _NATIVE_LITTLE:  # pragma: no cover - big-endian hosts
        arr.byteswap()
    return arr.tobytes()


def unpack_positions(value: bytes) -> list[int]:
    arr = array("I")
    arr.frombytes(value)
    if not _NATIVE_LITTLE:  # pragma: no cover
        arr.byteswap()
    return arr.tolist()


class PackedPositions(Format):
    """Frequency and positions; positions stored as packed uint32."""

    def word_values(self, value: str, analyzer: Composable, **kwargs):
        fb = self.field_boost
        poses: defaultdict[str, list[int]] = defaultdict(list)
        kwargs["positions"] = True
        kwargs["mode"] = "index"
        for t in analyzer(value, **kwargs):
            poses[t.text].append(t.pos)
        for word, poslist in poses.items():
            yield word, len(poslist), len(poslist) * fb, pack_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return unpack_positions(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in unpack_positions(valuestring)]

    def combine(self, vs: list[bytes]) -> bytes:
        merged: set[int] = set()
        for v in vs:
            merged.update(unpack_positions(v))
        return pack_positions(sorted(merged))
