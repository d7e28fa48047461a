"""Bytes to text: which charset to believe, and what to do when they lie.

District portals are nearly all UTF-8, but three things go wrong often
enough to matter (``shared/docs/portals.md``, "Encodings"):

* a server header that lies (``iso-8859-1`` in front of UTF-8 bytes): read
  as declared, every Vietnamese letter becomes two Latin-1 letters
  ("mojibake");
* Word "Save as HTML" pages in ``windows-1258``, which store tone marks as
  separate combining characters, so the decoded text is decomposed;
* a few invalid bytes in otherwise good UTF-8 (truncated downloads).

The rule: a declared charset is trusted only when the bytes agree with it.
Bytes that are valid UTF-8 and contain multi-byte sequences are UTF-8
whatever the header says, because 8-bit text almost never forms valid UTF-8
by chance.  Otherwise the header, then ``<meta charset>``, then
charset-normalizer's guess are tried in that order.

The decoded page is NFC with ``Ð``→``Đ`` (windows-1258 stores tones as
combining marks).  Character references (``e&#769;``) only become
characters after parsing, so extracted text is normalised once more.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from khotin.text import nfc

__all__ = ["Decoded", "decode_html", "declared_charsets", "sniff_binary"]

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Magic numbers of files that are sometimes served as text/html.
_MAGIC = (
    (b"%PDF", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive (or DOCX/XLSX)"),
    (b"Rar!", "RAR archive"),
    (b"\xd0\xcf\x11\xe0", "Office document (DOC/XLS)"),
    (b"\x1f\x8b", "gzip data"),
)
#: Charsets whose every byte decodes: "success" proves nothing about them.
_SERVER_DEFAULTS = {"iso8859-1", "latin-1", "cp1252", "ascii"}  # codecs.lookup() names


_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 27), *range(28, 32)])


@dataclass
class Decoded:
    """The decoded page, the charset used, and what looked wrong."""

    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def _codec(name: str | None) -> str | None:
    """Python's codec name for a charset label, or None when unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in ("windows-874", "x-user-defined"):
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charsets(content: bytes, headers: Mapping[str, str] | None) -> tuple[str | None, str | None]:
    """The charset named by the Content-Type header and by the page's meta tag."""
    header = None
    for key, value in (headers or {}).items():
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if str(key).lower() == "content-type" and value:
            m = _HEADER_CHARSET.search(value)
            header = m.group(1) if m else None
    m = _META_CHARSET.search(content[:16384])
    meta = m.group(1).decode("ascii", "replace") if m else None
    return header, meta


def sniff_binary(content: bytes) -> str | None:
    """Name the kind of binary file ``content`` is, or None when it may be text."""
    head = content[:8]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    sample = content[:4096]
    if not sample or _utf16_bom(sample):
        return None
    # Text in any 8-bit or UTF-8 encoding has almost no C0 control bytes
    # besides tab and newlines; compressed or random data has about 10 %.
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls * 50 > len(sample):
        return "binary data"
    return None


def _utf16_bom(sample: bytes) -> bool:
    return sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _strict(content: bytes, codec: str) -> str | None:
    try:
        return content.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf8_errors(content: bytes) -> int:
    """How many invalid sequences a UTF-8 reading meets (a cheap count)."""
    return content.decode("utf-8", "replace").count("\ufffd") - content.count(b"\xef\xbf\xbd")


def _guess(content: bytes) -> str | None:
    """charset-normalizer's best guess, or None."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a runtime dependency
        return None
    best = from_bytes(content[:200_000], cp_isolation=None).best()
    return _codec(best.encoding) if best else None


def decode_html(content: bytes | str, headers: Mapping[str, str] | None = None) -> Decoded:
    """Decode a page body to NFC text; never raises, warns when the declared charset lied."""
    decoded = _decode(content, headers)
    text = decoded.text
    if not text.isascii() and (not unicodedata.is_normalized("NFC", text)
                               or "\u00d0" in text or "\u00f0" in text):
        decoded.text = nfc(text)
    return decoded


def _decode(content: bytes | str, headers: Mapping[str, str] | None) -> Decoded:
    if isinstance(content, str):
        return Decoded(content, "unicode")
    warnings: list[str] = []
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return Decoded(content[len(bom):].decode(codec, "replace"), codec.replace("_", "-"))
    header, meta = declared_charsets(content, headers)
    declared = [c for c in (_codec(header), _codec(meta)) if c]
    if len(declared) == 2 and declared[0] in _SERVER_DEFAULTS and declared[1] != declared[0]:
        # "iso-8859-1" is what many servers send when nobody configured a
        # charset; a page that names its own charset knows better.
        declared.reverse()
    for label in (header, meta):
        if label and not _codec(label):
            warnings.append(f"unknown charset {label!r} ignored")
    if content.isascii():
        return Decoded(content.decode("ascii"), declared[0] if declared else "ascii", warnings)

    utf8 = _strict(content, "utf-8")
    if utf8 is not None:
        first = declared[0] if declared else "utf-8"
        if first != "utf-8":
            warnings.append(f"declared charset {first} but the bytes are UTF-8; decoded as UTF-8")
        return Decoded(utf8, "utf-8", warnings)

    for codec in declared:
        if codec == "utf-8":
            continue
        text = _strict(content, codec)
        if text is not None and codec in _SERVER_DEFAULTS:
            # Latin-1 decodes any bytes, so success proves nothing; a
            # Vietnamese 8-bit page sent with the server's default label is
            # windows-1258 when the content says so.
            guess = _guess(content)
            if guess and guess != codec and guess != "utf-8":
                better = _strict(content, guess)
                if better is not None:
                    warnings.append(f"declared charset {codec} does not fit the bytes; decoded as {guess}")
                    return Decoded(better, guess, warnings)
        if text is not None:
            if declared[0] == "utf-8":
                warnings.append(f"declared UTF-8 but the bytes are not; decoded as {codec}")
            return Decoded(text, codec, warnings)

    # Mostly UTF-8 with a few broken bytes (a truncated or spliced download)?
    non_ascii = sum(1 for b in content[:200_000] if b >= 0x80)
    errors = _utf8_errors(content[:200_000])
    if errors * 20 <= non_ascii:
        warnings.append(f"{errors} invalid UTF-8 sequence(s) replaced")
        return Decoded(content.decode("utf-8", "replace"), "utf-8", warnings)

    guess = _guess(content)
    if guess and guess != "utf-8":
        text = _strict(content, guess)
        if text is not None:
            if declared:
                warnings.append(f"declared charset {declared[0]} does not fit the bytes; decoded as {guess}")
            return Decoded(text, guess, warnings)
    # Vietnamese 8-bit text is windows-1258 far more often than anything else.
    warnings.append("charset unknown; decoded as windows-1258")
    return Decoded(content.decode("cp1258", "replace"), "cp1258", warnings)
