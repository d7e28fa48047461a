"""A Whoosh posting format: positions plus the exact spelling at each position.

Index terms are accent-folded syllables (see :mod:`index.analysis`).  For
every posting, ``PackedPositions`` stores

    uint32 position × freq, then uint32 spelling code × freq

(little-endian), where the spelling code is a CRC-32 of the exact form with
canonical tones (``đảng``, ``đang`` and ``dang`` fold to one term but keep
three codes).  The search engine joins a whole posting list's values and
decodes them with one ``numpy.frombuffer`` call (:mod:`search.postings`), so
"exact spelling" is a vectorised filter, and phrase checks never unpickle
per document.  Whoosh's own matchers still work: ``decode_positions``
returns the usual list.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from collections import defaultdict
from functools import lru_cache

from whoosh.analysis import Composable
from whoosh.formats import Format

_NATIVE_LITTLE = sys.byteorder == "little"


@lru_cache(maxsize=1 << 18)
def spelling_code(exact: str) -> int:
    """CRC-32 of the exact (lowercase, canonical-tone) form of a token."""
    return zlib.crc32(exact.encode("utf-8"))


def _pack(values: list[int]) -> bytes:
    arr = array("I", values)
    if not _NATIVE_LITTLE:  # pragma: no cover - big-endian hosts
        arr.byteswap()
    return arr.tobytes()


def _unpack(value: bytes) -> list[int]:
    arr = array("I")
    arr.frombytes(value)
    if not _NATIVE_LITTLE:  # pragma: no cover
        arr.byteswap()
    return arr.tolist()


def pack_posting(positions: list[int], codes: list[int]) -> bytes:
    return _pack(positions) + _pack(codes)


def unpack_posting(value: bytes) -> tuple[list[int], list[int]]:
    half = len(value) // 2
    return _unpack(value[:half]), _unpack(value[half:])


class PackedPositions(Format):
    """Frequency, positions and per-position spelling codes."""

    def word_values(self, value: str, analyzer: Composable, **kwargs):
        fb = self.field_boost
        poses: defaultdict[str, list[int]] = defaultdict(list)
        codes: defaultdict[str, list[int]] = defaultdict(list)
        kwargs["positions"] = True
        kwargs["mode"] = "index"
        for t in analyzer(value, **kwargs):
            poses[t.text].append(t.pos)
            codes[t.text].append(spelling_code(getattr(t, "exact", t.text)))
        for word, poslist in poses.items():
            yield word, len(poslist), len(poslist) * fb, pack_posting(poslist, codes[word])

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return unpack_posting(valuestring)[0]

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 8

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in self.decode_positions(valuestring)]

    def combine(self, vs: list[bytes]) -> bytes:
        merged: dict[int, int] = {}
        for v in vs:
            positions, codes = unpack_posting(v)
            merged.update(zip(positions, codes))
        ordered = sorted(merged)
        return pack_posting(ordered, [merged[p] for p in ordered])
